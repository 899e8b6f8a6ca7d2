"""Read what happened, not only what is open: the dated records behind a calibration.

The import (``annex_a``, ``ssd``) asks what is open at one date; calibration needs
every referral, assessment, enquiry, episode and plan with its dates, open or ended.
These readers use the same workbook and table reading, the same tolerant column names
and the same messy-cell rules, and report what they cannot read the same way (into an
:class:`~allocopt.io.extracts.report.ImportReport`).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from allocopt.calibration.history import History, Referral, Spell, SpellKind, StaffSpell
from allocopt.errors import InputError
from allocopt.io.extracts.annex_a import COMMON, SPEC, read_workbook
from allocopt.io.extracts.facts import Columns, Reader, answer_key, yes_no
from allocopt.io.extracts.report import ImportReport
from allocopt.io.extracts.roster import Overrides
from allocopt.io.extracts.ssd import TABLES, find_tables
from allocopt.io.tables import Cell, Table, read_table

ANNEX_A_EXTRA: dict[int, dict[str, tuple[str, ...]]] = {
    3: {"earlier": ("number_of_referrals_in_last_12_months",
                    "number_of_referrals_in_the_last_12_months")},
    5: {"unnecessary": ("was_an_initial_child_protection_conference_deemed_unnecessary",
                        "icpc_deemed_unnecessary"),
        "to_plan": ("did_the_initial_child_protection_conference_result_in_a_child_"
                    "protection_plan", "icpc_resulted_in_cp_plan")},
}
SSD_EXTRA: dict[str, dict[str, tuple[str, ...]]] = {
    "ssd_professionals": {"start": ("prof_professional_start_date", "prof_start_date",
                                    "prof_employment_start_date"),
                          "end": ("prof_professional_end_date", "prof_end_date",
                                  "prof_leaving_date", "prof_employment_end_date")},
    "ssd_initial_cp_conference": {"person": ("icpc_person_id",),
                                  "date": ("icpc_icpc_date",),
                                  "to_plan": ("icpc_icpc_outcome_cp_flag",)},
}
SSD_SPELLS: dict[str, SpellKind] = {"ssd_cin_assessments": "assessment", "ssd_s47_enquiry": "S47",
                                    "ssd_cin_episodes": "CIN", "ssd_cp_plans": "CP",
                                    "ssd_cla_episodes": "CLA"}


def _annex_a_since(on: date) -> date:
    """Annex A lists cover the year before the date."""
    try:
        return on.replace(year=on.year - 1)
    except ValueError:  # 29 February
        return on.replace(year=on.year - 1, day=28)


def read_annex_a_history(path: Path, on: date, overrides: Overrides | None = None,
                         since: date | None = None) -> tuple[History, ImportReport]:
    """Every dated row of Lists 3 to 8, up to `on`; households from the override sheet."""
    book = read_workbook(path)
    report = ImportReport(kind="Annex A workbook", source=str(path), on=on)
    history = History("Annex A", str(path), on, since or _annex_a_since(on))
    history.notes.extend(book.notes)
    for number in (3, 4, 5, 6, 7, 8):
        table = book.tables.get(number)
        if table is None:
            history.notes.append(f"List {number} is not in the workbook")
            continue
        columns = Columns(table, {**COMMON, **SPEC[number], **ANNEX_A_EXTRA.get(number, {})})
        rd = Reader(f"Annex A {table.sheet}", columns, report,
                    set(book.formula_gaps.get(number, set())))
        for n, row in table.rows:
            _annex_a_row(history, number, rd, row, n)
    _households(history, overrides)
    return history, report


def _annex_a_row(history: History, number: int, rd: Reader, row: dict[str, Cell],
                 n: int) -> None:
    child = rd.text(row, n, "child_id")
    if child is None:
        return
    source = f"{rd.where} row {n}"
    team = rd.text(row, n, "team")
    if team:
        history.teams.setdefault(child, set()).add(answer_key(team))
    on = history.on
    if number == 3:
        when = rd.date(row, n, "referral_date")
        if when is None or when >= on:
            return
        earlier = rd.number(row, n, "earlier")
        history.referrals.append(Referral(
            child, when, source, rd.flag(row, n, "nfa"),
            None if earlier is None else max(int(earlier) - 1, 0), team))
        return
    kind: SpellKind
    if number == 4:
        kind, start, end = "assessment", rd.date(row, n, "start"), rd.date(row, n, "auth")
    elif number == 5:
        start, conference = rd.date(row, n, "start"), rd.date(row, n, "icpc")
        if start is None or start >= on:
            return
        unnecessary = rd.flag(row, n, "unnecessary")
        to_plan = rd.flag(row, n, "to_plan")
        if conference is not None and conference >= on:
            conference = None
        history.spells.append(Spell(child, "S47", start, conference, source, team, conference,
                                    unnecessary, to_plan if conference is not None else None))
        return
    elif number == 6:
        kind, start, end = "CIN", rd.date(row, n, "start"), rd.date(row, n, "close")
    elif number == 7:
        kind, start, end = "CP", rd.date(row, n, "start"), rd.date(row, n, "end")
    else:
        kind, start, end = "CLA", rd.date(row, n, "start"), rd.date(row, n, "ceased")
    if start is None or start >= on:
        return
    if end is not None and end < start:
        rd.report.problem(rd.where, n, "end date", str(end), f"ends before it starts ({start})",
                          "left out of the calibration")
        return
    history.spells.append(Spell(child, kind, start, end if end is not None and end < on
                                else None, source, team))


def _households(history: History, overrides: Overrides | None) -> None:
    """Households from the override sheet win over the extract's (the SSD's families)."""
    if overrides is None:
        return
    given = 0
    for child, override in overrides.rows.items():
        household = override.values.get("household_id")
        if household:
            history.households[child] = str(household)
            given += 1
    if given:
        where = f"the override sheet {overrides.path.name}"
        history.household_source = f"{history.household_source} and {where}" \
            if history.household_source else where


def read_ssd_history(folder: Path, on: date, overrides: Overrides | None = None,
                     since: date | None = None) -> tuple[History, ImportReport]:
    """Every dated row of the SSD tables, up to `on`; households from ssd_family."""
    paths = find_tables(folder)
    for extra in ("ssd_initial_cp_conference",):
        for path in sorted(folder.iterdir()):
            stem = path.stem.strip().lower().replace(" ", "_").replace("-", "_")
            if path.suffix.lower() in (".csv", ".txt") and stem in (extra, extra[4:]):
                paths[extra] = path
                break
    report = ImportReport(kind="SSD extract", source=str(folder), on=on)
    tables: dict[str, tuple[Table, Columns, Reader]] = {}
    for name, path in paths.items():
        try:
            table = read_table(path)
        except InputError as e:
            if e.problem in ("the file is empty", "the header row is empty"):
                continue
            raise
        spec = {**TABLES.get(name, {}), **SSD_EXTRA.get(name, {})}
        columns = Columns(table, spec)
        tables[name] = (table, columns, Reader(name, columns, report))
    earliest = [rd.date(row, n, "start") for name in ("ssd_cin_episodes",) if name in tables
                for table, _, rd in [tables[name]] for n, row in table.rows]
    first = min((d for d in earliest if d is not None), default=on - timedelta(days=365))
    history = History("SSD", str(folder), on, since or first)
    _ssd_spells(history, tables)
    _ssd_staff(history, tables)
    for person, family in _pairs(tables, "ssd_family", "person", "family"):
        history.households.setdefault(person, family)
    if "ssd_family" in tables:
        history.household_source = "ssd_family"
    _households(history, overrides)
    for person, team in _pairs(tables, "ssd_involvements", "person", "team"):
        history.teams.setdefault(person, set()).add(answer_key(team))
    return history, report


def _pairs(tables: dict[str, tuple[Table, Columns, Reader]], name: str, a: str, b: str
           ) -> list[tuple[str, str]]:
    """The (a, b) text pairs of a table's rows where both are given."""
    if name not in tables:
        return []
    table, _, rd = tables[name]
    out = []
    for n, row in table.rows:
        first, second = rd.text(row, n, a), rd.text(row, n, b)
        if first and second:
            out.append((first, second))
    return out


