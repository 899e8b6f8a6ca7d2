"""Provenance: every score input remembers where it came from, through files and explain."""

from __future__ import annotations

from datetime import date

import pytest
from rich.console import Console

from allocopt.board import score_team
from allocopt.domain import Caseload, Child, Holding, Household, Team, Worker
from allocopt.errors import InputError
from allocopt.io.caseload_file import format_sources, parse_sources, read_caseload
from allocopt.io.caseload_writer import caseload_csv, write_caseload
from allocopt.io.schemes import load_scheme
from allocopt.report.terminal import explain_view


def _caseload() -> Caseload:
    child = Child(id="C1", status="CP", age=7,
                  sources={"status": "Annex A List 7 row 12", "worker_id": "Annex A List 7 row 12"})
    plain = Child(id="C2", status="CIN")
    household = Household(id="H1", children=(child, plain), court="plo",
                          sources={"court": "override sheet row 3",
                                   "household_id": "overrides row 3"})
    return Caseload(households=(household,),
                    holdings=(Holding(worker_id="W1", household_id="H1", child_ids=("C1", "C2")),))


def test_sources_syntax_round_trips():
    sources = {"status": "Annex A List 7 row 12", "court": "override; sheet"}
    assert parse_sources(format_sources(sources)) == {"status": "Annex A List 7 row 12",
                                                      "court": "override, sheet"}
    assert parse_sources(None) == {}
    assert parse_sources(" status = List 7 row 1 ;; ") == {"status": "List 7 row 1"}


@pytest.mark.parametrize("bad", ["status", "=List 7", "status=", "Status Code=x"])
def test_malformed_sources_are_refused(bad):
    from allocopt.io.cells import CellError

    with pytest.raises(CellError):
        parse_sources(bad)


def test_caseload_file_keeps_child_and_household_sources(tmp_path):
    path = tmp_path / "caseload.csv"
    write_caseload(_caseload(), path)
    household = read_caseload(path).caseload.households[0]
    assert household.sources == {"court": "override sheet row 3", "household_id": "overrides row 3"}
    assert household.child("C1").sources == {"status": "Annex A List 7 row 12",
                                             "worker_id": "Annex A List 7 row 12"}
    assert household.child("C2").sources == {}


def test_files_without_sources_have_no_sources_column():
    plain = Caseload(households=(Household(id="H1", children=(Child(id="C1", status="CIN"),)),))
    assert "sources" not in caseload_csv(plain).splitlines()[0]


def test_a_malformed_sources_cell_names_row_and_field(tmp_path):
    path = tmp_path / "caseload.csv"
    path.write_text("household_id,child_id,status,sources\nH1,C1,CP,status List 7\n")
    with pytest.raises(InputError) as e:
        read_caseload(path)
    assert e.value.row == 2 and e.value.field == "sources"


def test_explain_shows_where_the_inputs_came_from():
    worker = Worker(id="W1", qualified_on=date(2020, 1, 6), contracted_hours=29.6,
                    sources={"qualified_on": "roster.csv row 2",
                             "contracted_hours": "ssd_professionals row 4"})
    team = Team(id="T", workers=(worker,))
    caseload = _caseload()
    board = score_team(load_scheme("tower-hamlets"), team, caseload, date(2026, 12, 1))
    console = Console(width=200, record=True)
    console.print(explain_view(board, board.worker("W1"), caseload))
    text = console.export_text()
    assert "Where the inputs came from" in text
    assert "qualified_on 2020-01-06 (roster.csv row 2)" in text
    assert "contracted_hours 29.6 (ssd_professionals row 4)" in text
    assert "court plo (override sheet row 3)" in text
    assert "status CP (Annex A List 7 row 12)" in text


def test_explain_without_sources_is_unchanged():
    team = Team(id="T", workers=(Worker(id="W1"),))
    caseload = Caseload(households=(Household(id="H1", children=(Child(id="C1", status="CIN"),)),),
                        holdings=(Holding(worker_id="W1", household_id="H1", child_ids=("C1",)),))
    board = score_team(load_scheme("tower-hamlets"), team, caseload, date(2026, 12, 1))
    console = Console(width=200, record=True)
    console.print(explain_view(board, board.worker("W1"), caseload))
    assert "Where the inputs came from" not in console.export_text()
