"""The charts read right: load % smoothed with the month-end rule said, dates of changes
marked, heatmap rows named as teams name workers with a key for 'not in post', whole
NQSWs on the intake axis and counts that never go below zero."""

from __future__ import annotations

from datetime import date

import pytest

from allocopt.io.scenario_file import load_scenario
from allocopt.report.labels import scenario_changes, setting_label, setting_value
from allocopt.report.plots import load_fan, load_heatmap, smooth
from allocopt.report.whatif_plots import intake_curve, weekly_panels
from allocopt.simulation.records import aggregate
from allocopt.simulation.runner import run_replications
from allocopt.whatif.intake import parse_target, plan_intake
from allocopt.whatif.runs import SERIES, RunSummary

from .conftest import ROOT


@pytest.fixture(scope="module")
def cut_runs():  # type: ignore[no-untyped-def]
    team = load_scenario(ROOT / "scenarios" / "single_team.yaml").with_overrides({"weeks": 10})
    cut = team.with_cut(2, date(2026, 5, 4))
    return cut, run_replications(cut, 2, 1)


def _texts(fig) -> list[str]:  # type: ignore[no-untyped-def]
    out = []
    for ax in fig.axes:
        out += [t.get_text() for t in ax.texts] + [ax.get_title()]
        legend = ax.get_legend()
        if legend is not None:
            out += [t.get_text() for t in legend.get_texts()]
    return out


def test_smoothing_is_a_trailing_four_week_average() -> None:
    assert smooth([4, 8, 0, 4, 8, 0], 4) == [4, 6, 4, 4, 5, 3]
    assert smooth([1.0, float("nan"), 3.0], 2) == [1.0, 1.0, 3.0]


def test_load_fan_says_why_it_swings_and_marks_the_cut(cut_runs) -> None:  # type: ignore[no-untyped-def]
    scenario, results = cut_runs
    fig = load_fan(aggregate(results), scenario.effective_scheme().rag,
                   scenario_changes(scenario))
    text = " ".join(_texts(fig))
    assert "Closed cases count to the end of their month" in text
    assert "median, 4-week average" in text and "2 posts cut, 4 May 2026" in text
    assert "single-team" not in text and "Single team" in text


def test_heatmap_names_workers_as_teams_do_and_keys_not_in_post(cut_runs) -> None:  # type: ignore[no-untyped-def]
    scenario, results = cut_runs
    fig = load_heatmap(results[0], scenario.effective_scheme().rag, len(results),
                       scenario_changes(scenario))
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels and all(len(x) == 3 and x.startswith("W") for x in labels)  # W01, not W0001
    assert "not in post" in _texts(fig)
    assert "run 1 of 2" in ax.get_title() and "replication 0" not in ax.get_title()
    assert "2 posts cut" in " ".join(_texts(fig))


def test_intake_curve_counts_whole_nqsws_and_breaches_from_zero() -> None:
    team = load_scenario(ROOT / "scenarios" / "single_team.yaml").with_overrides({"weeks": 6})
    plan = plan_intake(team, [parse_target("waiting_mean<=0"), parse_target("nqsw_breaches:max<=0")],
                       [date(2026, 4, 20)], runs=1, seed=1, max_size=3, exhaustive=True)
    fig = intake_curve(plan)
    for ax in fig.axes:
        ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
        assert all(float(t).is_integer() for t in ticks)
        assert ax.get_ylim()[0] == 0  # households and breaches never below zero


def test_labels_have_no_settings_paths() -> None:
    assert setting_label("benchmarks.experienced") == "Benchmark of an experienced social worker"
    assert setting_label("workforce.cuts") == "Posts cut"
    assert setting_label("workforce.teams.0.posts") == "Posts of team 1"
    assert setting_value("workforce.cuts", []) == "none"
    assert setting_value("workforce.cuts", [{"at": "2027-04-01", "posts": 3}]) == \
        "3 posts cut on 1 April 2027"
    assert setting_value("workforce.turnover", 0.16) == "16%"
    assert setting_value("costs.agency", 90000) == "£90,000"


def _runs(label: str, high: float) -> list[RunSummary]:
    """Two runs of six weeks whose every weekly series peaks at `high` in week 3."""
    weeks = tuple(date(2026, 4, 6 + 7 * i) if i < 4 else date(2026, 5, 4 + 7 * (i - 4))
                  for i in range(6))
    values = (1.0, 2.0, 3.0, high, 2.0, 1.0)
    return [RunSummary(label, i, 1, {}, weeks, {m: values for m in SERIES}) for i in range(2)]


def test_weekly_panels_show_every_scenario_whole() -> None:
    # The scenario after the base peaks far higher (a cut's waiting list): the row's shared
    # axis must reach that peak, counts starting at zero, not stop at the base's top.
    fig = weekly_panels([("base", _runs("base", 4.0)), ("cut", _runs("cut", 40.0))],
                        measures=("children_per_fte", "red_share", "waiting_high_risk"))
    for ax in fig.axes:
        if not ax.get_lines():
            continue  # the legend's own axes, if any
        low, top = ax.get_ylim()
        highest = max(max(line.get_ydata()) for line in ax.get_lines())
        assert low == 0
        assert top >= highest, (ax.get_ylabel(), top, highest)
    # the second column's median peaks at 40 (4,000 % for a share): nothing above the frame
    tops = [ax.get_ylim()[1] for ax in fig.axes if ax.get_lines()]
    assert min(tops) >= 40
