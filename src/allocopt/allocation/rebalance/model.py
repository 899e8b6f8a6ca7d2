"""The rebalancing plan as CP-SAT models, one per phase (see :mod:`.plan`).

Each phase is a small model: one Boolean per (holding of a worker over the
target, worker the eligibility parts of the hard rules allow to receive it); each
receiver stays within every row of the rules' linear forms (new load under the
receiving ceiling, count caps, a student's children, ...); each giver has a
switch "still over", on only if the holdings they give up are not enough.
Stages, each fixed before the next: fewest workers still over, fewest
transfers, most recently allocated work first.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from allocopt.allocation.rebalance.problem import RebalanceProblem, age_weight
from allocopt.allocation.rule_checks import load_ceilings, statically_allowed, worker_limits
from allocopt.allocation.solver import cp_solver

NO_LIMIT = 10**15
"""Room of a receiver no load-only row limits."""


def solve_rebalance(rp: RebalanceProblem, time_limit: float, seed: int
                    ) -> tuple[list[tuple[int, int, str]], str, tuple[str, ...]]:
    """(holding, receiver, purpose) moves; status 'optimal' or 'feasible'; notes."""
    ex = rp.exact
    n = len(ex.workers)
    change = [0] * n
    received: dict[int, list[int]] = {}
    moves: list[tuple[int, int, str]] = []
    notes: list[str] = []
    proven = True
    red_givers = [u for u in range(n) if _over(rp, u, 0, rp.red_max)]
    phases = [("out of red", red_givers, rp.red_max)]
    for purpose, givers, limits in phases:
        found, ok, note = _phase(rp, set(givers), set(), change, received, limits,
                                 time_limit / 2, seed)
        proven &= ok
        notes += note
        for i, v in found:
            _apply(rp, i, v, change, received)
            moves.append((i, v, purpose))
    amber_givers = [u for u in range(n)
                    if _over(rp, u, change[u], rp.target_max)
                    and not _over(rp, u, change[u], rp.red_max)]
    if amber_givers:
        moved = {i for i, _, _ in moves}
        found, ok, note = _phase(rp, set(amber_givers), moved | set(), change, received,
                                 rp.target_max, time_limit / 2, seed,
                                 not_receiving=set(red_givers))
        proven &= ok
        notes += note
        for i, v in found:
            _apply(rp, i, v, change, received)
            moves.append((i, v, "out of amber"))
    return moves, "optimal" if proven else "feasible", tuple(notes)


def _over(rp: RebalanceProblem, w: int, change: int, limits: tuple[int | None, ...]) -> bool:
    top = limits[w]
    return top is not None and rp.exact.load[w] + change > top


def _apply(rp: RebalanceProblem, i: int, v: int, change: list[int],
           received: dict[int, list[int]]) -> None:
    ex = rp.exact
    u = ex.worker_index[rp.holdings[i].worker_id]
    change[u] -= ex.points[i]
    change[v] += ex.points[i]
    received.setdefault(v, []).append(i)


def _phase(rp: RebalanceProblem, givers: set[int], skip: set[int], change: list[int],
           received: dict[int, list[int]], limits: tuple[int | None, ...], time_limit: float,
           seed: int, not_receiving: set[int] | None = None
           ) -> tuple[list[tuple[int, int]], bool, list[str]]:
    """One phase: bring `givers` under `limits` with the fewest, most recent transfers."""
    ex = rp.exact
    if not givers:
        return [], True, []
    blocked = givers | (not_receiving or set())
    m = cp_model.CpModel()
    move: dict[tuple[int, int], cp_model.IntVar] = {}
    items = [i for i, item in enumerate(rp.holdings)
             if i not in skip and ex.worker_index[item.worker_id] in givers]
    for i in items:
        item = rp.holdings[i]
        u = ex.worker_index[item.worker_id]
        for v in range(len(ex.workers)):
            if v == u or v in blocked or ex.workers[v].id == item.co_worker:
                continue
            if not statically_allowed(ex, v, i, "lead"):
                continue
            if _room(rp, v, change) < ex.points[i]:
                continue
            move[i, v] = m.new_bool_var(f"move_{i}_{v}")
        options = [var for (j, _), var in move.items() if j == i]
        if len(options) > 1:
            m.add_at_most_one(options)
    _receiver_limits(rp, m, move, change, received)
    still: dict[int, cp_model.IntVar] = {}
    for u in sorted(givers):
        top = limits[u]
        assert top is not None
        excess = ex.load[u] + change[u] - top
        out = [(var, ex.points[i]) for (i, _), var in move.items()
               if ex.worker_index[rp.holdings[i].worker_id] == u]
        flag = m.new_bool_var(f"still_{u}")
        expr = cp_model.LinearExpr.weighted_sum([v for v, _ in out], [c for _, c in out])
        m.add(expr >= excess).only_enforce_if(flag.negated())
        still[u] = flag
    transfers = cp_model.LinearExpr.sum(list(move.values()))
    age = cp_model.LinearExpr.weighted_sum(
        list(move.values()), [age_weight(rp.holdings[i]) for i, _ in move])
    stages = [cp_model.LinearExpr.sum(list(still.values())), transfers, age]
    proven = True
    solver = cp_solver()
    values: dict[tuple[int, int], int] = {key: 0 for key in move}
    for k, expr in enumerate(stages):
        m.minimize(expr)
        m.clear_hints()  # type: ignore[no-untyped-call]
        for key, var in move.items():
            m.add_hint(var, values[key])
        solver.parameters.max_time_in_seconds = max(time_limit / len(stages), 0.05)
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = seed
        status = solver.solve(m)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            proven = False
            break
        proven &= status == cp_model.OPTIMAL
        values = {key: int(solver.value(var)) for key, var in move.items()}
        best = round(solver.objective_value)
        if k + 1 < len(stages):
            m.add(expr <= best)
    chosen = sorted(((i, v) for (i, v), on in values.items() if on),
                    key=lambda iv: (rp.holdings[iv[0]].worker_id, rp.holdings[iv[0]].household_id))
    notes = [] if proven else ["the rebalancing solve stopped at its time limit"]
    return chosen, proven, notes


def _room(rp: RebalanceProblem, v: int, change: list[int]) -> int:
    """New load worker `v` may still receive under the load-only rows (the ceiling of
    ``rebalancing.receive_up_to``), after earlier phases."""
    top = load_ceilings(rp.exact)[v]
    return NO_LIMIT if top is None else top - rp.exact.load[v] - change[v]


def _receiver_limits(rp: RebalanceProblem, m: cp_model.CpModel,
                     move: dict[tuple[int, int], cp_model.IntVar], change: list[int],
                     received: dict[int, list[int]]) -> None:
    """Each receiver's rows of every hard rule's linear form (room under the ceiling,
    count caps, the student limit, ...), after what earlier phases gave them."""
    ex = rp.exact
    by_receiver: dict[int, list[tuple[int, cp_model.IntVar]]] = {}
    for (i, v), var in move.items():
        by_receiver.setdefault(v, []).append((i, var))
    limits = worker_limits(ex)
    for v, row in by_receiver.items():
        room = _room(rp, v, change)
        if room < NO_LIMIT:
            m.add(sum(ex.points[i] * var for i, var in row) <= room)
        for limit in limits[v]:
            if limit.load_only:
                continue
            before = sum(limit.weight(ex, i, "lead") for i in received.get(v, []))
            terms = [(limit.weight(ex, i, "lead"), var) for i, var in row]
            m.add(sum(c * var for c, var in terms) <= max(0, limit.room - before))
