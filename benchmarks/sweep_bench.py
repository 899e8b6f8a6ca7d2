"""How fast does a sweep run on one and on two local processes? Prints figures; asserts nothing.

    /work/venv/bin/python benchmarks/sweep_bench.py [--runs 50] [--quick]

A 5-point sweep (benchmarks.experienced = 40, 45, 50, 55, 60) of the service
scenario, 50 replications per point (250 replications of 104 weeks), greedy
policy, seed 1: wall time with 1 and with 2 local processes (worker start-up
included), the speed-up ratio, and a check that both gave the same results.
The service is the one in benchmarks/simulate_bench.py: the baseline grown to
25 teams of 10 posts (250) with about 80 households referred a week.

It also prints what one replication sends back to the parent process: the
summary-only result a study uses against the full record of every worker-week.

``--quick`` is a smoke run: the single-team scenario, 13 weeks, 3 replications.
"""

from __future__ import annotations

import argparse
import os
import pickle
import platform
import sys
import time

from allocopt.io.scenario_file import load_scenario
from allocopt.io.simulation_export import table_csv
from allocopt.io.whatif_export import sweep_tables
from allocopt.simulation.runner import run_replication
from allocopt.simulation.scenario import Scenario
from allocopt.whatif.parallel import TaskPool, available_cores
from allocopt.whatif.runs import brief
from allocopt.whatif.sweep import Sweep, parse_parameter, sweep

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVICE = ["workforce.teams.0.count=25", "referrals.rate=80"]
SETTING = "benchmarks.experienced=40:60:5"


def scenario(quick: bool) -> Scenario:
    if quick:
        return load_scenario(os.path.join(ROOT, "scenarios", "single_team.yaml")).with_overrides(
            {"weeks": 13})
    return load_scenario(os.path.join(ROOT, "scenarios", "baseline.yaml")).with_overrides(SERVICE)


def timed_sweep(model: Scenario, runs: int, jobs: int) -> tuple[float, Sweep]:
    start = time.perf_counter()
    with TaskPool(jobs) as pool:
        result = sweep(model, [parse_parameter(SETTING)], runs, seed=1, pool=pool)
    return time.perf_counter() - start, result


def fingerprint(result: Sweep) -> dict[str, str]:
    return {name: table_csv(t) for name, t in sweep_tables(result).items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="replications per point")
    parser.add_argument("--quick", action="store_true", help="a smoke run on one small team")
    args = parser.parse_args()
    runs = 3 if args.quick else args.runs
    model = scenario(args.quick)
    points = len(parse_parameter(SETTING).values)
    posts = sum(t.posts * t.count for t in model.workforce.teams)
    print(f"sweep_bench: {model.name} ({posts} posts, {model.referrals.rate:g} households a "
          f"week, {model.weeks} weeks), {SETTING}: {points} points x {runs} replications = "
          f"{points * runs} replications, greedy policy, seed 1")
    print(f"  machine: {platform.python_implementation()} {platform.python_version()} on "
          f"{platform.machine()}, {available_cores()} cores available")

    full = run_replication(model, 1, 0)
    full_bytes = len(pickle.dumps(full))
    summary_bytes = len(pickle.dumps(brief(full, ("load_pct",))))
    print(f"  sent back per replication: {summary_bytes / 1024:,.1f} KiB (summary and weekly "
          f"load %) instead of {full_bytes / 1024:,.1f} KiB (every record), "
          f"{full_bytes / summary_bytes:,.0f}x less")
    sys.stdout.flush()

    one, result_one = timed_sweep(model, runs, 1)
    print(f"  1 process:   {one:8.1f} s wall  ({one / (points * runs):.3f} s per replication)")
    sys.stdout.flush()
    two, result_two = timed_sweep(model, runs, 2)
    print(f"  2 processes: {two:8.1f} s wall  ({two / (points * runs):.3f} s per replication)")
    print(f"  speed-up 1 -> 2 processes: {one / two:.2f}x  (parallel efficiency "
          f"{one / two / 2:.0%})")
    same = fingerprint(result_one) == fingerprint(result_two)
    print(f"  results identical on 1 and 2 processes: {'yes' if same else 'NO'}")
    lows = [p.spread("load_pct_mean").p50 for p in result_one.points]
    print("  median service load % by benchmark: " + ", ".join(
        f"{p.values[0]}: {v:.1f}%" for p, v in zip(result_one.points, lows, strict=True)))


if __name__ == "__main__":
    main()
