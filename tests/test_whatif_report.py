"""The what-if pages and their words: numbers for people, an answer that names what clearly
changed, every scenario and setting shown, caveats, and no child-level data."""

from __future__ import annotations

import math
import re
from datetime import date

import pytest

from allocopt.io.scenario_file import load_scenario
from allocopt.report.whatif_plots import difference_chart
from allocopt.report.whatif_report import (
    comparison_answer,
    comparison_page,
    format_difference,
    format_value,
    intake_answer,
    intake_cost,
    intake_table,
    lower_first,
    sweep_answer,
)
from allocopt.whatif.compare import compare
from allocopt.whatif.intake import parse_target, plan_intake
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
    (-141586.5, "£", "-£141,586", "-£141,586"),  # money in whole pounds, tables and charts
    (574615.2, "£", "£574,615", "+£574,615"),
    (0.2, "£", "£0", "0"),
])
def test_numbers_for_people(value, unit, shown, diff):
    assert format_value(value, unit) == shown
    assert format_difference(value, unit) == diff


def test_lower_first_keeps_acronyms():
    assert lower_first("Households waiting") == "households waiting"
    assert lower_first("CP/S47 work allocated") == "CP/S47 work allocated"
    assert lower_first("NQSW protection breaches") == "NQSW protection breaches"
    assert lower_first("S47 enquiries going to conference") == "S47 enquiries going to conference"


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


def test_cost_beside_caseload_with_the_period_it_averages(team):
    # single_team extends the baseline, which gives a yearly cost per post type
    assert team.costs is not None
    cut = team.with_cut(3, date(2026, 5, 4)).with_overrides({"name": "three posts cut"})
    result = compare(team, [cut], runs=2, seed=1)
    d = result.difference(0, "staff_cost_per_year")
    assert d.mean < 0  # fewer workers in post cost less
    answer = comparison_answer(result)
    assert (f"It costs about £{abs(d.mean):,.0f} a year less in staff (averaged over the "
            "10 weeks projected from 6 April 2026, each change counted from its date)") in answer
    text = re.sub(r"<[^>]+>", " ", comparison_page(result))
    # the cost row sits in the table beside the caseload outcomes, in whole pounds
    row = text[text.index("Staff cost a year (workers in post)"):][:200]
    assert format_difference(d.mean, "£") in row and "£" in row and ".5" not in row
    assert "counts only from its date" in text  # the caveat says what a cost a year is
    # the chart writes money as the tables do: -£150,000, never £-150,000 or -141,586.5
    chart = difference_chart(result, ["staff_cost_per_year"])
    chart.canvas.draw()
    ax = chart.axes[0]
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ticks and all(re.fullmatch(r"-?£[\d,]+", t) for t in ticks), ticks
    assert any(t.startswith("-£") for t in ticks)
    assert [t.get_text().split()[0] for t in ax.texts] == [format_difference(d.mean, "£")]


def test_intake_answer_says_vacancies_new_posts_and_cost(team):
    def plan(fte: float):  # type: ignore[no-untyped-def]
        return plan_intake(team, [parse_target(f"fte_mean>={fte}")], [date(2026, 5, 4)],
                           runs=2, seed=1, max_size=3, exhaustive=True)

    # a target one NQSW cannot meet and two can: the answer is two
    fte = [plan(0).option(n).spread("fte_mean").mean for n in (1, 2)]
    answered = plan((fte[0] + fte[1]) / 2)
    option = answered.answer
    assert option is not None and option.total == 2
    vacancies = sum(r.summary["nqsw_into_vacancies"] for r in option.runs) / 2
    new = sum(r.summary["nqsw_new_posts"] for r in option.runs) / 2
    assert vacancies + new == 2
    cost = intake_cost(answered, option)
    assert cost is not None and cost.mean > 0
    answer = intake_answer(answered)
    assert answer.startswith(
        f"Take on 2 NQSWs (2 on 4 May 2026): on average {vacancies:.0f} of them fill vacant "
        f"posts and {new:.0f} are new posts. That costs about £{cost.mean:,.0f} a year more "
        "in staff than no intake (averaged over the 10 weeks projected from 6 April 2026, "
        "each change counted from its date;")
    row = next(r for r in intake_table(answered).rows if r[0] == "2")
    assert row[2:4] == [f"{vacancies:.0f}", f"{new:.0f}"]
    assert format_difference(cost.mean, "£") in row
