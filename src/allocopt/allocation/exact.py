"""The allocation problem in exact whole numbers.

Scheme units are scaled by a power of ten so that every load, benchmark and
household weight is an integer; band limits are turned into the largest whole
load a worker may carry and stay in a band, by cross-multiplying the band's
bound (a decimal) with the benchmark. Nothing here divides or rounds a float
after scaling, so the greedy rule, the CP-SAT model, the rules and the validator
all agree to the last unit on who fits where.

Load % itself is measured in hundredths of a percent, rounded up: a worker at
94.321 % counts as 9,433. That is the resolution of the fairness objectives.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from allocopt.allocation.problem import (
    AllocationProblem,
    Assignment,
    RoleName,
    WaitingHousehold,
    WorkerState,
)
from allocopt.capacity import acceptable_band, band_upper_bound
from allocopt.schemes.model import Scheme

MAX_DECIMALS = 4
"""Scheme units are resolved to 1/10,000 at most; finer fractions are rounded."""

PCT_UNITS = 10_000
"""Load % is counted in hundredths of a percent: 100 % = 10,000 x load / benchmark."""


def choose_scale(values: list[float]) -> int:
    """The smallest power of ten (up to 10**MAX_DECIMALS) making every value whole."""
    for decimals in range(MAX_DECIMALS + 1):
        scale: int = 10**decimals
        if all(abs(v * scale - round(v * scale)) <= 1e-6 for v in values):
            return scale
    top: int = 10**MAX_DECIMALS
    return top


@functools.lru_cache(maxsize=256)
def decimal_fraction(value: float) -> Fraction:
    """A decimal setting (a band bound, a count cap) as the exact fraction it reads as.

    repr() gives the shortest decimal that round-trips: 109.5 -> Fraction(219, 2).
    Cached: a scheme has a handful of these, asked for at every meeting.
    """
    return Fraction(repr(float(value)))


_BANDS: dict[tuple[int, str], tuple[Scheme, tuple[int, int, bool] | None, dict[int, int]]] = {}
"""Per (scheme, band): (numerator, 100 x denominator, inclusive) of the band's bound, and
the limits worked out so far by benchmark. Keyed by identity (schemes are frozen but not
hashable); the entry holds the scheme so that its id cannot be reused while it lives."""


def _band_entry(scheme: Scheme, band: str) -> tuple[Scheme, tuple[int, int, bool] | None,
                                                      dict[int, int]]:
    key = (id(scheme), band)
    known = _BANDS.get(key)
    if known is not None and known[0] is scheme:
        return known
    bound = band_upper_bound(scheme, band)
    terms = None
    if bound is not None:
        frac = decimal_fraction(bound[0])
        terms = (frac.numerator, 100 * frac.denominator, bound[1])
    if len(_BANDS) >= 256:
        _BANDS.clear()
    entry = _BANDS[key] = (scheme, terms, {})
    return entry


def max_load_in_band(scheme: Scheme, band: str, benchmark: int) -> int | None:
    """Largest whole (scaled) load that keeps a worker in `band` or a lower one.

    None when `band` is the open-ended top band. A worker with no benchmark is at
    0 % with no load and beyond every band with any, so their limit is 0.
    """
    _, terms, limits = _band_entry(scheme, band)
    if terms is None:
        return None
    if benchmark <= 0:
        return 0
    limit = limits.get(benchmark)
    if limit is None:
        num, step, inclusive = terms
        # load / benchmark * 100 (<= or <) num / den
        #   <=>  100 * den * load (<= or <) num * benchmark
        top = num * benchmark
        limit = top // step if inclusive else (top - 1) // step
        if len(limits) < 4096:
            limits[benchmark] = limit
    return limit


def max_loads_in_band(scheme: Scheme, band: str, benchmarks: Iterable[int]
                      ) -> tuple[int | None, ...]:
    """:func:`max_load_in_band` for each of `benchmarks` (the band looked up once)."""
    _, terms, limits = _band_entry(scheme, band)
    if terms is None:
        return tuple(None for _ in benchmarks)
    num, step, inclusive = terms
    out: list[int | None] = []
    for benchmark in benchmarks:
        if benchmark <= 0:
            out.append(0)
            continue
        limit = limits.get(benchmark)
        if limit is None:
            top = num * benchmark
            limit = top // step if inclusive else (top - 1) // step
            if len(limits) < 4096:
                limits[benchmark] = limit
        out.append(limit)
    return tuple(out)


def pct_units(load: int, benchmark: int) -> int:
    """Load % in hundredths of a percent, rounded up (a worker with no benchmark: 0 or huge)."""
    if benchmark <= 0:
        return 0 if load <= 0 else 10**12
    return -(-PCT_UNITS * load // benchmark)


@dataclass(frozen=True)
class ExactProblem:
    """An allocation problem with every quantity a whole number of 1/scale units."""

    problem: AllocationProblem
    scale: int
    load: tuple[int, ...]
    benchmark: tuple[int, ...]
    points: tuple[int, ...]
    secondary: tuple[int, ...]
    ceiling_max: tuple[int | None, ...]
    """Highest total load keeping each worker within the policy's ceiling band."""
    acceptable_max: tuple[int | None, ...]
    """Highest total load keeping each worker in the acceptable band (green)."""
    pool: tuple[int, ...]
    """Workers available for new work, with a benchmark."""
    team: tuple[int, ...]
    """Workers whose load % the fairness levels look at: everyone with a benchmark, as on
    the board (also those on leave and those given nothing)."""
    standing: int
    """The highest load % (hundredths) any of them has before the meeting: level 3 is at
    least this whatever the allocation."""
    worker_index: dict[str, int] = field(repr=False)
    household_index: dict[str, int] = field(repr=False)
    derived: dict[str, object] = field(default_factory=dict, repr=False, compare=False)
    """Memo of things worked out once per problem (load types, concentration limits)."""

    # Cached: every engine and rule reads these in its inner loops (an attribute read
    # after the first, where a property is a call each time).
    @functools.cached_property
    def workers(self) -> tuple[WorkerState, ...]:
        return self.problem.workers

    @functools.cached_property
    def households(self) -> tuple[WaitingHousehold, ...]:
        return self.problem.households

    def to_units(self, value: float) -> int:
        return round(value * self.scale)

    def to_scheme(self, units: int) -> float:
        return units / self.scale


