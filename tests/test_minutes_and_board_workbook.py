"""Meeting minutes (Markdown, HTML, XLSX from one set of plain data), the board workbook,
and what the allocation table shows row by row."""

from __future__ import annotations

import io
import itertools
from pathlib import Path

import openpyxl
import pytest
from rich.console import Console
from typer.testing import CliRunner

from allocopt.allocation.cpsat import CpSatAllocator
from allocopt.allocation.explain import explain
from allocopt.allocation.problem import Policy, build_problem
from allocopt.board import score_team
from allocopt.cli import app
from allocopt.io.board_workbook import BAND_COLUMN, FIRST_ROW, LOAD_COLUMN, board_xlsx
from allocopt.io.caseload_file import read_caseload
from allocopt.io.inputs import load_inputs
from allocopt.report.allocation_view import meeting_renderables
from allocopt.report.minutes import (
    minutes_from_outcome,
    minutes_html,
    minutes_markdown,
    minutes_xlsx,
)

from .conftest import EXAMPLES

TEAM = EXAMPLES / "team.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def outcome():  # type: ignore[no-untyped-def]
    inputs = load_inputs(TEAM)
    waiting = read_caseload(EXAMPLES / "waiting.csv").caseload.households
    problem = build_problem(inputs.scheme, Policy(), inputs.team.team, inputs.caseload.caseload,
                            waiting, inputs.on)
    return explain(problem, CpSatAllocator().allocate(problem))


def test_each_row_shows_the_worker_before_and_after_that_household(outcome) -> None:  # type: ignore[no-untyped-def]
    w09 = [s for s in outcome.suggestions if s.worker_id == "W09"]
    assert len(w09) == 5
    # the rows chain: each starts where the one before ended, from 48 % to 98 %
    assert w09[0].step_before.pct == pytest.approx(48.0)
    for a, b in itertools.pairwise(w09):
        assert b.step_before.pct == pytest.approx(a.step_after.pct)
    assert w09[-1].step_after.pct == pytest.approx(98.0) == w09[-1].after.pct
    assert len({(s.step_before.pct, s.step_after.pct) for s in w09}) == 5
    # a blue worker is never said to "stay green"
    for s in outcome.suggestions:
        if s.step_before.band != s.step_after.band:
            assert "stays" not in s.why and s.step_after.band in s.why
        else:
            assert f"stays {s.step_after.band}" in s.why
    assert "moves from blue to green (98.0%)" in w09[-1].why


def test_narrow_terminal_lists_reasons_whole(outcome) -> None:  # type: ignore[no-untyped-def]
    for width in (80, 140):
        console = Console(width=width, record=True, color_system=None)
        for part in meeting_renderables(outcome, "North", width):
            console.print(part)
        text = console.export_text()
        assert max(len(line) for line in text.splitlines()) <= width
        flat = " ".join(text.split())
        # every reason reads whole, in the table when it is wide, under it when narrow
        for s in outcome.suggestions:
            assert s.why in flat
        assert ("Why; next along" in text) == (width >= 110)
        assert ("R0011 to W09: moves from blue to green (98.0%)" in flat) == (width < 110)


