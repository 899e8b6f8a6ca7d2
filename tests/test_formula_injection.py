"""Every writer defuses text a spreadsheet would run: ids and names that begin with =, +, -,
@, a tab or a carriage return are written with a leading apostrophe (allocopt.io.safe_cells),
numbers are left alone, and what allocopt wrote reads back as it was."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from allocopt.board import score_team
from allocopt.domain import Caseload, Child, Holding, Household, Status, Team, Worker
from allocopt.io.board_export import board_csv
from allocopt.io.caseload_file import read_caseload
from allocopt.io.caseload_writer import caseload_csv, write_caseload
from allocopt.io.extracts.build import ImportOptions, run_import
from allocopt.io.extracts.published_layout import write_published_annex_a
from allocopt.io.extracts.report import ImportReport, report_csv
from allocopt.io.extracts.writers import write_annex_a, write_overrides, write_roster, write_ssd
from allocopt.io.schemes import load_scheme
from allocopt.io.simulation_export import table_csv
from allocopt.io.whatif_export import write_tables
from allocopt.simulation.records import Table

from .conftest import run_cli

ON = date(2026, 12, 1)
HOSTILE = ['=HYPERLINK("http://x.example","click")', "+44 20 7946 0000", "-2+3", "@SUM(A1)",
           "\tW9", "\rW8"]


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def cells(text: str) -> set[str]:
    return {c for r in rows(text) for c in r}


def assert_defused(found: set[str] | list[object], *values: str) -> None:
    for value in values:
        assert "'" + value in found, value
        assert value not in found, value


@pytest.fixture
def hostile_team() -> tuple[Team, Caseload]:
    workers = tuple(Worker(id=f"W{i}", name=name, qualified_on=date(2015, 1, 1))
                    for i, name in enumerate(HOSTILE[:4]))
    worker = Worker(id="-W7", name="Amira", qualified_on=date(2015, 1, 1))
    household = Household(id="=H1", children=(Child(id="@C1", status=Status.CP, age=7),),
                          locality="+North")
    caseload = Caseload(households=(household,), holdings=(
        Holding(worker_id="-W7", household_id="=H1", child_ids=("@C1",)),))
    return Team(id="t", workers=(*workers, worker)), caseload


def test_the_score_csv(hostile_team):
    team, caseload = hostile_team
    board = score_team(load_scheme("tower-hamlets"), team, caseload, ON)
    text = board_csv(board)
    assert_defused(cells(text), *HOSTILE[:4], "-W7")
    first = rows(text)[1]
    assert first[4] == "1.0"  # FTE: a number, written as a number


def test_the_allocation_csv(tmp_path, monkeypatch, capsys):
    (tmp_path / "team.yaml").write_text(
        "team: {id: t}\nas_of: 2026-12-01\ncaseload: caseload.csv\nwaiting: waiting.csv\n"
        "workers:\n  - {id: '-W1', qualified_on: 2015-01-01}\n", encoding="utf-8")
    (tmp_path / "caseload.csv").write_text("household_id,child_id,status,worker_id\n"
                                           "H0,C0,CIN,'-W1\n", encoding="utf-8")
    (tmp_path / "waiting.csv").write_text("household_id,child_id,status\n"
                                          "'=H1,'@C1,CIN\n'+H2,C2,CIN\n", encoding="utf-8")
    code, out, err = run_cli(monkeypatch, capsys, "allocate", tmp_path / "team.yaml",
                             "--solver", "greedy", "--format", "csv")
    assert code == 0, err
    found = cells(out)
    assert_defused(found, "=H1", "+H2", "-W1")


def test_the_imported_caseload_and_waiting_list_round_trip(hostile_team, tmp_path):
    _, caseload = hostile_team
    text = caseload_csv(caseload)
    assert_defused(cells(text), "=H1", "@C1", "-W7", "+North")
    path = tmp_path / "caseload.csv"
    write_caseload(caseload, path)
    assert read_caseload(path).caseload == caseload  # what allocopt wrote reads back the same
    book = tmp_path / "caseload.xlsx"
    write_caseload(caseload, book)
    sheet = openpyxl.load_workbook(book)["caseload"]
    values = [c for r in sheet.iter_rows(values_only=True) for c in r]
    assert_defused(values, "=H1", "@C1", "-W7")
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)  # no formula cells
    assert read_caseload(book).caseload == caseload


def test_the_import_report_csv():
    report = ImportReport(kind="Annex A workbook", source="x.xlsx", on=ON)
    report.unknown("Annex A List 7", "Allocated Team", '=cmd|" /C calc"!A0', 3, "blank")
    report.notes.append("-1 child left out")
    text = report_csv(report)
    assert_defused(cells(text), '=cmd|" /C calc"!A0', "-1 child left out")


def test_an_extracts_child_id_that_is_a_formula_is_defused_in_the_imported_files(tmp_path):
    """An Annex A workbook whose Child Unique ID cell holds the text '=HYPERLINK(...)'."""
    evil = '=HYPERLINK("http://x.example","C1")'
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "List 7"
    ws.append(["Child Unique ID", "Allocated Team", "Allocated Worker",
               "Child Protection Plan Start Date"])
    ws.append(["X", "North", "Sam Smith", date(2026, 3, 2)])
    ws["A2"].value, ws["A2"].data_type = evil, "s"  # text, as an export writes it
    book.save(tmp_path / "annex-a.xlsx")
    (tmp_path / "roster.csv").write_text("worker_id,name\nW1,Sam Smith\n", encoding="utf-8")
    run_import("annex-a", tmp_path / "annex-a.xlsx", tmp_path / "out", ImportOptions(on=ON),
               roster=tmp_path / "roster.csv")
    written = (tmp_path / "out" / "caseload.csv").read_text(encoding="utf-8")
    assert_defused(cells(written), evil)
    imported = read_caseload(tmp_path / "out" / "caseload.csv").caseload
    assert [c.id for h in imported.households for c in h.children] == [evil]


def test_the_extract_writers(hostile_team, tmp_path):
    team, caseload = hostile_team
    write_roster(tmp_path / "roster.csv", team)
    assert_defused(cells((tmp_path / "roster.csv").read_text(encoding="utf-8")),
                   *HOSTILE[:4], "-W7")
    write_overrides(tmp_path / "overrides.csv", team, caseload, None, ON, "annex-a")
    assert_defused(cells((tmp_path / "overrides.csv").read_text(encoding="utf-8")),
                   "@C1", "=H1", "+North")
    write_ssd(tmp_path / "ssd", team, caseload, None, ON, team_name="+Team")
    person = (tmp_path / "ssd" / "ssd_person.csv").read_text(encoding="utf-8")
    assert_defused(cells(person), "@C1")
    for writer in (write_annex_a, write_published_annex_a):
        path = tmp_path / f"{writer.__name__}.xlsx"
        writer(path, team, caseload, None, ON, team_name="+Team")
        book = openpyxl.load_workbook(path)
        values = [c.value for ws in book.worksheets for r in ws.iter_rows() for c in r]
        assert "'+Team" in values and "+Team" not in values
        assert "'@C1" in values
        formulas = [c.value for ws in book.worksheets for r in ws.iter_rows() for c in r
                    if c.data_type == "f"]
        assert all(not str(f).startswith(("=+", "=@", "=-W")) for f in formulas)


def test_the_simulation_and_what_if_tables(tmp_path):
    table = Table(("scenario", "team", "value", "change"),
                  (("=cut 3 posts", "-T1", -3, -0.5), ("base", "@T2", 4, 1.25)))
    text = table_csv(table)
    assert_defused(cells(text), "=cut 3 posts", "-T1", "@T2")
    assert rows(text)[1][2:] == ["-3", "-0.5"]  # numbers stay numbers
    written = write_tables(tmp_path, {"runs.csv": table})
    assert_defused(cells(written[0].read_text(encoding="utf-8")), "=cut 3 posts")


def test_a_plain_apostrophe_is_kept(tmp_path):
    caseload = Caseload(households=(Household(
        id="O'Neil family", children=(Child(id="'C1", status=Status.CIN),)),))
    path = tmp_path / "c.csv"
    write_caseload(caseload, path)
    assert read_caseload(path).caseload == caseload


def test_reading_back_is_exact(tmp_path: Path):
    """What the guard adds, the readers take away: every hostile id survives a round trip."""
    households = tuple(Household(id=f"H{i}", children=(Child(id=value.strip() or "x",
                                                             status=Status.CIN),))
                       for i, value in enumerate(HOSTILE[:4]))
    caseload = Caseload(households=households)
    path = tmp_path / "c.csv"
    write_caseload(caseload, path)
    assert read_caseload(path).caseload == caseload
