"""S47 conversion through an initial conference, re-referral of closed cases, and the
weekly counts of children by status: the scenario settings and the simulator."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import pytest
from scipy import stats

from allocopt.errors import InputError
from allocopt.simulation.history import simulate_history
from allocopt.simulation.runner import run_replication
from allocopt.simulation.scenario import Assessment, Scenario
from tests.simulation_support import SINGLE_CASE, START, quiet_workforce


def _scenario(**pathway: Any) -> Scenario:
    """Plenty of capacity, fast assessments and short statuses: many closures in a year."""
    data: dict[str, Any] = {
        "name": "rates", "start": START, "weeks": 52, "scheme": SINGLE_CASE,
        "referrals": {"rate": 20, "children": {1: 0.5, 2: 0.5}},
        "pathway": {
            "assessment": {"s47_share": 0.5, "max_working_days": None,
                           "duration": {"dist": "exponential", "mean": 3, "unit": "days"},
                           "outcomes": {"NFA": 0.5, "CIN": 0.3, "CP": 0.2}},
            "statuses": {
                "CIN": {"duration": {"dist": "exponential", "mean": 2, "unit": "weeks"},
                        "next": {"close": 1.0}},
                "CP": {"duration": {"dist": "exponential", "mean": 2, "unit": "weeks"},
                       "next": {"close": 1.0}}},
            "court": None, **pathway},
        "workforce": quiet_workforce(60),
        "allocation": {"meetings": "continuous", "daily_tiers": [],
                       "policy": {"ceiling_band": "green"}},
        "initial": {"load_pct": 0, "spread": 0, "waiting": 0},
    }
    return Scenario.model_validate(data)


def _inside(k: int, n: int, p: float) -> bool:
    """True when p is inside the 99.9 % Wilson interval of k in n."""
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.999, method="wilson")
    return bool(ci.low <= p <= ci.high)


def test_cp_chance_keeps_the_overall_cp_share() -> None:
    a = Assessment(s47_share=0.3, outcomes={"NFA": 0.5, "CIN": 0.3, "CP": 0.15, "CLA": 0.05},
                   s47_conference=0.4, conference_cp=0.75)
    assert a.cp_chance(True) == pytest.approx(0.3)
    # 0.3 of assessments are S47 at 0.3; the rest must give (0.15 - 0.09) / 0.7.
    assert a.cp_chance(False) == pytest.approx(0.06 / 0.7)
    overall = 0.3 * a.cp_chance(True) + 0.7 * a.cp_chance(False)
    assert overall == pytest.approx(0.15)
    # S47 conversion above the CP share: single assessments never lead to a plan.
    high = a.model_copy(update={"s47_conference": 1.0, "conference_cp": 1.0})
    assert high.cp_chance(False) == 0.0


def test_conversion_settings_are_validated() -> None:
    base = _scenario()
    with pytest.raises(InputError, match="both s47_conference and conference_cp"):
        base.with_overrides({"pathway.assessment.s47_conference": 0.5})
    with pytest.raises(InputError, match="CP has no entry"):
        base.with_overrides({"pathway.assessment.s47_conference": 0.5,
                             "pathway.assessment.conference_cp": 0.5,
                             "pathway.assessment.outcomes": {"NFA": 0.7, "CIN": 0.3},
                             "pathway.statuses": {"CIN": {
                                 "duration": {"dist": "fixed", "value": 1},
                                 "next": {"close": 1.0}}}})


def test_s47_enquiries_convert_through_conference_at_the_set_rates() -> None:
    scenario = _scenario(assessment={
        "s47_share": 0.5, "max_working_days": None,
        "duration": {"dist": "exponential", "mean": 3, "unit": "days"},
        "outcomes": {"NFA": 0.5, "CIN": 0.3, "CP": 0.2},
        "s47_conference": 0.4, "conference_cp": 0.6})
    result = run_replication(scenario, seed=5, index=0)
    assessed = [h for h in result.households if h.first_allocated is not None
                and len(h.path.split(">")) > 1]
    s47 = [h for h in assessed if h.s47]
    conferences = [h for h in s47 if "ICPC" in h.steps]
    plans = [h for h in conferences if h.path.split(">")[1] == "CP"]
    assert len(s47) > 300
    assert _inside(len(conferences), len(s47), 0.4)
    assert _inside(len(plans), len(conferences), 0.6)
    # A plan only ever follows a conference for an S47 enquiry.
    assert all("ICPC" in h.steps for h in s47 if h.path.split(">")[1] == "CP")
    # Single assessments take the rest of the CP share: (0.2 - 0.5 * 0.24) / 0.5 = 0.16.
    single = [h for h in assessed if not h.s47]
    assert _inside(sum(h.path.split(">")[1] == "CP" for h in single), len(single), 0.16)
    # Across all assessments the CP share is still the one set.
    cp = sum(h.path.split(">")[1] == "CP" for h in assessed)
    assert _inside(cp, len(assessed), 0.2)


def test_closed_cases_come_back_at_the_rereferral_share() -> None:
    scenario = _scenario(rereferral={"share": 0.3, "within_weeks": 10})
    history = simulate_history(scenario, START + timedelta(weeks=60), seed=2)
    by_id = {c.household: c for c in history.cases}
    closed = [c for c in history.cases
              if c.status is None and c.steps[-1][0] <= history.on - timedelta(weeks=11)]
    again = []
    for c in closed:
        child = by_id.get(f"{c.family}.{int(c.household.split('.')[1]) + 1}"
                          if "." in c.household else f"{c.family}.1")
        if child is not None:
            again.append((c, child))
    assert len(closed) > 500
    assert _inside(len(again), len(closed), 0.3)
    for old, new in again:
        assert new.family == old.family and new.children == old.children
        closed_on, referred_on = old.steps[-1][0], new.steps[0][0]
        assert new.steps[0][1] == "referral"
        assert timedelta(0) <= referred_on - closed_on <= timedelta(weeks=10)


def test_no_rereferral_by_default_and_records_unchanged() -> None:
    result = run_replication(_scenario(), seed=1, index=0)
    assert all("." not in h.household for h in result.households)
    assert all(h.family == h.household for h in result.households)


def test_weekly_children_by_status_add_up() -> None:
    from tests.simulation_support import tower_hamlets

    scenario = _scenario().model_copy(update={"scheme": tower_hamlets()})
    result = run_replication(scenario.with_overrides({"weeks": 20,
                                                      "workforce.teams.0.posts": 3}), 1, 0)
    for row in result.week_rows:
        assert row.children_cin + row.children_cp + row.children_cla == \
            row.children + row.children_waiting
    assert any(r.children_waiting > 0 for r in result.week_rows)
    assert not math.isnan(result.summary["load_pct_mean"])
