"""The levels of the objective as solver stages, in order.

Each stage knows its level (:class:`Level`), whether it maximises, a cheap bound
(:mod:`.bounds.levels`, :mod:`.bounds.priority_lp`), how to add its variables
to the model when a solve needs them, how to read its value off an
:class:`~allocopt.allocation.objective.Objective`, and optionally a tighter proof
by household sums (:mod:`.bounds.household_sums`). :mod:`.solve` runs them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from allocopt.allocation.cpsat.bounds.facets import worker_amounts
from allocopt.allocation.cpsat.bounds.household_sums import (
    Share,
    amber_floor_by_sums,
    max_load_floor_by_sums,
    placed_ceiling_by_sums,
    spread_floor_by_households,
    spread_floor_by_sums,
    waited_ceiling_by_sums,
)
from allocopt.allocation.cpsat.bounds.levels import (
    amber_floor,
    household_shares,
    least_load,
    max_load_floor,
    preference_ceiling,
    spread_floor,
    waiting_bound,
    worker_chunks,
)
from allocopt.allocation.cpsat.model import (
    SMALL_MODEL,
    CountModel,
    Model,
    add_spread_stage,
    amber_expr,
    tighten_max_load,
    top_var,
)
from allocopt.allocation.cpsat.preferences import (
    add_preference_stage,
    constant_excess,
    preference_hints,
)
from allocopt.allocation.cpsat.solution import Candidate, team_added
from allocopt.allocation.exact import PCT_UNITS
from allocopt.allocation.objective import Objective, tier_sizes, tier_weights

if TYPE_CHECKING:
    from allocopt.allocation.cpsat.bounds.count_lp import CountLp


class Level(StrEnum):
    """The levels of :mod:`allocopt.allocation.objective`, in order."""

    PRIORITY = "priority"
    WAITING = "waiting"
    AMBER = "amber"
    MAX_LOAD = "max_load"
    SPREAD = "spread"
    PREFERENCES = "preferences"


MAX_PRIORITY_WEIGHT = 2**50
"""Tier weights above this are solved one tier at a time instead (floating-point LP safety)."""

FREE_PREFERENCE_PAIRS = 20_000
"""Up to this many (worker, load type) pairs the preference stage keeps only the
points each worker holds; above it, the counts of each load type (see
:func:`~allocopt.allocation.cpsat.preferences.add_preference_stage`)."""

STAGE_SHARE = {Level.PRIORITY: 0.4, Level.WAITING: 0.1, Level.AMBER: 0.1,
               Level.MAX_LOAD: 0.15, Level.SPREAD: 0.1, Level.PREFERENCES: 0.15}
"""Share of the time limit each stage may use; time a stage does not use passes on."""


@dataclass(frozen=True)
class StageReport:
    """How one stage went: value kept, bound proven, time used, how it ended."""

    level: Level
    name: str
    value: int
    bound: int
    seconds: float
    outcome: str
    """"proven", "skipped: hint meets bound", "time limit", "not searched: ..." (a model too
    large to search, see :data:`~.solve.SEARCH_BELOW`), ..."""


def stage_key(obj: Objective, level: Level) -> int:
    """The value of one level for comparison (larger is better for maximised levels)."""
    if level is Level.PRIORITY:
        return 0
    return {Level.WAITING: obj.waited, Level.AMBER: obj.amber, Level.MAX_LOAD: obj.max_load,
            Level.SPREAD: obj.spread, Level.PREFERENCES: obj.preference}[level]


Build = Callable[[Candidate], tuple[cp_model.LinearExprT, dict[cp_model.IntVar, int]]]


@dataclass
class Stage:
    """One level of the objective as a solve: its bound, expression and value."""

    level: Level
    name: str
    """What the stage is called in the result's notes ("priority tier 1", ...)."""
    maximise: bool
    bound: Callable[[Candidate], int | None]
    """Given the incumbent at the stage's start: a bound in objective units, or None."""
    build: Build
    """Given the same incumbent: the stage's variables added to the model; (expression,
    extra hints). Called only when a solve needs the stage in the model."""
    value: Callable[[Objective], int]
    offset: Callable[[], int] = lambda: 0
    """Model expression minus the objective's value (constant terms left out of the model)."""
    with_classes: bool = False
    proof: Callable[[Candidate, Candidate], int | None] | None = None
    """Given the incumbents at the stage's start and before its solve: a tighter bound,
    asked only when the cheap bound and the heuristics leave a solve to do."""
    tier: int | None = None
    """For a priority stage solved one tier at a time: the tier."""
    apart: Callable[[Candidate], tuple[cp_model.CpModel, cp_model.LinearExprT,
                                       dict[cp_model.IntVar, int]]] | None = None
    """Given the incumbent: the stage as a model of its own (model, expression, complete
    hint), when it needs none of the meeting's variables (the last stage only)."""

    @property
    def whole_priority(self) -> bool:
        """Level 1 as one weighted stage (not tier by tier)."""
        return self.level is Level.PRIORITY and self.tier is None


