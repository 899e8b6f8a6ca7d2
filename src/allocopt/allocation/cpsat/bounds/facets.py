"""The convex hull of each worker's spread term over the loads it can be given.

A worker's term of the spread (hundredths of a percent above the team mean, rounded
up) is a convex function of the new load A it is given, but A only takes the
values of sums of whole households. The lower convex hull of the points (a, term)
over those values gives valid cuts d >= piece(A): the integer hull of the spread
row. Used by the spread stage of the CP-SAT model and by the LP bound on spread
(:mod:`.count_lp`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from allocopt.allocation.cpsat.bounds.household_sums import reachable, spread_term

MAX_FACETS = 8
"""Facets of a worker's spread hull kept (the first, nearest the mean, matter most)."""


@dataclass(frozen=True)
class Facet:
    """d >= (rise x A + offset) / run: one piece of a worker's spread hull, whole numbers."""

    run: int
    rise: int
    offset: int


def spread_facets(load: int, benchmark: int, sb: int, sl: int, amounts: Iterable[int]
                  ) -> list[Facet]:
    """The lower convex hull of (a, spread term with a new load) over the reachable new
    loads `amounts` (ascending, from 0): each facet a valid cut d >= piece(A) for any
    allocation, since A only takes those values and d is at least the term there.

    Where the term's linear row (d x B x SB >= 10,000 x (SB (L + A) - B SL)) lets a
    worker just below the mean take a fraction of a household for free, the hull
    charges the whole household: the integer hull of the spread stage's rows.
    """
    pts = [(a, spread_term(load, benchmark, sb, sl, a)) for a in amounts]
    hull: list[tuple[int, int]] = []
    for p in pts:
        while len(hull) >= 2:
            (x1, y1), (x2, y2) = hull[-2], hull[-1]
            # drop the middle point if it lies on or above the chord from hull[-2] to p
            if (y2 - y1) * (p[0] - x1) >= (p[1] - y1) * (x2 - x1):
                hull.pop()
            else:
                break
        hull.append(p)
    out = []
    for (x1, y1), (x2, y2) in itertools.pairwise(hull):
        rise, run = y2 - y1, x2 - x1
        if rise <= 0:
            continue  # the flat part below the mean: d >= 0 says it already
        # d >= y1 + rise (A - x1) / run  <=>  run d >= rise A + (y1 run - rise x1)
        out.append(Facet(run, rise, y1 * run - rise * x1))
        if len(out) >= MAX_FACETS:
            break
    return out


def worker_amounts(chunks: Iterable[tuple[int, int]], cap: int) -> list[int]:
    """New loads a worker can reach up to `cap`: sums of whole households it may take
    ((points, most) per type, equal points merged, copies by binary splitting)."""
    merged: dict[int, int] = {}
    for points, most in chunks:
        if points > 0 and most > 0:
            merged[points] = merged.get(points, 0) + most
    copies = []
    for points, count in sorted(merged.items()):
        count = min(count, cap // points)
        step = 1
        while count > 0:
            take = min(step, count)
            copies.append((points * take, 1))
            count -= take
            step *= 2
    return reachable(copies, max(cap, 0))
