"""The what-if pages and their words: numbers for people, an answer that names what clearly
changed, every scenario and setting shown, caveats, and no child-level data."""

from __future__ import annotations

import math
import re

import pytest

from allocopt.io.scenario_file import load_scenario
from allocopt.report.whatif_report import (
    comparison_answer,
    comparison_page,
    format_difference,
    format_value,
    lower_first,
    sweep_answer,
)
from allocopt.whatif.compare import compare
from allocopt.whatif.sweep import parse_parameter, sweep

from .conftest import ROOT


@pytest.fixture(scope="module")
def team():
    return load_scenario(ROOT / "scenarios" / "single_team.yaml").with_overrides({"weeks": 10})


@pytest.mark.parametrize(("value", "unit", "shown", "diff"), [
    (0.1234, "share", "12.3%", "+12.3 pp"),
    (-0.05, "share", "-5.0%", "-5.0 pp"),
    (91.26, "%", "91.3%", "+91.3 pp"),
    (12.0, "households", "12", "+12.0"),
    (3.25, "days", "3.2", "+3.2"),
    (1234.0, "events", "1,234", "+1,234.0"),
    (0.0, "breaches", "0", "0"),
    (math.nan, "days", "-", "-"),
    (-0.01, "children", "0.0", "0.0"),  # too small to show: 0.0, never -0.0
    (-0.0004, "share", "0.0%", "0.0 pp"),
])
def test_numbers_for_people(value, unit, shown, diff):
    assert format_value(value, unit) == shown
    assert format_difference(value, unit) == diff


def test_lower_first_keeps_acronyms():
    assert lower_first("Households waiting") == "households waiting"
    assert lower_first("CP/S47 work allocated") == "CP/S47 work allocated"
    assert lower_first("NQSW protection breaches") == "NQSW protection breaches"


def test_the_comparison_page(team):
    cut = team.with_cut(5, team.start).with_overrides({"name": "half the posts"})
    result = compare(team, [cut, team], runs=3, seed=2)
    answer = comparison_answer(result)
    # a sentence per scenario, plain names, ending with a recommendation
    assert answer.startswith("Half the posts is clearly worse than Single team: ")
    assert "households waiting (mean) rises by " in answer
    assert "Single team (2) makes no clear difference" in answer
    assert answer.count("Recommendation:") == 2
    page = comparison_page(result, question="What if we lose half the team?")
    assert "What if we lose half the team?" in page
    assert "What Half the posts changes" in page and "Posts cut" in page
    assert "5 posts cut on 6 April 2026" in page and "workforce.cuts" not in page
    assert "Nothing: the same settings" in page  # the copy of the base
    # the precision in words, up front; no command-line advice anywhere
    assert "This is based on 3 runs of 10 weeks of each scenario" in page
    assert "known to within ±" in page and "--runs" not in page and "--" not in re.sub(
        r"<[^>]+>", " ", page).replace("P10-P90", "")
    # posts cut: vacant or filled, in words
    assert "were vacant when cut" in page and "by permanent workers" in page
    assert page.count("data:image/png;base64,") == 2
    text = re.sub(r"<[^>]+>", " ", page)
    assert "Caveats" in text and "not a forecast" in text
    assert "3 runs of 10 weeks with seed 2" in text
    # nothing about any child or household is printed, only service-level figures
    assert not re.search(r"\b[HW]\d{4,}\b", text)


def test_the_sweep_answer_follows_the_median(team):
    result = sweep(team, [parse_parameter("benchmarks.experienced=40,60")], runs=2, seed=3)
    answer = sweep_answer(result, ["load_pct_mean"])
    low = result.point(40).spread("load_pct_mean").p50
    high = result.point(60).spread("load_pct_mean").p50
    assert high < low
    assert answer.startswith(
        f"As the benchmark of an experienced social worker goes from 40 to 60, in the median "
        f"run service load % (mean over weeks) falls from {low:.1f}% to {high:.1f}%.")
    assert "Recommendation: a higher benchmark lowers load % by asking more of each worker" \
        in answer
