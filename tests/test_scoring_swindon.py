"""The Swindon scheme column by column, and its three variants [003 sections 5, 9, 10]."""

from __future__ import annotations

import math
from datetime import date

import pytest

from allocopt.board import score_team
from allocopt.domain import (
    Assessment,
    AssessmentKind,
    Caseload,
    Child,
    CourtStage,
    Duty,
    Holding,
    Household,
    HouseholdKind,
    Status,
    Team,
    TravelBand,
    Worker,
    WorkItem,
)
from allocopt.io.schemes import load_scheme
from allocopt.schemes.scoring import (
    CO_WORKING_COLUMN,
    score_case,
    unknown_item_kinds,
)
from allocopt.working_days import working_days_between

ON = date(2026, 12, 1)
SWINDON = load_scheme("swindon")
DISABLED = load_scheme("swindon-disabled")
LEAVING = load_scheme("swindon-leaving-care")
FOSTERING = load_scheme("swindon-fostering")


def kids(status: str, n: int, prefix: str = "C", **kw: object) -> tuple[Child, ...]:
    return tuple(Child(id=f"{prefix}{i}", status=Status(status), **kw) for i in range(1, n + 1))


def family(*children: Child, hid: str = "H1", **kw: object) -> Household:
    return Household(id=hid, children=children, **kw)


def score(scheme, household, on=ON, role="lead", child_ids=None):
    case = score_case(scheme, household, child_ids, on, role)
    # Every breakdown must add up, whatever else a test checks.
    assert case.total == pytest.approx(math.fsum(case.columns.values()))
    assert case.total == pytest.approx(math.fsum(line.points for line in case.lines))
    return case


# Column C: base ------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["CP", "CLA"])
@pytest.mark.parametrize("n", [1, 2, 5])
def test_base_is_10_per_cp_or_looked_after_child(status, n):
    case = score(SWINDON, family(*kids(status, n)))
    assert case.columns["base"] == 10 * n


@pytest.mark.parametrize(
    ("n", "base"), [(1, 10), (2, 10), (3, 10), (4, 20), (5, 20), (6, 20), (7, 30), (9, 30)]
)
def test_child_in_need_family_is_one_case_with_sibling_bonuses_at_4_and_7(n, base):
    case = score(SWINDON, family(*kids("CIN", n)))
    assert case.columns == {"base": base}
    assert case.total == base
    rules = [line.rule for line in case.lines]
    assert rules == ["base_cin_family"] + ["siblings_4"] * (n >= 4) + ["siblings_7"] * (n >= 7)


@pytest.mark.parametrize(("n", "base"), [(1, 10), (3, 10), (4, 20), (7, 30)])
def test_supervision_order_counts_as_child_in_need(n, base):
    assert score(SWINDON, family(*kids("supervision_order", n))).columns == {"base": base}


def test_supervision_order_and_cin_siblings_make_one_cin_family():
    children = kids("CIN", 2) + kids("supervision_order", 2, prefix="S")
    assert score(SWINDON, family(*children)).columns == {"base": 20}


def test_mixed_household_scores_cp_children_each_and_the_cin_siblings_once():
    children = kids("CP", 2, prefix="P") + kids("CIN", 3)
    case = score(SWINDON, family(*children))
    assert case.columns == {"base": 20 + 10, "cp": 12}
    assert case.total == 42


def test_a_worker_holding_part_of_a_family_scores_only_the_children_held():
    h = family(*kids("CP", 3))
    case = score(SWINDON, h, child_ids=("C1",))
    assert case.child_ids == ("C1",)
    assert case.columns == {"base": 10, "cp": 6}


# Columns D and E: looked after, child protection ---------------------------------------


def test_looked_after_adds_6_and_high_input_4_more():
    settled = Child(id="A", status=Status.CLA)
    busy = Child(id="B", status=Status.CLA, high_input=True)
    assert score(SWINDON, family(settled)).columns == {"base": 10, "cla": 6}
    case = score(SWINDON, family(busy))
    assert case.columns == {"base": 10, "cla": 10}
    assert {line.rule: line.points for line in case.lines if line.column == "cla"} == {
        "cla": 6, "cla_high_input": 4}
    assert score(SWINDON, family(settled, busy)).columns == {"base": 20, "cla": 16}


