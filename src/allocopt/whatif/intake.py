"""Plan an NQSW intake: the smallest cohort that meets the service's targets.

Targets are outcomes across replications, such as "P90 of the share of workers
in red at most 10 %", "on average at least 95 % of CP/S47 work allocated within
5 working days" and "no NQSW protection breach in any run"
(:data:`DEFAULT_TARGETS`).

The search assumes more NQSWs do not make the targets harder to meet. It
doubles the intake from 0 until the targets are met, then halves the gap
between the largest size that failed and the smallest that passed, so it costs
a few evaluations, not one per size. Every size runs replications 0 .. runs-1
of the same seed (common random numbers), so sizes meet the same referrals and
differ only by the intake: the curve searched is smooth and the answer stable.
The answer always comes with its neighbour: one fewer NQSW was evaluated and
fails a target.

The assumption does not always hold. A cohort fills vacant posts first, and
where an agency worker covered the post, that (experienced) worker leaves,
while an NQSW takes no child protection work in the first year; until the
intake outnumbers the vacancies, high-risk work can wait longer. So the plan
checks the curve it ran: :meth:`IntakePlan.dips` finds where more NQSWs made
a target clearly worse (paired by run), and ``exhaustive`` evaluates every
size and reports any size that passes below one that fails.

With several cohort dates the intake is split evenly (earlier cohorts take any
remainder) or, if asked, each total is tried with several splits and the one
with the most room on the first target is kept.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from allocopt.errors import InputError
from allocopt.simulation.records import METRIC_NAMES
from allocopt.simulation.scenario import Scenario
from allocopt.whatif.compare import Difference, paired_difference
from allocopt.whatif.parallel import Progress, TaskPool
from allocopt.whatif.runs import (
    METRIC_BY_NAME,
    SERIES,
    RunSummary,
    Spread,
    metric_spread,
    run_scenarios,
)

STATISTICS: dict[str, str] = {
    "mean": "mean", "p10": "P10", "p50": "median", "p90": "P90", "min": "lowest",
    "max": "highest",
}
"""Statistics across replications a target can use, with their names for people."""

_TARGET = re.compile(
    r"^\s*(?P<metric>[a-z0-9_]+)\s*(?::\s*(?P<stat>[a-z0-9]+))?\s*"
    r"(?P<op><=|>=)\s*(?P<value>[-+0-9.eE]+)\s*(?P<pct>%?)\s*$")


@dataclass(frozen=True, slots=True)
class Target:
    """An outcome the service must reach: ``metric``'s ``statistic`` over runs ``op`` ``value``."""

    metric: str
    statistic: str
    op: str
    value: float

    def measure(self, runs: Sequence[RunSummary]) -> float:
        """The statistic of the metric across `runs`."""
        return metric_spread(runs, self.metric).statistic(self.statistic)

    def met(self, measured: float) -> bool:
        """Whether a measured value meets the target (an unmeasured outcome does not)."""
        if math.isnan(measured):
            return False
        return measured <= self.value if self.op == "<=" else measured >= self.value

    def margin(self, measured: float) -> float:
        """Room left on the target (negative: missed by that much)."""
        if math.isnan(measured):
            return -math.inf
        return self.value - measured if self.op == "<=" else measured - self.value

    @property
    def text(self) -> str:
        """The target as typed on the command line."""
        unit = METRIC_BY_NAME[self.metric].unit
        value = f"{self.value * 100:g}%" if unit == "share" else f"{self.value:g}"
        return f"{self.metric}:{self.statistic}{self.op}{value}"

    @property
    def threshold(self) -> str:
        """``at most 10%``, ``at least 95%``, ``at most 0 breaches``."""
        m = METRIC_BY_NAME[self.metric]
        what = {"<=": "at most", ">=": "at least"}[self.op]
        value = (f"{self.value * 100:g}%" if m.unit == "share"
                 else f"{self.value:g}%" if m.unit == "%" else f"{self.value:g} {m.unit}")
        return f"{what} {value}"

    @property
    def statistic_text(self) -> str:
        """``P90 across runs``, ``highest over all runs``."""
        over = "over all runs" if self.statistic in ("min", "max") else "across runs"
        return f"{STATISTICS[self.statistic]} {over}"

    def describe(self) -> str:
        """The target in words."""
        return f"{METRIC_BY_NAME[self.metric].label}: {self.threshold} ({self.statistic_text})"


