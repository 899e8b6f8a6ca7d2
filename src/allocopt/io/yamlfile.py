"""Read YAML or JSON data files, with `extends:` inheritance and clear errors.

Hostile or mistaken files stop with one line, never a traceback (see
:mod:`allocopt.yaml_text`): an impossible date names its field and line, and
nesting too deep or too many values (a YAML alias bomb) are refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from allocopt.errors import Described, InputError
from allocopt.yaml_text import MAX_DEPTH, check_shape, load_yaml

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
            data = load_yaml(text)
    except json.JSONDecodeError as e:
        raise InputError(path, f"not valid JSON ({e.msg})", row=e.lineno) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or "not valid YAML"
        raise InputError(path, f"not valid YAML ({problem})",
                         row=mark.line + 1 if mark is not None else None) from None
    except RecursionError:
        raise InputError(path, "the file is nested too deeply",
                         found=Described(f"more than {MAX_DEPTH} levels"),
                         expected="the fields of the documented format") from None
    check_shape(data, path)
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
    """Read `path`; if it says `extends: NAME`, merge it over the file NAME resolves to.

    Messages name each file as it was given (a loop is found by the files' full paths).
    """
    key = path.resolve()
    if key in _seen:
        chain = " -> ".join(p.name for p in (*_seen, key))
        raise InputError(path, "files extend each other in a loop", found=Described(repr(chain)))
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
    return merge(read_with_extends(parent_path, resolve, (*_seen, key)), data)
