"""Allocation benchmark: allocopt's CP-SAT, the greedy rule and comparators, side by side.

Run from the repository root::

    python benchmarks/allocate_bench.py                  # team, service and region sizes
    python benchmarks/allocate_bench.py --quick          # team and service only
    python benchmarks/allocate_bench.py --family hard    # the hard family, 50 to 1,000 workers
    python benchmarks/allocate_bench.py --methods greedy allocopt reference naive

Instances are in ``allocation_instances.py`` (seeded; the standard sizes in two
regimes, fits and overload, and the hard family). Each method runs on the same
instance in a fresh process of its own (the instance is handed over pickled), so
time and peak memory are the method's own:

- ``greedy``: the manager's rule (``--solver greedy``);
- ``allocopt``: the optimiser (``CpSatAllocator``, the default solver);
- ``reference``: a compact reference formulation of the same meeting, written for
  this benchmark only (``reference_model.py``);
- ``naive``: one Boolean per (worker, household) pair (``naive_pairs.py``).

Printed per method: wall time of the whole call, model build time, peak resident
memory of its process (and above the process before the call), status, stages (S
skipped at a bound, P proven, T time limit, G within the gap, N not searched: a model
too large), hard-rule breaches
found by the validator (always 0), and every level of the objective with its
**gap to the bound**: households placed per tier against the LP bound (the first
tier short, and the weighted priority's gap in %), days waited, workers moved into
amber, max load % of those given work, spread (percentage points) and preference,
each against the best bound known on that level given the method's own values on
the levels before it (LP bounds of :mod:`allocopt.allocation.cpsat.bounds`, and
allocopt's own proven bounds). Then the team-wide figures the board shows: the
highest load % of any available worker, workers in amber and red, and the spread
over the whole team; and the lexicographic comparison with greedy.

The CLI's start-up and whole commands are timed by ``startup_bench.py``.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from allocation_instances import (  # noqa: E402
    HARD_SIZES,
    REGIMES,
    SIZES,
    Instance,
    instance,
)

from allocopt.allocation.exact import ExactProblem, exact_problem  # noqa: E402
from allocopt.allocation.objective import (  # noqa: E402
    Objective,
    evaluate,
    max_load,
    priority_value,
    spread,
    tier_sizes,
    worker_totals,
)
from allocopt.allocation.problem import AllocationProblem, Assignment  # noqa: E402
from allocopt.capacity import load_pct, rag_band  # noqa: E402

LIMITS = {"team": 10.0, "service": 10.0, "region": 20.0}
"""Time limit (seconds) of the whole call per size; the hard family uses 10 s up to 300
workers and 30 s at 1,000."""
METHODS = ("greedy", "allocopt", "reference")


def limit_for(size: str) -> float:
    if size in LIMITS:
        return LIMITS[size]
    return 30.0 if HARD_SIZES.get(size, 0) >= 1000 else 10.0


# ------------------------------------------------------------- one method


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def team_figures(ex: ExactProblem, added: tuple[int, ...]) -> dict[str, float]:
    """What the board shows after the meeting: the highest load % on the team, workers in
    amber and red, and the spread of load % above the team's load % (levels 3 and 4 are
    these figures)."""
    scheme = ex.problem.scheme
    amber = red = 0
    for w in range(len(ex.workers)):
        pct = load_pct(ex.to_scheme(ex.load[w] + added[w]), ex.to_scheme(ex.benchmark[w]))
        band = rag_band(scheme, pct).name
        amber += band == "amber"
        red += band == "red"
    return {"max": max_load(ex, added) / 100, "amber": amber, "red": red,
            "spread": spread(ex, added) / 100}


def run_one(path: str, method: str, limit: float) -> dict[str, Any]:
    """Run one method on a pickled problem in this (fresh) process."""
    with open(path, "rb") as f:
        problem: AllocationProblem = pickle.load(f)
    problem = AllocationProblem(problem.scheme,
                                problem.policy.model_copy(update={"time_limit_s": limit}),
                                problem.on, problem.workers, problem.households,
                                problem.team_type)
    _warm_up(problem, method)
    gc.collect()
    before = _rss_mb()
    out: dict[str, Any] = {"method": method}
    start = time.perf_counter()
    bound: tuple[float, ...] = ()
    if method == "greedy":
        from allocopt.allocation.greedy import GreedyAllocator

        r = GreedyAllocator(objective=False).allocate(problem)
        assignments, build, stages, status = r.assignments, 0.0, "", r.status
    elif method == "allocopt":
        from allocopt.allocation.cpsat import CpSatAllocator

        r = CpSatAllocator().allocate(problem)
        assignments, build, status = r.assignments, r.build_seconds, r.status
        stages = _stages(r.notes)
        bound = r.bound
        out["notes"] = list(r.notes)
    elif method == "reference":
        from reference_model import reference_allocate

        ref = reference_allocate(problem, limit)
        assignments, build, stages, status = ref.assignments, ref.build_seconds, ref.stages, \
            ref.status
    elif method == "naive":
        from naive_pairs import naive_allocate

        nv = naive_allocate(exact_problem(problem), limit, workers=2)
        assignments, build, status = nv.assignments, nv.build_seconds, "feasible"
        stages = "/".join(o[:4] for o in nv.outcomes) or "none"
    else:
        raise SystemExit(f"unknown method {method}")
    out["wall"] = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ex = exact_problem(problem)
    from allocopt.allocation.validate import validate_exact

    objective = evaluate(ex, assignments)
    totals = worker_totals(ex, assignments)
    out.update(build=build, stages=stages, status=status, peak_mb=peak,
               extra_mb=peak - before, breaches=len(validate_exact(ex, assignments)),
               objective=_obj_json(objective), bound=list(bound),
               team=team_figures(ex, totals.added),
               assignments=[[a.household_id, a.worker_id, a.role] for a in assignments])
    return out


def _warm_up(problem: AllocationProblem, method: str) -> None:
    """Load the method's libraries on a tiny meeting first (imports and OR-Tools' first
    call are start-up, timed by startup_bench.py, not the method's work)."""
    tiny = AllocationProblem(problem.scheme, problem.policy.model_copy(update={
        "exclusions": (), "pins": (), "time_limit_s": 1.0}), problem.on, problem.workers[:3],
        problem.households[:6], problem.team_type)
    if method in ("allocopt", "reference"):
        from allocopt.allocation.cpsat import CpSatAllocator
        from allocopt.allocation.cpsat.bounds.count_lp import CountLp
        from allocopt.allocation.types import load_types

        CpSatAllocator().allocate(tiny)
        ex = exact_problem(tiny)
        CountLp(ex, load_types(ex)).priority_tiers(None)
    else:
        from allocopt.allocation.greedy import GreedyAllocator

        GreedyAllocator().allocate(tiny)


