"""The decision record on SQLite and on PostgreSQL: migrations, append-only rows,
corrections as new rows, one winner when two decide at once, CSV export, history."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from allocopt.errors import InputError
from allocopt.record.store import (
    CaseSnapshot,
    DecisionConflict,
    DecisionRecord,
    NewDecision,
    WorkerSnapshot,
    database_url,
    open_record,
)


def _clock() -> Callable[[], datetime]:
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    ticks = iter(range(10_000))
    return lambda: start + timedelta(minutes=next(ticks))


def _workers(pcts: dict[str, float]) -> list[WorkerSnapshot]:
    bands = [(95, "blue"), (100.0001, "green"), (110, "amber"), (1e9, "red")]
    return [WorkerSnapshot(w, "social_worker", 1.0, 50.0, p / 2, p,
                           next(b for top, b in bands if p < top), 5, 7, True)
            for w, p in pcts.items()]


@pytest.fixture
def record(record_url: Callable[[], str]) -> DecisionRecord:
    r = open_record(record_url(), clock=_clock())
    yield r
    r.close()


def test_meeting_is_created_once_with_its_snapshot(record: DecisionRecord) -> None:
    cases = [CaseSnapshot("H1", "W1", "lead", 6.0, 2, "2 CP")]
    first = record.open_meeting("north", "North", date(2026, 12, 1), "tower-hamlets", "points",
                                _workers({"W1": 92.0, "W2": 112.0}), cases)
    again = record.open_meeting("north", "North", date(2026, 12, 1), "tower-hamlets", "points",
                                _workers({"W1": 50.0}), [])
    assert not first.reopened and again.reopened and again.id == first.id
    assert [(w.worker_id, w.load_pct, w.band) for w in record.snapshot(first.id)] == [
        ("W1", 92.0, "blue"), ("W2", 112.0, "red")]
    assert record.snapshot_cases(first.id) == tuple(cases)
    assert first.opened_at == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_decisions_append_and_corrections_are_new_rows(record: DecisionRecord) -> None:
    m = record.open_meeting("north", "North", date(2026, 12, 1), "th", "points", [], [])
    first = record.add_decision(m.id, NewDecision(
        household_id="R1", outcome="accepted", decided_by="Sam", suggested_worker="W1",
        chosen_worker="W1", load_before=40.0, pct_before=80.0, band_before="blue",
        load_after=46.0, pct_after=float("inf"), band_after="blue"), 0)
    fix = record.add_decision(m.id, NewDecision(
        household_id="R1", outcome="overridden", decided_by="Sam", suggested_worker="W1",
        chosen_worker="W2", reason="W1 knows the father", corrects=first.id), 1)
    assert (first.revision, fix.revision, fix.corrects) == (1, 2, first.id)
    rows = record.decisions(m.id)
    assert [(r.outcome, r.chosen_worker, r.revision) for r in rows] == [
        ("accepted", "W1", 1), ("overridden", "W2", 2)]
    assert rows[0].pct_after is None  # no capacity is stored as unknown, not infinity
    assert record.current(m.id, "R1") == rows[1]


def test_the_database_refuses_updates_and_deletes(record: DecisionRecord) -> None:
    m = record.open_meeting("north", "North", date(2026, 12, 1), "th", "points",
                            _workers({"W1": 90.0}), [])
    record.add_decision(m.id, NewDecision(household_id="R1", outcome="deferred",
                                          decided_by="Sam"), 0)
    for statement in ("UPDATE decisions SET reason = 'changed'", "DELETE FROM decisions",
                      "UPDATE snapshot_workers SET load_pct = 1", "DELETE FROM meetings"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), \
                record.engine.begin() as conn:
            conn.execute(sa.text(statement))
    assert [r.outcome for r in record.decisions(m.id)] == ["deferred"]


def test_a_stale_revision_loses_and_is_told_what_won(record: DecisionRecord) -> None:
    m = record.open_meeting("north", "North", date(2026, 12, 1), "th", "points", [], [])
    record.add_decision(m.id, NewDecision(household_id="R1", outcome="accepted",
                                          decided_by="Tab A", chosen_worker="W1"), 0)
    with pytest.raises(DecisionConflict) as lost:
        record.add_decision(m.id, NewDecision(household_id="R1", outcome="deferred",
                                              decided_by="Tab B"), 0)
    assert lost.value.current is not None and lost.value.current.decided_by == "Tab A"
    assert len(record.decisions(m.id)) == 1


def test_concurrent_decisions_on_one_household_one_wins(record: DecisionRecord) -> None:
    m = record.open_meeting("north", "North", date(2026, 12, 1), "th", "points", [], [])
    results: list[str] = []
    barrier = threading.Barrier(6)

    def decide(i: int) -> None:
        barrier.wait()
        try:
            record.add_decision(m.id, NewDecision(household_id="R1", outcome="accepted",
                                                  decided_by=f"tab {i}", chosen_worker="W1"), 0)
            results.append("won")
        except DecisionConflict:
            results.append("lost")

    threads = [threading.Thread(target=decide, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["lost"] * 5 + ["won"]
    assert len(record.decisions(m.id)) == 1


def test_runs_are_numbered_and_read_back(record: DecisionRecord) -> None:
    m = record.open_meeting("north", "North", date(2026, 12, 1), "th", "points", [], [])
    first = record.add_run(m.id, "cp-sat", "optimal", 0, [("R1", "W1", "lead", 6.0)], ["R2"],
                           [], "TM")
    second = record.add_run(m.id, "cp-sat", "infeasible", 7, [], ["R1", "R2"],
                            ["the pin of R1 to W5 conflicts"], "TM")
    latest = record.latest_run(m.id)
    assert latest == second and latest.number == 2 and latest.fixed_through == 7
    assert latest.notes == ("the pin of R1 to W5 conflicts",)
    # an earlier run by its id (a decision's reasons are those of the run it was made on)
    assert record.run(m.id, first.id) == first
    assert first.assignments == (("R1", "W1", "lead", 6.0),) and first.unallocated == ("R2",)
    other = record.open_meeting("north", "North", date(2026, 12, 8), "th", "points", [], [])
    assert record.run(other.id, first.id) is None


def test_csv_export_names_every_field_and_defuses_cells(record: DecisionRecord) -> None:
    m = record.open_meeting("north", "North", date(2026, 12, 1), "th", "points", [], [])
    record.add_decision(m.id, NewDecision(
        household_id="R1", outcome="overridden", decided_by="=HYPERLINK(\"x\")",
        chosen_worker="W2", suggested_worker="W1", hard_rule_override=True,
        rules_overridden="band ceiling: W2 would go to 112.0% (red)", reason="+knows them",
        pct_before=96.0, band_before="green", pct_after=112.0, band_after="red"), 0)
    rows = list(csv.DictReader(io.StringIO(record.decisions_csv("north"))))
    assert len(rows) == 1
    row = rows[0]
    for name in ("household_id", "suggested_worker", "chosen_worker", "outcome", "reason",
                 "hard_rule_override", "rules_overridden", "pct_before", "band_before",
                 "pct_after", "band_after", "decided_at", "decided_by", "corrects", "revision"):
        assert name in row
    assert row["decided_by"] == "'=HYPERLINK(\"x\")" and row["reason"] == "'+knows them"
    assert (row["meeting_date"], row["chosen_worker"], row["pct_after"]) == (
        "2026-12-01", "W2", "112.0")


def test_history_reads_every_meeting_in_date_order(record: DecisionRecord) -> None:
    for day, pct in ((15, 104.0), (1, 96.0), (8, 101.0)):
        record.open_meeting("north", "North", date(2026, 12, day), "th", "points",
                            _workers({"W1": pct}), [])
    record.open_meeting("south", "South", date(2026, 12, 8), "th", "points",
                        _workers({"S1": 80.0}), [])
    got = [(d, [w.load_pct for w in ws]) for d, ws in record.history("north")]
    assert got == [(date(2026, 12, 1), [96.0]), (date(2026, 12, 8), [101.0]),
                   (date(2026, 12, 15), [104.0])]


def test_reopening_a_record_keeps_everything(record_url: Callable[[], str]) -> None:
    url = record_url()
    first = open_record(url)
    m = first.open_meeting("north", "North", date(2026, 12, 1), "th", "points", [], [])
    first.add_decision(m.id, NewDecision(household_id="R1", outcome="deferred",
                                         decided_by="Sam"), 0)
    first.close()
    again = open_record(url)  # migrations run again: nothing to do
    assert [r.outcome for r in again.decisions(m.id)] == ["deferred"]
    again.close()


def test_database_urls_and_bad_ones(tmp_path: Path) -> None:
    team = tmp_path / "team.yaml"
    assert database_url(None, team) == f"sqlite:///{tmp_path / 'team.record.sqlite'}"
    assert database_url("x.sqlite", team).startswith("sqlite:////")
    assert database_url("postgresql://me@host/db", team) == "postgresql+psycopg://me@host/db"
    with pytest.raises(InputError, match="unsupported database"):
        open_record("mysql://me@host/db")
    with pytest.raises(InputError, match="folder for the decision record does not exist"):
        open_record(f"sqlite:///{tmp_path / 'missing' / 'r.sqlite'}")


def test_sqlite_is_in_wal_mode(tmp_path: Path) -> None:
    r = open_record(f"sqlite:///{tmp_path / 'r.sqlite'}")
    with r.engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(sa.text("PRAGMA synchronous")).scalar() == 2  # FULL
    r.close()
