"""The independent ACGME validator: checks any schedule against rules R1-R10.

``validate(program, assignments)`` returns every ``Violation``; an empty list means the
schedule obeys the rules. ``RULES`` maps each rule id to its check, one function per rule.
This package never imports the solver (``rota.engine``).
"""

from rota.acgme.validate import RULES, summarize, validate
from rota.acgme.violation import Violation

__all__ = ["RULES", "Violation", "summarize", "validate"]
