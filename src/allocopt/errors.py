"""Errors a user can act on: which file, which row or field, what was found, what was expected.

The CLI turns an :class:`InputError` into one line on stderr and exit status 2,
with no traceback. Messages carry ids, never a child's name: a value found in a
file is echoed only when it has the shape of a code, a date, a number or an id
(:func:`shown`); anything that could be a name is described instead ("one word
(not shown: it may be a name)").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from itertools import pairwise
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


class Described(str):
    """Text the program wrote about a value (not the value): shown as it is, unquoted."""


def _show(value: Any) -> str:
    if isinstance(value, Described):
        return str(value) if len(value) <= 200 else value[:197] + "..."
    text = shown(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 80 else text[:77] + "..."


_WORDS = re.compile(r"\S+")


def may_be_a_name(text: str) -> bool:
    """True when text found in a file could be a person's name (or other personal text).

    Codes, ids, numbers and dates are tokens with a digit or without a capital
    followed by a small letter ('CP', 'W07a', 'child-protection-ish', '31/02/2026',
    'full time'); names are capitalised words ('Amira Khan', 'Zoë', 'McDonald', "O'Neil"). Long
    text and e-mail addresses are never shown either.
    """
    words = _WORDS.findall(text)
    if len(text) > 40 or len(words) > 3 or "@" in text:
        return True
    return any(a.isupper() and b.islower() for word in words if not _has_digit(word)
               for a, b in pairwise(word))


def _has_digit(word: str) -> bool:
    """Ids and codes carry digits ('Sheet1', 'W07a', 'List 7'); names do not."""
    return any(ch.isdigit() for ch in word)


def describe(text: str) -> str:
    """What kind of text was found, without the text."""
    words = _WORDS.findall(text)
    if "@" in text and len(words) == 1:
        kind = "an e-mail address"
    elif len(words) == 1 and len(text) <= 40:
        kind = "one word"
    elif 1 < len(words) <= 12:
        kind = f"{len(words)} words"
    else:
        kind = f"text of {len(text)} characters"
    return f"{kind} (not shown: it may be a name)"


def shown(value: object) -> str:
    """A found value as a message may show it: quoted if it has the shape of a code, an
    id, a number or a date, else described (see :func:`may_be_a_name`).

    Control characters are written as escapes, so the line stays one line.
    """
    if not isinstance(value, str):
        return value.isoformat() if isinstance(value, date) else str(value)
    if may_be_a_name(value):
        return describe(value)
    return repr(value)


def id_text(value: str) -> str:
    """An id inside a sentence: itself if it is shaped like an id, else described."""
    return value if not may_be_a_name(value) else "(" + describe(value) + ")"


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
    found: Any = first.get("input")
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
        # A validator's own sentence states the problem, and what was expected after
        # '; expected ' where it says.
        # A validator may name the field under its model ('@rag.2.below: ...') and say
        # what it found ('; found 90').
        if msg.startswith("@"):
            sub, _, msg = msg[1:].partition(": ")
            path = f"{path}.{sub}" if path else sub
        problem, _, expected = msg.partition("; expected ")
        problem, said, found_text = problem.partition("; found ")
        return InputError(file, problem, row=row, field=path or None,
                          found=Described(found_text) if said else found,
                          expected=expected or None, sheet=sheet)
    expected = _expected(msg)
    if first["type"] == "string_pattern_mismatch":
        expected = "text without control characters (a NUL, a tab or an escape is never in an id)"
    return InputError(file, "invalid value", row=row, field=path or None, found=found,
                      expected=expected, sheet=sheet)


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
