"""`allocopt simulate` through the real entry point: the summary table, tables and plots
written to --out (byte-identical for a seed), and bad input ending in exit 2."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from allocopt.io.atomic import MARKER
from allocopt.io.simulation_export import SIMULATE_SCHEMA

from .conftest import run_cli

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
TEAM = SCENARIOS / "single_team.yaml"
FILES = {"weeks.csv", "worker_weeks.csv", "workers.csv", "allocations.csv", "households.csv",
         "events.csv", "replications.csv", "summary.csv", "weekly.csv", "waits.csv",
         "results.json",
         "load_fan.png", "rag_area.png", "waiting.png", "heatmap.png"}


def test_simulate_prints_a_summary_and_writes_tables_and_plots(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    out = tmp_path / "a"
    code, text, err = run_cli(monkeypatch, capsys, "simulate", TEAM, "--runs", "2", "--weeks", "8",
                          "--seed", "3", "--out", out)
    assert code == 0, err
    assert "single-team: 2 runs of 8 weeks, greedy policy, seed 3" in text
    assert "NQSW protection breaches" in text and "within 5 working days" in text
    assert "Time to allocation by priority" in text and "S47" in text
    assert {p.name for p in out.iterdir()} == FILES | {MARKER}
    assert (out / MARKER).read_text("utf-8").splitlines() == ["written by allocopt simulate",
                                                              *sorted(FILES)]
    results = json.loads((out / "results.json").read_text("utf-8"))
    assert results["schema"] == SIMULATE_SCHEMA and results["runs"] == 2
    assert {m["metric"] for m in results["metrics"]} >= {"load_pct_mean", "nqsw_breaches"}
    with (out / "weeks.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {r["replication"] for r in rows} == {"0", "1"}
    assert {r["week"] for r in rows} == {str(w) for w in range(9)}
    assert {"DA", "ALL"} == {r["team"] for r in rows}
    assert (out / "load_fan.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_same_seed_writes_the_same_bytes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    for name in ("a", "b"):
        code, _, err = run_cli(monkeypatch, capsys, "simulate", TEAM, "-n", "2", "-w", "6",
                           "--out", tmp_path / name)
        assert code == 0, err
    for path in sorted(p for p in (tmp_path / "a").iterdir() if p.name != MARKER):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name


def test_set_and_policy_options(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    code, text, err = run_cli(monkeypatch, capsys, "simulate", TEAM, "-n", "1", "-w", "4",
                          "--solver", "cpsat", "--set", "referrals.rate=4")
    assert code == 0, err
    assert "cp-sat policy" in text and "Add --out" in text


@pytest.mark.parametrize(("args", "message"), [
    (["--set", "referrals.rate=-3"], "field 'referrals.rate': invalid value; found -3"),
    (["--set", "referals.rate=3"], "field 'referals.rate': unknown setting"),
    (["--runs", "0"], "invalid --runs"),
    (["--solver", "random"], "Invalid value for '--solver'"),
])
def test_bad_options_exit_2_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    args: list[str], message: str,
) -> None:
    code, _, err = run_cli(monkeypatch, capsys, "simulate", TEAM, *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_a_bad_scenario_file_exits_2_naming_file_and_field(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {TEAM}\nworkforce: {{turnover: -1}}\n", "utf-8")
    code, _, err = run_cli(monkeypatch, capsys, "simulate", bad)
    assert code == 2
    assert err.startswith(f"error: {bad}, field 'workforce.turnover': invalid value; found -1")
    assert len(err.strip().splitlines()) == 1
    code, _, err = run_cli(monkeypatch, capsys, "simulate", tmp_path / "missing.yaml")
    assert code == 2 and "scenario file not found" in err
