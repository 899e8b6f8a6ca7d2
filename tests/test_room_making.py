"""Room made for households of a tier left waiting (allocation/room_making.py).

- a case worked by hand: a CP household fits nowhere until a chain of exchanges
  gathers the room on one worker; the household of a lower tier taken off first goes
  back where it was;
- on any meeting, whatever it returns keeps every hard rule, places more households of
  the tier, places no fewer of the tiers above, and is lexicographically better.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocopt.allocation.dealing import Dealer
from allocopt.allocation.exact import ExactProblem, exact_problem, to_assignments
from allocopt.allocation.objective import evaluate
from allocopt.allocation.problem import AllocationProblem, Assignment
from allocopt.allocation.room_making import make_room
from allocopt.allocation.validate import validate
from allocopt.domain import Status
from tests.test_allocation_builders import household, problem, worker

CEILING = 54
"""The most load a worker of benchmark 50 may hold in the default ceiling band."""


def test_room_is_gathered_on_one_worker_by_a_chain_of_exchanges() -> None:
    # Rooms of 7 points under the ceiling. W1 holds A (CP, 3): 4 to spare. W2 holds G
    # (CP, 2) and H (CP, 4): 1 to spare. W3 is an NQSW (no CP) holding L (CIN, 1). C (CP,
    # 5) fits nowhere as things stand. W1 gives A to W2 and takes G back: W1 has 5 to
    # spare and takes C; W2 ends with 3 + 4 = 7. L goes back to W3.
    p = problem([worker("W1", load=CEILING - 7), worker("W2", load=CEILING - 7),
                 worker("W3", load=CEILING - 7, nqsw=True,
                        cp_protected=True)],
                [household("A", 3, status=Status.CP), household("C", 5, status=Status.CP),
                 household("G", 2, status=Status.CP), household("H", 4, status=Status.CP),
                 household("L", 1)])
    ex = exact_problem(p)
    assert ex.ceiling_max[0] == CEILING * ex.scale
    cp = ex.households[0].tier
    start = to_assignments(ex, [(0, 0, "lead"), (2, 1, "lead"), (3, 1, "lead"),
                                (4, 2, "lead")])
    assert validate(p, start) == []
    made = make_room(ex, start, cp, time.perf_counter() + 10)
    assert made is not None
    held = {a.household_id: a.worker_id for a in made}
    assert held == {"A": "W2", "C": "W1", "G": "W1", "H": "W2", "L": "W3"}
    assert validate(p, made) == []
    # nothing to gain once every CP household is placed
    assert make_room(ex, made, cp, time.perf_counter() + 10) is None


@st.composite
def tight_deals(draw: st.DrawFn) -> tuple[AllocationProblem, tuple[Assignment, ...]]:
    """A meeting where every worker has a few points to spare, CP and CIN households of
    1 to 6 points waiting up to 60 days, and any valid deal of some of them (in any
    order, to any worker)."""
    n_w = draw(st.integers(2, 5))
    ws = [worker(f"W{i}", load=CEILING - draw(st.integers(2, 9)),
                 cp_protected=draw(st.booleans())) for i in range(n_w)]
    n_h = draw(st.integers(2, 10))
    hs = [household(f"H{j}", draw(st.integers(1, 6)),
                    status=draw(st.sampled_from([Status.CP, Status.CIN])),
                    waiting_days=draw(st.integers(0, 60)))
          for j in range(n_h)]
    p = problem(ws, hs)
    ex = exact_problem(p)
    dealer = Dealer(ex)
    for h in draw(st.permutations(range(n_h))):
        w = draw(st.integers(-1, n_w - 1))
        if (w >= 0 and w in dealer.static_leads[h]
                and dealer.load[w] + dealer.added[w] + ex.points[h] <= dealer.ceiling[w]
                and dealer.allowed_now(h, w)):
            dealer.place(h, w)
    return p, dealer.assignments()


DEALS = settings(max_examples=150, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
"""Examples of :func:`tight_deals` a property test tries."""


def check_places_more_of_each_tier(
        deal: tuple[AllocationProblem, tuple[Assignment, ...]],
        improve: Callable[[ExactProblem, tuple[Assignment, ...], int, float],
                          tuple[Assignment, ...] | None]) -> None:
    """For each tier of a deal, whatever `improve` returns keeps every hard rule, places
    more of the tier and no fewer of the tiers above, and is lexicographically better."""
    p, start = deal
    ex = exact_problem(p)
    assert validate(p, start) == []
    before = evaluate(ex, start)
    for tier, placed in enumerate(before.placed):
        made = improve(ex, start, tier, time.perf_counter() + 10)
        if made is None:
            continue
        after = evaluate(ex, made)
        assert validate(p, made) == []
        # the tiers above keep what they had (the manager's rule may add to them)
        assert all(a >= b for a, b in zip(after.placed[:tier], before.placed, strict=False))
        assert after.placed[tier] > placed
        assert after.key() < before.key()


@DEALS
@given(tight_deals())
def test_room_making_keeps_every_rule_and_places_more_of_the_tier(
        deal: tuple[AllocationProblem, tuple[Assignment, ...]]) -> None:
    check_places_more_of_each_tier(deal, make_room)
