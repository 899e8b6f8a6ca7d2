"""The decision record's tables (SQLAlchemy 2, declarative).

Append-only: rows are inserted and never changed (the migrations add triggers
that refuse UPDATE and DELETE on SQLite and PostgreSQL alike). A correction is
a new decision row with a higher `revision` for the same household and
`corrects` pointing at the row it replaces. Ids only: no child's or family's
name is ever stored; `decided_by` is what the person deciding typed in.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

OUTCOMES = ("accepted", "overridden", "deferred", "pinned", "excluded", "reopened")
"""What a decision row says: a household allocated as suggested, to another worker,
deferred; a worker pinned to or excluded from it for the next run; or the household
put back to be decided again (a correction)."""

APPEND_ONLY_TABLES = ("meetings", "snapshot_workers", "snapshot_cases", "runs", "decisions")


class Base(DeclarativeBase):
    pass


class Meeting(Base):
    """One allocation meeting of one team on one date."""

    __tablename__ = "meetings"
    __table_args__ = (UniqueConstraint("team_id", "meeting_date", name="uq_meeting_team_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(64))
    team_name: Mapped[str] = mapped_column(String(200))
    meeting_date: Mapped[date] = mapped_column(Date)
    scheme_id: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SnapshotWorker(Base):
    """A worker's scored caseload at the start of a meeting."""

    __tablename__ = "snapshot_workers"
    __table_args__ = (UniqueConstraint("meeting_id", "worker_id", name="uq_snapshot_worker"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    worker_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(40))
    fte: Mapped[float] = mapped_column(Float)
    benchmark: Mapped[float] = mapped_column(Float)
    load: Mapped[float] = mapped_column(Float)
    load_pct: Mapped[float | None] = mapped_column(Float, nullable=True)
    band: Mapped[str] = mapped_column(String(40))
    households: Mapped[int] = mapped_column(Integer)
    children: Mapped[int] = mapped_column(Integer)
    available: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(String(200), nullable=True)


class SnapshotCase(Base):
    """One holding of the scored caseload at the start of a meeting."""

    __tablename__ = "snapshot_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    household_id: Mapped[str] = mapped_column(String(64))
    worker_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(10))
    points: Mapped[float] = mapped_column(Float)
    children: Mapped[int] = mapped_column(Integer)
    statuses: Mapped[str] = mapped_column(String(200))


class Run(Base):
    """One run of the optimiser at a meeting and the suggestions it made (JSON)."""

    __tablename__ = "runs"
    __table_args__ = (UniqueConstraint("meeting_id", "number", name="uq_run_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    solver: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    fixed_through: Mapped[int] = mapped_column(Integer)
    """The last decision id the run took as fixed (0: none)."""
    assignments: Mapped[str] = mapped_column(Text)
    unallocated: Mapped[str] = mapped_column(Text)
    notes: Mapped[str] = mapped_column(Text)
    """The run's notes as JSON (the pin conflicts when no plan could be made)."""
    requested_by: Mapped[str] = mapped_column(String(100))


class Decision(Base):
    """What the meeting decided about one household, one row per decision."""

    __tablename__ = "decisions"
    __table_args__ = (
        UniqueConstraint("meeting_id", "household_id", "revision", name="uq_decision_revision"),
        CheckConstraint("outcome IN ('" + "', '".join(OUTCOMES) + "')", name="ck_decision_outcome"),
        CheckConstraint("revision >= 1", name="ck_decision_revision"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    household_id: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(20))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), nullable=True)
    suggested_worker: Mapped[str | None] = mapped_column(String(64), nullable=True)
    chosen_worker: Mapped[str | None] = mapped_column(String(64), nullable=True)
    secondary_worker: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hard_rule_override: Mapped[bool] = mapped_column(Boolean, default=False)
    rules_overridden: Mapped[str | None] = mapped_column(Text, nullable=True)
    against_preference: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    load_before: Mapped[float | None] = mapped_column(Float, nullable=True)
    pct_before: Mapped[float | None] = mapped_column(Float, nullable=True)
    band_before: Mapped[str | None] = mapped_column(String(40), nullable=True)
    load_after: Mapped[float | None] = mapped_column(Float, nullable=True)
    pct_after: Mapped[float | None] = mapped_column(Float, nullable=True)
    band_after: Mapped[str | None] = mapped_column(String(40), nullable=True)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str] = mapped_column(String(100))
    corrects: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), nullable=True)
