"""Which of the manager's pins and which hard rules cannot all hold together.

Only pins can make a meeting infeasible: without them every household may
wait. A pin that breaks a rule on its own (a CP case pinned to a protected
NQSW, say) is named directly. Pins that break a rule only together (three
households pinned to one worker, pushing them into red) are found with CP-SAT
assumptions: one literal per pin and one per (rule, worker) limit, then
``sufficient_assumptions_for_infeasibility``, shrunk by deletion until every
literal left is needed. The explanation names those pins and rules, never just
"infeasible".
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from allocopt.allocation.exact import ExactProblem
from allocopt.allocation.problem import RoleName
from allocopt.allocation.rule_checks import (
    active_rules,
    breaches,
    pin_conflict,
    required,
    worker_limits,
)
from allocopt.allocation.rule_forms import Limit, Taken
from allocopt.allocation.rules import pin_clashes
from allocopt.allocation.solver import cp_solver


def _static_conflicts(ex: ExactProblem, pins: list[tuple[int, int]]) -> list[str]:
    out = []
    for h, w in pins:
        found = breaches(ex, w, h, "lead", Taken())
        if found:
            out.append(pin_conflict(ex, h, w, found, []))
    return out


def pin_conflicts(ex: ExactProblem, time_limit: float = 5.0) -> tuple[list[str], int]:
    """Plain-English conflicts between pins and hard rules (empty if the pins can all
    hold), and the CP-SAT runs it took."""
    clashes = pin_clashes(ex)
    if clashes:
        return clashes, 0
    pins = required(ex)
    static = _static_conflicts(ex, pins)
    if static:
        return static, 0
    m = cp_model.CpModel()
    pin_lits = [m.new_bool_var(f"pin_{i}") for i in range(len(pins))]
    taken: dict[int, list[tuple[cp_model.IntVar, int, RoleName]]] = {}
    for i, (h, w) in enumerate(pins):
        taken.setdefault(w, []).append((pin_lits[i], h, "lead"))
        if ex.households[h].co_working:
            options = []
            for v in range(len(ex.workers)):
                if v != w and not breaches(ex, v, h, "secondary", Taken(), first=True):
                    lit = m.new_bool_var(f"second_{i}_{v}")
                    options.append(lit)
                    taken.setdefault(v, []).append((lit, h, "secondary"))
            m.add(sum(options) == 1).only_enforce_if(pin_lits[i])
    # one literal per row of each worker's limits the pins weigh on: load-only rows
    # (the band ceiling) first, then the others
    limits = worker_limits(ex)
    named: list[tuple[cp_model.IntVar, Limit, int]] = []
    workers = sorted(taken, key=lambda w: ex.workers[w].id)
    for load_only in (True, False):
        for w in workers:
            for row in limits[w]:
                if row.load_only != load_only:
                    continue
                terms = [(lit, row.weight(ex, h, role)) for lit, h, role in taken[w]]
                terms = [(lit, c) for lit, c in terms if c > 0]
                if not terms:
                    continue
                lit = m.new_bool_var(f"{row.rule}_{w}")
                m.add(sum(v * c for v, c in terms) <= row.room).only_enforce_if(lit)
                named.append((lit, row, w))
    everything = list(pin_lits) + [lit for lit, _, _ in named]
    core, solves = _core(m, everything, time_limit)
    if core is None:
        return [], solves
    index = {lit.index: i for i, lit in enumerate(pin_lits)}
    pin_text = [f"{ex.households[pins[index[i]][0]].id} to {ex.workers[pins[index[i]][1]].id}"
                for i in sorted(index) if i in core]
    rules = {rule.name: rule for rule in active_rules(ex)}
    rule_text = []
    for lit, row, w in sorted(named, key=lambda n: n[0].index):
        if lit.index not in core:
            continue
        # what the pins in the conflict weigh on this row
        total = sum(row.weight(ex, h, role) for pin, h, role in taken[w]
                    if pin.index in index and pin.index in core)
        rule = rules[row.rule]
        assert rule.over is not None
        rule_text.append(f"{rule.label} for {rule.over(ex, w, None, row, total)}")
    return [f"the pins of {', '.join(pin_text)} cannot all hold with "
            + "; ".join(rule_text) if rule_text else
            f"the pins of {', '.join(pin_text)} cannot all hold"], solves


def _core(m: cp_model.CpModel, lits: list[cp_model.IntVar], time_limit: float
          ) -> tuple[set[int] | None, int]:
    """Indices of a minimal set of assumption literals that cannot all be true (None:
    feasible), and the solves it took."""
    runs = [0]

    def infeasible(subset: list[cp_model.IntVar]) -> list[int] | None:
        runs[0] += 1
        m.clear_assumptions()
        m.add_assumptions(subset)
        solver = cp_solver()
        solver.parameters.max_time_in_seconds = time_limit
        solver.parameters.num_workers = 1
        status = solver.solve(m)
        if status != cp_model.INFEASIBLE:
            return None
        return list(solver.sufficient_assumptions_for_infeasibility())

    first = infeasible(lits)
    if first is None:
        return None, runs[0]
    core = [lit for lit in lits if lit.index in set(first)] or list(lits)
    for lit in list(core):  # deletion: keep only literals the conflict needs
        trial = [c for c in core if c.index != lit.index]
        if trial and infeasible(trial) is not None:
            core = trial
    m.clear_assumptions()
    return {lit.index for lit in core}, runs[0]
