"""Turn spreadsheet cells into typed values, with errors that say what was expected."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from allocopt.domain import WorkItem
from allocopt.io.tables import Cell, Table

E = TypeVar("E", bound=StrEnum)

_TRUE = {"yes", "y", "true", "t", "1", "x"}
_FALSE = {"no", "n", "false", "f", "0"}
_EXCEL_EPOCH = date(1899, 12, 30)


class CellError(ValueError):
    """A cell that cannot be read; `expected` says what would have been."""

    def __init__(self, found: object, expected: str) -> None:
        self.found = found
        self.expected = expected
        super().__init__(f"found {found!r}, expected {expected}")


def text(value: Cell) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    out = str(value).replace("\u00a0", " ").strip()
    return out or None


def to_date(value: Cell) -> date | None:
    """ISO dates, UK day/month/year, Excel serial numbers and real dates."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise CellError(value, "a date")
    raw = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S",
                "%Y-%m-%dT%H:%M:%S", "%d %b %Y", "%d %B %Y"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    if re.fullmatch(r"\d{5}(\.0+)?", raw):
        return _EXCEL_EPOCH + timedelta(days=int(float(raw)))
    raise CellError(value, "a date such as 2026-03-31 or 31/03/2026")


def to_bool(value: Cell) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    raw = str(value).strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE or raw == "":
        return False
    raise CellError(value, "yes or no")


def to_int(value: Cell, what: str = "a whole number") -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError(value, what)
    if isinstance(value, int):
        return value
    try:
        number = float(str(value).strip())
    except ValueError:
        raise CellError(value, what) from None
    if not number.is_integer():
        raise CellError(value, what)
    return int(number)


def to_float(value: Cell, what: str = "a number") -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError(value, what)
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip().replace(",", ""))
    except ValueError:
        raise CellError(value, what) from None


def to_enum(value: Cell, enum: type[E], aliases: Mapping[str, E] | None = None) -> E | None:
    """Match a value to an enum member by value, name or alias, ignoring case and spacing."""
    raw = text(value)
    if raw is None:
        return None
    key = re.sub(r"[\s\-]+", "_", raw.lower())
    for member in enum:
        if key in (member.value.lower(), member.name.lower()):
            return member
    if aliases and key in aliases:
        return aliases[key]
    choices = ", ".join(m.value for m in enum)
    raise CellError(value, f"one of {choices}")


def to_list(value: Cell) -> tuple[str, ...]:
    raw = text(value)
    if raw is None:
        return ()
    return tuple(p.strip() for p in re.split(r"[;,]", raw) if p.strip())


_ITEM = re.compile(
    r"^(?P<kind>[A-Za-z][\w]*)\s*"
    r"(?:=\s*(?P<amount>-?\d+(?:\.\d+)?))?\s*"
    r"(?:\*\s*(?P<count>\d+))?\s*"
    r"(?:@\s*(?P<start>[\d/\-]+)?\s*\.\.\s*(?P<end>[\d/\-]+)?)?$"
)

ITEM_SYNTAX = "items like 'life_story@2026-09-01..2026-11-30; casework=25; home_visit*4'"


def to_work_items(value: Cell) -> tuple[WorkItem, ...]:
    """Parse `kind[=amount][*count][@start..end]` items separated by ';'."""
    raw = text(value)
    if raw is None:
        return ()
    items = []
    for part in raw.split(";"):
        part = part.strip()
        if not part:
            continue
        m = _ITEM.match(part)
        if m is None:
            raise CellError(part, ITEM_SYNTAX)
        if m["amount"] and float(m["amount"]) < 0:
            raise CellError(part, "an amount of 0 or more (hours or points)")
        start = to_date(m["start"]) if m["start"] else None
        end = to_date(m["end"]) if m["end"] else None
        if start and end and end < start:
            raise CellError(part, "an item whose end is on or after its start")
        items.append(WorkItem(
            kind=m["kind"].lower(),
            amount=float(m["amount"]) if m["amount"] else None,
            count=int(m["count"]) if m["count"] else 1,
            start=start,
            end=end,
        ))
    return tuple(items)


def cell_error(table: Table, row: int, column: str, err: CellError) -> Exception:
    return table.error("invalid value", row=row, field=column, found=err.found, expected=err.expected)