def _obj_json(o: Objective) -> dict[str, Any]:
    return {"placed": list(o.placed), "waited": o.waited, "amber": o.amber,
            "max_load": o.max_load, "spread": o.spread, "preference": o.preference}


def _obj(d: dict[str, Any]) -> Objective:
    return Objective(tuple(d["placed"]), d["waited"], d["amber"], d["max_load"], d["spread"],
                     d["preference"])


def _stages(notes: tuple[str, ...]) -> str:
    short = {"proven": "P", "skipped": "S", "time": "T", "within": "G", "not": "N"}
    out = []
    for note in notes:
        outcome = note.split(": ", 1)[1] if ": " in note else note
        out.append(short.get(outcome.split(" ")[0].rstrip(",:"), "?"))
    return "".join(out)


def run_in_fresh_process(path: str, method: str, limit: float) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--one", path, method, str(limit)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"method": method, "error": done.stderr.strip().splitlines()[-1:]}
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


# ------------------------------------------------------------------ bounds


@dataclass
class Bounds:
    """The best bound known on each level, given a method's values on the levels before."""

    tiers: tuple[int, ...]
    """LP bound on households placed per tier, each with the tiers above at their bound."""
    weighted: int
    waited: int | None
    amber: int | None
    max_load: int | None
    spread: int | None
    preference: int | None


def level_bounds(ex: ExactProblem, obj: Objective, proven: tuple[float, ...]) -> Bounds:
    """Bounds on each level given `obj`'s values on the levels before it (LP bounds of
    the optimiser's bound module; `proven`: a method's own proven bounds, if any)."""
    from allocopt.allocation.cpsat.bounds.count_lp import CountLp
    from allocopt.allocation.cpsat.bounds.priority_lp import priority_bound
    from allocopt.allocation.types import load_types

    types = load_types(ex)
    lp = priority_bound(ex, types, None)
    sizes = tier_sizes(ex)
    present = [t for t, n in enumerate(sizes) if n]
    tiers = [0] * len(sizes)
    for t, value in zip(present, lp.tiers, strict=False):
        tiers[t] = min(sizes[t], math.floor(value + 1e-6))
    count = CountLp(ex, types)
    waited = count.waited_bound(obj.placed)
    amber = count.amber_bound(obj.placed, obj.waited)
    top = count.max_load_bound(obj.placed, obj.waited, obj.amber, obj.max_load)
    added = _pool_total(ex, obj)
    spread = count.spread_bound(obj.placed, obj.waited, obj.amber, obj.max_load, added)
    out = Bounds(tuple(tiers), lp.weighted, waited, amber, top, spread, None)
    if proven and obj.placed == tuple(int(p) for p in proven[:len(obj.placed)]):
        n = len(obj.placed)
        mine = [round(v * s) for v, s in zip(proven[n:], (1, 1, 100, 100, 1), strict=False)]
        out.waited = _tighter(out.waited, mine[0], maximise=True)
        out.amber = _tighter(out.amber, mine[1], maximise=False)
        out.max_load = _tighter(out.max_load, mine[2], maximise=False)
        out.spread = _tighter(out.spread, mine[3], maximise=False)
        out.preference = mine[4] if len(mine) > 4 else None
    return out


_TOTALS: dict[int, int] = {}


def _pool_total(ex: ExactProblem, obj: Objective) -> int:
    return _TOTALS.get(id(obj), 0)


