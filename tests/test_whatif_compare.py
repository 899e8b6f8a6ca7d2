"""Comparing scenarios with common random numbers: a scenario against itself differs by
exactly zero, cutting half the posts is detected at five runs, and the paired t interval
is the textbook one."""

from __future__ import annotations

import math
from datetime import date

import pytest

from allocopt.errors import InputError
from allocopt.io.scenario_file import load_scenario
from allocopt.simulation.records import METRIC_NAMES, METRICS
from allocopt.whatif.compare import compare, paired_difference, setting_changes

from .conftest import ROOT

SINGLE_TEAM = ROOT / "scenarios" / "single_team.yaml"
METRIC = {m.name: m for m in METRICS}


@pytest.fixture(scope="module")
def team():
    return load_scenario(SINGLE_TEAM).with_overrides({"weeks": 26})


def test_a_scenario_compared_with_itself_differs_by_exactly_zero(team):
    renamed = team.with_overrides({"name": "the same again"})
    result = compare(team, [team, renamed], runs=4, seed=7)
    assert [o.label for o in result.others] == ["single-team (2)", "the same again"]
    for k in range(2):
        assert [r.summary for r in result.others[k].runs] == [r.summary for r in result.base.runs]
        for d in result.differences[k]:
            if math.isnan(d.base):
                continue
            assert (d.mean, d.ci_low, d.ci_high) == (0.0, 0.0, 0.0), d.metric
            assert not d.significant
            assert d.verdict == "no difference"
    # and the runs did differ from each other: the zero is not a degenerate input
    waits = [r.summary["waiting_mean"] for r in result.base.runs]
    assert len(set(waits)) == len(waits)
    assert result.changes[0] == () and result.changes[1] == ()


def test_cutting_half_the_posts_is_detected_at_five_runs(team):
    halved = team.with_cut(5, team.start)
    result = compare(team, [halved], runs=5, seed=3)
    worse = {d.metric for d in result.differences[0] if d.verdict == "worse"}
    # the waiting list, the wait for high-risk work and its 5-day share all clearly worse
    assert {"waiting_mean", "high_risk_wait_days_mean", "high_risk_within_5"} <= worse
    waiting = result.difference(0, "waiting_mean")
    assert waiting.ci_low > 0 and waiting.mean > 10
    fte = result.difference(0, "fte_mean")
    assert fte.ci_high < 0 and fte.mean == pytest.approx(-5, abs=1.0)
    # the same referrals reach both: CRN keeps the demand identical, run by run
    assert result.difference(0, "referrals").mean == 0.0
    [change] = result.changes[0]
    assert change.path == "workforce.cuts" and change.other[0]["posts"] == 5


def test_paired_difference_is_the_t_interval_of_the_differences():
    base = [10.0, 12.0, 9.0, 11.0, 13.0]
    other = [11.0, 14.0, 9.5, 12.0, 15.5]
    d = paired_difference(METRIC["waiting_mean"], base, other)
    diffs = [1.0, 2.0, 0.5, 1.0, 2.5]
    mean = sum(diffs) / 5
    sd = math.sqrt(sum((x - mean) ** 2 for x in diffs) / 4)
    half = 2.776445105 * sd / math.sqrt(5)  # Student t, 4 degrees of freedom, two-sided 95 %
    assert d.mean == pytest.approx(mean)
    assert (d.ci_low, d.ci_high) == (pytest.approx(mean - half), pytest.approx(mean + half))
    assert d.base == pytest.approx(11.0) and d.other == pytest.approx(12.4)
    assert d.significant and d.verdict == "worse"  # more households waiting is worse
    # strongly correlated pairs: the paired interval is far narrower than an unpaired one
    assert d.narrowing > 2


def test_paired_difference_verdicts_follow_which_way_is_better():
    up = ([0.80, 0.82, 0.79, 0.81], [0.90, 0.93, 0.88, 0.92])
    assert paired_difference(METRIC["high_risk_within_5"], *up).verdict == "better"
    assert paired_difference(METRIC["waiting_mean"], *up).verdict == "worse"
    assert paired_difference(METRIC["fte_mean"], *up).verdict == "higher"
    noisy = paired_difference(METRIC["waiting_mean"], [1.0, 5.0, 2.0], [4.0, 1.0, 3.0])
    assert not noisy.significant and noisy.verdict == "no clear difference"


def test_pairs_with_an_undefined_outcome_are_left_out():
    d = paired_difference(METRIC["high_risk_within_5"], [0.5, math.nan, 0.7],
                          [0.6, 0.9, math.nan])
    assert d.pairs == 1 and d.mean == pytest.approx(0.1) and math.isnan(d.ci_low)
    assert not d.significant
    with pytest.raises(ValueError):
        paired_difference(METRIC["waiting_mean"], [1.0], [1.0, 2.0])


def test_setting_changes_name_each_path(team):
    other = team.with_overrides({"referrals.rate": 10, "benchmarks.experienced": 45})
    other = other.with_cut(2, date(2026, 6, 1))
    changes = {c.path: (c.base, c.other) for c in setting_changes(team, other)}
    assert changes["referrals.rate"] == (8.0, 10.0)
    assert changes["benchmarks.experienced"] == (None, 45.0)
    assert changes["workforce.cuts"][0] == []
    assert set(changes) == {"referrals.rate", "benchmarks.experienced", "workforce.cuts"}


def test_compare_needs_another_scenario_and_two_runs(team):
    with pytest.raises(InputError, match="nothing to compare"):
        compare(team, [], runs=3, seed=1)
    with pytest.raises(InputError, match="runs"):
        compare(team, [team], runs=1, seed=1)


def test_every_metric_is_compared(team):
    short = team.with_overrides({"weeks": 4})
    result = compare(short, [short], runs=2, seed=1)
    assert [d.metric for d in result.differences[0]] == list(METRIC_NAMES)
