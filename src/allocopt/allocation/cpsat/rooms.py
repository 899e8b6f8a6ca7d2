"""How many households of each load type each worker may take: the count model's bounds.

For each load type, the workers the eligibility parts of the rules allow to lead
it (and to co-work it), and for each the most households of the type the linear
parts let them take on their own (:func:`allocopt.allocation.rule_checks.worker_limits`):
the room of the load-only rows (the band ceiling) over the type's points, each
other row's room over the type's weight in it (a count cap, a student's children,
court households, ...), and the type's size less those of its households that
exclude the worker. The CP-SAT model (:mod:`.model`) creates a variable for each
pair with a positive bound; the LP bounds (:mod:`.bounds.count_lp`) sum them over
workers alike. Worked out once per model, with numpy over the workers of each type.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from allocopt.allocation.exact import ExactProblem
from allocopt.allocation.problem import RoleName
from allocopt.allocation.rule_checks import load_rooms, other_limits
from allocopt.allocation.rule_forms import Limit
from allocopt.allocation.types import LoadType

IntArray = npt.NDArray[np.int64]
UNBOUNDED = np.iinfo(np.int64).max // 4


class TypeWeights:
    """A row's weight for a load type's households, once per kind of row and type (many
    workers share the same rows: every NQSW the same cap)."""

    def __init__(self, ex: ExactProblem, types: list[LoadType]) -> None:
        self.ex = ex
        self.types = types
        self.known: dict[tuple[tuple[tuple[str, int], ...], int, RoleName], int] = {}

    def of(self, row: Limit, k: int, role: RoleName) -> int:
        key = (row.weights, k, role)
        found = self.known.get(key)
        if found is None:
            found = self.known[key] = row.weight(self.ex, self.types[k].rep, role)
        return found


@dataclass(frozen=True)
class RowKind:
    """Rows of one form (the same weights) held by several workers: an NQSW cap, say."""

    row: Limit
    """One of them (their weights are the same)."""
    workers: IntArray
    rooms: IntArray
    """Each worker's room left in the row (the same order as `workers`)."""


@dataclass(frozen=True)
class PairRooms:
    """Per load type k: the workers who may take it and the most each may take."""

    leads: list[IntArray]
    lead_most: list[IntArray]
    seconds: list[IntArray]
    second_most: list[IntArray]
    load_room: IntArray
    """Per worker: new load the load-only rows still allow (UNBOUNDED without such a row)."""
    kinds: list[RowKind]
    """The other rows, grouped by form."""
    weights: TypeWeights


def pair_rooms(ex: ExactProblem, types: list[LoadType]) -> PairRooms:
    """The bounds of every (load type, worker) pair (module docstring)."""
    load_room = np.array([UNBOUNDED if r is None else r for r in load_rooms(ex)],
                         dtype=np.int64)
    others = other_limits(ex)
    weights = TypeWeights(ex, types)
    grouped: dict[Hashable, tuple[Limit, list[int], list[int]]] = {}
    for w, rows in enumerate(others):
        seen: dict[Hashable, int] = {}
        for row in rows:
            form = (row.rule, row.weights)
            seen[form] = seen.get(form, 0) + 1  # a worker may hold two rows of one form
            entry = grouped.setdefault((*form, seen[form]), (row, [], []))
            entry[1].append(w)
            entry[2].append(row.room)
    kinds = [RowKind(row, np.array(ws, dtype=np.int64), np.array(rooms, dtype=np.int64))
             for row, ws, rooms in grouped.values()]
    room_of = []
    for kind in kinds:
        full = np.full(len(ex.workers), UNBOUNDED, dtype=np.int64)
        full[kind.workers] = kind.rooms
        room_of.append(full)

    def most(k: int, ws: IntArray, role: RoleName, load: int) -> IntArray:
        t = types[k]
        out = np.full(len(ws), t.size, dtype=np.int64)
        if not len(ws):
            return out
        if load > 0:
            out = np.minimum(out, load_room[ws] // load)
        for kind, room in zip(kinds, room_of, strict=True):
            used = weights.of(kind.row, k, role)
            if used > 0:
                out = np.minimum(out, room[ws] // used)
        if t.excluded:
            cut = np.array([len(t.excluded.get(int(w), ())) for w in ws], dtype=np.int64)
            out = np.minimum(out, t.size - cut)
        return np.maximum(out, 0)

    leads, lead_most, seconds, second_most = [], [], [], []
    for k, t in enumerate(types):
        ws = np.array(t.leads, dtype=np.int64)
        leads.append(ws)
        lead_most.append(most(k, ws, "lead", t.points))
        ss = np.array(t.seconds if t.co_working else (), dtype=np.int64)
        seconds.append(ss)
        second_most.append(most(k, ss, "secondary", t.secondary))
    return PairRooms(leads, lead_most, seconds, second_most, load_room, kinds, weights)
