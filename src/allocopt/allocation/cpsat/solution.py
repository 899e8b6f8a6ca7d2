"""Allocations in and out of the count model.

- :class:`Candidate`: a complete allocation as assignments and as the model's
  counts, evaluated once (:func:`candidate`);
- :func:`read_solution`: the solver's counts turned back into households, the
  longest waiting of each type placed first, co-workers paired so nobody co-works
  their own case;
- :func:`set_hints`: a complete allocation written into the model as the solver's
  starting point.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from allocopt.allocation.cpsat.model import BIG_PCT, CountModel
from allocopt.allocation.exact import PCT_UNITS, pct_units, to_assignments
from allocopt.allocation.objective import Objective, evaluate
from allocopt.allocation.problem import Assignment, RoleName
from allocopt.allocation.types import LoadType, waiting_key


@dataclass(frozen=True)
class Candidate:
    """A complete allocation, as assignments and as the model's counts."""

    assignments: tuple[Assignment, ...]
    objective: Objective
    x: dict[tuple[int, int], int]
    s: dict[tuple[int, int], int]
    leads: tuple[int, ...]
    source: str


def candidate(cm: CountModel, assignments: tuple[Assignment, ...], source: str) -> Candidate:
    """Count an allocation in the model's terms (once per allocation and model)."""
    known = cm.counted.get(assignments)
    if known is not None:
        return known if known.source == source else replace(known, source=source)
    ex = cm.ex
    type_of = cm.type_of
    x: dict[tuple[int, int], int] = {}
    s: dict[tuple[int, int], int] = {}
    leads = []
    for a in assignments:
        h, w = ex.household_index[a.household_id], ex.worker_index[a.worker_id]
        key = (type_of[h], w)
        if a.role == "lead":
            x[key] = x.get(key, 0) + 1
            leads.append(h)
        else:
            s[key] = s.get(key, 0) + 1
    found = cm.counted[assignments] = Candidate(
        assignments, evaluate(ex, assignments), x, s, tuple(sorted(leads)), source)
    return found


def read_solution(cm: CountModel, value: cp_model.CpSolver, with_classes: bool,
                  seconds: Mapping[tuple[int, int], int] | None = None) -> tuple[
        Assignment, ...]:
    """Households for the solver's counts: longest waiting placed first, co-workers paired
    (with `seconds`, co-working counts given rather than read from the solver)."""
    ex = cm.ex
    chosen: list[tuple[int, int, RoleName]] = []
    lead_of: dict[int, int] = {}
    # the solver's value method and the model's tables looked up once for the leads'
    # loops (x and groups are properties of the written model; z a field)
    read = value.value
    if with_classes:
        z = cm.z
        for c, cls in enumerate(cm.classes):
            queue = list(cls.households)
            for w in cm.types[cls.type_index].leads:
                var = z.get((c, w))
                n = int(read(var)) if var is not None else 0
                for _ in range(n):
                    lead_of[queue.pop(0)] = w
    else:
        x, groups = cm.x, cm.groups
        for k, t in enumerate(cm.types):
            counts = []
            for w in t.leads:
                var = x.get((k, w))
                n = int(read(var)) if var is not None else 0
                if n:
                    counts.append((w, n))
            if k in groups:
                placed = [p for g in groups[k]
                          for p in g.positions[:int(read(g.placed))]]
                lead_of.update(match_excluded(t, sorted(placed), counts))
                continue
            queue = list(t.households)
            for w, n in counts:
                for _ in range(n):
                    lead_of[queue.pop(0)] = w
    for h, w in lead_of.items():
        chosen.append((h, w, "lead"))
    type_of = cm.type_of
    for k, t in enumerate(cm.types):
        if not t.co_working:
            continue
        slots = []
        for w in t.seconds:
            if seconds is not None:
                slots += [w] * seconds.get((k, w), 0)
                continue
            var = cm.s.get((k, w))
            slots += [w] * (int(read(var)) if var is not None else 0)
        mine = sorted((h for h in lead_of if type_of[h] == k), key=lambda h: waiting_key(ex, h))
        for h, w in pair_co_workers([(h, lead_of[h]) for h in mine], slots).items():
            chosen.append((h, w, "secondary"))
    return to_assignments(ex, chosen)


