"""Text cells that a spreadsheet will not run as a formula.

A CSV or XLSX cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return may be read by Excel or LibreOffice as a formula (OWASP, "CSV Injection").
Ids and names come from councils' own systems and can start with anything, so every
writer passes text through :func:`defuse` before it reaches a cell. Numbers are
written as numbers and are never touched: ``-3`` as an int is data, not a formula.
"""

from __future__ import annotations

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def defuse(value: object) -> object:
    """Return `value`, with a leading apostrophe if it is text a spreadsheet could run.

    The apostrophe is the mark spreadsheets themselves use for "this is text"; it
    keeps the value readable and makes the cell inert. Non-text values pass through.
    """
    if isinstance(value, str) and value.startswith(_TRIGGERS):
        return "'" + value
    return value


def defuse_row(row: list[object] | tuple[object, ...]) -> list[object]:
    """:func:`defuse` applied to every cell of one row."""
    return [defuse(v) for v in row]


def restore(value: str) -> str:
    """The text :func:`defuse` was given: a file allocopt wrote reads back as it was.

    Only an apostrophe followed by one of the trigger characters is taken off; any
    other leading apostrophe is part of the value.
    """
    if len(value) > 1 and value[0] == "'" and value[1] in _TRIGGERS_SET:
        return value[1:]
    return value


_TRIGGERS_SET = frozenset(_TRIGGERS)
