"""The schedule export format: one CSV row per duty assignment.

Columns, in this order: ``person_id,role,pgy,date,session,rotation,start,end,is_call``.
``pgy`` is empty for faculty; ``session`` is the session's name and ``rotation`` the
rotation's code; ``start``/``end`` are the local date-times of the duty interval (a night
ends the next morning); ``is_call`` is ``1`` for a call night. Redundant columns (role,
pgy, start, end, is_call) are checked on reading, so a file edited by hand or written for
another program is refused with the file and line named, never accepted half-right.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from rota.domain import Assignment, Person, Program, Rotation, SessionDef
from rota.errors import UsageError

COLUMNS = ("person_id", "role", "pgy", "date", "session", "rotation", "start", "end", "is_call")
"""The header of a schedule CSV, in order."""


def write_schedule_csv(program: Program, assignments: Iterable[Assignment], out: TextIO) -> int:
    """Write a schedule as CSV, sorted by date, session start and person id.

    Args:
        program: Supplies the names, codes and session times the rows spell out.
        assignments: The schedule.
        out: A text stream opened with ``newline=""``.

    Returns:
        The number of rows written, header excluded.

    Raises:
        UsageError: An assignment names a person, session or rotation the program lacks.
    """
    people = {p.id: p for p in program.people}
    sessions = {s.id: s for s in program.sessions}
    rotations = {r.id: r for r in program.rotations}
    keyed: list[tuple[tuple[dt.date, int, int, int, str], list[str]]] = []
    for assignment in assignments:
        person = people.get(assignment.person_id)
        session = sessions.get(assignment.session_id)
        rotation = rotations.get(assignment.rotation_id)
        if person is None or session is None or rotation is None:
            raise UsageError(
                f"cannot export {assignment}: the program has no such person, session or rotation"
            )
        key = (assignment.date, session.start_minute, person.id, session.id, rotation.code)
        keyed.append((key, _row(assignment.date, person, session, rotation)))
    keyed.sort(key=lambda item: item[0])
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(row for _, row in keyed)
    return len(keyed)


def read_schedule_csv(path: Path, program: Program) -> list[Assignment]:
    """Read a schedule CSV written by ``write_schedule_csv`` back into assignments.

    Args:
        path: The CSV file (UTF-8, a byte-order mark is tolerated).
        program: The program whose people, sessions and rotations the rows must name.

    Returns:
        The assignments in file order.

    Raises:
        UsageError: The file cannot be read or a line is malformed; the one-line message
            names the file, the line number and the problem.
    """
    parser = _RowParser(program)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle, strict=True)
            try:
                header = next((row for row in reader if row), None)
                if header is None:
                    raise _RowError(f"empty file: expected the header {','.join(COLUMNS)}")
                _check_header(header)
                # Rows are parsed as they are read, so line_num is the failing row's line.
                return [parser.parse(row) for row in reader if row]
            except _RowError as exc:
                raise UsageError(f"{path}:{max(reader.line_num, 1)}: {exc}") from None
            except csv.Error as exc:
                raise UsageError(f"{path}:{reader.line_num}: malformed CSV: {exc}") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read schedule CSV: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text: {exc.reason}") from None


class _RowError(ValueError):
    """A problem with one row; the reader adds the file and line."""


def _check_header(header: list[str]) -> None:
    """Refuse a header that is not exactly ``COLUMNS``, saying what differs."""
    names = [name.strip() for name in header]
    if names == list(COLUMNS):
        return
    missing = [c for c in COLUMNS if c not in names]
    extra = [n for n in names if n not in COLUMNS]
    problems = []
    if missing:
        problems.append(f"missing column {', '.join(missing)}")
    if extra:
        problems.append(f"extra column {', '.join(extra)}")
    if not problems:
        problems.append("columns out of order or repeated")
    raise _RowError(f"bad header ({'; '.join(problems)}): expected {','.join(COLUMNS)}")


def _row(date: dt.date, person: Person, session: SessionDef, rotation: Rotation) -> list[str]:
    """The CSV fields of one assignment."""
    start, end = _span(date, session)
    return [
        str(person.id),
        person.role.value,
        "" if person.pgy is None else str(person.pgy),
        date.isoformat(),
        session.name,
        rotation.code,
        start.isoformat(),
        end.isoformat(),
        "1" if _is_call(session, rotation) else "0",
    ]


def _span(date: dt.date, session: SessionDef) -> tuple[dt.datetime, dt.datetime]:
    """Local start and end of a session on a date."""
    midnight = dt.datetime.combine(date, dt.time())
    return (
        midnight + dt.timedelta(minutes=session.start_minute),
        midnight + dt.timedelta(minutes=session.end_minute),
    )


def _is_call(session: SessionDef, rotation: Rotation) -> bool:
    """True when this session of this rotation is an in-house call night (R6)."""
    return session.overnight and rotation.night_is_call


class _RowParser:
    """Turns the fields of one data row into an ``Assignment``, checking every column."""

    def __init__(self, program: Program) -> None:
        self._people = {p.id: p for p in program.people}
        self._sessions = {s.name: s for s in program.sessions}
        self._rotations = {r.code: r for r in program.rotations}

    def parse(self, row: list[str]) -> Assignment:
        """The assignment a row describes, or a ``_RowError`` naming the bad field."""
        if len(row) != len(COLUMNS):
            raise _RowError(f"expected {len(COLUMNS)} fields, found {len(row)}")
        person_id, role, pgy, date_text, session_name, code, start, end, is_call = row
        person = self._person(person_id, role, pgy)
        date = _parse_date(date_text)
        session = self._sessions.get(session_name)
        if session is None:
            raise _RowError(
                f"unknown session {session_name!r} (known: {', '.join(self._sessions)})"
            )
        rotation = self._rotations.get(code)
        if rotation is None:
            raise _RowError(f"unknown rotation {code!r} (known: {', '.join(self._rotations)})")
        for column, text, expected in zip(
            ("start", "end"), (start, end), _span(date, session), strict=True
        ):
            if _parse_datetime(column, text) != expected:
                raise _RowError(
                    f"{column} {text!r} does not match session {session.name} on {date_text} "
                    f"(expected {expected.isoformat()})"
                )
        if is_call not in ("0", "1"):
            raise _RowError(f"is_call must be 0 or 1, found {is_call!r}")
        if (is_call == "1") is not _is_call(session, rotation):
            raise _RowError(
                f"is_call {is_call} but {session.name} on {rotation.code} is "
                f"{'' if _is_call(session, rotation) else 'not '}a call night"
            )
        return Assignment(person.id, date, session.id, rotation.id)

    def _person(self, person_id: str, role: str, pgy: str) -> Person:
        """The person a row names, with its role and PGY columns checked."""
        try:
            person = self._people.get(int(person_id))
        except ValueError:
            raise _RowError(f"person_id {person_id!r} is not an integer") from None
        if person is None:
            raise _RowError(f"unknown person id {person_id}")
        if role != person.role.value:
            raise _RowError(
                f"role {role!r} does not match person {person.id} ({person.role.value})"
            )
        expected = "" if person.pgy is None else str(person.pgy)
        if pgy != expected:
            raise _RowError(
                f"pgy {pgy!r} does not match person {person.id} (expected {expected!r})"
            )
        return person


def _parse_date(text: str) -> dt.date:
    """An ISO date ``YYYY-MM-DD``, strictly (no week dates or compact forms)."""
    try:
        date = dt.date.fromisoformat(text)
    except ValueError:
        date = None
    if date is None or date.isoformat() != text:
        raise _RowError(f"bad date {text!r} (expected YYYY-MM-DD)")
    return date


def _parse_datetime(column: str, text: str) -> dt.datetime:
    """An ISO local date-time such as ``2027-01-04T17:00:00``."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise _RowError(f"bad {column} {text!r} (expected YYYY-MM-DDTHH:MM:SS)") from None
    if value.tzinfo is not None:
        raise _RowError(f"bad {column} {text!r}: local time expected, without an offset")
    return value
