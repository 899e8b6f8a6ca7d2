"""Workers the priority tiers above fill to the last point they can use
(allocation/cpsat/bounds/saturation.py, model.add_saturation).

- cases worked by hand: two workers filled exactly by four CP households, so a CIN
  household can only go to the NQSW; one held fewer, and nothing is claimed; a worker
  left with 2 points that only a 1-point household fits;
- the meeting that motivated it (200 x 1,000 overload): 36 S47 and 342 CP households
  fill the 143 workers who may take them, with no room left for any court household;
- on random meetings, whenever a run of tiers held at their optimum is said to fill its
  workers, every allocation the model allows holds exactly the load claimed on each of
  them, and the rows change no lower tier's optimum.
"""

from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from allocopt.allocation.cpsat.bounds.count_lp import CountLp
from allocopt.allocation.cpsat.bounds.saturation import saturated_rooms
from allocopt.allocation.cpsat.model import CountModel, add_saturation, build_model
from allocopt.allocation.exact import ExactProblem, exact_problem
from allocopt.allocation.objective import tier_sizes
from allocopt.allocation.problem import AllocationProblem
from allocopt.allocation.types import load_types
from allocopt.domain import Status
from tests.test_allocation_builders import household, problem, worker
from tests.test_room_making import CEILING

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def rooms_of(p: AllocationProblem, upto: int, held: tuple[int, ...]
             ) -> tuple[ExactProblem, dict[str, tuple[float, float]] | None]:
    """saturated_rooms by worker id, in points."""
    ex = exact_problem(p)
    found = saturated_rooms(CountLp(ex, load_types(ex)), upto, held)
    if found is None:
        return ex, None
    return ex, {ex.workers[w].id: (a / ex.scale, b / ex.scale) for w, (a, b) in found.items()}


def test_four_cp_households_fill_two_workers_so_cin_goes_to_the_nqsw() -> None:
    # Rooms under the ceiling: W1 5, W2 4, N (an NQSW: no CP work) 6. CP households of
    # 3, 2, 2 and 2 points need 9, and W1 can use 5 (3 + 2) and W2 4 (2 + 2) of them:
    # all four placed fill both, so no CIN household can go to W1 or W2.
    p = problem([worker("W1", load=CEILING - 5), worker("W2", load=CEILING - 4),
                 worker("N", load=CEILING - 6, nqsw=True, cp_protected=True)],
                [household("A", 3, status=Status.CP), household("B", 2, status=Status.CP),
                 household("C", 2, status=Status.CP), household("D", 2, status=Status.CP),
                 household("E", 1), household("F", 2)])
    cp = exact_problem(p).households[0].tier
    ex, rooms = rooms_of(p, cp, (0,) * cp + (4,))
    assert rooms == {"W1": (5, 0), "W2": (4, 0)}
    # three held need only 6 of the 9: nothing is claimed
    assert rooms_of(p, cp, (0,) * cp + (3,))[1] is None
    # the rows let no CIN household onto W1 or W2, and keep all four CP households
    cm = build_model(ex, load_types(ex))
    placed_cp = sum(cm.placed[k] for k, t in enumerate(cm.types) if t.tier == cp)
    cm.model.add(placed_cp == 4)
    found = saturated_rooms(CountLp(ex, cm.types, cm.rooms), cp, (0,) * cp + (4,))
    assert found is not None
    add_saturation(cm, cp, found)
    ids = {w.id: i for i, w in enumerate(ex.workers)}
    cin_on = [var for (k, w), var in cm.x.items() if cm.types[k].tier > cp
              and w in (ids["W1"], ids["W2"])]
    assert cin_on and _best(cm, cp_model.LinearExpr.sum(cin_on), True) == 0
    cin_on_n = [var for (k, w), var in cm.x.items() if cm.types[k].tier > cp
                and w == ids["N"]]
    assert _best(cm, cp_model.LinearExpr.sum(cin_on_n), True) == 2  # E and F both fit N


def test_room_left_takes_only_what_fits_in_it() -> None:
    # W1 has 6 points of room, W2 4; CP households of 4 and 4 need 8 and W1 can use only
    # 4 of its 6: both fill W1 to 4 and W2 to 4, leaving W1 2 points for lower tiers.
    p = problem([worker("W1", load=CEILING - 6), worker("W2", load=CEILING - 4)],
                [household("A", 4, status=Status.CP), household("B", 4, status=Status.CP),
                 household("E", 1), household("F", 3)])
    cp = exact_problem(p).households[0].tier
    ex, rooms = rooms_of(p, cp, (0,) * cp + (2,))
    assert rooms == {"W1": (4, 2), "W2": (4, 0)}
    found = saturated_rooms(CountLp(ex, load_types(ex)), cp, (0,) * cp + (2,))
    assert found is not None
    cm = build_model(ex, load_types(ex))
    add_saturation(cm, cp, found)
    w1 = next(i for i, w in enumerate(ex.workers) if w.id == "W1")
    tops = {cm.types[k].points // ex.scale: _best(cm, var, True)
            for (k, w), var in cm.x.items() if w == w1 and cm.types[k].tier > cp}
    assert tops == {1: 1, 3: 0}  # the 1-point household fits the 2 left, the 3 does not


