"""Linear-programming bounds on the priority level, tier by tier.

The LP relaxation of the count model (:mod:`.count_lp`: fractions of households
allowed, workers alike pooled) bounds how many households of each tier any
allocation can place. It is solved tier by tier, highest first, each tier's count
held at the incumbent's before the next: when the incumbent meets every tier's
bound its priority is proven optimal without a CP-SAT search, and otherwise the
first tier it falls short on gives a valid bound on the weighted priority. Counts
are small numbers, so the LP's floating point is safe here where the tier weights
(up to 2^50) would not be.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from allocopt.allocation.cpsat.bounds.count_lp import TOLERANCE, CountLp
from allocopt.allocation.exact import ExactProblem
from allocopt.allocation.objective import tier_sizes, tier_weights
from allocopt.allocation.types import LoadType


@dataclass(frozen=True)
class PriorityBound:
    """The LP's verdict on an incumbent's households placed per tier."""

    tiers: tuple[float, ...]
    """LP optimum of each tier examined, with the tiers above held at the incumbent's."""
    short_at: int | None
    """First tier where the incumbent places fewer than the LP allows (None: proven)."""
    weighted: int
    """A bound on the weighted priority of any allocation."""


def priority_bound(ex: ExactProblem, types: list[LoadType], placed: tuple[int, ...] | None,
                   lp: CountLp | None = None) -> PriorityBound:
    """LP bounds on households placed per tier, highest tier first (module docstring).

    With `placed` None, each tier is held at the floor of its own LP optimum before
    the next: a bound on the weighted priority that depends on no allocation (any
    allocation short of a floor at some tier loses more weight than all the tiers
    below can give back).
    """
    sizes = tier_sizes(ex)
    weights = tier_weights(ex)
    if placed is not None and list(placed) == sizes:
        everyone = tuple(float(n) for n in sizes if n)
        return PriorityBound(everyone, None, sum(w * n for w, n in zip(weights, sizes,
                                                                      strict=True)))
    found, short = (lp or CountLp(ex, types)).priority_tiers(placed)
    present = [t for t, n in enumerate(sizes) if n]
    floors = [min(sizes[t], math.floor(v + TOLERANCE)) for t, v in zip(present, found,
                                                                      strict=False)]
    if short is not None:
        assert placed is not None
        best = floors[-1]
        bound = sum(weights[s] * placed[s] for s in range(short)) + weights[short] * best
        bound += sum(weights[s] * sizes[s] for s in range(short + 1, len(sizes)))
        return PriorityBound(tuple(found), short, bound)
    if placed is None:
        return PriorityBound(tuple(found), None,
                             sum(weights[t] * f for t, f in zip(present, floors, strict=True)))
    return PriorityBound(tuple(found), None, sum(w * p for w, p in zip(weights, placed,
                                                                         strict=False)))
