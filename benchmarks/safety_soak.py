"""Safety soak: thousands of random meetings through every engine and the validator.

Usage: python benchmarks/safety_soak.py [--meetings 10000] [--seed 1] [--jobs 2]

Each meeting is drawn by allocopt.synthetic_meetings (students, family support
practitioners, leaving-care advisers, NQSWs at every month, part time, leave and
leaving dates, workers in amber and red, sibling groups with mixed statuses, S47
enquiries, court proceedings, heavy CP work, co-working, pins (some impossible),
exclusions, a court households limit, team eligibility, rules switched off) and
put to every engine of allocopt.allocation.engines on its own (greedy, the
packing, balancing and local-search starts, the search without a model, the
optimiser, the CP-SAT model alone, and the optimiser's answer after the gate).
The independent validator judges every answer. Prints the breaches per rule and
engine (all must be 0), what each engine decided, and the time.

Meeting i of seed s is drawn from its own stream, so the figures do not depend on
--jobs. Timings vary with the machine's load (printed with them).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

from allocopt.allocation.engines import ENGINE_NAMES, engine_runs
from allocopt.allocation.rules import HARD_RULES
from allocopt.io.schemes import load_scheme
from allocopt.synthetic_meetings import SeededDraws, random_meeting

Tally = dict[str, Counter[str]]


def soak(seed: int, first: int, count: int, time_limit: float) -> tuple[Tally, list[str]]:
    """Meetings `first` .. `first + count - 1`: per engine, counts of breaches by rule,
    of answers by status, households placed, solver runs and seconds (x1000); and a
    line for every breach found."""
    scheme = load_scheme("tower-hamlets")
    tally: Tally = {name: Counter() for name in ENGINE_NAMES}
    found: list[str] = []
    for i in range(first, first + count):
        draws = SeededDraws(random.Random(f"soak {seed} {i}"))
        problem = random_meeting(draws, scheme)
        for run in engine_runs(problem, time_limit):
            t = tally[run.engine]
            t["meetings"] += 1
            t[f"status {run.status.split(':')[0]}"] += 1
            t["placed"] += run.placed
            t["solves"] += run.solves
            t["ms"] += round(run.seconds * 1000)
            for b in run.breaches:
                t[f"breach {b.rule}"] += 1
                found.append(f"meeting {i}, {run.engine}: {b.rule}: {b.reason}")
    return tally, found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--meetings", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--time-limit", type=float, default=5.0,
                        help="seconds per optimiser call (default 5)")
    args = parser.parse_args()
    load_before = os.getloadavg()
    started = time.perf_counter()
    chunk = max(1, min(250, args.meetings // (4 * args.jobs) or 1))
    parts = [(args.seed, first, min(chunk, args.meetings - first), args.time_limit)
             for first in range(0, args.meetings, chunk)]
    tally: Tally = {name: Counter() for name in ENGINE_NAMES}
    found: list[str] = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for part_tally, part_found in pool.map(soak, *zip(*parts, strict=True)):
            for name, counts in part_tally.items():
                tally[name].update(counts)
            found += part_found
    elapsed = time.perf_counter() - started
    load_after = os.getloadavg()

    rules = [r.name for r in HARD_RULES] + ["shape"]
    extra = sorted({key[len("breach "):] for t in tally.values() for key in t
                    if key.startswith("breach ") and key[len("breach "):] not in rules})
    rules += extra
    width = max(len(n) for n in ENGINE_NAMES)
    print(f"safety soak: {args.meetings:,} meetings, seed {args.seed}, {args.jobs} processes, "
          f"{elapsed:,.1f} s ({elapsed / args.meetings * 1000:.1f} ms per meeting, all engines)")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
          f"({os.cpu_count()} cores)")
    print()
    print("breaches found by the validator, by rule (columns) and engine (rows); all must be 0")
    col = max(len(r) for r in rules)
    print(f"{'engine':<{width}}  " + " ".join(f"{r:>{col}}" for r in rules) + f" {'total':>7}")
    total = 0
    for name in ENGINE_NAMES:
        t = tally[name]
        row = [t[f"breach {r}"] for r in rules]
        total += sum(row)
        print(f"{name:<{width}}  " + " ".join(f"{n:>{col}}" for n in row) + f" {sum(row):>7}")
    print()
    print("what each engine decided")
    print(f"{'engine':<{width}}  {'meetings':>9} {'decided':>9} {'infeasible':>10} "
          f"{'declined':>9} {'placed':>9} {'solves':>9} {'ms/meeting':>10}")
    for name in ENGINE_NAMES:
        t = tally[name]
        decided = t["status optimal"] + t["status feasible"]
        print(f"{name:<{width}}  {t['meetings']:>9,} {decided:>9,} "
              f"{t['status infeasible']:>10,} {t['status declined']:>9,} {t['placed']:>9,} "
              f"{t['solves']:>9,} {t['ms'] / max(t['meetings'], 1):>10.2f}")
    gate = tally["gate"]
    print()
    print(f"gate failures (could not repair): {gate['status gate failure']}")
    for line in found[:20]:
        print("  " + line)
    if len(found) > 20:
        print(f"  ... and {len(found) - 20} more")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
