"""The optimiser's per-meeting setup and bookkeeping, made cheaper, against the plain
computations they replace (random meetings and allocations, hypothesis): every value
must be the same, since the CP-SAT policy's answers depend on them bit for bit."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from allocopt.allocation.exact import ExactProblem, exact_problem
from allocopt.allocation.objective import (
    Objective,
    amber_count,
    concentration_excess,
    evaluate,
    max_load,
    preference_score,
    spread,
    tier_count,
    worker_totals,
)
from allocopt.allocation.problem import AllocationProblem, Assignment, Preferences, RoleName
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

