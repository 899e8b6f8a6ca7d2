"""Capacity: experience bands that move with the date, personal benchmarks pro rata for
part time and duties, load % and the RAG boundaries exactly [000; DOMAIN.md]."""

from __future__ import annotations

import math
from datetime import date

import pytest

from allocopt.capacity import (
    acceptable_band,
    band_upper_bound,
    capacity,
    cp_protected,
    is_nqsw,
    load_pct,
    rag_band,
    within_band,
)
from allocopt.checks import check_inputs
from allocopt.domain import Caseload, Duty, Role, Team, TeamType, Worker, months_between
from allocopt.io.schemes import load_scheme
from allocopt.schemes.model import DutyRule, RagBand

TOWER = load_scheme("tower-hamlets")
TIME = load_scheme("time-based")
BANES = load_scheme("banes-counts")
CRUDE = load_scheme("crude-count")
LT = TeamType.LONG_TERM


@pytest.mark.parametrize(("start", "end", "months"), [
    (date(2026, 1, 15), date(2026, 7, 14), 5),
    (date(2026, 1, 15), date(2026, 7, 15), 6),
    (date(2026, 1, 31), date(2026, 2, 28), 1),   # month end counts as a full month
    (date(2024, 1, 31), date(2024, 2, 28), 0),   # ... but 28 Feb is not the end of 2024's
    (date(2024, 1, 31), date(2024, 2, 29), 1),
    (date(2020, 3, 1), date(2026, 3, 1), 72),
    (date(2026, 3, 1), date(2026, 2, 1), 0),
])
def test_months_between_counts_completed_calendar_months(start, end, months):
    assert months_between(start, end) == months


NQSW = Worker(id="N", qualified_on=date(2026, 1, 15))


@pytest.mark.parametrize(("on", "months", "band", "benchmark"), [
    (date(2026, 1, 15), 0, "nqsw_0_6", 30),
    (date(2026, 6, 20), 5, "nqsw_0_6", 30),
    (date(2026, 7, 14), 5, "nqsw_0_6", 30),
    (date(2026, 7, 15), 6, "nqsw_6_12", 35),
    (date(2026, 8, 20), 7, "nqsw_6_12", 35),
    (date(2027, 1, 15), 12, "year_2", 40),
    (date(2028, 1, 15), 24, "year_3", 45),
    (date(2029, 1, 14), 35, "year_3", 45),
    (date(2029, 1, 15), 36, "experienced", 50),
])
def test_experience_band_and_benchmark_move_with_the_date(on, months, band, benchmark):
    cap = capacity(TOWER, NQSW, LT, on)
    assert (cap.months, cap.band.name, cap.benchmark) == (months, band, benchmark)
    assert cap.nqsw is (months < 12)


def test_experience_counts_from_the_start_date_when_unqualified():
    fsp = Worker(id="F", role=Role.FAMILY_SUPPORT_PRACTITIONER, started_on=date(2025, 6, 1))
    assert capacity(TOWER, fsp, LT, date(2026, 12, 1)).months == 18
    assert not is_nqsw(TOWER, fsp, date(2026, 12, 1))  # not a qualified role
    new_fsp = fsp.model_copy(update={"started_on": date(2026, 9, 1)})
    cap = capacity(TOWER, new_fsp, LT, date(2026, 12, 1))
    # 3 months in post, but not newly qualified: not the NQSW band's reduced benchmark
    # (30) without its count caps, the first band after the NQSW bands (1-2 years, 40)
    assert (cap.months, cap.band.name, cap.benchmark, cap.nqsw) == (3, "year_2", 40, False)


@pytest.mark.parametrize("role", [Role.FAMILY_SUPPORT_PRACTITIONER, Role.LEAVING_CARE_ADVISER,
                                  Role.SOCIAL_WORKER, Role.SENIOR])
