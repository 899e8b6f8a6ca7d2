"""Replications: deterministic, independent of how they are run, common random numbers,
breaches counted, aggregation and tidy tables."""

from __future__ import annotations

import math
import pickle
from dataclasses import replace
from datetime import date

import pytest

from allocopt.allocation.problem import AllocationProblem, AllocationResult, Assignment
from allocopt.simulation.records import (
    METRIC_NAMES,
    SERVICE,
    ReplicationResult,
    aggregate,
    mean_ci,
    summary_table,
    table,
    waits_by_tier,
)
from allocopt.simulation.runner import (
    ReplicationTask,
    run_replication,
    run_replications,
    run_task,
    tasks,
)
from allocopt.simulation.scenario import Scenario
from allocopt.simulation.streams import Streams
from allocopt.whatif.compare import paired_difference
from allocopt.whatif.runs import METRIC_BY_NAME
from tests.simulation_support import small_scenario


class RuleBreaker:
    """A deliberately bad policy: every waiting household to the first worker."""

    name = "rule-breaker"

    def allocate(self, problem: AllocationProblem) -> AllocationResult:
        first = problem.workers[0].id
        return AllocationResult(
            self.name, tuple(Assignment(h.id, first, "lead", h.points)
                             for h in problem.households), (), "feasible")


SCENARIO = small_scenario(posts=6, rate=3, weeks=16)


def referrals_of(result: ReplicationResult) -> list[tuple[str, date | None, int, bool]]:
    return sorted((h.household, h.referred, h.children, h.s47) for h in result.households
                  if h.household.startswith("H"))


def test_same_seed_same_records() -> None:
    a = run_replication(SCENARIO, 7, 2)
    b = run_replication(SCENARIO, 7, 2)
    assert replace(a, seconds=0) == replace(b, seconds=0)


def test_different_seed_or_replication_differs() -> None:
    base = referrals_of(run_replication(SCENARIO, 7, 0))
    assert referrals_of(run_replication(SCENARIO, 7, 1)) != base
    assert referrals_of(run_replication(SCENARIO, 8, 0)) != base


def test_a_replication_alone_equals_the_same_one_in_a_batch() -> None:
    batch = run_replications(SCENARIO, 3, 5)
    alone = run_replication(SCENARIO, 5, 2)
    assert replace(batch[2], seconds=0) == replace(alone, seconds=0)
    assert [r.replication for r in batch] == [0, 1, 2]


def test_tasks_and_results_pickle_for_other_processes() -> None:
    task = tasks(SCENARIO, 1, 9, "greedy", first=4)[0]
    assert task == ReplicationTask(SCENARIO, 9, 4, "greedy")
    again = pickle.loads(pickle.dumps(task))
    result = pickle.loads(pickle.dumps(run_task(again)))
    direct = run_replication(SCENARIO, 9, 4)
    # a metric not measured is NaN, which equals nothing after a round trip: compare as text
    assert repr(result.summary) == repr(direct.summary)
    assert replace(result, seconds=0, summary={}) == replace(direct, seconds=0, summary={})


def test_streams_are_keyed_by_what_they_describe() -> None:
    s = Streams(3, 1)
    assert s.household(10).random() == Streams(3, 1).household(10).random()
    assert s.household(10).random() != s.household(11).random()
    assert Streams(3, 1).arrivals().random() != Streams(3, 2).arrivals().random()


def test_common_random_numbers_share_the_referrals_across_scenarios() -> None:
    # A staffing cut changes who holds the work, not the work: same families, same days.
    cut = SCENARIO.with_cut(3, date(2026, 5, 4))
    base, other = run_replication(SCENARIO, 4, 0), run_replication(cut, 4, 0)
    assert referrals_of(base) == referrals_of(other)
    assert base.summary["waiting_mean"] != other.summary["waiting_mean"]


def test_comparing_a_scenario_with_itself_gives_zero_difference() -> None:
    runs = [run_replication(SCENARIO, 6, i).summary["waiting_mean"] for i in range(3)]
    again = [run_replication(SCENARIO, 6, i).summary["waiting_mean"] for i in range(3)]
    assert [a - b for a, b in zip(runs, again, strict=True)] == [0, 0, 0]


def test_breaches_are_counted_never_acted_on_and_greedy_makes_none() -> None:
    nqsw = SCENARIO.with_overrides({"workforce.cohorts": [{"month": 0, "count": 3}],
                                    "workforce.staff": [{"share": 1.0, "months": [0, 2]}]})
    bad = run_replication(nqsw, 1, 0, allocator=RuleBreaker())
    assert bad.summary["rule_breaches"] > 0
    assert bad.summary["nqsw_breaches"] > 0
    breaches = {e.detail.split(":")[0] for e in bad.events if e.kind == "breach"}
    assert {"nqsw_no_cp", "band_ceiling"} <= breaches
    # the gate acts on none of it: those meetings allocate nothing, and are counted
    assert bad.summary["gate_failures"] > 0
    good = run_replication(nqsw, 1, 0)
    assert good.summary["rule_breaches"] == 0 and good.summary["nqsw_breaches"] == 0
    assert good.summary["gate_failures"] == 0


