"""The NQSW intake planner: targets as typed, the search (few evaluations, the answer's
neighbour always checked), cohort splits, and an answer on a shipped scenario that meets
the targets while one fewer NQSW does not, checked by running both again."""

from __future__ import annotations

import math
from datetime import date

import pytest

from allocopt.errors import InputError
from allocopt.io.scenario_file import load_scenario
from allocopt.report.whatif_report import dip_text, intake_answer, intake_page
from allocopt.simulation.records import METRIC_NAMES
from allocopt.whatif import intake
from allocopt.whatif.intake import (
    DEFAULT_TARGETS,
    IntakeOption,
    IntakePlan,
    Target,
    candidate_splits,
    default_dates,
    parse_target,
    plan_intake,
    with_intake,
)
from allocopt.whatif.parallel import TaskPool
from allocopt.whatif.runs import RunSummary, run_scenarios

from .conftest import ROOT

SINGLE_TEAM = ROOT / "scenarios" / "single_team.yaml"
JUNE = date(2026, 6, 1)


@pytest.fixture(scope="module")
def team():
    return load_scenario(SINGLE_TEAM).with_overrides({"weeks": 40})


# ------------------------------------------------------------------- targets


def test_targets_as_typed():
    t = parse_target("red_share_mean:p90<=10%")
    assert t == Target("red_share_mean", "p90", "<=", 0.10)
    assert t.text == "red_share_mean:p90<=10%"
    assert t.describe() == "Workers in red (mean share): at most 10% (P90 across runs)"
    assert parse_target("high_risk_within_5 >= 95%") == Target("high_risk_within_5", "mean",
                                                               ">=", 0.95)
    assert parse_target("high_risk_within_5>=0.95").value == 0.95
    assert parse_target("load_pct_mean:p50<=100%").value == 100  # load % is already a percent
    assert parse_target("nqsw_breaches:max<=0") == DEFAULT_TARGETS[2]


def test_targets_met_and_margins():
    at_most, at_least = parse_target("waiting_mean<=10"), parse_target("high_risk_within_5>=90%")
    assert at_most.met(10) and not at_most.met(10.5) and at_most.margin(7) == 3
    assert at_least.met(0.9) and not at_least.met(0.89)
    assert at_least.margin(0.95) == pytest.approx(0.05)
    assert not at_most.met(math.nan) and at_most.margin(math.nan) == -math.inf


@pytest.mark.parametrize(("text", "problem"), [
    ("red_share_mean<10%", "METRIC"),
    ("red_share:p90<=10%", "unknown outcome"),
    ("red_share_mean:p95<=10%", "unknown statistic"),
    ("waiting_mean<=10%", "not a share"),
    ("waiting_mean<=ten", "METRIC"),
])
def test_bad_targets(text, problem):
    with pytest.raises(InputError, match=problem):
        parse_target(text)


# -------------------------------------------------------------------- search


class Threshold:
    """A stand-in for the search: sizes from `first` up pass; counts evaluations."""

    def __init__(self, first: int) -> None:
        self.first = first
        self.seen: list[int] = []

    def passes(self, total: int) -> bool:
        self.seen.append(total)
        return total >= self.first


@pytest.mark.parametrize("top", [0, 1, 2, 5, 16, 37, 140])
def test_the_search_finds_the_smallest_passing_size_in_few_steps(top):
    budget = 2 * math.ceil(math.log2(top + 1)) + 2
    for first in range(top + 2):
        search = Threshold(first)
        answer = intake._gallop(search, top)  # type: ignore[arg-type]
        assert answer == (first if first <= top else None)
        assert len(set(search.seen)) == len(search.seen) <= budget
        if answer:
            assert answer - 1 in search.seen  # the neighbour that fails was run
        assert all(0 <= s <= top for s in search.seen)


# -------------------------------------------------------------------- splits


def test_candidate_splits():
    assert candidate_splits(7, 1, split=True) == [(7,)]
    assert candidate_splits(7, 2, split=False) == [(4, 3)]
    assert candidate_splits(7, 3, split=False) == [(3, 2, 2)]
    two = candidate_splits(10, 2, split=True)
    assert two[0] == (5, 5) and set(two) == {(5, 5), (0, 10), (3, 7), (8, 2), (10, 0)}
    assert candidate_splits(2, 2, split=True) == [(1, 1), (0, 2), (2, 0)]
    for splits in (candidate_splits(9, 3, split=True), candidate_splits(0, 2, split=True)):
        assert len(set(splits)) == len(splits)
        assert all(sum(s) == splits[0][0] + sum(splits[0][1:]) for s in splits)


def test_with_intake_replaces_the_cohort_on_that_date_and_keeps_the_rest(team):
    planned = team.with_cohort(6, JUNE).with_cohort(4, date(2026, 9, 7))
    out = with_intake(planned, [JUNE], [2])
    cohorts = sorted((c.date_from(out.start), c.count) for c in out.workforce.cohorts)
    assert cohorts == [(JUNE, 2), (date(2026, 9, 7), 4)]
    none = with_intake(planned, [JUNE], [0])
    assert [(c.date_from(none.start), c.count) for c in none.workforce.cohorts] == [
        (date(2026, 9, 7), 4)]


