"""The optimiser's per-meeting setup and bookkeeping, made cheaper, against the plain
computations they replace (random meetings and allocations, hypothesis): every value
must be the same, since the CP-SAT policy's answers depend on them bit for bit."""

from __future__ import annotations

import math
import random

from hypothesis import given
from hypothesis import strategies as st

from allocopt.allocation.dealing import Dealer
from allocopt.allocation.exact import (
    ExactProblem,
    decimal_fraction,
    exact_problem,
    to_assignments,
)
from allocopt.allocation.objective import (
    Objective,
    amber_count,
    concentration_excess,
    concentration_limits,
    evaluate,
    evaluate_steps,
    kind_added,
    kinds_held,
    max_load,
    preference_score,
    spread,
    tier_count,
    tier_sizes,
    tier_weights,
    worker_totals,
)
from allocopt.allocation.problem import AllocationProblem, Assignment, Preferences, RoleName
from allocopt.allocation.rule_checks import (
    active_rules,
    load_ceilings,
    other_limits,
    required,
    static_worker_facts,
    static_workers_facts,
    statically_allowed,
    worker_limits,
)
from allocopt.allocation.types import allowed_workers, load_types, own_types, waiting_order
from tests.test_allocation_properties import SETTINGS, meetings


def plain_evaluate(ex: ExactProblem, assignments: tuple[Assignment, ...]) -> Objective:
    """The objective by the public per-level functions, one after another."""
    placed = [0] * tier_count(ex)
    waited = preference = 0
    for a in assignments:
        if a.role == "lead":
            h, w = ex.household_index[a.household_id], ex.worker_index[a.worker_id]
            placed[ex.households[h].tier] += 1
            waited += ex.households[h].waiting_days
            preference += preference_score(ex, w, h)
    totals = worker_totals(ex, assignments)
    preference -= (ex.problem.policy.preferences.concentration
                   * concentration_excess(ex, totals.kinds))
    return Objective(tuple(placed), waited, amber_count(ex, totals.added),
                     max_load(ex, totals.added), spread(ex, totals.added), preference)


@st.composite
def allocations(draw: st.DrawFn) -> tuple[AllocationProblem, list[tuple[Assignment, ...]]]:
    """A meeting (with preference weights drawn, zero included) and a few allocations of
    it, rules or not: every household waits, or has a lead and perhaps a co-worker."""
    p = draw(meetings())
    weights = Preferences(**{name: draw(st.sampled_from([0, 1, 4]))
                             for name in ("continuity", "skills", "locality",
                                          "concentration")})
    p = AllocationProblem(p.scheme, p.policy.model_copy(update={"preferences": weights}),
                          p.on, p.workers, p.households, p.team_type)
    out = []
    for _ in range(draw(st.integers(1, 4))):
        chosen: list[Assignment] = []
        for hh in p.households:
            lead = draw(st.integers(-1, len(p.workers) - 1))
            if lead < 0:
                continue
            roles: list[tuple[int, RoleName]] = [(lead, "lead")]
            if hh.co_working and draw(st.booleans()):
                roles.append((draw(st.integers(0, len(p.workers) - 1)), "secondary"))
            for w, role in roles:
                chosen.append(Assignment(hh.id, p.workers[w].id, role,
                                         hh.points if role == "lead" else hh.secondary_points))
        out.append(tuple(chosen))
    return p, out


@SETTINGS
@given(allocations())
def test_evaluate_in_one_pass_equals_the_levels_one_by_one(
        case: tuple[AllocationProblem, list[tuple[Assignment, ...]]]) -> None:
    p, allocs = case
    ex = exact_problem(p)
    for assignments in allocs:
        # twice: the second reads the scores the first remembered
        assert evaluate(ex, assignments) == plain_evaluate(ex, assignments)
        assert evaluate(ex, assignments) == plain_evaluate(ex, assignments)


@SETTINGS
@given(meetings(), st.booleans())
def test_allowed_workers_and_load_types_share_one_reading_of_the_static_rules(
        p: AllocationProblem, types_first: bool) -> None:
    """Whichever is asked first, each household's allowed workers and each load type's
    are those the eligibility parts allow one by one (in worker id order; a type's
    without the pairs forbidden one by one, unless it is a type of its own)."""
    ex = exact_problem(p)
    if types_first:
        types = load_types(ex)
    allowed = allowed_workers(ex)
    if not types_first:
        types = load_types(ex)
    by_id = sorted(range(len(ex.workers)), key=lambda w: ex.workers[w].id)

    def plain(h: int, role: RoleName, pairs: bool = True) -> tuple[int, ...]:
        if role == "secondary" and not ex.households[h].co_working:
            return ()
        return tuple(w for w in by_id if statically_allowed(ex, w, h, role, pairs=pairs))

    for h in range(len(ex.households)):
        assert allowed[h] == (plain(h, "lead"), plain(h, "secondary"))
    special = own_types(ex)
    for t in types:
        alone = ex.households[t.rep].id in special
        assert (t.leads, t.seconds) == (plain(t.rep, "lead", alone),
                                        plain(t.rep, "secondary", alone))


