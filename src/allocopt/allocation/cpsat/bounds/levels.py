"""Cheap bounds on levels 1b to 5, asked at the start of every stage.

Each drops rules (which worker takes which household, the levels after it), so
it is a valid bound; when the stage's starting allocation meets it, the stage is
settled without a solve. Bounds asked several times in one meeting (a stage's
bound, heuristic and proof) are worked out once (``CountModel.floors``).
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np

from allocopt.allocation.cpsat.bounds.household_sums import (
    Share,
    acceptable_room,
    fewest_beyond_band,
    least_load_for_days,
    water_level,
)
from allocopt.allocation.cpsat.model import CountModel, top_upper
from allocopt.allocation.cpsat.solution import Candidate
from allocopt.allocation.exact import PCT_UNITS, ExactProblem
from allocopt.allocation.objective import (
    Objective,
    concentration_limits,
    kind_held,
    preference_scores,
    spread,
)


def worker_chunks(cm: CountModel) -> dict[int, list[tuple[int, int]]]:
    """Per worker: (points, most the model allows) of each load type they may lead or co-work."""
    out: dict[int, list[tuple[int, int]]] = {}
    for (k, w), ub in cm.x_ub.items():
        out.setdefault(w, []).append((cm.types[k].points, ub))
    for (k, w), ub in cm.s_ub.items():
        out.setdefault(w, []).append((cm.types[k].secondary, ub))
    return out


def household_shares(cm: CountModel) -> list[Share]:
    """Per load type: its lead shares and (co-worked) its co-worker shares, each with the
    most of them every worker may take (for :func:`.household_sums.spread_floor_by_households`)."""
    leads: dict[int, dict[int, int]] = {}
    seconds: dict[int, dict[int, int]] = {}
    for (k, w), ub in cm.x_ub.items():
        leads.setdefault(k, {})[w] = ub
    for (k, w), ub in cm.s_ub.items():
        seconds.setdefault(k, {})[w] = ub
    out = []
    for k, t in enumerate(cm.types):
        out.append(Share(t.points, t.size, leads.get(k, {}), t.tier))
        if t.co_working:
            out.append(Share(t.secondary, t.size, seconds.get(k, {})))
    return out


def spread_floor(ex: ExactProblem, total: int) -> int:
    """A lower bound on level 4: load is never taken away, so whoever sits above the
    mean already stays at least that far above it."""
    return spread(ex, [0] * len(ex.workers), extra_total=total)


def preference_ceiling(cm: CountModel, c: Candidate) -> int:
    """An upper bound on level 5: every placed household with its best-matched allowed
    lead, and no concentration beyond what workers already hold."""
    ex = cm.ex
    type_of = cm.type_of
    best = 0
    # households alike for the preferences (and of one type) share their best match
    seen: dict[Hashable, int] = {}
    for h in c.leads:
        household = ex.households[h]
        key = (type_of[h], household.locality, household.skills_needed,
               household.previous_workers)
        found = seen.get(key)
        if found is None:
            leads = np.array(cm.types[type_of[h]].leads, dtype=np.int64)
            scores = preference_scores(ex, h, leads)
            found = seen[key] = int(scores.max()) if len(scores) else 0
        best += found
    weight = ex.problem.policy.preferences.concentration
    limits = concentration_limits(ex)
    held = sum(max(0, kind_held(ex, w)[k] - limits[w][k])
               for w in range(len(ex.workers)) for k in range(3))
    return best - weight * held


def least_added_load(ex: ExactProblem, placed: tuple[int, ...]) -> int:
    """The least new load any allocation placing `placed` households per tier can add."""
    by_tier: dict[int, list[int]] = {}
    for h, household in enumerate(ex.households):
        weight = ex.points[h] + (ex.secondary[h] if household.co_working else 0)
        by_tier.setdefault(household.tier, []).append(weight)
    return sum(sum(sorted(loads)[:placed[t]]) for t, loads in by_tier.items())


def max_load_floor(cm: CountModel, placed: tuple[int, ...], amber: int | None = None) -> int:
    """A lower bound on level 3: the integer water level.

    Whatever the allocation, the new load D (at least :func:`least_added_load`)
    goes to workers who then sit at or below the max load % T; each can take at
    most floor(T x B / 10,000) - L whole units (and no more than their ceiling
    room). The smallest T whose rooms add up to D bounds T from below. With
    whole-number loads this is tighter than the LP's fluid level.

    With `amber` (level 2's value, fixed before level 3), only that many workers may
    go beyond their room in the acceptable band: an overloaded team's bound then
    rises to where the few workers allowed into amber can carry the rest.
    """
    key = ("max_load", placed, amber)
    known = cm.floors.get(key)
    if known is None:
        known = cm.floors[key] = _max_load_floor(cm, placed, amber)
    return known


def _max_load_floor(cm: CountModel, placed: tuple[int, ...], amber: int | None) -> int:
    ex = cm.ex
    need = least_added_load(ex, placed)
    if need <= 0:
        return ex.standing
    takers = [w for w in cm.added_ub if ex.benchmark[w] > 0]

    def room(w: int, level: int) -> tuple[int, int]:
        r = max(0, min(level * ex.benchmark[w] // PCT_UNITS - ex.load[w], cm.added_ub[w]))
        calm = acceptable_room(ex, w)
        return (r, r) if amber is None or calm is None or r <= calm else (r, calm)

    level = water_level(takers, room, amber, need, top_upper(cm))
    # None: workers with no benchmark take some of it; no useful bound but the team's
    # highest load % before the meeting
    return ex.standing if level is None else max(level, ex.standing)


def least_load(cm: CountModel, obj: Objective) -> int:
    """:func:`.household_sums.least_load_for_days` for level 1's values
    (once per meeting: the amber and max-load proofs both ask)."""
    key = ("least", obj.placed, obj.waited)
    known = cm.floors.get(key)
    if known is None:
        known = cm.floors[key] = least_load_for_days(cm.ex, obj.placed, obj.waited)
    return known


def amber_floor(cm: CountModel, placed: tuple[int, ...]) -> int:
    """A lower bound on level 2: the fewest workers who must go beyond the acceptable band.

    The new load D (at least :func:`least_added_load`) must fit; a worker kept in the
    acceptable band takes at most their room there, one moved into amber at most their
    room under the ceiling. The fewest workers whose extra room, largest first, covers
    what the acceptable rooms leave over bound level 2 from below.
    """
    ex = cm.ex
    need = least_added_load(ex, placed)
    rooms = []
    for w, most in cm.added_ub.items():
        calm = acceptable_room(ex, w)
        calm = most if calm is None else min(most, calm)
        rooms.append((calm, most - calm))
    return fewest_beyond_band(rooms, need)


def waiting_bound(ex: ExactProblem, obj: Objective) -> int:
    """Most days waited with as many households placed per tier as `obj`: the longest waiting."""
    by_tier: dict[int, list[int]] = {}
    for h in ex.households:
        by_tier.setdefault(h.tier, []).append(h.waiting_days)
    return sum(sum(sorted(days, reverse=True)[:obj.placed[t]]) for t, days in by_tier.items())