def test_child_protection_adds_6_and_complexity_4_more():
    plain = Child(id="A", status=Status.CP)
    hard = Child(id="B", status=Status.CP, complex=True)
    assert score(SWINDON, family(plain)).columns == {"base": 10, "cp": 6}
    assert score(SWINDON, family(hard)).columns == {"base": 10, "cp": 10}
    assert score(SWINDON, family(plain, hard)).total == 20 + 16


def test_flags_only_count_for_their_own_status():
    # High input is a placement flag (CLA); complexity a CP-plan flag.
    cp = Child(id="A", status=Status.CP, high_input=True)
    cla = Child(id="B", status=Status.CLA, complex=True)
    cin = Child(id="C", status=Status.CIN, complex=True, high_input=True)
    assert score(SWINDON, family(cp)).columns == {"base": 10, "cp": 6}
    assert score(SWINDON, family(cla)).columns == {"base": 10, "cla": 6}
    assert score(SWINDON, family(cin)).columns == {"base": 10}


# Column F: court ------------------------------------------------------------------------


@pytest.mark.parametrize("stage", [CourtStage.PLO, CourtStage.CARE_PROCEEDINGS, CourtStage.SGO])
def test_court_is_10_per_family_while_active(stage):
    case = score(SWINDON, family(*kids("CP", 3), court=stage))
    assert case.columns["court"] == 10
    assert case.total == 30 + 18 + 10
    assert "court" not in score(SWINDON, family(*kids("CP", 3))).columns


def test_private_proceedings_s7_s37_get_no_court_points_only_time_limited_work():
    h = family(*kids("CIN", 2), court=CourtStage.PRIVATE_PROCEEDINGS)
    assert score(SWINDON, h).columns == {"base": 10}
    report = family(*kids("CIN", 2), court=CourtStage.PRIVATE_PROCEEDINGS,
                    work_items=(WorkItem(kind="s7_report", start=date(2026, 11, 1)),))
    assert score(SWINDON, report).columns == {"base": 10, "time_limited": 5}


# Column G: assessment -------------------------------------------------------------------

START = date(2026, 9, 7)  # a Monday


def assessed(*children: Child, **kw: object) -> Household:
    return family(*children, assessment=Assessment(kind=AssessmentKind.S47, start=START, **kw))


def test_assessment_is_10_per_cp_or_cla_child_and_10_per_cin_family():
    assert score(SWINDON, assessed(*kids("CP", 2)), on=START).columns["assessment"] == 20
    assert score(SWINDON, assessed(*kids("CLA", 3)), on=START).columns["assessment"] == 30
    assert score(SWINDON, assessed(*kids("CIN", 3)), on=START).columns["assessment"] == 10
    mixed = assessed(*kids("CP", 1, prefix="P"), *kids("CIN", 2))
    assert score(SWINDON, mixed, on=START).columns["assessment"] == 20


def test_assessment_points_end_after_40_working_days():
    last, first_out = date(2026, 11, 2), date(2026, 11, 3)  # Monday, Tuesday
    assert working_days_between(START, last) == 40
    assert working_days_between(START, first_out) == 41
    h = assessed(*kids("CP", 1))
    assert score(SWINDON, h, on=last).columns["assessment"] == 10
    assert "assessment" not in score(SWINDON, h, on=first_out).columns
    # The weekend before the 40th working day is still inside the window.
    assert score(SWINDON, h, on=date(2026, 11, 1)).columns["assessment"] == 10


def test_assessment_window_in_calendar_days_when_the_scheme_says_so():
    calendar = SWINDON.model_copy(update={"assessment_working_days": False})
    h = assessed(*kids("CIN", 1))
    assert score(calendar, h, on=date(2026, 10, 17)).columns["assessment"] == 10  # day 40
    assert "assessment" not in score(calendar, h, on=date(2026, 10, 18)).columns  # day 41


