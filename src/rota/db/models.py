"""Tables of a seeded dataset and of the schedule runs made from it.

A dataset owns its sessions, people, rotations (with their coverage), absences and runs:
deleting a dataset deletes all of them, and deleting a run deletes its assignments. A
person, rotation or session that assignments still name cannot be deleted on its own.

Ids are surrogate integers the database assigns; the natural keys (a person's code, a
rotation's code, a session's name) are unique per dataset and are what the fingerprint
hashes, so the same dataset matches across databases.

Loads filter by ``dataset_id``; the unique constraints on ``(dataset_id, code|name)`` lead
with it, so they are the indexes those loads use (a separate one would be redundant).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from rota.domain import Role, WeekendRule

# Named constraints give the same, readable names on every backend (errors cite them).
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class RunStatus(StrEnum):
    """Where one schedule generation stands."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    INFEASIBLE = "infeasible"


def _enum(enum: type[StrEnum], name: str) -> Enum:
    """A portable enum column: VARCHAR holding the member *values*, plus a CHECK."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """``DateTime(timezone=True)`` that reads back aware UTC datetimes on every backend.

    PostgreSQL keeps the zone; SQLite stores none and would return naive values. Naive
    input is refused rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        """Store the instant in UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()}: pass an aware one (UTC)")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        """Read the instant back as an aware UTC datetime."""
        if value is None:
            return None
        moment: dt.datetime = value
        return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def _owned_by_dataset() -> Mapped[int]:
    return mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False)


def _deferred_key(target: str) -> ForeignKey:
    """A key from an assignment to what it names: NO ACTION, checked at commit.

    PostgreSQL checks a non-deferred key as its cascade queue reaches it, so a dataset
    delete could check its people before the cascade through its runs removed their
    assignments, and fail or not depending on trigger order. Deferred, the whole cascade
    has run by then; deleting one person who still has assignments fails, at commit.
    """
    return ForeignKey(target, ondelete="NO ACTION", deferrable=True, initially="DEFERRED")


class Base(DeclarativeBase):
    """Declarative base holding the metadata of every table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class DatasetRow(Base):
    """One seeded dataset: a pure function of (tier, seed), identified by its fingerprint."""

    __tablename__ = "datasets"
    __table_args__ = (
        UniqueConstraint("tier", "seed"),
        CheckConstraint("days > 0", name="days_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tier: Mapped[str] = mapped_column(String(32))
    seed: Mapped[int] = mapped_column(BigInteger)
    fingerprint: Mapped[str] = mapped_column(String(64))
    start_date: Mapped[dt.date] = mapped_column(Date)
    days: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=_utcnow)


class SessionRow(Base):
    """A session of the day (AM, PM, NIGHT ...): data, never a constant in code."""

    __tablename__ = "sessions"
    __table_args__ = (
        UniqueConstraint("dataset_id", "name"),
        CheckConstraint("start_minute >= 0", name="start_not_negative"),
        CheckConstraint("start_minute < end_minute", name="start_before_end"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = _owned_by_dataset()
    name: Mapped[str] = mapped_column(String(32))
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)


class PersonRow(Base):
    """A resident (with a PGY level) or a faculty member (no PGY level)."""

    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("dataset_id", "code"),
        CheckConstraint("pgy >= 1", name="pgy_positive"),
        CheckConstraint(
            "(role = 'resident' AND pgy IS NOT NULL) OR (role = 'faculty' AND pgy IS NULL)",
            name="pgy_matches_role",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = _owned_by_dataset()
    code: Mapped[str] = mapped_column(String(32))
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    pgy: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))


class RotationRow(Base):
    """An activity with eligibility, supervision and weekend rules (see ``domain.Rotation``)."""

    __tablename__ = "rotations"
    __table_args__ = (
        UniqueConstraint("dataset_id", "code"),
        CheckConstraint("min_pgy >= 1", name="min_pgy_positive"),
        CheckConstraint("max_pgy IS NULL OR max_pgy >= min_pgy", name="pgy_range"),
        CheckConstraint("supervision_capacity > 0", name="capacity_positive"),
        CheckConstraint("pgy1_weight > 0", name="pgy1_weight_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = _owned_by_dataset()
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    min_pgy: Mapped[int] = mapped_column(Integer)
    max_pgy: Mapped[int | None] = mapped_column(Integer)
    supervised: Mapped[bool]
    supervision_capacity: Mapped[int | None] = mapped_column(Integer)
    pgy1_weight: Mapped[int | None] = mapped_column(Integer)
    weekend_rule: Mapped[WeekendRule] = mapped_column(_enum(WeekendRule, "weekend_rule"))
    night_is_call: Mapped[bool]


class CoverageRow(Base):
    """How many residents a rotation needs in one session of the day."""

    __tablename__ = "rotation_coverage"
    __table_args__ = (
        CheckConstraint("min_residents >= 0", name="min_not_negative"),
        CheckConstraint("min_residents <= max_residents", name="min_within_max"),
        # The primary key leads with rotation_id; this one serves session deletes.
        Index(None, "session_id"),
    )

    rotation_id: Mapped[int] = mapped_column(
        ForeignKey("rotations.id", ondelete="CASCADE"), primary_key=True
    )
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    min_residents: Mapped[int] = mapped_column(Integer)
    max_residents: Mapped[int] = mapped_column(Integer)


class AbsenceRow(Base):
    """A person unavailable from ``start_date`` to ``end_date`` inclusive."""

    __tablename__ = "absences"
    __table_args__ = (
        CheckConstraint("start_date <= end_date", name="start_before_end"),
        Index(None, "person_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), nullable=False
    )
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))


class ScheduleRunRow(Base):
    """One schedule generation: its settings, status, per-phase timings and metrics."""

    __tablename__ = "schedule_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False, index=True
    )
    seed: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[RunStatus] = mapped_column(_enum(RunStatus, "run_status"))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    timings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sql_statements: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    schedule_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=_utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class AssignmentRow(Base):
    """One person on one rotation in one session of one date, within one run."""

    __tablename__ = "assignments"
    __table_args__ = (
        # The primary key leads with run_id (run deletes). Person deletes check this one;
        # rotations and sessions are a handful per dataset, so their checks go unindexed
        # rather than slow every bulk insert of a run.
        Index(None, "person_id"),
    )

    run_id: Mapped[int] = mapped_column(
        ForeignKey("schedule_runs.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(_deferred_key("people.id"), primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    session_id: Mapped[int] = mapped_column(_deferred_key("sessions.id"), primary_key=True)
    rotation_id: Mapped[int] = mapped_column(_deferred_key("rotations.id"), nullable=False)