def parse_target(text: str, source: str = "--target") -> Target:
    """``METRIC[:STATISTIC](<=|>=)VALUE[%]``, e.g. ``red_share_mean:p90<=10%``.

    The statistic (default ``mean``) is taken across replications. For a share
    ``10%`` means 0.10; for load % it means 10.
    """
    match = _TARGET.match(text)
    if match is None:
        raise InputError(source, "a target is METRIC[:STATISTIC]<=VALUE or >=VALUE", found=text,
                         expected="for example red_share_mean:p90<=10% or "
                                  "high_risk_within_5:mean>=95%")
    metric, stat = match["metric"], match["stat"] or "mean"
    if metric not in METRIC_NAMES:
        raise InputError(source, "unknown outcome", field=metric, found=text,
                         expected="one of " + ", ".join(METRIC_NAMES))
    if stat not in STATISTICS:
        raise InputError(source, "unknown statistic", field=metric, found=stat,
                         expected="one of " + ", ".join(STATISTICS))
    try:
        value = float(match["value"])
    except ValueError:
        raise InputError(source, "the target value is not a number", field=metric,
                         found=match["value"]) from None
    if match["pct"] and METRIC_BY_NAME[metric].unit == "share":
        value /= 100
    elif match["pct"] and METRIC_BY_NAME[metric].unit != "%":
        raise InputError(source, "a percentage for an outcome that is not a share",
                         field=metric, found=text,
                         expected=f"a number of {METRIC_BY_NAME[metric].unit}")
    return Target(metric, stat, match["op"], value)


DEFAULT_TARGETS: tuple[Target, ...] = (
    parse_target("red_share_mean:p90<=10%"),
    parse_target("high_risk_within_5:mean>=95%"),
    parse_target("nqsw_breaches:max<=0"),
)
"""P90 share of workers in red at most 10 %; on average at least 95 % of CP/S47 work
allocated within 5 working days; no NQSW protection breach in any run."""


# ------------------------------------------------------------------- options


@dataclass(frozen=True)
class IntakeOption:
    """One intake evaluated: its total, its split across the cohort dates, and the outcome."""

    total: int
    split: tuple[int, ...]
    runs: tuple[RunSummary, ...]
    measured: tuple[float, ...]
    met: tuple[bool, ...]
    margins: tuple[float, ...]
    order: int
    """When it was evaluated (1 = first), to show how the search went."""

    @property
    def passes(self) -> bool:
        return all(self.met)

    def spread(self, metric: str) -> Spread:
        return metric_spread(self.runs, metric)


def candidate_splits(total: int, cohorts: int, split: bool, resolution: int = 4
                     ) -> list[tuple[int, ...]]:
    """The ways to share `total` NQSWs over `cohorts` dates that are tried.

    Without `split`: evenly, earlier cohorts taking any remainder. With it:
    every share in steps of 1/`resolution` of the total (rounded to whole
    people, duplicates dropped), the even split first.
    """
    if cohorts < 1:
        raise ValueError("at least one cohort date")
    base, extra = divmod(total, cohorts)
    even = tuple(base + (1 if i < extra else 0) for i in range(cohorts))
    if not split or cohorts == 1 or total == 0:
        return [even]
    units = min(total, resolution)
    out = [even]
    for cut in itertools.combinations(range(units + cohorts - 1), cohorts - 1):
        # stars and bars: a composition of `units` into `cohorts` parts
        bounds = (-1, *cut, units + cohorts - 1)
        parts = [bounds[i + 1] - bounds[i] - 1 for i in range(cohorts)]
        share = _round_parts([total * p / units for p in parts], total)
        if share not in out:
            out.append(share)
    return out


