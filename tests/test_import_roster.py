"""The team's own sheets: the roster and the override sheet, read strictly.

The team keeps these files, so a mistake in them stops the import with the file,
row and column (exit 2), unlike the council's extract, whose oddities are reported.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from allocopt.domain import AssessmentKind, Role
from allocopt.errors import InputError
from allocopt.io.extracts.annex_a import read_annex_a
from allocopt.io.extracts.build import ImportOptions, build_import
from allocopt.io.extracts.roster import parse_duties, parse_leave, read_overrides, read_roster
from allocopt.io.extracts.settings import ImportSettings

ON = date(2026, 12, 1)
HEADER = ["Child Unique ID", "Gender", "Date of Birth", "Allocated Team", "Allocated Worker",
          "Child Protection Plan Start Date", "Child Protection Plan End Date"]


def workbook(tmp_path: Path, *rows: tuple[str, str]) -> Path:
    path = tmp_path / "annex-a.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "List 7"
    ws.append(HEADER)
    for cid, worker in rows:
        ws.append([cid, "b) Female", date(2018, 1, 1), "Blue Team", worker, date(2026, 5, 1)])
    wb.save(path)
    return path


def csv(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def run(tmp_path, roster_text, rows=(("C1", "Jo Bloggs"),), overrides_text=None):
    extract = read_annex_a(workbook(tmp_path, *rows), ON, ImportSettings())
    roster = read_roster(csv(tmp_path, "roster.csv", roster_text))
    over = read_overrides(csv(tmp_path, "over.csv", overrides_text)) if overrides_text else None
    return build_import(extract, roster, over, ImportOptions(on=ON))


def test_a_roster_keyed_by_name_only(tmp_path):
    result = run(tmp_path, "name,role,qualified_on,fte\nJo Bloggs,SSW,2015-09-01,0.8\n"
                           "Sam Smith,FSW,,\n")
    jo = result.team.worker("jo-bloggs")
    assert (jo.role, jo.contracted_hours, jo.qualified_on) == (Role.SENIOR, 29.6,
                                                               date(2015, 9, 1))
    assert result.team.worker("sam-smith").role is Role.FAMILY_SUPPORT_PRACTITIONER


@pytest.mark.parametrize(("text", "row", "field", "words"), [
    ("worker_id,name\nW1,Jo\nW1,Sam\n", 3, "worker_id", "appears twice"),
    ("worker_id,name,contracted_hours\nW1,Jo,60\n", 2, "contracted_hours", "at most 48"),
    ("worker_id,name,fte\nW1,Jo,8\n", 2, "fte", "between 0 and 1.3"),
    ("worker_id,name,qualified_on\nW1,Jo,last spring\n", 2, "qualified_on", "a date"),
    ("worker_id,name,leave\nW1,Jo,next week\n", 2, "leave", "periods like"),
    ("worker_id,name,leave\nW1,Jo,2026-12-10..2026-12-01\n", 2, "leave", "on or after"),
    ("worker_id,name,duties\nW1,Jo,mentoring@2026-01-01..2026-02-01\n", 2, "duties",
     "no dates"),
    ("worker_id,name,role\nW1,Jo,wizard\n", 2, "role", "social_worker"),
    ("worker_id,name,shoe_size\nW1,Jo,9\n", 1, "shoe_size", "roster columns"),
    ("worker_id,name,role\n,,senior\n", 2, "worker_id", "an id or a name"),
])
def test_roster_mistakes_name_row_and_column(tmp_path, text, row, field, words):
    with pytest.raises(InputError) as e:
        read_roster(csv(tmp_path, "roster.csv", text))
    assert (e.value.row, e.value.field) == (row, field)
    if words:
        assert words in e.value.message


def test_a_roster_with_neither_id_nor_name_column(tmp_path):
    with pytest.raises(InputError, match="no worker_id or name column"):
        read_roster(csv(tmp_path, "roster.csv", "role,fte\nsenior,1\n"))


def test_qualification_after_the_import_date_is_refused(tmp_path):
    with pytest.raises(InputError) as e:
        run(tmp_path, "worker_id,name,qualified_on\nW1,Jo Bloggs,2027-01-01\n")
    assert (e.value.row, e.value.field) == (2, "qualified_on")


def test_two_roster_workers_with_one_name_cannot_be_told_apart(tmp_path):
    with pytest.raises(InputError, match="two workers share the name 'Jo Bloggs'"):
        run(tmp_path, "worker_id,name\nW1,Jo Bloggs\nW9,jo  bloggs\n")


def test_a_roster_workbook_sheet_named_roster(tmp_path):
    path = tmp_path / "roster.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "notes"
    ws = wb.create_sheet("Roster")
    ws.append(["Worker ID", "Name ", "Qualified on"])
    ws.append(["W1", "Jo\u00a0Bloggs", date(2019, 9, 2)])
    wb.save(path)
    roster = read_roster(path)
    assert roster.by_name("jo bloggs").id == "W1"
    assert roster.entries[0].fields["qualified_on"] == date(2019, 9, 2)


def test_duty_and_leave_syntax():
    duties = parse_duties("practice_teaching; panel_member=3; union_facility_time*2")
    assert [(d.kind, d.amount, d.count) for d in duties] == [
        ("practice_teaching", None, 1), ("panel_member", 3, 1), ("union_facility_time", None, 2)]
    leave = parse_leave("2026-12-21..2027-01-01; 15/02/2027..19/02/2027")
    assert [(p.start, p.end) for p in leave] == [(date(2026, 12, 21), date(2027, 1, 1)),
                                                 (date(2027, 2, 15), date(2027, 2, 19))]


ROSTER = "worker_id,name\nW1,Jo Bloggs\nW2,Sam Smith\n"


@pytest.mark.parametrize(("text", "row", "field"), [
    ("child_id,colour\nC1,red\n", 1, "colour"),
    ("child_id,status\nC1,CP\nC1,CIN\n", 3, "child_id"),
    ("child_id,status\n,CP\n", 2, "child_id"),
    ("child_id,status\nC1,sometimes\n", 2, "status"),
    ("child_id,intervention_level\nC1,extreme\n", 2, "intervention_level"),
    ("child_id,rating_additional_factors\nC1,-1\n", 2, "rating_additional_factors"),
    ("child_id,assessment_kind\nC1,s47\n", 2, "assessment_start"),
])
def test_override_sheet_mistakes_name_row_and_column(tmp_path, text, row, field):
    with pytest.raises(InputError) as e:
        read_overrides(csv(tmp_path, "over.csv", text))
    assert (e.value.row, e.value.field) == (row, field)


def test_an_override_sheet_needs_a_child_id_column(tmp_path):
    with pytest.raises(InputError, match="child_id"):
        read_overrides(csv(tmp_path, "over.csv", "household_id\nH1\n"))


def test_an_override_worker_must_be_known(tmp_path):
    with pytest.raises(InputError) as e:
        run(tmp_path, ROSTER, overrides_text="child_id,worker_id\nC1,Nobody Known\n")
    assert (e.value.row, e.value.field, e.value.found) == (2, "worker_id", "Nobody Known")


def test_override_rows_for_children_not_in_the_extract_are_reported(tmp_path):
    result = run(tmp_path, ROSTER, overrides_text="child_id,complex\nC1,yes\nC404,yes\n")
    assert any("C404 (over.csv row 3)" in n for n in result.report.notes)


def test_household_overrides_that_disagree_are_reported_first_row_wins(tmp_path):
    result = run(tmp_path, ROSTER, rows=(("C1", "Jo Bloggs"), ("C2", "Jo Bloggs")),
                 overrides_text="child_id,household_id,intervention_level,co_worker_id\n"
                                "C1,F1,high,Sam Smith\nC2,F1,low,\n")
    household = result.caseload.households[0]
    assert household.intervention_level.value == "high"
    assert any("intervention_level" in n and "row 2 used" in n for n in result.report.notes)
    roles = {(h.worker_id, h.role, h.child_ids) for h in result.caseload.holdings}
    assert roles == {("W1", "lead", ("C1", "C2")), ("W2", "secondary", ("C1",))}


def test_an_assessment_and_ratings_from_the_override_sheet(tmp_path):
    result = run(tmp_path, ROSTER, overrides_text="child_id,assessment_kind,assessment_start,"
                                                  "rating_intervention\nC1,s47,2026-11-20,3\n")
    household = result.caseload.households[0]
    assert household.assessment.kind is AssessmentKind.S47
    assert household.ratings == {"intervention": 3}
    assert household.sources["rating_intervention"] == "over.csv row 2"


def test_a_roster_of_several_teams_gives_this_team_only(tmp_path):
    extract = read_annex_a(workbook(tmp_path, ("C1", "Jo Bloggs"), ("C2", "Pat Red")), ON,
                           ImportSettings())
    roster = read_roster(csv(tmp_path, "roster.csv", "worker_id,name,team\nW1,Jo Bloggs,Blue Team"
                                                     "\nW2,Sam Smith,blue team\nR1,Pat Red,Red "
                                                     "Team\nR2,Ann Red,Red Team\n"))
    result = build_import(extract, roster, None, ImportOptions(on=ON, team="Blue Team"))
    assert [w.id for w in result.team.workers] == ["W1", "W2", "R1"]  # R1 holds a Blue child
    assert [g.worker for g in result.report.not_in_extract] == ["Sam Smith"]
    assert any("R1 is in another team in the roster" in n for n in result.report.notes)
