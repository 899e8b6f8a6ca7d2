"""The pages people read, looked at in headless chromium: the three what-if reports and the
board workbook, at desktop width and at 800 px, and as they print (A4).

Screenshots are saved in out/screenshots/ for a person to look at.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from allocopt.board import score_team
from allocopt.io.board_workbook import BAND_COLUMN, FIRST_ROW, LOAD_COLUMN, board_xlsx
from allocopt.io.inputs import load_inputs
from allocopt.io.scenario_file import load_scenario
from allocopt.report.palette import RAG_COLOURS
from allocopt.report.whatif_report import comparison_page, intake_page, sweep_page
from allocopt.whatif.compare import compare
from allocopt.whatif.intake import parse_target, plan_intake
from allocopt.whatif.sweep import parse_parameter, sweep

from .browser import screenshot
from .conftest import EXAMPLES, ROOT
from .workbook_view import cell_fills, sheet_html

A4_PRINTABLE_PX = 1000  # 297 mm less margins at 96 dpi is about 1015 px: a kept block fits


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    team = load_scenario(ROOT / "scenarios" / "single_team.yaml").with_overrides({"weeks": 10})
    folder = tmp_path_factory.mktemp("reports")
    cut = team.with_cut(3, date(2026, 5, 4)).with_overrides(
        {"name": "single-team with 3 posts cut on 4 May 2026"})
    out = {
        "compare": comparison_page(compare(team, [cut], runs=2, seed=1)),
        "sweep": sweep_page(sweep(team, [parse_parameter("benchmarks.experienced=40,50,60")],
                                  runs=2, seed=1)),
        "intake": intake_page(plan_intake(team, [parse_target("waiting_mean<=6"),
                                                 parse_target("nqsw_breaches:max<=0")],
                                          [date(2026, 4, 20)], runs=2, seed=1, max_size=4)),
    }
    paths = {}
    for name, page in out.items():
        path = folder / f"{name}.html"
        path.write_text(page, encoding="utf-8")
        paths[name] = path
    return paths


def _look(page: Any, path: Path, name: str) -> None:
    page.goto(path.as_uri())
    screenshot(page, f"{name}-desktop")
    page.set_viewport_size({"width": 800, "height": 900})
    screenshot(page, f"{name}-800px")
    # nothing scrolls sideways at 800 px: wide tables scroll inside their own box
    assert page.evaluate("document.documentElement.scrollWidth") <= 800
    for img in page.query_selector_all("figure img"):
        assert img.bounding_box()["width"] <= 800


@pytest.mark.parametrize("name", ["compare", "sweep", "intake"])
def test_what_if_report_reads_and_prints(browser_page: Any, pages: dict[str, Path],
                                         name: str) -> None:
    page = browser_page
    _look(page, pages[name], f"whatif-{name}")
    text = page.inner_text("body")
    # the answer comes first, with a recommendation and its precision in words
    answer = page.inner_text(".answer")
    assert "Recommendation:" in answer and "based on 2 runs" in answer
    assert page.evaluate("document.querySelector('.answer').getBoundingClientRect().top") < 400
    # plain words: no settings paths, slugs or command-line options
    for slug in ("benchmarks.experienced", "workforce.cuts", "single-team", "--runs", "--",
                 "red_share_mean", "waiting_mean"):
        assert slug not in text.replace("P10-P90", "")
    # RAG colours are used: load % cells are tinted by band
    assert page.locator("td[class*='band-']").count() >= 1
    # print: A4, and every heading kept with the table or figure it introduces
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 760, "height": 1000})
    screenshot(page, f"whatif-{name}-print")
    keeps = page.query_selector_all(".keep")
    assert keeps
    for block in keeps:
        style = page.evaluate("(e) => getComputedStyle(e).breakInside", block)
        assert style == "avoid"
        heading = block.query_selector("h2, h3")
        if heading is not None:
            assert block.bounding_box()["height"] < A4_PRINTABLE_PX * 1.6
    for h in page.query_selector_all("h2, h3"):
        assert page.evaluate("(e) => getComputedStyle(e).breakAfter", h) == "avoid"
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


def test_the_dates_things_change_are_marked_and_posts_cut_are_explained(
        browser_page: Any, pages: dict[str, Path]) -> None:
    browser_page.goto(pages["compare"].as_uri())
    text = browser_page.inner_text("body")
    assert "3 posts cut, 4 May 2026" in text  # in the scenario table
    assert "were vacant when cut" in text
    assert "Children per worker" in text  # beside load %
    assert "Dotted purple lines mark the dates things change" in text


def test_board_workbook_as_a_manager_sees_it(browser_page: Any, tmp_path: Path) -> None:
    inputs = load_inputs(EXAMPLES / "team.yaml")
    board = score_team(inputs.scheme, inputs.team.team, inputs.caseload.caseload, inputs.on)
    path = tmp_path / "board.xlsx"
    path.write_bytes(board_xlsx(board))
    fills = cell_fills(path, "Board")
    from openpyxl import load_workbook

    sheet = load_workbook(path)["Board"]
    colour_of = {b.name: RAG_COLOURS[b.colour].lstrip("#").upper() for b in board.scheme.rag}
    for row in range(FIRST_ROW, FIRST_ROW + len(board.workers)):
        band = sheet.cell(row, BAND_COLUMN).value
        load_ref = sheet.cell(row, LOAD_COLUMN).coordinate
        # the conditional formatting, evaluated, colours each load % as its band
        assert fills[load_ref] == colour_of[band], (sheet.cell(row, 1).value, band)
    assert {sheet.cell(r, BAND_COLUMN).value for r in range(FIRST_ROW, FIRST_ROW + 10)} == {
        "blue", "green", "amber", "red"}
    for name in ("Board", "W02"):
        page_path = tmp_path / f"{name}.html"
        page_path.write_text(sheet_html(path, name), encoding="utf-8")
        browser_page.goto(page_path.as_uri())
        shot = screenshot(browser_page, f"board-workbook-{name}")
        assert shot.stat().st_size > 5_000
