"""The other shipped schemes: BANES counts, crude count, mental health, weighted case
limit, tasks, Tower Hamlets and time-based, each on small cases with known answers."""

from __future__ import annotations

from datetime import date

import pytest

from allocopt.board import WorkerScore, score_team
from allocopt.checks import check_inputs
from allocopt.domain import (
    Caseload,
    Child,
    CourtStage,
    Duty,
    Holding,
    Household,
    InterventionLevel,
    Role,
    Status,
    Team,
    TeamType,
    Worker,
    WorkItem,
)
from allocopt.io.schemes import load_scheme
from allocopt.schemes.model import Column
from allocopt.schemes.scoring import score_case

ON = date(2026, 12, 1)
EXPERIENCED = date(2015, 1, 1)
BANES = load_scheme("banes-counts")
CRUDE = load_scheme("crude-count")
MENTAL = load_scheme("mental-health")
WEIGHTED = load_scheme("weighted-case-limit")
TASKS = load_scheme("tasks-based")
TOWER = load_scheme("tower-hamlets")
TIME = load_scheme("time-based")


def months_ago(months: int) -> date:
    y, m = divmod(ON.year * 12 + ON.month - 1 - months, 12)
    return date(y, m + 1, ON.day)


def households(counts: dict[str, int], per_family: int = 1) -> list[Household]:
    """`counts` children of each status, in families of `per_family`."""
    out = []
    for status, n in counts.items():
        for i in range(0, n, per_family):
            size = min(per_family, n - i)
            hid = f"{status}{i}"
            out.append(Household(id=hid, children=tuple(
                Child(id=f"{hid}-{k}", status=Status(status)) for k in range(size))))
    return out


def row_for(scheme, worker: Worker, held: list[Household],
            team_type: TeamType = TeamType.LONG_TERM) -> WorkerScore:
    caseload = Caseload(households=tuple(held), holdings=tuple(
        Holding(worker_id=worker.id, household_id=h.id, child_ids=tuple(c.id for c in h.children))
        for h in held))
    team = Team(id="T", type=team_type, workers=(worker,))
    return score_team(scheme, team, caseload, ON).worker(worker.id)


def sw(months: int = 120, **kw: object) -> Worker:
    return Worker(id="W", qualified_on=months_ago(months), **kw)


# banes-counts --------------------------------------------------------------------------


@pytest.mark.parametrize(("team_type", "optimum"), [
    (TeamType.DUTY_ASSESSMENT, (20, 25)), (TeamType.COURT_CP, (18, 22)),
    (TeamType.DISABLED_CHILDREN, (22, 25)), (TeamType.CHILDREN_IN_CARE, (18, 22)),
    (TeamType.CHILD_IN_NEED, (18, 22)), (TeamType.LEAVING_CARE, (22, 25)),
    (TeamType.LONG_TERM, (18, 22)), (TeamType.FOSTERING_ADOPTION, (18, 22))])
def test_banes_optimum_range_by_team_type(team_type, optimum):
    row = row_for(BANES, sw(), households({"CIN": optimum[0]}), team_type)
    assert row.capacity.optimum == optimum
    assert row.capacity.benchmark == optimum[1]
    assert not row.outside_band


@pytest.mark.parametrize(("role", "optimum"), [
    (Role.STUDENT, (5, 8)), (Role.FAMILY_SUPPORT_PRACTITIONER, (17, 20)),
    (Role.LEAVING_CARE_ADVISER, (22, 25))])
def test_banes_students_fsps_and_leaving_care_ranges_apply_in_any_team(role, optimum):
    worker = Worker(id="W", role=role, started_on=months_ago(30))
    for team_type in (TeamType.COURT_CP, TeamType.DUTY_ASSESSMENT):
        row = row_for(BANES, worker, [], team_type)
        assert row.capacity.optimum == optimum
        assert row.capacity.benchmark == optimum[1]


def test_banes_one_child_is_one_case():
    row = row_for(BANES, sw(), households({"CIN": 6, "CP": 4}, per_family=3))
    assert row.counts.households == 4
    assert row.casework == 10