def match_excluded(t: LoadType, placed: list[int], counts: list[tuple[int, int]]
                   ) -> dict[int, int]:
    """Household -> lead for a type some of whose households exclude a worker: the
    households at `placed` positions shared out as `counts` (worker, how many) says,
    nobody given a household that excludes them.

    Each household excludes at most one worker, and the model keeps every worker within
    the placed households that do not exclude them. Each excluding household goes, in
    order, to the worker (other than the one it excludes) with the least slack
    (households left that the worker may take, less the count still owed to them): at
    most one worker other than the excluded one can have no slack, so it is served first
    and every worker's count stays within what is left for them (Hall's condition holds
    after each step). The other households then fill the counts in order.
    """
    owed = dict(counts)
    against = {p: w for w, at in t.excluded.items() for p in at if p in set(placed)}
    left_for = {w: len(placed) - sum(1 for p in t.excluded.get(w, ()) if p in against)
                for w in owed}
    out: dict[int, int] = {}
    order = [w for w, _ in counts]
    rank = {w: i for i, w in enumerate(order)}
    for p in sorted(against):
        u = against[p]
        choices = [w for w in order if w != u and owed[w] > 0]
        w = min(choices, key=lambda v: (left_for[v] - owed[v], rank[v]))
        out[t.households[p]] = w
        owed[w] -= 1
        for v in owed:
            if v != u:
                left_for[v] -= 1
    queue = [t.households[p] for p in placed if p not in against]
    for w in order:
        for _ in range(owed[w]):
            out[queue.pop(0)] = w
    return out


def pair_co_workers(leads: list[tuple[int, int]], slots: list[int]) -> dict[int, int]:
    """Match co-worker slots to households so no worker co-works a case they lead.

    Kuhn's augmenting paths; a perfect matching exists whenever no worker holds
    more than half... precisely, more than the number of households, of lead and
    co-worker places together (the model's constraint).
    """
    match_slot: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j, w in enumerate(slots):
            if w == leads[i][1] or j in seen:
                continue
            seen.add(j)
            if j not in match_slot or augment(match_slot[j], seen):
                match_slot[j] = i
                return True
        return False

    for i in range(len(leads)):
        augment(i, set())
    return {leads[i][0]: slots[j] for j, i in match_slot.items()}


def hint_values(cm: CountModel, cand: Candidate) -> dict[cp_model.IntVar, int]:
    """Every model variable's value under a complete allocation."""
    ex = cm.ex
    values: dict[cp_model.IntVar, int] = {}
    for key, var in cm.x.items():
        values[var] = cand.x.get(key, 0)
    for key, var in cm.s.items():
        values[var] = cand.s.get(key, 0)
    added = {w: 0 for w in cm.added}
    for (k, w), n in cand.x.items():
        added[w] = added.get(w, 0) + n * cm.types[k].points
    for (k, w), n in cand.s.items():
        added[w] = added.get(w, 0) + n * cm.types[k].secondary
    for w, var in cm.added.items():
        values[var] = added[w]
    for k, (d_var, prefix) in cm.waited.items():
        n = sum(v for (kk, _), v in cand.x.items() if kk == k)
        values[d_var] = prefix[n]
    for w, var in cm.amber.items():
        acc = ex.acceptable_max[w]
        values[var] = int(acc is not None and added[w] > 0 and ex.load[w] + added[w] > acc)
    top = 0
    for w, var in cm.receives.items():
        values[var] = int(added[w] > 0)
        if added[w] > 0:
            top = max(top, pct_units(ex.load[w] + added[w], ex.benchmark[w])
                      if ex.benchmark[w] > 0 else BIG_PCT)
    if cm.top is not None:
        values[cm.top] = max(top, ex.standing)
    if cm.groups:
        led = set(cand.leads)
        for k, groups in cm.groups.items():
            members = cm.types[k].households
            for g in groups:
                n = sum(1 for p in g.positions if members[p] in led)
                values[g.placed] = n
                if g.waited is not None:
                    values[g.waited] = g.prefix[n]
    if cm.dev:
        team = list(ex.team)
        total = sum(added.get(w, 0) for w in team)
        sb = sum(ex.benchmark[w] for w in team)
        sl = sum(ex.load[w] for w in team) + total
        for w, var in cm.dev.items():
            b = ex.benchmark[w]
            top_w = PCT_UNITS * ((ex.load[w] + added.get(w, 0)) * sb - b * sl)
            values[var] = max(0, -(-top_w // (b * sb)))
    return values


def set_hints(cm: CountModel, cand: Candidate, extra: dict[cp_model.IntVar, int] | None = None
              ) -> None:
    cm.model.clear_hints()  # type: ignore[no-untyped-call]
    # the rows CpModel.add_hint appends to, filled at once (one call per variable
    # cost more than the rest of this function)
    pairs = [*hint_values(cm, cand).items(), *(extra or {}).items()]
    hint = cm.model.proto.solution_hint
    hint.vars.extend([var.index for var, _ in pairs])
    hint.values.extend([int(val) for _, val in pairs])


def team_added(cm: CountModel, c: Candidate) -> int:
    """New load a candidate gives the team (the workers levels 3 and 4 look at)."""
    team = set(cm.ex.team)
    total = sum(n * cm.types[k].points for (k, w), n in c.x.items() if w in team)
    return total + sum(n * cm.types[k].secondary for (k, w), n in c.s.items() if w in team)