@SETTINGS
@given(meetings())
def test_every_workers_facts_at_once_and_the_pins_kept_with_the_problem(
        p: AllocationProblem) -> None:
    ex = exact_problem(p)
    assert static_workers_facts(ex) == [static_worker_facts(ex, w)
                                        for w in range(len(ex.workers))]
    first = required(ex)
    first.append((0, 0))  # a caller's list is its own
    assert required(ex) == [pair for rule in active_rules(ex) if rule.required is not None
                            for pair in rule.required(ex)]


@SETTINGS
@given(meetings(), st.randoms(use_true_random=False))
def test_tightest_workers_by_place_in_id_order_as_by_id(p: AllocationProblem,
                                                        rng: random.Random) -> None:
    """Best fit's ties go by the workers' places in id order: the order by id."""
    ex = exact_problem(p)
    dealer = Dealer(ex)
    for h in rng.sample(range(len(ex.households)), len(ex.households) // 2):
        first = next(dealer.tightest(h), None)
        if first is not None:
            dealer.place(h, first)
    for h in range(len(ex.households)):
        for level in (None, rng.randrange(5_000, 13_000)):
            plain = []
            for w in dealer.static_leads[h]:
                total = dealer.taken[w].load + ex.points[h]
                after = ex.load[w] + total
                top = dealer.ceiling[w]
                if total > 0 and after > top:
                    continue
                b = ex.benchmark[w]
                room = (top - after if level is None
                        else level * b // 10_000 - after if b > 0 else -1)
                if level is None or room >= 0:
                    plain.append((room, ex.workers[w].id, w))
            assert dealer._tightest_small(h, level) == [w for _, _, w in sorted(plain)]



@SETTINGS
@given(allocations())
def test_concentration_limits_in_whole_numbers_equal_the_fractions(
        case: tuple[AllocationProblem, list[tuple[Assignment, ...]]]) -> None:
    ex = exact_problem(case[0])
    view = ex.problem.scheme.team_view
    factor = decimal_fraction(view.concentration_factor)
    totals = [sum(held[k] for held in kinds_held(ex))
              + sum(kind_added(ex, h)[k] for h in range(len(ex.households))) for k in range(3)]
    all_benchmark = sum(b for b in ex.benchmark if b > 0)
    least = view.concentration_min - 1
    for w, limits in enumerate(concentration_limits(ex)):
        b = max(ex.benchmark[w], 0)
        assert limits == tuple(
            max(least, math.floor(factor * total * b / all_benchmark)) if all_benchmark > 0
            else max(least, 0) for total in totals)


@SETTINGS
@given(allocations())
def test_evaluate_by_position_equals_evaluate_of_the_assignments(
        case: tuple[AllocationProblem, list[tuple[Assignment, ...]]]) -> None:
    p, allocs = case
    ex = exact_problem(p)
    for assignments in allocs:
        chosen: list[tuple[int, int, RoleName]] = [
            (ex.household_index[a.household_id], ex.worker_index[a.worker_id], a.role)
            for a in reversed(assignments)]
        assert evaluate_steps(ex, chosen) == plain_evaluate(ex, to_assignments(ex, chosen))


@SETTINGS
@given(meetings(), st.booleans())
def test_ceilings_and_other_rows_split_in_one_pass(p: AllocationProblem,
                                                   others_first: bool) -> None:
    ex = exact_problem(p)
    if others_first:
        others = other_limits(ex)
    ceilings = load_ceilings(ex)
    if not others_first:
        others = other_limits(ex)
    rows = [tuple(row for rule in active_rules(ex) for row in rule.rows(ex, w))
            for w in range(len(ex.workers))]
    assert worker_limits(ex) == rows
    for w, mine in enumerate(rows):
        tops = [row.held + row.room for row in mine if row.load_only]
        assert ceilings[w] == (min(tops) if tops else None)
        assert others[w] == tuple(row for row in mine if not row.load_only)


@SETTINGS
@given(meetings())
def test_tiers_and_waiting_order_kept_with_the_problem(p: AllocationProblem) -> None:
    ex = exact_problem(p)
    count = max(len(ex.problem.policy.tiers) + 1,
                max((h.tier for h in ex.households), default=0) + 1)
    sizes = [sum(1 for h in ex.households if h.tier == t) for t in range(count)]
    weights = [1 + sum(sizes[s] * w for s, w in enumerate(tier_weights(ex)) if s > t)
               for t in range(count)]
    order = sorted(range(len(ex.households)), key=lambda h: (
        ex.households[h].tier, -ex.households[h].waiting_days, ex.households[h].id))
    for _ in range(2):  # the second from what the first kept; each list the caller's own
        assert tier_count(ex) == count
        assert tier_sizes(ex) == sizes
        assert tier_weights(ex) == weights
        assert waiting_order(ex) == order
        tier_sizes(ex).append(1)
        tier_weights(ex).append(1)
        waiting_order(ex).append(-1)