def _tighter(a: int | None, b: int, maximise: bool) -> int:
    if a is None:
        return b
    return min(a, b) if maximise else max(a, b)


# ------------------------------------------------------------------ report


def _gap(value: int, bound: int | None, scale: float = 1.0, maximise: bool = False) -> str:
    if bound is None:
        return f"{value / scale:g} (-)"
    gap = (bound - value) if maximise else (value - bound)
    return f"{value / scale:g} ({gap / scale:+g})" if gap else f"{value / scale:g} (=)"


def report(inst: Instance, rows: list[dict[str, Any]]) -> None:
    ex = exact_problem(inst.problem)
    from allocopt.allocation.types import load_types

    names = [*inst.problem.policy.tiers, "other"]
    print(f"\n== {inst.name}: {len(ex.workers)} workers, {len(ex.households)} households, "
          f"{len(load_types(ex))} load types, {len(inst.problem.policy.exclusions)} exclusions")
    head = (f"{'method':<10} {'wall s':>7} {'build':>6} {'peak MB':>8} {'+MB':>6} {'status':>9} "
            f"{'stages':>8} {'placed':>7} {'first tier short of LP':>24} {'prio gap %':>10} "
            f"{'vs greedy':>9}")
    print(head)
    print("-" * len(head))
    greedy = next((r for r in rows if r.get("method") == "greedy" and "error" not in r), None)
    details = []
    for r in rows:
        if "error" in r:
            print(f"{r['method']:<10} failed: {r['error']}")
            continue
        obj = _obj(r["objective"])
        _TOTALS[id(obj)] = _pool_added(ex, r["assignments"])
        b = level_bounds(ex, obj, tuple(r.get("bound", ())))
        short = next(((names[t], obj.placed[t], b.tiers[t]) for t in range(len(obj.placed))
                      if obj.placed[t] < b.tiers[t]), None)
        first = f"{short[0]} {short[1]} of {short[2]}" if short else "none"
        prio = priority_value(ex, obj.placed)
        gap = (b.weighted - prio) / b.weighted * 100 if b.weighted else 0.0
        versus = "-"
        if greedy is not None:
            key, gkey = obj.key(), _obj(greedy["objective"]).key()
            versus = "same" if key == gkey else ("better" if key < gkey else "WORSE")
        print(f"{r['method']:<10} {r['wall']:>7.2f} {r['build']:>6.2f} {r['peak_mb']:>8.0f} "
              f"{r['extra_mb']:>6.0f} {r['status']:>9} {r['stages']:>8} {sum(obj.placed):>7} "
              f"{first:>24} {gap:>10.4f} {versus:>9}"
              + (f"  BREACHES {r['breaches']}" if r["breaches"] else ""))
        t = r["team"]
        details.append(
            f"  {r['method']:<9} gap to bound: waited {_gap(obj.waited, b.waited, maximise=True)}"
            f"; amber {_gap(obj.amber, b.amber)}; max load {_gap(obj.max_load, b.max_load, 100)}"
            f"; spread {_gap(obj.spread, b.spread, 100)}"
            f"; preference {_gap(obj.preference, b.preference, maximise=True)}"
            f" | board: max {t['max']:.2f}%, amber {t['amber']}, red {t['red']}, "
            f"team spread {t['spread']:.2f} | by tier {list(obj.placed)}")
    for line in details:
        print(line)


def _pool_added(ex: ExactProblem, assignments: list[list[str]]) -> int:
    pool = set(ex.team)
    total = 0
    for h_id, w_id, role in assignments:
        w = ex.worker_index[w_id]
        if w in pool:
            h = ex.household_index[h_id]
            total += ex.points[h] if role == "lead" else ex.secondary[h]
    return total


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        print(json.dumps(run_one(sys.argv[2], sys.argv[3], float(sys.argv[4]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--family", choices=("standard", "hard"), default="standard")
    parser.add_argument("--quick", action="store_true", help="team and service sizes only")
    parser.add_argument("--sizes", nargs="*", default=None)
    parser.add_argument("--regimes", nargs="*", default=list(REGIMES))
    parser.add_argument("--methods", nargs="*", default=list(METHODS))
    parser.add_argument("--limit", type=float, default=None, help="override the time limits")
    args = parser.parse_args()
    if args.family == "hard":
        sizes = args.sizes or list(HARD_SIZES)
        regimes: list[str | None] = [None]
    else:
        sizes = args.sizes or (["team", "service"] if args.quick else list(SIZES))
        regimes = list(args.regimes)
    print(f"allocopt allocation benchmark ({args.family}); {os.cpu_count()} cores; python "
          f"{sys.version.split()[0]}; load average at start {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            for regime in regimes:
                inst = instance(args.family, size, regime)
                path = str(Path(tmp) / "problem.pickle")
                with open(path, "wb") as f:
                    pickle.dump(inst.problem, f)
                limit = args.limit or limit_for(size)
                rows = [run_in_fresh_process(path, m, limit) for m in args.methods]
                report(inst, rows)
                print(f"  (time limit {limit:g} s; load average now {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()


__all__ = ["Assignment", "main"]
