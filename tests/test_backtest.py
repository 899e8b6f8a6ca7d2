"""Backtest: the comparison itself (worked numbers) and `allocopt backtest ssd`."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import pytest

from allocopt.calibration.backtest import Snapshot, actual_snapshot, compare
from allocopt.domain import Caseload, Child, Holding, Household, Status, Team, Worker
from allocopt.io.extracts.history_writers import write_history_extracts
from allocopt.io.scenario_file import load_scenario
from allocopt.simulation.history import simulate_history
from allocopt.simulation.records import SERVICE
from allocopt.simulation.runner import run_replication

from .conftest import ROOT, run_cli

ON = date(2028, 4, 3)
SINGLE_TEAM = ROOT / "scenarios" / "single_team.yaml"


def test_actual_snapshot_counts_children_by_status_and_holding() -> None:
    team = Team(id="T", workers=(Worker(id="W1"), Worker(id="W2")))
    held = Household(id="H1", children=(Child(id="a", status=Status.CP),
                                        Child(id="b", status=Status.CIN)))
    leaver = Household(id="H2", children=(Child(id="c", status=Status.CARE_LEAVER),))
    caseload = Caseload(households=(held, leaver), holdings=(
        Holding(worker_id="W1", household_id="H1", child_ids=("a", "b")),
        Holding(worker_id="W2", household_id="H2", child_ids=("c",))))
    waiting = Caseload(households=(Household(id="H3", children=(
        Child(id="d", status=Status.CLA), Child(id="e", status=Status.CLA))),))
    snap = actual_snapshot(team, caseload, waiting, ON, "made up")
    # The care leaver is left out: the simulator has none.
    assert snap.values == {"children_cin": 1.0, "children_cp": 1.0, "children_cla": 2.0,
                           "allocated": 2.0, "unallocated": 2.0, "per_worker": 1.0}


def test_compare_reads_the_band_at_the_week() -> None:
    result = run_replication(load_scenario(SINGLE_TEAM).with_overrides({"weeks": 2}), 1, 0)
    template = next(r for r in result.week_rows if r.team == SERVICE and r.week == 2)
    # Ten runs whose CP count at week 2 is 1..10; other measures fixed.
    runs = []
    for k in range(1, 11):
        row = dataclasses.replace(template, children_cp=k, children=20, workers=4,
                                  children_waiting=3)
        runs.append(dataclasses.replace(result, week_rows=(row,)))
    first = Snapshot(ON, dict.fromkeys(("children_cin", "children_cp", "children_cla",
                                        "allocated", "unallocated", "per_worker"), 1.0), "a")
    last = Snapshot(ON + timedelta(weeks=2), {**first.values, "children_cp": 9.5,
                                              "per_worker": 5.0, "allocated": 30.0}, "b")
    projections, series = compare(runs, 2, first, last)
    by = {p.measure: p for p in projections}
    cp = by["children_cp"]
    assert (cp.p10, cp.p50, cp.p90) == pytest.approx((1.9, 5.5, 9.1))
    assert not cp.inside and cp.error == pytest.approx(5.5 - 9.5)
    assert by["per_worker"].p50 == 5.0 and by["per_worker"].inside
    assert not by["allocated"].inside and by["allocated"].error_pct == pytest.approx(-1 / 3)
    assert [d for d, *_ in series["children_cp"]] == [template.date]


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scenario = load_scenario(SINGLE_TEAM).with_overrides({"referrals.rate": 6})
    folder = tmp_path_factory.mktemp("backtest")
    write_history_extracts(folder, simulate_history(scenario, ON, seed=2))
    return folder


def test_backtest_ssd_prints_each_measure_and_writes_the_plot(
        extract: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, stderr = run_cli(
        monkeypatch, capsys, "backtest", "ssd", extract / "ssd", "--roster",
        extract / "roster.csv", "--from", "2028-01-03", "--to", ON.isoformat(), "--base",
        SINGLE_TEAM, "--team-type", "duty_assessment", "--runs", "3", "--jobs", "1",
        "--plot", tmp_path / "bt.png", "--scenario", tmp_path / "at-from.yaml")
    assert code == 0, stderr
    for words in ("Children in need", "protection", "looked after", "allocated to",
                  "waiting for", "Allocated children", "Inside P10-P90"):
        assert words in stdout
    assert (tmp_path / "bt.png").read_bytes().startswith(b"\x89PNG")
    scenario = load_scenario(tmp_path / "at-from.yaml")
    assert scenario.start == date(2028, 1, 3)


@pytest.mark.parametrize("args, message", [
    (["--from", "2028-04-03", "--to", "2027-10-02"], "invalid --to"),
    (["--from", "2027-10-02", "--to", "2028-04-03", "--runs", "1"], "--runs"),
])
def test_backtest_bad_input_exits_2(args: list[str], message: str, extract: Path,
                                    monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, _, stderr = run_cli(monkeypatch, capsys, "backtest", "ssd", extract / "ssd", *args,
                              "--base", SINGLE_TEAM)
    assert code == 2 and message in stderr and "Traceback" not in stderr


def test_annex_a_backtest_needs_dated_workbooks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, _, stderr = run_cli(monkeypatch, capsys, "backtest", "annex-a",
                              tmp_path / "annex.xlsx", "--from", "2027-10-02", "--to",
                              "2028-04-03", "--base", SINGLE_TEAM)
    assert code == 2 and "the workbook's date is not known" in stderr


def test_a_later_roster_loses_the_workers_not_yet_in_post(tmp_path: Path) -> None:
    from allocopt.io.extracts.calibrating import as_of, read_sources

    roster = tmp_path / "roster.csv"
    roster.write_text("worker_id,name,qualified_on\nW1,Ann Example,2020-01-01\n"
                      "W2,Bob Example,2028-02-01\nW3,Cy Example,\n")
    sources = read_sources("ssd", tmp_path, roster, None, None)
    assert sources.roster is not None and len(sources.roster.entries) == 3
    earlier = as_of(sources, date(2028, 1, 3))
    assert earlier.roster is not None
    assert [e.id for e in earlier.roster.entries] == ["W1", "W3"]
    assert as_of(sources, date(2028, 4, 3)) is sources
