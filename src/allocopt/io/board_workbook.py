"""The board as a workbook (``score --format xlsx``): a Board sheet and one sheet per worker.

The Board sheet has a row per worker (load %, band, spare capacity, children
and households, the action the band requires) and the team's totals. Load % is
a number in per-cent format, coloured by conditional formatting built from the
scheme's own bands, so the colours follow if a manager edits a load, and the
band names are coloured the same way. Each worker's sheet lists their cases
column by column (as ``allocopt explain`` shows them) and the rule behind each.
Every text cell goes through the formula-injection guard.
"""

from __future__ import annotations

import math
from typing import Any

from allocopt.board import TeamBoard, WorkerScore
from allocopt.domain import Status
from allocopt.io.safe_cells import defuse
from allocopt.io.workbook import workbook_bytes
from allocopt.report.palette import RAG_LIGHT, RAG_TEXT, rag_fill
from allocopt.schemes.model import Scheme
from allocopt.schemes.scoring import CO_WORKING_COLUMN

BOARD_HEADER = ("Worker", "Name", "Role", "Experience", "FTE", "Benchmark", "Load", "Load %",
                "Band", "Spare", "Children", "Households", "CP", "CLA", "Long travel",
                "Action", "Notes")
LOAD_COLUMN = BOARD_HEADER.index("Load %") + 1
BAND_COLUMN = BOARD_HEADER.index("Band") + 1
FIRST_ROW = 5
"""Row of the first worker on the Board sheet (title, context, blank, header above it)."""


def _n(x: float) -> float | None:
    return round(x, 6) if math.isfinite(x) else None


def _board_row(r: WorkerScore) -> list[Any]:
    cap = r.capacity
    by = {s.value: n for s, n in r.counts.by_status.items()}
    return [defuse(r.worker.id), defuse(r.worker.name or ""),
            r.worker.role.value.replace("_", " "), defuse(cap.band.label), _n(cap.fte),
            _n(cap.benchmark), _n(r.load),
            _n(r.load_pct / 100) if math.isfinite(r.load_pct) else None, r.rag.name,
            _n(r.spare), r.counts.children, r.counts.households, by.get("CP", 0),
            by.get("CLA", 0), r.counts.long_travel, defuse(r.rag.action),
            defuse("; ".join([*r.concentrations, *r.notes]))]


def band_rules(scheme: Scheme, cell: str) -> list[tuple[str, str]]:
    """(Excel formula, band colour) for each band in order: the first that holds wins."""
    rules = []
    for band in scheme.rag:
        if band.below is not None:
            formula = f"AND(ISNUMBER({cell}),{cell}<{band.below / 100:g})"
        elif band.up_to is not None:
            formula = f"AND(ISNUMBER({cell}),{cell}<={band.up_to / 100:g})"
        else:
            formula = f"ISNUMBER({cell})"
        rules.append((formula, band.colour))
    return rules


def _sheet_name(wanted: str, used: set[str]) -> str:
    name = "".join(" " if ch in "[]:*?/\\" else ch for ch in wanted)[:31] or "worker"
    base, k = name, 2
    while name.lower() in used:
        suffix = f" ({k})"
        name, k = base[:31 - len(suffix)] + suffix, k + 1
    used.add(name.lower())
    return name


