"""Annex A workbooks laid out like the published example (Lists 1 to 11, the guidance's
wording and letters, numeric ids, '#N/A' workers, uncalculated formulas) import as the
team they were written from, and the rows a real workbook also holds are read right."""

from __future__ import annotations

import zipfile
from datetime import date, timedelta

import openpyxl
import pytest

from allocopt.board import score_team
from allocopt.domain import (
    Assessment,
    AssessmentKind,
    Caseload,
    Child,
    Holding,
    Household,
    Status,
)
from allocopt.io.caseload_file import read_caseload
from allocopt.io.extracts.build import ImportOptions, ImportResult, run_import
from allocopt.io.extracts.published_layout import (
    EXTRA_IDS,
    LONG_AGO_DAYS,
    PUBLISHED_COLUMNS,
    write_published_annex_a,
)
from allocopt.io.extracts.writers import example_settings, write_overrides, write_roster
from allocopt.io.inputs import load_inputs
from allocopt.io.team_file import read_team

from .conftest import EXAMPLES, run_cli
from .test_import_roundtrip import TEAM, without_sources

ON = date(2026, 12, 1)


def with_care_leavers(caseload: Caseload) -> Caseload:
    """The example caseload plus four care leavers (one per eligibility letter) held by W02."""
    leavers = tuple(Household(id=f"L000{i}", children=(
        Child(id=f"L000{i}-1", status=Status.CARE_LEAVER, age=19),), intervention_level="low")
        for i in range(1, 5))
    holdings = tuple(Holding(worker_id="W02", household_id=h.id, child_ids=(h.children[0].id,))
                     for h in leavers)
    return Caseload(households=(*caseload.households, *leavers),
                    holdings=(*caseload.holdings, *holdings))


def with_unknown_wait(waiting: Caseload) -> Caseload:
    """The example waiting list plus a household whose referral date nobody knows and a
    household with an open S47 enquiry."""
    first = waiting.households[0]
    lost = first.model_copy(update={
        "id": "R0099", "referred_on": None,
        "children": tuple(c.model_copy(update={"id": f"R0099-{i}"})
                          for i, c in enumerate(first.children, start=1))})
    s47 = first.model_copy(update={
        "id": "R0098", "referred_on": ON - timedelta(days=3),
        "assessment": Assessment(kind=AssessmentKind.S47, start=ON - timedelta(days=2)),
        "children": tuple(c.model_copy(update={"id": f"R0098-{i}", "status": Status.CIN})
                          for i, c in enumerate(first.children, start=1))})
    return Caseload(households=(*waiting.households, lost, s47))


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    source = read_team(EXAMPLES / "team.yaml")
    caseload = with_care_leavers(read_caseload(EXAMPLES / "caseload.csv").caseload)
    waiting = with_unknown_wait(read_caseload(EXAMPLES / "waiting.csv").caseload)
    folder = tmp_path_factory.mktemp("published")
    book = folder / "annex-a.xlsx"
    write_published_annex_a(book, source.team, caseload, waiting, ON, team_name=TEAM)
    write_roster(folder / "roster.csv", source.team)
    write_overrides(folder / "overrides.csv", source.team, caseload, waiting, ON, "annex-a")
    result = run_import("annex-a", book, folder / "out",
                        ImportOptions(on=ON, team=TEAM, team_id="north-lt",
                                      scheme="tower-hamlets"),
                        roster=folder / "roster.csv", overrides=folder / "overrides.csv",
                        settings=example_settings())
    return folder, caseload, waiting, result


def test_the_workbook_has_the_published_layout(written):
    folder = written[0]
    book = openpyxl.load_workbook(folder / "annex-a.xlsx", read_only=True)
    assert book.sheetnames == [f"List {n}" for n in range(1, 12)]
    for n in range(1, 12):
        header = next(book[f"List {n}"].iter_rows(max_row=1, values_only=True))
        assert header == PUBLISHED_COLUMNS[n]
    list9 = list(book["List 9"].iter_rows(min_row=2, values_only=True))
    column = PUBLISHED_COLUMNS[9].index("Eligibility Category")
    assert {r[column] for r in list9} >= {"b) Former relevant child", "e) Staying put arrangement"}
    ids = [r[0] for r in book["List 6"].iter_rows(min_row=2, values_only=True)]
    assert any(isinstance(i, int) for i in ids)  # numeric ids, written as numbers
    with zipfile.ZipFile(folder / "annex-a.xlsx") as z:
        sheet = z.read("xl/worksheets/sheet10.xml")
    assert b"<f>H2+5</f>" in sheet and b"<f>H2+5</f><v>" not in sheet  # never calculated


def test_importing_it_gives_back_the_caseload_and_waiting_list(written):
    folder, caseload, waiting, _ = written
    assert without_sources(read_caseload(folder / "out" / "caseload.csv").caseload) == \
        without_sources(caseload)
    imported = without_sources(read_caseload(folder / "out" / "waiting.csv").caseload)
    assert sorted(imported.households, key=lambda h: h.id) == \
        sorted(without_sources(waiting).households, key=lambda h: h.id)


def test_the_guidance_wording_raises_no_unknown_codes(written):
    report = written[3].report
    unknown = {(u.column, u.value) for u in report.unknown_values.values()}
    assert unknown == {("Eligibility Category", "e) Staying put arrangement")}