@pytest.mark.parametrize("months", [0, 5, 6, 11, 12, 30])
def test_the_nqsw_benchmark_comes_with_every_nqsw_protection(role: Role, months: int) -> None:
    # One definition of "newly qualified": whoever gets a band's NQSW benchmark also gets
    # the NQSW count cap (issue 11: first-year FSPs and leaving-care advisers got the
    # benchmark but not the cap) and, in their first 12 months, the CP protection.
    from allocopt.allocation.problem import Policy, build_problem

    on = date(2026, 12, 1)
    year, month = divmod(2026 * 12 + 11 - months, 12)
    start = date(year, month + 1, 1)
    w = Worker(id="W", role=role, started_on=start,
               qualified_on=start if role in (Role.SOCIAL_WORKER, Role.SENIOR) else None)
    cap = capacity(TOWER, w, LT, on)
    assert cap.months == months
    nqsw_benchmark = cap.band.nqsw
    state = build_problem(TOWER, Policy(), Team(id="T", workers=(w,)), Caseload(), (), on
                          ).workers[0]
    capped = any(c.applies_to == "nqsw" for c in state.caps)
    assert nqsw_benchmark == capped == state.nqsw == is_nqsw(TOWER, w, on)
    assert state.cp_protected == (nqsw_benchmark and months < 12)


def test_a_worker_without_dates_is_warned_about():
    team = Team(id="T", workers=(Worker(id="X"),))
    problems = check_inputs(TOWER, team, Caseload(), date(2026, 12, 1))
    assert [(p.severity, p.id, p.field) for p in problems] == [("warning", "X", "qualified_on")]
    assert capacity(TOWER, Worker(id="X"), LT, date(2026, 12, 1)).benchmark == 30


@pytest.mark.parametrize(("hours", "fte", "benchmark"), [
    (37, 1.0, 50), (29.6, 0.8, 40), (22.2, 0.6, 30), (18.5, 0.5, 25)])
def test_part_time_benchmark_is_pro_rata(hours, fte, benchmark):
    w = Worker(id="P", qualified_on=date(2015, 1, 1), contracted_hours=hours)
    cap = capacity(TOWER, w, LT, date(2026, 12, 1))
    assert cap.fte == pytest.approx(fte)
    assert cap.benchmark == pytest.approx(benchmark)
    assert cap.band_benchmark == 50


def test_part_time_hours_and_duties_pro_rata_in_the_time_template():
    w = Worker(id="P", qualified_on=date(2015, 1, 1), contracted_hours=18.5,
               duties=(Duty(kind="annual_leave", count=2), Duty(kind="union_facility_time",
                                                              amount=4)))
    cap = capacity(TIME, w, LT, date(2026, 12, 1))
    assert cap.benchmark == pytest.approx(74)  # 18.5 h x 4 weeks
    duties = {d.kind: d.amount for d in cap.duties}
    assert duties == pytest.approx({
        "supervision": 3,        # a session is a session, part time or not
        "cpd": 7.4,              # 10 % of 74 h
        "admin": 10, "crisis": 1,  # pro rata
        "annual_leave": 14.8, "union_facility_time": 4})
    assert cap.duties_total == pytest.approx(40.2)


def test_duties_reduce_the_benchmark_where_the_scheme_deducts_them():
    union = BANES.model_copy(update={"duties": {
        **BANES.duties, "union_facility_time": DutyRule(label="Union facility time", percent=20)}})
    full = Worker(id="U", qualified_on=date(2015, 1, 1), duties=(Duty(kind="union_facility_time"),))
    cap = capacity(union, full, TeamType.COURT_CP, date(2026, 12, 1))
    assert cap.benchmark == pytest.approx(22 * 0.8)
    half = full.model_copy(update={"contracted_hours": 18.5})
    cap = capacity(union, half, TeamType.COURT_CP, date(2026, 12, 1))
    assert cap.duties_total == pytest.approx(11 * 0.2)
    assert cap.benchmark == pytest.approx(11 * 0.8)


def test_duties_as_load_leave_the_benchmark_and_add_to_the_load():
    w = Worker(id="X", qualified_on=date(2015, 1, 1),
               duties=(Duty(kind="practice_teaching"), Duty(kind="panel_member", amount=3)))
    cap = capacity(TOWER, w, LT, date(2026, 12, 1))
    assert cap.benchmark == 50
    assert [(d.kind, d.amount) for d in cap.duties] == [("practice_teaching", 5),
                                                        ("panel_member", 3)]
    assert cap.duties_total == 8


