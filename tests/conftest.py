"""Shared fixtures: paths to the shipped example data."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "scenarios" / "examples"


@pytest.fixture
def examples() -> Path:
    return EXAMPLES
