"""A reference formulation of the allocation meeting, written for the benchmark only.

NOT part of allocopt and not used to decide anything: a compact CP-SAT model of the
same meeting as described in /work/shared/OPTIMISER-NOTES.md, to compare allocopt
with side by side in the same run (``allocate_bench.py --methods reference``).

- households grouped by type (tier, points as lead and co-worker, statuses, capped
  children), a household that is pinned or has an exclusion a type of its own;
  integer counts per (type, worker), the same hard rules in exact integers
  (allocopt's rule checks decide eligibility, its exact problem the rooms);
- two starting points: the manager's rule and best fit decreasing packing;
- four lexicographic stages: households placed by priority tier, workers moved into
  amber, max load % of the workers given work, spread above a fixed team mean with
  one chord cut per worker; each stage has a fixed share of the time limit and is
  skipped when the start meets its LP bound (priority, GLOP);
- the counts read back longest waiting first.
"""

from __future__ import annotations

import math
import time
from collections.abc import Hashable
from dataclasses import dataclass

from ortools.linear_solver import pywraplp  # type: ignore[import-untyped]
from ortools.sat.python import cp_model

from allocopt.allocation.cpsat.bounds.facets import spread_facets, worker_amounts
from allocopt.allocation.exact import PCT_UNITS, ExactProblem, exact_problem, to_assignments
from allocopt.allocation.greedy import GreedyAllocator
from allocopt.allocation.objective import evaluate, tier_sizes, tier_weights
from allocopt.allocation.packing import packing_assignments
from allocopt.allocation.problem import AllocationProblem, Assignment, RoleName
from allocopt.allocation.rule_checks import load_rooms, other_limits, statically_allowed

SHARES = (0.4, 0.2, 0.2, 0.2)


@dataclass(frozen=True)
class ReferenceRun:
    assignments: tuple[Assignment, ...]
    build_seconds: float
    stages: str
    status: str


@dataclass
class _Type:
    members: list[int]
    leads: list[int]
    seconds: list[int]


def _types(ex: ExactProblem) -> list[_Type]:
    policy = ex.problem.policy
    own = {p.household for p in policy.pins} | {e.household for e in policy.exclusions}
    capped = {s for w in ex.workers for cap in w.caps for s in cap.limits}
    groups: dict[Hashable, list[int]] = {}
    for h, hh in enumerate(ex.households):
        if hh.id in own:
            key: Hashable = ("own", hh.id)
        else:
            key = (hh.tier, ex.points[h], ex.secondary[h], hh.co_working,
                   tuple(sorted(s.value for s, n in hh.by_status.items() if n)),
                   tuple(sorted((s.value, n) for s, n in hh.by_status.items() if s in capped)),
                   hh.children, hh.court, hh.tier_name)
        groups.setdefault(key, []).append(h)
    out = []
    for key in sorted(groups, key=repr):
        members = sorted(groups[key], key=lambda h: (-ex.households[h].waiting_days,
                                                     ex.households[h].id))
        rep = members[0]
        leads = [w for w in range(len(ex.workers)) if statically_allowed(ex, w, rep, "lead")]
        seconds = ([w for w in range(len(ex.workers))
                    if statically_allowed(ex, w, rep, "secondary")]
                   if ex.households[rep].co_working else [])
        out.append(_Type(members, leads, seconds))
    return out


