"""Read YAML or JSON data files, with `extends:` inheritance and clear errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from allocopt.errors import InputError

Resolver = Callable[[str, Path], Path]


def read_mapping(path: Path) -> dict[str, Any]:
    """Parse a YAML or JSON file that must hold a mapping at the top level."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except UnicodeDecodeError as e:
        found = f"byte 0x{e.object[e.start]:02x} at position {e.start}"
        raise InputError(path, "the file is not UTF-8 text", found=found,
                         expected="a UTF-8 encoded file") from None
    except IsADirectoryError:
        raise InputError(path, "is a folder, not a file") from None
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            data = yaml.safe_load(text)
    except json.JSONDecodeError as e:
        raise InputError(path, f"not valid JSON ({e.msg})", row=e.lineno) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or "not valid YAML"
        raise InputError(path, f"not valid YAML ({problem})",
                         row=mark.line + 1 if mark is not None else None) from None
    if data is None:
        raise InputError(path, "the file is empty", expected="a mapping of fields")
    if not isinstance(data, dict):
        raise InputError(path, "the top level is not a mapping", found=type(data).__name__,
                         expected="field: value pairs")
    return data


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge `override` onto `base`: mappings merge, anything else replaces, null deletes."""
    out = dict(base)
    for key, value in override.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def read_with_extends(path: Path, resolve: Resolver, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read `path`; if it says `extends: NAME`, merge it over the file NAME resolves to."""
    path = path.resolve()
    if path in _seen:
        chain = " -> ".join(p.name for p in (*_seen, path))
        raise InputError(path, "files extend each other in a loop", found=chain)
    data = read_mapping(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise InputError(path, "invalid value", field="extends", found=parent,
                         expected="the name or path of another file")
    try:
        parent_path = resolve(parent, path.parent)
    except InputError as e:
        # Name the file that says `extends:`, not only the name it could not find.
        raise InputError(path, e.problem, field="extends", found=parent,
                         expected=e.expected) from None
    return merge(read_with_extends(parent_path, resolve, (*_seen, path)), data)
