"""Bad input gives one clear line naming the file, row and field, exit status 2, and
no traceback. The corpus is in tests/data/broken/; workbooks are made at run time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from .conftest import run_cli
from .test_hostile_inputs import NAME_PARTS, leftovers

BROKEN = Path(__file__).parent / "data" / "broken"

# (file, row, field, what the message must say). Row and field are None where the
# problem has none (an empty file, a scheme-wide rule).
CASELOADS = [
    ("missing_column.csv", 1, "status", "missing column 'status'"),
    ("unknown_status.csv", 3, "status", "found 'child-protection-ish'; expected one of CIN, CP"),
    ("negative_hours.csv", 2, "household_work_items", "expected an amount of 0 or more"),
    ("negative_age.csv", 2, "age", "found -3; expected greater than or equal to 0"),
    ("duplicate_child.csv", 3, "child_id", "child C1 appears twice (also row 2)"),
    ("child_in_two_households.csv", 4, "child_id",
     "child C1 appears twice (also row 2, household H1)"),
    ("future_allocation.csv", 3, "allocated_on",
     "date is in the future; found '2027-01-04'; expected a date on or before 2026-12-01"),
    ("future_assessment.csv", 2, "assessment_start", "household H1: date is in the future"),
    ("future_referral.csv", 2, "referred_on", "household H1: date is in the future"),
    ("wrong_type_age.csv", 2, "age", "found 'seven'; expected an age in whole years"),
    ("wrong_type_flag.csv", 2, "high_input", "found 'maybe'; expected yes or no"),
    ("wrong_type_date.csv", 2, "closes_on", "found 'next week'; expected a date"),
    ("wrong_type_rating.csv", 2, "rating_intervention", "found 'high'"),
    ("empty.csv", None, None, "the file is empty"),
    ("header_only.csv", None, None, "no rows after the header"),
    ("wrong_encoding.csv", 3, "locality", "the file is not UTF-8 text; found 'byte 0xe9'"),
    ("utf16.csv", None, None, "the file is UTF-16 text"),
    ("household_disagrees.csv", 3, "court",
     "household H1: 'court' differs from row 2; found 'plo'; expected care_proceedings"),
    ("unknown_column.csv", 1, "favourite_colour", "unknown column 'favourite_colour'"),
    ("unknown_worker.csv", 3, "worker_id", "unknown worker; found 'W07'"),
    ("co_worker_is_lead.csv", 2, "co_worker_id", "the co-worker is the lead worker"),
    ("blank_child_id.csv", 3, "child_id", "a required value is blank"),
    ("assessment_completed_before_start.csv", 2, "assessment_completed",
     "the assessment is completed before it starts"),
    ("rating_out_of_range.csv", 2, "rating_intervention",
     "intervention level is out of range for low intervention; found 4.0; expected 0 to 1"),
    ("too_many_values.csv", 2, None, "more values than header columns"),
    ("duplicate_column.csv", 1, "status", "the same column appears twice"),
]

TEAMS = [
    ("unknown_field.yaml", "workers.0 (W01).favourite_colour", "unknown field"),
    ("bad_role.yaml", "workers.1 (W02).role", "found 'wizard'; expected 'social_worker'"),
    ("negative_contracted_hours.yaml", "workers.0 (W01).contracted_hours",
     "found -18.5; expected greater than 0"),
    ("duplicate_worker_ids.yaml", "workers.2 (W01).id",
     "worker id W01 appears twice (also workers.0)"),
    ("future_qualification.yaml", "qualified_on", "worker W01: date is in the future"),
    ("wrong_type_hours.yaml", "workers.0 (W01).contracted_hours", "found 'full time'"),
    ("leave_ends_before_start.yaml", "workers.0 (W01).leave.0",
     "period ends (2026-12-01) before it starts (2026-12-10)"),
    ("unknown_team_type.yaml", "team.type", "found 'long_term_team'"),
    ("no_workers.yaml", "workers", "the team has no workers"),
    ("no_caseload.yaml", "caseload", "the team file names no caseload"),
    ("caseload_not_found.yaml", "caseload", "the caseload file is not found"),
    ("not_yaml.yaml", None, "not valid YAML"),
    ("empty.yaml", None, "the file is empty"),
    ("negative_duty.yaml", "workers.0 (W01).duties.0.amount", "found -5"),
    ("unknown_scheme.yaml", "scheme", "unknown scheme 'tower-hamlet'"),
    ("too_many_hours.json", "workers.0 (W01).contracted_hours",
     "found 60; expected less than or equal to 48"),
]

SCHEMES = [
    ("unknown_rule_kind.yaml", "rules.extra.kind",
     "unknown kind; found 'per_sibling'; expected one of per_child, per_household, lookup"),
    ("undeclared_column.yaml", None,
     "rule extra: column 'risk' is not declared in columns (base, factors, intervention, status)"),
    ("uncovered_benchmark.yaml", None,
     "no benchmark covers a social_worker in band nqsw_6_12 in a duty_assessment team"),
    ("negative_points.yaml", "rules.base.per_child.points", "found -1"),
    ("unknown_lookup_value.yaml", "rules.travel.lookup", "unknown value 'far_away'"),
    ("rag_not_open_ended.yaml", "rag.1.below", "the last RAG band must be open-ended; found 110; "
     "expected no bound on the last band"),
    ("unknown_band.yaml", None, "benchmark names unknown band 'year_9'"),
    ("unknown_unit.yaml", "unit", "found 'minutes'; expected 'points', 'hours' or 'cases'"),
    ("unknown_parent.yaml", "extends", "unknown scheme 'tower-hamlet'"),
    ("missing_fields.yaml", "source", "a required field is missing"),
]


def run(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """Run the real entry point, as the console script does, from the corpus folder."""
    monkeypatch.chdir(BROKEN)
    return run_cli(monkeypatch, capsys, *args)


def assert_one_clear_line(code: int, out: str, err: str, file: str, row: int | None,
                          field: str | None, says: str) -> None:
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    assert not NAME_PARTS & set(err.replace(",", " ").split()), err  # no child's name
    assert leftovers(BROKEN) == []  # nothing half-written in the corpus folder
    assert err.endswith("\n") and err.count("\n") == 1, err
    line = err.rstrip("\n")
    assert line.startswith(f"error: {file}")
    assert (f"row {row}" in line) is (row is not None), line
    if field is not None:
        assert f"field '{field}'" in line, line
    else:
        assert "field '" not in line, line
    assert says in line, line


@pytest.mark.parametrize(("name", "row", "field", "says"), CASELOADS,
                         ids=[c[0] for c in CASELOADS])
def test_broken_caseload(monkeypatch, capsys, name, row, field, says):
    path = f"caseload/{name}"
    code, out, err = run(monkeypatch, capsys, "score", "team.yaml", "--caseload", path)
    assert_one_clear_line(code, out, err, path, row, field, says)


@pytest.mark.parametrize(("name", "field", "says"), TEAMS, ids=[c[0] for c in TEAMS])
def test_broken_team_file(monkeypatch, capsys, name, field, says):
    path = f"team/{name}"
    code, out, err = run(monkeypatch, capsys, "score", path)
    row = 2 if name == "not_yaml.yaml" else None  # YAML errors give the line
    assert_one_clear_line(code, out, err, path, row, field, says)


@pytest.mark.parametrize(("name", "field", "says"), SCHEMES, ids=[c[0] for c in SCHEMES])
def test_broken_scheme_file(monkeypatch, capsys, name, field, says):
    path = f"scheme/{name}"
    code, out, err = run(monkeypatch, capsys, "score", "team.yaml", "--scheme", path)
    assert_one_clear_line(code, out, err, path, None, field, says)


def test_every_corpus_file_is_exercised():
    listed = {f"caseload/{c[0]}" for c in CASELOADS} | {f"team/{c[0]}" for c in TEAMS} | {
        f"scheme/{c[0]}" for c in SCHEMES}
    present = {str(p.relative_to(BROKEN)) for p in BROKEN.glob("*/*")}
    assert present == listed


def test_the_corpus_team_and_caseload_are_themselves_valid(monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, "score", "team.yaml", "--format", "csv")
    assert (code, err) == (0, "")
    assert out.splitlines()[1].startswith("W01,,social_worker,experienced,1.0,50.0,")


# Workbooks, made at run time rather than committed as binaries ----------------------------


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    first = True
    for title, rows in sheets.items():
        ws = book.active if first else book.create_sheet()
        first = False
        ws.title = title
        for r in rows:
            ws.append(r)
    book.save(path)
    return path


HEADER = ["household_id", "child_id", "status", "worker_id"]


def test_workbook_with_an_extra_sheet(monkeypatch, capsys, tmp_path):
    path = workbook(tmp_path / "two.xlsx", {"Sheet1": [HEADER, ["H1", "C1", "CP", "W01"]],
                                            "notes": [["not a caseload"]]})
    code, out, err = run(monkeypatch, capsys, "score", "team.yaml", "--caseload", str(path))
    assert_one_clear_line(code, out, err, str(path), None, None,
                          "the workbook has several sheets; found 'Sheet1, notes'; expected one "
                          "sheet, or a sheet named 'caseload'")


def test_workbook_with_a_caseload_sheet_and_notes_reads_the_caseload_sheet(monkeypatch, capsys,
                                                                            tmp_path):
    path = workbook(tmp_path / "named.xlsx", {"notes": [["read me"]],
                                              "Caseload": [HEADER, ["H1", "C1", "CP", "W01"]]})
    code, out, err = run(monkeypatch, capsys, "score", "team.yaml", "--caseload", str(path),
                         "--format", "csv")
    assert (code, err) == (0, "")
    assert out.splitlines()[1].split(",")[6:8] == ["2.0", "2.0"]  # casework, load: base + CP


def test_workbook_cell_of_the_wrong_type_names_sheet_row_and_field(monkeypatch, capsys, tmp_path):
    path = workbook(tmp_path / "types.xlsx", {"caseload": [
        [*HEADER, "age"], ["H1", "C1", "CP", "W01", 4], ["H1", "C2", "CP", "W01", 3.5]]})
    code, out, err = run(monkeypatch, capsys, "score", "team.yaml", "--caseload", str(path))
    assert_one_clear_line(code, out, err, f"{path}, sheet 'caseload'", 3, "age",
                          "found 3.5; expected an age in whole years")


def test_workbook_saved_with_a_csv_name(monkeypatch, capsys, tmp_path):
    path = workbook(tmp_path / "book.xlsx", {"caseload": [HEADER]})
    disguised = tmp_path / "caseload.csv"
    disguised.write_bytes(path.read_bytes())
    code, out, err = run(monkeypatch, capsys, "score", "team.yaml", "--caseload", str(disguised))
    assert_one_clear_line(code, out, err, str(disguised), None, None,
                          "the file is a workbook with a .csv name")


def test_corrupt_workbook(monkeypatch, capsys, tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip")
    code, out, err = run(monkeypatch, capsys, "score", "team.yaml", "--caseload", str(path))
    assert_one_clear_line(code, out, err, str(path), None, None, "not a readable .xlsx workbook")


def test_several_problems_are_reported_together(monkeypatch, capsys, tmp_path):
    path = tmp_path / "many.csv"
    path.write_text("household_id,child_id,status,worker_id,age\n"
                    "H1,C1,XX,W01,3\nH1,C2,CP,W01,old\n", encoding="utf-8")
    code, out, err = run(monkeypatch, capsys, "score", "team.yaml", "--caseload", str(path))
    assert code == 2 and out == "" and "Traceback" not in err
    assert err.splitlines() == [
        "error: 2 problems in the input:",
        f"  - {path}, row 2, field 'status': invalid value; found 'XX'; expected one of CIN, CP, "
        "CLA, care_leaver, supervision_order",
        f"  - {path}, row 3, field 'age': invalid value; found 'old'; expected an age in whole "
        "years",
    ]


@pytest.mark.parametrize(("args", "says"), [
    (["score", "team.yaml", "--date", "31/02/2026"], "error: invalid --date; found '31/02/2026'"),
    (["score", "team.yaml", "--scheme", "nonsense"], "error: unknown scheme 'nonsense'"),
    (["score", "missing.yaml"], "error: missing.yaml: file not found"),
    (["explain", "team.yaml", "W99"], "error: team.yaml: no such worker; found 'W99'; expected "
                                      "one of W01, W02"),
    (["score", "team.yaml", "--out", "x.txt"], "error: x.txt, field '--out': cannot tell what to write"),
    (["template", "caseload.ods"], "error: caseload.ods: unknown template type"),
])
def test_bad_command_line_values(monkeypatch, capsys, args, says):
    code, out, err = run(monkeypatch, capsys, *args)
    assert code == 2 and out == ""
    assert err.startswith(says) and err.count("\n") == 1, err


def test_the_console_script_exits_2_without_a_traceback():
    """Through a real process, as a user runs it."""
    entry = "import sys; from allocopt.cli import main; sys.argv[0] = 'allocopt'; main()"
    for args in (["score", "team.yaml", "--caseload", "caseload/child_in_two_households.csv"],
                 ["score", "team/duplicate_worker_ids.yaml"],
                 ["score", "team.yaml", "--scheme", "scheme/unknown_rule_kind.yaml"]):
        done = subprocess.run([sys.executable, "-c", entry, *args], cwd=BROKEN,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 2
        assert done.stdout == ""
        assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1
        assert "Traceback" not in done.stderr