def test_a_completed_assessment_scores_nothing_from_its_completion_date():
    h = assessed(*kids("CP", 1), completed=date(2026, 9, 20))
    assert score(SWINDON, h, on=date(2026, 9, 19)).columns["assessment"] == 10
    assert "assessment" not in score(SWINDON, h, on=date(2026, 9, 20)).columns


# Column H: travel -----------------------------------------------------------------------


@pytest.mark.parametrize(("band", "points"), [
    (TravelBand.IN_AREA, 0), (TravelBand.NEIGHBOURING, 4),
    (TravelBand.ONE_TO_TWO_HOURS, 6), (TravelBand.OVER_TWO_HOURS, 10)])
def test_travel_4_6_10_per_placed_child_and_per_cin_family(band, points):
    placed = family(*kids("CLA", 2, placement_travel=band))
    assert score(SWINDON, placed).columns.get("travel", 0) == 2 * points
    cin = family(*kids("CIN", 3), travel=band)
    assert score(SWINDON, cin).columns.get("travel", 0) == points
    cp = family(*kids("CP", 2), travel=band)
    assert score(SWINDON, cp).columns.get("travel", 0) == 2 * points


def test_looked_after_travel_follows_the_placement_not_the_family_home():
    h = family(*kids("CLA", 1, placement_travel=TravelBand.IN_AREA),
               travel=TravelBand.OVER_TWO_HOURS)
    assert "travel" not in score(SWINDON, h).columns


# Column J: time-limited work ------------------------------------------------------------


def test_time_limited_work_is_5_each_while_active():
    story = WorkItem(kind="life_story", start=date(2026, 10, 1), end=date(2026, 12, 31))
    contact = WorkItem(kind="supervised_contact", start=date(2026, 12, 1), end=date(2026, 12, 1))
    child = Child(id="A", status=Status.CLA, work_items=(story, contact))
    h = family(child, work_items=(WorkItem(kind="parenting_programme"),))
    case = score(SWINDON, h)
    assert case.columns["time_limited"] == 15
    assert score(SWINDON, h, on=date(2026, 12, 2)).columns["time_limited"] == 10
    assert score(SWINDON, h, on=date(2027, 1, 1)).columns["time_limited"] == 5
    assert score(SWINDON, h, on=date(2026, 9, 30)).columns["time_limited"] == 5


def test_time_limited_work_running_past_its_limit_is_noted():
    story = WorkItem(kind="life_story", start=date(2026, 8, 1))
    h = family(Child(id="A", status=Status.CLA, work_items=(story,)))
    assert score(SWINDON, h, on=date(2026, 10, 31)).notes == ()
    late = score(SWINDON, h, on=date(2026, 11, 1))
    assert late.columns["time_limited"] == 5
    assert late.notes == ("life_story has run 3 months (expected at most 3): review it",)


def test_unknown_work_item_scores_nothing_and_is_reported():
    h = family(*kids("CP", 1), work_items=(WorkItem(kind="knitting"),))
    assert "time_limited" not in score(SWINDON, h).columns
    assert unknown_item_kinds(SWINDON, h) == {"knitting"}


# Co-working and closure ----------------------------------------------------------------


def test_secondary_co_worker_scores_half_of_the_lead():
    h = family(Child(id="A", status=Status.CP, complex=True), Child(id="B", status=Status.CP),
               court=CourtStage.CARE_PROCEEDINGS, travel=TravelBand.NEIGHBOURING)
    lead = score(SWINDON, h)
    second = score(SWINDON, h, role="secondary")
    assert lead.total == 20 + 16 + 10 + 8
    assert second.total == pytest.approx(27)
    assert second.columns[CO_WORKING_COLUMN] == pytest.approx(-27)
    assert second.lines[-1].why == "secondary co-worker scores 50%"
    assert CO_WORKING_COLUMN not in lead.columns


def test_co_working_through_the_board_counts_half_and_no_children_for_the_secondary():
    h = family(*kids("CP", 2))
    team = Team(id="T", workers=(Worker(id="L", qualified_on=date(2015, 1, 1)),
                                 Worker(id="S", qualified_on=date(2015, 1, 1))))
    caseload = Caseload(households=(h,), holdings=(
        Holding(worker_id="L", household_id="H1", child_ids=("C1", "C2")),
        Holding(worker_id="S", household_id="H1", child_ids=("C1", "C2"), role="secondary")))
    board = score_team(SWINDON, team, caseload, ON)
    assert board.worker("L").casework == 32
    assert board.worker("S").casework == 16
    assert board.worker("S").counts.children == 0
    assert board.summary.children == 2


