"""Compare scenarios with common random numbers: paired differences with confidence intervals.

Replication ``i`` of every scenario runs with the same ``(seed, i)``, so the
scenarios meet the same referrals, families and absences. The difference in an
outcome is taken replication by replication (``other_i - base_i``) and its mean
gets a Student t 95 % confidence interval. Because the noise the scenarios
share cancels in each pair, the interval is much narrower than comparing two
independent sets of runs, and a scenario compared with itself differs by
exactly zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from allocopt.confidence import t_quantile_95
from allocopt.errors import InputError
from allocopt.simulation.records import METRICS, Metric, mean_ci
from allocopt.simulation.scenario import Scenario
from allocopt.whatif.parallel import Progress, TaskPool
from allocopt.whatif.runs import SERIES, RunSummary, Spread, metric_spread, run_scenarios

KEY_METRICS: tuple[str, ...] = (
    "load_pct_mean", "children_per_fte", "red_share_mean", "red_time_share", "high_risk_wait_days_mean",
    "high_risk_within_5", "waiting_mean", "waiting_end", "unallocated_on_leaving",
    "nqsw_breaches",
)
"""The outcomes a service manager asks about first (every metric is compared)."""


@dataclass(frozen=True)
class ScenarioRuns:
    """A scenario and the summaries of its replications."""

    label: str
    scenario: Scenario
    runs: tuple[RunSummary, ...]

    def spread(self, metric: str) -> Spread:
        """The metric across this scenario's replications."""
        return metric_spread(self.runs, metric)


@dataclass(frozen=True, slots=True)
class Difference:
    """Other minus base in one outcome, paired by replication."""

    metric: str
    label: str
    unit: str
    better: str
    base: float
    other: float
    mean: float
    ci_low: float
    ci_high: float
    pairs: int
    independent_half_width: float
    """Half-width the 95 % CI would have if the two sets of runs were independent."""

    @property
    def significant(self) -> bool:
        """The 95 % confidence interval of the difference excludes zero."""
        return (not math.isnan(self.ci_low)) and (self.ci_low > 0 or self.ci_high < 0)

    @property
    def verdict(self) -> str:
        """In words: worse, better, higher, lower, or no clear difference."""
        if math.isnan(self.mean):
            return "not measured"
        if self.mean == 0 and self.ci_low == 0 and self.ci_high == 0:
            return "no difference"
        if not self.significant:
            return "no clear difference"
        up = self.mean > 0
        if self.better == "lower":
            return "worse" if up else "better"
        if self.better == "higher":
            return "better" if up else "worse"
        return "higher" if up else "lower"

    @property
    def narrowing(self) -> float:
        """How many times narrower the paired CI is than an independent comparison's."""
        half = (self.ci_high - self.ci_low) / 2
        if math.isnan(half) or math.isnan(self.independent_half_width) or half <= 0:
            return math.nan
        return self.independent_half_width / half


def paired_difference(metric: Metric, base: Sequence[float],
                      other: Sequence[float]) -> Difference:
    """The mean of ``other_i - base_i`` and its 95 % CI (pairs with an undefined value left out)."""
    if len(base) != len(other):
        raise ValueError("paired runs must have the same length")
    pairs = [(b, o) for b, o in zip(base, other, strict=True)
             if not (math.isnan(b) or math.isnan(o))]
    diffs = [o - b for b, o in pairs]
    mean, _sd, low, high = mean_ci(diffs)
    n = len(pairs)
    if n >= 2:
        b_sd = mean_ci([b for b, _ in pairs])[1]
        o_sd = mean_ci([o for _, o in pairs])[1]
        independent = t_quantile_95(2 * n - 2) * math.sqrt((b_sd**2 + o_sd**2) / n)
    else:
        independent = math.nan
    base_mean = math.fsum(b for b, _ in pairs) / n if n else math.nan
    other_mean = math.fsum(o for _, o in pairs) / n if n else math.nan
    return Difference(metric.name, metric.label, metric.unit, metric.better, base_mean,
                      other_mean, mean, low, high, n, independent)


@dataclass(frozen=True, slots=True)
class SettingChange:
    """A setting that differs between two scenarios, by dotted path."""

    path: str
    base: Any
    other: Any


def setting_changes(base: Scenario, other: Scenario) -> list[SettingChange]:
    """The settings in which `other` differs from `base` (name and description aside)."""
    out: list[SettingChange] = []
    if base.scheme != other.scheme:
        out.append(SettingChange("scheme", base.scheme.id, other.scheme.id))
    a = base.as_data()
    b = other.as_data()
    for key in ("name", "description", "scheme"):
        a.pop(key, None)
        b.pop(key, None)
    _diff(a, b, "", out)
    return out


def _diff(a: Any, b: Any, path: str, out: list[SettingChange]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in list(a) + [k for k in b if k not in a]:
            _diff(a.get(key), b.get(key), f"{path}.{key}" if path else str(key), out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _diff(x, y, f"{path}.{i}", out)
    elif a != b:
        out.append(SettingChange(path, a, b))


@dataclass(frozen=True)
class Comparison:
    """Scenarios run with common random numbers, and how each differs from the base."""

    base: ScenarioRuns
    others: tuple[ScenarioRuns, ...]
    seed: int
    runs: int
    policy: str | None
    differences: tuple[tuple[Difference, ...], ...]
    """For each other scenario, one Difference per metric (in METRICS order)."""
    changes: tuple[tuple[SettingChange, ...], ...]
    """For each other scenario, the settings that differ from the base."""

    def difference(self, other: int, metric: str) -> Difference:
        """The difference of other scenario number `other` (0-based) in `metric`."""
        for d in self.differences[other]:
            if d.metric == metric:
                return d
        raise KeyError(metric)


def _labels(names: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def compare(
    base: Scenario,
    others: Sequence[Scenario],
    runs: int,
    seed: int,
    pool: TaskPool | None = None,
    progress: Progress | None = None,
    policy_name: str | None = None,
    series: Sequence[str] = SERIES,
) -> Comparison:
    """Run `base` and `others` with the same seeds and pair their outcomes by replication.

    `pool` says where the replications run (default: this process).
    """
    if not others:
        raise InputError(None, "nothing to compare with", field="scenarios",
                         expected="at least one scenario besides the base (or --cut / --set)")
    if runs < 2:
        raise InputError(None, "invalid number of runs", field="runs", found=runs,
                         expected="at least 2 (a confidence interval needs two runs)")
    scenarios = [base, *others]
    own = pool is None
    pool = pool or TaskPool()
    try:
        results = run_scenarios(scenarios, runs, seed, pool, progress, policy_name, series)
    finally:
        if own:
            pool.close()
    labels = _labels([s.name for s in scenarios])
    groups = [ScenarioRuns(label, s, r) for label, s, r in zip(labels, scenarios, results,
                                                               strict=True)]
    first = groups[0]
    differences = tuple(
        tuple(paired_difference(m, [r.summary[m.name] for r in first.runs],
                                [r.summary[m.name] for r in g.runs]) for m in METRICS)
        for g in groups[1:])
    changes = tuple(tuple(setting_changes(base, s)) for s in others)
    return Comparison(first, tuple(groups[1:]), seed, runs, policy_name, differences, changes)
