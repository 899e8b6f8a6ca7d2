"""Reading an SSD extract: a tiny made-up extract (tests/data/import/ssd) with known answers.

At 2026-12-01 the extract says:
  P1 CP plan open, allocated to professional 101 (Jo Bloggs, staff id W1); an earlier
     involvement with 102 ended in May: ignored.          family F1 with P2
  P2 CIN plan open, 101.                                   family F1
  P3 looked after (an earlier episode ceased in 2024), placement 45 miles away, interim
     care order (C1); involvement role ALLWKR with 102 (Sam Smith, W2).
  P4 looked-after episode ceased and CIN episode closed in October: not imported.
  P5 CIN plan ended and episode closed in September: not imported.
  P6 CP plan open, only an IRO involvement: unallocated; pre-proceedings open.  family F2
  P7 CIN episode open; involvement role XYZ (unknown): unallocated.             family F2
  P8 care leaver (Former Relevant), 103 (Alex Green, W3, no FTE recorded).
  P9 care leaver with no current eligibility: not imported.
  P10 looked after, distance 999.9 (unknown), 104 (Pat Temp: agency, not in the roster).
  P11 CP plan and an open S47 enquiry, 101.
"""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from allocopt.domain import AssessmentKind, CourtStage, Status, TravelBand
from allocopt.errors import InputError
from allocopt.io.extracts.build import ImportOptions, build_import, run_import
from allocopt.io.extracts.roster import read_roster
from allocopt.io.extracts.settings import ImportSettings
from allocopt.io.extracts.ssd import read_ssd

from .conftest import ROOT

DATA = ROOT / "tests" / "data" / "import"
ON = date(2026, 12, 1)


@pytest.fixture(scope="module")
def result():
    extract = read_ssd(DATA / "ssd", ON, ImportSettings())
    return build_import(extract, read_roster(DATA / "roster.csv"), None,
                        ImportOptions(on=ON, team="Blue Team"))


def _child(result, cid):
    for caseload in (result.caseload, result.waiting):
        for h in caseload.households:
            for c in h.children:
                if c.id == cid:
                    return h, c
    raise KeyError(cid)


def _lead(result, cid):
    return next((h.worker_id for h in result.caseload.holdings
                 if cid in h.child_ids and h.role == "lead"), None)


def test_statuses_at_the_date(result):
    assert {cid: _child(result, cid)[1].status for cid in
            ("P1", "P2", "P3", "P6", "P7", "P8", "P10", "P11")} == {
        "P1": Status.CP, "P2": Status.CIN, "P3": Status.CLA, "P6": Status.CP, "P7": Status.CIN,
        "P8": Status.CARE_LEAVER, "P10": Status.CLA, "P11": Status.CP}


@pytest.mark.parametrize("cid", ["P4", "P5", "P9"])
def test_ceased_closed_and_ineligible_are_not_imported(result, cid):
    with pytest.raises(KeyError):
        _child(result, cid)


def test_an_involvement_that_ended_before_the_date_is_ignored(result):
    assert _lead(result, "P1") == "W1"  # not W2, whose involvement ended in May
    assert result.report.statuses == {"CIN": 2, "CLA": 2, "CP": 3, "care_leaver": 1}


def test_allocations_use_the_configured_roles(result):
    assert _lead(result, "P3") == "W2"  # role ALLWKR
    assert _lead(result, "P10") == "104"  # 'Allocated Case Worker', not in the roster
    assert _lead(result, "P6") is None  # only an IRO
    assert _lead(result, "P7") is None  # role XYZ is not an allocation


def test_a_local_role_code_is_a_setting():
    extract = read_ssd(DATA / "ssd", ON, ImportSettings(allocated_worker_roles=["XYZ", "CW"]))
    result = build_import(extract, read_roster(DATA / "roster.csv"), None,
                          ImportOptions(on=ON))
    assert _lead(result, "P7") == "W3"
    assert _lead(result, "P3") is None  # ALLWKR is no longer an allocation here