def test_at_200_by_1000_overload_s47_and_cp_fill_their_workers() -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from allocation_instances import instance
    finally:
        sys.path.remove(str(BENCHMARKS))
    ex = exact_problem(instance("standard", "service", "overload").problem)
    types = load_types(ex)
    count = CountLp(ex, types)
    cp = 1
    assert tier_sizes(ex)[:2] == [36, 345]
    rooms = saturated_rooms(count, cp, (36, 342))
    assert rooms is not None and len(rooms) == 143
    court = [t.points for t in types if t.tier == 2]
    assert all(left < min(court) for _, left in rooms.values())
    # one CP household fewer and the claim no longer holds
    assert saturated_rooms(count, cp, (36, 341)) is None


@st.composite
def meetings(draw: st.DrawFn) -> AllocationProblem:
    """A few workers with little room (some protected from CP work), S47, CP and CIN
    households of 1 to 6 points."""
    n_w = draw(st.integers(2, 4))
    ws = [worker(f"W{i}", load=CEILING - draw(st.integers(2, 9)),
                 cp_protected=draw(st.booleans())) for i in range(n_w)]
    n_h = draw(st.integers(2, 9))
    hs = []
    for j in range(n_h):
        kind = draw(st.sampled_from(["S47", "CP", "CIN"]))
        hs.append(household(f"H{j}", draw(st.integers(1, 6)),
                            status=Status.CIN if kind == "CIN" else Status.CP,
                            tier="S47" if kind == "S47" else None,
                            waiting_days=draw(st.integers(0, 30))))
    return problem(ws, hs)


def _best(cm: CountModel, expr: cp_model.LinearExprT, maximise: bool) -> int:
    model = cm.model.clone()
    if maximise:
        model.maximize(expr)
    else:
        model.minimize(expr)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(model) == cp_model.OPTIMAL
    return round(solver.objective_value)


def _tier_expr(cm: CountModel, tier: int) -> cp_model.LinearExprT:
    return cp_model.LinearExpr.sum([cm.placed[k] for k, t in enumerate(cm.types)
                                    if t.tier == tier])


def _held_model(ex: ExactProblem, optimum: list[int], upto: int) -> CountModel:
    cm = build_model(ex, load_types(ex))
    for tier in range(upto + 1):
        cm.model.add(_tier_expr(cm, tier) == optimum[tier])
    return cm


SATURATED: list[int] = []
"""Examples of the property test in which some run of tiers filled its workers."""


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(meetings())
def test_rows_hold_for_every_allocation_and_change_no_optimum(p: AllocationProblem) -> None:
    ex = exact_problem(p)
    sizes = tier_sizes(ex)
    cm = build_model(ex, load_types(ex))
    optimum: list[int] = []
    for tier in range(len(sizes)):
        optimum.append(_best(cm, _tier_expr(cm, tier), True))
        cm.model.add(_tier_expr(cm, tier) == optimum[-1])
    count = CountLp(ex, cm.types, cm.rooms)
    for upto in range(len(sizes)):
        rooms = saturated_rooms(count, upto, tuple(optimum[:upto + 1]))
        if rooms is None:
            continue
        if rooms and sizes[upto]:
            SATURATED.append(upto)
        plain = _held_model(ex, optimum, upto)
        for w, (holds, _left) in rooms.items():
            mine = cp_model.LinearExpr.weighted_sum(
                [v for (k, ww), v in plain.x.items() if ww == w and plain.types[k].tier <= upto],
                [plain.types[k].points for (k, ww) in plain.x if ww == w
                 and plain.types[k].tier <= upto])
            # every allocation holding the tiers fills this worker to exactly that load
            assert _best(plain, mine, True) == holds == _best(plain, mine, False)
        cut = _held_model(ex, optimum, upto)
        add_saturation(cut, upto, rooms)
        for tier in range(upto + 1, len(sizes)):
            assert _best(cut, _tier_expr(cut, tier), True) == optimum[tier]
            cut.model.add(_tier_expr(cut, tier) == optimum[tier])
            plain.model.add(_tier_expr(plain, tier) == optimum[tier])
        assert _best(cut, cp_model.LinearExpr.sum(list(cut.added.values())), True) == \
            _best(plain, cp_model.LinearExpr.sum(list(plain.added.values())), True)


def test_the_property_test_meets_filled_workers() -> None:
    """The property test above is not empty: in a fixed run of it, runs of tiers that
    fill their workers come up."""
    SATURATED.clear()
    settings(max_examples=120, deadline=None, database=None, derandomize=True,
             suppress_health_check=[HealthCheck.too_slow])(
        given(meetings())(test_rows_hold_for_every_allocation_and_change_no_optimum.hypothesis.inner_test))()
    assert len(SATURATED) >= 20
