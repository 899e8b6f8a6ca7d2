"""Published JSON Schemas: up to date with the models, and every shipped example and every
output validates against them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from allocopt.cli import app
from allocopt.io.scenario_file import read_scenario_data
from allocopt.io.schemas import NAMES, file_name, render
from allocopt.io.schemes import scheme_path, shipped_names
from allocopt.io.yamlfile import read_mapping, read_with_extends

from .conftest import EXAMPLES, ROOT

SCHEMAS = ROOT / "schemas"
runner = CliRunner()


def _json(data: Any) -> Any:
    """As a JSON reader would see it (YAML dates become ISO strings)."""
    return json.loads(json.dumps(data, default=str))


def _validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / file_name(name)).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("name", NAMES)
def test_schema_files_are_up_to_date(name: str) -> None:
    path = SCHEMAS / file_name(name)
    assert path.exists(), f"run: python -m allocopt.io.schemas schemas (missing {path.name})"
    assert path.read_text() == render(name), (
        f"{path.name} is out of date with the models: run python -m allocopt.io.schemas schemas")


def test_shipped_inputs_validate() -> None:
    team = _validator("team")
    for path in [EXAMPLES / "team.yaml", *sorted(EXAMPLES.glob("*/team.yaml"))]:
        team.validate(_json(read_mapping(path)))
    _validator("policy").validate(_json(read_mapping(EXAMPLES / "policy.yaml")))
    scheme = _validator("scheme")
    names = shipped_names()
    assert len(names) >= 10
    for name in names:
        scheme.validate(_json(read_with_extends(scheme_path(name), lambda n, f: scheme_path(n, f))))
    scenario = _validator("scenario")
    files = sorted((ROOT / "scenarios").glob("*.yaml"))
    assert len(files) >= 6
    for path in files:
        scenario.validate(_json(read_scenario_data(path)))


def test_the_schemas_catch_mistakes() -> None:
    team = _json(read_mapping(EXAMPLES / "team.yaml"))
    team["workers"][0]["role"] = "wizard"
    assert list(_validator("team").iter_errors(team))
    scenario = _json(read_scenario_data(ROOT / "scenarios" / "baseline.yaml"))
    scenario["referrals"]["rate"] = -1
    assert list(_validator("scenario").iter_errors(scenario))


def test_outputs_validate(tmp_path: Path) -> None:
    team = EXAMPLES / "team.yaml"
    for args, name in ((["score", str(team), "--format", "json"], "score"),
                       (["allocate", str(team), "--format", "json"], "allocation"),
                       (["allocate", str(team), "--solver", "greedy", "--format", "json"],
                        "allocation")):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        _validator(name).validate(json.loads(result.output))
    out = tmp_path / "sim"
    result = runner.invoke(app, ["simulate", str(ROOT / "scenarios" / "single_team.yaml"),
                                 "--runs", "2", "--weeks", "4", "--jobs", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "results.json").read_text())
    _validator("simulate").validate(data)
    # the schema is strict: an unknown field is an error, so the schema tells all
    data["surprise"] = 1
    assert list(_validator("simulate").iter_errors(data))