def test_households_come_from_ssd_family(result):
    h1, _ = _child(result, "P1")
    assert h1.id == "F1" and [c.id for c in h1.children] == ["P1", "P2"]
    waiting = result.waiting.households
    assert [h.id for h in waiting] == ["F2"]
    assert [c.id for c in waiting[0].children] == ["P6", "P7"]
    h3, _ = _child(result, "P3")
    assert h3.id == "H-P3"
    assert result.report.own_households == 4
    assert any("household of their own" in n for n in result.report.notes)


def test_waiting_households_carry_the_referral_date(result):
    assert result.waiting.households[0].referred_on == date(2026, 10, 28)


def test_travel_from_placement_distance(result):
    _, p3 = _child(result, "P3")
    assert p3.placement_travel is TravelBand.ONE_TO_TWO_HOURS
    assert "45 miles" in p3.sources["placement_travel"]
    _, p10 = _child(result, "P10")
    assert p10.placement_travel is TravelBand.IN_AREA
    unknown = {(u.column, u.value) for u in result.report.unknown_values.values()}
    assert ("clap_cla_placement_distance", "999.9") in unknown


def test_court_from_legal_status_and_pre_proceedings(result):
    assert _child(result, "P3")[0].court is CourtStage.CARE_PROCEEDINGS
    f2 = result.waiting.households[0]
    assert f2.court is CourtStage.PLO
    assert f2.sources["court"] == "ssd_pre_proceedings row 2"


def test_open_s47_is_the_households_assessment(result):
    household, _ = _child(result, "P11")
    assert household.assessment.kind is AssessmentKind.S47
    assert household.assessment.start == date(2026, 11, 20)


def test_fte_from_professionals_roster_first(result):
    team = result.team
    assert team.worker("W1").contracted_hours == 37
    assert team.worker("W2").contracted_hours == 29.6
    assert team.worker("W2").sources["contracted_hours"] == "roster.csv row 3"
    assert team.worker("104").contracted_hours == 18.5  # FTE 0.5
    assert team.worker("104").sources["contracted_hours"] == "ssd_professionals row 5, FTE 0.5"
    assert team.worker("104").agency is True
    assert result.report.missing_fte == ["W3 (Alex Green)"]


def test_report_names_what_needs_a_look(result):
    r = result.report
    assert [g.worker for g in r.not_in_roster] == ["Pat Temp"]
    assert ("ssd_involvements", "invo_professional_role_id", "XYZ") in r.unknown_values
    assert {u.child_id for u in r.unallocated} == {"P6", "P7"}
    assert any("ended on or before the date" in n for n in r.notes)
    assert r.lists["ssd_cla_placement"].current == 2  # P3's row names only its episode


def test_roster_workers_come_first_in_roster_order(result):
    assert [w.id for w in result.team.workers] == ["W1", "W2", "W3", "104"]


def test_run_import_writes_files_that_score(tmp_path):
    from allocopt.board import score_team
    from allocopt.io.inputs import load_inputs

    run_import("ssd", DATA / "ssd", tmp_path, ImportOptions(on=ON, team="Blue Team"),
               roster=DATA / "roster.csv")
    inputs = load_inputs(tmp_path / "team.yaml")
    board = score_team(inputs.scheme, inputs.team.team, inputs.caseload.caseload, inputs.on)
    assert board.worker("W1").counts.children == 3
    assert (tmp_path / "waiting.csv").read_text().splitlines()[0].startswith("household_id")
    assert "worker_id" not in (tmp_path / "waiting.csv").read_text().splitlines()[0]


def test_missing_involvements_table_is_an_input_error(tmp_path):
    shutil.copy(DATA / "ssd" / "ssd_cp_plans.csv", tmp_path)
    with pytest.raises(InputError) as e:
        read_ssd(tmp_path, ON, ImportSettings())
    assert "ssd_involvements" in e.value.message


def test_missing_required_column_names_file_row_and_column(tmp_path):
    for f in (DATA / "ssd").glob("*.csv"):
        shutil.copy(f, tmp_path)
    text = (tmp_path / "ssd_involvements.csv").read_text()
    (tmp_path / "ssd_involvements.csv").write_text(text.replace("invo_person_id", "person"))
    with pytest.raises(InputError) as e:
        read_ssd(tmp_path, ON, ImportSettings())
    assert e.value.row == 1 and e.value.field == "invo_person_id"
    assert e.value.file.endswith("ssd_involvements.csv")


