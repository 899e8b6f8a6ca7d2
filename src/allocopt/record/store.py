"""The decision record: open it, write to it (append only), read it back.

SQLite by default (one file beside the team's data, in WAL mode with full
synchronous commits, so a server killed mid-meeting keeps every decision it
confirmed), or PostgreSQL by URL. The schema is made and upgraded by Alembic
migrations (allocopt/record/migrations) every time a record is opened.

Everything returned is plain frozen data (no database sessions leak out).
Concurrent decisions on one household are settled by the database: each
decision carries the household's next `revision`, unique per meeting and
household, so of two tabs deciding at once one insert wins and the other gets
:class:`DecisionConflict` with the winning row.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, OperationalError

from allocopt.errors import InputError
from allocopt.io.safe_cells import defuse_row
from allocopt.record import tables as t

SQLITE_SUFFIX = ".record.sqlite"


@dataclass(frozen=True, slots=True)
class MeetingInfo:
    """A meeting as recorded."""

    id: int
    team_id: str
    team_name: str
    meeting_date: date
    scheme_id: str
    unit: str
    opened_at: datetime
    reopened: bool = False
    """True when the meeting already existed (a restart carries on with it)."""


@dataclass(frozen=True, slots=True)
class WorkerSnapshot:
    """A worker's scored caseload at the start of a meeting."""

    worker_id: str
    role: str
    fte: float
    benchmark: float
    load: float
    load_pct: float | None
    band: str
    households: int
    children: int
    available: bool
    note: str | None = None


@dataclass(frozen=True, slots=True)
class CaseSnapshot:
    """One holding of the scored caseload at the start of a meeting."""

    household_id: str
    worker_id: str
    role: str
    points: float
    children: int
    statuses: str


@dataclass(frozen=True, kw_only=True, slots=True)
class NewDecision:
    """A decision to record; every field is named in the record."""

    household_id: str
    outcome: str
    decided_by: str
    suggested_worker: str | None = None
    chosen_worker: str | None = None
    secondary_worker: str | None = None
    hard_rule_override: bool = False
    rules_overridden: str | None = None
    against_preference: str | None = None
    reason: str | None = None
    load_before: float | None = None
    pct_before: float | None = None
    band_before: str | None = None
    load_after: float | None = None
    pct_after: float | None = None
    band_after: str | None = None
    run_id: int | None = None
    corrects: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class DecisionRow(NewDecision):
    """A decision as recorded."""

    id: int
    meeting_id: int
    revision: int
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class RunRow:
    """One run of the optimiser and its suggestions."""

    id: int
    number: int
    created_at: datetime
    solver: str
    status: str
    fixed_through: int
    assignments: tuple[tuple[str, str, str, float], ...]
    """(household, worker, role, points) per suggestion."""
    unallocated: tuple[str, ...]
    notes: tuple[str, ...]
    requested_by: str


class DecisionConflict(Exception):
    """Someone else decided the household first; `current` is what they decided."""

    def __init__(self, current: DecisionRow | None) -> None:
        self.current = current
        super().__init__("the household was decided meanwhile")


class RecordError(Exception):
    """The record cannot be opened or written (message safe to show)."""


def database_url(value: str | None, team_path: Path) -> str:
    """A SQLAlchemy URL from --db: a URL as given, a path as a SQLite file, or the
    default file beside the team data (<team file stem>.record.sqlite)."""
    if value is None:
        path = team_path.resolve().with_name(team_path.stem + SQLITE_SUFFIX)
        return f"sqlite:///{path}"
    if "://" not in value:
        return f"sqlite:///{Path(value).resolve()}"
    if value.startswith(("postgresql://", "postgres://")):
        # psycopg 3 is the driver we ship with the postgres extra
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    return value


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite record's URL (None for another database, or in memory)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers never block the writer; FULL: a commit is on disk before it returns.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were written in UTC
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