def test_default_dates(team):
    assert default_dates(team) == (date(2026, 9, 7),)  # first Monday of September
    assert default_dates(team.with_cohort(3, JUNE)) == (JUNE,)
    with pytest.raises(InputError, match="September"):
        default_dates(team.with_overrides({"weeks": 8}))


# ---------------------------------------------------------------------- plan


def test_the_answer_meets_the_targets_and_one_fewer_does_not(team):
    plan = plan_intake(team, DEFAULT_TARGETS, [JUNE], runs=4, seed=2)
    assert plan.answer is not None and plan.answer.total > 0
    n = plan.answer.total
    assert plan.answer.passes and not plan.option(n - 1).passes
    assert len(plan.options) < plan.max_size  # a search, not every size
    assert plan.max_size == 10  # the team's posts
    # check independently: run the answer and one fewer again, with the same seed
    with TaskPool() as pool:
        runs = run_scenarios([with_intake(team, [JUNE], [n - 1]),
                              with_intake(team, [JUNE], [n])], 4, 2, pool)
    fewer, answer = ([t.met(t.measure(r)) for t in DEFAULT_TARGETS] for r in runs)
    assert all(answer) and not all(fewer)
    text = intake_answer(plan)
    assert text.startswith(f"Take on {n} NQSWs") and f"with {n - 1}," in text


def test_a_target_out_of_reach_has_no_answer(team):
    short = team.with_overrides({"weeks": 10})
    plan = plan_intake(short, [parse_target("waiting_mean<=0")], [date(2026, 4, 20)], runs=2,
                       seed=1, max_size=3)
    assert plan.answer is None
    assert [o.total for o in plan.curve()] == [0, 1, 2, 3]
    assert intake_answer(plan).startswith("No intake of up to 3 NQSWs")


def test_split_between_two_dates_and_every_size(team):
    short = team.with_overrides({"weeks": 16})
    dates = [date(2026, 4, 13), date(2026, 6, 1)]
    target = [parse_target("waiting_mean<=8")]
    plan = plan_intake(short, target, dates, runs=2, seed=4, max_size=4, split=True,
                       exhaustive=True)
    assert [o.total for o in plan.curve()] == [0, 1, 2, 3, 4]
    assert {o.split for o in plan.options if o.total == 2} == {(1, 1), (0, 2), (2, 0)}
    for o in plan.curve():
        same = [p for p in plan.options if p.total == o.total]
        assert o.passes == any(p.passes for p in same)
    if plan.answer is not None:
        assert sum(plan.answer.split) == plan.answer.total
        later = plan.curve()[plan.answer.total:]
        assert all(o.passes for o in later)


def test_bad_plans(team):
    with pytest.raises(InputError, match="outside the projection"):
        plan_intake(team, DEFAULT_TARGETS, [date(2030, 1, 1)], runs=1)
    with pytest.raises(InputError, match="unknown team"):
        plan_intake(team, DEFAULT_TARGETS, [JUNE], runs=1, team="XX")
    with pytest.raises(InputError, match="no targets"):
        plan_intake(team, [], [JUNE], runs=1)


# ---------------------------------------------------------------------- dips


def _option(total: int, values: list[float], order: int) -> IntakeOption:
    runs = tuple(RunSummary("dip", i, 1, {m: (v if m == "high_risk_within_5" else 0.0)
                                          for m in METRIC_NAMES}, (), {})
                 for i, v in enumerate(values))
    measured = tuple(t.measure(runs) for t in DEFAULT_TARGETS)
    return IntakeOption(total, (total,), runs, measured,
                        tuple(t.met(v) for t, v in zip(DEFAULT_TARGETS, measured, strict=True)),
                        tuple(t.margin(v) for t, v in zip(DEFAULT_TARGETS, measured, strict=True)),
                        order)


def test_a_curve_that_dips_is_reported(team):
    # NQSWs replacing agency cover: CP/S47 allocation gets worse before it gets better
    curve = {0: [0.94, 0.95, 0.93], 1: [0.935, 0.945, 0.93], 2: [0.92, 0.93, 0.91],
             3: [0.96, 0.97, 0.95]}
    options = tuple(_option(n, v, k) for k, (n, v) in enumerate(curve.items(), start=1))
    plan = IntakePlan(team, (JUNE,), None, DEFAULT_TARGETS, options, options[-1], 3, False,
                      False, 1, 3, None)
    [dip] = plan.dips()
    assert (dip.target.metric, dip.smaller, dip.larger) == ("high_risk_within_5", 0, 2)
    assert dip.difference.mean == pytest.approx(-0.02) and dip.difference.significant
    assert dip.smaller_value == pytest.approx(0.94) and dip.larger_value == pytest.approx(0.92)
    text = dip_text(dip)
    assert text.startswith("CP/S47 work allocated within 5 working days was clearly worse "
                           "with 2 NQSWs than with 0 (94.0% to 92.0%")
    page = intake_page(plan)
    assert "clearly worse with 2 NQSWs than with 0" in page
    assert "run every size over that range" in page and "--every-size" not in page
    # a curve that only improves has no dips
    rising = tuple(_option(n, [0.9 + n / 100, 0.91 + n / 100], n + 1) for n in range(4))
    flat = IntakePlan(team, (JUNE,), None, DEFAULT_TARGETS, rising, None, 3, False, False, 1,
                      2, None)
    assert flat.dips() == []
    assert "no step to more NQSWs made a target clearly worse" in intake_page(flat)
