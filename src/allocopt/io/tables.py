"""Read a spreadsheet-shaped table (CSV or XLSX) into rows, keeping row numbers.

Row numbers are those a user sees in Excel: the header is row 1. Header names
are normalised (case, spaces, non-breaking spaces) so "Child ID " and "child_id"
are the same column.
"""

from __future__ import annotations

import csv
import gc
import io
import re
import zipfile
import zlib
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from allocopt.errors import Described, InputError, may_be_a_name

Cell = str | int | float | bool | Any | None

_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\-/]+")
_STRIP = re.compile(r"[^0-9a-z_?]")


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """For bulk work that makes millions of small objects and no reference cycles (reading
    and scoring a caseload): Python's cycle collector would only pause to scan them, a
    third of the time of a large caseload. Reference counting still frees everything."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
        """Raise naming the first required column the header lacks.

        The header cells are listed only where they look like column names: a sheet
        saved without its header row has data (children's names) in row 1.
        """
        missing = [c for c in columns if c not in self.header]
        if missing:
            problem = f"missing column '{missing[0]}'"
            if not any(c in self.header for c in columns):
                problem += " (is the header row missing? row 1 should name the columns)"
            raise self.error(problem, row=1, field=missing[0], found=self.found_columns(columns),
                             expected="columns " + ", ".join(columns))

    def found_columns(self, known: Collection[str] = ()) -> Described:
        """The header row as an error may show it: the cells that look like column names
        (or normalise to one of `known`), and how many look like data instead."""
        named = [raw for raw, key in zip(self.raw_header, self.header, strict=False)
                 if raw and (key in known or not may_be_a_name(raw))]
        hidden = sum(1 for raw in self.raw_header if raw) - len(named)
        found = "columns " + (", ".join(named) or "none")
        if hidden:
            found += f" and {hidden} cells that look like data, not column names (not shown)"
        return Described(found)

    def column_name(self, header: str) -> str:
        """A column as a message may name it: its header, or its letter when the header
        could be a name (a data row taken for the header)."""
        index = self.header.index(header)
        raw = self.raw_header[index]
        return raw if not may_be_a_name(raw) else f"column {column_letter(index)}"


def column_letter(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA': the column as a spreadsheet labels it."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


Rows = Iterator[tuple[int, dict[str, Cell]]]
"""Numbered rows of a table, read as they are wanted."""


def read_table(path: Path, sheet: str | None = None, preferred_sheet: str | None = None) -> Table:
    """Read a CSV (UTF-8) or XLSX file. For a workbook, take `sheet`, else the sheet
    named `preferred_sheet`, else the only sheet."""
    table, rows = stream_table(path, sheet, preferred_sheet)
    table.rows = list(rows)
    return table


def stream_table(path: Path, sheet: str | None = None, preferred_sheet: str | None = None
                 ) -> tuple[Table, Rows]:
    """The table's header (its `rows` empty) and its rows one at a time, for files too
    large to hold twice: a 200,000-row caseload is read without keeping its cells."""
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


def _read_csv(path: Path) -> tuple[Table, Rows]:
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _utf16_without_bom(data):
        raise InputError(path, "the file is UTF-16 text",
                         expected="CSV saved as 'CSV UTF-8' (Excel: Save As > CSV UTF-8; "
                                  "Notepad: Save As, Encoding UTF-8)")
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
    del data
    if not text.strip():
        raise InputError(path, "the file is empty", expected="a header row, then one row per record")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        raw_header = next(reader)
    except csv.Error as e:
        raise InputError(path, f"not readable as CSV ({e})", row=1) from None
    table = _start(path, None, raw_header)
    return table, _csv_rows(table, reader, len(raw_header))


def _csv_rows(table: Table, reader: Any, width: int) -> Rows:
    names = table.header
    number = 1
    try:
        for number, values in enumerate(reader, start=2):
            if len(values) > width and any(v.strip() for v in values[width:]):
                raise InputError(table.path, "more values than header columns", row=number,
                                 found=len(values), expected=f"{width} values")
            # Only the filled cells: an empty one reads as None through .get, and most
            # cells of a large caseload are empty.
            cells: dict[str, Cell] = {name: value for name, raw in zip(names, values,
                                                                       strict=False)
                                      if raw and name and (value := raw.strip())}
            if cells or any(v.strip() for v in values):  # (a value under no column name)
                yield number, cells
    except csv.Error as e:
        raise InputError(table.path, f"not readable as CSV ({e})", row=number + 1) from None


def _utf16_without_bom(data: bytes) -> bool:
    """UTF-16 text with no byte-order mark: ASCII letters with a zero byte between them."""
    sample = data[:400]
    if len(sample) < 4:
        return False
    half = len(sample) // 2
    zeros_odd = sample[1::2].count(0)
    zeros_even = sample[0::2].count(0)
    return max(zeros_odd, zeros_even) > 0.4 * half and min(zeros_odd, zeros_even) < 0.1 * half


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


def sheet_members(path: Path) -> dict[str, str]:
    """Sheet name -> the XML file holding it inside the workbook."""
    try:
        with zipfile.ZipFile(path) as z:
            book = ElementTree.fromstring(z.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    except UNREADABLE_WORKBOOK:
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG}Relationship")}
    out = {}
    for sheet in book.iter(f"{_NS}sheet"):
        target = targets.get(sheet.get(f"{_REL}id"), "")
        if target:
            out[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") \
                else "xl/" + target
    return out


UNREADABLE_WORKBOOK = (zipfile.BadZipFile, zlib.error, KeyError, OSError, ValueError,
                       TypeError, EOFError, ElementTree.ParseError)
"""What openpyxl and zipfile raise on a damaged workbook (a truncated zip, bad XML)."""

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"

# A cell holding a formula, with its saved result if it has one (any namespace prefix).
_FORMULA_CELL = re.compile(
    rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*>\s*'
    rb"<(?:\w+:)?f\b[^>]*?(?:/>|>.*?</(?:\w+:)?f>)\s*"
    rb"(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>)?", re.S)


def formula_gaps(path: Path, member: str | None, table: Table) -> set[tuple[int, str]]:
    """Cells holding a formula with no saved result, as (row, header) pairs.

    openpyxl reads a formula's saved result; when there is none (the file was written
    by a program, not saved by Excel) the cell reads as blank, so it is found here
    and reported instead of passing for an empty cell.
    """
    if member is None:
        return set()
    try:
        with zipfile.ZipFile(path) as z:
            data = z.read(member)
    except UNREADABLE_WORKBOOK:
        return set()
    if b"<f" not in data and b":f" not in data:
        return set()  # no formulas at all: the common case, without the search
    from openpyxl.utils.cell import column_index_from_string

    gaps = set()
    for m in _FORMULA_CELL.finditer(data):
        if m[3] is not None and m[3].strip():
            continue
        index = column_index_from_string(m[1].decode()) - 1
        if index < len(table.header) and table.header[index]:
            gaps.add((int(m[2]), table.header[index]))
    return gaps


def _read_xlsx(path: Path, sheet: str | None, preferred: str | None) -> tuple[Table, Rows]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except UNREADABLE_WORKBOOK as e:
        raise InputError(path, "not a readable .xlsx workbook", found=type(e).__name__) from None
    try:
        chosen = _choose_sheet(path, list(book.sheetnames), sheet, preferred)
        ws = book[chosen]
        header_row = next(ws.iter_rows(max_row=1, values_only=True), None)
        if header_row is None or not any(v is not None and str(v).strip() for v in header_row):
            raise InputError(path, "the sheet is empty", sheet=chosen,
                             expected="a header row, then one row per record")
        table = _start(path, chosen, list(header_row))
    except BaseException as e:
        book.close()
        if isinstance(e, InputError | KeyboardInterrupt | SystemExit):
            raise
        raise InputError(path, "not a readable .xlsx workbook", found=type(e).__name__) from None
    return table, _xlsx_rows(path, book, ws, table)


def _xlsx_rows(path: Path, book: Any, ws: Any, table: Table) -> Rows:
    try:
        # No wider than the header: one stray value in the sheet's last cell (XFD1048576)
        # would otherwise make a million rows of 16,384 cells.
        rows = ws.iter_rows(min_row=2, max_col=len(table.header), values_only=True)
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
            yield number, cells
    except UNREADABLE_WORKBOOK as e:
        raise InputError(path, "not a readable .xlsx workbook", found=type(e).__name__) from None
    finally:
        book.close()
    gaps = formula_gaps(path, sheet_members(path).get(table.sheet or ""), table)
    if gaps:
        row, header = min(gaps)
        raise table.error("a formula with no saved result", row=row,
                          field=table.column_name(header), expected="a value: open and save "
                          "the workbook in Excel (or type the value) so the result is saved")


def _sheets(names: list[str]) -> Described:
    """A workbook's sheet names (its structure, not its data) as an error shows them."""
    return Described(repr(", ".join(names)))


def _choose_sheet(path: Path, names: list[str], sheet: str | None, preferred: str | None) -> str:
    if sheet is not None:
        if sheet in names:
            return sheet
        raise InputError(path, f"no sheet named '{sheet}'", found=_sheets(names))
    if preferred is not None:
        for name in names:
            if normalise_header(name) == normalise_header(preferred):
                return name
    if len(names) == 1:
        return names[0]
    raise InputError(path, "the workbook has several sheets", found=_sheets(names),
                     expected=f"one sheet, or a sheet named '{preferred}'" if preferred else "one sheet")
