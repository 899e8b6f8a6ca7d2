"""Each hard rule, alone: a case that breaks it and one that keeps it.

The rule declarations (allocation/rules.py) are what every engine reads, so each
is checked here directly as a predicate, and the validator is checked to report a
breaking allocation under the rule's policy name.
"""

from __future__ import annotations

import inspect

import pytest

from allocopt.allocation.exact import exact_problem, max_load_in_band, pct_units
from allocopt.allocation.problem import Assignment, Exclusion, Pin, Policy
from allocopt.allocation.rule_checks import breaches
from allocopt.allocation.rule_forms import Taken
from allocopt.allocation.rules import HARD_RULES
from allocopt.allocation.soft_rules import SOFT_RULES
from allocopt.allocation.validate import validate
from allocopt.capacity import within_band
from allocopt.domain import Role, Status
from tests.test_allocation_builders import NQSW_CAP, household, problem, scheme, worker

# (rule, workers, household, policy, worker breaking it, worker keeping it)
CASES = {
    "unavailability": (
        [worker("W1", 10, unavailable="on leave within the next 14 days"), worker("W2", 10)],
        household("H1"), Policy(), "W1", "W2"),
    "pins": (
        [worker("W1", 10), worker("W2", 30)], household("H1"),
        Policy(pins=(Pin(household="H1", worker="W2"),)), "W1", "W2"),
    "exclusions": (
        [worker("W1", 10), worker("W2", 30)], household("H1"),
        Policy(exclusions=(Exclusion(household="H1", worker="W1", reason="knows the family"),)),
        "W1", "W2"),
    "eligibility": (
        [worker("W1", 10, role=Role.FAMILY_SUPPORT_PRACTITIONER), worker("W2", 30)],
        household("H1", status=Status.CP), Policy(), "W1", "W2"),
    "nqsw_no_cp": (
        [worker("W1", 10, benchmark=35, months=8, nqsw=True, cp_protected=True), worker("W2", 30)],
        household("H1", status=Status.CP), Policy(), "W1", "W2"),
    "student_limit": (
        [worker("W1", 5, benchmark=15, role=Role.STUDENT, counts={Status.CIN: 7}),
         worker("W2", 30)],
        household("H1", children=2), Policy(), "W1", "W2"),
    "count_caps": (
        [worker("W1", 10, benchmark=35, months=8, nqsw=True, counts={Status.CIN: 14},
                caps=(NQSW_CAP,)), worker("W2", 30)],
        household("H1", children=2), Policy(), "W1", "W2"),
    "court_limit": (
        [worker("W1", 10, court_households=2), worker("W2", 30, court_households=1)],
        household("H1", status=Status.CLA, court=True), Policy(court_max_households=2),
        "W1", "W2"),
    "band_ceiling": (
        [worker("W1", 48), worker("W2", 30)], household("H1", points=8), Policy(), "W1", "W2"),
}
RULE = {rule.name: rule for rule in HARD_RULES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_breaks_and_keeps(name: str) -> None:
    workers, h, policy, bad, good = CASES[name]
    ex = exact_problem(problem(workers, [h], policy))
    rule = RULE[name]
    w_bad, w_good = ex.worker_index[bad], ex.worker_index[good]
    reason = rule.check(ex, w_bad, 0, "lead", Taken())
    assert reason is not None and (bad in reason or "H1" in reason)
    assert rule.check(ex, w_good, 0, "lead", Taken()) is None
    assert [r.rule for r in breaches(ex, w_bad, 0, "lead", Taken())] == [name]


@pytest.mark.parametrize("name", sorted(CASES))
def test_validator_reports_the_rule_by_name(name: str) -> None:
    workers, h, policy, bad, good = CASES[name]
    p = problem(workers, [h], policy)
    broken = validate(p, (Assignment("H1", bad, "lead", h.points),))
    assert [b.rule for b in broken] == [name]
    assert validate(p, (Assignment("H1", good, "lead", h.points),)) == []
    off = policy.model_copy(update={"rules": policy.rules.model_copy(update={name: False})})
    assert validate(problem(workers, [h], off), (Assignment("H1", bad, "lead", h.points),)) == []


def test_every_rule_has_a_case_a_switch_words_and_a_form_engines_read() -> None:
    assert set(CASES) == set(RULE)
    assert set(CASES) == set(type(Policy().rules).model_fields)
    for rule in HARD_RULES:
        assert rule.label and rule.keeps and rule.concerns
        # an eligibility part or a linear part (or both): a bare predicate no engine
        # but the validator could read
        assert rule.static is not None or rule.limits is not None, rule.name
        assert (rule.static is None) == (rule.worker_facts is None), rule.name
        assert (rule.limits is None) == (rule.over is None), rule.name
    for _, fn in SOFT_RULES:
        assert (inspect.getdoc(fn) or "").startswith("Soft:")


def test_band_ceiling_counts_what_was_already_taken() -> None:
    # 40/50 = 80 %; 40 + 6 + 8 = 54 -> 108 % amber (allowed); 40 + 6 + 8 + 1 = 55 -> 110 % red.
    ex = exact_problem(problem([worker("W1", 40)], [household("H1", 8), household("H2", 1)]))
    taken = Taken()
    taken.load = ex.to_units(6)
    assert RULE["band_ceiling"].check(ex, 0, 0, "lead", taken) is None
    taken.add(ex, 0, "lead")
    reason = RULE["band_ceiling"].check(ex, 0, 1, "lead", taken)
    assert reason == "W1 would go to 110.0% (red), above the amber ceiling"


def test_a_worker_already_above_the_ceiling_may_take_nothing_that_weighs() -> None:
    ex = exact_problem(problem([worker("W1", 60)], [household("H1", 1), household("H2", 0)]))
    assert RULE["band_ceiling"].check(ex, 0, 0, "lead", Taken()) is not None
    assert RULE["band_ceiling"].check(ex, 0, 1, "lead", Taken()) is None


def test_ceiling_green_keeps_workers_out_of_amber() -> None:
    p = problem([worker("W1", 45)], [household("H1", 5), household("H2", 6)],
                Policy(ceiling_band="green"))
    ex = exact_problem(p)
    assert RULE["band_ceiling"].check(ex, 0, 0, "lead", Taken()) is None  # 50/50 = 100 % green
    assert RULE["band_ceiling"].check(ex, 0, 1, "lead", Taken()) is not None  # 102 % amber


def test_count_cap_mixes_statuses_exactly() -> None:
    # 15 CIN or 12 CLA: 10 CIN + 4 CLA = 10/15 + 4/12 = 1 exactly (allowed); one more CLA is not.
    w = worker("W1", 0, 35, nqsw=True, counts={Status.CIN: 10, Status.CLA: 3}, caps=(NQSW_CAP,))
    ex = exact_problem(problem([w], [household("H1", 1, Status.CLA),
                                     household("H2", 1, Status.CLA, 2)]))
    assert RULE["count_caps"].check(ex, 0, 0, "lead", Taken()) is None
    assert "over the NQSW caseload cap" in (RULE["count_caps"].check(ex, 0, 1, "lead", Taken()) or "")
    # CP children are not capped by this rule, so a CP household never breaks it.
    ex2 = exact_problem(problem([w], [household("H3", 1, Status.CP, 3)]))
    assert RULE["count_caps"].check(ex2, 0, 0, "lead", Taken()) is None


def test_student_takes_low_risk_work_only() -> None:
    student = worker("W1", 0, 15, role=Role.STUDENT)
    ex = exact_problem(problem([student], [household("H1", court=True),
                                           household("H2", tier="S47")]))
    assert "court proceedings" in (RULE["student_limit"].check(ex, 0, 0, "lead", Taken()) or "")
    assert "S47" in (RULE["student_limit"].check(ex, 0, 1, "lead", Taken()) or "")


def test_secondary_role_uses_the_co_working_share() -> None:
    # W1 at 50/50 = 100 %: a 6-point case as lead is 56/50 = 112 % (red); as secondary
    # co-worker it weighs half, 53/50 = 106 % (amber, allowed).
    ex = exact_problem(problem([worker("W1", 50)], [household("H1", 6, co_working=True)]))
    assert RULE["band_ceiling"].check(ex, 0, 0, "lead", Taken()) is not None
    assert RULE["band_ceiling"].check(ex, 0, 0, "secondary", Taken()) is None
    assert ex.secondary[0] == ex.to_units(3)


@pytest.mark.parametrize("band", ["blue", "green", "amber"])
@pytest.mark.parametrize("benchmark", [50, 30, 35, 12, 22.2, 37.5, 0.0])
def test_exact_band_limits_agree_with_capacity(band: str, benchmark: float) -> None:
    s = scheme()
    ex = exact_problem(problem([worker("W1", 0, benchmark)], []))
    top = max_load_in_band(s, band, ex.benchmark[0])
    assert top is not None
    for units in range(max(top - 30, 0), top + 30):
        load = ex.to_scheme(units)
        assert within_band(s, load, benchmark, band) == (units <= top), (units, load)


def test_pct_units_round_up() -> None:
    assert pct_units(47, 50) == 9400
    assert pct_units(1, 3) == 3334
    assert pct_units(0, 0) == 0


def test_team_type_eligibility() -> None:
    from dataclasses import replace

    from allocopt.domain import TeamType

    policy = Policy(team_eligibility={TeamType.LEAVING_CARE: (Status.CARE_LEAVER, Status.CLA)})
    p = replace(problem([worker("W1")], [household("H1", status=Status.CP),
                                         household("H2", status=Status.CARE_LEAVER)], policy),
                team_type=TeamType.LEAVING_CARE)
    ex = exact_problem(p)
    assert RULE["eligibility"].check(ex, 0, 0, "lead", Taken()) == (
        "a leaving care team does not take CP work")
    assert RULE["eligibility"].check(ex, 0, 1, "lead", Taken()) is None


def test_validator_checks_the_shape_of_an_allocation() -> None:
    p = problem([worker("W1", 10), worker("W2", 10)],
                [household("H1", 4, co_working=True), household("H2", 4)])
    both = (Assignment("H2", "W1", "lead", 4), Assignment("H2", "W2", "lead", 4))
    assert [b.reason for b in validate(p, both)] == ["the household has two lead workers"]
    alone = (Assignment("H1", "W1", "lead", 4),)
    assert [b.reason for b in validate(p, alone)] == [
        "a co-worked household without a secondary worker"]
    same = (Assignment("H1", "W1", "lead", 4), Assignment("H1", "W1", "secondary", 2))
    assert "the lead is also the secondary worker" in [b.reason for b in validate(p, same)]
    stray = (Assignment("H2", "W1", "lead", 4), Assignment("H2", "W2", "secondary", 2))
    assert [b.reason for b in validate(p, stray)] == [
        "a secondary worker on a household not co-worked"]
    unknown = (Assignment("H9", "W1", "lead", 4),)
    assert [b.rule for b in validate(p, unknown)] == ["shape"]
