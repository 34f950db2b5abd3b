"""The schedule CSV export format: writing, reading back, and refusing bad files."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from rota.domain import Assignment, Program
from rota.errors import UsageError
from rota.schedule_csv import COLUMNS, read_schedule_csv, write_schedule_csv

MakeProgram = Callable[..., Program]
Assign = Callable[..., Assignment]

HEADER = "person_id,role,pgy,date,session,rotation,start,end,is_call"


@pytest.fixture
def program(make_program: MakeProgram) -> Program:
    """Three residents (PGY-1/2/3) and one faculty over a week."""
    return make_program(days=7)


@pytest.fixture
def schedule(program: Program, assign: Assign) -> list[Assignment]:
    """A few assignments out of order: a call night, a clinic morning, faculty supervision."""
    return [
        assign(program, 2, 1, "NIGHT", "WARD"),
        assign(program, 101, 1, "NIGHT", "WARD"),
        assign(program, 3, 0, "PM", "CLINIC"),
        assign(program, 1, 0, "AM", "WARD"),
        assign(program, 2, 1, "AM", "ICU"),
    ]


def _written(program: Program, schedule: list[Assignment]) -> str:
    out = io.StringIO()
    write_schedule_csv(program, schedule, out)
    return out.getvalue()


def test_write_spells_out_each_row(program: Program, schedule: list[Assignment]) -> None:
    """Rows carry names, ISO local times (a night ends next morning) and the call flag, sorted."""
    out = io.StringIO()
    assert write_schedule_csv(program, schedule, out) == 5
    assert out.getvalue().splitlines() == [
        HEADER,
        "1,resident,1,2027-01-04,AM,WARD,2027-01-04T07:00:00,2027-01-04T12:00:00,0",
        "3,resident,3,2027-01-04,PM,CLINIC,2027-01-04T12:00:00,2027-01-04T17:00:00,0",
        "2,resident,2,2027-01-05,AM,ICU,2027-01-05T07:00:00,2027-01-05T12:00:00,0",
        "2,resident,2,2027-01-05,NIGHT,WARD,2027-01-05T17:00:00,2027-01-06T07:00:00,1",
        "101,faculty,,2027-01-05,NIGHT,WARD,2027-01-05T17:00:00,2027-01-06T07:00:00,1",
    ]


def test_round_trip(tmp_path: Path, program: Program, schedule: list[Assignment]) -> None:
    """Writing a schedule then reading it back gives the same assignments."""
    path = tmp_path / "schedule.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        write_schedule_csv(program, schedule, handle)
    assert sorted(read_schedule_csv(path, program)) == sorted(schedule)


def test_empty_schedule_round_trips(tmp_path: Path, program: Program) -> None:
    """An empty schedule is a header alone and reads back as no assignments."""
    path = tmp_path / "empty.csv"
    path.write_text(_written(program, []), encoding="utf-8")
    assert path.read_text(encoding="utf-8") == HEADER + "\n"
    assert read_schedule_csv(path, program) == []


def test_reader_tolerates_bom_crlf_and_blank_lines(
    tmp_path: Path, program: Program, schedule: list[Assignment]
) -> None:
    """A spreadsheet's byte-order mark, CRLF line ends and blank lines are accepted."""
    path = tmp_path / "excel.csv"
    text = _written(program, schedule).replace("\n", "\r\n") + "\r\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert sorted(read_schedule_csv(path, program)) == sorted(schedule)


def test_write_refuses_unknown_ids(program: Program, schedule: list[Assignment]) -> None:
    """Exporting an assignment the program cannot name is a usage error, not a KeyError."""
    bad = schedule[0]._replace(rotation_id=99)
    with pytest.raises(UsageError, match="no such person, session or rotation"):
        write_schedule_csv(program, [bad], io.StringIO())


GOOD = "2,resident,2,2027-01-05,NIGHT,WARD,2027-01-05T17:00:00,2027-01-06T07:00:00,1"


