"""A naive round-robin scheduler: the baseline that proves the tiers are tight.

It fills every rotation-session to its minimum with the next resident in a fixed cycle
who is eligible, present and not already on duty that session (R8-R10), and ignores the
duty-hour rules R1-R6 altogether.
"""

from __future__ import annotations

from rota.domain import Assignment, Program


def round_robin(program: Program) -> list[Assignment]:
    """The naive schedule of ``program``."""
    residents = sorted(program.residents, key=lambda p: p.code)
    absent = {
        (a.person_id, program.day_of(a.start) + k)
        for a in program.absences
        for k in range((a.end - a.start).days + 1)
    }
    sessions = sorted(program.sessions, key=lambda s: s.start_minute)
    rotations = sorted(program.rotations, key=lambda r: r.code)
    cursor = 0
    out: list[Assignment] = []
    for day in range(program.days):
        date = program.date_of(day)
        for s in sessions:
            busy: set[int] = set()
            for r in rotations:
                if not r.open_on(date):
                    continue
                need = next((c.min_residents for c in r.coverage if c.session_id == s.id), 0)
                for _ in range(need):
                    for step in range(len(residents)):
                        p = residents[(cursor + step) % len(residents)]
                        if r.eligible(p.pgy) and p.id not in busy and (p.id, day) not in absent:
                            cursor = (cursor + step + 1) % len(residents)
                            busy.add(p.id)
                            out.append(Assignment(p.id, date, s.id, r.id))
                            break
    return out