@pytest.mark.parametrize(("held", "outside"), [(17, True), (18, False), (22, False), (23, True)])
def test_banes_outside_the_optimum_range_both_ways(held, outside):
    row = row_for(BANES, sw(), households({"CP": held}), TeamType.COURT_CP)
    assert row.outside_band is outside


def test_banes_nqsw_benchmark_is_15_in_any_team():
    for team_type in (TeamType.DUTY_ASSESSMENT, TeamType.CHILDREN_IN_CARE):
        row = row_for(BANES, sw(months=4), [], team_type)
        assert row.capacity.band.nqsw
        assert row.capacity.benchmark == 15


@pytest.mark.parametrize(("cin", "cla", "over"), [
    (15, 0, False), (16, 0, True), (0, 12, False), (0, 13, True), (8, 5, False), (9, 5, True)])
def test_banes_nqsw_mix_cap_15_cin_or_12_cla(cin, cla, over):
    row = row_for(BANES, sw(months=4), households({"CIN": cin, "CLA": cla}))
    use = row.cap_use["NQSW caseload"]
    assert use == pytest.approx(cin / 15 + cla / 12)
    assert any("over the NQSW caseload cap" in n for n in row.notes) is over


@pytest.mark.parametrize("role", [Role.FAMILY_SUPPORT_PRACTITIONER, Role.STUDENT])
def test_banes_nqsw_cap_is_for_newly_qualified_social_workers_only(role):
    worker = Worker(id="W", role=role, started_on=months_ago(6))
    row = row_for(BANES, worker, households({"CIN": 17}))
    assert not row.capacity.nqsw
    assert row.cap_use == {}
    assert not any("cap" in n for n in row.notes)


def test_banes_cap_does_not_apply_after_the_first_year():
    row = row_for(BANES, sw(months=13), households({"CIN": 20}))
    assert row.cap_use == {}
    assert not any("cap" in n for n in row.notes)


@pytest.mark.parametrize(("months", "noted"), [(3, True), (11, True), (12, False)])
def test_banes_no_cp_work_in_the_first_12_months(months, noted):
    row = row_for(BANES, sw(months=months), households({"CP": 1}))
    assert any("holds CP work" in n for n in row.notes) is noted


def test_banes_duties_and_part_time_reduce_the_benchmark():
    duty = sw(duties=(Duty(kind="practice_teaching", amount=3),))
    row = row_for(BANES, duty, households({"CIN": 19}), TeamType.COURT_CP)
    assert row.capacity.benchmark == 19
    assert row.load == 19 and row.rag.name == "green"
    # The optimum range moves down with the benchmark: 18-22 less 3 is 15-19.
    assert row.capacity.optimum == (15, 19) and not row.outside_band
    over = row_for(BANES, duty, households({"CIN": 20}), TeamType.COURT_CP)
    assert over.outside_band and over.rag.name == "amber"
    part = row_for(BANES, sw(contracted_hours=18.5), [], TeamType.COURT_CP)
    assert part.capacity.fte == 0.5
    assert part.capacity.benchmark == 11
    assert part.capacity.optimum == (9, 11)


# crude-count ---------------------------------------------------------------------------


@pytest.mark.parametrize(("cases", "band"), [
    (11, "blue"), (12, "green"), (13, "amber"), (15, "amber"), (16, "red")])
def test_crude_count_12_amber_13_to_15_red_above(cases, band):
    row = row_for(CRUDE, sw(), households({"CIN": cases}))
    assert row.capacity.benchmark == 12
    assert row.rag.name == band


@pytest.mark.parametrize(("cases", "band"), [(10, "blue"), (11, "amber"), (13, "amber"),
                                             (14, "red")])
def test_crude_count_nqsw_at_90_percent(cases, band):
    row = row_for(CRUDE, sw(months=5), households({"CIN": cases}))
    assert row.capacity.benchmark == pytest.approx(10.8)
    assert row.rag.name == band


def test_crude_count_laming_cap_of_12_cp_cases():
    assert not any("Laming" in n for n in row_for(CRUDE, sw(), households({"CP": 12})).notes)
    row = row_for(CRUDE, sw(), households({"CP": 13}))
    assert row.cap_use["Laming: 12 CP cases"] == pytest.approx(13 / 12)
    assert "over the Laming: 12 CP cases cap (108%)" in row.notes


