"""Sweep one or two settings of a scenario and see each outcome move.

A setting is given as ``PATH=VALUES``: a range ``benchmarks.experienced=40:60:5``
(40, 45, ..., 60; the end is included), a list ``referrals.rate=60,80,100`` or a
single value (a fixed change, not swept). Every point of the grid is a
validated scenario (:meth:`Scenario.with_overrides`), checked before anything
runs, and every point runs replications 0 .. runs-1 with the same seed, so
neighbouring points differ only by the setting (common random numbers): the
curves are smooth where the model is.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from allocopt.errors import InputError
from allocopt.simulation.scenario import Scenario
from allocopt.whatif.parallel import Progress, TaskPool
from allocopt.whatif.runs import RunSummary, Spread, metric_spread, run_scenarios
from allocopt.yaml_text import check_shape, load_yaml

MAX_SWEPT = 2
MAX_POINTS = 10_000

SWEEP_METRICS: tuple[str, ...] = (
    "load_pct_mean", "children_per_fte", "red_share_mean", "red_time_share", "high_risk_within_5",
    "high_risk_wait_days_mean", "waiting_mean", "unallocated_on_leaving", "escalations",
)
"""Outcomes plotted against the settings by default (every metric is in the tables)."""


@dataclass(frozen=True)
class Parameter:
    """A setting by dotted path and the values it takes."""

    path: str
    values: tuple[Any, ...]

    @property
    def swept(self) -> bool:
        return len(self.values) > 1


def _number(text: str, source: str, path: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InputError(source, "a range needs numbers", field=path, found=text,
                         expected="START:STOP:STEP, for example 40:60:5") from None
    if not value.is_finite():
        raise InputError(source, "a range needs finite numbers", field=path, found=text)
    return value


def _plain_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def parse_values(text: str, path: str = "", source: str = "--set") -> tuple[Any, ...]:
    """``40:60:5`` -> (40, 45, 50, 55, 60); ``60,80,100`` -> (60, 80, 100); ``90`` -> (90,)."""
    text = text.strip()
    if not text:
        raise InputError(source, "no values given", field=path,
                         expected="VALUES such as 40:60:5 or 60,80,100")
    if ":" in text and not text.startswith(("[", "{")):
        parts = text.split(":")
        if len(parts) not in (2, 3):
            raise InputError(source, "a range is START:STOP or START:STOP:STEP", field=path,
                             found=text, expected="for example 40:60:5")
        start, stop = _number(parts[0], source, path), _number(parts[1], source, path)
        step = _number(parts[2], source, path) if len(parts) == 3 else Decimal(1)
        if step <= 0:
            raise InputError(source, "a range's step must be above 0", field=path, found=text)
        if stop < start:
            raise InputError(source, "a range must run upwards (START <= STOP)", field=path,
                             found=text)
        count = int((stop - start) / step) + 1
        if count > MAX_POINTS:
            raise InputError(source, "too many values in the range", field=path, found=count,
                             expected=f"at most {MAX_POINTS}")
        # Decimal arithmetic: 0.1:0.3:0.1 gives 0.1, 0.2, 0.3 exactly, not 0.30000000000000004.
        return tuple(_plain_number(start + i * step) for i in range(count))
    items = text.split(",") if not text.startswith(("[", "{")) else [text]
    out = []
    for item in items:
        try:
            value = load_yaml(item) if item.strip() else None
        except (yaml.YAMLError, RecursionError):
            raise InputError(source, "the value is not valid YAML", field=path,
                             found=item) from None
        check_shape(value, source, path)
        out.append(value)
    return tuple(out)


def parse_parameter(text: str, source: str = "--set") -> Parameter:
    """``PATH=VALUES`` as a Parameter."""
    path, sep, values = text.partition("=")
    path = path.strip()
    if not sep or not path:
        raise InputError(source, "expected PATH=VALUES", found=text,
                         expected="for example benchmarks.experienced=40:60:5")
    return Parameter(path, parse_values(values, path, source))


@dataclass(frozen=True)
class SweepPoint:
    """One point of the grid: the swept values and the replications run there."""

    values: tuple[Any, ...]
    scenario: Scenario
    runs: tuple[RunSummary, ...]

    def spread(self, metric: str) -> Spread:
        return metric_spread(self.runs, metric)


@dataclass(frozen=True)
class Sweep:
    """A scenario run over a grid of one or two settings."""

    base: Scenario
    parameters: tuple[Parameter, ...]
    """The swept settings (one or two)."""
    fixed: tuple[Parameter, ...]
    """Settings changed at every point (single values)."""
    points: tuple[SweepPoint, ...]
    seed: int
    runs: int
    policy: str | None

    def point(self, *values: Any) -> SweepPoint:
        """The point at the given values of the swept settings."""
        for p in self.points:
            if p.values == tuple(values):
                return p
        raise KeyError(values)

    def current(self) -> tuple[Any, ...]:
        """The base scenario's own values of the swept settings (for reference lines)."""
        out = []
        for p in self.parameters:
            try:
                out.append(self.base.value(p.path))
            except InputError:
                out.append(None)
        return tuple(out)


def plan_points(scenario: Scenario, parameters: Sequence[Parameter]
                ) -> tuple[Scenario, tuple[Parameter, ...], tuple[Parameter, ...],
                           list[tuple[tuple[Any, ...], Scenario]]]:
    """Validate the grid before running: (base with fixed settings, swept, fixed, points)."""
    swept = tuple(p for p in parameters if p.swept)
    fixed = tuple(p for p in parameters if not p.swept)
    if not swept:
        raise InputError("--set", "nothing to sweep",
                         expected="a setting with two or more values, "
                                  "for example referrals.rate=60,80,100")
    if len(swept) > MAX_SWEPT:
        raise InputError("--set", "too many settings swept", found=len(swept),
                         expected=f"one or two settings with several values "
                                  f"({', '.join(p.path for p in swept)})")
    paths = [p.path for p in parameters]
    dupes = sorted({p for p in paths if paths.count(p) > 1})
    if dupes:
        raise InputError("--set", "the same setting is given twice", field=dupes[0])
    base = scenario.with_overrides({p.path: p.values[0] for p in fixed})
    grid = list(itertools.product(*(p.values for p in swept)))
    if len(grid) > MAX_POINTS:
        raise InputError("--set", "too many points in the sweep", found=len(grid),
                         expected=f"at most {MAX_POINTS}")
    points = []
    for values in grid:
        settings = {p.path: v for p, v in zip(swept, values, strict=True)}
        label = ", ".join(f"{k}={v}" for k, v in settings.items())
        points.append((values, base.with_overrides(settings, f"--set {label}")))
    return base, swept, fixed, points


def sweep(
    scenario: Scenario,
    parameters: Sequence[Parameter],
    runs: int,
    seed: int,
    pool: TaskPool | None = None,
    progress: Progress | None = None,
    policy_name: str | None = None,
    series: Sequence[str] = ("load_pct", "children_per_fte"),
) -> Sweep:
    """Run every point of the grid of `parameters` with replications 0 .. runs-1 of `seed`.

    Every point is validated before any replication runs, so a bad value fails fast.
    """
    base, swept, fixed, points = plan_points(scenario, parameters)
    own = pool is None
    pool = pool or TaskPool()
    try:
        results = run_scenarios([s for _, s in points], runs, seed, pool, progress,
                                policy_name, series)
    finally:
        if own:
            pool.close()
    return Sweep(base, swept, fixed,
                 tuple(SweepPoint(v, s, r) for (v, s), r in zip(points, results, strict=True)),
                 seed, runs, policy_name)