@pytest.mark.parametrize(
    ("lines", "line_number", "fragment"),
    [
        pytest.param([], 1, "empty file", id="empty-file"),
        pytest.param(
            [HEADER.replace(",is_call", "")], 1, "missing column is_call", id="missing-column"
        ),
        pytest.param([HEADER + ",note"], 1, "extra column note", id="extra-column"),
        pytest.param(
            [HEADER.replace("date,session", "session,date")], 1, "out of order", id="reordered"
        ),
        pytest.param(
            [HEADER, GOOD, GOOD + ",x"], 3, "expected 9 fields, found 10", id="extra-field"
        ),
        pytest.param(
            [HEADER, GOOD.replace("2,", "x,", 1)], 2, "person_id 'x' is not an integer", id="bad-id"
        ),
        pytest.param(
            [HEADER, GOOD.replace("2,", "7,", 1)], 2, "unknown person id 7", id="unknown-person"
        ),
        pytest.param(
            [HEADER, GOOD.replace("resident", "faculty")], 2, "role 'faculty'", id="wrong-role"
        ),
        pytest.param([HEADER, GOOD.replace(",2,2027", ",1,2027")], 2, "pgy '1'", id="wrong-pgy"),
        pytest.param(
            [HEADER, GOOD.replace("2027-01-05,", "2027-02-30,", 1)], 2, "bad date", id="bad-date"
        ),
        pytest.param(
            [HEADER, GOOD.replace("2027-01-05,", "20270105,", 1)], 2, "bad date", id="compact-date"
        ),
        pytest.param(
            [HEADER, GOOD.replace("NIGHT", "EVE")], 2, "unknown session 'EVE'", id="unknown-session"
        ),
        pytest.param(
            [HEADER, GOOD.replace("WARD", "SPA")],
            2,
            "unknown rotation 'SPA'",
            id="unknown-rotation",
        ),
        pytest.param([HEADER, GOOD.replace("T17:00", "T18:00")], 2, "start", id="start-mismatch"),
        pytest.param([HEADER, GOOD.replace("06T07:00", "05T07:00")], 2, "end", id="end-mismatch"),
        pytest.param([HEADER, GOOD.replace("T17:00:00", "T5pm")], 2, "bad start", id="bad-start"),
        pytest.param(
            [HEADER, GOOD.replace("T17:00:00", "T17:00:00+01:00")],
            2,
            "without an offset",
            id="offset",
        ),
        pytest.param([HEADER, GOOD[:-1] + "yes"], 2, "is_call must be 0 or 1", id="bad-is-call"),
        pytest.param([HEADER, GOOD[:-1] + "0"], 2, "is a call night", id="call-unflagged"),
        pytest.param(
            [HEADER, GOOD, GOOD.replace("WARD", "CLINIC")], 3, "not a call night", id="not-call"
        ),
        pytest.param([HEADER, GOOD, "", GOOD[:-1] + "2"], 4, "is_call", id="line-after-blank"),
        pytest.param([HEADER, GOOD.replace("WARD", '"WARD"x')], 2, "malformed CSV", id="bad-quote"),
        pytest.param([HEADER, GOOD, GOOD + ',"open'], 3, "malformed CSV", id="open-quote"),
    ],
)
def test_malformed_csv_is_a_usage_error_naming_file_and_line(
    tmp_path: Path, program: Program, lines: list[str], line_number: int, fragment: str
) -> None:
    """Every malformed file gives a one-line UsageError with the file, the line and the problem."""
    path = tmp_path / "bad.csv"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        read_schedule_csv(path, program)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line_number}: ")
    assert fragment in message
    assert "\n" not in message


def test_unreadable_files_are_usage_errors(tmp_path: Path, program: Program) -> None:
    """A missing file or one that is not UTF-8 is a usage error naming the file."""
    with pytest.raises(UsageError, match=r"missing\.csv: cannot read"):
        read_schedule_csv(tmp_path / "missing.csv", program)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(HEADER.encode() + b"\n\xff\xfe\n")
    with pytest.raises(UsageError, match=r"binary\.csv: not UTF-8"):
        read_schedule_csv(binary, program)


def test_columns_constant_matches_the_header() -> None:
    """The documented column order is the one the writer uses."""
    assert ",".join(COLUMNS) == HEADER
