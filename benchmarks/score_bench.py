"""How long scoring a whole service takes: 250 workers and 5,000 children.

The service is made up (allocopt.synthetic, fixed seed) and written to a team file
and a caseload CSV in a temporary folder, as a real service's would be. For each
scheme the script prints, separately and as the best of several runs:

- load:  reading the team file, the caseload CSV and the scheme, validating every
         row and checking the inputs (what `allocopt score` does before scoring);
- score: scoring every case, every worker and the team view (`score_team`);
- json:  writing the board as allocopt.score/1 JSON.

Run from the repository root:

    python benchmarks/score_bench.py
    python benchmarks/score_bench.py --workers 500 --children 10000 --runs 3 --scheme swindon
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=250)
    parser.add_argument("--children", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=7, help="best of this many runs")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--scheme", action="append", help="scheme(s) to time (default: four)")
    args = parser.parse_args()

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
