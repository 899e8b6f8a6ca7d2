"""The allocation meeting as a CP-SAT model, solved stage by stage.

Data -> model -> solve -> read, each a function (the OR-Tools samples' shape):

- :func:`build_model` builds the count model once: for each load type
  (:mod:`allocopt.allocation.types`) and each worker the static rules allow,
  an integer *how many households of this type the worker leads* (and, for
  co-worked types, co-works), with every cumulative hard rule as a linear
  constraint in exact integers (:mod:`allocopt.allocation.exact`) and the
  objective terms of the first four levels as expressions.
- :func:`solve` runs the levels of :mod:`allocopt.allocation.objective` in
  order. Each stage starts from the best complete allocation known (the greedy
  rule and a packing rule at first), is skipped when that allocation already
  meets the stage's bound, gets its own share of the time limit, and leaves its
  value fixed as a constraint for the stages after it. A stage that runs out of
  time keeps the best value found and reports its proven bound.
- :func:`add_preference_stage` adds the last stage on finer classes: which
  worker leads which placed household (continuity, skills, locality,
  concentrations), either with the loads still free (small meetings) or with the
  per-worker counts of stage four kept (large ones).
- :func:`read_solution` turns counts back into households: the longest-waiting
  households of each type are placed, co-workers are paired so nobody co-works
  their own case.

No I/O here; every result is checked by the explanations' independent
validator before anyone reads it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field, replace

from ortools.sat.python import cp_model

from allocopt.allocation.exact import (
    PCT_UNITS,
    ExactProblem,
    exact_problem,
    pct_units,
    rule_rooms,
)
from allocopt.allocation.greedy import GreedyAllocator, pinned
from allocopt.allocation.objective import (
    Objective,
    concentration_limits,
    evaluate,
    kind_added,
    kind_held,
    preference_score,
    spread,
    tier_sizes,
    tier_weights,
)
from allocopt.allocation.packing import (
    balance_search,
    balanced_assignments,
    fill_up,
    lowest_level,
    packing_assignments,
)
from allocopt.allocation.problem import AllocationProblem, AllocationResult, Assignment
from allocopt.allocation.small import small_meeting
from allocopt.allocation.subset_bounds import (
    acceptable_room,
    amber_floor_by_sums,
    fewest_beyond_band,
    least_load_for_days,
    max_load_floor_by_sums,
    spread_floor_by_sums,
    waited_ceiling_by_sums,
    water_level,
)
from allocopt.allocation.types import LoadType, load_types, waiting_key

BIG_PCT = 10**12
"""Load % (in hundredths) of a worker with no benchmark who is given work."""

MAX_PRIORITY_WEIGHT = 2**50
"""Tier weights above this are solved one tier at a time instead (floating-point LP safety)."""

FREE_PREFERENCE_PAIRS = 20_000
"""Up to this many (worker, load type) pairs the preference stage keeps only the
points each worker holds; above it, the counts of each load type (see
:func:`add_preference_stage`)."""

STAGE_SHARE = {"priority": 0.4, "waiting": 0.1, "amber": 0.1, "max_load": 0.15,
               "spread": 0.1, "preferences": 0.15}
"""Share of the time limit each stage may use; time a stage does not use passes on."""

SMALL_MODEL = 2_000
"""Models with fewer integer variables than this are solved with one search worker."""

PRESOLVE_FROM = 1_000
"""Models with fewer integer variables than this are solved without CP-SAT's presolve."""


# ------------------------------------------------------------------ the model


def upper(var: cp_model.IntVar) -> int:
    """A variable's upper bound (the proto's repeated field has no negative indexing)."""
    domain = var.proto.domain
    return int(domain[len(domain) - 1])


@dataclass
class CountModel:
    """The CP-SAT model of one meeting, with handles on its variables."""

    ex: ExactProblem
    types: list[LoadType]
    model: cp_model.CpModel
    x: dict[tuple[int, int], cp_model.IntVar]
    """(type, worker) -> households of the type the worker leads."""
    s: dict[tuple[int, int], cp_model.IntVar]
    """(type, worker) -> households of a co-worked type the worker co-works."""
    added: dict[int, cp_model.IntVar]
    added_ub: dict[int, int]
    placed: list[cp_model.LinearExpr]
    waited: dict[int, tuple[cp_model.IntVar, list[int]]]
    """type -> (days the placed households waited, days waited by the first n placed)."""
    amber: dict[int, cp_model.IntVar] = field(default_factory=dict)
    receives: dict[int, cp_model.IntVar] = field(default_factory=dict)
    top: cp_model.IntVar | None = None
    """Levels 2 and 3 (:func:`add_load_levels`): moved into amber, given work, max load %."""
    dev: dict[int, cp_model.IntVar] = field(default_factory=dict)
    stage_exprs: dict[str, cp_model.LinearExprT] = field(default_factory=dict)
    z: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    classes: list[PreferenceClass] = field(default_factory=list)
    excess: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    type_of: dict[int, int] = field(default_factory=dict)
    """household -> its load type."""
    counted: dict[tuple[Assignment, ...], Candidate] = field(default_factory=dict)
    """Allocations already counted (:func:`candidate`): the starting points, heuristics and
    solves of one meeting meet the same allocations again and again."""
    balanced: dict[tuple[Assignment, ...], tuple[Assignment, ...]] = field(default_factory=dict)
    floors: dict[tuple[str, tuple[int, ...], int | None], int] = field(default_factory=dict)
    """Bounds already worked out for this meeting (:func:`max_load_floor`,
    :func:`least_load`): a stage's bound, heuristic and proof ask for the same ones."""
    """Local search results (:func:`local_search`), settled ones also keyed by themselves."""

    @property
    def size(self) -> int:
        return len(self.x) + len(self.s)


class Model(cp_model.CpModel):
    """A CP-SAT model without the deprecated camelCase aliases OR-Tools attaches to every
    new model (about a third of the time to build a small meeting's model; the
    simulator builds one per meeting). Nothing here uses those names."""

    def _add_pre_pep8_methods(self) -> None:
        return


