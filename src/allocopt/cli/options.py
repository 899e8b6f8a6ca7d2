"""Option parsing shared by commands."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from allocopt.errors import InputError
from allocopt.io import cells


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def parse_date(value: str | None, option: str = "--date") -> date | None:
    """A date given on the command line, in ISO or UK form."""
    if value is None:
        return None
    try:
        return cells.to_date(value)
    except cells.CellError as e:
        raise InputError(None, f"invalid {option}", found=value, expected=e.expected) from None