def test_minutes_in_three_forms_from_one_set_of_data(outcome, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    m = minutes_from_outcome(outcome, "North long-term team")
    md = minutes_markdown(m)
    assert md.startswith("# Allocation meeting: North long-term team, 01 December 2026")
    assert "| R0011 | CIN | 5 days | W09 | 3 | 92.0% blue | 98.0% green |" in md
    page = minutes_html(m)
    assert page.lower().startswith("<!doctype html>") and "@media print" in page
    assert "92.0%" in page and "98.0%" in page and "<script" not in page
    book = openpyxl.load_workbook(io.BytesIO(minutes_xlsx(m)))
    assert book.sheetnames == ["Minutes", "Decisions", "Other workers considered",
                               "Not allocated", "Workers after the meeting"]
    decisions = book["Decisions"]
    assert [c.value for c in decisions[1]][:2] == ["Household", "Priority"]
    r0011 = next(r for r in decisions.iter_rows(min_row=2) if r[0].value == "R0011")
    assert r0011[5].value == pytest.approx(0.92) and r0011[5].number_format == "0.0%"
    assert (r0011[6].value, r0011[8].value) == ("blue", "green")
    assert r0011[7].fill.fgColor.rgb.endswith("DCEFE3")  # pale green
    assert book["Minutes"]["A1"].value.startswith("Allocation meeting: North long-term team")
    assert minutes_xlsx(m) == minutes_xlsx(m)  # byte for byte


def test_allocate_out_extension_chooses_the_minutes(tmp_path: Path) -> None:
    for name in ("m.md", "m.html", "m.xlsx", "m.json", "m.csv"):
        result = runner.invoke(app, ["allocate", str(TEAM), "--out", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
    assert (tmp_path / "m.html").read_text().lower().startswith("<!doctype html>")
    assert (tmp_path / "m.md").read_text().startswith("# Allocation meeting")
    assert (tmp_path / "m.json").read_text().lstrip().startswith("{")
    assert openpyxl.load_workbook(tmp_path / "m.xlsx").sheetnames[0] == "Minutes"
    result = runner.invoke(app, ["rebalance", str(TEAM), "--out", str(tmp_path / "plan.md")])
    assert result.exit_code == 0 and "Rebalancing plan" in (tmp_path / "plan.md").read_text()


def test_board_workbook_has_rag_conditional_formatting_and_a_sheet_per_worker(
        tmp_path: Path) -> None:
    target = tmp_path / "board.xlsx"
    result = runner.invoke(app, ["score", str(TEAM), "--out", str(target)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Board", *[f"W{n:02d}" for n in range(1, 11)]]
    board = book["Board"]
    load = board.cell(FIRST_ROW, LOAD_COLUMN).column_letter
    band = board.cell(FIRST_ROW, BAND_COLUMN).column_letter
    rules = {str(rng.sqref): [r for r in rng.rules] for rng in board.conditional_formatting}
    load_rules = rules[f"{load}{FIRST_ROW}:{load}{FIRST_ROW + 9}"]
    # the scheme's bands in order, first fit wins: blue < 95 %, green <= 100 %, amber < 110 %, red
    assert [r.formula[0] for r in load_rules] == [
        f"AND(ISNUMBER(${load}{FIRST_ROW}),${load}{FIRST_ROW}<0.95)",
        f"AND(ISNUMBER(${load}{FIRST_ROW}),${load}{FIRST_ROW}<=1)",
        f"AND(ISNUMBER(${load}{FIRST_ROW}),${load}{FIRST_ROW}<1.1)",
        f"ISNUMBER(${load}{FIRST_ROW})"]
    assert all(r.stopIfTrue for r in load_rules)
    assert [r.dxf.fill.fgColor.rgb[-6:] for r in load_rules] == [
        "2F6DB5", "2E8B57", "F0A030", "C8372D"]
    assert len(rules[f"{band}{FIRST_ROW}:{band}{FIRST_ROW + 9}"]) == 4
    rows = {board.cell(r, 1).value: r for r in range(FIRST_ROW, FIRST_ROW + 10)}
    w02 = rows["W02"]
    assert board.cell(w02, LOAD_COLUMN).value == pytest.approx(1.10)
    assert board.cell(w02, BAND_COLUMN).value == "red"
    assert board.cell(w02, LOAD_COLUMN).number_format == "0.0%"
    w02_sheet = book["W02"]
    cases = [r[0].value for r in w02_sheet.iter_rows(min_row=6) if r[0].value]
    assert cases[:2] == ["H0006", "H0015"] and cases[-1] == "Total"
    header = [c.value for c in w02_sheet[5]]
    total = header.index("Total") + 1
    assert w02_sheet.cell(w02_sheet.max_row, total).value == 55  # W02's load on the board
    assert w02_sheet.cell(6, total).value == 5  # H0006: 2 + 1 + 2


def test_board_workbook_is_deterministic_and_defuses_formulas(tmp_path: Path) -> None:
    inputs = load_inputs(TEAM)
    board = score_team(inputs.scheme, inputs.team.team, inputs.caseload.caseload, inputs.on)
    assert board_xlsx(board) == board_xlsx(board)
    book = openpyxl.load_workbook(io.BytesIO(board_xlsx(board, ["=HYPERLINK(1)"])))
    values = [c.value for row in book["Board"].iter_rows() for c in row]
    assert "'=HYPERLINK(1)" in values and "=HYPERLINK(1)" not in values


def test_help_has_no_bool_tags() -> None:
    for command in ([], ["allocate"], ["score"], ["plan-intake"], ["template"], ["simulate"]):
        out = runner.invoke(app, [*command, "--help"]).output
        assert "<bool>" not in out and "--help" in out


def test_one_name_for_the_solver_everywhere() -> None:
    # greedy or CP-SAT is --solver in every command that allocates; --policy is only ever
    # the allocation policy file, and only where a team meets
    for command in (["allocate"], ["simulate"], ["compare"], ["sweep"], ["plan-intake"],
                    ["backtest", "ssd"], ["backtest", "annex-a"]):
        out = runner.invoke(app, [*command, "--help"], terminal_width=200).output
        assert "--solver" in out and "cpsat|greedy" in out.replace("greedy|cpsat", "cpsat|greedy")
        assert ("--policy" in out) == (command == ["allocate"]), command
    for command in (["recommend"], ["rebalance"]):
        out = runner.invoke(app, [*command, "--help"], terminal_width=200).output
        assert "--policy" in out and "Policy file" in out and "--solver" not in out
    # the waiting list is --waiting wherever a meeting reads one
    for command in (["allocate"], ["recommend"]):
        assert "--waiting" in runner.invoke(app, [*command, "--help"],
                                            terminal_width=200).output