def _ssd_spells(history: History, tables: dict[str, tuple[Table, Columns, Reader]]) -> None:
    on = history.on
    conferences: dict[str, list[tuple[date, bool | None, str]]] = {}
    if "ssd_initial_cp_conference" in tables:
        table, _, rd = tables["ssd_initial_cp_conference"]
        for n, row in table.rows:
            person, when = rd.text(row, n, "person"), rd.date(row, n, "date")
            flag = rd.coded(row, n, "to_plan")
            if person and when is not None and when < on:
                conferences.setdefault(person, []).append(
                    (when, yes_no(flag) if flag else None, f"ssd_initial_cp_conference row {n}"))
    for name, kind in SSD_SPELLS.items():
        if name not in tables:
            continue
        table, _, rd = tables[name]
        for n, row in table.rows:
            person = rd.text(row, n, "person")
            start, end = rd.date(row, n, "start"), rd.date(row, n, "end")
            if person is None or start is None or start >= on:
                continue
            if end is not None and end < start:
                rd.report.problem(name, n, "end date", str(end),
                                  f"ends before it starts ({start})", "left out of the calibration")
                continue
            end = end if end is not None and end < on else None
            source = f"{name} row {n}"
            if kind == "CIN":
                nfa = rd.flag(row, n, "nfa")
                history.referrals.append(Referral(person, start, source, nfa,
                                                  team=rd.text(row, n, "team")))
                if nfa:
                    continue
            if kind == "S47":
                held = [c for c in conferences.get(person, ())
                        if start <= c[0] and (end is None or c[0] <= end + timedelta(days=14))]
                if held:
                    when, to_plan, _ = min(held)
                    history.spells.append(Spell(person, kind, start, when, source, None, when,
                                                False, to_plan))
                    continue
                history.spells.append(Spell(person, kind, start, end, source, None, None,
                                            True if end is not None else None))
                continue
            history.spells.append(Spell(person, kind, start, end, source))


def _ssd_staff(history: History, tables: dict[str, tuple[Table, Columns, Reader]]) -> None:
    if "ssd_professionals" not in tables:
        return
    table, columns, rd = tables["ssd_professionals"]
    if not (columns.has("start") or columns.has("end")):
        history.notes.append("ssd_professionals has no start or end dates: turnover and "
                             "vacancy duration keep the national figures")
        return
    for n, row in table.rows:
        worker = rd.text(row, n, "id")
        if worker is None:
            continue
        agency = rd.coded(row, n, "agency")
        history.staff.append(StaffSpell(
            worker, rd.date(row, n, "start"), rd.date(row, n, "end"),
            f"ssd_professionals row {n}", rd.text(row, n, "department"),
            bool(agency and yes_no(agency))))
