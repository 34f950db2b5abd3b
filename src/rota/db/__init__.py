"""The database layer: tables, async engines for SQLite and PostgreSQL, bulk loading.

SQLAlchemy lives here, at the edge; the engine works on ``rota.domain`` objects. Importing
this package creates no engine and opens no connection.
"""

from rota.db.engine import (
    DEFAULT_CONNECT_TIMEOUT,
    create_engine,
    create_tables,
    has_tables,
    open_database,
    session_factory,
)
from rota.db.load import DatasetInfo, find_dataset, list_datasets, load_program
from rota.db.models import (
    AbsenceRow,
    AssignmentRow,
    Base,
    CoverageRow,
    DatasetRow,
    PersonRow,
    RotationRow,
    RunStatus,
    ScheduleRunRow,
    SessionRow,
)
from rota.db.url import ENV_VAR, display_url, normalize_url, resolve_url

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "ENV_VAR",
    "AbsenceRow",
    "AssignmentRow",
    "Base",
    "CoverageRow",
    "DatasetInfo",
    "DatasetRow",
    "PersonRow",
    "RotationRow",
    "RunStatus",
    "ScheduleRunRow",
    "SessionRow",
    "create_engine",
    "create_tables",
    "display_url",
    "find_dataset",
    "has_tables",
    "list_datasets",
    "load_program",
    "normalize_url",
    "open_database",
    "resolve_url",
    "session_factory",
]
