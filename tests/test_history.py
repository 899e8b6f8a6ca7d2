"""Caseload history from the meetings' snapshots: trends, weeks in band, actions due,
and `allocopt history` / `allocopt serve` on the command line."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from allocopt.history import history
from allocopt.io.schemes import load_scheme
from allocopt.record.store import WorkerSnapshot, database_url, open_record
from allocopt.schemes.model import ActionDue

from .board_support import copy_team
from .conftest import run_cli

MONDAY = date(2026, 11, 2)


@dataclass(frozen=True)
class S:
    worker_id: str
    load_pct: float | None
    band: str
    benchmark: float = 50.0

    @property
    def load(self) -> float:
        return (self.load_pct or 0.0) * self.benchmark / 100


def band(pct: float) -> str:
    return "blue" if pct < 95 else "green" if pct <= 100 else "amber" if pct < 110 else "red"


def weekly(series: dict[str, list[float | None]]) -> list[tuple[date, list[S]]]:
    """One meeting a week; None: the worker was not in that meeting."""
    weeks = max(len(v) for v in series.values())
    out = []
    for i in range(weeks):
        samples = [S(w, v[i], band(v[i])) for w, v in sorted(series.items())
                   if i < len(v) and v[i] is not None]
        out.append((MONDAY + timedelta(weeks=i), samples))
    return out


def test_weeks_in_band_runs_and_actions_due() -> None:
    scheme = load_scheme("tower-hamlets")
    h = history(scheme, weekly({
        "A": [96, 102, 104, 103, 105],      # amber for the last 4 weeks: a review is due
        "B": [90, 92, 94, 96, 112],         # red this week: a written plan
        "C": [112, 115, 111, 118, 120],     # red 5 weeks: plan, escalation, and review
        "D": [90, 90, 104, 104, 104],       # amber 3 weeks: nothing due yet
        "E": [104, 104, None, 104, 104],    # missed a meeting: the run starts again
    }))
    due = {(d.worker_id, d.band, d.weeks) for d in h.due}
    assert due == {("A", "amber", 4), ("B", "red", 1), ("C", "red", 5), ("C", "amber", 5)}
    assert [d.worker_id for d in h.due][:2] == ["C", "C"]  # top band first, longest first
    by_id = {w.worker_id: w for w in h.workers}
    assert by_id["A"].weeks_in == {"green": 1, "amber": 4}
    assert (by_id["A"].run_band, by_id["A"].run_weeks) == ("amber", 4)
    assert by_id["C"].weeks_in == {"red": 5}
    assert by_id["E"].weeks_in == {"amber": 4} and by_id["E"].run_weeks == 2
    assert by_id["B"].change == pytest.approx(22.0)
    assert h.watched == ("amber", "red")
    first = h.team[0]
    # team load % is total load over total benchmark: (96+90+112+90+104) / 5
    assert first.team_pct == pytest.approx((96 + 90 + 112 + 90 + 104) / 5)
    assert first.by_band == {"blue": 2, "green": 1, "amber": 1, "red": 1}
    assert h.team[2].workers == 4


def test_a_meeting_stands_for_the_days_until_the_next() -> None:
    scheme = load_scheme("tower-hamlets")
    two_weeks = [(MONDAY, [S("A", 104.0, "amber")]),
                 (MONDAY + timedelta(weeks=2), [S("A", 104.0, "amber")]),
                 (MONDAY + timedelta(weeks=3), [S("A", 96.0, "green")])]
    h = history(scheme, two_weeks)
    assert h.workers[0].weeks_in == {"amber": 3, "green": 1}
    assert h.due == ()


def test_workers_who_left_are_kept_but_owe_nothing() -> None:
    h = history(load_scheme("tower-hamlets"), weekly({"A": [120, 120], "B": [90, 90, 90]}))
    left = next(w for w in h.workers if w.worker_id == "A")
    assert not left.current and h.due == ()


def test_actions_due_are_a_scheme_setting(tmp_path: Path) -> None:
    scheme = load_scheme("tower-hamlets")
    assert [(d.band, d.weeks) for d in scheme.due_rules()] == [
        ("amber", 4), ("red", 1), ("red", 4)]
    custom = scheme.model_copy(update={"actions_due": (
        ActionDue(band="amber", weeks=2, action="Talk in supervision"),)})
    h = history(custom, weekly({"A": [96, 104, 104]}))
    assert [(d.worker_id, d.weeks, d.action) for d in h.due] == [("A", 2, "Talk in supervision")]
    off = scheme.model_copy(update={"actions_due": ()})
    assert history(off, weekly({"A": [120] * 6})).due == ()
    data = scheme.model_dump(mode="json")
    data["actions_due"] = [{"band": "purple", "weeks": 2, "action": "x"}]
    with pytest.raises(ValidationError, match="actions_due names unknown band 'purple'"):
        type(scheme).model_validate(data)
    with pytest.raises(ValidationError):
        ActionDue(band="amber", weeks=0, action="x")


def _meetings(team: Path, weeks: int, pcts: dict[str, list[float]], url: str | None = None
              ) -> None:
    record = open_record(url or database_url(None, team))
    for i in range(weeks):
        workers = [WorkerSnapshot(w, "social_worker", 1.0, 50.0, v[i] / 2, v[i], band(v[i]),
                                  5, 7, True) for w, v in pcts.items()]
        record.open_meeting("north-lt", "North long-term team", MONDAY + timedelta(weeks=i),
                            "tower-hamlets", "points", workers, [])
    record.close()


def test_history_command_prints_trends_and_actions_due(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    team = copy_team(tmp_path)
    code, out, err = run_cli(monkeypatch, capsys, "history", team)
    assert code == 0 and "No meetings recorded yet" in out
    # reading creates nothing; a mistyped --db is named, not made into an empty record
    assert not list(tmp_path.glob("*.sqlite*"))
    code, out, err = run_cli(monkeypatch, capsys, "history", team, "--db",
                             str(tmp_path / "typo.sqlite"))
    assert code == 2 and out == "" and "typo.sqlite" in err
    assert "there is no decision record in this file" in err and err.count("\n") == 1
    assert not list(tmp_path.glob("*.sqlite*"))
    _meetings(team, 5, {"W01": [96, 102, 104, 103, 105], "W02": [112, 115, 111, 118, 120],
                        "W03": [80, 82, 84, 86, 88]})
    code, out, err = run_cli(monkeypatch, capsys, "history", team)
    assert code == 0, err
    assert "5 meetings" in out and "Actions due" in out
    assert "W01: amber for 4 weeks (since 2026-11-09): Review the caseload" in out
    assert "W02: red for 5 weeks (since 2026-11-02): Escalate to the service manager" in out
    assert "W03:" not in out.split("Actions due")[1]
    row = next(line for line in out.splitlines() if line.lstrip().startswith("W02"))
    assert "120.0%" in row and "+8.0" in row and "5 wk red" in row
    code, out, _ = run_cli(monkeypatch, capsys, "history", team, "--format", "json")
    data = json.loads(out)
    assert data["schema"] == "allocopt.history/1" and len(data["meetings"]) == 5
    assert {(d["worker_id"], d["band"], d["weeks"]) for d in data["actions_due"]} == {
        ("W01", "amber", 4), ("W02", "red", 5), ("W02", "amber", 5)}
    other = tmp_path / "elsewhere.sqlite"
    _meetings(team, 1, {"W01": [90]}, f"sqlite:///{other}")
    code, out, _ = run_cli(monkeypatch, capsys, "history", team, "--db", str(other))
    assert code == 0 and "1 meeting" in out and "No actions due." in out


def test_history_and_serve_refuse_bad_settings_with_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    team = copy_team(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        code, _, err = run_cli(monkeypatch, capsys, "serve", team, "--port", port)
    assert code == 2 and f"cannot listen on 127.0.0.1 port {port}" in err
    code, _, err = run_cli(monkeypatch, capsys, "serve", team, "--host", "0.0.0.0")
    assert code == 2 and "set a secret first" in err and "Traceback" not in err
    monkeypatch.setenv("ALLOCOPT_BOARD_SECRET", "short")
    code, _, err = run_cli(monkeypatch, capsys, "serve", team, "--host", "10.1.2.3")
    assert code == 2 and "at least 16 characters" in err
    code, _, err = run_cli(monkeypatch, capsys, "history", team, "--db", "mysql://x@y/z")
    assert code == 2 and "unsupported database in --db" in err
    code, _, err = run_cli(monkeypatch, capsys, "history", team, "--db",
                           str(tmp_path / "no" / "such" / "dir.sqlite"))
    assert code == 2 and err.count("\n") == 1
