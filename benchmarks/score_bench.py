"""How long scoring a whole service takes: 250 workers and 5,000 children, and a
200,000-row caseload scored by the command itself.

The service is made up (allocopt.synthetic, fixed seed) and written to a team file
and a caseload CSV in a temporary folder, as a real service's would be. For each
scheme the script prints, separately and as the best of several runs:

- load:  reading the team file, the caseload CSV and the scheme, validating every
         row and checking the inputs (what `allocopt score` does before scoring);
- score: scoring every case, every worker and the team view (`score_team`);
- json:  writing the board as allocopt.score/1 JSON.

Then (unless --no-large) a caseload of 200,000 rows (--large-children) is scored by
`allocopt score` in a fresh process each time, as a user runs it, printing the best and
median wall time and the peak resident memory of the process (target: under 10 s and
500 MB). With --baseline SRC (the src folder of another checkout, such as the commit
before a change) the same runs are made with that code, side by side, with ratios.

Run from the repository root:

    python benchmarks/score_bench.py
    python benchmarks/score_bench.py --workers 500 --children 10000 --runs 3 --scheme swindon
    python benchmarks/score_bench.py --no-small --baseline ../old-checkout/src
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np
import yaml

from allocopt.board import score_team
from allocopt.io.board_export import board_json
from allocopt.io.caseload_writer import write_caseload
from allocopt.io.inputs import load_inputs
from allocopt.synthetic import make_caseload, make_team, random_worker_specs

ON = date(2026, 12, 1)
SCHEMES = ("tower-hamlets", "swindon", "banes-counts", "time-based")
T = TypeVar("T")


def best_of(runs: int, work: Callable[[], T]) -> tuple[float, T]:
    """The shortest wall-clock time of `runs` calls, and the last result."""
    best = float("inf")
    result: T
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return best, result


def write_service(folder: Path, workers: int, children: int, seed: int) -> Path:
    """A made-up service as files: team.yaml naming caseload.csv."""
    rng = np.random.default_rng(seed)
    team = make_team(random_worker_specs(rng, workers), ON, team_id="service")
    caseload = make_caseload(rng, team, children, ON)
    write_caseload(caseload, folder / "caseload.csv")
    team_file = {
        "team": {"id": team.id, "name": "Made-up service", "type": team.type.value},
        "as_of": ON.isoformat(),
        "caseload": "caseload.csv",
        "workers": [w.model_dump(mode="json", exclude_defaults=True) for w in team.workers],
    }
    path = folder / "team.yaml"
    path.write_text(yaml.safe_dump(team_file, sort_keys=False), encoding="utf-8")
    return path


COMMAND = ("import sys\n"
           "try:\n    from allocopt.launch import main\n"  # the console script
           "except ImportError:\n    from allocopt.cli import main\n"  # an older baseline
           "sys.argv[0] = 'allocopt'; main()")


def command_run(src: Path | None, *args: str) -> tuple[float, float]:
    """(wall seconds, peak resident MB) of one `allocopt` command in a fresh process, with
    the code in `src` (None: the installed allocopt); its output is thrown away."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", COMMAND, *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"allocopt failed ({proc.returncode}): {err}")
    return wall, usage.ru_maxrss / 1024  # KB on Linux


def large(args: argparse.Namespace) -> None:
    """A 200,000-row caseload scored by the command, in fresh processes."""
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        # Made in a process of its own: a child process's peak memory counts its parent's
        # at the fork, and making 200,000 children takes this process to 700 MB.
        subprocess.run([sys.executable, __file__, "--make", tmp, "--large-workers",
                        str(args.large_workers), "--large-children", str(args.large_children),
                        "--seed", str(args.seed)], check=True)
        team_path = Path(tmp) / "team.yaml"
        rows = sum(1 for _ in (Path(tmp) / "caseload.csv").open(encoding="utf-8")) - 1
        print(f"\nlarge caseload: {rows:,} rows, {args.large_workers} workers (made in "
              f"{time.perf_counter() - began:.0f} s); `allocopt score`, {args.large_runs} "
              "runs each in a fresh process")
        print(f"{'code':<10}{'format':<8}{'best s':>9}{'median s':>10}{'peak MB':>9}")
        found: dict[tuple[str, str], tuple[float, float]] = {}
        codes: list[tuple[str, Path | None]] = [("this", None)]
        if args.baseline is not None:
            codes.insert(0, ("baseline", args.baseline))
        for fmt in ("table", "json"):
            for label, src in codes:
                runs = [command_run(src, "score", str(team_path), "--format", fmt)
                        for _ in range(args.large_runs)]
                walls = [w for w, _ in runs]
                peak = max(m for _, m in runs)
                found[(label, fmt)] = (min(walls), peak)
                print(f"{label:<10}{fmt:<8}{min(walls):>9.2f}{statistics.median(walls):>10.2f}"
                      f"{peak:>9.0f}")
            if args.baseline is not None:
                (b_wall, b_mem), (t_wall, t_mem) = found[("baseline", fmt)], found[("this", fmt)]
                print(f"{'ratio':<10}{fmt:<8}{b_wall / t_wall:>8.1f}x{'':>10}"
                      f"{b_mem / t_mem:>8.1f}x  (baseline / this: time, memory)")
        print(f"load average at the end: {os.getloadavg()[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=250)
    parser.add_argument("--children", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=7, help="best of this many runs")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--scheme", action="append", help="scheme(s) to time (default: four)")
    parser.add_argument("--no-small", action="store_true", help="only the large caseload")
    parser.add_argument("--no-large", action="store_true", help="only the small service")
    parser.add_argument("--large-children", type=int, default=200_000)
    parser.add_argument("--large-workers", type=int, default=250)
    parser.add_argument("--large-runs", type=int, default=3)
    parser.add_argument("--baseline", type=Path, default=None,
                        help="src folder of another checkout to compare with")
    parser.add_argument("--make", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make is not None:  # the large service's files, for large()
        write_service(args.make, args.large_workers, args.large_children, args.seed)
        return
    if not args.no_small:
        small(args)
    if not args.no_large:
        large(args)


def small(args: argparse.Namespace) -> None:
    """The in-process figures for a service of --workers and --children."""
    with tempfile.TemporaryDirectory() as tmp:
        team_path = write_service(Path(tmp), args.workers, args.children, args.seed)
        print(f"service: {args.workers} workers, {args.children} children wanted "
              f"(seed {args.seed}); best of {args.runs} runs")
        print(f"{'scheme':<16}{'households':>11}{'children':>10}{'held':>7}"
              f"{'load s':>9}{'score s':>9}{'json s':>9}")
        for name in args.scheme or SCHEMES:
            load_s, inputs = best_of(args.runs, partial(load_inputs, team_path, name))
            caseload = inputs.caseload.caseload
            score_s, board = best_of(args.runs, partial(
                score_team, inputs.scheme, inputs.team.team, caseload, inputs.on))
            json_s, _ = best_of(args.runs, partial(board_json, board))
            children = sum(len(h.children) for h in caseload.households)
            held = sum(len(c.child_ids) for row in board.workers for c in row.cases)
            print(f"{name:<16}{len(caseload.households):>11}{children:>10}{held:>7}"
                  f"{load_s:>9.3f}{score_s:>9.3f}{json_s:>9.3f}")


if __name__ == "__main__":
    main()
