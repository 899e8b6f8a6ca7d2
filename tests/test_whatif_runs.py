"""Summary-only replications: what comes back between processes is exactly the full
result's summary and service series, however the replications are grouped into tasks."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

from allocopt.io.scenario_file import load_scenario
from allocopt.simulation.runner import run_replication
from allocopt.whatif.parallel import TaskPool
from allocopt.whatif.runs import (
    SERIES,
    SummaryTask,
    brief,
    run_scenarios,
    run_summary_task,
    spread,
    weekly_band,
)

from .conftest import ROOT


@pytest.fixture(scope="module")
def team():
    return load_scenario(ROOT / "scenarios" / "single_team.yaml").with_overrides({"weeks": 6})


def test_a_summary_is_the_full_results_summary_and_service_series(team):
    full = run_replication(team, 4, 1)
    small = brief(full)
    assert small.summary == full.summary
    rows = full.service_weeks()
    assert small.dates == tuple(r.date for r in rows)
    assert small.series["load_pct"] == tuple(r.load_pct for r in rows)
    assert small.series["waiting_high_risk"] == tuple(float(r.waiting_high_risk) for r in rows)
    assert small.series["red_share"] == tuple(
        r.workers_in[-1] / r.workers if r.workers else 0.0 for r in rows)
    assert set(small.series) == set(SERIES)
    assert len(pickle.dumps(small)) * 5 < len(pickle.dumps(full))


def test_grouping_replications_into_tasks_changes_nothing(team):
    with TaskPool() as pool:
        one = run_scenarios([team], 5, 3, pool, chunk=1)
        three = run_scenarios([team], 5, 3, pool, chunk=3)
    assert one == three
    assert [r.replication for r in one[0]] == [0, 1, 2, 3, 4]
    task = SummaryTask(team, 3, 2, 2, series=("fte",))
    assert [(r.replication, tuple(r.series)) for r in run_summary_task(task)] == [
        (2, ("fte",)), (3, ("fte",))]


def test_spread_and_weekly_band_are_numpys_percentiles(team):
    values = [3.0, 1.0, math.nan, 4.0, 1.5, 9.0]
    s = spread(values)
    finite = [v for v in values if not math.isnan(v)]
    assert s.runs == 5 and s.mean == pytest.approx(np.mean(finite))
    assert (s.p10, s.p50, s.p90) == tuple(pytest.approx(x)
                                          for x in np.percentile(finite, [10, 50, 90]))
    assert (s.low, s.high) == (1.0, 9.0) and s.ci_low < s.mean < s.ci_high
    assert s.statistic("p90") == s.p90 and s.statistic("max") == 9.0
    assert spread([math.nan]).runs == 0
    with TaskPool() as pool:
        [runs] = run_scenarios([team], 4, 1, pool)
    band = weekly_band(runs, "waiting")
    grid = np.array([r.series["waiting"] for r in runs])
    assert band.p50 == tuple(np.percentile(grid, 50, axis=0))
    assert all(lo <= mid <= hi for lo, mid, hi in zip(band.p10, band.p50, band.p90, strict=True))
