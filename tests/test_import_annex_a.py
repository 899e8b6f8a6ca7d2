"""Reading an Annex A workbook: small made-up workbooks with known answers at 2026-12-01."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from allocopt.domain import AssessmentKind, CourtStage, Status, TravelBand
from allocopt.errors import InputError
from allocopt.io.extracts.annex_a import read_annex_a
from allocopt.io.extracts.build import ImportOptions, build_import, run_import
from allocopt.io.extracts.roster import read_overrides, read_roster
from allocopt.io.extracts.settings import ImportSettings

from .conftest import ROOT

DATA = ROOT / "tests" / "data" / "import"
ON = date(2026, 12, 1)
PAST = date(2026, 3, 2)
TEAM = "Blue Team"
CORE = ["Child Unique ID", "Gender", "Date of Birth", "Allocated Team", "Allocated Worker"]
HEAD = {
    3: [*CORE, "Date of Referral", "Referral NFA?"],
    4: [*CORE, "Continuous Assessment Start Date", "Continuous Assessment Date of Authorisation",
        "Does the Child have a Disability"],
    5: [*CORE, "Strategy discussion initiating Section 47 Enquiry Start Date",
        "Date of Initial Child Protection Conference"],
    6: [*CORE, "CIN Start Date", "CIN Closure Date", "Case Status"],
    7: [*CORE, "Child Protection Plan Start Date", "Child Protection Plan End Date"],
    8: [*CORE, "Date Started to be Looked After", "Date Ceased to be Looked After",
        "Child's Legal Status", "Placement Location", "LA of Placement", "Placement type"],
    9: [*CORE, "Eligibility Category", "LA in Touch", "Allocated Personal Advisor"],
}


def row(cid: str, worker: Any = "Jo Bloggs", *rest: Any, team: str = TEAM) -> list[Any]:
    return [cid, "a) Male", date(2015, 6, 1), team, worker, *rest]


def book(path: Path, lists: dict[int, list[list[Any]]], header: dict[int, list[str]] | None = None
         ) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for n, rows in lists.items():
        ws = wb.create_sheet(f"List {n}")
        ws.append((header or {}).get(n, HEAD[n]))
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def imported(tmp_path: Path, lists: dict[int, list[list[Any]]], *, overrides: str | None = None,
             settings: ImportSettings | None = None, header: dict[int, list[str]] | None = None,
             team: str | None = None):
    path = book(tmp_path / "annex-a.xlsx", lists, header)
    over = None
    if overrides is not None:
        (tmp_path / "overrides.csv").write_text(overrides)
        over = read_overrides(tmp_path / "overrides.csv")
    extract = read_annex_a(path, ON, settings or ImportSettings())
    return build_import(extract, read_roster(DATA / "roster.csv"), over,
                        ImportOptions(on=ON, team=team))


def children(result) -> dict[str, Any]:
    return {c.id: c for cl in (result.caseload, result.waiting) for h in cl.households
            for c in h.children}


def household(result, cid: str):
    return next(h for cl in (result.caseload, result.waiting) for h in cl.households
                if any(c.id == cid for c in h.children))


def lead(result, cid: str) -> str | None:
    return next((h.worker_id for h in result.caseload.holdings if cid in h.child_ids
                 and h.role == "lead"), None)


def test_a_child_on_list_7_and_list_6_counts_as_cp(tmp_path):
    result = imported(tmp_path, {6: [row("C1", "Jo Bloggs", PAST, None, "a) Open")],
                                 7: [row("C1", "Jo Bloggs", PAST, None)]})
    child = children(result)["C1"]
    assert child.status is Status.CP
    assert child.sources["status"] == "Annex A List 7 row 2"
    assert result.report.disagreements == []  # CIN and CP together is normal
    assert result.report.lists["List 6 (children in need)"].current == 1


def test_a_ceased_cla_episode_is_not_cla(tmp_path):
    ceased = date(2026, 10, 1)
    result = imported(tmp_path, {
        6: [row("C1", "Jo Bloggs", PAST, None), row("C2", "Jo Bloggs", PAST, ceased)],
        8: [row("C1", "Jo Bloggs", date(2024, 1, 1), ceased, "C2: Full care order"),
            row("C2", "Jo Bloggs", date(2024, 1, 1), ceased, "C2: Full care order")]})
    found = children(result)
    assert found["C1"].status is Status.CIN  # still open as a child in need
    assert "C2" not in found  # ceased and closed: nothing open
    assert any("nothing open" in n for n in result.report.notes)


def test_a_plan_ending_on_the_date_is_over(tmp_path):
    result = imported(tmp_path, {7: [row("C1", "Jo Bloggs", PAST, ON)]})
    assert children(result) == {}


def test_a_closed_cin_episode_is_not_counted(tmp_path):
    result = imported(tmp_path, {6: [row("C1", "Jo Bloggs", PAST, date(2026, 11, 30)),
                                     row("C2", "Jo Bloggs", PAST, date(2026, 12, 31)),
                                     row("C3", "Jo Bloggs", PAST, None, "d) Closed")]})
    assert set(children(result)) == {"C2"}  # closes after the date: still open on it


def test_na_and_blank_workers_mean_unallocated(tmp_path):
    result = imported(tmp_path, {7: [row("C1", "#N/A", PAST), row("C2", None, PAST),
                                     row("C3", "Unallocated", PAST), row("C4", "Jo Bloggs", PAST)]})
    assert lead(result, "C4") == "W1"
    waiting = {c.id for h in result.waiting.households for c in h.children}
    assert waiting == {"C1", "C2", "C3"}
    reasons = {u.child_id: u.reason for u in result.report.unallocated}
    assert reasons["C1"] == "worker '#N/A' on Annex A List 7 row 2"
    assert reasons["C2"] == "worker blank on Annex A List 7 row 3"
    assert result.report.cell_problems == []  # '#N/A' for a worker is expected, not a fault


def test_a_roster_name_matches_a_workbook_name_with_a_non_breaking_space(tmp_path):
    result = imported(tmp_path, {7: [row("C1", "Jo\u00a0Bloggs", PAST),
                                     row("C2", " sam  SMITH ", PAST),
                                     row("C3", "Green, Alex", PAST)]})
    assert (lead(result, "C1"), lead(result, "C2"), lead(result, "C3")) == ("W1", "W2", "W3")
    assert result.report.not_in_roster == []


def test_coded_answers_with_prefixes(tmp_path):
    result = imported(tmp_path, {
        3: [row("C1", "Jo Bloggs", PAST, "a) Yes"), row("C2", "Jo Bloggs", PAST, "b) No")],
        8: [row("C3", "Jo Bloggs", PAST, None, "C1: Interim care order", "a) Inside LA boundary",
                None, "f) U6: Foster placement - not FFA"),
            row("C4", "Jo Bloggs", PAST, None, "E1: Placement order", "a) Inside LA boundary"),
            row("C5", "Jo Bloggs", PAST, None, "Z9: Something new", "a) Inside LA boundary")]})
    found = children(result)
    assert "C1" not in found  # referral closed with no further action
    assert found["C2"].status is Status.CIN  # referral open, not yet assessed
    assert household(result, "C3").court is CourtStage.CARE_PROCEEDINGS
    assert household(result, "C4").court is None
    unknown = {(u.column, u.value) for u in result.report.unknown_values.values()}
    assert ("Child's Legal Status", "Z9: Something new") in unknown


def test_tolerant_headers(tmp_path):
    header = {7: ["  child unique ID ", "SEX", "Date of birth (dd/mm/yyyy)", "ALLOCATED TEAM",
                  "Allocated Social Worker", "Child Protection Plan Start Date ",
                  "Child Protection Plan End Date"]}
    result = imported(tmp_path, {7: [row("C1", "Jo Bloggs", PAST)]}, header=header)
    child = children(result)["C1"]
    assert child.status is Status.CP and child.age == 11
    assert lead(result, "C1") == "W1"


def test_a_title_row_above_the_header(tmp_path):
    path = tmp_path / "annex-a.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "List 7 - Child protection"
    ws.append(["List 7: children subject to a child protection plan"])
    ws.append([])
    ws.append(HEAD[7])
    ws.append(row("C1", "Jo Bloggs", PAST))
    wb.save(path)
    extract = read_annex_a(path, ON, ImportSettings())
    assert extract.children["C1"].statuses[0].source == "Annex A List 7 - Child protection row 4"


def test_dates_as_serials_text_and_sql_exports(tmp_path):
    serial = (PAST - date(1899, 12, 30)).days
    result = imported(tmp_path, {7: [row("C1", "Jo Bloggs", serial),
                                     row("C2", "Jo Bloggs", "02/03/2026"),
                                     row("C3", "Jo Bloggs", "2026-03-02 00:00:00.000"),
                                     row("C4", "Jo Bloggs", datetime(2026, 3, 2, 9, 30)),
                                     row("C5", "Jo Bloggs", "sometime")]})
    assert set(children(result)) == {"C1", "C2", "C3", "C4", "C5"}
    bad = result.report.cell_problems
    assert [(p.where, p.row, p.column, p.found) for p in bad] == [
        ("Annex A List 7", 6, "Child Protection Plan Start Date", "sometime")]


def test_a_formula_with_no_saved_result_is_reported_not_a_crash(tmp_path):
    result = imported(tmp_path, {7: [row("C1", "Jo Bloggs", "=DATE(2026,3,2)",
                                         "=C2+400")]})
    assert children(result)["C1"].status is Status.CP  # end unknown: the plan counts as open
    found = {(p.where, p.row, p.column) for p in result.report.cell_problems}
    assert found == {("Annex A List 7", 2, "Child Protection Plan Start Date"),
                     ("Annex A List 7", 2, "Child Protection Plan End Date")}
    assert all("no saved result" in p.problem for p in result.report.cell_problems)


def test_lists_missing_or_empty(tmp_path):
    result = imported(tmp_path, {7: [row("C1", "Jo Bloggs", PAST)], 8: []})
    notes = " ".join(result.report.notes)
    assert "List 6 (children in need) is not in the workbook" in notes
    assert "List 8 ('List 8') is empty" not in notes  # a header with no rows is not 'empty'
    assert result.report.lists["List 8 (looked after)"].note.startswith("no rows")
    assert "List 9 (care leavers) is not in the workbook" in notes


def test_a_sheet_with_nothing_at_all_is_empty(tmp_path):
    path = tmp_path / "annex-a.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "List 9"
    ws = wb.create_sheet("List 7")
    ws.append(HEAD[7])
    ws.append(row("C1", "Jo Bloggs", PAST))
    wb.save(path)
    extract = read_annex_a(path, ON, ImportSettings())
    assert "List 9 ('List 9') is empty" in extract.report.notes


def test_the_same_child_on_several_lists_takes_the_most_serious_and_reports(tmp_path):
    result = imported(tmp_path, {
        6: [row("C1", "Sam Smith", PAST, None, "b) Child protection plan"),
            row("C2", "Jo Bloggs", PAST, None, "b) Child protection plan")],
        7: [row("C1", "Jo Bloggs", PAST)],
        8: [row("C1", "Jo Bloggs", PAST, None, "C2: Full care order", "a) Inside LA boundary")]})
    assert children(result)["C1"].status is Status.CLA
    assert lead(result, "C1") == "W1"  # named on the list giving the status
    what = {(d.child_id, d.what) for d in result.report.disagreements}
    assert what == {("C1", "status"), ("C1", "allocated worker"), ("C2", "case status")}
    assert children(result)["C2"].status is Status.CIN  # List 6 alone cannot make a CP plan


def test_care_leavers(tmp_path):
    result = imported(tmp_path, {9: [
        row("C1", "#N/A", "b) Former relevant", "a) Yes", "Sam Smith"),
        row("C2", "Jo Bloggs", "No current eligibility"),
        row("C3", "Jo Bloggs", "x) Something else")]})
    found = children(result)
    assert found["C1"].status is Status.CARE_LEAVER
    assert lead(result, "C1") == "W2"  # the personal adviser holds the case
    assert "C2" not in found
    assert "C3" not in found  # an unknown category is reported, never assumed to count
    unknown = [u for u in result.report.unknown_values.values() if u.value == "x) Something else"]
    assert [u.treated_as.split(":")[0] for u in unknown] == ["not counted"]


@pytest.mark.parametrize(("written", "counts"), [
    ("a) Relevant child", True), ("b) Former relevant child", True), ("Former relevant child", True),
    ("c) Qualifying care leaver", True), ("d) Eligible child", True), ("former relevant", True),
    ("B", True), ("d)", True), ("No current eligibility", False), ("e) Staying put", False)])
def test_eligibility_by_the_lists_wording_and_letters(tmp_path, written, counts):
    result = imported(tmp_path, {9: [row("C1", "Jo Bloggs", written)]})
    assert ("C1" in children(result)) is counts
    reported = [u.value for u in result.report.unknown_values.values()]
    assert reported == ([] if counts or written.startswith("No") else [written])


def test_placement_travel_where_it_can(tmp_path):
    settings = ImportSettings(home_la="Home Borough",
                              placement_la_travel={"Faraway": TravelBand.OVER_TWO_HOURS})
    result = imported(tmp_path, {8: [
        row("C1", "Jo Bloggs", PAST, None, "C2", "b) Outside LA boundary", "Faraway"),
        row("C2", "Jo Bloggs", PAST, None, "C2", "Outside", "Nowhere Known"),
        row("C3", "Jo Bloggs", PAST, None, "C2", None, "Home Borough"),
        row("C4", "Jo Bloggs", PAST, None, "C2", "a) Inside LA boundary", None)]},
        settings=settings)
    found = children(result)
    assert found["C1"].placement_travel is TravelBand.OVER_TWO_HOURS
    assert found["C2"].placement_travel is TravelBand.IN_AREA
    assert "placement_travel" not in found["C2"].sources
    assert found["C3"].placement_travel is TravelBand.IN_AREA
    assert "placement_travel" in found["C3"].sources
    unknown = {(u.column, u.value) for u in result.report.unknown_values.values()}
    assert ("LA of Placement", "Nowhere Known") in unknown


def test_open_assessments_and_s47(tmp_path):
    result = imported(tmp_path, {
        4: [row("C1", "Jo Bloggs", date(2026, 11, 10), None, "a) Yes"),
            row("C2", "Jo Bloggs", date(2026, 10, 1), date(2026, 11, 1), "b) No")],
        5: [row("C3", "Jo Bloggs", date(2026, 11, 25), None)]})
    found = children(result)
    assert found["C1"].status is Status.CIN and found["C1"].disabled
    a = household(result, "C1").assessment
    assert (a.kind, a.start) == (AssessmentKind.SINGLE, date(2026, 11, 10))
    assert "C2" not in found  # assessed and closed
    assert household(result, "C3").assessment.kind is AssessmentKind.S47


def test_households_from_the_override_sheet_never_from_names(tmp_path):
    lists = {7: [row("C1", "Jo Bloggs", PAST), row("C2", "Jo Bloggs", PAST)],
             6: [row("C3", "Jo Bloggs", PAST)]}
    alone = imported(tmp_path, lists)
    assert {household(alone, c).id for c in ("C1", "C2", "C3")} == {"H-C1", "H-C2", "H-C3"}
    assert alone.report.own_households == 3
    grouped = imported(tmp_path, lists, overrides="child_id,household_id,intervention_level\n"
                                                  "C1,F7,high\nC2,F7,\n")
    assert [c.id for c in household(grouped, "C1").children] == ["C1", "C2"]
    h = household(grouped, "C1")
    assert h.id == "F7" and h.intervention_level.value == "high"
    assert h.sources["intervention_level"] == "overrides.csv row 2"
    assert grouped.report.own_households == 1


def test_override_wins_over_the_extract(tmp_path):
    lists = {8: [row("C1", "Jo Bloggs", PAST, None, "C1: Interim care order",
                     "a) Inside LA boundary")]}
    result = imported(tmp_path, lists, overrides="child_id,status,court,worker_id,high_input\n"
                                                 "C1,CP,none,Sam Smith,yes\n")
    child = children(result)["C1"]
    assert child.status is Status.CP and child.high_input
    assert child.sources["status"] == "overrides.csv row 2; the extract says CLA"
    assert household(result, "C1").court is None
    assert lead(result, "C1") == "W2"


def test_workers_missing_from_the_roster_and_the_reverse(tmp_path):
    result = imported(tmp_path, {7: [row("C1", "Chris Newman", PAST),
                                     row("C2", "Jo Bloggs", PAST)]})
    assert lead(result, "C1") == "chris-newman"
    gap = result.report.not_in_roster[0]
    assert (gap.worker, gap.children) == ("Chris Newman", 1)
    assert {g.worker for g in result.report.not_in_extract} == {"Sam Smith", "Alex Green"}
    w = result.team.worker("chris-newman")
    assert w.sources["qualified_on"].startswith("not recorded")
    assert "chris-newman (Chris Newman)" in result.report.missing_fte


def test_roster_fields_reach_the_team(tmp_path):
    result = imported(tmp_path, {7: [row("C1", "Sam Smith", PAST)]})
    w = result.team.worker("W2")
    assert w.role.value == "senior" and w.contracted_hours == 29.6
    assert [d.kind for d in w.duties] == ["practice_teaching"]
    assert w.leave[0].start == date(2026, 12, 7)
    assert w.sources["qualified_on"] == "roster.csv row 3"
    assert result.team.worker("W3").sources["contracted_hours"].startswith("default")


def test_team_filter_leaves_other_teams_out(tmp_path):
    result = imported(tmp_path, {7: [row("C1", "Jo Bloggs", PAST),
                                     row("C2", "Zed Other", PAST, team="Red Team"),
                                     row("C3", "#N/A", PAST, team="Red Team"),
                                     row("C4", "#N/A", PAST)]}, team="blue  team")
    assert set(children(result)) == {"C1", "C4"}
    assert any("2 children held by other teams left out (2 of Red Team)" in n
               for n in result.report.notes)


def test_broken_workbooks_stop_with_the_place(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_annex_a(tmp_path / "missing.xlsx", ON, ImportSettings())
    fake = tmp_path / "fake.xlsx"
    fake.write_text("Child Unique ID,Gender\n")
    with pytest.raises(InputError, match=r"not a readable \.xlsx workbook"):
        read_annex_a(fake, ON, ImportSettings())
    (tmp_path / "list.csv").write_text("x")
    with pytest.raises(InputError, match="unsupported file type"):
        read_annex_a(tmp_path / "list.csv", ON, ImportSettings())
    path = book(tmp_path / "no-id.xlsx", {7: [["C1", "a) Male"]]},
                header={7: ["Reference", "Gender"]})
    with pytest.raises(InputError) as e:
        read_annex_a(path, ON, ImportSettings())
    assert (e.value.sheet, e.value.row) == ("List 7", 1)
    assert "Child Unique ID" in e.value.message


def test_no_names_unless_asked(tmp_path):
    header = {7: [*HEAD[7], "Forename", "Surname"]}
    path = book(tmp_path / "annex-a.xlsx",
                {7: [row("C1", "#N/A", PAST, None, "Kiddo", "Qwertyson")]}, header)
    out = tmp_path / "out"
    run_import("annex-a", path, out, ImportOptions(on=ON), roster=DATA / "roster.csv")
    assert not any("Qwertyson" in p.read_text() for p in out.iterdir())
    run_import("annex-a", path, out, ImportOptions(on=ON), roster=DATA / "roster.csv",
               show_names=True, force=True)
    assert "C1 (Kiddo Qwertyson)" in (out / "import-report.md").read_text()
    assert "Qwertyson" not in (out / "waiting.csv").read_text()


def test_a_repeated_column_is_reported_and_the_first_read(tmp_path):
    header = {7: [*HEAD[7], "Allocated Worker"]}
    result = imported(tmp_path, {7: [row("C1", "Jo Bloggs", PAST, None, "Sam Smith")]},
                      header=header)
    assert lead(result, "C1") == "W1"
    assert "List 7: the column 'Allocated Worker' appears twice; the first is read" in \
        result.report.notes
