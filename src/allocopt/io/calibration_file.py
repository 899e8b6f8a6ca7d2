"""Write a calibration as a scenario file that extends the baseline, comment by comment.

Each figure the council's records replace is written with a comment above it: the
list or table it comes from, the number of records and its 95 % interval. Figures the
records could not support keep the baseline's national value, and the file's head
says which and why. The file is checked by loading it as a scenario before it
replaces anything (written to a temporary file, then renamed).
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Any

import yaml

from allocopt.calibration.estimate import Calibration
from allocopt.io.atomic import atomic_path

_WIDTH = 92


def _nest(settings: dict[str, Any]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path, value in settings.items():
        node = tree
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = ("leaf", path, value)
    return tree


def _flow(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=10_000)
    return text.strip().removesuffix("...").strip()


def _comment(text: str, indent: str) -> list[str]:
    return [indent + "# " + line for line in textwrap.wrap(text, _WIDTH - len(indent) - 2)]


def _emit(tree: dict[str, Any], cal: Calibration, depth: int) -> list[str]:
    lines: list[str] = []
    indent = "  " * depth
    for key, node in tree.items():
        if isinstance(node, tuple) and node and node[0] == "leaf":
            _, path, value = node
            if path in cal.comments:
                lines += _comment(cal.comments[path], indent)
            lines.append(f"{indent}{key}: {_flow(value)}")
        else:
            lines.append(f"{indent}{key}:")
            lines += _emit(node, cal, depth + 1)
    return lines


def scenario_text(cal: Calibration, extends: str, name: str) -> str:
    """The calibrated scenario as YAML text with a comment on every figure."""
    head = [f"Calibrated by allocopt from the {cal.kind} {Path(cal.source).name}: records "
            f"from {cal.since} to {cal.on}. Each figure below replaces the national one in "
            f"{Path(extends).name}; its comment gives the source, the number of records and "
            "the 95 % interval. Re-run `allocopt calibrate` rather than editing by hand."]
    kept = cal.fallbacks
    if kept:
        head.append("National figures kept (too few records, or not in this extract): "
                    + "; ".join(f"{e.label}: {e.note}" for e in kept))
    lines: list[str] = []
    for paragraph in head:
        lines += _comment(paragraph, "")
        lines.append("#")
    lines.pop()
    lines.append(f"extends: {_flow(extends)}")
    lines.append(f"name: {_flow(name)}")
    lines.append("description: " + _flow(f"{cal.kind} calibration at {cal.on}"))
    lines.append(f"start: {cal.on.isoformat()}")
    lines += _emit(_nest(cal.settings), cal, 0)
    return "\n".join(lines) + "\n"


def extends_reference(base: Path, out: Path) -> str:
    """How the file written at `out` names `base`: a path relative to it, or, for the
    baseline shipped with allocopt, its name (a path into the installation would break
    when the file is shared or allocopt reinstalled) unless a different baseline.yaml
    sits beside `out` and would be read instead."""
    from allocopt.io.scenario_file import scenario_path, shipped_scenario

    shipped = shipped_scenario(base.stem)
    if shipped is not None and base.resolve() == shipped.resolve():
        beside = scenario_path(base.stem, out.resolve().parent)
        if beside.read_bytes() == shipped.read_bytes():
            return base.stem
    return os.path.relpath(base.resolve(), out.resolve().parent)


def write_calibrated_scenario(cal: Calibration, out: Path, base: Path, name: str) -> Path:
    """Write the scenario to `out` (extending `base`, by a path relative to `out`), checked."""
    from allocopt.io.scenario_file import load_scenario

    text = scenario_text(cal, extends_reference(base, out), name)
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
        load_scenario(tmp)  # the file must read back as a valid scenario
    return out
