"""The naive formulation, kept as a comparator for the benchmark.

One Boolean per (worker, household) pair the static rules allow, the same hard
rules in exact integers, and the same first levels solved in stages (priority,
workers into amber, max load %, spread around a free mean), with no household
types, no starting solution, no bounds and no symmetry breaking. It shows what
the modelling in :mod:`allocopt.allocation.cpsat` buys; it is not used to decide
anything.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from allocopt.allocation.cpsat.model import upper
from allocopt.allocation.exact import PCT_UNITS, ExactProblem, pct_units
from allocopt.allocation.objective import tier_sizes, tier_weights
from allocopt.allocation.problem import Assignment
from allocopt.allocation.rule_checks import load_rooms, other_limits, statically_allowed

MAX_WEIGHT = 2**50


@dataclass(frozen=True)
class NaiveRun:
    assignments: tuple[Assignment, ...]
    build_seconds: float
    solve_seconds: float
    outcomes: tuple[str, ...]
    variables: int


def naive_allocate(ex: ExactProblem, time_limit: float, workers: int = 2,
                   seed: int = 0) -> NaiveRun:
    """Build and solve the pair model; the time limit is for solving, shared by the stages."""
    start = time.perf_counter()
    m = cp_model.CpModel()
    ceiling = load_rooms(ex)
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    s: dict[tuple[int, int], cp_model.IntVar] = {}
    for h, household in enumerate(ex.households):
        for w in range(len(ex.workers)):
            if statically_allowed(ex, w, h, "lead"):
                x[w, h] = m.new_bool_var("")
            if household.co_working and statically_allowed(ex, w, h, "secondary"):
                s[w, h] = m.new_bool_var("")
    by_h: dict[int, list[cp_model.IntVar]] = {}
    by_h2: dict[int, list[cp_model.IntVar]] = {}
    loads: dict[int, list[tuple[cp_model.IntVar, int]]] = {}
    for (w, h), var in x.items():
        by_h.setdefault(h, []).append(var)
        loads.setdefault(w, []).append((var, ex.points[h]))
    for (w, h), var in s.items():
        by_h2.setdefault(h, []).append(var)
        loads.setdefault(w, []).append((var, ex.secondary[h]))
        if (w, h) in x:
            m.add(x[w, h] + var <= 1)
    placed: dict[int, cp_model.LinearExpr] = {}
    for h, leads in by_h.items():
        placed[h] = cp_model.LinearExpr.sum(leads)
        m.add_at_most_one(leads)
        if ex.households[h].co_working:
            m.add(cp_model.LinearExpr.sum(by_h2.get(h, [])) == placed[h])
    added: dict[int, cp_model.IntVar] = {}
    for w, weighted in loads.items():
        most = sum(c for _, c in weighted)
        room = ceiling[w]
        if room is not None:
            most = min(most, room)
        var = m.new_int_var(0, most, "")
        m.add(var == cp_model.LinearExpr.weighted_sum([v for v, _ in weighted],
                                                      [c for _, c in weighted]))
        added[w] = var
        # every other row of the hard rules' linear forms (count caps, ...)
        for limit in other_limits(ex)[w]:
            terms = [(x[w, h], limit.weight(ex, h, "lead")) for (ww, h) in x if ww == w]
            terms += [(s[w, h], limit.weight(ex, h, "secondary")) for (ww, h) in s if ww == w]
            m.add(sum(c * v for v, c in terms if c) <= limit.room)
    tiers = tier_weights(ex)
    stages: list[tuple[cp_model.LinearExprT, bool]] = []
    total_weight = sum(t * n for t, n in zip(tiers, tier_sizes(ex), strict=True))
    if total_weight <= MAX_WEIGHT:
        stages.append((cp_model.LinearExpr.weighted_sum(
            list(placed.values()), [tiers[ex.households[h].tier] for h in placed]), True))
    else:
        for tier in range(len(tiers)):
            in_tier = [placed[h] for h in placed if ex.households[h].tier == tier]
            if in_tier:
                stages.append((cp_model.LinearExpr.sum(in_tier), True))
    amber = []
    receives = {}
    top_ub = 0
    for w, var in added.items():
        ub = upper(var)
        acc = ex.acceptable_max[w]
        if acc is not None and ub > max(0, acc - ex.load[w]):
            flag = m.new_bool_var("")
            room = max(0, acc - ex.load[w])
            m.add(var <= room + (ub - room) * flag)
            amber.append(flag)
        y = m.new_bool_var("")
        m.add(var <= max(ub, 1) * y)
        receives[w] = y
        top_ub = max(top_ub, pct_units(ex.load[w] + ub, ex.benchmark[w]))
    top = m.new_int_var(0, max(top_ub, 10**6), "")
    for w, y in receives.items():
        if ex.benchmark[w] > 0:
            m.add(PCT_UNITS * (ex.load[w] + added[w]) <= ex.benchmark[w] * top).only_enforce_if(y)
    stages.append((cp_model.LinearExpr.sum(amber), False))
    stages.append((top, False))
    pool = list(ex.team)
    if pool:
        sb = sum(ex.benchmark[w] for w in pool)
        sl = sum(ex.load[w] for w in pool)
        total_added = m.new_int_var(0, 10**9, "")
        m.add(total_added == cp_model.LinearExpr.sum([added[w] for w in pool if w in added]))
        devs = []
        for w in pool:
            b = ex.benchmark[w]
            d = m.new_int_var(0, 10**7, "")
            dev_terms = [d, total_added]
            coefs = [b * sb, PCT_UNITS * b]
            if w in added:
                dev_terms.append(added[w])
                coefs.append(-PCT_UNITS * sb)
            m.add(cp_model.LinearExpr.weighted_sum(dev_terms, coefs)
                  >= PCT_UNITS * (sb * ex.load[w] - b * sl))
            devs.append(d)
        stages.append((cp_model.LinearExpr.sum(devs), False))
    build = time.perf_counter() - start
    values: dict[tuple[str, int, int], int] = {}
    outcomes = []
    solver = cp_model.CpSolver()
    deadline = time.perf_counter() + time_limit
    for i, (expr, maximise) in enumerate(stages):
        if maximise:
            m.maximize(expr)
        else:
            m.minimize(expr)
        # the first stage (finding any allocation) may use half the limit, the rest share
        left = max(deadline - time.perf_counter(), 0.01)
        solver.parameters.max_time_in_seconds = left / 2 if i == 0 else left / (len(stages) - i)
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = seed
        status = solver.solve(m)
        outcomes.append(solver.status_name(status).lower())
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break
        value = round(solver.objective_value)
        values = {("x", w, h): int(solver.value(v)) for (w, h), v in x.items()}
        values |= {("s", w, h): int(solver.value(v)) for (w, h), v in s.items()}
        m.add(expr >= value if maximise else expr <= value)
    assignments = []
    for (kind, w, h), on in values.items():
        if on:
            assignments.append(Assignment(
                ex.households[h].id, ex.workers[w].id, "lead" if kind == "x" else "secondary",
                ex.households[h].points if kind == "x" else ex.households[h].secondary_points))
    assignments.sort(key=lambda a: (a.household_id, a.role != "lead"))
    return NaiveRun(tuple(assignments), build, time.perf_counter() - start - build,
                    tuple(outcomes), len(x) + len(s))

