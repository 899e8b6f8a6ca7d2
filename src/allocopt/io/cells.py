"""Turn spreadsheet cells into typed values, with errors that say what was expected."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from pydantic import ValidationError

from allocopt.domain import MAX_AMOUNT, WorkItem
from allocopt.io.safe_cells import restore
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
    """A cell as text (whole floats without '.0'); a cell allocopt defused reads back as
    it was written ("'=X" -> "=X")."""
    if value is None:
        return None
    if type(value) is str and value and value[0] not in _SPECIAL \
            and value[-1] not in _SPECIAL and "\u00a0" not in value:
        return value  # the common case: plain text, already trimmed
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    out = restore(str(value).replace("\u00a0", " ").strip())
    return out or None


_SPECIAL = frozenset(" \t\r\n\u00a0'")
"""First or last characters that mean a cell needs trimming or restoring."""


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
    return _text_date(str(value).strip())


@functools.lru_cache(maxsize=65_536)
def _text_date(raw: str) -> date:
    """A date written as text (cached: a caseload repeats its dates many times)."""
    if len(raw) == 10 and raw[4] == "-" and raw[7] == "-":
        try:
            return date.fromisoformat(raw)  # the common case, without strptime's cost
        except ValueError:
            pass
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S",
                "%Y-%m-%dT%H:%M:%S", "%d %b %Y", "%d %B %Y"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    if re.fullmatch(r"\d{5}(\.0+)?", raw):
        return _EXCEL_EPOCH + timedelta(days=int(float(raw)))
    raise CellError(raw, "a date such as 2026-03-31 or 31/03/2026")


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
    except (ValueError, OverflowError):
        raise CellError(value, what) from None
    if not number.is_integer() or abs(number) > 1e15:
        raise CellError(value, what)
    return int(number)


def to_float(value: Cell, what: str = "a number") -> float | None:
    """A finite number ('1,250.5' reads as 1250.5); infinity and 'nan' are not numbers here."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError(value, what)
    try:
        number = float(value) if isinstance(value, int | float) else \
            float(str(value).strip().replace(",", ""))
    except (ValueError, OverflowError):
        raise CellError(value, what) from None
    if not math.isfinite(number):
        raise CellError(value, what)
    return number


def to_enum(value: Cell, enum: type[E], aliases: Mapping[str, E] | None = None) -> E | None:
    """Match a value to an enum member by value, name or alias, ignoring case and spacing."""
    raw = text(value)
    if raw is None:
        return None
    key = (enum, raw, id(aliases) if aliases else 0)
    seen = _ENUM_SEEN.get(key)
    if seen is not None:
        return seen[0]  # type: ignore[return-value]
    found: StrEnum | None = None
    norm = re.sub(r"[\s\-]+", "_", raw.lower())
    for member in enum:
        if norm in (member.value.lower(), member.name.lower()):
            found = member
            break
    else:
        if aliases and norm in aliases:
            found = aliases[norm]
    if found is None:
        choices = ", ".join(m.value for m in enum)
        raise CellError(value, f"one of {choices}")
    if len(_ENUM_SEEN) < 10_000:
        # The aliases are kept with the answer, so their id cannot be reused meanwhile.
        _ENUM_SEEN[key] = (found, aliases)
    return found  # type: ignore[return-value]


_ENUM_SEEN: dict[tuple[type, str, int], tuple[StrEnum, object]] = {}
"""Values already matched (a caseload says 'CP' thousands of times)."""


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
        try:
            items.append(WorkItem(
                kind=m["kind"].lower(),
                amount=float(m["amount"]) if m["amount"] else None,
                count=int(m["count"]) if m["count"] else 1,
                start=start,
                end=end,
            ))
        except ValidationError:
            raise CellError(part, f"an amount from 0 to {MAX_AMOUNT:,.0f} and a count from 1 "
                            "to 1,000 (" + ITEM_SYNTAX + ")") from None
    return tuple(items)


def cell_error(table: Table, row: int, column: str, err: CellError) -> Exception:
    return table.error("invalid value", row=row, field=column, found=err.found, expected=err.expected)
