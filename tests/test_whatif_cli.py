"""`allocopt compare`, `sweep` and `plan-intake` through the real entry point: tables in
the terminal, CSV and PNG in --out, one self-contained HTML page with --report (the same
bytes on a repeat), and one clear line with exit 2 for bad input."""

from __future__ import annotations

import csv
import io
import re
from datetime import date as date_
from pathlib import Path

import pytest

from allocopt.io.atomic import MARKER
from allocopt.simulation.records import METRIC_NAMES

from .conftest import ROOT, run_cli

TEAM = ROOT / "scenarios" / "single_team.yaml"
FAST = ("--weeks", "8", "--runs", "3", "--jobs", "1", "--seed", "5")


run = run_cli


def ok(monkeypatch, capsys, *args: str | Path) -> str:
    code, out, err = run(monkeypatch, capsys, *args)
    assert code == 0, err
    return out


def self_contained(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    for outside in ('src="http', "<script", "<link", "url("):
        assert outside not in page
    assert page.count('src="data:image/png;base64,') >= 1
    for part in ("Question.", "Answer.", "Caveats", "The scenario"):
        assert part in page


def test_compare_a_cut_in_one_line(monkeypatch, capsys, tmp_path):
    report = tmp_path / "cut.html"
    out = ok(monkeypatch, capsys, "compare", TEAM, "--cut", "5", "--at", "2026-04-06",
             *FAST, "--out", tmp_path / "out", "--report", report)
    assert "Single team with 5 posts cut on 6 April 2026 compared with Single team" in out
    assert "Households waiting (mean)" in out and "worse" in out
    written = sorted(p.name for p in (tmp_path / "out").iterdir() if p.name != MARKER)
    assert written == ["compare_differences.png", "compare_weekly.png", "differences.csv",
                       "runs.csv", "scenarios.csv"]
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out" / "differences.csv").read_text())))
    assert [r["metric"] for r in rows] == list(METRIC_NAMES)
    waiting = next(r for r in rows if r["metric"] == "waiting_mean")
    assert waiting["verdict"] == "worse" and float(waiting["ci_low"]) > 0
    page = report.read_text()
    self_contained(page)
    assert page.count("data:image/png;base64,") == 2
    assert "Posts cut" in page and "workforce.cuts" not in page
    assert "Households waiting (mean)" in page
    assert "3 runs of 8 weeks with seed 5" in page
    # deterministic: the same command writes the same bytes
    first = report.read_bytes()
    ok(monkeypatch, capsys, "compare", TEAM, "--cut", "5", "--at", "2026-04-06", *FAST,
       "--report", report)
    assert report.read_bytes() == first


def test_compare_scenario_files_a_few_lines_each(monkeypatch, capsys, tmp_path):
    surge = tmp_path / "surge.yaml"
    surge.write_text(f"extends: {TEAM}\nname: surge\nreferrals:\n  rate: 12\n")
    out = ok(monkeypatch, capsys, "compare", TEAM, surge, TEAM, *FAST)
    assert "Surge compared with Single team" in out
    assert "Single team (2) compared with Single team" in out
    assert "no difference" in out


def test_sweep(monkeypatch, capsys, tmp_path):
    report = tmp_path / "sweep.html"
    out = ok(monkeypatch, capsys, "sweep", TEAM, "--set", "benchmarks.experienced=40:60:10",
             "--set", "referrals.rate=6,9", *FAST, "--out", tmp_path / "out",
             "--report", report)
    flat = " ".join(out.split())
    assert "the benchmark of an experienced social worker goes from 40 to 60" in flat
    assert "benchmarks.experienced" not in out
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if p.name != MARKER) == [
        "runs.csv", "sweep.csv", "sweep.png"]
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out" / "sweep.csv").read_text())))
    assert len(rows) == 3 * 2 * len(METRIC_NAMES)
    assert {(r["benchmarks.experienced"], r["referrals.rate"]) for r in rows} == {
        (b, r) for b in ("40", "50", "60") for r in ("6", "9")}
    page = report.read_text()
    self_contained(page)
    assert "As the benchmark of an experienced social worker goes from 40 to 60" in page
    assert "benchmarks.experienced" not in page and "sweep.csv" not in page


def test_plan_intake(monkeypatch, capsys, tmp_path):
    report = tmp_path / "intake.html"
    out = ok(monkeypatch, capsys, "plan-intake", TEAM, "--weeks", "30", "--runs", "2",
             "--jobs", "1", "--cohort", "2026-05-04", "--target", "waiting_mean<=9",
             "--target", "nqsw_breaches:max<=0", "--max", "6", "--out", tmp_path / "out",
             "--report", report)
    assert "NQSW intake sizes searched" in out
    assert re.search(r"Take on \d+ NQSWs? \(\d+ on 4 May 2026\)|No intake", out)
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if p.name != MARKER) == [
        "curve.csv", "intake_curve.png", "options.csv", "runs.csv"]
    page = report.read_text()
    self_contained(page)
    assert "The sizes searched" in page
    assert "Households waiting (mean): at most 9 households (mean across runs)" in page


