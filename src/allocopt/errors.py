"""Errors a user can act on: which file, which row or field, what was found, what was expected.

The CLI turns an :class:`InputError` into one line on stderr and exit status 2,
with no traceback. Messages carry ids, never a child's name.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

EXIT_INPUT = 2


class InputError(Exception):
    """Bad input, located as precisely as we can."""

    def __init__(
        self,
        file: str | Path | None,
        problem: str,
        *,
        row: int | None = None,
        field: str | None = None,
        found: Any = None,
        expected: str | None = None,
        sheet: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.problem = problem
        self.row = row
        self.field = field
        self.found = found
        self.expected = expected
        self.sheet = sheet
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = [p for p in (self.file, f"sheet '{self.sheet}'" if self.sheet else None) if p]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field '{self.field}'")
        text = ", ".join(where)
        text = f"{text}: {self.problem}" if text else self.problem
        if self.found is not None:
            text += f"; found {_show(self.found)}"
        if self.expected:
            text += f"; expected {self.expected}"
        return text


class Problems(InputError):
    """Several input errors found in one pass; reported together."""

    def __init__(self, errors: Sequence[InputError]) -> None:
        self.errors = list(errors)
        first = self.errors[0]
        super().__init__(first.file, first.problem, row=first.row, field=first.field,
                         found=first.found, expected=first.expected, sheet=first.sheet)

    @property
    def message(self) -> str:
        if len(self.errors) == 1:
            return self.errors[0].message
        lines = [f"{len(self.errors)} problems in the input:"]
        lines += [f"  - {e.message}" for e in self.errors[:20]]
        if len(self.errors) > 20:
            lines.append(f"  ... and {len(self.errors) - 20} more")
        return "\n".join(lines)


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def from_validation(
    err: ValidationError,
    file: str | Path | None,
    *,
    row: int | None = None,
    sheet: str | None = None,
    names: dict[str, str] | None = None,
) -> InputError:
    """The first pydantic error as an InputError naming the field path.

    `names` maps a path prefix (such as ``workers.3``) to a readable label
    (``workers.3 (W04)``) so the message names the record, not only its index.
    """
    first = err.errors(include_url=False)[0]
    path = ".".join(str(p) for p in first["loc"])
    for prefix, label in (names or {}).items():
        if path == prefix or path.startswith(prefix + "."):
            path = label + path[len(prefix):]
            break
    found = first.get("input")
    if isinstance(found, dict | list):
        found = None
    msg = first["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if first["type"] == "missing":
        return InputError(file, "a required field is missing", row=row, field=path or None,
                          sheet=sheet)
    if first["type"] == "extra_forbidden":
        return InputError(file, "unknown field", row=row, field=path,
                          expected="only the documented fields (check the spelling)", sheet=sheet)
    if first["type"] == "union_tag_invalid":
        ctx = first.get("ctx", {})
        key = str(ctx.get("discriminator", "kind")).strip("'")
        tags = str(ctx.get("expected_tags", "")).replace("'", "")
        return InputError(file, f"unknown {key}", row=row, field=f"{path}.{key}" if path else key,
                          found=ctx.get("tag"), expected=f"one of {tags}", sheet=sheet)
    if first["type"] == "value_error":
        # A validator's own sentence states the problem; it is not what was expected.
        return InputError(file, msg, row=row, field=path or None, found=found, sheet=sheet)
    return InputError(file, "invalid value", row=row, field=path or None, found=found,
                      expected=_expected(msg), sheet=sheet)


def _expected(msg: str) -> str:
    """Pydantic's message, phrased as what was expected."""
    replacements = {
        "Input should be ": "",
        "Input should ": "",
    }
    for old, new in replacements.items():
        if msg.startswith(old):
            return new + msg[len(old):]
    return msg
