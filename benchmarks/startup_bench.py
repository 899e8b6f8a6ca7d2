"""How fast the `allocopt` command starts and finishes, against `python -c pass`.

Run from the repository root::

    python benchmarks/startup_bench.py            # best of 7 runs of each command
    python benchmarks/startup_bench.py --runs 15

Each command runs as a user runs it, a fresh process through the installed
`allocopt` script, on the shipped example team; output goes to /dev/null. Printed per
command: the best and median wall time, the same less the best `python -c pass`
(Python's own start), the target, and the heavy libraries the command imported
(found by running it once more with an exit hook that lists them). Each command
imports what it needs when it needs it: the optimiser (OR-Tools, and pandas with it)
only for the commands that decide a meeting, plots (matplotlib) only when writing
them, and so on.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEAM = str(ROOT / "scenarios" / "examples" / "team.yaml")
SCRIPT = str(Path(sys.executable).parent / "allocopt")
HEAVY = ("ortools", "pandas", "matplotlib", "scipy", "numpy", "simpy", "sqlalchemy",
         "starlette", "jinja2", "openpyxl", "dask", "distributed", "alembic", "uvicorn")
COMMANDS: list[tuple[str, list[str], float | None]] = [
    ("allocopt --help", ["--help"], None),
    ("allocopt score", ["score", TEAM], 0.4),
    ("allocopt explain", ["explain", TEAM, "W02"], 0.4),
    ("allocopt schemes", ["schemes"], None),
    ("allocopt allocate", ["allocate", TEAM], 0.8),
    ("allocopt recommend", ["recommend", TEAM, "R0001"], None),
]
HOOK = """
import atexit, sys
HEAVY = {heavy!r}
atexit.register(lambda: sys.stderr.write(
    "HEAVY " + ",".join(sorted({{m.split(".")[0] for m in sys.modules}} & set(HEAVY))) + "\\n"))
from allocopt.cli import main
sys.argv = ["allocopt", *sys.argv[1:]]
main()
"""


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   env={**os.environ, "COLUMNS": "120"})
    return time.perf_counter() - start


def heavy_imports(args: list[str]) -> str:
    done = subprocess.run([sys.executable, "-c", HOOK.format(heavy=HEAVY), *args],
                          capture_output=True, text=True, check=True)
    line = next((x for x in done.stderr.splitlines() if x.startswith("HEAVY ")), "HEAVY ")
    return line[6:] or "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(f"allocopt start-up; {os.cpu_count()} cores; python {sys.version.split()[0]}; "
          f"load average at start {os.getloadavg()[0]:.2f}")
    timed([SCRIPT, "--help"])  # warm the file cache
    base = [timed([sys.executable, "-c", "pass"]) for _ in range(args.runs)]
    floor = min(base)
    print(f"\n{'command':<22} {'best s':>7} {'median s':>9} {'best - python':>14} "
          f"{'target':>7}  heavy libraries imported")
    print(f"{'python -c pass':<22} {floor:>7.3f} {statistics.median(base):>9.3f} "
          f"{0.0:>14.3f} {'':>7}")
    for name, argv, target in COMMANDS:
        times = [timed([SCRIPT, *argv]) for _ in range(args.runs)]
        best = min(times)
        mark = "" if target is None else (f"< {target:g}" + (" ok" if best < target else " NOT"))
        print(f"{name:<22} {best:>7.3f} {statistics.median(times):>9.3f} {best - floor:>14.3f} "
              f"{mark:>7}  {heavy_imports(argv)}")
    print(f"\n(load average at the end {os.getloadavg()[0]:.2f}; targets are for the whole "
          "command, Python's start included)")


if __name__ == "__main__":
    main()