def test_rows_that_must_not_be_imported_are_not(written):
    result: ImportResult = written[3]
    imported = {c.id for h in (*result.caseload.households, *result.waiting.households)
                for c in h.children}
    assert imported.isdisjoint(EXTRA_IDS.values())
    unknown = next(u for u in result.report.unknown_values.values()
                   if u.value == "e) Staying put arrangement")
    assert unknown.treated_as.startswith("not counted")
    assert any("1 child held by other teams left out (1 of no team recorded)" in n
               for n in result.report.notes)


def test_an_s47_whose_conference_was_unnecessary_is_closed(tmp_path):
    source = read_team(EXAMPLES / "team.yaml")
    empty = Caseload()
    book = tmp_path / "annex-a.xlsx"
    write_published_annex_a(book, source.team, empty, None, ON, team_name=TEAM, history=0)
    write_roster(tmp_path / "roster.csv", source.team)
    result = run_import("annex-a", book, tmp_path / "out", ImportOptions(on=ON, team=TEAM),
                        roster=tmp_path / "roster.csv", settings=example_settings())
    assert EXTRA_IDS["s47_unnecessary"] not in {
        c.id for h in result.waiting.households for c in h.children}
    count = result.report.lists["List 5 (S47 enquiries)"]
    assert (count.children, count.current) == (1, 0)


def test_a_waiting_household_with_no_referral_date_is_marked_unknown(written):
    folder, _, waiting, result = written
    lost = next(h for h in read_caseload(folder / "out" / "waiting.csv").caseload.households
                if h.id == "R0099")
    assert lost.referred_on is None  # not the episode's start, years back
    assert lost.sources["referred_on"].startswith("unknown: the extract gives no referral date")
    since = ON - timedelta(days=LONG_AGO_DAYS)
    assert [(u.household_id, str(since) in u.detail) for u in result.report.unknown_waits] == \
        [("R0099", True)]
    known = {h.id: h.referred_on for h in waiting.households if h.referred_on}
    imported = read_caseload(folder / "out" / "waiting.csv").caseload
    assert {h.id: h.referred_on for h in imported.households if h.referred_on} == known
    report = (folder / "out" / "import-report.md").read_text(encoding="utf-8")
    assert "## Waiting households with no referral date (1)" in report


def test_two_dates_make_two_workbooks(tmp_path):
    """What a calibration from two snapshots needs: the same team at two dates, each
    importing at its own date."""
    source = read_team(EXAMPLES / "team.yaml")
    caseload = without_sources(read_caseload(EXAMPLES / "caseload.csv").caseload)
    write_roster(tmp_path / "roster.csv", source.team)
    held = []
    for on in (date(2026, 10, 1), ON):
        path = tmp_path / f"annex-a-{on}.xlsx"
        write_published_annex_a(path, source.team, caseload, None, on, team_name=TEAM)
        result = run_import("annex-a", path, tmp_path / str(on), ImportOptions(on=on, team=TEAM),
                            roster=tmp_path / "roster.csv", settings=example_settings())
        held.append(sorted(c.id for h in result.caseload.households for c in h.children))
    assert held[0] == held[1] == sorted(c.id for h in caseload.households for c in h.children)


def test_the_board_shows_the_children_the_import_left_waiting(written):
    folder, _, _, result = written
    inputs = load_inputs(folder / "out" / "team.yaml")
    board = score_team(inputs.scheme, inputs.team.team, inputs.board_caseload, inputs.on)
    waiting = sum(len(h.children) for h in result.waiting.households)
    assert waiting == 30
    assert board.summary.unallocated_children == waiting
    assert board.summary.unallocated_households == len(result.waiting.households)


def test_a_scheme_input_most_cases_lack_is_said_first(tmp_path, monkeypatch, capsys):
    """Annex A holds no intervention level: without the override sheet every Tower Hamlets
    case would score 0 for it, and the report and the board say so before anything else."""
    source = read_team(EXAMPLES / "team.yaml")
    caseload = read_caseload(EXAMPLES / "caseload.csv").caseload
    book = tmp_path / "annex-a.xlsx"
    write_published_annex_a(book, source.team, caseload, None, ON, team_name=TEAM)
    write_roster(tmp_path / "roster.csv", source.team)
    code, out, _ = run_cli(monkeypatch, capsys, "import", "annex-a", book, "--roster",
                           tmp_path / "roster.csv", "--team", TEAM, "--date", str(ON),
                           "--scheme", "tower-hamlets", "--out", tmp_path / "out")
    assert code == 0
    cases = sum(len(h.children) for h in caseload.households)  # each child its own household
    said = (f"intervention level is not recorded for {cases} of {cases} cases: they score 0 "
            "for it, so loads are understated; fill the override sheet's 'intervention_level' "
            "(or 'rating_intervention') column")
    assert " ".join(out.split()).startswith(
        f"Imported {sum(len(h.children) for h in caseload.households)} children")
    assert f"Read this first: {said}" in " ".join(out.split())
    report = (tmp_path / "out" / "import-report.md").read_text(encoding="utf-8")
    assert f"- **{said}**" in report
    code, out, _ = run_cli(monkeypatch, capsys, "score", tmp_path / "out" / "team.yaml")
    assert code == 0
    first = " ".join(out.split("\n\n")[0].split())
    assert first == "Read this first: " + said.replace("the override sheet's", "the caseload's")
