"""Replications for what-if studies, as summaries small enough to send between processes.

A study runs hundreds or thousands of replications. Each one is simulated in
full (:func:`allocopt.simulation.runner.run_replication`), but only what a
study reads comes back: the per-replication summary metrics and a few weekly
service-wide series. A 250-point sweep of 50 replications then moves megabytes
between processes, not the gigabytes of every worker-week record.

Common random numbers: replication ``i`` of every scenario in a study runs with
the same ``(seed, i)``, so scenarios see the same referrals and families and
differ only where their settings differ.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from allocopt.errors import InputError
from allocopt.simulation.records import METRICS, ReplicationResult, WeekRow, mean_ci, week_measure
from allocopt.simulation.runner import run_replication
from allocopt.simulation.scenario import Scenario
from allocopt.whatif.parallel import Progress, TaskPool

SERIES: tuple[str, ...] = ("load_pct", "children_per_fte", "red_share", "waiting",
                           "waiting_high_risk")
"""Weekly service-wide measures a study keeps by default."""

SERIES_LABELS: dict[str, str] = {
    "load_pct": "Service load %",
    "red_share": "Share of workers in red",
    "amber_share": "Share of workers in amber",
    "waiting": "Households waiting",
    "waiting_high_risk": "CP/S47 households waiting",
    "children_per_fte": "Children per worker (FTE)",
    "fte": "Case-holding FTE",
    "vacancies": "Vacant posts",
}

METRIC_BY_NAME = {m.name: m for m in METRICS}


def series_value(row: WeekRow, measure: str,
                 bands: Sequence[str] = ("blue", "green", "amber", "red")) -> float:
    """A weekly series a study can keep (one of SERIES_LABELS) for a service-wide row;
    `bands` are the scheme's RAG band names."""
    if measure not in SERIES_LABELS:
        raise ValueError(f"unknown weekly measure {measure!r}")
    return week_measure(row, measure, bands)


@dataclass(frozen=True)
class RunSummary:
    """What a study keeps of one replication: its summary metrics and weekly series."""

    scenario: str
    replication: int
    seed: int
    summary: dict[str, float]
    dates: tuple[date, ...]
    series: dict[str, tuple[float, ...]]
    seconds: float = field(default=0.0, compare=False)


def brief(result: ReplicationResult, series: Sequence[str] = SERIES) -> RunSummary:
    """The summary of a full replication result."""
    rows = result.service_weeks()
    return RunSummary(
        scenario=result.scenario, replication=result.replication, seed=result.seed,
        summary=dict(result.summary), dates=tuple(r.date for r in rows),
        series={m: tuple(series_value(r, m, result.bands) for r in rows) for m in series},
        seconds=result.seconds,
    )


@dataclass(frozen=True)
class SummaryTask:
    """Replications ``first`` .. ``first + count - 1`` of a scenario, summaries only."""

    scenario: Scenario
    seed: int
    first: int
    count: int = 1
    policy_name: str | None = None
    series: tuple[str, ...] = SERIES


def run_summary_task(task: SummaryTask) -> tuple[RunSummary, ...]:
    """Simulate a task's replications and keep only their summaries (picklable)."""
    out = []
    for index in range(task.first, task.first + task.count):
        out.append(brief(run_replication(task.scenario, task.seed, index, task.policy_name),
                         task.series))
    return tuple(out)


def run_scenarios(
    scenarios: Sequence[Scenario],
    runs: int,
    seed: int,
    pool: TaskPool,
    progress: Progress | None = None,
    policy_name: str | None = None,
    series: Sequence[str] = SERIES,
    chunk: int = 1,
) -> list[tuple[RunSummary, ...]]:
    """Replications 0 .. runs-1 of every scenario with the same seed (common random numbers).

    One list entry per scenario, replications in order. `chunk` replications
    travel together in one task (fewer, larger messages for very cheap runs).
    """
    if runs < 1:
        raise InputError(None, "invalid number of runs", field="runs", found=runs,
                         expected="at least 1")
    chunk = max(1, chunk)
    work = [SummaryTask(s, seed, first, min(chunk, runs - first), policy_name, tuple(series))
            for s in scenarios for first in range(0, runs, chunk)]
    per = len(range(0, runs, chunk))
    done = pool.map(run_summary_task, work, progress)
    return [tuple(r for part in done[i * per:(i + 1) * per] for r in part)
            for i in range(len(scenarios))]


# ------------------------------------------------------------------ statistics


@dataclass(frozen=True, slots=True)
class Spread:
    """A metric across replications: the mean with its 95 % CI, and P10/P50/P90."""

    runs: int
    mean: float
    ci_low: float
    ci_high: float
    p10: float
    p50: float
    p90: float
    low: float
    high: float

    def statistic(self, name: str) -> float:
        """``mean``, ``p10``, ``p50``, ``p90``, ``min`` or ``max``."""
        return {"mean": self.mean, "p10": self.p10, "p50": self.p50, "p90": self.p90,
                "min": self.low, "max": self.high}[name]


def spread(values: Sequence[float]) -> Spread:
    """Summary statistics of a metric's values (replications where it is undefined left out)."""
    vals = [v for v in values if not math.isnan(v)]
    if not vals:
        nan = math.nan
        return Spread(0, nan, nan, nan, nan, nan, nan, nan, nan)
    mean, _sd, lo, hi = mean_ci(vals)
    p10, p50, p90 = (float(x) for x in np.percentile(vals, [10, 50, 90]))
    return Spread(len(vals), mean, lo, hi, p10, p50, p90, min(vals), max(vals))


def metric_spread(runs: Sequence[RunSummary], metric: str) -> Spread:
    """A summary metric across the given replications."""
    return spread([r.summary[metric] for r in runs])


@dataclass(frozen=True, slots=True)
class WeeklyBand:
    """A weekly measure across replications: P10, median and P90 for each week."""

    dates: tuple[date, ...]
    p10: tuple[float, ...]
    p50: tuple[float, ...]
    p90: tuple[float, ...]


def weekly_band(runs: Sequence[RunSummary], measure: str) -> WeeklyBand:
    """The fan of a weekly measure over replications."""
    if not runs or measure not in runs[0].series:
        return WeeklyBand((), (), (), ())
    grid = np.asarray([r.series[measure] for r in runs], dtype=float)
    p10, p50, p90 = np.nanpercentile(grid, [10, 50, 90], axis=0)
    return WeeklyBand(runs[0].dates, tuple(map(float, p10)), tuple(map(float, p50)),
                      tuple(map(float, p90)))
