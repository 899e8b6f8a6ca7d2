"""Published JSON Schemas of every input and output, generated from the pydantic models.

Inputs: a team file, a policy file, a scheme file and a scenario file (after
``extends:`` is followed; the scheme may be named or given in full). Outputs:
``allocopt.score/1``, ``allocopt.allocation/1`` and ``allocopt.simulate/1``.
The files in ``schemas/`` are written by ``python -m allocopt.io.schemas`` and a
test fails when they are out of date.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

BASE = "https://allocopt.example/schemas/"
"""A stable identifier for each schema (not fetched from anywhere)."""


def _inputs() -> dict[str, type[BaseModel]]:
    from allocopt.allocation.problem import Policy
    from allocopt.io.team_file import TeamFile
    from allocopt.schemes.model import Scheme
    from allocopt.simulation.scenario import Scenario

    return {"team": TeamFile, "policy": Policy, "scheme": Scheme, "scenario": Scenario}


def _outputs() -> dict[str, type[BaseModel]]:
    from allocopt.io.output_models import AllocationOutput, ScoreOutput, SimulateOutput

    return {"score": ScoreOutput, "allocation": AllocationOutput, "simulate": SimulateOutput}


def _scenario_file(schema: dict[str, Any]) -> dict[str, Any]:
    # In a file the scheme is named ("tower-hamlets", a path) or given in full.
    props = schema["properties"]
    props["scheme"] = {"anyOf": [{"type": "string"}, {"$ref": "#/$defs/Scheme"}],
                       "description": "A shipped scheme name, a scheme file (relative to the "
                                      "scenario) or the scheme itself.",
                       "default": "tower-hamlets"}
    schema["required"] = [r for r in schema.get("required", []) if r != "scheme"]
    return schema


def build(name: str) -> dict[str, Any]:
    """The JSON Schema of one input (team, policy, scheme, scenario) or output (score,
    allocation, simulate)."""
    models = {**_inputs(), **_outputs()}
    model = models[name]
    schema = model.model_json_schema(by_alias=True, mode="validation")
    if name == "scenario":
        schema = _scenario_file(schema)
    kind = "output" if name in _outputs() else "input"
    version = {"score": "allocopt.score/1", "allocation": "allocopt.allocation/1",
               "simulate": "allocopt.simulate/1"}.get(name)
    head = {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": BASE + file_name(name),
            "title": version or f"allocopt {name} file",
            "description": (schema.get("description") or "").strip()
            + f" (allocopt {kind}; generated from the pydantic models)"}
    schema.pop("title", None)
    schema.pop("description", None)
    return {**head, **schema}


def file_name(name: str) -> str:
    return f"{name}.schema.json" if name in _inputs() else f"{name}-output.schema.json"


NAMES: tuple[str, ...] = ("team", "policy", "scheme", "scenario", "score", "allocation",
                          "simulate")


def render(name: str) -> str:
    """The schema file's text (sorted keys where order carries no meaning: stable diffs)."""
    return json.dumps(build(name), indent=2, ensure_ascii=False) + "\n"


def write_all(folder: Path, write: Callable[[Path, str], None] | None = None) -> list[Path]:
    """Write every schema into `folder`; the paths written."""
    from allocopt.io.atomic import write_text

    out = []
    for name in NAMES:
        path = folder / file_name(name)
        (write or write_text)(path, render(name))
        out.append(path)
    return out


if __name__ == "__main__":  # python -m allocopt.io.schemas [FOLDER]
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("schemas")
    for p in write_all(target):
        print(f"wrote {p}")