def build_model(ex: ExactProblem, types: list[LoadType]) -> CountModel:
    """The count model with every hard rule and the expressions of level 1 (levels 2 and 3:
    :func:`add_load_levels`; 4 and 5 are added by their stages)."""
    m = Model()
    ceiling, caps, students = rule_rooms(ex)
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    s: dict[tuple[int, int], cp_model.IntVar] = {}
    terms: dict[int, list[tuple[cp_model.IntVar, int]]] = {}
    cap_terms: dict[tuple[int, int], list[tuple[cp_model.IntVar, int]]] = {}
    child_terms: dict[int, list[tuple[cp_model.IntVar, int]]] = {}
    placed: list[cp_model.LinearExpr] = []
    waited: dict[int, tuple[cp_model.IntVar, list[int]]] = {}
    waited_terms: list[cp_model.LinearExprT] = []
    for k, t in enumerate(types):
        counts = {st.value: n for st, n in t.by_status}
        for w in t.leads:
            ub = t.size
            if ceiling[w] is not None and t.points > 0:
                ub = min(ub, ceiling[w] // t.points)  # type: ignore[operator]
            for weights, room in caps[w]:
                used = sum(weights.get(st, 0) * n for st, n in counts.items())
                if used > 0:
                    ub = min(ub, room // used)
            if students[w] is not None and t.children > 0:
                ub = min(ub, students[w] // t.children)  # type: ignore[operator]
            if ub <= 0:
                continue
            var = m.new_int_var(0, ub, f"x_{k}_{w}")
            x[k, w] = var
            terms.setdefault(w, []).append((var, t.points))
            for i, (weights, _) in enumerate(caps[w]):
                used = sum(weights.get(st, 0) * n for st, n in counts.items())
                if used > 0:
                    cap_terms.setdefault((w, i), []).append((var, used))
            if students[w] is not None and t.children > 0:
                child_terms.setdefault(w, []).append((var, t.children))
        leads = [x[k, w] for w in t.leads if (k, w) in x]
        total = cp_model.LinearExpr.sum(leads)
        placed.append(total)
        if leads:
            m.add(total <= t.size)
            days = [ex.households[h].waiting_days for h in t.households]
            if len(set(days)) == 1:
                waited_terms.append(days[0] * total)
            else:
                # The longest-waiting households of a type are placed first, so the days
                # waited are a concave function of how many are placed: the minimum of
                # its tangents, one per change of slope. (An element constraint here
                # cost seconds of probing at 200 x 1,000.)
                prefix = [0]
                for d in days:
                    prefix.append(prefix[-1] + d)
                d_var = m.new_int_var(0, prefix[-1], f"waited_{k}")
                for j, slope in enumerate(days):
                    if j == 0 or slope != days[j - 1]:
                        m.add(d_var <= prefix[j] + slope * (total - j))
                waited[k] = (d_var, prefix)
                waited_terms.append(d_var)
        if t.pinned_to is not None:
            m.add(total == 1)
        if t.co_working:
            seconds = []
            for w in t.seconds:
                ub = t.size
                if ceiling[w] is not None and t.secondary > 0:
                    ub = min(ub, ceiling[w] // t.secondary)  # type: ignore[operator]
                if ub <= 0:
                    continue
                var = m.new_int_var(0, ub, f"s_{k}_{w}")
                s[k, w] = var
                seconds.append(var)
                terms.setdefault(w, []).append((var, t.secondary))
                if (k, w) in x:
                    # nobody co-works their own case: a pairing exists iff no worker
                    # holds more than the placed number as lead and co-worker together
                    m.add(x[k, w] + var <= total)
            m.add(cp_model.LinearExpr.sum(seconds) == total)
    added: dict[int, cp_model.IntVar] = {}
    added_ub: dict[int, int] = {}
    for w in sorted(terms, key=lambda w: ex.workers[w].id):
        most = sum(upper(v) * c for v, c in terms[w])
        limit = ceiling[w]
        if limit is not None:
            most = min(most, limit)
        var = m.new_int_var(0, most, f"added_{w}")
        m.add(var == cp_model.LinearExpr.weighted_sum([v for v, _ in terms[w]],
                                                      [c for _, c in terms[w]]))
        added[w], added_ub[w] = var, most
    for (w, i), row in cap_terms.items():
        m.add(cp_model.LinearExpr.weighted_sum([v for v, _ in row], [c for _, c in row])
              <= caps[w][i][1])
    for w, row in child_terms.items():
        m.add(cp_model.LinearExpr.weighted_sum([v for v, _ in row], [c for _, c in row])
              <= (students[w] or 0))

    cm = CountModel(ex, types, m, x, s, added, added_ub, placed, waited)
    cm.type_of = {h: k for k, t in enumerate(types) for h in t.households}
    cm.stage_exprs = {"waiting": cp_model.LinearExpr.sum(waited_terms)}
    return cm


def add_load_levels(cm: CountModel) -> None:
    """Variables of levels 2 and 3: who is moved into amber, who is given work, the max
    load % of those. Added when level 2 starts: levels 1 and 1b do not need them, and
    without them their proofs search a smaller model (these variables restrict no
    allocation)."""
    if cm.top is not None:
        return
    ex, m = cm.ex, cm.model
    top_ub = 0
    for w, var in cm.added.items():
        ub = cm.added_ub[w]
        acc = ex.acceptable_max[w]
        if acc is not None:
            room = max(0, acc - ex.load[w])
            if ub > room:
                flag = m.new_bool_var(f"amber_{w}")
                m.add(var <= room + (ub - room) * flag)
                cm.amber[w] = flag
        if ub > 0:
            y = m.new_bool_var(f"receives_{w}")
            m.add(var <= ub * y)
            m.add(var >= y)
            cm.receives[w] = y
            top_ub = max(top_ub, pct_units(ex.load[w] + ub, ex.benchmark[w]))
    top = cm.top = m.new_int_var(0, top_ub, "max_load")
    for w, y in cm.receives.items():
        if ex.benchmark[w] > 0:
            add_max_load_row(cm, w, top).only_enforce_if(y)
        else:
            m.add(top >= BIG_PCT).only_enforce_if(y)
    cm.stage_exprs["amber"] = cp_model.LinearExpr.sum(list(cm.amber.values()))
    cm.stage_exprs["max_load"] = top


def top_upper(cm: CountModel) -> int:
    """Upper bound of the max load % variable: the highest load % any worker can reach."""
    ex = cm.ex
    return max((pct_units(ex.load[w] + ub, ex.benchmark[w])
                for w, ub in cm.added_ub.items() if ub > 0), default=0)


def add_max_load_row(cm: CountModel, w: int, top: cp_model.IntVar) -> cp_model.Constraint:
    """10,000 x (L + A) <= B x T for worker `w`, divided through by gcd(B, 10,000) (the
    same row with small coefficients; presolve, which would do it, is off for small
    models)."""
    ex = cm.ex
    b = ex.benchmark[w]
    g = math.gcd(b, PCT_UNITS)
    row = cp_model.LinearExpr.weighted_sum([cm.added[w], top], [PCT_UNITS // g, -(b // g)])
    return cm.model.add(row <= -(PCT_UNITS * ex.load[w]) // g)


def _amber_expr(cm: CountModel) -> cp_model.LinearExprT:
    add_load_levels(cm)
    return cm.stage_exprs["amber"]


def top_var(cm: CountModel) -> cp_model.IntVar:
    """The max load % variable (adding levels 2 and 3 if not yet there)."""
    add_load_levels(cm)
    assert cm.top is not None
    return cm.top


def add_spread_stage(cm: CountModel, total: int) -> cp_model.LinearExprT:
    """Variables and expression of level 4, with the pool's new load kept at `total`.

    With the total fixed the team mean is a constant, so each worker's load %
    above it is one short linear inequality (d x B x SB >= 10,000 x (SB x (L + A)
    - B x SL)); with the mean free, the same rows couple every worker and proofs
    took 20-50 times longer on the 12 x 30 meeting. Keeping the total chooses
    among allocations that place as much new load as the best one found so far.
    """
    ex, m = cm.ex, cm.model
    pool = list(ex.pool)
    if not pool:
        return cp_model.LinearExpr.sum([])
    m.add(cp_model.LinearExpr.sum([cm.added[w] for w in pool if w in cm.added]) == total)
    sb = sum(ex.benchmark[w] for w in pool)
    sl = sum(ex.load[w] for w in pool) + total
    for w in pool:
        b = ex.benchmark[w]
        rhs = PCT_UNITS * (sb * ex.load[w] - b * sl)
        mine = cm.added.get(w)
        most = PCT_UNITS * (sb * (ex.load[w] + cm.added_ub.get(w, 0)) - b * sl)
        if most <= 0:
            continue  # never above the mean
        above = m.new_int_var(0, -(-most // (b * sb)), f"dev_{w}")
        if mine is None:
            m.add(above >= -(-rhs // (b * sb)))
        else:
            # divided through by SB x gcd(B, 10,000), rounding the right-hand side up
            # (the left is whole): the same row with small coefficients, which CP-SAT's
            # propagation and LP handle far better (presolve, which would do this, is
            # off for small models)
            g = math.gcd(b, PCT_UNITS)
            m.add(cp_model.LinearExpr.weighted_sum([above, mine], [b // g, -PCT_UNITS // g])
                  >= -(-rhs // (sb * g)))
        cm.dev[w] = above
    return cp_model.LinearExpr.sum(list(cm.dev.values()))


def priority_stages(cm: CountModel) -> list[tuple[str, cp_model.LinearExprT, int]]:
    """(name, expression to maximise, best possible) for level 1.

    One weighted stage when the tier weights are small enough for exact
    floating-point LP work, else one stage per tier, highest first.
    """
    ex = cm.ex
    weights = tier_weights(ex)
    sizes = tier_sizes(ex)
    total = sum(w * n for w, n in zip(weights, sizes, strict=True))
    if total <= MAX_PRIORITY_WEIGHT:
        expr = cp_model.LinearExpr.weighted_sum(cm.placed, [weights[t.tier] for t in cm.types])
        return [("priority", expr, total)]
    out: list[tuple[str, cp_model.LinearExprT, int]] = []
    for tier, n in enumerate(sizes):
        if n == 0:
            continue
        exprs = [cm.placed[k] for k, t in enumerate(cm.types) if t.tier == tier]
        out.append((f"priority tier {tier}", cp_model.LinearExpr.sum(exprs), n))
    return out


# ------------------------------------------------------- the preference stage


@dataclass(frozen=True)
class PreferenceClass:
    """Placed households of one load type that every preference sees alike."""

    type_index: int
    households: tuple[int, ...]
    kinds: tuple[int, int, int]


def preference_classes(ex: ExactProblem, types: list[LoadType],
                       placed: dict[int, list[int]]) -> list[PreferenceClass]:
    out = []
    for k in sorted(placed):
        groups: dict[tuple[Hashable, ...], list[int]] = {}
        for h in placed[k]:
            household = ex.households[h]
            key: tuple[Hashable, ...] = (household.locality, tuple(sorted(household.skills_needed)),
                   household.previous_workers, kind_added(ex, h))
            groups.setdefault(key, []).append(h)
        for group in sorted(groups, key=repr):
            members = tuple(sorted(groups[group], key=lambda h: waiting_key(ex, h)))
            out.append(PreferenceClass(k, members, kind_added(ex, members[0])))
    return out


def add_preference_stage(cm: CountModel, incumbent: Candidate,
                         keep: str) -> cp_model.LinearExprT:
    """Variables and expression of level 5, keeping the placed households of `incumbent`.

    `keep` says what else stays as the incumbent has it, so that every fairness level
    keeps its value:

    - "points": how many households of each weight each worker leads; households of
      equal weight change hands (the default; proven in milliseconds at team size);
    - "loads": each worker's new load; any households may change hands if the loads
      add up the same (better matches, but its proofs took about 1 s at 12 x 30);
    - "counts": how many households of each load type each worker leads (for the
      largest meetings, where the other two grow too large).
    """
    free = keep in ("loads", "points")
    ex, m = cm.ex, cm.model
    placed: dict[int, list[int]] = {}
    for h in incumbent.leads:
        placed.setdefault(cm.type_of[h], []).append(h)
    for k, t in enumerate(cm.types):
        n = len(placed.get(k, ()))
        leads = [cm.x[k, w] for w in t.leads if (k, w) in cm.x]
        if leads:
            m.add(cp_model.LinearExpr.sum(leads) == n)
    if keep == "points":
        counts: dict[tuple[int, int], int] = {}
        for (k, w), n in incumbent.x.items():
            key = (w, cm.types[k].points)
            counts[key] = counts.get(key, 0) + n
        rows: dict[tuple[int, int], list[cp_model.IntVar]] = {}
        for (k, w), var in cm.x.items():
            rows.setdefault((w, cm.types[k].points), []).append(var)
        for key, group in rows.items():
            m.add(cp_model.LinearExpr.sum(group) == counts.get(key, 0))
        for key, var in cm.s.items():
            m.add(var == incumbent.s.get(key, 0))
    elif free:
        added = {w: 0 for w in cm.added}
        for (k, w), n in incumbent.x.items():
            added[w] += n * cm.types[k].points
        for (k, w), n in incumbent.s.items():
            added[w] += n * cm.types[k].secondary
        for w, var in cm.added.items():
            m.add(var == added[w])
    else:
        for (k, w), var in cm.x.items():
            m.add(var == incumbent.x.get((k, w), 0))
    cm.classes = preference_classes(ex, cm.types, placed)
    by_pair: dict[tuple[int, int], list[cp_model.IntVar]] = {}
    kind_terms: dict[tuple[int, int], list[tuple[cp_model.IntVar, int]]] = {}
    score_terms: list[tuple[cp_model.IntVar, int]] = []
    held_points = {(w, cm.types[k].points) for (k, w), n in incumbent.x.items() if n}
    for c, cls in enumerate(cm.classes):
        members = []
        points = cm.types[cls.type_index].points
        for w in cm.types[cls.type_index].leads:
            lead = cm.x.get((cls.type_index, w))
            if lead is None or (not free and incumbent.x.get((cls.type_index, w), 0) == 0):
                continue
            if keep == "points" and (w, points) not in held_points:
                continue
            ub = min(len(cls.households), upper(lead))
            var = m.new_int_var(0, ub, f"z_{c}_{w}")
            cm.z[c, w] = var
            members.append(var)
            by_pair.setdefault((cls.type_index, w), []).append(var)
            score = preference_score(ex, w, cls.households[0])
            if score:
                score_terms.append((var, score))
            for kind, n in enumerate(cls.kinds):
                if n:
                    kind_terms.setdefault((w, kind), []).append((var, n))
        m.add(cp_model.LinearExpr.sum(members) == len(cls.households))
    for (k, w), vars_ in by_pair.items():
        m.add(cp_model.LinearExpr.sum(vars_) == cm.x[k, w])
    for (k, w), var in cm.x.items():
        if (k, w) not in by_pair:
            m.add(var == 0)
    weight = ex.problem.policy.preferences.concentration
    limits = concentration_limits(ex)
    excess_terms = []
    if weight:
        for (w, kind), row in sorted(kind_terms.items()):
            held = kind_held(ex, w)[kind]
            most = held + sum(upper(v) * n for v, n in row)
            limit = limits[w][kind]
            if most <= limit:
                continue
            e = m.new_int_var(0, most - max(limit, 0), f"excess_{w}_{kind}")
            m.add(e >= held - limit + cp_model.LinearExpr.weighted_sum(
                [v for v, _ in row], [n for _, n in row]))
            cm.excess[w, kind] = e
            excess_terms.append(e)
    return cp_model.LinearExpr.weighted_sum(
        [v for v, _ in score_terms] + excess_terms,
        [c for _, c in score_terms] + [-weight] * len(excess_terms))




# --------------------------------------------------------- reading solutions


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


def read_solution(cm: CountModel, value: cp_model.CpSolver, with_classes: bool) -> tuple[
        Assignment, ...]:
    """Households for the solver's counts: longest waiting placed first, co-workers paired."""
    ex = cm.ex
    chosen: list[tuple[int, int, str]] = []
    lead_of: dict[int, int] = {}
    if with_classes:
        for c, cls in enumerate(cm.classes):
            queue = list(cls.households)
            for w in cm.types[cls.type_index].leads:
                var = cm.z.get((c, w))
                n = int(value.value(var)) if var is not None else 0
                for _ in range(n):
                    lead_of[queue.pop(0)] = w
    else:
        for k, t in enumerate(cm.types):
            queue = list(t.households)
            for w in t.leads:
                var = cm.x.get((k, w))
                n = int(value.value(var)) if var is not None else 0
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
            var = cm.s.get((k, w))
            slots += [w] * (int(value.value(var)) if var is not None else 0)
        mine = sorted((h for h in lead_of if type_of[h] == k), key=lambda h: waiting_key(ex, h))
        for h, w in pair_co_workers([(h, lead_of[h]) for h in mine], slots).items():
            chosen.append((h, w, "secondary"))
    return to_assignments(ex, chosen)


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


def to_assignments(ex: ExactProblem, chosen: Iterable[tuple[int, int, str]]) -> tuple[
        Assignment, ...]:
    out = [
        Assignment(ex.households[h].id, ex.workers[w].id, "lead" if role == "lead" else "secondary",
                   ex.households[h].points if role == "lead" else ex.households[h].secondary_points)
        for h, w, role in chosen
    ]
    return tuple(sorted(out, key=lambda a: (a.household_id, a.role != "lead")))


# ------------------------------------------------------------------- hints


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
        values[cm.top] = top
    if cm.dev:
        pool = list(ex.pool)
        total = sum(added.get(w, 0) for w in pool)
        sb = sum(ex.benchmark[w] for w in pool)
        sl = sum(ex.load[w] for w in pool) + total
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


def preference_hints(cm: CountModel, cand: Candidate) -> dict[cp_model.IntVar, int]:
    ex = cm.ex
    lead_of = {ex.household_index[a.household_id]: ex.worker_index[a.worker_id]
               for a in cand.assignments if a.role == "lead"}
    values: dict[cp_model.IntVar, int] = {var: 0 for var in cm.z.values()}
    kinds: dict[tuple[int, int], int] = {}
    for c, cls in enumerate(cm.classes):
        for h in cls.households:
            w = lead_of.get(h)
            if w is not None and (c, w) in cm.z:
                values[cm.z[c, w]] += 1
    for a in cand.assignments:
        if a.role == "lead":
            h, w = ex.household_index[a.household_id], ex.worker_index[a.worker_id]
            for kind, n in enumerate(kind_added(ex, h)):
                kinds[w, kind] = kinds.get((w, kind), 0) + n
    limits = concentration_limits(ex)
    for (w, kind), var in cm.excess.items():
        values[var] = max(0, kind_held(ex, w)[kind] + kinds.get((w, kind), 0) - limits[w][kind])
    return values


# ------------------------------------------------------------------ solving


@dataclass(frozen=True)
class StageReport:
    """How one stage went: value kept, bound proven, time used, how it ended."""

    name: str
    value: int
    bound: int
    seconds: float
    outcome: str  # "proven", "skipped: hint meets bound", "time limit", "no better solution"


@dataclass(frozen=True)
class Solved:
    best: Candidate
    stages: tuple[StageReport, ...]
    build_seconds: float
    solve_seconds: float
    model_size: int


def stage_key(obj: Objective, name: str) -> int:
    """The value of one stage for comparison (larger is better for maximised stages)."""
    if name.startswith("priority"):
        return 0
    return {"waiting": obj.waited, "amber": obj.amber, "max_load": obj.max_load,
            "spread": obj.spread, "preferences": obj.preference}[name]


@dataclass
class Stage:
    """One level of the objective as a solve: its bound, expression and value."""

    name: str
    maximise: bool
    bound: Callable[[Candidate], int | None]
    """Given the incumbent at the stage's start: a bound in objective units, or None."""
    build: Callable[[Candidate], tuple[cp_model.LinearExprT, dict[cp_model.IntVar, int]]]
    """Given the same incumbent: the stage's variables added to the model; (expression,
    extra hints). Called only when a solve needs the stage in the model."""
    value: Callable[[Objective], int]
    offset: Callable[[], int] = lambda: 0
    """Model expression minus the objective's value (constant terms left out of the model)."""
    with_classes: bool = False
    proof: Callable[[Candidate, Candidate], int | None] | None = None
    """Given the incumbents at the stage's start and before its solve: a tighter bound,
    asked only when the cheap bound and the heuristics leave a solve to do."""


def _priority_bound(cm: CountModel, tier: int | None) -> Callable[[Candidate], int | None]:
    """The LP bound on priority (tier by tier, see cpsat_bounds) for the incumbent."""
    from allocopt.allocation.cpsat_bounds import priority_bound

    def bound(c: Candidate) -> int | None:
        if cm.size < SMALL_MODEL and c.objective.placed != tuple(tier_sizes(cm.ex)):
            # On small models the LP rarely settles the stage (15 of 206 of the
            # simulator's meetings); a search proves those for less than the LPs cost.
            return None
        found = priority_bound(cm.ex, cm.types, c.objective.placed)
        if tier is None:
            return found.weighted
        if found.short_at == tier:
            return math.floor(found.tiers[-1] + 1e-6)
        if found.short_at is None or found.short_at > tier:
            return c.objective.placed[tier]
        return None

    return bound


def _priority_value(weights: list[int], tier: int | None) -> Callable[[Objective], int]:
    if tier is None:
        return lambda o: sum(weights[t] * n for t, n in enumerate(o.placed))
    return lambda o: o.placed[tier]


def make_stages(cm: CountModel, free_preferences: int, skip_preferences: bool,
                preference_space: str | None = None, proofs: bool = True) -> list[Stage]:
    """The levels of :mod:`allocopt.allocation.objective` as solver stages, in order
    (`proofs`: with the bounds by household sums, :mod:`allocopt.allocation.subset_bounds`)."""
    ex = cm.ex
    weights = tier_weights(ex)
    stages: list[Stage] = []

    def fixed(expr: cp_model.LinearExprT) -> Callable[[Candidate], tuple[
            cp_model.LinearExprT, dict[cp_model.IntVar, int]]]:
        return lambda c: (expr, {})

    for name, expr, _ in priority_stages(cm):
        tier = None if name == "priority" else int(name.rsplit(" ", 1)[1])
        stages.append(Stage(name, True, _priority_bound(cm, tier), fixed(expr),
                            _priority_value(weights, tier)))
    chunks: list[dict[int, list[tuple[int, int]]]] = []

    def sums() -> dict[int, list[tuple[int, int]]]:
        if not chunks:
            chunks.append(worker_chunks(cm))
        return chunks[0]

    stages.append(Stage("waiting", True, lambda c: waiting_bound(ex, c.objective),
                        fixed(cm.stage_exprs["waiting"]), lambda o: o.waited,
                        proof=lambda start, c: waited_ceiling_by_sums(
                            ex, c.objective.placed, c.objective.waited, cm.added_ub)))

    stages.append(Stage("amber", False, lambda c: amber_floor(cm, c.objective.placed),
                        lambda c: (_amber_expr(cm), {}), lambda o: o.amber,
                        proof=lambda start, c: amber_floor_by_sums(
                            ex, least_load(cm, c.objective),
                            sums(), cm.added_ub)))
    floors: dict[int, int] = {}

    def max_load_bound(c: Candidate) -> int:
        # level 2 is fixed at the incumbent's value by now
        floors[0] = max_load_floor(cm, c.objective.placed, c.objective.amber)
        return floors[0]

    def build_max_load(c: Candidate) -> tuple[cp_model.LinearExprT, dict[cp_model.IntVar, int]]:
        tighten_max_load(cm, floors[0])
        return top_var(cm), {}

    stages.append(Stage("max_load", False, max_load_bound, build_max_load,
                        lambda o: o.max_load,
                        proof=lambda start, c: max_load_floor_by_sums(
                            ex, least_load(cm, c.objective),
                            c.objective.amber, c.objective.max_load, sums(), cm.added_ub)))
    stages.append(Stage("spread", False, lambda c: spread_floor(ex, pool_added(cm, c)),
                        lambda c: (add_spread_stage(cm, pool_added(cm, c)), {}),
                        lambda o: o.spread,
                        proof=lambda start, c: spread_floor_by_sums(
                            ex, pool_added(cm, start), c.objective.max_load,
                            c.objective.amber, sums(), cm.added_ub)))
    if not proofs:
        for stage in stages:
            stage.proof = None
    if skip_preferences:
        return stages
    pairs = sum(len(t.leads) for t in cm.types)
    keep = preference_space or ("points" if pairs <= free_preferences else "counts")

    def build_preferences(c: Candidate) -> tuple[cp_model.LinearExprT, dict[
            cp_model.IntVar, int]]:
        expr = add_preference_stage(cm, c, keep)
        return expr, preference_hints(cm, c)

    stages.append(Stage(f"preferences ({keep} kept)", True,
                        lambda c: preference_ceiling(cm, c), build_preferences,
                        lambda o: o.preference, offset=lambda: _constant_excess(cm),
                        with_classes=True))
    return stages


def solve(ex: ExactProblem, hints: list[tuple[str, tuple[Assignment, ...]]], time_limit: float,
          workers: int | None, seed: int, free_preferences: int = FREE_PREFERENCE_PAIRS,
          skip_preferences: bool = False, preference_space: str | None = None,
          proofs: bool = True) -> Solved:
    """Solve the levels in order; see the module docstring. `proofs` False leaves out the
    bounds by household sums (for tests: they change the time, never the optimum)."""
    start = time.perf_counter()
    types = load_types(ex)
    cm = build_model(ex, types)
    build = time.perf_counter() - start
    best = min((candidate(cm, a, name) for name, a in hints), key=lambda c: c.objective.key())
    reports: list[StageReport] = []
    deadline = start + time_limit
    n_workers = workers if workers is not None else (1 if cm.size < SMALL_MODEL else 2)
    # The bounds by household sums pay on small meetings (the simulator's); on large
    # ones the solver's own bounds are cheaper than their tables.
    stages = make_stages(cm, free_preferences, skip_preferences, preference_space,
                         proofs and cm.size < SMALL_MODEL)
    # A stage skipped at its bound still holds its value for the stages after it; its
    # variables and that constraint are added only if a later stage needs the solver
    # (most small meetings never do).
    pending: list[Callable[[], None]] = []
    for i, stage in enumerate(stages):
        t0 = time.perf_counter()
        start_best = best
        bound = stage.bound(best)
        current = stage.value(best.objective)
        more = i + 1 < len(stages)
        if bound is None or current != bound:
            # cheap starting points first; the solver only if they fall short
            improve = HEURISTICS.get(stage.name)
            if improve is not None:
                # same households placed, so the stage's bound (and the spread's
                # fixed total) still hold; a heuristic may use half the stage's time
                left = max(deadline - time.perf_counter(), 0.0)
                shares = [STAGE_SHARE[s.name.split(" ")[0]] for s in stages[i:]]
                best = improve(cm, best, time.perf_counter() + left * shares[0] / sum(shares) / 2)
                current = stage.value(best.objective)
        if bound is not None and current == bound:
            reports.append(StageReport(stage.name, current, bound, 0.0,
                                       "skipped: hint meets bound"))
            if more:
                pending.append(_later(cm, stage, start_best, current, best))
            continue
        if stage.proof is not None and stage.proof(start_best, best) == current:
            # A solve here would only prove the incumbent (a solve that finds nothing
            # better keeps it): the same optimum on every level.
            reports.append(StageReport(stage.name, current, current, time.perf_counter() - t0,
                                       "skipped: proven by household sums"))
            if more:
                pending.append(_later(cm, stage, start_best, current, best))
            continue
        for add in pending:
            add()
        pending.clear()
        expr, extra = stage.build(start_best)
        left = max(deadline - time.perf_counter(), 0.0)
        shares = [STAGE_SHARE[s.name.split(" ")[0]] for s in stages[i:]]
        seconds = max(left * shares[0] / sum(shares), 0.01)
        set_hints(cm, best, extra)
        found, proven, solver_bound, solver = _run(cm, expr, stage.maximise, seconds,
                                                   n_workers, seed)
        if found:
            new = candidate(cm, read_solution(cm, solver, stage.with_classes), "cp-sat")
            if stage.name.startswith("priority") and not proven:
                # a solve stopped early may leave room a greedy pass can still use
                filled = candidate(cm, fill_up(ex, new.assignments), "cp-sat + fill")
                new = min((new, filled), key=lambda c: c.objective.key())
            if new.objective.key() < best.objective.key():
                best = new
        current = stage.value(best.objective)
        proved = proven_bound(stage, current, bound, found, proven, solver_bound)
        reports.append(StageReport(stage.name, current, proved, time.perf_counter() - t0,
                                   "proven" if proven else "time limit"))
        if more:
            _fix(cm, stage, expr, current, proven, best)
    return Solved(best, tuple(reports), build, time.perf_counter() - start - build, cm.size)


def _later(cm: CountModel, stage: Stage, start_best: Candidate, current: int,
           best: Candidate) -> Callable[[], None]:
    """Adding a stage skipped at its bound, with its value fixed, when a later solve needs it."""
    def add() -> None:
        expr, _ = stage.build(start_best)
        _fix(cm, stage, expr, current, True, best)

    return add


def _fix(cm: CountModel, stage: Stage, expr: cp_model.LinearExprT, current: int,
         proven: bool, best: Candidate) -> None:
    """Keep a stage's value as a constraint for the stages after it."""
    if stage.name == "priority" and proven:
        # The optimum's households per tier are unique (each tier outranks all
        # below): fixing them tier by tier is the same set of allocations as the
        # weighted sum, without its large coefficients in every later LP.
        for tier, n in enumerate(best.objective.placed):
            row = [cm.placed[k] for k, t in enumerate(cm.types) if t.tier == tier]
            if row:
                cm.model.add(cp_model.LinearExpr.sum(row) == n)
    elif stage.maximise:
        cm.model.add(expr >= current + stage.offset())
    else:
        cm.model.add(expr <= current + stage.offset())


HEURISTICS: dict[str, Callable[[CountModel, Candidate, float], Candidate]] = {}


def proven_bound(stage: Stage, current: int, bound: int | None, found: bool, proven: bool,
                 solver_bound: float) -> int:
    """The best bound known for a stage: ours, or the solver's when it has one."""
    if proven:
        return current
    ours = bound
    if found and not math.isnan(solver_bound):
        if stage.maximise:
            theirs = math.floor(solver_bound + 1e-6) - stage.offset()
            ours = theirs if ours is None else min(ours, theirs)
        else:
            theirs = math.ceil(solver_bound - 1e-6) - stage.offset()
            ours = theirs if ours is None else max(ours, theirs)
    if ours is None:
        return current
    return max(current, ours) if stage.maximise else min(current, ours)


def pool_added(cm: CountModel, c: Candidate) -> int:
    """New load a candidate gives the workers in the pool."""
    pool = set(cm.ex.pool)
    total = sum(n * cm.types[k].points for (k, w), n in c.x.items() if w in pool)
    return total + sum(n * cm.types[k].secondary for (k, w), n in c.s.items() if w in pool)


def worker_chunks(cm: CountModel) -> dict[int, list[tuple[int, int]]]:
    """Per worker: (points, most the model allows) of each load type they may lead or co-work."""
    out: dict[int, list[tuple[int, int]]] = {}
    for (k, w), var in cm.x.items():
        out.setdefault(w, []).append((cm.types[k].points, upper(var)))
    for (k, w), var in cm.s.items():
        out.setdefault(w, []).append((cm.types[k].secondary, upper(var)))
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
    for h in c.leads:
        best += max((preference_score(ex, w, h) for w in cm.types[type_of[h]].leads), default=0)
    weight = ex.problem.policy.preferences.concentration
    limits = concentration_limits(ex)
    held = sum(max(0, kind_held(ex, w)[k] - limits[w][k])
               for w in range(len(ex.workers)) for k in range(3))
    return best - weight * held


def local_search(cm: CountModel, assignments: tuple[Assignment, ...]) -> tuple[Assignment, ...]:
    """:func:`allocopt.allocation.packing.improve_balance`, once per allocation and model:
    the stages' heuristics of one meeting often start from the same allocation, or
    from one the search already settled (which it would return unchanged)."""
    found = cm.balanced.get(assignments)
    if found is None:
        found, settled = balance_search(cm.ex, assignments)
        cm.balanced[assignments] = found
        if settled:
            cm.balanced[found] = found
    return found


def improve_by_local_search(cm: CountModel, best: Candidate, deadline: float) -> Candidate:
    """Moves and swaps that lower amber, max load and spread (small meetings only)."""
    other = candidate(cm, local_search(cm, best.assignments), "local search")
    return other if other.objective.key() < best.objective.key() else best


def improve_by_levels(cm: CountModel, best: Candidate, deadline: float) -> Candidate:
    """Pack the incumbent's households under the lowest level found by bisection."""
    floor = max_load_floor(cm, best.objective.placed, best.objective.amber)
    packed = lowest_level(cm.ex, best.leads, floor, best.objective.max_load, deadline)
    if packed is None:
        return best
    options = [best, candidate(cm, packed, "levels")]
    options.append(candidate(cm, local_search(cm, packed), "levels + local search"))
    return min(options, key=lambda c: c.objective.key())


def improve_by_balancing(cm: CountModel, best: Candidate, deadline: float) -> Candidate:
    """Re-deal the incumbent's placed households heaviest first to the lightest worker."""
    options = [best, candidate(cm, local_search(cm, best.assignments), "local search")]
    dealt = balanced_assignments(cm.ex, best.leads)
    if dealt is not None:
        options.append(candidate(cm, local_search(cm, dealt), "balancing"))
    return min(options, key=lambda c: c.objective.key())


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
        return 0
    takers = [w for w in cm.added if ex.benchmark[w] > 0]

    def room(w: int, level: int) -> tuple[int, int]:
        r = max(0, min(level * ex.benchmark[w] // PCT_UNITS - ex.load[w], cm.added_ub[w]))
        calm = acceptable_room(ex, w)
        return (r, r) if amber is None or calm is None or r <= calm else (r, calm)

    level = water_level(takers, room, amber, need, top_upper(cm))
    # None: workers with no benchmark take some of it; no useful bound
    return 0 if level is None else level


def least_load(cm: CountModel, obj: Objective) -> int:
    """:func:`allocopt.allocation.subset_bounds.least_load_for_days` for level 1's values
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


def tighten_max_load(cm: CountModel, floor: int) -> None:
    """With T >= `floor`, a worker already at or below it needs no 'receives' switch."""
    ex = cm.ex
    top = top_var(cm)
    cm.model.add(top >= floor)
    for w in cm.receives:
        b = ex.benchmark[w]
        if b > 0 and PCT_UNITS * ex.load[w] <= floor * b:
            add_max_load_row(cm, w, top)


def waiting_bound(ex: ExactProblem, obj: Objective) -> int:
    """Most days waited with as many households placed per tier as `obj`: the longest waiting."""
    by_tier: dict[int, list[int]] = {}
    for h in ex.households:
        by_tier.setdefault(h.tier, []).append(h.waiting_days)
    return sum(sum(sorted(days, reverse=True)[:obj.placed[t]]) for t, days in by_tier.items())


def _constant_excess(cm: CountModel) -> int:
    """Concentration cost of workers the preference stage cannot change."""
    ex = cm.ex
    weight = ex.problem.policy.preferences.concentration
    limits = concentration_limits(ex)
    total = 0
    for w in range(len(ex.workers)):
        for kind in range(3):
            if (w, kind) not in cm.excess:
                total += max(0, kind_held(ex, w)[kind] - limits[w][kind])
    return weight * total


def _run(cm: CountModel, expr: cp_model.LinearExprT, maximise: bool, seconds: float,
         workers: int, seed: int) -> tuple[bool, bool, float, cp_model.CpSolver]:
    """One CP-SAT solve: (found a solution, proven optimal, best bound, solver)."""
    if maximise:
        cm.model.maximize(expr)
    else:
        cm.model.minimize(expr)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.log_search_progress = False
    if cm.size < PRESOLVE_FROM:
        # Measured on 5,700 meetings of the simulator (up to 10 workers, 50 households):
        # presolve took twice as long as the search it prepared; without it the same
        # optima are proven in a third of the time.
        solver.parameters.cp_model_presolve = False
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.symmetry_level = 0
    if cm.size >= SMALL_MODEL:
        # Measured at 200 x 1,000: probing the count variables and repeated symmetry
        # detection took 3-5 s of presolve before the first search step; without them
        # the hint is loaded in half a second.
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.symmetry_level = 0
        solver.parameters.max_presolve_iterations = 1
    status = solver.solve(cm.model)
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    bound = solver.best_objective_bound if status != cp_model.INFEASIBLE else math.nan
    return found, status == cp_model.OPTIMAL, bound, solver


# ---------------------------------------------------------------- allocator


def canonical(problem: AllocationProblem) -> AllocationProblem:
    """The same problem with workers and households in id order.

    The model is then built the same way whatever order the files listed them in,
    so one search worker with one seed finds the same allocation: the answer does
    not depend on input order.
    """
    workers = tuple(sorted(problem.workers, key=lambda w: w.id))
    households = tuple(sorted(problem.households, key=lambda h: h.id))
    if workers == problem.workers and households == problem.households:
        return problem
    return replace(problem, workers=workers, households=households)


class CpSatAllocator:
    """The optimiser: the five levels solved in order with CP-SAT (see the module docstring)."""

    name = "cp-sat"

    def __init__(self, time_limit_s: float | None = None, workers: int | None = None,
                 seed: int | None = None, preferences: bool = True,
                 preference_space: str | None = None) -> None:
        self.time_limit_s = time_limit_s
        self.workers = workers
        self.seed = seed
        self.preferences = preferences
        self.preference_space = preference_space

    def allocate(self, problem: AllocationProblem) -> AllocationResult:
        from allocopt.allocation.cpsat_conflicts import pin_conflicts

        start = time.perf_counter()
        problem = canonical(problem)
        ex = exact_problem(problem)
        policy = problem.policy
        limit = self.time_limit_s if self.time_limit_s is not None else policy.time_limit_s
        seed = self.seed if self.seed is not None else policy.seed
        order = [ex.households[h].id for h in sorted(
            range(len(ex.households)),
            key=lambda h: (ex.households[h].tier, *waiting_key(ex, h)))]
        if pinned(ex):
            conflicts = pin_conflicts(ex, time_limit=max(limit / 4, 1.0))
            if conflicts:
                return AllocationResult(
                    solver=self.name, assignments=(), unallocated=tuple(order),
                    status="infeasible", solve_seconds=time.perf_counter() - start,
                    notes=tuple(conflicts))
        small = small_meeting(ex)
        if small is not None:
            assignments, objective = small
            placed = {a.household_id for a in assignments}
            return AllocationResult(
                solver=self.name, assignments=assignments,
                unallocated=tuple(h for h in order if h not in placed), status="optimal",
                objective=objective.as_floats(), bound=objective.as_floats(),
                solve_seconds=time.perf_counter() - start,
                notes=("few households: every allocation searched, the best kept",))
        greedy = GreedyAllocator(objective=False).allocate(problem)
        hints = [("greedy", greedy.assignments)]
        if greedy.status == "feasible":
            hints.append(("packing", packing_assignments(ex)))
            hints.append(("packing, lightest first", packing_assignments(ex, True)))
        # The limit covers the whole call: the starting points count too, and 5 % is
        # kept back for reading the last solution and checking it (about 1 s at
        # 1,000 x 5,000).
        left = max(limit * 0.95 - (time.perf_counter() - start), 0.05)
        solved = solve(ex, hints, left, self.workers, seed,
                       skip_preferences=not self.preferences,
                       preference_space=self.preference_space)
        best = solved.best
        placed = {a.household_id for a in best.assignments}
        proven = all(r.outcome.startswith(("proven", "skipped")) for r in solved.stages)
        notes = tuple(f"{r.name}: {r.outcome} ({r.seconds:.2f}s)" for r in solved.stages)
        return AllocationResult(
            solver=self.name,
            assignments=best.assignments,
            unallocated=tuple(h for h in order if h not in placed),
            status="optimal" if proven else "feasible",
            objective=best.objective.as_floats(),
            bound=stage_bounds(ex, best.objective, solved.stages),
            build_seconds=solved.build_seconds,
            solve_seconds=time.perf_counter() - start - solved.build_seconds,
            notes=notes,
        )


def stage_bounds(ex: ExactProblem, obj: Objective, stages: tuple[StageReport, ...]) -> tuple[
        float, ...]:
    """The proven bound on each level, in the units of ``Objective.as_floats``.

    For the priority level, the bound is given per tier as the placed count when
    that stage was proven, else the tier's size (every household placed).
    """
    by_name = {r.name.split(" ")[0]: r for r in stages}
    placed = list(obj.placed)
    sizes = tier_sizes(ex)
    tiers: list[float] = []
    proven_priority = all(r.outcome.startswith(("proven", "skipped"))
                          for r in stages if r.name.startswith("priority"))
    for t, n in enumerate(placed):
        tiers.append(float(n) if proven_priority else float(sizes[t]))
    out = [*tiers]
    for name, scale in (("waiting", 1.0), ("amber", 1.0), ("max_load", 100.0),
                        ("spread", 100.0), ("preferences", 1.0)):
        report = by_name.get(name)
        value = report.bound if report is not None else stage_key(obj, name)
        out.append(value / scale)
    return tuple(out)


HEURISTICS.update({"amber": improve_by_balancing, "max_load": improve_by_levels,
                   "spread": improve_by_local_search})
