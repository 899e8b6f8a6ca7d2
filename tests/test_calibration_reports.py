"""The calibration and backtest pages as a director reads them: long dates, acronyms kept,
the figures kept national marked, counts whole, an answer with a recommendation, no
terminal instructions; looked at in headless chromium at 800 px and in print."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from allocopt.calibration.backtest import MEASURES, Backtest, Projection, Snapshot
from allocopt.calibration.estimate import Calibration, Estimate
from allocopt.report.backtest_view import backtest_page, projection_rows
from allocopt.report.calibration_view import calibration_page

from .browser import screenshot

ON = date(2026, 12, 1)
START = date(2026, 6, 1)


def _calibration() -> Calibration:
    cal = Calibration("SSD", "extract/", ON, date(2025, 6, 14))
    cal.add(Estimate("referrals.total", "Households referred a week", "a week", 1.1, 0.88,
                     1.36, 84, "ssd_cin_episodes", 40.0, True))
    cal.add(Estimate("pathway.assessment.outcomes.CIN", "Assessments ending in CIN", "share",
                     None, None, None, 0, "ssd_cin_assessments", 0.31, False, "too few"))
    cal.add(Estimate("pathway.assessment.s47_conference",
                     "S47 enquiries going to initial conference", "share", None, None, None,
                     4, "ssd_s47_enquiry", 0.41, False, "too few"))
    cal.add(Estimate("initial.waiting", "Households waiting at the start", "households", 12.0,
                     None, None, 12, "SSD at the date", 2.0, True, "a count at the date"))
    return cal


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_calibration_page_reads_without_the_terminal() -> None:
    page = calibration_page(_calibration(), "ours.yaml")
    text = _text(page)
    assert "Calibration: SSD at 1 December 2026" in text
    assert "Records from 14 June 2025 to 1 December 2026" in text
    # acronyms stay as written when a label is put inside a sentence
    assert ("2 keep the national figure (assessments ending in CIN, S47 enquiries going to "
            "initial conference)") in text
    # no command to type, anywhere
    assert "allocopt " not in text and "`" not in text and "--" not in text
    assert "a backtest" in text
    # the figures kept national are tinted, as the terminal shows them in yellow
    assert page.count('class="text band-amber">no: national kept') == 2
    # counts are whole: 12 households waiting, not 12.00
    row = text[text.index("Households waiting at the start"):][:60]
    assert " 12 " in row and "12.00" not in row and " 2 " in row


def _backtest(actuals: dict[str, float]) -> Backtest:
    first = Snapshot(START, {m: 12.0 for m, _ in MEASURES}, "a")
    last = Snapshot(ON, actuals, "b")
    projections = [Projection(m, label, 12.0, actuals[m], 10.0, 14.0, 18.0)
                   for m, label in MEASURES]
    weeks = [START + timedelta(weeks=k) for k in range(27)]
    series = {m: [(d, 10.0, 14.0, 18.0) for d in weeks] for m, _ in MEASURES}
    return Backtest("SSD", START, ON, 26, _calibration(), first, last, runs=20, seed=1,
                    projections=projections, series=series)


def test_backtest_answer_names_the_misses_and_recommends() -> None:
    # three inside, two below the band (too high) and one above it (too low)
    actuals = {"children_cin": 15.0, "children_cp": 4.0, "children_cla": 0.0,
               "allocated": 11.0, "unallocated": 25.0, "per_worker": 12.5}
    bt = _backtest(actuals)
    text = _text(backtest_page(bt))
    assert "Backtest from 1 June 2026 to 1 December 2026" in text
    assert "3 of 6 actual values fell inside the projection's P10-P90 band" in text
    assert ("Outside it: children on child protection plans: 4 actually against 10.0 to 18.0 "
            "projected (too high); children looked after: 0 actually against 10.0 to 18.0 "
            "projected (too high); children waiting for a worker: 25 actually against 10.0 "
            "to 18.0 projected (too low).") in text
    assert "Recommendation: the scenario misses something about this service" in text
    assert "This is based on 20 runs of the projection over 26 weeks." in text
    # children are counted whole where the extract counts them; per worker keeps a decimal
    rows = {r[0]: r for r in projection_rows(bt)}
    assert rows["Children on child protection plans"][1:3] == ["12", "4"]
    assert rows["Allocated children per worker"][1:3] == ["12.0", "12.5"]
    good = _backtest({m: 14.0 if m != "children_cla" else 0.0 for m, _ in MEASURES})
    assert "its what-ifs can inform decisions" in _text(backtest_page(good))


def test_calibration_and_backtest_pages_in_a_browser(browser_page: Any, tmp_path: Path) -> None:
    actuals = {"children_cin": 15.0, "children_cp": 4.0, "children_cla": 0.0,
               "allocated": 11.0, "unallocated": 25.0, "per_worker": 12.5}
    pages = {"calibration": calibration_page(_calibration(), "ours.yaml"),
             "backtest": backtest_page(_backtest(actuals))}
    for name, text in pages.items():
        path = tmp_path / f"{name}.html"
        path.write_text(text, encoding="utf-8")
        page = browser_page
        page.set_viewport_size({"width": 1280, "height": 900})
        page.emulate_media(media="screen")
        page.goto(path.as_uri())
        screenshot(page, f"{name}-desktop")
        assert "Recommendation:" in page.inner_text(".answer") or name == "calibration"
        page.set_viewport_size({"width": 800, "height": 900})
        screenshot(page, f"{name}-800px")
        assert page.evaluate("document.documentElement.scrollWidth") <= 800
        page.emulate_media(media="print")
        screenshot(page, f"{name}-print")
        assert page.pdf(format="A4").startswith(b"%PDF")