def _round_parts(values: Sequence[float], total: int) -> tuple[int, ...]:
    """Whole numbers adding up to `total`, closest to `values` (largest remainder)."""
    floors = [math.floor(v) for v in values]
    left = total - sum(floors)
    order = sorted(range(len(values)), key=lambda i: (-(values[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return tuple(floors)


def with_intake(base: Scenario, dates: Sequence[date], split: Sequence[int],
                team: str | None = None) -> Scenario:
    """`base` with NQSW cohorts of the given sizes on the given dates.

    Cohorts the scenario already has on those dates are replaced; others stay.
    """
    replaced = set(dates)
    teams: dict[date, str | None] = {}
    kept = []
    for c in base.workforce.cohorts:
        on = c.date_from(base.start)
        if on in replaced:
            teams.setdefault(on, c.team)
        else:
            kept.append(c.model_dump())
    new = [{"at": d, "count": n, "team": team if team is not None else teams.get(d)}
           for d, n in zip(dates, split, strict=True) if n > 0]
    return base.with_overrides({"workforce.cohorts": kept + new}, "plan-intake")


def default_dates(scenario: Scenario) -> tuple[date, ...]:
    """The cohort dates to plan when none are given.

    The scenario's own cohort dates if it has any (their sizes are what is
    planned); otherwise the first Monday of September on or after the start.
    """
    own = sorted({c.date_from(scenario.start) for c in scenario.workforce.cohorts})
    if own:
        return tuple(own)
    year = scenario.start.year
    for y in (year, year + 1):
        first = date(y, 9, 1)
        monday = first + timedelta(days=(7 - first.weekday()) % 7)
        if scenario.start <= monday < scenario.end:
            return (monday,)
    raise InputError(None, "no September within the scenario to start a cohort",
                     field="cohort", expected="a cohort date, for example --cohort 2026-09-07")


# ---------------------------------------------------------------------- plan


@dataclass(frozen=True)
class IntakePlan:
    """The search and its answer."""

    base: Scenario
    dates: tuple[date, ...]
    team: str | None
    targets: tuple[Target, ...]
    options: tuple[IntakeOption, ...]
    """Every intake evaluated (every split tried), in the order evaluated."""
    answer: IntakeOption | None
    """The smallest intake meeting every target (None: none up to `max_size` does)."""
    max_size: int
    split: bool
    exhaustive: bool
    seed: int
    runs: int
    policy: str | None

    def curve(self) -> list[IntakeOption]:
        """The best option of each total evaluated, by total: the curve searched."""
        best: dict[int, IntakeOption] = {}
        for o in self.options:
            if o.total not in best or _rank(o) > _rank(best[o.total]):
                best[o.total] = o
        return [best[t] for t in sorted(best)]

    def option(self, total: int) -> IntakeOption:
        """The best option evaluated at `total`."""
        for o in self.curve():
            if o.total == total:
                return o
        raise KeyError(total)

    def non_monotone(self) -> list[int]:
        """Totals that pass although a larger total evaluated fails (noise or a real dip)."""
        curve = self.curve()
        return [o.total for i, o in enumerate(curve)
                if o.passes and any(not later.passes for later in curve[i + 1:])]

    def dips(self) -> list[Dip]:
        """Where more NQSWs made a target clearly worse: the largest such step per target.

        Sizes are compared run by run (the same futures), and a step counts when the
        95 % interval of the paired difference in the target's outcome lies wholly
        on the wrong side of zero. The search assumes there are none; where there
        are, a smaller passing intake could lie between the sizes searched.
        """
        curve = self.curve()
        out = []
        for i, target in enumerate(self.targets):
            metric = METRIC_BY_NAME[target.metric]
            worst: Dip | None = None
            for a, b in itertools.combinations(curve, 2):
                d = paired_difference(metric, [r.summary[metric.name] for r in a.runs],
                                      [r.summary[metric.name] for r in b.runs])
                wrong = d.mean > 0 if target.op == "<=" else d.mean < 0
                if d.significant and wrong and (worst is None
                                                or abs(d.mean) > abs(worst.difference.mean)):
                    worst = Dip(target, a.total, b.total, a.measured[i], b.measured[i], d)
            if worst is not None:
                out.append(worst)
        return out

    def scenario(self, option: IntakeOption) -> Scenario:
        """The scenario with this option's cohorts."""
        return with_intake(self.base, self.dates, option.split, self.team)


@dataclass(frozen=True)
class Dip:
    """More NQSWs, clearly worse on a target: from `smaller` to `larger` NQSWs."""

    target: Target
    smaller: int
    larger: int
    smaller_value: float
    larger_value: float
    """The target's statistic at each size."""
    difference: Difference
    """The paired difference (larger minus smaller) in the target's outcome, run by run."""


def _rank(o: IntakeOption) -> tuple[bool, int, float, int]:
    # passing first, then most targets met, then most room on the first target;
    # the earlier-evaluated (even split) wins ties.
    first = o.margins[0] if o.margins else 0.0
    return (o.passes, sum(o.met), first, -o.order)


class _Search:
    """Evaluates intake totals once each, through one pool."""

    def __init__(self, base: Scenario, dates: tuple[date, ...], team: str | None,
                 targets: tuple[Target, ...], split: bool, runs: int, seed: int,
                 pool: TaskPool, progress: Progress | None, policy_name: str | None) -> None:
        self.base, self.dates, self.team, self.targets = base, dates, team, targets
        self.split, self.runs, self.seed = split, runs, seed
        self.pool, self.progress, self.policy_name = pool, progress, policy_name
        self.options: list[IntakeOption] = []
        self.best: dict[int, IntakeOption] = {}

    def evaluate(self, totals: Sequence[int]) -> None:
        todo = [t for t in dict.fromkeys(totals) if t not in self.best]
        if not todo:
            return
        plans = [(t, s) for t in todo
                 for s in candidate_splits(t, len(self.dates), self.split)]
        scenarios = [with_intake(self.base, self.dates, s, self.team) for _, s in plans]
        results = run_scenarios(scenarios, self.runs, self.seed, self.pool, self.progress,
                                self.policy_name, SERIES)
        for (total, share), runs in zip(plans, results, strict=True):
            measured = tuple(t.measure(runs) for t in self.targets)
            option = IntakeOption(
                total, share, runs, measured,
                tuple(t.met(v) for t, v in zip(self.targets, measured, strict=True)),
                tuple(t.margin(v) for t, v in zip(self.targets, measured, strict=True)),
                len(self.options) + 1)
            self.options.append(option)
            if total not in self.best or _rank(option) > _rank(self.best[total]):
                self.best[total] = option

    def passes(self, total: int) -> bool:
        self.evaluate([total])
        return self.best[total].passes


MAX_COHORT = 1000
"""The most NQSWs one cohort date may bring (as a scenario's cohort allows)."""


def plan_intake(
    scenario: Scenario,
    targets: Sequence[Target] = DEFAULT_TARGETS,
    dates: Sequence[date] | None = None,
    runs: int = 20,
    seed: int = 1,
    max_size: int | None = None,
    team: str | None = None,
    split: bool = False,
    exhaustive: bool = False,
    pool: TaskPool | None = None,
    progress: Progress | None = None,
    policy_name: str | None = None,
) -> IntakePlan:
    """The smallest NQSW intake (0 .. `max_size`) on `dates` meeting every target.

    `max_size` defaults to the service's number of posts. See the module notes
    for the search.
    """
    if not targets:
        raise InputError(None, "no targets to plan for", field="target",
                         expected="at least one --target")
    if runs < 1:
        raise InputError(None, "invalid number of runs", field="runs", found=runs,
                         expected="at least 1")
    chosen = tuple(sorted(set(dates))) if dates else default_dates(scenario)
    for d in chosen:
        if not scenario.start <= d < scenario.end:
            raise InputError(None, "the cohort date is outside the projection", field="cohort",
                             found=d.isoformat(),
                             expected=f"from {scenario.start} to before {scenario.end}")
    if team is not None and team not in scenario.team_ids:
        raise InputError(None, "unknown team", field="team", found=team,
                         expected="one of " + ", ".join(scenario.team_ids))
    top = max_size if max_size is not None else sum(
        spec.posts * spec.count for spec in scenario.workforce.teams)
    most = MAX_COHORT * len(chosen)
    if not 0 <= top <= most:
        raise InputError(None, "invalid largest intake", field="max", found=top,
                         expected=f"0 to {most} ({MAX_COHORT} per cohort date)")
    own = pool is None
    pool = pool or TaskPool()
    search = _Search(scenario, chosen, team, tuple(targets), split, runs, seed, pool,
                     progress, policy_name)
    try:
        answer = _exhaustive(search, top) if exhaustive else _gallop(search, top)
    finally:
        if own:
            pool.close()
    return IntakePlan(scenario, chosen, team, tuple(targets), tuple(search.options),
                      search.best[answer] if answer is not None else None, top, split,
                      exhaustive, seed, runs, policy_name)


def _gallop(search: _Search, top: int) -> int | None:
    """Double until the targets are met, then bisect: the smallest passing size."""
    if search.passes(0):
        return 0
    if top == 0:
        return None
    failed, size = 0, 1
    while size < top and not search.passes(size):
        failed, size = size, size * 2
    if size >= top:
        size = top
        if not search.passes(top):
            return None
    passed = size
    while passed - failed > 1:
        middle = (failed + passed) // 2
        if search.passes(middle):
            passed = middle
        else:
            failed = middle
    return passed


def _exhaustive(search: _Search, top: int) -> int | None:
    """Every size at once; the smallest from which every larger size passes too."""
    search.evaluate(list(range(top + 1)))
    answer: int | None = None
    for total in range(top, -1, -1):
        if not search.best[total].passes:
            break
        answer = total
    return answer


def describe_split(dates: Sequence[date], split: Sequence[int]) -> str:
    """``12 on 2026-09-07 and 6 on 2027-09-06``."""
    parts = [f"{n} on {d.isoformat()}" for d, n in zip(dates, split, strict=True)]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def option_table(plan: IntakePlan) -> list[dict[str, Any]]:
    """The curve searched as plain rows (total, split, each target's value and verdict)."""
    rows = []
    for o in plan.curve():
        row: dict[str, Any] = {"total": o.total, "split": " + ".join(map(str, o.split)),
                               "passes": o.passes, "order": o.order}
        for t, v, ok in zip(plan.targets, o.measured, o.met, strict=True):
            row[t.text] = v
            row[f"{t.text} met"] = ok
        rows.append(row)
    return rows