def test_table_names_are_matched_tolerantly(tmp_path):
    for f in (DATA / "ssd").glob("*.csv"):
        shutil.copy(f, tmp_path / f.name.upper().replace("SSD_", ""))
    extract = read_ssd(tmp_path, ON, ImportSettings())
    assert extract.children["P1"].statuses[0].status is Status.CP


def test_not_a_folder(tmp_path):
    with pytest.raises(InputError):
        read_ssd(tmp_path / "nothing", ON, ImportSettings())
    (tmp_path / "file.csv").write_text("x\n")
    with pytest.raises(InputError):
        read_ssd(tmp_path / "file.csv", ON, ImportSettings())


def test_names_stay_out_unless_asked(tmp_path):
    for f in (DATA / "ssd").glob("*.csv"):
        shutil.copy(f, tmp_path)
    person = (tmp_path / "ssd_person.csv").read_text().splitlines()
    person[0] += ",pers_forename,pers_surname"
    person = [person[0]] + [line + f",Kid{i},Zyxwv" for i, line in enumerate(person[1:])]
    (tmp_path / "ssd_person.csv").write_text("\n".join(person) + "\n")
    out = tmp_path / "out"
    run_import("ssd", tmp_path, out, ImportOptions(on=ON), roster=DATA / "roster.csv")
    everything = "".join(p.read_text() for p in out.iterdir())
    assert "Zyxwv" not in everything
    run_import("ssd", tmp_path, out, ImportOptions(on=ON), roster=DATA / "roster.csv",
               show_names=True, force=True)
    assert "Zyxwv" in (out / "import-report.md").read_text()
    assert "Zyxwv" not in (out / "caseload.csv").read_text() + (out / "team.yaml").read_text()


def test_same_extract_same_bytes(tmp_path):
    options = ImportOptions(on=ON, team="Blue Team")
    run_import("ssd", DATA / "ssd", tmp_path / "a", options, roster=DATA / "roster.csv")
    run_import("ssd", DATA / "ssd", tmp_path / "b", options, roster=DATA / "roster.csv")
    for name in ("team.yaml", "caseload.csv", "waiting.csv", "import-report.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_without_a_roster_workers_come_from_professionals(tmp_path):
    extract = read_ssd(DATA / "ssd", ON, ImportSettings())
    result = build_import(extract, None, None, ImportOptions(on=ON))
    w = result.team.worker("101")
    assert w.name == "Jo Bloggs" and w.contracted_hours == 37
    assert w.sources["qualified_on"].startswith("not recorded")
    assert result.team.worker("102").role.value == "senior"  # 'Senior Practitioner'


def test_unknown_job_title_is_reported(tmp_path):
    for f in (DATA / "ssd").glob("*.csv"):
        shutil.copy(f, tmp_path)
    text = (tmp_path / "ssd_professionals.csv").read_text()
    (tmp_path / "ssd_professionals.csv").write_text(text.replace("Senior Practitioner",
                                                                 "Wizard"))
    extract = read_ssd(tmp_path, ON, ImportSettings())
    assert any(u.value == "Wizard" for u in extract.report.unknown_values.values())


def test_copies_of_the_fixture_do_not_leak(tmp_path):
    # the fixture folder is read-only input: an import never writes beside it
    before = sorted(p.name for p in (DATA / "ssd").iterdir())
    run_import("ssd", DATA / "ssd", tmp_path, ImportOptions(on=ON), roster=DATA / "roster.csv")
    assert sorted(p.name for p in (DATA / "ssd").iterdir()) == before


def test_a_child_in_two_families_is_reported_and_the_first_kept(tmp_path):
    for f in (DATA / "ssd").glob("*.csv"):
        shutil.copy(f, tmp_path)
    with open(tmp_path / "ssd_family.csv", "a") as f:
        f.write("5,F9,P1\n6,F9,P9\n")
    result = build_import(read_ssd(tmp_path, ON, ImportSettings()), None, None,
                          ImportOptions(on=ON))
    assert _child(result, "P1")[0].id == "F1"
    assert [(d.child_id, d.what) for d in result.report.disagreements
            if d.what == "family"] == [("P1", "family")]  # P9 is not imported: not reported
