"""The command starts at once: each imports what it needs, when it needs it.

`allocopt --help`, `score`, `explain` and `schemes` never load the optimiser
(OR-Tools, and pandas with it), plots (matplotlib), the simulator (SimPy, numpy),
statistics (scipy), the web board and record (Starlette, SQLAlchemy, Jinja2) or
workbooks (openpyxl). Each runs in a fresh process that lists, at exit, the heavy
libraries it imported. (How fast: benchmarks/startup_bench.py.)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEAM = str(ROOT / "scenarios" / "examples" / "team.yaml")
HEAVY = ("ortools", "pandas", "matplotlib", "scipy", "numpy", "simpy", "sqlalchemy",
         "starlette", "jinja2", "openpyxl", "dask", "distributed", "alembic", "uvicorn")
RUN = """
import atexit, sys
atexit.register(lambda: sys.stderr.write(
    "LOADED " + ",".join(sorted({m.split(".")[0] for m in sys.modules})) + "\\n"))
from allocopt.cli import main
sys.argv = ["allocopt", *sys.argv[1:]]
main()
"""


def loaded(*args: str) -> set[str]:
    """Top-level packages a command imported, run as a user runs it."""
    done = subprocess.run([sys.executable, "-c", RUN, *args], capture_output=True, text=True,
                          check=True, cwd=ROOT)
    line = next(x for x in done.stderr.splitlines() if x.startswith("LOADED "))
    return set(line[len("LOADED "):].split(","))


@pytest.mark.parametrize("args", [("--help",), ("score", TEAM), ("explain", TEAM, "W02")],
                         ids=["help", "score", "explain"])
def test_reading_commands_load_no_heavy_library(args: tuple[str, ...]) -> None:
    assert loaded(*args) & set(HEAVY) == set()


def test_allocate_loads_the_optimiser_and_nothing_it_does_not_need() -> None:
    found = loaded("allocate", TEAM)
    assert {"ortools", "numpy"} <= found  # the example team's meeting needs the model
    assert found & {"matplotlib", "scipy", "simpy", "sqlalchemy", "starlette", "openpyxl"} == set()


def test_importing_the_package_and_the_command_is_light() -> None:
    code = ("import sys, allocopt, allocopt.cli; "
            "print(','.join(sorted({m.split('.')[0] for m in sys.modules})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert set(done.stdout.strip().split(",")) & set(HEAVY) == set()