@pytest.mark.parametrize(("args", "message"), [
    (("compare", TEAM, "--cut", "3"), "each --cut needs its --at date"),
    (("compare", TEAM, TEAM, "--at", "2027-04-01"), "--at without --cut"),
    (("compare", TEAM, "--cut", "3", "--at", "1st April"), "invalid --at"),
    (("compare", TEAM), "nothing to compare with"),
    (("compare", TEAM, TEAM, "--runs", "1"), "invalid --runs"),
    (("compare", TEAM, TEAM, "--jobs", "0"), "invalid --jobs"),
    (("compare", TEAM, "--set", "referrals.rate=-1"), "referrals.rate"),
    (("sweep", TEAM, "--set", "referrals.rate=9:6"), "upwards"),
    (("sweep", TEAM, "--set", "referrals.rate=6"), "nothing to sweep"),
    (("plan-intake", TEAM, "--target", "red_share<=10%"), "unknown outcome"),
    (("plan-intake", TEAM, "--cohort", "2031-09-01"), "outside the projection"),
    (("compare", ROOT / "no-such.yaml", TEAM), "scenario file not found"),
])
def test_bad_input_is_one_line_and_exit_2(monkeypatch, capsys, args, message):
    # the test's own options come last, so they win over these defaults
    code, _out, err = run(monkeypatch, capsys, args[0], "--weeks", "4", "--runs", "2",
                         "--jobs", "1", *args[1:])
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], err
    assert "Traceback" not in err


def _rendered(table: object, width: int = 100) -> list[str]:
    from rich.console import Console

    console = Console(width=width, file=io.StringIO(), color_system=None)
    console.print(table)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    return [line.rstrip() for line in text.splitlines()]


def test_compare_table_names_every_outcome_in_a_narrow_terminal() -> None:
    """At 80 and 100 columns every row still says, on one line, which outcome it is
    (short names, explained under the table), and no figure is cut short; where the
    full names fit on one line (140 columns) they are used. (Before, at 80 columns the
    outcome column shrank to nothing.)"""
    from allocopt import compare
    from allocopt.cli.whatif import comparison_view
    from allocopt.report.labels import short_metric_label
    from allocopt.report.values import format_value
    from allocopt.whatif.compare import KEY_METRICS

    c = compare(TEAM, cut=(5, date_(2026, 4, 6)), runs=3, seed=5, weeks=8)
    cost = c.difference(0, "staff_cost_per_year")
    for width in (80, 100):
        lines = _rendered(comparison_view(c, 0, width=width), width)
        assert max(map(len, lines)) <= width and "…" not in "\n".join(lines)
        for name in (*KEY_METRICS, "staff_cost_per_year"):
            d = c.difference(0, name)
            head = short_metric_label(name) + "  "
            row = [line for line in lines if line.lstrip().startswith(head)]
            assert len(row) == 1, (width, name)
            values = row[0].removeprefix(" ").removeprefix(head).split()
            assert values[:2] == [format_value(d.base, d.unit), format_value(d.other, d.unit)]
        assert f"£{abs(cost.mean):,.0f}" in "\n".join(lines)
        # the caption says what each short name stands for
        assert "Waiting: Households waiting (mean)" in " ".join(x.strip() for x in lines)
    wide = _rendered(comparison_view(c, 0, width=140), 140)
    assert any(line.lstrip().startswith("Households waiting (last week)  ") for line in wide)
    assert not any(line.lstrip().startswith("Waiting: ") for line in wide)


@pytest.mark.parametrize("costs", [True, False])
def test_terminal_tables_give_the_cost_and_where_the_nqsws_go(costs: bool) -> None:
    """Issue 15 part 5 in the terminal: compare has a cost row, plan-intake has columns for
    NQSWs filling vacancies, new posts and the cost against none, only where the scenario
    gives costs, within 100 columns."""
    from allocopt import compare, plan_intake
    from allocopt.cli.whatif import comparison_view, intake_view
    from allocopt.io.scenario_file import load_scenario
    from allocopt.report.whatif_report import intake_cost, nqsw_placed

    scenario = load_scenario(TEAM)
    if not costs:
        scenario = scenario.with_overrides({"costs": None})
    c = compare(scenario, cut=(5, date_(2026, 4, 6)), runs=3, seed=5, weeks=8)
    lines = _rendered(comparison_view(c, 0, width=100))
    assert max(map(len, lines)) <= 100
    row = [line for line in lines if line.lstrip().startswith("Cost a year  ")]
    if costs:
        d = c.difference(0, "staff_cost_per_year")
        assert d.mean < 0  # five posts fewer cost less
        assert len(row) == 1 and f"£{abs(d.mean):,.0f}" in row[0]
    else:
        assert row == []
    plan = plan_intake(scenario, targets=["waiting_mean<=9"], cohorts=[date_(2026, 5, 4)],
                       runs=2, max_size=2, weeks=12, every_size=True)
    lines = _rendered(intake_view(plan))
    assert max(map(len, lines)) <= 100
    text = "\n".join(lines)
    assert "Fill vacancies" in text and "New posts" in text
    assert ("Cost a year" in text) is costs
    two = next(line.split() for line in lines if line.split()[:1] == ["2"])
    vacancies, new = nqsw_placed(plan.option(2).runs)
    assert two[1:3] == [f"{vacancies:.0f}", f"{new:.0f}"]
    assert float(two[1]) + float(two[2]) == 2
    if costs:
        cost = intake_cost(plan, plan.option(2))
        assert cost is not None and f"£{abs(cost.mean):,.0f}" in " ".join(two)
