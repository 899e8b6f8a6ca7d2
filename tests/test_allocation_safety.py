"""No engine ever breaks a hard rule, on meetings drawn as widely as the safety soak's.

The same space as ``benchmarks/safety_soak.py`` (allocopt.synthetic_meetings: every
role, NQSWs at every month, part time, leave and leaving dates, sibling groups with
mixed statuses, S47, court, heavy CP, pins, exclusions, limits, rules switched off),
drawn by hypothesis so that a failure shrinks to a small meeting. Every engine of
allocation/engines.py on its own, and the gate, judged by the independent validator.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocopt.allocation.engines import ENGINE_NAMES, engine_runs
from allocopt.synthetic_meetings import random_meeting
from tests.test_allocation_builders import scheme


class HypothesisDraws:
    """allocopt.synthetic_meetings.Draws from hypothesis (shrinks a failure)."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def integer(self, lo: int, hi: int) -> int:
        return self.data.draw(st.integers(lo, hi))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_no_engine_breaks_a_hard_rule_on_meetings_drawn_widely(data: st.DataObject) -> None:
    p = random_meeting(HypothesisDraws(data), scheme(), most_workers=8, most_households=8)
    runs = engine_runs(p, time_limit_s=5)
    assert {"greedy", "small search", "cp-sat", "cp-sat model", "gate"} <= {
        r.engine for r in runs} <= set(ENGINE_NAMES)
    for run in runs:
        assert run.breaches == (), (run.engine, run.breaches)
    by_name = {r.engine: r for r in runs}
    # the CP-SAT model alone really solved (or the pins conflict: nothing to solve)
    model = by_name["cp-sat model"]
    assert model.solves > 0 or model.status == "infeasible" or not p.households
