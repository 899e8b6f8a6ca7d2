"""Read a spreadsheet-shaped table (CSV or XLSX) into rows, keeping row numbers.

Row numbers are those a user sees in Excel: the header is row 1. Header names
are normalised (case, spaces, non-breaking spaces) so "Child ID " and "child_id"
are the same column.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from allocopt.errors import InputError

Cell = str | int | float | bool | Any | None

_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\-/]+")
_STRIP = re.compile(r"[^0-9a-z_?]")


def normalise_header(name: object) -> str:
    """'Child  Unique ID ' -> 'child_unique_id'."""
    text = str(name or "").replace("\ufeff", "").strip().lower()
    text = _SPACES.sub("_", text)
    return _STRIP.sub("", text).strip("_")


@dataclass
class Table:
    """Rows of one sheet or CSV file, keyed by normalised header."""

    path: Path
    sheet: str | None
    header: list[str]
    raw_header: list[str]
    rows: list[tuple[int, dict[str, Cell]]] = field(default_factory=list)

    def error(self, problem: str, **kw: Any) -> InputError:
        return InputError(self.path, problem, sheet=self.sheet, **kw)

    def require(self, *columns: str) -> None:
        missing = [c for c in columns if c not in self.header]
        if missing:
            shown = ", ".join(self.raw_header) or "none"
            raise self.error(f"missing column '{missing[0]}'", row=1, field=missing[0],
                             found=f"columns {shown}",
                             expected="columns " + ", ".join(columns))


def read_table(path: Path, sheet: str | None = None, preferred_sheet: str | None = None) -> Table:
    """Read a CSV (UTF-8) or XLSX file. For a workbook, take `sheet`, else the sheet
    named `preferred_sheet`, else the only sheet."""
    if not path.exists():
        raise InputError(path, "file not found")
    if path.is_dir():
        raise InputError(path, "is a folder, not a file")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet, preferred_sheet)
    if suffix in (".csv", ".txt", ""):
        return _read_csv(path)
    raise InputError(path, "unsupported file type", found=suffix, expected=".csv or .xlsx")


def sheet_names(path: Path) -> list[str]:
    """The sheets of a workbook, in order."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True)
    except Exception as e:  # a damaged or mislabelled file: one line, no traceback
        raise InputError(path, "not a readable workbook", found=type(e).__name__,
                         expected="an .xlsx file saved by a spreadsheet") from None
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def _read_csv(path: Path) -> Table:
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(path, "the file is UTF-16 text", expected="CSV saved as 'CSV UTF-8'")
    if data.startswith(b"PK\x03\x04"):
        raise InputError(path, "the file is a workbook with a .csv name",
                         expected="rename it .xlsx or save as CSV")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError(path, "the file is not UTF-8 text", row=line,
                         field=_column_at(data, e.start), found=f"byte 0x{data[e.start]:02x}",
                         expected="CSV saved as 'CSV UTF-8' (Excel: Save As > CSV UTF-8)") from None
    if not text.strip():
        raise InputError(path, "the file is empty", expected="a header row, then one row per record")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        raw_header = next(reader)
    except csv.Error as e:
        raise InputError(path, f"not readable as CSV ({e})", row=1) from None
    table = _start(path, None, raw_header)
    try:
        for number, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            if len(values) > len(raw_header) and any(v.strip() for v in values[len(raw_header):]):
                raise InputError(path, "more values than header columns", row=number,
                                 found=len(values), expected=f"{len(raw_header)} values")
            cells: dict[str, Cell] = {}
            for name, value in zip(table.header, values, strict=False):
                if name:
                    cells[name] = value.strip() or None
            table.rows.append((number, cells))
    except csv.Error as e:
        raise InputError(path, f"not readable as CSV ({e})", row=reader.line_num) from None
    return table


def _column_at(data: bytes, offset: int) -> str | None:
    """The header name of the column holding byte `offset` (None if it cannot be told)."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    header_end = data.find(b"\n")
    header = data[: header_end if header_end >= 0 else len(data)].decode("utf-8", "replace")
    prefix = data[line_start:offset].decode("utf-8", "replace")
    try:
        names = next(csv.reader([header.lstrip("\ufeff")]))
        index = len(next(csv.reader([prefix + "x"]))) - 1
    except (csv.Error, StopIteration):
        return None
    return names[index].strip() if 0 <= index < len(names) and line_start > 0 else None


def _start(path: Path, sheet: str | None, raw_header: list[Any]) -> Table:
    raw = [str(h).strip() if h is not None else "" for h in raw_header]
    while raw and not raw[-1]:
        raw.pop()
    header = [normalise_header(h) for h in raw]
    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        if name and name in seen:
            raise InputError(path, "the same column appears twice", sheet=sheet, row=1,
                             field=raw[i], expected="one column per field")
        seen[name] = i
    if not any(header):
        raise InputError(path, "the header row is empty", sheet=sheet, row=1,
                         expected="column names in the first row")
    return Table(path, sheet, header, raw)


def _read_xlsx(path: Path, sheet: str | None, preferred: str | None) -> Table:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise InputError(path, "not a readable .xlsx workbook", found=type(e).__name__) from None
    try:
        names = list(book.sheetnames)
        chosen = _choose_sheet(path, names, sheet, preferred)
        ws = book[chosen]
        rows = ws.iter_rows(values_only=True)
        header_row = next(rows, None)
        if header_row is None or not any(v is not None and str(v).strip() for v in header_row):
            raise InputError(path, "the sheet is empty", sheet=chosen,
                             expected="a header row, then one row per record")
        table = _start(path, chosen, list(header_row))
        for number, values in enumerate(rows, start=2):
            if not any(v is not None and str(v).strip() != "" for v in values):
                continue
            cells: dict[str, Cell] = {}
            for name, value in zip(table.header, values, strict=False):
                if not name:
                    continue
                if isinstance(value, str):
                    value = value.strip() or None
                cells[name] = value
            table.rows.append((number, cells))
        return table
    finally:
        book.close()


def _choose_sheet(path: Path, names: list[str], sheet: str | None, preferred: str | None) -> str:
    if sheet is not None:
        if sheet in names:
            return sheet
        raise InputError(path, f"no sheet named '{sheet}'", found=", ".join(names))
    if preferred is not None:
        for name in names:
            if normalise_header(name) == normalise_header(preferred):
                return name
    if len(names) == 1:
        return names[0]
    raise InputError(path, "the workbook has several sheets", found=", ".join(names),
                     expected=f"one sheet, or a sheet named '{preferred}'" if preferred else "one sheet")
