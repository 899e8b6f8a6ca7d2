"""`allocopt calibrate annex-a | ssd` through the real entry point."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from allocopt.io.extracts.history_writers import write_history_extracts
from allocopt.io.scenario_file import load_scenario
from allocopt.simulation.history import simulate_history

from .conftest import ROOT, run_cli

ON = date(2028, 4, 3)
BASE = ROOT / "scenarios" / "baseline.yaml"


@pytest.fixture(scope="module")
def extracts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scenario = load_scenario(ROOT / "scenarios" / "single_team.yaml").with_overrides(
        {"referrals.rate": 6})
    service = simulate_history(scenario, ON, seed=2)
    folder = tmp_path_factory.mktemp("calibrate")
    write_history_extracts(folder, service)
    return folder


def test_calibrate_ssd_writes_a_commented_scenario_and_report(
        extracts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ours.yaml"
    code, stdout, stderr = run_cli(
        monkeypatch, capsys, "calibrate", "ssd", extracts / "ssd", "--roster",
        extracts / "roster.csv", "--date", ON.isoformat(), "--base", BASE, "--out", out,
        "--report", tmp_path / "calibration.html", "--team-type", "duty_assessment")
    assert code == 0, stderr
    assert "Calibration from the SSD" in stdout and "National figures kept" in stdout
    text = out.read_text()
    assert text.startswith("# Calibrated by allocopt from the SSD")
    assert "extends: " in text and "95 % interval" in text
    scenario = load_scenario(out)  # extends the baseline and validates
    assert scenario.start == ON
    assert scenario.workforce.teams[0].type.value == "duty_assessment"
    assert 4 < scenario.referrals.rate < 8
    assert scenario.pathway.assessment.s47_conference is not None
    # The national figures kept are named in the file's head and in the report.
    assert "National figures kept" in text and "Leavers a year per post held" in text
    page = (tmp_path / "calibration.html").read_text()
    assert "Each estimate beside the national figure it replaces" in page
    assert "<script" not in page


def test_calibrate_annex_a_with_the_override_sheet(
        extracts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "annex.yaml"
    code, stdout, stderr = run_cli(
        monkeypatch, capsys, "calibrate", "annex-a", extracts / "annex-a.xlsx", "--roster",
        extracts / "roster.csv", "--overrides", extracts / "overrides.csv", "--date",
        ON.isoformat(), "--base", BASE, "--out", out, "--min-records", "20")
    assert code == 0, stderr
    assert "Annex A holds no worker history" in stdout
    scenario = load_scenario(out)
    assert sum(scenario.referrals.children.values()) == pytest.approx(1.0)


@pytest.mark.parametrize("args, message", [
    (["calibrate", "ssd", "no-such-folder", "--out", "x.yaml"], "folder not found"),
    (["calibrate", "ssd", "SSD", "--out", "x.yaml", "--min-records", "0"], "--min-records"),
    (["calibrate", "ssd", "SSD", "--out", "x.yaml", "--date", "2028-04-03",
      "--since", "2029-01-01"], "--since"),
])
def test_bad_input_is_one_line_and_exit_2(
        args: list[str], message: str, extracts: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    args = [str(extracts / "ssd") if a == "SSD" else a for a in args]
    args = [str(tmp_path / a) if a == "x.yaml" else a for a in args]
    code, _, stderr = run_cli(monkeypatch, capsys, *args, "--base", BASE)
    assert code == 2
    assert message in stderr and "Traceback" not in stderr
    assert not (tmp_path / "x.yaml").exists()


@pytest.mark.parametrize("args, wrong, option, expected", [
    (["calibrate", "ssd", "SSD", "--out", "ours.yaml", "--report", "report.txt"],
     "report.txt", "--report", ".html"),
    (["calibrate", "annex-a", "annex.xlsx", "--out", "ours.json"], "ours.json", "--out",
     ".yaml"),
    (["backtest", "ssd", "SSD", "--from", "2027-10-02", "--to", "2028-04-03", "--report",
      "bt.pdf"], "bt.pdf", "--report", ".html"),
    (["backtest", "ssd", "SSD", "--from", "2027-10-02", "--to", "2028-04-03", "--plot",
      "bt.svg"], "bt.svg", "--plot", ".png"),
    (["backtest", "ssd", "SSD", "--from", "2027-10-02", "--to", "2028-04-03", "--scenario",
      "at-from.json"], "at-from.json", "--scenario", ".yaml"),
])
def test_an_output_named_for_another_format_is_refused_before_anything_runs(
        args: list[str], wrong: str, option: str, expected: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 15: the format follows the file's extension, or the command refuses."""
    (tmp_path / "SSD").mkdir()
    monkeypatch.chdir(tmp_path)
    code, stdout, stderr = run_cli(monkeypatch, capsys, *args, "--base", BASE)
    assert code == 2 and stdout == ""
    assert stderr.splitlines() == [
        f"error: {wrong}, field '{option}': cannot tell what to write from the file name; "
        f"found '{Path(wrong).suffix}'; expected a file ending {expected}"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["SSD"]


def test_calibrate_without_base_works_from_any_folder(
        extracts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The default --base is the baseline shipped with the package, not a path that only
    exists at the repository's root; the file names it so that it reads back anywhere."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, _, stderr = run_cli(
        monkeypatch, capsys, "calibrate", "ssd", extracts / "ssd", "--roster",
        extracts / "roster.csv", "--date", ON.isoformat(), "--out", "ours.yaml")
    assert code == 0, stderr
    assert "\nextends: baseline\n" in (elsewhere / "ours.yaml").read_text()
    monkeypatch.chdir(tmp_path)
    scenario = load_scenario(elsewhere / "ours.yaml")
    assert scenario.start == ON
    # What the file does not replace is the baseline's.
    assert scenario.benchmarks == load_scenario(BASE).benchmarks


def test_the_shipped_baseline_is_the_repositorys() -> None:
    from allocopt.io.scenario_file import shipped_scenario

    shipped = shipped_scenario("baseline")
    assert shipped is not None and shipped.read_bytes() == BASE.read_bytes()
