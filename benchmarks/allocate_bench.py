"""Allocation benchmark: CP-SAT, the greedy rule and the naive pair model, side by side.

Run from the repository root::

    python benchmarks/allocate_bench.py            # full run (about 15 minutes on 2 cores)
    python benchmarks/allocate_bench.py --quick    # team and service sizes, short limits

Seeded synthetic instances (allocopt.synthetic: a team with a realistic mix of
experience and roles, its current caseload, and a waiting list), at three sizes
(team 12 x 30, service 200 x 1,000, region 1,000 x 5,000 workers x households)
and two regimes: demand that fits (the team ends near 90 % of benchmark) and
overload (current load near 80 %, waiting demand about three times the room left
under 100 %). Every method runs in this one process on the same instance.

Printed per method: model build and solve time apart; the max load % among
workers available for new work; workers in amber and red after the meeting;
households and weighted priority placed; the gap of the max load % to the fluid
lower bound (total load after the allocation / total capacity of available
workers) and of the priority to the LP bound (tier by tier, see
allocation/cpsat/bounds/priority_lp.py); peak resident memory of the process while the
method ran; and the lexicographic comparison with greedy. Then the whole
`allocopt allocate` command is timed on the shipped example team and on the
12 x 30 team written to files.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import yaml
from naive_pairs import naive_allocate  # the comparator beside this script

from allocopt.allocation.cpsat import CpSatAllocator
from allocopt.allocation.cpsat.bounds.priority_lp import priority_bound
from allocopt.allocation.exact import ExactProblem, exact_problem
from allocopt.allocation.greedy import GreedyAllocator
from allocopt.allocation.objective import (
    Objective,
    evaluate,
    pool_max_load,
    priority_value,
    tier_sizes,
    worker_totals,
)
from allocopt.allocation.problem import AllocationProblem, Assignment, Policy, build_problem
from allocopt.allocation.types import load_types
from allocopt.allocation.validate import validate_exact
from allocopt.capacity import load_pct, rag_band
from allocopt.domain import Caseload
from allocopt.io.caseload_writer import write_caseload
from allocopt.io.schemes import load_scheme
from allocopt.synthetic import make_caseload, make_team, make_waiting, random_worker_specs

ON = date(2026, 12, 1)
SIZES = {"team": (12, 30), "service": (200, 1000), "region": (1000, 5000)}
REGIMES = {"fits": 0.90, "overload": 1.40}
"""Team load % after placing the whole waiting list, as a share of benchmark."""
LIMITS = {"team": 10.0, "service": 10.0, "region": 60.0}
"""CP-SAT and naive time limits (seconds) per size."""
ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------ instances


@dataclass
class Instance:
    name: str
    problem: AllocationProblem
    team: object
    caseload: Caseload
    waiting: tuple[object, ...]


def make_instance(size: str, regime: str, seed: int = 2026) -> Instance:
    """A seeded team, caseload and waiting list whose loads match the regime."""
    n_workers, n_households = SIZES[size]
    scheme = load_scheme("tower-hamlets")
    rng = np.random.default_rng(seed)
    team = make_team(random_worker_specs(rng, n_workers), ON, team_id=f"{size}-{regime}")
    waiting = make_waiting(rng, n_households, ON)
    # Scale the current caseload so that current load + waiting demand hits the target.
    trial = build_problem(scheme, Policy(), team, make_caseload(
        np.random.default_rng(seed + 1), team, n_workers * 10, ON), waiting, ON)
    capacity = sum(w.benchmark for w in trial.workers)
    per_child = sum(w.load for w in trial.workers) / (n_workers * 10)
    demand = sum(h.points for h in trial.households)
    children = max(int((REGIMES[regime] * capacity - demand) / per_child), 0)
    caseload = make_caseload(np.random.default_rng(seed + 1), team, children, ON)
    problem = build_problem(scheme, Policy(), team, caseload, waiting, ON)
    return Instance(f"{size} {n_workers}x{n_households} {regime}", problem, team, caseload,
                    waiting)


# --------------------------------------------------------------- measurement


class PeakMemory:
    """Peak resident memory of this process while a block runs (sampled every 10 ms)."""

    def __enter__(self) -> PeakMemory:
        self.peak = _rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, _rss())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@dataclass
class Row:
    method: str
    build: float
    solve: float
    objective: Objective
    pool_max: float
    fluid: float
    amber: int
    red: int
    placed: int
    priority: int
    peak_mb: float
    extra_mb: float
    status: str
    breaches: int
    max_bound: float | None


Run = Callable[[], tuple[tuple[Assignment, ...], float, float, str, float | None]]


def measure(ex: ExactProblem, method: str, run: Run) -> Row:
    gc.collect()
    with PeakMemory() as mem:
        before = mem.peak
        assignments, build, solve, status, max_bound = run()
    objective = evaluate(ex, assignments)
    totals = worker_totals(ex, assignments)
    scheme = ex.problem.scheme
    amber = red = 0
    for w in range(len(ex.workers)):
        pct = load_pct(ex.to_scheme(ex.load[w] + totals.added[w]),
                       ex.to_scheme(ex.benchmark[w]))
        band = rag_band(scheme, pct).name
        amber += band == "amber"
        red += band == "red"
    pool = ex.pool
    fluid = 100 * sum(ex.load[w] + totals.added[w] for w in pool) / sum(
        ex.benchmark[w] for w in pool)
    return Row(method, build, solve, objective, pool_max_load(ex, totals.added) / 100, fluid,
               amber, red, sum(objective.placed), priority_value(ex, objective.placed),
               mem.peak / 2**20, (mem.peak - before) / 2**20, status,
               len(validate_exact(ex, assignments)), max_bound)


def run_methods(inst: Instance, limit: float, naive: bool) -> list[Row]:
    p = inst.problem.__class__(inst.problem.scheme,
                               inst.problem.policy.model_copy(update={"time_limit_s": limit}),
                               inst.problem.on, inst.problem.workers, inst.problem.households,
                               inst.problem.team_type)
    ex = exact_problem(p)
    rows = []

    def greedy() -> tuple[tuple[Assignment, ...], float, float, str, float | None]:
        r = GreedyAllocator().allocate(p)
        return r.assignments, 0.0, r.solve_seconds, r.status, None

    def cpsat() -> tuple[tuple[Assignment, ...], float, float, str, float | None]:
        start = time.perf_counter()
        r = CpSatAllocator().allocate(p)
        total = time.perf_counter() - start
        # bound tuple: placed per tier..., waited, amber, max load %, spread, preference
        return (r.assignments, r.build_seconds, total - r.build_seconds, _stages(r.notes),
                r.bound[-3])

    def pairs() -> tuple[tuple[Assignment, ...], float, float, str, float | None]:
        r = naive_allocate(ex, limit, workers=2)
        return (r.assignments, r.build_seconds, r.solve_seconds,
                "/".join(o[:4] for o in r.outcomes) or "none", None)

    rows.append(measure(ex, "greedy", greedy))
    rows.append(measure(ex, "cp-sat", cpsat))
    if naive:
        rows.append(measure(ex, "naive pairs", pairs))
    return rows


def _stages(notes: tuple[str, ...]) -> str:
    short = {"proven": "P", "skipped": "S", "time": "T"}
    out = []
    for note in notes:
        outcome = note.split(": ", 1)[1] if ": " in note else note
        out.append(short.get(outcome.split(" ")[0].rstrip(",:"), "?"))
    return "".join(out)


# ------------------------------------------------------------------- report


def report(inst: Instance, rows: list[Row]) -> None:
    ex = exact_problem(inst.problem)
    lp = priority_bound(ex, load_types(ex), None)
    greedy = next(r for r in rows if r.method == "greedy")
    print(f"\n== {inst.name}: {len(ex.workers)} workers, {len(ex.households)} households, "
          f"{len(load_types(ex))} load types; LP bound on households placed "
          f"{sum(math.floor(t + 1e-6) for t in lp.tiers)}")
    head = (f"{'method':<12} {'build s':>8} {'solve s':>8} {'max %':>7} {'fluid %':>8} "
            f"{'gap pts':>8} {'amber':>6} {'red':>4} {'placed':>7} {'prio gap %':>10} "
            f"{'peak MB':>8} {'+MB':>6} {'vs greedy':>10} {'stages':>8}")
    print(head)
    print("-" * len(head))
    for r in rows:
        gap = (lp.weighted - r.priority) / lp.weighted * 100 if lp.weighted else 0.0
        key, gkey = r.objective.key(), greedy.objective.key()
        versus = "same" if key == gkey else ("better" if key < gkey else "WORSE")
        print(f"{r.method:<12} {r.build:>8.2f} {r.solve:>8.2f} {r.pool_max:>7.2f} "
              f"{r.fluid:>8.2f} {r.pool_max - r.fluid:>8.2f} {r.amber:>6} {r.red:>4} "
              f"{r.placed:>7} {gap:>10.4f} {r.peak_mb:>8.0f} {r.extra_mb:>6.0f} {versus:>10} "
              f"{r.status:>8}"
              + (f"  BREACHES {r.breaches}" if r.breaches else ""))
    present = [t for t, n in enumerate(tier_sizes(ex)) if n]
    names = [*inst.problem.policy.tiers, "other"]
    for r in rows:
        o = r.objective
        short = next(((names[t], o.placed[t], math.floor(b + 1e-6))
                      for t, b in zip(present, lp.tiers, strict=False)
                      if o.placed[t] < math.floor(b + 1e-6)), None)
        first = (f"first tier below the LP: {short[0]} {short[1]} of {short[2]}"
                 if short else "every tier at its LP bound")
        proven = (f", proven lower bound on it {r.max_bound:.2f}%"
                  if r.max_bound is not None else "")
        print(f"  {r.method:<11} placed by tier {list(o.placed)}; {first}; waited {o.waited} "
              f"days; into amber {o.amber}; max load of those given work "
              f"{o.max_load / 100:.2f}%{proven}; spread {o.spread / 100:.2f}; "
              f"preference {o.preference}")


def time_cli(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "allocopt"), *args], check=True,
                   capture_output=True)
    return time.perf_counter() - start


def write_team_files(inst: Instance, folder: Path) -> Path:
    """The instance as a team file, caseload and waiting list, for timing the CLI."""
    team = inst.team
    workers = [w.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
               for w in team.workers]  # type: ignore[attr-defined]
    data = {"team": {"id": team.id, "type": team.type.value},  # type: ignore[attr-defined]
            "scheme": "tower-hamlets", "as_of": ON.isoformat(), "caseload": "caseload.csv",
            "waiting": "waiting.csv", "workers": workers}
    (folder / "team.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    write_caseload(inst.caseload, folder / "caseload.csv")
    write_caseload(Caseload(households=inst.waiting), folder / "waiting.csv")  # type: ignore[arg-type]
    return folder / "team.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="team and service, 3 s limits")
    parser.add_argument("--sizes", nargs="*", default=None, help="team service region")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive pair model")
    args = parser.parse_args()
    sizes = args.sizes or (["team", "service"] if args.quick else list(SIZES))
    print(f"allocopt allocation benchmark; {os.cpu_count()} cores; python "
          f"{sys.version.split()[0]}; load average at start {os.getloadavg()[0]:.2f}")
    for size in sizes:
        for regime in REGIMES:
            inst = make_instance(size, regime)
            limit = 3.0 if args.quick else LIMITS[size]
            rows = run_methods(inst, limit, naive=not args.no_naive)
            report(inst, rows)
    print("\n== whole `allocopt allocate` command (JSON to stdout), best of 3")
    team_file = ROOT / "scenarios" / "examples" / "team.yaml"
    seconds = min(time_cli(["allocate", str(team_file), "--format", "json"]) for _ in range(3))
    print(f"  example team (10 workers, 12 households): {seconds:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        for regime in REGIMES:
            path = write_team_files(make_instance("team", regime), Path(tmp))
            seconds = min(time_cli(["allocate", str(path), "--format", "json"]) for _ in range(3))
            print(f"  team 12x30 {regime}: {seconds:.2f} s")


if __name__ == "__main__":
    main()
