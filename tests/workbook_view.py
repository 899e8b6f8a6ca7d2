"""A workbook sheet as an HTML table, as a spreadsheet would colour it (for screenshots).

Reads the file back with openpyxl and evaluates the sheet's conditional-formatting
rules on each cell (the formulas allocopt writes: ISNUMBER, AND, comparisons and
text equality), so a test can check the colours a manager would see and a
person can look at the screenshot.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import range_boundaries


def _value(ref: str, sheet: Any, row: int) -> Any:
    column = re.sub(r"[$\d]", "", ref)
    return sheet[f"{column}{row}"].value


def evaluate(formula: str, sheet: Any, row: int) -> bool:
    """Evaluate a rule written by allocopt for the cell on `row`."""
    f = formula.strip()
    if f.startswith("AND(") and f.endswith(")"):
        parts = re.split(r",(?![^()]*\))", f[4:-1])
        return all(evaluate(p, sheet, row) for p in parts)
    m = re.fullmatch(r"ISNUMBER\((\$?[A-Z]+\$?\d+)\)", f)
    if m:
        return isinstance(_value(m[1], sheet, row), int | float)
    m = re.fullmatch(r"(\$?[A-Z]+\$?\d+)(<=|>=|<|>|=)(.+)", f)
    if m:
        left, op, right = _value(m[1], sheet, row), m[2], m[3]
        if right.startswith('"'):
            return op == "=" and left == right.strip('"')
        if not isinstance(left, int | float):
            return False
        r = float(right)
        return {"<": left < r, "<=": left <= r, ">": left > r, ">=": left >= r,
                "=": left == r}[op]
    raise ValueError(f"formula not understood: {formula}")


def cell_fills(path: Path, sheet_name: str) -> dict[str, str]:
    """The fill colour (RRGGBB) conditional formatting gives each cell it covers."""
    sheet = load_workbook(path)[sheet_name]
    out: dict[str, str] = {}
    for rng in sheet.conditional_formatting:
        min_col, min_row, max_col, max_row = range_boundaries(str(rng.sqref))
        for row in range(min_row, max_row + 1):
            for col in range(min_col, max_col + 1):
                ref = sheet.cell(row, col).coordinate
                if ref in out:
                    continue
                for rule in sorted(rng.rules, key=lambda r: r.priority):
                    if evaluate(rule.formula[0], sheet, row):
                        out[ref] = rule.dxf.fill.fgColor.rgb[-6:].upper()
                        break
    return out


def sheet_html(path: Path, sheet_name: str) -> str:
    """The sheet as a page: values shown as formatted, fills from static and conditional rules."""
    book = load_workbook(path)
    sheet = book[sheet_name]
    fills = cell_fills(path, sheet_name)
    rows = []
    for row in sheet.iter_rows():
        cells = []
        for c in row:
            v = c.value
            if isinstance(v, float) and "%" in (c.number_format or ""):
                text = f"{v * 100:.1f}%"
            elif isinstance(v, float):
                text = f"{v:g}"
            else:
                text = "" if v is None else str(v)
            colour = fills.get(c.coordinate)
            if colour is None and c.fill is not None and c.fill.fill_type == "solid":
                colour = str(c.fill.fgColor.rgb)[-6:]
            style = f' style="background:#{colour}"' if colour else ""
            bold = " font-weight:bold" if c.font is not None and c.font.b else ""
            if bold:
                style = style[:-1] + ";" + bold + '"' if style else f' style="{bold.strip()}"'
            cells.append(f"<td{style}>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return ("<!doctype html><html><head><meta charset='utf-8'><style>body{font-family:Arial;"
            "font-size:13px} td{border:1px solid #d0d0d0;padding:2px 6px;white-space:nowrap}"
            "table{border-collapse:collapse}</style></head><body><h3>"
            + html.escape(f"{path.name}: {sheet_name}") + "</h3><table>" + "".join(rows)
            + "</table></body></html>")