def priority_stages(cm: CountModel) -> list[tuple[int | None, int]]:
    """(tier or None for all, best possible) for level 1 (the expressions to maximise:
    :func:`priority_expr`).

    One weighted stage when the tier weights are small enough for exact
    floating-point LP work, else one stage per tier, highest first.
    """
    ex = cm.ex
    weights = tier_weights(ex)
    sizes = tier_sizes(ex)
    total = sum(w * n for w, n in zip(weights, sizes, strict=True))
    if total <= MAX_PRIORITY_WEIGHT and cm.size < SMALL_MODEL:
        return [(None, total)]
    return [(tier, n) for tier, n in enumerate(sizes) if n]


def priority_expr(cm: CountModel, tier: int | None) -> cp_model.LinearExprT:
    """Level 1's expression to maximise: households placed of `tier`, or (None) the
    tiers' weighted sum."""
    if tier is None:
        weights = tier_weights(cm.ex)
        return cp_model.LinearExpr.weighted_sum(cm.placed, [weights[t.tier] for t in cm.types])
    return cp_model.LinearExpr.sum([cm.placed[k] for k, t in enumerate(cm.types)
                                    if t.tier == tier])


def _priority_bound(cm: CountModel, tier: int | None) -> Callable[[Candidate], int | None]:
    """The LP bound on priority (tier by tier, see :mod:`.bounds.priority_lp`) for the
    incumbent."""
    def bound(c: Candidate) -> int | None:
        sizes = tuple(tier_sizes(cm.ex))
        if c.objective.placed == sizes:
            # everybody placed: nothing to bound, no LP to build
            return _priority_value(tier_weights(cm.ex), tier)(c.objective)
        if cm.size < SMALL_MODEL:
            # On small models the LP rarely settles the stage (15 of 206 of the
            # simulator's meetings); a search proves those for less than the LPs cost.
            # The counts whose lightest households fit in the team's room cost next to
            # nothing (one weighted stage on these models: tier stages get no bound).
            if tier is not None:
                return None
            ceiling = placed_ceiling_by_sums(
                ((t.tier, t.points + (t.secondary if t.co_working else 0))
                 for t in cm.types if t.leads for _ in t.households),
                len(sizes), cm.added_ub)
            return sum(w * n for w, n in zip(tier_weights(cm.ex), ceiling, strict=True))
        from allocopt.allocation.cpsat.bounds.priority_lp import PriorityBound, priority_bound

        key = ("priority", c.objective.placed, None)
        found = cm.memo.get(key)
        if found is None:
            found = cm.memo[key] = priority_bound(cm.ex, cm.types, c.objective.placed,
                                                  count_lp(cm))
        assert isinstance(found, PriorityBound)
        if tier is None:
            return found.weighted
        if found.short_at == tier:
            return math.floor(found.tiers[-1] + 1e-6)
        if found.short_at is None or found.short_at > tier:
            return c.objective.placed[tier]
        return None

    return bound


def count_lp(cm: CountModel) -> CountLp:
    """The meeting's LP relaxation (:mod:`.bounds.count_lp`), built once when first asked."""
    if cm.count_lp is None:
        from allocopt.allocation.cpsat.bounds.count_lp import CountLp

        cm.count_lp = CountLp(cm.ex, cm.types, cm.rooms)
    return cm.count_lp


