"""Blank templates a team fills in: the caseload sheet and the team file."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from allocopt.errors import InputError
from allocopt.io.atomic import atomic_path, write_text
from allocopt.io.caseload_file import COLUMNS, RATING_PREFIX

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


def write_template(path: Path) -> None:
    """Write a blank caseload (.csv/.xlsx) or team file (.yaml) template to `path`."""
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        write_text(path, TEAM_TEMPLATE)
    elif suffix == ".csv":
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(template_header())
        write_text(path, buf.getvalue())
    elif suffix == ".xlsx":
        _write_xlsx(path)
    else:
        raise InputError(path, "unknown template type", found=suffix,
                         expected=".csv or .xlsx (caseload) or .yaml (team file)")


def _write_xlsx(path: Path) -> None:
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "caseload"
    sheet.append(template_header())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    about = book.create_sheet("columns")
    about.append(["column", "level", "required", "what to enter", "example"])
    for c in COLUMNS:
        about.append([c.name, c.level, "yes" if c.required else "", c.description, c.example])
    about.append([RATING_PREFIX + "<name>", "household", "",
                  "Points agreed in supervision for the scheme's rating of that name.", "2"])
    with atomic_path(path) as tmp:
        book.save(tmp)