class DecisionRecord:
    """An open decision record (a SQLAlchemy engine and the operations on it)."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = _now) -> None:
        self.engine = engine
        self.clock = clock

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    # ----------------------------------------------------------------- meetings

    def open_meeting(self, team_id: str, team_name: str, on: date, scheme_id: str, unit: str,
                     workers: Sequence[WorkerSnapshot], cases: Sequence[CaseSnapshot]
                     ) -> MeetingInfo:
        """The team's meeting on `on`: the one already recorded (after a restart), or a
        new one with a snapshot of the scored caseload, written in one transaction."""
        found = self.find_meeting(team_id, on)
        if found is not None:
            return found
        try:
            with self.engine.begin() as conn:
                meeting_id = conn.execute(insert(t.Meeting).values(
                    team_id=team_id, team_name=team_name, meeting_date=on, scheme_id=scheme_id,
                    unit=unit, opened_at=self.clock()).returning(t.Meeting.id)).scalar_one()
                if workers:
                    conn.execute(insert(t.SnapshotWorker), [
                        {**asdict(w), "load_pct": _finite(w.load_pct), "meeting_id": meeting_id}
                        for w in workers])
                if cases:
                    conn.execute(insert(t.SnapshotCase), [
                        {**asdict(c), "meeting_id": meeting_id} for c in cases])
        except IntegrityError:
            pass  # opened by another process at the same moment: use theirs
        found = self.find_meeting(team_id, on)
        assert found is not None
        return MeetingInfo(**{**asdict(found), "reopened": False})

    def find_meeting(self, team_id: str, on: date) -> MeetingInfo | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.Meeting).where(
                t.Meeting.team_id == team_id, t.Meeting.meeting_date == on)).first()
        if row is None:
            return None
        m = row._mapping
        return MeetingInfo(m["id"], m["team_id"], m["team_name"], m["meeting_date"],
                           m["scheme_id"], m["unit"], _aware(m["opened_at"]), reopened=True)

    def meetings(self, team_id: str) -> list[MeetingInfo]:
        """The team's meetings, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.Meeting).where(t.Meeting.team_id == team_id)
                                .order_by(t.Meeting.meeting_date)).all()
        return [MeetingInfo(r.id, r.team_id, r.team_name, r.meeting_date, r.scheme_id, r.unit,
                            _aware(r.opened_at), reopened=True) for r in rows]

    def snapshot(self, meeting_id: int) -> tuple[WorkerSnapshot, ...]:
        """The workers' scored caseload at the start of a meeting, by worker id."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.SnapshotWorker).where(
                t.SnapshotWorker.meeting_id == meeting_id).order_by(
                t.SnapshotWorker.worker_id)).all()
        names = [f.name for f in fields(WorkerSnapshot)]
        return tuple(WorkerSnapshot(**{n: getattr(r, n) for n in names}) for r in rows)

    def snapshot_cases(self, meeting_id: int) -> tuple[CaseSnapshot, ...]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.SnapshotCase).where(
                t.SnapshotCase.meeting_id == meeting_id).order_by(t.SnapshotCase.id)).all()
        names = [f.name for f in fields(CaseSnapshot)]
        return tuple(CaseSnapshot(**{n: getattr(r, n) for n in names}) for r in rows)

    def history(self, team_id: str) -> list[tuple[date, tuple[WorkerSnapshot, ...]]]:
        """Every meeting's worker snapshot for the team, oldest first."""
        return [(m.meeting_date, self.snapshot(m.id)) for m in self.meetings(team_id)]

    # -------------------------------------------------------------------- runs

    def add_run(self, meeting_id: int, solver: str, status: str, fixed_through: int,
                assignments: Iterable[tuple[str, str, str, float]], unallocated: Iterable[str],
                notes: Iterable[str], requested_by: str) -> RunRow:
        """Record a run of the optimiser (numbered in order within the meeting)."""
        pairs: list[list[Any]] = [list(a) for a in assignments]
        waiting = list(unallocated)
        said = list(notes)
        for _ in range(5):
            try:
                with self.engine.begin() as conn:
                    number = (conn.execute(select(func.max(t.Run.number)).where(
                        t.Run.meeting_id == meeting_id)).scalar() or 0) + 1
                    when = self.clock()
                    run_id = conn.execute(insert(t.Run).values(
                        meeting_id=meeting_id, number=number, created_at=when, solver=solver,
                        status=status, fixed_through=fixed_through,
                        assignments=json.dumps(pairs), unallocated=json.dumps(waiting),
                        notes=json.dumps(said), requested_by=requested_by).returning(t.Run.id)).scalar_one()
                return RunRow(run_id, number, when, solver, status, fixed_through,
                              tuple((a[0], a[1], a[2], float(a[3])) for a in pairs),
                              tuple(waiting), tuple(said), requested_by)
            except IntegrityError:
                continue  # another run took the number: take the next
        raise RecordError("could not record the run: the record is busy")

    def latest_run(self, meeting_id: int) -> RunRow | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(t.Run).where(t.Run.meeting_id == meeting_id)
                             .order_by(t.Run.number.desc()).limit(1)).first()
        return _run(r) if r is not None else None

    def run(self, meeting_id: int, run_id: int) -> RunRow | None:
        """One run of the meeting by its id (None if the meeting has no such run)."""
        with self.engine.connect() as conn:
            r = conn.execute(select(t.Run).where(t.Run.meeting_id == meeting_id,
                                                 t.Run.id == run_id)).first()
        return _run(r) if r is not None else None

    # --------------------------------------------------------------- decisions

    def add_decision(self, meeting_id: int, decision: NewDecision, expected_revision: int
                     ) -> DecisionRow:
        """Record a decision on a household whose latest revision the decider saw was
        `expected_revision` (0: none). Raises :class:`DecisionConflict` when another
        decision was recorded meanwhile; nothing is written then."""
        when = self.clock()
        values = asdict(decision)
        for key in ("pct_before", "pct_after", "load_before", "load_after"):
            values[key] = _finite(values[key])
        try:
            with self.engine.begin() as conn:
                latest = conn.execute(select(func.max(t.Decision.revision)).where(
                    t.Decision.meeting_id == meeting_id,
                    t.Decision.household_id == decision.household_id)).scalar() or 0
                if latest != expected_revision:
                    raise _Stale()
                new_id = conn.execute(insert(t.Decision).values(
                    meeting_id=meeting_id, revision=expected_revision + 1, decided_at=when,
                    **values).returning(t.Decision.id)).scalar_one()
        except (_Stale, IntegrityError):
            raise DecisionConflict(self.current(meeting_id, decision.household_id)) from None
        except OperationalError as e:
            raise RecordError("the decision record could not be written (database busy or "
                              "unavailable); nothing was saved, try again") from e
        return DecisionRow(id=new_id, meeting_id=meeting_id, revision=expected_revision + 1,
                           decided_at=when, **values)

    def current(self, meeting_id: int, household_id: str) -> DecisionRow | None:
        """The household's latest decision row."""
        with self.engine.connect() as conn:
            row = conn.execute(select(t.Decision).where(
                t.Decision.meeting_id == meeting_id, t.Decision.household_id == household_id)
                .order_by(t.Decision.revision.desc()).limit(1)).first()
        return _decision(row) if row is not None else None

    def decisions(self, meeting_id: int) -> list[DecisionRow]:
        """Every decision row of the meeting, in the order recorded."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.Decision).where(t.Decision.meeting_id == meeting_id)
                                .order_by(t.Decision.id)).all()
        return [_decision(r) for r in rows]

    def decisions_csv(self, team_id: str, meeting_id: int | None = None) -> str:
        """The decision rows of a team (or one meeting) as CSV, cells made safe for
        spreadsheets."""
        meetings = {m.id: m for m in self.meetings(team_id)}
        ids = [meeting_id] if meeting_id is not None else list(meetings)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        names = [f.name for f in fields(DecisionRow)]
        order = ["meeting_date", "team_id", "id", "household_id", "revision", "outcome",
                 *[n for n in names if n not in ("id", "household_id", "revision", "outcome",
                                                 "meeting_id")]]
        writer.writerow(order)
        for mid in ids:
            m = meetings[mid]
            for d in self.decisions(mid):
                values = {**asdict(d), "meeting_date": m.meeting_date.isoformat(),
                          "team_id": m.team_id, "decided_at": d.decided_at.isoformat()}
                writer.writerow(defuse_row(["" if values[k] is None else values[k]
                                            for k in order]))
        return buffer.getvalue()


class _Stale(Exception):
    pass


def _run(r: Any) -> RunRow:
    return RunRow(r.id, r.number, _aware(r.created_at), r.solver, r.status, r.fixed_through,
                  tuple((a[0], a[1], a[2], float(a[3])) for a in json.loads(r.assignments)),
                  tuple(json.loads(r.unallocated)), tuple(json.loads(r.notes)), r.requested_by)


def _decision(row: Any) -> DecisionRow:
    names = [f.name for f in fields(DecisionRow)]
    values = {n: getattr(row, n) for n in names}
    values["decided_at"] = _aware(values["decided_at"])
    return DecisionRow(**values)


def open_record(url: str, clock: Callable[[], datetime] = _now) -> DecisionRecord:
    """Open (and create or upgrade to the latest schema) the record at a SQLAlchemy URL."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InputError(None, "invalid --db", expected="a file path, sqlite:///FILE or "
                         "postgresql://USER@HOST/DB") from None
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        file = sqlite_file(url)
        if file is not None:
            folder = file.parent
            if not folder.is_dir():
                raise InputError(None, "the folder for the decision record does not exist",
                                 field="--db", found=str(folder), expected="an existing folder")
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 10}
    elif parsed.get_backend_name() != "postgresql":
        raise InputError(None, "unsupported database in --db", found=parsed.get_backend_name(),
                         expected="sqlite or postgresql")
    try:
        engine = create_engine(parsed, pool_pre_ping=True, **kwargs)
    except (NoSuchModuleError, ImportError):
        raise InputError(None, "no driver for this database", field="--db",
                         expected="pip install 'allocopt[postgres]' for PostgreSQL") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        migrate(engine)
    except OperationalError as e:
        engine.dispose()
        # the driver's message can carry the URL's user or host, never a password: show
        # only its first line
        first = str(e.orig).strip().splitlines()[0] if e.orig is not None else "unavailable"
        raise InputError(None, "the decision record cannot be opened", field="--db",
                         found=first[:200], expected="a reachable database") from None
    return DecisionRecord(engine, clock)


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest migration."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "allocopt.record:migrations")
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
