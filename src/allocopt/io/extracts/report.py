"""The import report: what was read, what was made of it, and what needs a human.

A team manager fixes the roster or the override sheet from this report, never the
code. It names children by id only; names appear only when the user asks for them
(``--show-names``), and then only in this report, never in the team or caseload
files.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from allocopt.io.atomic import write_text
from allocopt.io.safe_cells import defuse_row

REPORT_MD = "import-report.md"
REPORT_CSV = "import-report.csv"


@dataclass
class ListCount:
    """One Annex A list or SSD table: rows read, children on it, children current on it."""

    name: str
    rows: int = 0
    children: int = 0
    current: int = 0
    note: str = ""


@dataclass
class UnknownValue:
    """A coded value the import does not know, with how often it was seen."""

    where: str
    column: str
    value: str
    treated_as: str
    count: int = 0
    first_row: int | None = None


@dataclass(frozen=True)
class CellProblem:
    """A cell that could not be read (a formula with no saved result, an unreadable date)."""

    where: str
    row: int
    column: str
    found: str
    problem: str
    treated_as: str


@dataclass(frozen=True)
class Disagreement:
    """Lists or tables that say different things about one child."""

    child_id: str
    what: str
    detail: str


@dataclass(frozen=True)
class Unallocated:
    """A child with no allocated worker at the date."""

    child_id: str
    household_id: str
    status: str
    reason: str


@dataclass(frozen=True)
class UnknownWait:
    """A waiting household whose referral date the extract does not give."""

    household_id: str
    detail: str


UNKNOWN_WAIT_ADVICE = ("the wait is unknown: the household ranks as if referred today "
                       "among equal priorities; set referred_on in the override sheet")


@dataclass(frozen=True)
class WorkerGap:
    """A worker in the extract but not the roster, or the reverse."""

    worker: str
    children: int
    detail: str


@dataclass
class ImportReport:
    """Everything the import noticed, as data (rendered by the terminal view and the files)."""

    kind: str
    source: str
    on: date
    team: str | None = None
    lists: dict[str, ListCount] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    children: int = 0
    households: int = 0
    own_households: int = 0
    allocated_children: int = 0
    missing_inputs: list[str] = field(default_factory=list)
    unallocated: list[Unallocated] = field(default_factory=list)
    unknown_waits: list[UnknownWait] = field(default_factory=list)
    not_in_roster: list[WorkerGap] = field(default_factory=list)
    not_in_extract: list[WorkerGap] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)
    missing_fte: list[str] = field(default_factory=list)
    unknown_values: dict[tuple[str, str, str], UnknownValue] = field(default_factory=dict)
    cell_problems: list[CellProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict, repr=False)

    def list_count(self, name: str) -> ListCount:
        """The counter for one list or table, created on first use."""
        if name not in self.lists:
            self.lists[name] = ListCount(name)
        return self.lists[name]

    def unknown(self, where: str, column: str, value: object, row: int | None,
                treated_as: str) -> None:
        """Record a value the import does not know (counted, first row kept)."""
        text = str(value)
        key = (where, column, text)
        entry = self.unknown_values.get(key)
        if entry is None:
            entry = self.unknown_values[key] = UnknownValue(where, column, text, treated_as,
                                                             first_row=row)
        entry.count += 1

    def problem(self, where: str, row: int, column: str, found: object, problem: str,
                treated_as: str) -> None:
        self.cell_problems.append(CellProblem(where, row, column, str(found), problem, treated_as))

    def disagree(self, child_id: str, what: str, detail: str) -> None:
        self.disagreements.append(Disagreement(child_id, what, detail))

    def label(self, child_id: str, show_names: bool) -> str:
        """A child as shown in the report: the id, and the name only when asked for."""
        name = self.names.get(child_id) if show_names else None
        return f"{child_id} ({name})" if name else child_id


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    def esc(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return [*out, ""]


def report_markdown(report: ImportReport, show_names: bool = False) -> str:
    """The report as a Markdown document (reads as plain text too)."""
    r = report

    def lab(child_id: str) -> str:
        return r.label(child_id, show_names)

    lines = [f"# Import report: {r.kind}", "",
             f"- Read: {r.source}", f"- Date: {r.on.isoformat()}",
             f"- Team: {r.team or 'all teams in the extract'}",
             f"- Children imported: {r.children} in {r.households} households "
             f"({r.allocated_children} allocated, {len(r.unallocated)} unallocated)", ""]
    if r.missing_inputs:
        lines += ["## Read this first: scheme inputs missing", ""]
        lines += [f"- **{m}**" for m in r.missing_inputs] + [""]
    if r.written:
        lines += ["Files written: " + ", ".join(r.written), ""]
    lines += ["## Children per list", ""]
    lines += _md_table(["List or table", "Rows", "Children", "Current at the date", "Note"],
                       [[c.name, str(c.rows), str(c.children), str(c.current), c.note]
                        for c in r.lists.values()])
    lines += ["## Children per status", ""]
    lines += _md_table(["Status", "Children"], [[k, str(v)] for k, v in r.statuses.items()])
    sections: list[tuple[str, list[str], list[list[str]]]] = [
        ("Unallocated children", ["Child", "Household", "Status", "Why"],
         [[lab(u.child_id), u.household_id, u.status, u.reason] for u in r.unallocated]),
        ("Waiting households with no referral date", ["Household", "Why", "What it means"],
         [[u.household_id, u.detail, UNKNOWN_WAIT_ADVICE] for u in r.unknown_waits]),
        ("Workers in the extract but not in the roster", ["Worker", "Children", "What to do"],
         [[w.worker, str(w.children), w.detail] for w in r.not_in_roster]),
        ("Workers in the roster but not in the extract", ["Worker", "Children", "Note"],
         [[w.worker, str(w.children), w.detail] for w in r.not_in_extract]),
        ("Children whose lists disagree", ["Child", "What", "Detail"],
         [[lab(d.child_id), d.what, d.detail] for d in r.disagreements]),
        ("Workers with no FTE", ["Worker"], [[w] for w in r.missing_fte]),
        ("Unknown codes and values", ["Where", "Column", "Value", "Times", "First row",
                                      "Treated as"],
         [[u.where, u.column, u.value, str(u.count), str(u.first_row or ""), u.treated_as]
          for u in r.unknown_values.values()]),
        ("Cells that could not be read", ["Where", "Row", "Column", "Found", "Problem",
                                          "Treated as"],
         [[p.where, str(p.row), p.column, p.found, p.problem, p.treated_as]
          for p in r.cell_problems]),
    ]
    for title, header, rows in sections:
        lines += [f"## {title} ({len(rows)})", ""]
        lines += _md_table(header, rows) if rows else ["None.", ""]
    lines += ["## Notes", ""]
    lines += [f"- {n}" for n in r.notes] or ["None."]
    return "\n".join(lines).rstrip() + "\n"


def report_csv(report: ImportReport, show_names: bool = False) -> str:
    """One line per finding, for filtering in a spreadsheet."""
    r = report
    buf = io.StringIO()
    w = _DefusedWriter(csv.writer(buf, lineterminator="\n"))
    w.writerow(["section", "subject", "where", "column", "found", "detail"])
    for c in r.lists.values():
        w.writerow(["list", c.name, "", "", f"{c.rows} rows, {c.children} children, "
                    f"{c.current} current", c.note])
    for status, n in r.statuses.items():
        w.writerow(["status", status, "", "", str(n), "children"])
    for message in r.missing_inputs:
        w.writerow(["scheme input missing", "", "", "", "", message])
    for child in r.unallocated:
        w.writerow(["unallocated", r.label(child.child_id, show_names), child.household_id, "",
                    child.status, child.reason])
    for wait in r.unknown_waits:
        w.writerow(["referral date unknown", wait.household_id, "", "referred_on", "",
                    f"{wait.detail}; {UNKNOWN_WAIT_ADVICE}"])
    for g in r.not_in_roster:
        w.writerow(["not in roster", g.worker, "", "", f"{g.children} children", g.detail])
    for g in r.not_in_extract:
        w.writerow(["not in extract", g.worker, "", "", f"{g.children} children", g.detail])
    for d in r.disagreements:
        w.writerow(["disagreement", r.label(d.child_id, show_names), "", "", d.what, d.detail])
    for worker in r.missing_fte:
        w.writerow(["missing FTE", worker, "", "", "", "counted as full time"])
    for u in r.unknown_values.values():
        w.writerow(["unknown value", "", f"{u.where} row {u.first_row}", u.column, u.value,
                    f"seen {u.count} times; treated as {u.treated_as}"])
    for p in r.cell_problems:
        w.writerow(["unreadable cell", "", f"{p.where} row {p.row}", p.column, p.found,
                    f"{p.problem}; treated as {p.treated_as}"])
    for note in r.notes:
        w.writerow(["note", "", "", "", "", note])
    return buf.getvalue()


class _DefusedWriter:
    """A CSV writer whose every cell goes through the formula-injection guard."""

    def __init__(self, writer: Any) -> None:
        self.writer = writer

    def writerow(self, row: list[object]) -> None:
        self.writer.writerow(defuse_row(row))


def write_report(report: ImportReport, folder: Path, show_names: bool = False) -> list[Path]:
    """Write import-report.md and import-report.csv into `folder` (atomically)."""
    md, table = folder / REPORT_MD, folder / REPORT_CSV
    write_text(md, report_markdown(report, show_names))
    write_text(table, report_csv(report, show_names))
    return [md, table]
