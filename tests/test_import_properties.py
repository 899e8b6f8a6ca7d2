"""Properties of the import: messy extracts never crash it, order never changes it, and every
value it does not know is reported rather than dropped.

The extracts are the example team written by the extract writers; hypothesis shuffles
their rows and columns, blanks cells and plants unknown values.
"""

from __future__ import annotations

import copy
import random
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocopt.domain import Caseload
from allocopt.io.caseload_file import read_caseload
from allocopt.io.extracts.annex_a import Workbook, annex_a_extract, read_annex_a, read_workbook
from allocopt.io.extracts.build import ImportOptions, ImportResult, build_import
from allocopt.io.extracts.roster import read_overrides, read_roster
from allocopt.io.extracts.ssd import find_tables, ssd_extract
from allocopt.io.extracts.writers import (
    example_settings,
    write_annex_a,
    write_overrides,
    write_roster,
    write_ssd,
)
from allocopt.io.tables import Table, read_table
from allocopt.io.team_file import read_team

from .conftest import EXAMPLES

ON = date(2026, 12, 1)
TEAM = "North long-term team"
SETTINGS = example_settings()
FAST = settings(max_examples=30, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

# Columns holding coded answers or dates, where a planted value must be reported.
ANNEX_CODED = {"Referral NFA?", "Does the Child have a Disability", "Case Status",
               "Child's Legal Status", "Placement Location", "Eligibility Category"}
ANNEX_DATES = {"Date of Birth", "Date of Referral", "Continuous Assessment Start Date",
               "CIN Start Date", "CIN Closure Date", "Child Protection Plan Start Date",
               "Date Started to be Looked After", "Date Ceased to be Looked After"}
SSD_CODED = {("ssd_involvements", "invo_professional_role_id"),
             ("ssd_legal_status", "lega_legal_status"),
             ("ssd_cin_episodes", "cine_referral_nfa"),
             ("ssd_professionals", "prof_professional_job_title"),
             ("ssd_professionals", "prof_agency_worker_flag")}
SSD_DATES = {("ssd_cp_plans", "cppl_cp_plan_start_date"), ("ssd_person", "pers_dob"),
             ("ssd_involvements", "invo_involvement_start_date"),
             ("ssd_cla_episodes", "clae_cla_episode_start_date")}


class Files(dict):
    """The test extracts; a short repr keeps hypothesis's failure reports readable."""

    def __repr__(self) -> str:
        return "<example extracts>"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("extracts")
    source = read_team(EXAMPLES / "team.yaml")
    caseload = read_caseload(EXAMPLES / "caseload.csv").caseload
    waiting = read_caseload(EXAMPLES / "waiting.csv").caseload
    team = source.team
    write_annex_a(folder / "annex-a.xlsx", team, caseload, waiting, ON, team_name=TEAM)
    write_roster(folder / "roster.csv", team)
    write_overrides(folder / "over-a.csv", team, caseload, waiting, ON, "annex-a")
    write_ssd(folder / "ssd", team, caseload, waiting, ON, team_name=TEAM)
    write_overrides(folder / "over-s.csv", team, caseload, waiting, ON, "ssd")
    return Files({
        "book": read_workbook(folder / "annex-a.xlsx"),
        "ssd": {name: read_table(path) for name, path in find_tables(folder / "ssd").items()},
        "ssd_folder": folder / "ssd",
        "roster": read_roster(folder / "roster.csv"),
        "over-a": read_overrides(folder / "over-a.csv"),
        "over-s": read_overrides(folder / "over-s.csv"),
        "folder": folder,
    })


def _annex(files, book: Workbook) -> ImportResult:
    extract = annex_a_extract(book, ON, SETTINGS)
    return build_import(extract, files["roster"], files["over-a"],
                        ImportOptions(on=ON, team=TEAM), SETTINGS)


def _ssd(files, tables: dict[str, Table]) -> ImportResult:
    extract = ssd_extract(files["ssd_folder"], tables, ON, SETTINGS)
    return build_import(extract, files["roster"], files["over-s"],
                        ImportOptions(on=ON, team=TEAM), SETTINGS)


def _plain(caseload: Caseload) -> list:
    return [(h.id, [(c.id, c.status, c.age, c.placement_travel) for c in h.children],
             h.court, h.assessment) for h in caseload.households] + \
        sorted((h.worker_id, h.household_id, h.child_ids, h.role) for h in caseload.holdings)


def _mess(table: Table, rng: random.Random, blank: float) -> Table:
    """The same table with rows and columns in another order and some cells blanked."""
    order = list(range(len(table.header)))
    rng.shuffle(order)
    rows = []
    for n, cells in table.rows:
        kept = {k: v for k, v in cells.items() if rng.random() >= blank}
        rows.append((n, {k: kept[k] for k in (table.header[i] for i in order) if k in kept}))
    rng.shuffle(rows)
    return Table(table.path, table.sheet, [table.header[i] for i in order],
                 [table.raw_header[i] for i in order], rows)


@FAST
@given(seed=st.integers(0, 10_000), blank=st.sampled_from([0.0, 0.05, 0.3, 1.0]))
def test_shuffled_and_blanked_annex_a_never_crashes(files, seed, blank):
    rng = random.Random(seed)
    book = copy.copy(files["book"])
    book.tables = {n: _mess(t, rng, blank) for n, t in files["book"].tables.items()}
    result = _annex(files, book)
    assert result.report.children <= 181
    if blank == 0.0:
        assert _plain(result.caseload) == _plain(_annex(files, files["book"]).caseload)
        assert _plain(result.waiting) == _plain(_annex(files, files["book"]).waiting)


@FAST
@given(seed=st.integers(0, 10_000), blank=st.sampled_from([0.0, 0.05, 0.3, 1.0]))
def test_shuffled_and_blanked_ssd_never_crashes(files, seed, blank):
    rng = random.Random(seed)
    tables = {name: _mess(t, rng, blank) for name, t in files["ssd"].items()}
    result = _ssd(files, tables)
    assert result.report.children <= 181
    if blank == 0.0:
        baseline = _ssd(files, files["ssd"])
        assert _plain(result.caseload) == _plain(baseline.caseload)
        assert _plain(result.waiting) == _plain(baseline.waiting)


def _plant(table: Table, column: str, picks: list[int], value: str) -> list[int]:
    """Put `value` in `column` of the picked rows; the row numbers changed."""
    header = table.header[table.raw_header.index(column)]
    rows = []
    for i in picks:
        n, cells = table.rows[i % len(table.rows)]
        cells[header] = value
        rows.append(n)
    return rows


@FAST
@given(data=st.data())
def test_every_unknown_annex_a_value_is_reported(files, data):
    book = copy.deepcopy(files["book"])
    planted = []
    for number, table in sorted(book.tables.items()):
        for column in sorted(set(table.raw_header) & (ANNEX_CODED | ANNEX_DATES)):
            if not table.rows or not data.draw(st.booleans()):
                continue
            value = f"??{data.draw(st.integers(0, 999))}"
            picks = data.draw(st.lists(st.integers(0, 500), min_size=1, max_size=3))
            rows = _plant(table, column, picks, value)
            planted += [(f"Annex A List {number}", n, column, value) for n in rows]
    report = _annex(files, book).report
    unknown = {(u.where, u.column, u.value) for u in report.unknown_values.values()}
    problems = {(p.where, p.row, p.column, p.found) for p in report.cell_problems}
    for where, row, column, value in planted:
        assert (where, column, value) in unknown or (where, row, column, value) in problems


@FAST
@given(data=st.data())
def test_every_unknown_ssd_value_is_reported(files, data):
    tables = copy.deepcopy(files["ssd"])
    planted = []
    for name, column in sorted(SSD_CODED | SSD_DATES):
        table = tables[name]
        if not table.rows or not data.draw(st.booleans()):
            continue
        value = f"??{data.draw(st.integers(0, 999))}"
        picks = data.draw(st.lists(st.integers(0, 500), min_size=1, max_size=3))
        planted += [(name, n, column, value) for n in _plant(table, column, picks, value)]
    report = _ssd(files, tables).report
    unknown = {(u.where, u.column, u.value) for u in report.unknown_values.values()}
    problems = {(p.where, p.row, p.column, p.found) for p in report.cell_problems}
    for where, row, column, value in planted:
        assert (where, column, value) in unknown or (where, row, column, value) in problems


@settings(max_examples=5, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000))
def test_a_workbook_with_shuffled_columns_and_rows_reads_the_same(files, tmp_path, seed):
    """Through a real file: columns in another order, rows in another order, title rows."""
    rng = random.Random(seed)
    path: Path = tmp_path / f"shuffled-{seed}.xlsx"
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for number, table in sorted(files["book"].tables.items()):
        ws = wb.create_sheet(f"List {number}")
        for _ in range(rng.randint(0, 3)):
            ws.append([f"List {number}"] if rng.random() < 0.5 else [])
        order = list(range(len(table.header)))
        rng.shuffle(order)
        ws.append([table.raw_header[i] for i in order])
        rows = list(table.rows)
        rng.shuffle(rows)
        for _, cells in rows:
            ws.append([cells.get(table.header[i]) for i in order])
    wb.save(path)
    extract = read_annex_a(path, ON, SETTINGS)
    result = build_import(extract, files["roster"], files["over-a"],
                          ImportOptions(on=ON, team=TEAM), SETTINGS)
    baseline = _annex(files, files["book"])
    assert _plain(result.caseload) == _plain(baseline.caseload)
    assert _plain(result.waiting) == _plain(baseline.waiting)
