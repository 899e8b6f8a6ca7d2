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

from allocopt.allocation.exact import ExactProblem, cap_weights
from allocopt.allocation.rules import (
    RULE_LABELS,
    Taken,
    breaches,
    pct_text,
    pin_clashes,
    pin_conflict,
    pinned,
)
from allocopt.domain import Role


def _static_conflicts(ex: ExactProblem, pins: list[tuple[int, int]]) -> list[str]:
    out = []
    for h, w in pins:
        found = breaches(ex, w, h, "lead", Taken())
        if found:
            out.append(pin_conflict(ex, h, w, found, []))
    return out


def pin_conflicts(ex: ExactProblem, time_limit: float = 5.0) -> list[str]:
    """Plain-English conflicts between pins and hard rules (empty if the pins can all hold)."""
    clashes = pin_clashes(ex)
    if clashes:
        return clashes
    pins = pinned(ex)
    static = _static_conflicts(ex, pins)
    if static:
        return static
    m = cp_model.CpModel()
    pin_lits = [m.new_bool_var(f"pin_{i}") for i in range(len(pins))]
    load: dict[int, list[tuple[cp_model.IntVar, int]]] = {}
    counts: dict[int, list[tuple[cp_model.IntVar, int]]] = {}
    for i, (h, w) in enumerate(pins):
        load.setdefault(w, []).append((pin_lits[i], ex.points[h]))
        counts.setdefault(w, []).append((pin_lits[i], h))
        if ex.households[h].co_working:
            options = []
            for v in range(len(ex.workers)):
                if v != w and not breaches(ex, v, h, "secondary", Taken(), first=True):
                    lit = m.new_bool_var(f"second_{i}_{v}")
                    options.append(lit)
                    load.setdefault(v, []).append((lit, ex.secondary[h]))
            m.add(sum(options) == 1).only_enforce_if(pin_lits[i])
    rules = ex.problem.policy.rules
    named: list[tuple[cp_model.IntVar, str, int]] = []
    for w in sorted(load, key=lambda w: ex.workers[w].id):
        top = ex.ceiling_max[w]
        if rules.band_ceiling and top is not None:
            lit = m.new_bool_var(f"ceiling_{w}")
            m.add(sum(v * c for v, c in load[w]) <= max(0, top - ex.load[w])).only_enforce_if(lit)
            named.append((lit, "band_ceiling", w))
    for w in sorted(counts, key=lambda w: ex.workers[w].id):
        worker = ex.workers[w]
        if rules.count_caps:
            for cap in worker.caps:
                weights, whole = cap_weights(cap.limits)
                used = sum(weights[s.value] * worker.counts.get(s, 0) for s in cap.limits)
                terms = [(lit, sum(weights[s.value] * ex.households[h].by_status.get(s, 0)
                                   for s in cap.limits)) for lit, h in counts[w]]
                lit = m.new_bool_var(f"cap_{w}")
                m.add(sum(v * c for v, c in terms) <= max(0, whole - used)).only_enforce_if(lit)
                named.append((lit, "count_caps", w))
        if rules.student_limit and worker.role is Role.STUDENT:
            room = max(0, ex.problem.policy.student_max_children - sum(worker.counts.values()))
            lit = m.new_bool_var(f"student_{w}")
            m.add(sum(v * ex.households[h].children for v, h in counts[w]) <= room
                  ).only_enforce_if(lit)
            named.append((lit, "student_limit", w))
    everything = list(pin_lits) + [lit for lit, _, _ in named]
    core = _core(m, everything, time_limit)
    if core is None:
        return []
    index = {lit.index: i for i, lit in enumerate(pin_lits)}
    rule_of = {lit.index: (name, w) for lit, name, w in named}
    pin_text = [f"{ex.households[pins[index[i]][0]].id} to {ex.workers[pins[index[i]][1]].id}"
                for i in sorted(index) if i in core]
    rule_text = []
    for i in sorted(rule_of):
        if i not in core:
            continue
        name, w = rule_of[i]
        extra = sum(ex.points[pins[index[lit.index]][0]] for lit, _ in load.get(w, [])
                    if lit.index in index and lit.index in core)
        detail = f"{ex.workers[w].id}"
        if name == "band_ceiling":
            detail += (f" would go to {pct_text(ex, w, extra)}, above the "
                       f"{ex.problem.policy.ceiling_band} ceiling")
        rule_text.append(f"{RULE_LABELS[name]} for {detail}")
    return [f"the pins of {', '.join(pin_text)} cannot all hold with "
            + "; ".join(rule_text) if rule_text else
            f"the pins of {', '.join(pin_text)} cannot all hold"]


def _core(m: cp_model.CpModel, lits: list[cp_model.IntVar], time_limit: float) -> set[int] | None:
    """Indices of a minimal set of assumption literals that cannot all be true (None: feasible)."""

    def infeasible(subset: list[cp_model.IntVar]) -> list[int] | None:
        m.clear_assumptions()
        m.add_assumptions(subset)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = time_limit
        solver.parameters.num_workers = 1
        status = solver.solve(m)
        if status != cp_model.INFEASIBLE:
            return None
        return list(solver.sufficient_assumptions_for_infeasibility())

    first = infeasible(lits)
    if first is None:
        return None
    core = [lit for lit in lits if lit.index in set(first)] or list(lits)
    for lit in list(core):  # deletion: keep only literals the conflict needs
        trial = [c for c in core if c.index != lit.index]
        if trial and infeasible(trial) is not None:
            core = trial
    m.clear_assumptions()
    return {lit.index for lit in core}