# mental-health -------------------------------------------------------------------------


def rated(**ratings: float) -> Household:
    return Household(id="H", children=(Child(id="C", status=Status.CIN),), ratings=ratings)


def test_mental_health_three_ratings_add_up():
    case = score_case(MENTAL, rated(risk=3, coordination=2, time=7), None, ON)
    assert case.columns == {"risk": 3, "coordination": 2, "time": 7}
    assert case.total == 12


def test_mental_health_unrecorded_ratings_score_0_with_a_note():
    case = score_case(MENTAL, rated(risk=4), None, ON)
    assert case.total == 4
    assert case.notes == ("care co-ordination and advocacy not recorded: scored 0",
                          "time commitment not recorded: scored 0")


def test_mental_health_out_of_range_rating_is_an_input_error_and_clamped_if_scored():
    h = rated(risk=3, coordination=2, time=12)
    case = score_case(MENTAL, h, None, ON)
    assert case.columns["time"] == 10
    assert "time commitment 12 is outside 1-10: clamped" in case.notes
    team = Team(id="T", workers=(sw(),))
    problems = check_inputs(MENTAL, team, Caseload(households=(h,)), ON)
    assert [(p.severity, p.field, p.found, p.expected) for p in problems] == [
        ("error", "rating_time", 12, "1 to 10")]


def test_mental_health_benchmark_225_nqsw_90_percent_and_duties_as_load():
    assert row_for(MENTAL, sw(), []).capacity.benchmark == 225
    assert row_for(MENTAL, sw(months=3), []).capacity.benchmark == pytest.approx(202.5)
    worker = sw(duties=(Duty(kind="indirect_demand", amount=10),))
    row = row_for(MENTAL, worker, [rated(risk=5, coordination=5, time=10)])
    assert (row.casework, row.load, row.capacity.benchmark) == (20, 30, 225)


# weighted-case-limit -------------------------------------------------------------------


def weighted(n: int, weight: float | None = None, size: int = 1, prefix: str = "H"
             ) -> list[Household]:
    ratings = {} if weight is None else {"case_weight": weight}
    return [Household(id=f"{prefix}{i}", ratings=ratings, children=tuple(
        Child(id=f"{prefix}{i}-{k}", status=Status.CLA) for k in range(size))) for i in range(n)]


def test_weighted_case_limit_counts_cases_not_children_with_weight_1_by_default():
    row = row_for(WEIGHTED, sw(), weighted(13, size=3))
    assert row.casework == 13
    assert row.capacity.benchmark == 13
    assert row.rag.name == "green"


def test_weighted_case_limit_agreed_weights():
    row = row_for(WEIGHTED, sw(), weighted(4, 0.5, prefix="A") + weighted(4, 1.5, prefix="B"))
    assert row.casework == 4 * 0.5 + 4 * 1.5
    assert row.capacity.band.nqsw is False
    assert row_for(WEIGHTED, sw(months=2), []).capacity.benchmark == pytest.approx(11.7)


@pytest.mark.parametrize(("n", "band"), [(12, "blue"), (13, "green"), (14, "amber"), (15, "red")])
def test_weighted_case_limit_bands_around_13(n, band):
    assert row_for(WEIGHTED, sw(), weighted(n)).rag.name == band


# tasks-based ---------------------------------------------------------------------------


def test_tasks_points_per_task_times_count_plus_travel_and_duties():
    child = Child(id="C", status=Status.CP, work_items=(WorkItem(kind="court_report"),))
    h = Household(id="H", children=(child,), work_items=(
        WorkItem(kind="home_visit", count=4), WorkItem(kind="s47_enquiry"),
        WorkItem(kind="case_conference", count=2), WorkItem(kind="out_of_borough_travel", count=2),
        WorkItem(kind="home_visit", amount=30)))  # tasks schemes ignore an item's own amount
    case = score_case(TASKS, h, None, ON)
    assert case.columns == {"tasks": 4 + 5 + 4 + 1 + 5, "travel": 2}
    worker = sw(duties=(Duty(kind="practice_teaching"),))
    row = row_for(TASKS, worker, [h])
    assert (row.casework, row.load, row.capacity.benchmark) == (21, 26, 60)


