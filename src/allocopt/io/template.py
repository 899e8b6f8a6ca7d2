"""Blank templates a team fills in: the caseload sheet, the team file, or a whole team
in one workbook, with drop-down lists for every coded column."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from allocopt.domain import Role, TeamType
from allocopt.errors import InputError
from allocopt.io.atomic import write_bytes, write_text
from allocopt.io.caseload_file import COLUMNS, RATING_PREFIX, YES_NO
from allocopt.io.team_file import TEAM_SETTINGS
from allocopt.io.workbook import workbook_bytes

TEAM_TEMPLATE = """\
# Team file for allocopt. Fill in one entry per case-holding worker.
# Names are optional; ids are what allocopt reports by.
team:
  id: my-team
  name: My team
  type: long_term          # duty_assessment, court_cp, disabled_children, children_in_care,
                           # child_in_need, leaving_care, fostering_adoption, long_term
scheme: tower-hamlets      # a shipped scheme (allocopt schemes) or a path to your copy
as_of: 2026-12-01          # date of the caseload snapshot
caseload: caseload.csv     # one row per child (allocopt template caseload.csv)
workers:
  - id: W01
    name: Example Worker   # optional
    role: social_worker    # social_worker, senior, consultant, family_support_practitioner,
                           # leaving_care_adviser, student
    qualified_on: 2020-07-01
    contracted_hours: 37
    duties: []             # e.g. [{kind: practice_teaching}] or [{kind: panel_member, amount: 3}]
    locality: North
    skills: []
    leave: []              # e.g. [{start: 2026-12-21, end: 2027-01-01}]
    leaving_on: null
"""

RATING_COLUMNS = ("rating_intervention", "rating_additional_factors")


def template_header() -> list[str]:
    return [c.name for c in COLUMNS] + list(RATING_COLUMNS)


WORKER_COLUMNS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("worker_id", "Worker id, as the caseload's worker_id (required).", "W01", ()),
    ("name", "Name (optional; reports show ids).", "Example Worker", ()),
    ("role", "Role.", "social_worker", tuple(r.value for r in Role)),
    ("qualified_on", "Date of social work qualification (starts the NQSW year).", "2020-07-01",
     ()),
    ("started_on", "Start in post (experience counts from here if unqualified).", "", ()),
    ("contracted_hours", "Hours a week (37 is full time); or give fte instead.", "37", ()),
    ("duties", "Standing duties, e.g. practice_teaching; panel_member=3.", "", ()),
    ("leave", "Planned leave, e.g. 2026-12-21..2027-01-01; 2027-02-15..2027-02-19.", "", ()),
    ("leaving_on", "Date the worker leaves, if known.", "", ()),
    ("locality", "Locality or patch.", "North", ()),
    ("skills", "Skills, separated by ';'.", "", ()),
    ("agency", "Agency worker (yes/no).", "no", YES_NO),
)
"""The workers sheet of a team workbook: name, what to enter, example, choices."""

ROWS = 500
"""Rows of a blank sheet that offer the drop-down lists."""


def write_template(path: Path, team: bool = False) -> None:
    """Write a blank template to `path`: a caseload sheet (.csv/.xlsx), a team file (.yaml),
    or with `team` a whole team in one workbook (team, workers, caseload, waiting sheets)."""
    suffix = path.suffix.lower()
    if team and suffix != ".xlsx":
        raise InputError(path, "a team workbook is an .xlsx file", found=suffix,
                         expected="a file name ending .xlsx")
    if suffix in (".yaml", ".yml"):
        write_text(path, TEAM_TEMPLATE)
    elif suffix == ".csv":
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(template_header())
        write_text(path, buf.getvalue())
    elif suffix == ".xlsx":
        write_bytes(path, team_workbook_template() if team else caseload_workbook_template())
    else:
        raise InputError(path, "unknown template type", found=suffix,
                         expected=".csv or .xlsx (caseload), .yaml (team file), or .xlsx "
                                  "with --team (a team workbook)")


def _choices(sheet: Any, column: int, choices: tuple[str, ...]) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    letter = get_column_letter(column)
    rule = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True,
                          showErrorMessage=True, errorTitle="Not a code allocopt reads",
                          error="Choose one of: " + ", ".join(choices))
    sheet.add_data_validation(rule)
    rule.add(f"{letter}2:{letter}{ROWS + 1}")


def _header(sheet: Any, names: list[str]) -> None:
    from openpyxl.styles import Font

    sheet.append(names)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"


def _caseload_sheet(sheet: Any) -> None:
    _header(sheet, template_header())
    for i, c in enumerate(COLUMNS, start=1):
        if c.choices:
            _choices(sheet, i, c.choices)


def _columns_sheet(book: Any) -> None:
    about = book.create_sheet("columns")
    about.append(["column", "level", "required", "what to enter", "example", "codes"])
    for c in COLUMNS:
        about.append([c.name, c.level, "yes" if c.required else "", c.description, c.example,
                      ", ".join(c.choices)])
    about.append([RATING_PREFIX + "<name>", "household", "",
                  "Points agreed in supervision for the scheme's rating of that name.", "2", ""])


def caseload_workbook_template() -> bytes:
    """A blank caseload workbook: the caseload sheet with drop-down lists for every coded
    column, and a sheet saying what each column takes."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "caseload"
    _caseload_sheet(sheet)
    _columns_sheet(book)
    return workbook_bytes(book)


def team_workbook_template() -> bytes:
    """A blank team workbook: team settings, workers, caseload and waiting sheets, with
    drop-down lists for every coded column."""
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    team = book.active
    assert team is not None
    team.title = "team"
    team.append(["setting", "value", "what to enter"])
    for cell in team[1]:
        cell.font = Font(bold=True)
    examples = {"id": "my-team", "name": "My team", "type": TeamType.LONG_TERM.value,
                "scheme": "tower-hamlets", "as_of": "2026-12-01"}
    for key, what in TEAM_SETTINGS.items():
        team.append([key, examples.get(key, ""), what])
    from openpyxl.worksheet.datavalidation import DataValidation

    types = DataValidation(type="list", allow_blank=True, showErrorMessage=True,
                           formula1='"' + ",".join(t.value for t in TeamType) + '"')
    team.add_data_validation(types)
    types.add(f"B{2 + list(TEAM_SETTINGS).index('type')}")
    team.column_dimensions["A"].width = 12
    team.column_dimensions["B"].width = 24
    team.column_dimensions["C"].width = 90
    workers = book.create_sheet("workers")
    _header(workers, [w[0] for w in WORKER_COLUMNS])
    for i, (_name, _what, _example, choices) in enumerate(WORKER_COLUMNS, start=1):
        if choices:
            _choices(workers, i, choices)
    _caseload_sheet(book.create_sheet("caseload"))
    _caseload_sheet(book.create_sheet("waiting"))
    _columns_sheet(book)
    about = book["columns"]
    about.append([])
    about.append(["workers sheet", "", "", "", "", ""])
    for name, what, example, choices in WORKER_COLUMNS:
        about.append([name, "worker", "yes" if name == "worker_id" else "", what, example,
                      ", ".join(choices)])
    return workbook_bytes(book)