def test_closure_keeps_points_in_the_month_of_closure_and_drops_them_after():
    h = family(*kids("CP", 1), closes_on=date(2026, 11, 10))
    during = score(SWINDON, h, on=date(2026, 11, 30))
    assert during.total == 16 and not during.closed
    assert during.notes == ("closing on 2026-11-10: points kept for the month of closure",)
    after = score(SWINDON, h, on=date(2026, 12, 1))
    assert after.total == 0 and after.closed and after.columns == {} and after.lines == ()
    before = score(SWINDON, h, on=date(2026, 11, 9))
    assert before.total == 16 and before.notes == ()


def test_closure_without_a_kept_month_drops_on_the_closing_date():
    strict = SWINDON.model_copy(update={"closure_keeps_month": False})
    h = family(*kids("CP", 1), closes_on=date(2026, 11, 10))
    assert score(strict, h, on=date(2026, 11, 9)).total == 16
    assert score(strict, h, on=date(2026, 11, 10)).total == 0


def test_closed_cases_leave_the_workers_counts():
    open_h = family(*kids("CP", 1), hid="H1")
    closed_h = family(*kids("CLA", 2, prefix="D"), hid="H2", closes_on=date(2026, 10, 1))
    team = Team(id="T", workers=(Worker(id="W", qualified_on=date(2015, 1, 1)),))
    caseload = Caseload(households=(open_h, closed_h), holdings=(
        Holding(worker_id="W", household_id="H1", child_ids=("C1",)),
        Holding(worker_id="W", household_id="H2", child_ids=("D1", "D2"))))
    row = score_team(SWINDON, team, caseload, ON).worker("W")
    assert row.casework == 16
    assert row.counts.children == 1 and row.counts.by_status == {Status.CP: 1}


def test_a_full_family_adds_up_across_every_column():
    h = family(
        Child(id="A", status=Status.CLA, high_input=True,
              placement_travel=TravelBand.OVER_TWO_HOURS,
              work_items=(WorkItem(kind="life_story", start=date(2026, 11, 1)),)),
        Child(id="B", status=Status.CP, complex=True),
        court=CourtStage.PLO, travel=TravelBand.NEIGHBOURING,
        assessment=Assessment(start=date(2026, 11, 16)))
    case = score(SWINDON, h)
    assert case.columns == {"base": 20, "cla": 10, "cp": 10, "court": 10, "assessment": 20,
                            "travel": 10 + 4, "time_limited": 5}
    assert case.total == 89


def test_an_experienced_worker_is_measured_against_the_300_400_bandwidth():
    worker = Worker(id="W", qualified_on=date(2015, 1, 1))
    team = Team(id="T", workers=(worker,))
    households = tuple(family(*kids("CP", 2, prefix=f"C{i}-"), hid=f"H{i}") for i in range(12))
    caseload = Caseload(households=households, holdings=tuple(
        Holding(worker_id="W", household_id=h.id, child_ids=tuple(c.id for c in h.children))
        for h in households))
    row = score_team(SWINDON, team, caseload, ON).worker("W")
    assert row.casework == 12 * 32
    assert row.capacity.benchmark == 400
    assert row.capacity.optimum == (300, 400)
    assert not row.outside_band
    assert row.load_pct == 96
    assert row.rag.name == "green"


# Variant: children with disabilities team ----------------------------------------------


def test_disabled_team_care_managed_case_is_5_points_in_place_of_every_column():
    busy = dict(court=CourtStage.CARE_PROCEEDINGS, travel=TravelBand.OVER_TWO_HOURS,
                assessment=Assessment(start=date(2026, 11, 20)))
    h = family(*kids("CP", 2, complex=True), care_managed=True, **busy)
    case = score(DISABLED, h)
    assert case.columns == {"base": 5}
    assert [(line.rule, line.points) for line in case.lines] == [("care_managed", 5)]
    assert score(DISABLED, h, role="secondary").total == 2.5


