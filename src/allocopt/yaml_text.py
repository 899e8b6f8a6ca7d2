"""YAML text as data, safely: what the data files and ``--set PATH=VALUE`` are read with.

Pure (text in, data out), so the simulator's settings and the file readers share
it. Hostile or mistaken text stops with an :class:`~allocopt.errors.InputError`,
never a traceback: an impossible date (30 February) is kept and reported with
its field and line; nesting deeper than :data:`MAX_DEPTH` or more than
:data:`MAX_NODES` values (a YAML alias bomb) is refused before anything walks it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from allocopt.errors import Described, InputError

MAX_DEPTH = 40
"""Deepest nesting of mappings and lists a data file may have (the scenario needs 6)."""
MAX_NODES = 500_000
"""Most values a data file may hold, counting each use of a YAML alias."""


@dataclass(frozen=True)
class _BadDate:
    """A YAML date that does not exist (2026-02-30), kept to be reported with its field."""

    text: str
    line: int


# libyaml's parser where installed (ten times faster on a large team file), else Python's.
_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc]
    """Safe YAML whose impossible dates are kept for a located error, not a ValueError."""


def _timestamp(loader: Any, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return _BadDate(str(node.value), node.start_mark.line + 1)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def load_yaml(text: str) -> Any:
    """Parse YAML text safely (impossible dates are checked by :func:`check_shape`)."""
    return yaml.load(text, Loader=_Loader)


def check_shape(data: Any, file: str | Path | None, top: str = "") -> None:
    """Raise if `data` nests too deeply, holds too many values or an impossible date.

    Iterative, so no input can exhaust the stack; `top` prefixes field paths.
    """
    stack: list[tuple[Any, str, int]] = [(data, top, 0)]
    seen = 0
    while stack:
        value, path, depth = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            raise InputError(file, "the file holds too many values",
                             found=Described(f"more than {MAX_NODES:,}"),
                             expected="a team, scheme, policy or scenario file")
        if depth > MAX_DEPTH:
            raise InputError(file, "the file is nested too deeply", field=path or None,
                             found=Described(f"more than {MAX_DEPTH} levels"),
                             expected="the fields of the documented format")
        if isinstance(value, _BadDate):
            raise InputError(file, "the date does not exist", row=value.line,
                             field=path or None, found=value.text,
                             expected="a real calendar date, YYYY-MM-DD")
        if isinstance(value, dict):
            stack.extend((v, f"{path}.{k}" if path else str(k), depth + 1)
                         for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, f"{path}.{i}" if path else str(i), depth + 1)
                         for i, v in enumerate(value))