def reference_allocate(problem: AllocationProblem, limit: float) -> ReferenceRun:
    start = time.perf_counter()
    ex = exact_problem(problem)
    types = _types(ex)
    ceiling = load_rooms(ex)
    others = other_limits(ex)
    m = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    s: dict[tuple[int, int], cp_model.IntVar] = {}
    load: dict[int, list[tuple[cp_model.IntVar, int]]] = {}
    rows: dict[tuple[int, int], list[tuple[cp_model.IntVar, int]]] = {}
    placed: list[cp_model.LinearExprT] = []
    for k, t in enumerate(types):
        h0 = t.members[0]
        rep = ex.households[h0]
        points, second = ex.points[h0], ex.secondary[h0]
        for w in t.leads:
            ub = len(t.members)
            room = ceiling[w]
            if room is not None and points > 0:
                ub = min(ub, room // points)
            used = [(i, row.weight(ex, h0, "lead")) for i, row in enumerate(others[w])]
            for i, u in used:
                if u > 0:
                    ub = min(ub, others[w][i].room // u)
            if ub <= 0:
                continue
            v = x[k, w] = m.new_int_var(0, ub, "")
            load.setdefault(w, []).append((v, points))
            for i, u in used:
                if u > 0:
                    rows.setdefault((w, i), []).append((v, u))
        total = cp_model.LinearExpr.sum([x[k, w] for w in t.leads if (k, w) in x])
        placed.append(total)
        m.add(total <= len(t.members))
        if rep.id in {p.household for p in problem.policy.pins}:
            m.add(total == 1)
        if rep.co_working:
            col = []
            for w in t.seconds:
                ub = len(t.members)
                room = ceiling[w]
                if room is not None and second > 0:
                    ub = min(ub, room // second)
                if ub > 0:
                    v = s[k, w] = m.new_int_var(0, ub, "")
                    col.append(v)
                    load.setdefault(w, []).append((v, second))
                    if (k, w) in x:
                        m.add(x[k, w] + v <= total)
            m.add(cp_model.LinearExpr.sum(col) == total)
    added: dict[int, cp_model.IntVar] = {}
    for w, row in load.items():
        most = sum(c * _ub(v) for v, c in row)
        room = ceiling[w]
        if room is not None:
            most = min(most, room)
        added[w] = m.new_int_var(0, most, "")
        m.add(added[w] == cp_model.LinearExpr.weighted_sum([v for v, _ in row],
                                                           [c for _, c in row]))
    for (w, i), row in rows.items():
        m.add(cp_model.LinearExpr.weighted_sum([v for v, _ in row], [c for _, c in row])
              <= others[w][i].room)
    # level variables
    amber = []
    amber_of: dict[int, cp_model.IntVar] = {}
    receives = {}
    for w, var in added.items():
        ub = _ub(var)
        acc = ex.acceptable_max[w]
        if acc is not None and ub > max(0, acc - ex.load[w]):
            f = m.new_bool_var("")
            room = max(0, acc - ex.load[w])
            m.add(var <= room + (ub - room) * f)
            amber.append(f)
            amber_of[w] = f
        y = m.new_bool_var("")
        m.add(var <= max(ub, 1) * y)
        m.add(var >= y)
        receives[w] = y
    top = m.new_int_var(0, 10**7, "")
    for w, y in receives.items():
        b = ex.benchmark[w]
        if b > 0:
            m.add(PCT_UNITS * (ex.load[w] + added[w]) <= b * top).only_enforce_if(y)
        else:
            m.add(top >= 10**6).only_enforce_if(y)
    level_vars = (added, amber_of, receives, top)
    build = time.perf_counter() - start
    # starting points
    hints = [GreedyAllocator(objective=False).allocate(problem).assignments,
             packing_assignments(ex)]
    best = min(hints, key=lambda a: _key(ex, a))
    weights = tier_weights(ex)
    tiers = [weights[ex.households[t.members[0]].tier] for t in types]
    prio = cp_model.LinearExpr.weighted_sum(placed, tiers)
    outcomes = []
    deadline = start + limit
    lp_bound = _priority_lp(ex, types, x, s, ceiling)
    solver = cp_model.CpSolver()
    # the same presolve settings as allocopt's for large models (probing and repeated
    # symmetry detection cost seconds before the first search step)
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.symmetry_level = 0
    solver.parameters.max_presolve_iterations = 1
    obj = evaluate(ex, best)
    current = sum(weights[t] * n for t, n in enumerate(obj.placed))
    stage_exprs: list[tuple[cp_model.LinearExprT, bool]] = [
        (prio, True), (cp_model.LinearExpr.sum(amber), False), (top, False)]
    for i, (expr, maximise) in enumerate(stage_exprs):
        if i == 0 and current >= lp_bound:
            outcomes.append("S")
            m.add(expr >= current)
            continue
        _hint(m, ex, types, x, s, best, level_vars)
        (m.maximize if maximise else m.minimize)(expr)
        solver.parameters.max_time_in_seconds = max(
            (deadline - time.perf_counter()) * SHARES[i] / sum(SHARES[i:]), 0.01)
        solver.parameters.num_workers = 2
        status = solver.solve(m)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            outcomes.append("T")
            break
        outcomes.append("P" if status == cp_model.OPTIMAL else "T")
        found = _read(ex, types, x, s, solver)
        if _key(ex, found) < _key(ex, best):
            best = found
        value = round(solver.objective_value)
        if status != cp_model.OPTIMAL:
            o = evaluate(ex, best)
            value = [sum(weights[t] * n for t, n in enumerate(o.placed)), o.amber,
                     o.max_load][i]
        m.add(expr >= value if maximise else expr <= value)
    # spread above the mean fixed by the placed load, one chord cut per worker
    if len(outcomes) == 3 and ex.team:
        o = evaluate(ex, best)
        pool = list(ex.team)
        total = sum(_added(ex, best)[w] for w in pool)
        m.add(cp_model.LinearExpr.sum([added[w] for w in pool if w in added]) == total)
        sb = sum(ex.benchmark[w] for w in pool)
        sl = sum(ex.load[w] for w in pool) + total
        devs = []
        for w in pool:
            b = ex.benchmark[w]
            d = m.new_int_var(0, 10**7, "")
            a = added.get(w)
            if a is None:
                m.add(d * b * sb >= PCT_UNITS * (sb * ex.load[w] - b * sl))
            else:
                m.add(d * b * sb >= PCT_UNITS * (sb * (ex.load[w] + a) - b * sl))
                # one cut: the first piece of the hull of the term over the loads the
                # worker can reach, from the mean to one household more
                chunks = [(ex.points[t.members[0]], _ub(x[k, w])) for k, t in enumerate(types)
                          if (k, w) in x]
                facets = spread_facets(ex.load[w], b, sb, sl,
                                       worker_amounts(chunks, _ub(a)))
                if facets:
                    f = facets[0]
                    m.add(f.run * d >= f.rise * a + f.offset)
            devs.append(d)
        _hint(m, ex, types, x, s, best, level_vars)
        m.minimize(cp_model.LinearExpr.sum(devs))
        solver.parameters.max_time_in_seconds = max(deadline - time.perf_counter(), 0.01)
        status = solver.solve(m)
        outcomes.append("P" if status == cp_model.OPTIMAL else "T")
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = _read(ex, types, x, s, solver)
            if _key(ex, found) < _key(ex, best):
                best = found
        del o
    status = "optimal" if all(c in "SP" for c in outcomes) else "feasible"
    return ReferenceRun(best, build, "".join(outcomes), status)


def _ub(v: cp_model.IntVar) -> int:
    d = v.proto.domain
    return int(d[len(d) - 1])


def _key(ex: ExactProblem, a: tuple[Assignment, ...]) -> tuple[int, ...]:
    o = evaluate(ex, a)
    return (*(-p for p in o.placed), o.amber, o.max_load, o.spread)


def _added(ex: ExactProblem, a: tuple[Assignment, ...]) -> list[int]:
    out = [0] * len(ex.workers)
    for x in a:
        h, w = ex.household_index[x.household_id], ex.worker_index[x.worker_id]
        out[w] += ex.points[h] if x.role == "lead" else ex.secondary[h]
    return out


def _hint(m: cp_model.CpModel, ex: ExactProblem, types: list[_Type],
          x: dict[tuple[int, int], cp_model.IntVar], s: dict[tuple[int, int], cp_model.IntVar],
          a: tuple[Assignment, ...], level_vars: tuple[dict[int, cp_model.IntVar],
                                                       dict[int, cp_model.IntVar],
                                                       dict[int, cp_model.IntVar],
                                                       cp_model.IntVar]) -> None:
    type_of = {h: k for k, t in enumerate(types) for h in t.members}
    counts: dict[tuple[str, int, int], int] = {}
    for y in a:
        h, w = ex.household_index[y.household_id], ex.worker_index[y.worker_id]
        key = ("x" if y.role == "lead" else "s", type_of[h], w)
        counts[key] = counts.get(key, 0) + 1
    m.clear_hints()  # type: ignore[no-untyped-call]
    for (k, w), v in x.items():
        m.add_hint(v, counts.get(("x", k, w), 0))
    for (k, w), v in s.items():
        m.add_hint(v, counts.get(("s", k, w), 0))
    added, amber_of, receives, top = level_vars
    extra = _added(ex, a)
    highest = 0
    for w, v in added.items():
        m.add_hint(v, extra[w])
        if w in amber_of:
            acc = ex.acceptable_max[w]
            m.add_hint(amber_of[w], int(acc is not None and extra[w] > 0
                                        and ex.load[w] + extra[w] > acc))
        m.add_hint(receives[w], int(extra[w] > 0))
        if extra[w] > 0:
            b = ex.benchmark[w]
            highest = max(highest, -(-PCT_UNITS * (ex.load[w] + extra[w]) // b) if b > 0
                          else 10**6)
    m.add_hint(top, highest)


def _read(ex: ExactProblem, types: list[_Type], x: dict[tuple[int, int], cp_model.IntVar],
          s: dict[tuple[int, int], cp_model.IntVar], solver: cp_model.CpSolver
          ) -> tuple[Assignment, ...]:
    chosen: list[tuple[int, int, RoleName]] = []
    for k, t in enumerate(types):
        queue = list(t.members)
        leads = []
        for w in t.leads:
            if (k, w) in x:
                for _ in range(int(solver.value(x[k, w]))):
                    h = queue.pop(0)
                    chosen.append((h, w, "lead"))
                    leads.append((h, w))
        slots = [w for w in t.seconds if (k, w) in s for _ in range(int(solver.value(s[k, w])))]
        for h, lead in leads:
            for j, w in enumerate(slots):
                if w != lead:
                    chosen.append((h, w, "secondary"))
                    slots.pop(j)
                    break
    return to_assignments(ex, chosen)


def _priority_lp(ex: ExactProblem, types: list[_Type], x: dict[tuple[int, int], cp_model.IntVar],
                 s: dict[tuple[int, int], cp_model.IntVar], ceiling: list[int | None]) -> int:
    """Weighted priority bound: the LP tier by tier, each tier held at its floor."""
    lp = pywraplp.Solver.CreateSolver("GLOP")
    inf = lp.infinity()
    cols: dict[tuple[int, int], pywraplp.Variable] = {}
    rows: dict[int, pywraplp.Constraint] = {}
    for (k, w), v in x.items():
        cols[k, w] = lp.NumVar(0, _ub(v), "")
        room = ceiling[w]
        rows.setdefault(w, lp.Constraint(-inf, inf if room is None else room)).SetCoefficient(
            cols[k, w], ex.points[types[k].members[0]])
    for k, t in enumerate(types):
        row = lp.Constraint(-inf, len(t.members))
        for w in t.leads:
            if (k, w) in cols:
                row.SetCoefficient(cols[k, w], 1)
    weights = tier_weights(ex)
    sizes = tier_sizes(ex)
    bound = 0
    objective = lp.Objective()
    for tier, n in enumerate(sizes):
        if not n:
            continue
        mine = [v for (k, w), v in cols.items() if ex.households[types[k].members[0]].tier == tier]
        objective.Clear()
        for v in mine:
            objective.SetCoefficient(v, 1)
        objective.SetMaximization()
        value = objective.Value() if lp.Solve() == pywraplp.Solver.OPTIMAL else float(n)
        floor = min(n, math.floor(value + 1e-6))
        bound += weights[tier] * floor
        hold = lp.Constraint(floor - 1e-6, inf)
        for v in mine:
            hold.SetCoefficient(v, 1)
    del s
    return bound