def _lp_proofs(cm: CountModel, stages: list[Stage], floors: dict[int, int]) -> None:
    """On large models, each of levels 1b-4 asks the LP relaxation for a bound before a
    solve (the bounds by household sums are for small models): when the incumbent meets
    it the stage is settled without a search, and otherwise the solve knows it."""
    def memo(key: tuple[Hashable, ...], work: Callable[[], int | None]) -> int | None:
        if key not in cm.memo:
            cm.memo[key] = work()
        found = cm.memo[key]
        assert found is None or isinstance(found, int)
        return found

    def waited(start: Candidate, c: Candidate) -> int | None:
        o = c.objective
        return memo(("lp waited", o.placed), lambda: count_lp(cm).waited_bound(o.placed))

    def amber(start: Candidate, c: Candidate) -> int | None:
        o = c.objective
        return memo(("lp amber", o.placed, o.waited),
                    lambda: count_lp(cm).amber_bound(o.placed, o.waited))

    def max_load(start: Candidate, c: Candidate) -> int | None:
        o = c.objective
        found = memo(("lp max load", o.placed, o.waited, o.amber, o.max_load),
                     lambda: count_lp(cm).max_load_bound(o.placed, o.waited, o.amber,
                                                         o.max_load, floors.get(0, 0)))
        if found is not None:
            floors[0] = max(floors.get(0, 0), found)
        return found

    def spread(start: Candidate, c: Candidate) -> int | None:
        o = c.objective
        total = team_added(cm, start)
        return memo(("lp spread", o.placed, o.waited, o.amber, o.max_load, total),
                    lambda: count_lp(cm).spread_bound(o.placed, o.waited, o.amber,
                                                      o.max_load, total))

    proofs = {Level.WAITING: waited, Level.AMBER: amber, Level.MAX_LOAD: max_load,
              Level.SPREAD: spread}
    for stage in stages:
        if stage.level in proofs:
            stage.proof = proofs[stage.level]


def _priority_value(weights: list[int], tier: int | None) -> Callable[[Objective], int]:
    if tier is None:
        return lambda o: sum(weights[t] * n for t, n in enumerate(o.placed))
    return lambda o: o.placed[tier]


