"""The README and docs/ describe what the repository holds (issue 8, item 9).

Every file they link to or name exists, and docs/RULES.md agrees with the code: the rule
ids the validator reports, the policy's default numbers and the tier sizes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rota.datasets.tiers import TIERS
from rota.policy import DEFAULT_POLICY

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")), REPO / "results/FORMAT.md"]
RULES = REPO / "docs" / "RULES.md"

# Markdown links to local files: [text](path) or [text](path#anchor).
LINK = re.compile(r"\]\((?!https?://|#)([^)#\s]+)")
# A file name mentioned as such: DESIGN.md, docs/RULES.md, results/FORMAT.md ...
MARKDOWN_FILE = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[A-Z][\w-]*\.md)\b")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_linked_or_named_markdown_file_exists(doc: Path) -> None:
    """Issue 8 item 9: no link or mention of a document the repository does not hold."""
    text = doc.read_text()
    targets = {(doc.parent / link).resolve() for link in LINK.findall(text)}
    targets |= {REPO / name for name in MARKDOWN_FILE.findall(text) if "/" in name}
    named = {name for name in MARKDOWN_FILE.findall(text) if "/" not in name}
    missing = sorted(str(t) for t in targets if not t.exists())
    missing += sorted(n for n in named if not list(REPO.glob(f"**/{n}")))
    assert missing == []


def test_the_readme_points_at_the_rules() -> None:
    """The README sends readers to docs/RULES.md for the rules."""
    assert "](docs/RULES.md)" in (REPO / "README.md").read_text()


def rules_table() -> dict[str, str]:
    rows = re.findall(r"^\| (R\d+) \| (.+) \|$", RULES.read_text(), flags=re.MULTILINE)
    return dict(rows)


def test_rules_lists_r1_to_r10_once_each() -> None:
    """The rules table has one row per rule the validator reports, R1 to R10."""
    assert list(rules_table()) == [f"R{i}" for i in range(1, 11)]


def test_rules_states_the_policy_defaults() -> None:
    """The numbers in the table are the defaults of rota.policy.Policy."""
    p, rows = DEFAULT_POLICY, rules_table()
    weeks = p.window_days / 7
    assert f"at most {p.max_hours_per_week * weeks:.0f} h in any {p.window_days}-day" in rows["R1"]
    assert f"at least {p.min_free_days_per_window} calendar days" in rows["R2"]
    assert f"longer than {p.max_continuous_hours:.0f} h" in rows["R3"]
    assert f"at least {p.rest_after_long_duty_hours:.0f} h off" in rows["R4"]
    assert f"chain of {p.long_duty_hours:.0f} h or more" in rows["R4"]
    assert f"at least {p.rest_between_duty_hours:.0f} h off" in rows["R5"]
    assert f"at most {p.max_call_nights_per_window} call nights" in rows["R6"]
    assert f"PGY-1 weighs {p.pgy1_weight}" in rows["R7"]
    assert f"capacity {p.supervision_capacity}" in rows["R7"]


def test_rules_tier_table_matches_the_tiers() -> None:
    """The tier table in docs/RULES.md is the one rota.datasets.tiers defines."""
    pattern = r"^\| (\w+) \| (\d+) \(([\d/]+)\) \| (\d+) \| (\d+) \| (\d+) \| ([\d,]+) \|$"
    rows = re.findall(pattern, RULES.read_text(), flags=re.MULTILINE)
    documented = {
        name: (int(n), tuple(int(c) for c in pgy.split("/")), int(f), int(r), int(d), size)
        for name, n, pgy, f, r, d, size in rows
    }
    actual = {
        t.name: (t.residents, t.pgy_counts, t.faculty, t.rotations, t.days,
                 f"{t.resident_sessions:,}")
        for t in TIERS.values()
    }  # fmt: skip
    assert documented == actual
