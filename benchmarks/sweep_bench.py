"""How fast does a sweep run on one and on two local processes? Prints figures; asserts nothing.

    /work/venv/bin/python benchmarks/sweep_bench.py [--runs 50] [--jobs 1,2] [--quick]

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
import statistics
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
    parser.add_argument("--jobs", type=lambda t: [int(j) for j in t.split(",")], default=[1, 2],
                        help="local processes to time, comma-separated (default 1,2)")
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

    walls: dict[int, float] = {}
    results: dict[int, Sweep] = {}
    for jobs in args.jobs:
        before = os.getloadavg()[0]
        walls[jobs], results[jobs] = timed_sweep(model, runs, jobs)
        label = f"{jobs} process{'es' if jobs > 1 else ''}:"
        inside = statistics.fmean(r.seconds for p in results[jobs].points for r in p.runs)
        # Other work on the machine slows the runs down: the load average says how busy it
        # was, and the time a replication took inside its worker shows the slowdown.
        print(f"  {label:<13}{walls[jobs]:8.1f} s wall  "
              f"({walls[jobs] / (points * runs):.3f} s per replication; each replication "
              f"took {inside:.3f} s inside its process; load average {before:.1f} before, "
              f"{os.getloadavg()[0]:.1f} after)")
        sys.stdout.flush()
    first, *rest = args.jobs
    for jobs in rest:
        print(f"  speed-up {first} -> {jobs} processes: {walls[first] / walls[jobs]:.2f}x  "
              f"(parallel efficiency {walls[first] / walls[jobs] / (jobs / first):.0%})")
        same = fingerprint(results[first]) == fingerprint(results[jobs])
        print(f"  results identical on {first} and {jobs} processes: {'yes' if same else 'NO'}")
    result = results[first]
    medians = [p.spread("load_pct_mean").p50 for p in result.points]
    print("  median service load % by benchmark: " + ", ".join(
        f"{p.values[0]}: {v:.1f}%" for p, v in zip(result.points, medians, strict=True)))


if __name__ == "__main__":
    main()