def test_duties_beyond_the_benchmark_leave_no_capacity():
    w = Worker(id="X", qualified_on=date(2015, 1, 1), duties=(Duty(kind="mentoring", amount=30),))
    cap = capacity(BANES, w, TeamType.COURT_CP, date(2026, 12, 1))
    assert cap.benchmark == 0
    assert load_pct(0, cap.benchmark) == 0
    assert load_pct(1, cap.benchmark) == math.inf
    assert rag_band(BANES, math.inf).name == "red"


@pytest.mark.parametrize(("load", "benchmark", "band"), [
    (0, 50, "blue"), (47.49, 50, "blue"), (47.5, 50, "green"), (50, 50, "green"),
    (50.01, 50, "amber"), (54.99, 50, "amber"), (55, 50, "red"), (80, 50, "red"),
    # Float noise must not move a worker across a boundary.
    (33, 30, "red"), (10.45, 9.5, "red"), (0.1 + 0.2, 0.3, "green"), (28.5, 30, "green"),
    (0.95 * 7, 7, "green"),
])
def test_rag_boundaries_exactly(load, benchmark, band):
    assert rag_band(TOWER, load_pct(load, benchmark)).name == band


def test_load_pct_values_at_the_boundaries():
    assert load_pct(55, 50) == 110
    assert load_pct(54.99, 50) == pytest.approx(109.98)
    assert load_pct(33, 30) == 110
    assert load_pct(47.5, 50) == 95


@pytest.mark.parametrize(("cases", "band"), [(12, "green"), (15, "amber"), (15.01, "red")])
def test_crude_count_amber_runs_to_125_percent(cases, band):
    assert rag_band(CRUDE, load_pct(cases, 12)).name == band


def test_bands_are_configurable_100_percent_can_be_amber():
    strict = TOWER.model_copy(update={"rag": (
        RagBand(name="blue", below=95, colour="blue", action="none"),
        RagBand(name="green", below=100, colour="green", action="none"),
        RagBand(name="amber", below=110, colour="amber", action="de-prioritise"),
        RagBand(name="red", colour="red", action="remove"))})
    assert rag_band(strict, 100).name == "amber"
    assert rag_band(strict, 99.99).name == "green"
    assert acceptable_band(strict).name == "amber"
    assert acceptable_band(TOWER).name == "green"


def test_within_band_and_upper_bounds():
    assert within_band(TOWER, 50, 50, "green")
    assert not within_band(TOWER, 50.5, 50, "green")
    assert within_band(TOWER, 54.9, 50, "amber")
    assert not within_band(TOWER, 55, 50, "amber")
    assert within_band(TOWER, 10, 50, "green")
    assert band_upper_bound(TOWER, "blue") == (95, False)
    assert band_upper_bound(TOWER, "green") == (100, True)
    assert band_upper_bound(TOWER, "amber") == (110, False)
    assert band_upper_bound(TOWER, "red") is None


@pytest.mark.parametrize(("role", "months", "protected"), [
    (Role.SOCIAL_WORKER, 0, True), (Role.SOCIAL_WORKER, 11, True), (Role.SOCIAL_WORKER, 12, False),
    (Role.SENIOR, 3, True), (Role.STUDENT, 3, False), (Role.FAMILY_SUPPORT_PRACTITIONER, 3, False)])
def test_cp_protection_for_nqsws_in_their_first_12_months(role, months, protected):
    on = date(2026, 12, 1)
    y, m = divmod(on.year * 12 + on.month - 1 - months, 12)
    w = Worker(id="W", role=role, qualified_on=date(y, m + 1, 1), started_on=date(y, m + 1, 1))
    assert cp_protected(TOWER, w, on) is protected
    nine = BANES.model_copy(update={"protections": BANES.protections.model_copy(
        update={"nqsw_no_cp_months": 9})})
    assert cp_protected(nine, w, on) is (protected and months < 9)
