"""Scenario files (YAML or JSON): `extends:` inheritance, the scheme, clear errors.

A what-if is a few lines over another scenario::

    extends: baseline            # baseline.yaml beside this file, else the shipped one
    name: staffing-cut
    workforce:
      cuts: [{on: 2027-04-01, posts: 3}]

Mappings merge field by field; lists and values replace; ``null`` removes a
field (back to its default). ``scheme:`` names a shipped scheme or a scheme file
relative to the scenario; the loaded scheme travels inside the scenario, so a
replication needs no file access (it can run on another machine).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from allocopt.errors import InputError, from_validation
from allocopt.io.schemes import DEFAULT_SCHEME, load_scheme
from allocopt.io.yamlfile import read_with_extends
from allocopt.schemes.model import Scheme
from allocopt.simulation.scenario import Scenario

SUFFIXES = (".yaml", ".yml", ".json")


def shipped_scenario(name: str) -> Path | None:
    """A scenario installed with the package, by name (``baseline``); None if there is none.

    The shipped baseline is a copy of the repository's scenarios/baseline.yaml (a test
    keeps them the same), so `calibrate` and `extends: baseline` work from any folder.
    """
    from importlib import resources

    if not name.replace("-", "_").isidentifier():
        return None
    path = Path(str(resources.files("allocopt.simulation") / "data" / f"{name}.yaml"))
    return path if path.is_file() else None


def scenario_path(name: str, folder: Path | None = None) -> Path:
    """A scenario file by path, or by name beside `folder` (``baseline`` -> baseline.yaml),
    else a shipped scenario by name."""
    candidate = Path(name)
    options = [candidate]
    if folder is not None and not candidate.is_absolute():
        options.insert(0, folder / candidate)
    for option in list(options):
        if option.suffix.lower() not in SUFFIXES:
            options.extend(option.with_name(option.name + s) for s in SUFFIXES)
    for option in options:
        if option.is_file():
            return option
    shipped = shipped_scenario(name)
    if shipped is not None:
        return shipped
    raise InputError(candidate, "scenario file not found",
                     expected="a .yaml or .json scenario file (or the name of one beside it)")


def _resolve(name: str, folder: Path) -> Path:
    return scenario_path(name, folder)


def read_scenario_data(path: Path) -> dict[str, Any]:
    """The merged mapping of a scenario file and the files it extends (not validated)."""
    return read_with_extends(scenario_path(str(path)), _resolve)


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge and validate a scenario file; errors name the file and the field."""
    file = scenario_path(str(path))
    data = read_scenario_data(file)
    data.setdefault("name", file.stem)
    data["scheme"] = _scheme(data.get("scheme", DEFAULT_SCHEME), file)
    try:
        return Scenario.model_validate(data)
    except ValidationError as e:
        raise from_validation(e, file) from None


def _scheme(value: Any, file: Path) -> Scheme:
    if isinstance(value, Scheme):
        return value
    if isinstance(value, str):
        return load_scheme(value, relative_to=file.parent)
    if isinstance(value, dict):
        try:
            return Scheme.model_validate(value)
        except ValidationError as e:
            err = from_validation(e, file)
            raise InputError(file, err.problem, field=f"scheme.{err.field}" if err.field
                             else "scheme", found=err.found, expected=err.expected) from None
    raise InputError(file, "invalid value", field="scheme", found=value,
                     expected="a shipped scheme name, a scheme file path, or a scheme mapping")
