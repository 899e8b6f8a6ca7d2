"""Find and load weighting schemes: the shipped ones by name, or a local copy by path."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from allocopt.errors import InputError, from_validation
from allocopt.io.yamlfile import read_with_extends
from allocopt.schemes.model import Scheme

DEFAULT_SCHEME = "tower-hamlets"


def shipped_dir() -> Path:
    """The folder of scheme files installed with the package."""
    return Path(str(resources.files("allocopt.schemes") / "data"))


def shipped_names() -> list[str]:
    """Names of the shipped schemes, sorted."""
    return sorted(p.stem for p in shipped_dir().glob("*.yaml"))


def scheme_path(name_or_path: str, relative_to: Path | None = None) -> Path:
    """A shipped scheme's file by name, or a scheme file by path."""
    candidate = Path(name_or_path)
    if relative_to is not None and not candidate.is_absolute():
        local = relative_to / candidate
        if local.is_file():
            return local
    if candidate.suffix.lower() in (".yaml", ".yml", ".json") or candidate.is_file():
        if candidate.is_file():
            return candidate
        raise InputError(candidate, "scheme file not found")
    shipped = shipped_dir() / f"{name_or_path}.yaml"
    if shipped.is_file():
        return shipped
    raise InputError(None, f"unknown scheme '{name_or_path}'",
                     expected="a scheme file path or one of " + ", ".join(shipped_names()))


def _resolve(name: str, folder: Path) -> Path:
    return scheme_path(name, folder)


def load_scheme(name_or_path: str, relative_to: Path | None = None) -> Scheme:
    """Load and validate a scheme (following `extends:`)."""
    path = scheme_path(name_or_path, relative_to)
    data = read_with_extends(path, _resolve)
    try:
        return Scheme.model_validate(data)
    except ValidationError as e:
        raise from_validation(e, path) from None
