"""Dataset fingerprint: SHA-256 over a program's rows in a canonical order.

Rows are written with natural keys (person codes, rotation codes, session names), never
database ids, so the same dataset has the same fingerprint whichever database it was
loaded from and whatever else that database holds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator

from rota.domain import Program

# Version of the canonical row layout; bump it when the rows below change shape.
FINGERPRINT_LAYOUT = 1


def canonical_rows(program: Program) -> Iterator[list[object]]:
    """Every row of the program as a JSON-able list, in a canonical order."""
    people = {p.id: p.code for p in program.people}
    sessions = {s.id: s.name for s in program.sessions}
    yield ["layout", FINGERPRINT_LAYOUT]
    yield ["horizon", program.start_date.isoformat(), program.days]
    for s in sorted(program.sessions, key=lambda s: s.name):
        yield ["session", s.name, s.start_minute, s.end_minute]
    for p in sorted(program.people, key=lambda p: p.code):
        yield ["person", p.code, p.role.value, p.pgy, p.name]
    for r in sorted(program.rotations, key=lambda r: r.code):
        yield [
            "rotation",
            r.code,
            r.name,
            r.kind,
            r.min_pgy,
            r.max_pgy,
            r.supervised,
            r.supervision_capacity,
            r.pgy1_weight,
            r.weekend_rule.value,
            r.night_is_call,
        ]
        for c in sorted(r.coverage, key=lambda c: sessions[c.session_id]):
            yield ["coverage", r.code, sessions[c.session_id], c.min_residents, c.max_residents]
    absences = sorted(
        (people[a.person_id], a.start.isoformat(), a.end.isoformat(), a.kind)
        for a in program.absences
    )
    for code, start, end, kind in absences:
        yield ["absence", code, start, end, kind]


def sha256_of_rows(rows: Iterable[list[object]]) -> str:
    """SHA-256 hex digest of rows serialized one compact JSON line each."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps(row, separators=(",", ":")).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def fingerprint(program: Program) -> str:
    """The dataset fingerprint of ``program``."""
    return sha256_of_rows(canonical_rows(program))
