"""The count model of one meeting: variables, every hard rule, the levels' expressions.

For each load type (:mod:`allocopt.allocation.types`) and each worker the static
rules allow, an integer *how many households of this type the worker leads* (and,
for co-worked types, co-works), with every cumulative hard rule as a linear
constraint in exact integers (:mod:`allocopt.allocation.exact`). Level 1's
expressions are built with the model; levels 2 and 3 (:func:`add_load_levels`)
and 4 (:func:`add_spread_stage`) are added when a stage needs them, level 5 by
:mod:`allocopt.allocation.cpsat.preferences`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from allocopt.allocation.cpsat.bounds.facets import spread_facets
from allocopt.allocation.cpsat.rooms import PairRooms, pair_rooms
from allocopt.allocation.exact import PCT_UNITS, ExactProblem, pct_units
from allocopt.allocation.problem import Assignment, RoleName
from allocopt.allocation.rule_checks import load_rooms, other_limits
from allocopt.allocation.types import LoadType

if TYPE_CHECKING:
    from allocopt.allocation.cpsat.bounds.count_lp import CountLp
    from allocopt.allocation.cpsat.preferences import PreferenceClass
    from allocopt.allocation.cpsat.solution import Candidate

BIG_PCT = 10**12
"""Load % (in hundredths) of a worker with no benchmark who is given work."""

SMALL_MODEL = 2_000
"""Models with fewer integer variables than this are solved with one search worker."""


def upper(var: cp_model.IntVar) -> int:
    """A variable's upper bound (the proto's repeated field has no negative indexing)."""
    domain = var.proto.domain
    return int(domain[len(domain) - 1])


@dataclass
class Variables:
    """The CP-SAT side of a :class:`CountModel`: the model, its count variables and the
    expressions of level 1."""

    model: cp_model.CpModel
    x: dict[tuple[int, int], cp_model.IntVar]
    """(type, worker) -> households of the type the worker leads."""
    s: dict[tuple[int, int], cp_model.IntVar]
    """(type, worker) -> households of a co-worked type the worker co-works."""
    added: dict[int, cp_model.IntVar]
    placed: list[cp_model.LinearExpr]
    waited: dict[int, tuple[cp_model.IntVar, list[int]]]
    """type -> (days the placed households waited, days waited by the first n placed)."""
    groups: dict[int, list[ExclusionGroup]]
    """type -> its households split by the worker they exclude (types with exclusions)."""
    stage_exprs: dict[str, cp_model.LinearExprT]


@dataclass
class CountModel:
    """The count model of one meeting: the bounds of its counts at once, and the CP-SAT
    model with handles on its variables (:class:`Variables`) when a solve first needs
    it. At 1,000 x 5,000 the variables take 200 MB and 2-3 s to write; a meeting whose
    every level is settled by the starting points, the heuristics and the LP bounds
    (region fits) never needs them."""

    ex: ExactProblem
    types: list[LoadType]
    added_ub: dict[int, int]
    write: Callable[[], Variables]
    """Writes the CP-SAT model (:meth:`variables` calls it once)."""
    built: Variables | None = None
    amber: dict[int, cp_model.IntVar] = field(default_factory=dict)
    receives: dict[int, cp_model.IntVar] = field(default_factory=dict)
    top: cp_model.IntVar | None = None
    """Levels 2 and 3 (:func:`add_load_levels`): moved into amber, given work, max load %."""
    dev: dict[int, cp_model.IntVar] = field(default_factory=dict)
    z: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    classes: list[PreferenceClass] = field(default_factory=list)
    excess: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    memo: dict[tuple[Hashable, ...], object] = field(default_factory=dict)
    """LP bounds already worked out for this meeting (a stage's bound and proof ask alike)."""
    count_lp: CountLp | None = None
    """The meeting's LP relaxation (:mod:`.bounds.count_lp`), once a bound needs it."""
    rooms: PairRooms | None = None
    """The bounds of every (type, worker) pair the model was built from."""
    x_ub: dict[tuple[int, int], int] = field(default_factory=dict)
    s_ub: dict[tuple[int, int], int] = field(default_factory=dict)
    """The most each count may be (its domain's top); their keys are the pairs that have
    a count variable."""
    type_of: dict[int, int] = field(default_factory=dict)
    """household -> its load type."""
    counted: dict[tuple[Assignment, ...], Candidate] = field(default_factory=dict)
    """Allocations already counted (:func:`candidate`): the starting points, heuristics and
    solves of one meeting meet the same allocations again and again."""
    balanced: dict[tuple[Assignment, ...], tuple[Assignment, ...]] = field(default_factory=dict)
    """Local search results (:func:`local_search`), settled ones also keyed by themselves."""
    floors: dict[tuple[str, tuple[int, ...], int | None], int] = field(default_factory=dict)
    """Bounds already worked out for this meeting (:func:`max_load_floor`,
    :func:`least_load`): a stage's bound, heuristic and proof ask for the same ones."""

    def variables(self) -> Variables:
        """The CP-SAT model and its variables, written when first asked for."""
        if self.built is None:
            self.built = self.write()
        return self.built

    @property
    def model(self) -> cp_model.CpModel:
        return self.variables().model

    @property
    def x(self) -> dict[tuple[int, int], cp_model.IntVar]:
        return self.variables().x

    @property
    def s(self) -> dict[tuple[int, int], cp_model.IntVar]:
        return self.variables().s

    @property
    def added(self) -> dict[int, cp_model.IntVar]:
        return self.variables().added

    @property
    def placed(self) -> list[cp_model.LinearExpr]:
        return self.variables().placed

    @property
    def waited(self) -> dict[int, tuple[cp_model.IntVar, list[int]]]:
        return self.variables().waited

    @property
    def groups(self) -> dict[int, list[ExclusionGroup]]:
        return self.variables().groups

    @property
    def stage_exprs(self) -> dict[str, cp_model.LinearExprT]:
        return self.variables().stage_exprs

    @property
    def size(self) -> int:
        """Count variables of the model (written or not)."""
        return len(self.x_ub) + len(self.s_ub)


class Model(cp_model.CpModel):
    """A CP-SAT model without the deprecated camelCase aliases OR-Tools attaches to every
    new model (about a third of the time to build a small meeting's model; the
    simulator builds one per meeting). Nothing here uses those names."""

    def _add_pre_pep8_methods(self) -> None:
        return


def build_model(ex: ExactProblem, types: list[LoadType]) -> CountModel:
    """The count model with every hard rule and the expressions of level 1 (levels 2 and 3:
    :func:`add_load_levels`; 4 and 5 are added by their stages).

    The eligibility parts of the rules decide which variables exist (the load types'
    allowed workers); every row of their linear parts
    (:func:`allocopt.allocation.rule_checks.worker_limits`) becomes a constraint on a
    worker's counts: load-only rows as the domain of the worker's new load, the
    others as rows of their own."""
    load_room = load_rooms(ex)
    rooms = pair_rooms(ex, types)
    x_ub: dict[tuple[int, int], int] = {}
    s_ub: dict[tuple[int, int], int] = {}
    most: dict[int, int] = {}
    for k, t in enumerate(types):
        for w, ub in zip(t.leads, rooms.lead_most[k].tolist(), strict=True):
            if ub > 0:
                x_ub[k, w] = ub
                most[w] = most.get(w, 0) + ub * t.points
        if t.co_working:
            for w, ub in zip(t.seconds, rooms.second_most[k].tolist(), strict=True):
                if ub > 0:
                    s_ub[k, w] = ub
                    most[w] = most.get(w, 0) + ub * t.secondary
    added_ub: dict[int, int] = {}
    for w in sorted(most, key=lambda w: ex.workers[w].id):
        limit = load_room[w]
        added_ub[w] = most[w] if limit is None else min(most[w], limit)
    cm = CountModel(ex, types, added_ub, lambda: _write(ex, types, rooms, x_ub, s_ub, added_ub))
    cm.rooms = rooms
    cm.x_ub, cm.s_ub = x_ub, s_ub
    cm.type_of = {h: k for k, t in enumerate(types) for h in t.households}
    return cm


def _write(ex: ExactProblem, types: list[LoadType], rooms: PairRooms,
           x_ub: dict[tuple[int, int], int], s_ub: dict[tuple[int, int], int],
           added_ub: dict[int, int]) -> Variables:
    """The CP-SAT model of :func:`build_model`, its counts within `x_ub` and `s_ub`."""
    m = Model()
    others = other_limits(ex)
    weights = rooms.weights
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    s: dict[tuple[int, int], cp_model.IntVar] = {}
    terms: dict[int, list[tuple[cp_model.IntVar, int]]] = {}
    row_terms: dict[tuple[int, int], list[tuple[cp_model.IntVar, int]]] = {}
    placed: list[cp_model.LinearExpr] = []
    waited: dict[int, tuple[cp_model.IntVar, list[int]]] = {}
    waited_terms: list[cp_model.LinearExprT] = []
    groups: dict[int, list[ExclusionGroup]] = {}

    def count(k: int, w: int, role: RoleName, name: str, load: int) -> cp_model.IntVar | None:
        """A (type, worker) count within every row of the worker's limits (its bound
        from :func:`~.rooms.pair_rooms`), or None if not one household fits."""
        ub = (x_ub if role == "lead" else s_ub).get((k, w), 0)
        if ub <= 0:
            return None
        var = m.new_int_var(0, ub, f"{name}_{k}_{w}")
        terms.setdefault(w, []).append((var, load))
        for i, row in enumerate(others[w]):
            used = weights.of(row, k, role)
            if used > 0:
                row_terms.setdefault((w, i), []).append((var, used))
        return var

    for k, t in enumerate(types):
        for w in t.leads:
            var = count(k, w, "lead", "x", t.points)
            if var is not None:
                x[k, w] = var
        leads = [x[k, w] for w in t.leads if (k, w) in x]
        total = cp_model.LinearExpr.sum(leads)
        placed.append(total)
        if leads and t.excluded:
            m.add(total <= t.size)
            groups[k], days_expr = _exclusion_rows(m, k, t, ex, x, total)
            waited_terms.append(days_expr)
        elif leads:
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
                var = count(k, w, "secondary", "s", t.secondary)
                if var is None:
                    continue
                s[k, w] = var
                seconds.append(var)
                if (k, w) in x:
                    # nobody co-works their own case: a pairing exists iff no worker
                    # holds more than the placed number as lead and co-worker together
                    m.add(x[k, w] + var <= total)
            m.add(cp_model.LinearExpr.sum(seconds) == total)
    added: dict[int, cp_model.IntVar] = {}
    for w, most in added_ub.items():
        var = m.new_int_var(0, most, f"added_{w}")
        m.add(var == cp_model.LinearExpr.weighted_sum([v for v, _ in terms[w]],
                                                      [c for _, c in terms[w]]))
        added[w] = var
    for (w, i), row in row_terms.items():
        m.add(cp_model.LinearExpr.weighted_sum([v for v, _ in row], [c for _, c in row])
              <= others[w][i].room)
    return Variables(m, x, s, added, placed, waited, groups,
                     {"waiting": cp_model.LinearExpr.sum(waited_terms)})


@dataclass(frozen=True)
class ExclusionGroup:
    """Households of a type that exclude the same worker (or none, `worker` None), placed
    longest waiting first: how many are placed, and the days they waited."""

    worker: int | None
    positions: tuple[int, ...]
    """Their positions in the type's households (longest waiting first)."""
    placed: cp_model.IntVar
    waited: cp_model.IntVar | None
    prefix: tuple[int, ...]
    """Days waited by the first n placed, for n = 0..len(positions)."""


def _exclusion_rows(m: cp_model.CpModel, k: int, t: LoadType, ex: ExactProblem,
                    x: dict[tuple[int, int], cp_model.IntVar], total: cp_model.LinearExprT
                    ) -> tuple[list[ExclusionGroup], cp_model.LinearExprT]:
    """The rows keeping a type whose households exclude workers exact; (groups, days
    waited by the type's placed households).

    The type's households are split into groups: those that exclude no one, and per
    worker those that exclude that worker; each group is placed longest waiting first.
    A worker leads at most the placed households outside their own group. When each
    household excludes at most one worker this is exact (Hall's theorem: two or more
    workers together may take every placed household, so only a single worker can lack
    households; :func:`~allocopt.allocation.cpsat.solution.match_excluded` finds the
    matching), and the days waited are those of the longest-waiting households of each
    group, whatever split the solver chooses.
    """
    owner: dict[int, int] = {p: w for w, at in t.excluded.items() for p in at}
    split: list[tuple[int | None, tuple[int, ...]]] = [
        (None, tuple(p for p in range(t.size) if p not in owner))]
    split += [(w, at) for w, at in t.excluded.items()]
    groups = []
    days_terms: list[cp_model.LinearExprT] = []
    for w, positions in split:
        if not positions:
            continue
        n = m.new_int_var(0, len(positions), f"placed_{k}_{w}")
        days = [ex.households[t.households[p]].waiting_days for p in positions]
        prefix = [0]
        for d in days:
            prefix.append(prefix[-1] + d)
        d_var = None
        if len(set(days)) == 1:
            days_terms.append(days[0] * n)
        else:
            d_var = m.new_int_var(0, prefix[-1], f"waited_{k}_{w}")
            for j, slope in enumerate(days):
                if j == 0 or slope != days[j - 1]:
                    m.add(d_var <= prefix[j] + slope * (n - j))
            days_terms.append(d_var)
        groups.append(ExclusionGroup(w, positions, n, d_var, tuple(prefix)))
    m.add(cp_model.LinearExpr.sum([g.placed for g in groups]) == total)
    for g in groups:
        var = x.get((k, g.worker)) if g.worker is not None else None
        if var is not None:
            m.add(var + g.placed <= total)
    return groups, cp_model.LinearExpr.sum(days_terms)


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
    # the team's highest load % before the meeting stays on the board whatever happens
    top = cm.top = m.new_int_var(ex.standing, max(top_ub, ex.standing), "max_load")
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
    return max(ex.standing, max((pct_units(ex.load[w] + ub, ex.benchmark[w])
                                 for w, ub in cm.added_ub.items() if ub > 0), default=0))


def add_max_load_row(cm: CountModel, w: int, top: cp_model.IntVar) -> cp_model.Constraint:
    """10,000 x (L + A) <= B x T for worker `w`, divided through by gcd(B, 10,000) (the
    same row with small coefficients; presolve, which would do it, is off for small
    models)."""
    ex = cm.ex
    b = ex.benchmark[w]
    g = math.gcd(b, PCT_UNITS)
    row = cp_model.LinearExpr.weighted_sum([cm.added[w], top], [PCT_UNITS // g, -(b // g)])
    return cm.model.add(row <= -(PCT_UNITS * ex.load[w]) // g)


def amber_expr(cm: CountModel) -> cp_model.LinearExprT:
    add_load_levels(cm)
    return cm.stage_exprs["amber"]


def top_var(cm: CountModel) -> cp_model.IntVar:
    """The max load % variable (adding levels 2 and 3 if not yet there)."""
    add_load_levels(cm)
    assert cm.top is not None
    return cm.top


def add_saturation(cm: CountModel, upto: int, rooms: dict[int, tuple[int, int]]) -> None:
    """Rows for workers filled by tiers up to `upto`
    (:func:`~.bounds.saturation.saturated_rooms`: worker -> (load of those tiers they
    hold, room left)): each holds exactly that load of those tiers, and no count of a
    lower tier's type exceeds what the room left holds. Implied by the model's rows once
    the tiers' counts are held; they let the search and its LP see it."""
    m = cm.model
    mine: dict[int, list[tuple[cp_model.IntVar, int]]] = {w: [] for w in rooms}
    for role, counts in (("lead", cm.x), ("secondary", cm.s)):
        for (k, w), var in counts.items():
            if w not in rooms:
                continue
            t = cm.types[k]
            load = t.points if role == "lead" else t.secondary
            if t.tier <= upto:
                mine[w].append((var, load))
            elif load > 0 and rooms[w][1] // load < upper(var):
                m.add(var <= rooms[w][1] // load)
    for w, terms in mine.items():
        if terms:
            m.add(cp_model.LinearExpr.weighted_sum([v for v, _ in terms],
                                                   [c for _, c in terms]) == rooms[w][0])


def add_spread_stage(cm: CountModel, total: int,
                     reach: Callable[[int], list[int]] | None = None) -> cp_model.LinearExprT:
    """Variables and expression of level 4, with the team's new load kept at `total`.

    With the total fixed the team mean is a constant, so each worker's load %
    above it is one short linear inequality (d x B x SB >= 10,000 x (SB x (L + A)
    - B x SL)); with the mean free, the same rows couple every worker and proofs
    took 20-50 times longer on the 12 x 30 meeting. Keeping the total chooses
    among allocations that place as much new load as the best one found so far.

    `reach(w)`: the new loads worker `w` can still be given (sums of whole households
    within the max load % fixed before); each worker's term then also gets the facets
    of its convex hull over those loads (:func:`~.bounds.count_lp.spread_facets`): the
    integer hull of its row, so that the LP no longer lets a worker just below the mean
    take a fraction of a household for free.
    """
    ex, m = cm.ex, cm.model
    team = list(ex.team)
    if not team:
        return cp_model.LinearExpr.sum([])
    m.add(cp_model.LinearExpr.sum([cm.added[w] for w in team if w in cm.added]) == total)
    sb = sum(ex.benchmark[w] for w in team)
    sl = sum(ex.load[w] for w in team) + total
    for w in team:
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
            if reach is not None:
                for f in spread_facets(ex.load[w], b, sb, sl, reach(w)):
                    g = math.gcd(f.run, f.rise)
                    m.add(cp_model.LinearExpr.weighted_sum([above, mine],
                                                           [f.run // g, -(f.rise // g)])
                          >= -(-f.offset // g))
        cm.dev[w] = above
    return cp_model.LinearExpr.sum(list(cm.dev.values()))


def tighten_max_load(cm: CountModel, floor: int) -> None:
    """With T >= `floor`, a worker already at or below it needs no 'receives' switch."""
    ex = cm.ex
    top = top_var(cm)
    cm.model.add(top >= floor)
    for w in cm.receives:
        b = ex.benchmark[w]
        if b > 0 and PCT_UNITS * ex.load[w] <= floor * b:
            add_max_load_row(cm, w, top)
