"""Two Annex A workbooks laid out like the published example, of different dates, written
by the importer's generator from one simulated team: each calibrates without error,
every national fallback is reported (in the report and in the file), and together they
run a backtest."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from allocopt.calibration.estimate import Settings
from allocopt.domain import TeamType
from allocopt.io.calibration_file import write_calibrated_scenario
from allocopt.io.extracts.backtesting import choose_books, dated_workbook
from allocopt.io.extracts.build import ImportOptions
from allocopt.io.extracts.calibrating import calibrate_sources, import_at, read_sources
from allocopt.io.extracts.history_writers import write_history_extracts
from allocopt.io.extracts.published_layout import write_published_annex_a
from allocopt.io.extracts.writers import write_overrides, write_roster
from allocopt.io.scenario_file import load_scenario
from allocopt.simulation.history import simulate_history

from .conftest import ROOT, run_cli

DATES = (date(2027, 10, 4), date(2028, 4, 3))
TEAM_NAME = "Simulated service"
SINGLE_TEAM = ROOT / "scenarios" / "single_team.yaml"


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """annex-a-DATE.xlsx and overrides-DATE.csv for both dates, and the roster."""
    folder = tmp_path_factory.mktemp("published")
    scenario = load_scenario(SINGLE_TEAM).with_overrides({"referrals.rate": 6})
    write_history_extracts(folder / "generated", simulate_history(scenario, DATES[-1], seed=6))
    sources = read_sources("ssd", folder / "generated" / "ssd",
                           folder / "generated" / "roster.csv", None, None)
    for on in DATES:
        result = import_at(sources, ImportOptions(on=on, team_type=TeamType.DUTY_ASSESSMENT))
        write_published_annex_a(folder / f"annex-a-{on}.xlsx", result.team, result.caseload,
                                result.waiting, on, team_name=TEAM_NAME)
        write_overrides(folder / f"overrides-{on}.csv", result.team, result.caseload,
                        result.waiting, on, "annex-a")
        if on == DATES[-1]:
            write_roster(folder / "roster.csv", result.team, team_name=TEAM_NAME)
    return folder


@pytest.mark.parametrize("on", DATES)
def test_published_workbooks_calibrate_and_report_every_fallback(
        workbooks: Path, on: date, tmp_path: Path) -> None:
    sources = read_sources("annex-a", workbooks / f"annex-a-{on}.xlsx",
                           workbooks / "roster.csv", workbooks / f"overrides-{on}.csv", None)
    base = load_scenario(SINGLE_TEAM)
    cal, result = calibrate_sources(sources, ImportOptions(on=on), base, Settings())
    assert result.caseload.households
    kept = cal.fallbacks
    # A published-layout workbook of one team holds a snapshot and a few ended rows:
    # most figures keep the national value, each with the reason.
    assert kept, "expected national fallbacks"
    for e in kept:
        assert e.note and ("too few" in e.note or "national" in e.note or "holds no" in e.note)
    assert any(e.key == "workforce.turnover" and "Annex A holds no worker history" in e.note
               for e in kept)
    out = write_calibrated_scenario(cal, tmp_path / "ours.yaml", SINGLE_TEAM, "ours")
    text = out.read_text()
    head = " ".join(line.removeprefix("#").strip() for line in text.split("extends:")[0]
                    .splitlines())
    for e in kept:
        assert e.label in head
    scenario = load_scenario(out)
    assert scenario.initial.households == len(result.caseload.households)
    assert scenario.initial.waiting == len(result.waiting.households)


def test_workbook_dates_from_names_or_at_signs(workbooks: Path) -> None:
    books = [dated_workbook(str(workbooks / f"annex-a-{d}.xlsx")) for d in DATES]
    assert [d for d, _ in books] == list(DATES)
    assert dated_workbook("any.xlsx@2027-01-04")[0] == date(2027, 1, 4)
    start, end = choose_books(books, date(2027, 11, 1), date(2028, 4, 3))
    assert start[0] == DATES[0] and end[0] == DATES[1]


def test_backtest_on_two_published_workbooks(
        workbooks: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, stderr = run_cli(
        monkeypatch, capsys, "backtest", "annex-a", workbooks / f"annex-a-{DATES[0]}.xlsx",
        workbooks / f"annex-a-{DATES[1]}.xlsx", "--from", DATES[0].isoformat(), "--to",
        DATES[1].isoformat(), "--roster", workbooks / "roster.csv", "--overrides",
        workbooks / f"overrides-{DATES[0]}.csv", "--base", SINGLE_TEAM, "--team-type",
        "duty_assessment", "--runs", "4", "--jobs", "1", "--report", tmp_path / "bt.html",
        "--plot", tmp_path / "bt.png")
    assert code == 0, stderr
    assert "Backtest: projected from 2027-10-04" in stdout
    assert "fell inside the projection's P10-P90 band" in stdout
    assert (tmp_path / "bt.png").read_bytes().startswith(b"\x89PNG")
    page = (tmp_path / "bt.html").read_text()
    assert "Actual against projected" in page and "data:image/png;base64" in page