def board_xlsx(board: TeamBoard, warnings: list[str] | None = None) -> bytes:
    """The board and each worker's cases as XLSX bytes (deterministic)."""
    from openpyxl import Workbook
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    scheme = board.scheme
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Board"
    team = board.team.name or board.team.id
    sheet.append([defuse(f"{team}: caseloads on {board.on.day} {board.on:%B %Y}")])
    sheet["A1"].font = Font(bold=True, size=14)
    s = board.summary
    sheet.append([defuse(f"{scheme.name} ({scheme.unit.value}). Team load {s.team_load_pct:.1f}% "
                         f"of benchmark; {s.children} children in {s.households} households; "
                         f"spare capacity {s.spare_fte:.1f} FTE of an experienced worker.")])
    sheet.append([])
    sheet.append(list(BOARD_HEADER))
    for cell in sheet[FIRST_ROW - 1]:
        cell.font = Font(bold=True)
    for r in board.workers:
        sheet.append(_board_row(r))
    last = FIRST_ROW + len(board.workers) - 1
    for row in range(FIRST_ROW, last + 1):
        sheet.cell(row, LOAD_COLUMN).number_format = "0.0%"
        sheet.cell(row, 5).number_format = "0.00"
    totals = ["Team", "", "", "", _n(s.fte), _n(s.total_benchmark), _n(s.total_load),
              _n(s.team_load_pct / 100) if math.isfinite(s.team_load_pct) else None, "",
              _n(s.spare - s.over), s.children, s.households,
              s.by_status.get(Status.CP, 0), s.by_status.get(Status.CLA, 0),
              s.long_travel, "", ""]
    sheet.append(totals)
    sheet.cell(last + 1, LOAD_COLUMN).number_format = "0.0%"
    for cell in sheet[last + 1]:
        cell.font = Font(bold=True)
    if board.workers:
        load = get_column_letter(LOAD_COLUMN)
        band = get_column_letter(BAND_COLUMN)
        for formula, colour in band_rules(scheme, f"${load}{FIRST_ROW}"):
            fill = PatternFill("solid", fgColor=rag_fill(colour).lstrip("#").upper(),
                               bgColor=rag_fill(colour).lstrip("#").upper())
            sheet.conditional_formatting.add(
                f"{load}{FIRST_ROW}:{load}{last}",
                FormulaRule(formula=[formula], fill=fill, stopIfTrue=True,  # type: ignore[no-untyped-call]
                            font=Font(color=RAG_TEXT.get(colour, "000000").lstrip("#").upper())))
        for b in scheme.rag:
            light = RAG_LIGHT.get(b.colour, "#ffffff").lstrip("#").upper()
            sheet.conditional_formatting.add(
                f"{band}{FIRST_ROW}:{band}{last}",
                FormulaRule(formula=[f'${band}{FIRST_ROW}="{b.name}"'],  # type: ignore[no-untyped-call]
                            stopIfTrue=True,
                            fill=PatternFill("solid", fgColor=light, bgColor=light),
                            font=Font(bold=True)))
    notes = list(warnings or [])
    if notes:
        sheet.append([])
        sheet.append(["Warnings"])
        for w in notes:
            sheet.append([defuse(w)])
    widths = (9, 16, 20, 22, 6, 10, 8, 8, 8, 8, 9, 11, 5, 5, 11, 48, 40)
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    for row in range(FIRST_ROW, last + 1):
        sheet.cell(row, 16).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = f"B{FIRST_ROW}"
    used = {"board"}
    for r in board.workers:
        _worker_sheet(book.create_sheet(_sheet_name(r.worker.id, used)), board, r)
    return workbook_bytes(book)


def _worker_sheet(sheet: Any, board: TeamBoard, r: WorkerScore) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    scheme = board.scheme
    cap = r.capacity
    sheet.append([defuse(f"{r.worker.id}: {cap.band.label}, FTE {cap.fte:.2f}")])
    sheet["A1"].font = Font(bold=True, size=13)
    pct = r.load_pct / 100 if math.isfinite(r.load_pct) else None
    sheet.append(["Benchmark", _n(cap.benchmark), "Load", _n(r.load), "Load %", pct,
                  "Band", r.rag.name])
    sheet["F2"].number_format = "0.0%"
    light = RAG_LIGHT.get(r.rag.colour)
    if light:
        for ref in ("F2", "H2"):
            sheet[ref].fill = PatternFill("solid", fgColor=light.lstrip("#").upper())
    sheet.append(["Action", defuse(r.rag.action)])
    sheet.append([])
    columns = [c for c in scheme.columns if any(c.name in case.columns for case in r.cases)]
    co = any(CO_WORKING_COLUMN in case.columns for case in r.cases)
    header = ["Household", "Children", "Role", *[c.label for c in columns],
              *(["Co-working"] if co else []), "Total", "How it was scored"]
    sheet.append([defuse(h) for h in header])
    for cell in sheet[5]:
        cell.font = Font(bold=True)
    for case in r.cases:
        values = [_n(case.columns[c.name]) if c.name in case.columns else None for c in columns]
        if co:
            values.append(_n(case.columns.get(CO_WORKING_COLUMN, 0.0)))
        why = "; ".join([ln.why for ln in case.lines] + list(case.notes)) or "no points"
        sheet.append([defuse(case.household_id), len(case.child_ids), case.role, *values,
                      _n(case.total), defuse(why)])
        sheet.cell(sheet.max_row, len(header)).alignment = Alignment(wrap_text=True,
                                                                     vertical="top")
    for d in cap.duties:
        sheet.append([defuse(d.label), None, "duty", *([None] * (len(columns) + co)),
                      _n(d.amount), defuse(d.why)])
    sheet.append(["Total", r.counts.children, "", *([None] * (len(columns) + co)), _n(r.load)])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions[sheet.cell(5, len(header)).column_letter].width = 80
    sheet.freeze_panes = "B6"