def make_stages(cm: CountModel, free_preferences: int, skip_preferences: bool,
                preference_space: str | None = None, proofs: bool = True) -> list[Stage]:
    """The levels of :mod:`allocopt.allocation.objective` as solver stages, in order
    (`proofs`: with the bounds by household sums, :mod:`.bounds.household_sums`)."""
    ex = cm.ex
    weights = tier_weights(ex)
    stages: list[Stage] = []

    def priority(tier: int | None) -> Build:
        # the model is written only when a solve needs it
        return lambda c: (priority_expr(cm, tier), {})

    for tier, _ in priority_stages(cm):
        name = Level.PRIORITY.value if tier is None else f"{Level.PRIORITY.value} tier {tier}"
        stages.append(Stage(Level.PRIORITY, name, True, _priority_bound(cm, tier),
                            priority(tier), _priority_value(weights, tier), tier=tier))
    chunks: list[dict[int, list[tuple[int, int]]]] = []

    def sums() -> dict[int, list[tuple[int, int]]]:
        if not chunks:
            chunks.append(worker_chunks(cm))
        return chunks[0]

    stages.append(Stage(Level.WAITING, Level.WAITING.value, True,
                        lambda c: waiting_bound(ex, c.objective),
                        lambda c: (cm.stage_exprs["waiting"], {}), lambda o: o.waited,
                        proof=lambda start, c: waited_ceiling_by_sums(
                            ex, c.objective.placed, cm.added_ub)))

    stages.append(Stage(Level.AMBER, Level.AMBER.value, False,
                        lambda c: amber_floor(cm, c.objective.placed),
                        lambda c: (amber_expr(cm), {}), lambda o: o.amber,
                        proof=lambda start, c: amber_floor_by_sums(
                            ex, least_load(cm, c.objective),
                            sums(), cm.added_ub)))
    floors: dict[int, int] = {}

    def max_load_bound(c: Candidate) -> int:
        # level 2 is fixed at the incumbent's value by now
        floors[0] = max_load_floor(cm, c.objective.placed, c.objective.amber)
        return floors[0]

    def build_max_load(c: Candidate) -> tuple[cp_model.LinearExprT, dict[cp_model.IntVar, int]]:
        tighten_max_load(cm, floors[0])
        return top_var(cm), {}

    stages.append(Stage(Level.MAX_LOAD, Level.MAX_LOAD.value, False, max_load_bound,
                        build_max_load, lambda o: o.max_load,
                        proof=lambda start, c: max_load_floor_by_sums(
                            ex, least_load(cm, c.objective),
                            c.objective.amber, c.objective.max_load, sums(), cm.added_ub)))
    def reach(top: int) -> Callable[[int], list[int]]:
        """Per worker, the new loads they can still be given within max load `top`."""
        def amounts(w: int) -> list[int]:
            b = ex.benchmark[w]
            cap = min(cm.added_ub.get(w, 0), max(0, top * b // PCT_UNITS - ex.load[w]))
            return worker_amounts(sums().get(w, []), cap)

        return amounts

    shares: list[list[Share]] = []

    def spread_proof(start: Candidate, c: Candidate) -> int | None:
        o = c.objective
        total = team_added(cm, start)
        floor = spread_floor_by_sums(ex, total, o.max_load, o.amber, sums(), cm.added_ub)
        if floor is None or floor < o.spread:
            # the split of the households themselves (tighter; on the simulator's team
            # meetings most spread solves were left to prove an allocation this settles,
            # or stopped at it): all of them when everyone is placed, else as many of
            # each tier as are placed
            if not shares:
                shares.append(household_shares(cm))
            every = list(o.placed) == tier_sizes(ex)
            split = spread_floor_by_households(ex, total, o.max_load, o.amber, shares[0],
                                               cm.added_ub, o.spread,
                                               None if every else o.placed)
            if split is not None:
                floor = split if floor is None else max(floor, split)
        return floor

    stages.append(Stage(Level.SPREAD, Level.SPREAD.value, False,
                        lambda c: spread_floor(ex, team_added(cm, c)),
                        lambda c: (add_spread_stage(
                            cm, team_added(cm, c),
                            reach(c.objective.max_load) if cm.size >= SMALL_MODEL else None), {}),
                        lambda o: o.spread, proof=spread_proof))
    if not proofs:
        for stage in stages:
            stage.proof = None
    elif cm.size >= SMALL_MODEL:
        _lp_proofs(cm, stages, floors)
    if skip_preferences:
        return stages
    pairs = sum(len(t.leads) for t in cm.types)
    keep = preference_space or ("points" if pairs <= free_preferences else "counts")

    def build_preferences(c: Candidate) -> tuple[cp_model.LinearExprT, dict[
            cp_model.IntVar, int]]:
        expr = add_preference_stage(cm, c, keep)
        return expr, preference_hints(cm, c)

    def apart(c: Candidate) -> tuple[cp_model.CpModel, cp_model.LinearExprT,
                                     dict[cp_model.IntVar, int]]:
        model = Model()
        expr = add_preference_stage(cm, c, keep, model)
        return model, expr, preference_hints(cm, c)

    stages.append(Stage(Level.PREFERENCES, f"{Level.PREFERENCES.value} ({keep} kept)", True,
                        lambda c: preference_ceiling(cm, c), build_preferences,
                        lambda o: o.preference, offset=lambda: constant_excess(cm),
                        with_classes=True, apart=apart if keep == "counts" else None))
    return stages


def proven_bound(stage: Stage, current: int, bound: int | None, found: bool, proven: bool,
                 solver_bound: float) -> int | None:
    """The best bound known for a stage: ours, or the solver's when it has one; None
    when neither is known (a search that ended early with no bound proves nothing)."""
    if proven:
        return current
    ours = bound
    if found and not math.isnan(solver_bound):
        if stage.maximise:
            theirs = math.floor(solver_bound + 1e-6) - stage.offset()
            ours = theirs if ours is None else min(ours, theirs)
        else:
            theirs = math.ceil(solver_bound - 1e-6) - stage.offset()
            ours = theirs if ours is None else max(ours, theirs)
    if ours is None:
        return None
    return max(current, ours) if stage.maximise else min(current, ours)