_LAST: tuple[AllocationProblem, ExactProblem] | None = None
"""The last problem scaled: a policy and the validator after it ask for the same one."""


def exact_problem(problem: AllocationProblem) -> ExactProblem:
    """Scale an allocation problem to whole numbers (see the module docstring)."""
    global _LAST
    last = _LAST  # one read: safe if threads share the module
    if last is not None and last[0] is problem:
        return last[1]
    ex = _exact_problem(problem)
    _LAST = (problem, ex)
    return ex


def _exact_problem(problem: AllocationProblem) -> ExactProblem:
    values = {w.load for w in problem.workers} | {w.benchmark for w in problem.workers}
    values |= {h.points for h in problem.households}
    values |= {h.secondary_points for h in problem.households}
    scale = choose_scale(list(values))
    # tuples of lists, not of generators: the simulator scales a problem at every meeting
    load = tuple([round(w.load * scale) for w in problem.workers])
    benchmark = tuple([round(w.benchmark * scale) for w in problem.workers])
    scheme = problem.scheme
    ceiling = problem.policy.ceiling_band
    acceptable = acceptable_band(scheme).name
    ceiling_max = max_loads_in_band(scheme, ceiling, benchmark)
    acceptable_max = max_loads_in_band(scheme, acceptable, benchmark)
    check_unavailable = problem.policy.rules.unavailability
    pool = tuple([
        i for i, w in enumerate(problem.workers)
        if benchmark[i] > 0 and not (check_unavailable and w.unavailable)
    ])
    team = tuple([i for i in range(len(problem.workers)) if benchmark[i] > 0])
    return ExactProblem(
        problem=problem,
        scale=scale,
        load=load,
        benchmark=benchmark,
        points=tuple([round(h.points * scale) for h in problem.households]),
        secondary=tuple([round(h.secondary_points * scale) for h in problem.households]),
        ceiling_max=ceiling_max,
        acceptable_max=acceptable_max,
        pool=pool,
        team=team,
        standing=max([pct_units(load[w], benchmark[w]) for w in team], default=0),
        worker_index={w.id: i for i, w in enumerate(problem.workers)},
        household_index={h.id: i for i, h in enumerate(problem.households)},
    )


FINEST = 10**MAX_DECIMALS


def room_in_band(scheme: Scheme, band: str, load: float, benchmark: float) -> int | None:
    """New load (in 1/10,000 scheme units) a worker can take and stay in `band` or lower,
    decided as an exact problem decides it; None when the band has no top.

    At the finest scale the rounding of :func:`exact_problem` gives the same comparison
    whatever scale a problem chooses (its values lie on that scale's grid), so a caller
    can ask before building a problem (the simulator does, at every meeting).
    """
    top = max_load_in_band(scheme, band, round(benchmark * FINEST))
    return None if top is None else top - round(load * FINEST)


def to_assignments(ex: ExactProblem, chosen: Iterable[tuple[int, int, RoleName]]
                   ) -> tuple[Assignment, ...]:
    """(household, worker, role) by position as assignments, in a fixed order (household
    id, lead before secondary), each with the points the role carries."""
    out = [
        Assignment(ex.households[h].id, ex.workers[w].id, role,
                   ex.households[h].points if role == "lead" else ex.households[h].secondary_points)
        for h, w, role in chosen
    ]
    return tuple(sorted(out, key=lambda a: (a.household_id, a.role != "lead")))