def test_disabled_team_active_case_scores_as_the_main_scheme():
    h = family(*kids("CP", 2, complex=True), court=CourtStage.CARE_PROCEEDINGS,
               travel=TravelBand.NEIGHBOURING)
    assert score(DISABLED, h).columns == score(SWINDON, h).columns
    assert score(DISABLED, h).total == 20 + 20 + 10 + 8


def test_disabled_variant_keeps_the_main_scheme_benchmarks_and_bands():
    assert DISABLED.benchmarks == SWINDON.benchmarks
    assert DISABLED.rag == SWINDON.rag
    assert DISABLED.id == "swindon-disabled"


# Variant: leaving care ----------------------------------------------------------------


def test_leaving_care_has_no_cp_column():
    assert [c.name for c in LEAVING.columns] == ["base", "cla", "travel", "time_limited"]
    assert all(rule.column != "cp" for rule in LEAVING.rules.values())
    cp = family(Child(id="A", status=Status.CP, complex=True, age=16))
    assert "cp" not in score(LEAVING, cp).columns


@pytest.mark.parametrize(("age", "cla"), [(15, 0), (16, 6), (17, 6), (18, 6), (19, 0), (None, 0)])
def test_leaving_care_looked_after_16_to_18_scores_6(age, cla):
    case = score(LEAVING, family(Child(id="A", status=Status.CLA, age=age)))
    assert case.columns.get("base") == 10
    assert case.columns.get("cla", 0) == cla


def test_leaving_care_care_leaver_travel_and_independence_work():
    young = Child(id="A", status=Status.CARE_LEAVER, age=20,
                  placement_travel=TravelBand.OVER_TWO_HOURS,
                  work_items=(WorkItem(kind="independence_skills", start=date(2026, 11, 1)),))
    assert score(LEAVING, family(young)).columns == {"base": 10, "travel": 10, "time_limited": 5}
    # The main scheme gives a care leaver nothing: it is not one of its cases.
    assert score(SWINDON, family(young)).columns == {"time_limited": 5}


# Variant: fostering and adoption ------------------------------------------------------


def foster(**kw: object) -> Household:
    return Household(id="F1", kind=HouseholdKind.FOSTER_FAMILY, **kw)


def test_fostering_10_per_foster_family_and_nothing_for_a_birth_family():
    assert score(FOSTERING, foster()).columns == {"basic": 10}
    assert score(FOSTERING, family(*kids("CLA", 2))).total == 0


@pytest.mark.parametrize(("item", "column", "points"), [
    ("carer_assessment", "assessments", 5), ("form_f", "assessments", 10),
    ("carer_review_report", "reviews", 5), ("carer_review_attended", "reviews", 10),
    ("placement_support", "support", 5), ("placement_support_complex", "support", 10)])
def test_fostering_assessments_reviews_and_support_are_5_or_10(item, column, points):
    work = (WorkItem(kind=item, start=date(2026, 11, 1), end=date(2026, 11, 30)),)
    case = score(FOSTERING, foster(work_items=work), on=date(2026, 11, 15))
    assert case.columns == {"basic": 10, column: points}
    assert score(FOSTERING, foster(work_items=work), on=date(2026, 12, 1)).total == 10


def test_fostering_travel_and_group_work_on_the_worker():
    h = foster(travel=TravelBand.ONE_TO_TWO_HOURS)
    assert score(FOSTERING, h).columns == {"basic": 10, "travel": 6}
    worker = Worker(id="W", qualified_on=date(2015, 1, 1),
                    duties=(Duty(kind="group_work"), Duty(kind="group_work_long")))
    caseload = Caseload(households=(h,), holdings=(
        Holding(worker_id="W", household_id="F1", child_ids=()),))
    row = score_team(FOSTERING, Team(id="T", workers=(worker,)), caseload, ON).worker("W")
    assert row.casework == 16
    assert [(d.kind, d.amount) for d in row.capacity.duties] == [
        ("group_work", 5), ("group_work_long", 10)]
    assert row.load == 31
    assert row.capacity.benchmark == 400
