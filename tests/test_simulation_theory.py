"""The simulator against queueing theory: Erlang C, Little's law, conservation.

Each check compares the simulator with a value worked out independently of it,
within a 95 % confidence interval over independent replications (never one
seed's numbers).
"""

from __future__ import annotations

import itertools
import math

import pytest

from allocopt.schemes.model import Benchmark
from allocopt.simulation.records import SERVICE, ReplicationResult, mean_ci
from allocopt.simulation.runner import run_replication
from allocopt.simulation.scenario import Scenario
from tests.simulation_support import (
    SINGLE_CASE,
    START,
    erlang_c,
    mmc_scenario,
    mmc_wait,
    quiet_workforce,
    small_scenario,
)

MMC = [(1, 0.7, 1.0), (2, 1.5, 1.0), (4, 3.0, 1.0)]
"""(servers, arrivals per day, services per day per server): loads of 0.70 and 0.75."""


def held_households(result: ReplicationResult, days: float) -> float:
    """Time-average number of households held by workers over the reported period."""
    return sum(w.household_days for w in result.workers) / days


def test_erlang_c_matches_textbook_values() -> None:
    # M/M/1: P(wait) = rho; M/M/2 with a = 1: 1/3 (worked by hand).
    assert erlang_c(1, 0.7) == pytest.approx(0.7)
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert mmc_wait(1, 0.7, 1.0) == pytest.approx(0.7 / 0.3)


@pytest.fixture(scope="module")
def mmc_runs() -> dict[tuple[int, float, float], list[ReplicationResult]]:
    weeks, reps = 40, 10
    return {
        setting: [run_replication(mmc_scenario(*setting, weeks=weeks, warmup=2), 11, i)
                  for i in range(reps)]
        for setting in MMC
    }


@pytest.mark.parametrize("setting", MMC, ids=[f"M/M/{c} lambda={lam}" for c, lam, _ in MMC])
def test_mean_wait_matches_erlang_c(
    mmc_runs: dict[tuple[int, float, float], list[ReplicationResult]],
    setting: tuple[int, float, float],
) -> None:
    c, lam, mu = setting
    theory = mmc_wait(c, lam, mu)
    means = [sum(a.wait_days for a in r.allocations) / len(r.allocations)
             for r in mmc_runs[setting]]
    _mean, _, low, high = mean_ci(means)
    assert low <= theory <= high, f"Erlang C {theory:.3f} outside [{low:.3f}, {high:.3f}]"
    assert high - low < 0.7 * theory  # the interval is narrow enough to mean something


@pytest.mark.parametrize("setting", MMC, ids=[f"M/M/{c} lambda={lam}" for c, lam, _ in MMC])
def test_littles_law_for_servers_in_use(
    mmc_runs: dict[tuple[int, float, float], list[ReplicationResult]],
    setting: tuple[int, float, float],
) -> None:
    # Households held = arrival rate x mean service time = lambda / mu (Little on the servers).
    _c, lam, mu = setting
    runs = mmc_runs[setting]
    days = runs[0].weeks * 7
    _, _, low, high = mean_ci([held_households(r, days) for r in runs])
    assert low <= lam / mu <= high


def test_every_arrival_is_served_in_order_of_arrival(
    mmc_runs: dict[tuple[int, float, float], list[ReplicationResult]],
) -> None:
    # One server: first come, first served, so allocations follow referral order.
    for result in mmc_runs[MMC[0]]:
        order = [a.household for a in result.allocations if a.reason == "referral"]
        assert order == sorted(order)


def ample_capacity(weeks: int, warmup: int) -> Scenario:
    """Lognormal assessments, some CIN work after, workers who never fill up (M/G/infinity)."""
    roomy = SINGLE_CASE.model_copy(update={"benchmarks": (Benchmark(benchmark=1000),)})
    return Scenario.model_validate({
        "name": "ample",
        "start": START,
        "weeks": weeks,
        "warmup_weeks": warmup,
        "scheme": roomy,
        "referrals": {"rate": 10, "weekdays_only": True, "children": {1: 0.6, 2: 0.4}},
        "pathway": {
            "assessment": {"s47_share": 0.3,
                           "duration": {"dist": "lognormal", "median": 12, "p90": 30,
                                        "unit": "working_days"},
                           "max_working_days": None, "outcomes": {"NFA": 0.6, "CIN": 0.4}},
            "statuses": {"CIN": {"duration": {"dist": "lognormal", "median": 6, "p90": 15},
                                 "next": {"close": 1.0}}},
            "court": None,
        },
        "workforce": quiet_workforce(5),
        "allocation": {"daily_tiers": [], "policy": {"ceiling_band": "green"}},
        "initial": {"load_pct": 0, "spread": 0},
    })


def test_littles_law_for_the_caseload_with_lognormal_durations() -> None:
    scenario = ample_capacity(weeks=40, warmup=30)
    pathway = scenario.pathway
    held_days = (pathway.assessment.duration.mean_days()
                 + 0.4 * pathway.statuses["CIN"].duration.mean_days())
    expected = scenario.referrals.rate / 7 * held_days  # L = lambda W
    runs = [run_replication(scenario, 5, i) for i in range(6)]
    _, _, low, high = mean_ci([held_households(r, scenario.weeks * 7) for r in runs])
    assert low <= expected <= high, f"L = lambda W = {expected:.1f} outside [{low:.1f}, {high:.1f}]"


def test_worker_and_household_bookkeeping_agree() -> None:
    # Household-days counted on the workers' side equal those counted on the families'.
    result = run_replication(small_scenario(rate=4, weeks=20), 3, 0)
    by_workers = sum(w.household_days for w in result.workers)
    by_households = sum(h.held_days for h in result.households)
    assert by_workers == pytest.approx(by_households, rel=1e-9)


def test_with_no_arrivals_and_no_leavers_the_caseload_only_falls_by_closures() -> None:
    result = run_replication(small_scenario(rate=0, weeks=30), 2, 0)
    weeks = [r for r in result.week_rows if r.team == SERVICE]
    assert weeks[0].households > 20
    for before, after in itertools.pairwise(weeks):
        assert after.referrals == 0 and after.allocations == 0 and after.waiting == 0
        assert before.households - after.households == after.closures
    assert weeks[-1].households < weeks[0].households
    assert not [e for e in result.events if e.kind in ("leaver", "transfer", "long_absence")]


def test_no_breaches_and_finite_outputs_in_a_busy_team() -> None:
    result = run_replication(small_scenario(rate=6, weeks=26), 4, 0)
    assert result.summary["rule_breaches"] == 0
    assert result.summary["nqsw_breaches"] == 0
    assert all(math.isfinite(r.load_pct) for r in result.week_rows)