def test_summary_metrics_are_all_present() -> None:
    result = run_replication(SCENARIO, 2, 0)
    assert set(result.summary) == set(METRIC_NAMES)
    assert 0 <= result.summary["high_risk_within_1"] <= result.summary["high_risk_within_5"] <= 1
    assert result.summary["referrals"] > 0
    service = [r for r in result.week_rows if r.team == SERVICE]
    assert [r.week for r in service] == list(range(SCENARIO.weeks + 1))
    assert all(sum(r.workers_in) == r.workers for r in service)


def test_time_in_each_band_adds_up_to_time_in_post() -> None:
    result = run_replication(SCENARIO, 2, 0)
    for w in result.workers:
        assert sum(w.days_in) == pytest.approx(w.days, abs=1e-5)


def test_aggregate_percentiles_and_confidence_interval() -> None:
    results = run_replications(SCENARIO, 5, 3)
    agg = aggregate(results)
    waits = sorted(r.summary["waiting_mean"] for r in results)
    stats = agg.metrics["waiting_mean"]
    assert stats.p10 <= stats.p50 <= stats.p90
    assert stats.p50 == pytest.approx(waits[2])
    assert stats.ci_low <= stats.mean <= stats.ci_high
    assert stats.mean == pytest.approx(sum(waits) / 5)
    fan = agg.weekly_series("load_pct")
    assert len(fan) == SCENARIO.weeks + 1
    assert all(w.p10 <= w.p50 <= w.p90 for w in fan)
    assert len(agg.band_means) == SCENARIO.weeks + 1


def test_mean_ci_uses_the_t_distribution() -> None:
    mean, sd, low, high = mean_ci([1.0, 2.0, 3.0])
    assert (mean, sd) == (2.0, 1.0)
    assert high - mean == pytest.approx(4.302652730 / math.sqrt(3)) == mean - low
    assert math.isnan(mean_ci([5.0])[2])


def test_records_become_tidy_tables() -> None:
    result = run_replication(SCENARIO, 2, 0)
    weeks = table(result.week_rows, result.bands)
    assert "workers_red" in weeks.columns and "workers_in" not in weeks.columns
    assert len(weeks.rows) == len(result.week_rows)
    workers = table(result.workers, result.bands)
    assert {"days_blue", "days_green", "days_amber", "days_red"} <= set(workers.columns)
    summary = summary_table([result])
    assert summary.columns[0] == "replication" and len(summary.rows) == 1


def test_paired_differences_find_zero_for_the_same_scenario_and_a_harmful_cut() -> None:
    metric = METRIC_BY_NAME["waiting_mean"]

    def waiting(scenario: Scenario) -> list[float]:
        return [r.summary["waiting_mean"] for r in run_replications(scenario, 4, 12)]

    base = waiting(SCENARIO)
    same = paired_difference(metric, base, waiting(SCENARIO))
    assert (same.mean, same.ci_low, same.ci_high, same.significant) == (0, 0, 0, False)
    worse = paired_difference(metric, base, waiting(SCENARIO.with_cut(3, date(2026, 4, 20))))
    assert worse.significant and worse.mean > 0 and worse.pairs == 4
    assert worse.other - worse.base == pytest.approx(worse.mean)


def test_waits_by_tier_follow_the_priority_order() -> None:
    results = run_replications(SCENARIO, 2, 1)
    waits = waits_by_tier(results, SCENARIO.allocation.policy.tiers)
    tiers = [w.tier for w in waits]
    order = list(SCENARIO.allocation.policy.tiers)
    assert tiers == sorted(tiers, key=order.index)
    assert sum(w.allocations for w in waits) == sum(len(r.allocations) for r in results)
    for w in waits:
        assert 0 <= w.within_1 <= w.within_5 <= 1 and w.mean_days >= 0


class Counting:
    """The greedy rule, counting the meetings it is asked to decide."""

    name = "greedy"

    def __init__(self) -> None:
        from allocopt.allocation.greedy import GreedyAllocator

        self.inner = GreedyAllocator()
        self.calls = 0

    def allocate(self, problem: AllocationProblem) -> AllocationResult:
        self.calls += 1
        return self.inner.allocate(problem)


def test_meetings_where_nobody_has_room_are_skipped_without_changing_anything(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from allocopt.simulation import model

    full = small_scenario(posts=4, rate=6, weeks=20)  # more work than the team can hold
    skipping = Counting()
    fast = run_replication(full, 5, 1, allocator=skipping)
    monkeypatch.setattr(model.Service, "_clearly_full", lambda self, *args: False)
    asking = Counting()
    slow = run_replication(full, 5, 1, allocator=asking)
    assert replace(fast, seconds=0) == replace(slow, seconds=0)
    assert skipping.calls < asking.calls / 2