# tower-hamlets -------------------------------------------------------------------------


def th_family(statuses: str, **kw: object) -> Household:
    return Household(id="H", children=tuple(
        Child(id=f"C{i}", status=Status(s)) for i, s in enumerate(statuses.split())), **kw)


@pytest.mark.parametrize(("statuses", "court", "status_points"), [
    ("CIN CIN", None, 0), ("CP CP", None, 1), ("CLA", None, 1), ("CP CLA", None, 2),
    ("CLA", CourtStage.CARE_PROCEEDINGS, 3), ("CP CLA", CourtStage.CARE_PROCEEDINGS, 4),
    ("CIN", CourtStage.PRIVATE_PROCEEDINGS, 1), ("CIN", CourtStage.PLO, 0)])
def test_tower_hamlets_case_status_stacks_per_household(statuses, court, status_points):
    case = score_case(TOWER, th_family(statuses, court=court), None, ON)
    assert case.columns.get("status", 0) == status_points
    assert case.columns["base"] == len(statuses.split())


@pytest.mark.parametrize(("level", "default", "agreed", "expected"), [
    (InterventionLevel.LOW, 1, 0, 0), (InterventionLevel.MEDIUM, 2, 3, 3),
    (InterventionLevel.HIGH, 4, 5, 5)])
def test_tower_hamlets_intervention_level_ranges(level, default, agreed, expected):
    h = th_family("CP", intervention_level=level)
    assert score_case(TOWER, h, None, ON).columns.get("intervention", 0) == default
    agreed_h = h.model_copy(update={"ratings": {"intervention": agreed}})
    assert score_case(TOWER, agreed_h, None, ON).columns.get("intervention", 0) == expected


def test_tower_hamlets_intervention_outside_its_level_is_an_input_error():
    h = th_family("CP", intervention_level=InterventionLevel.LOW, ratings={"intervention": 4})
    problems = check_inputs(TOWER, Team(id="T", workers=(sw(),)), Caseload(households=(h,)), ON)
    assert [(p.field, p.problem, p.expected) for p in problems] == [
        ("rating_intervention", "intervention level is out of range for low intervention",
         "0 to 1")]


def test_a_column_maximum_caps_the_case_and_the_breakdown_still_adds_up():
    capped = TOWER.model_copy(update={"columns": tuple(
        Column(name=c.name, label=c.label, max=3 if c.name == "status" else c.max)
        for c in TOWER.columns)})
    h = th_family("CP CLA", court=CourtStage.CARE_PROCEEDINGS)
    case = score_case(capped, h, None, ON)
    assert case.columns["status"] == 3
    assert case.lines[-1].rule == "cap:status" and case.lines[-1].points == -1
    assert case.total == sum(line.points for line in case.lines) == 2 + 3


# time-based ----------------------------------------------------------------------------


def test_time_based_hours_entered_override_the_task_timings():
    h = Household(id="H", children=(Child(id="C", status=Status.CP),), work_items=(
        WorkItem(kind="casework", amount=25), WorkItem(kind="visit", count=3),
        WorkItem(kind="court_report")))
    case = score_case(TIME, h, None, ON)
    assert case.columns == {"casework": 25 + 6 + 12}


def test_time_based_nqsw_gets_weekly_supervision_and_double_cpd():
    first_month = row_for(TIME, sw(months=0), [])
    duties = {d.kind: d.amount for d in first_month.capacity.duties}
    assert duties == pytest.approx({"supervision": 12, "cpd": 29.6, "admin": 20, "crisis": 2})
    later = {d.kind: d.amount for d in row_for(TIME, sw(months=3), []).capacity.duties}
    assert later["supervision"] == 6 and later["cpd"] == pytest.approx(29.6)
    settled = {d.kind: d.amount for d in row_for(TIME, sw(months=13), []).capacity.duties}
    assert settled["supervision"] == 3 and settled["cpd"] == pytest.approx(14.8)
