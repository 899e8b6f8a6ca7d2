"""How long importing a large authority's extracts takes, and how much memory it needs.

Run from the repository root:  python benchmarks/import_bench.py [--quick]

Makes a made-up large authority (500 workers, 20,000 children; synthetic.py) and
writes it with the extract writers into a temporary folder (never kept):
an Annex A workbook of about 50,000 rows across Lists 3 to 9, and SSD tables with
60,000 involvements. Then each import runs in a fresh process and the script
prints its wall time (read, build and write the team, caseload, waiting list and
report) and its peak memory (the process's peak resident size, and the peak of
Python's own allocations). Targets: under 10 s and under 1 GB each.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import statistics
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

import numpy as np

from allocopt.domain import Caseload, Team

ON = date(2026, 12, 1)
TEAM = "Example Borough children's services"


def make_files(folder: Path, workers: int, children: int, annex_rows: int,
               involvements: int) -> dict[str, int]:
    """Write the extracts, roster and override sheets; return their sizes."""
    from allocopt.io.extracts.writers import (
        write_annex_a,
        write_overrides,
        write_roster,
        write_ssd,
    )
    from allocopt.synthetic import make_caseload, make_team, make_waiting, random_worker_specs

    rng = np.random.default_rng(2026)
    team = make_team(random_worker_specs(rng, workers), ON, team_id="authority")
    caseload = make_caseload(rng, team, children, ON)
    waiting = Caseload(households=make_waiting(rng, max(children // 200, 1), ON))
    held = sum(len(h.children) for h in caseload.households)
    waiting_children = sum(len(h.children) for h in waiting.households)
    total = held + waiting_children

    # Annex A: the current children's rows, then past children up to the row target.
    current_rows = _annex_current_rows(team, caseload, waiting)
    write_annex_a(folder / "annex-a.xlsx", team, caseload, waiting, ON, team_name=TEAM,
                  messy=True, history=max(annex_rows - current_rows, 0))
    write_roster(folder / "roster.csv", team)
    write_overrides(folder / "overrides-annex-a.csv", team, caseload, waiting, ON, "annex-a")
    # SSD: one allocated-worker involvement per allocated child, the rest earlier workers
    # and other roles.
    extra = max(round((involvements - held) / total), 0)
    write_ssd(folder / "ssd", team, caseload, waiting, ON, team_name=TEAM, messy=True,
              other_roles=extra)
    write_roster(folder / "roster-ssd.csv", team, hours=False)
    write_overrides(folder / "overrides-ssd.csv", team, caseload, waiting, ON, "ssd")
    return {"workers": len(team.workers), "children": total,
            "households": len(caseload.households) + len(waiting.households)}


def _annex_current_rows(team: Team, caseload: Caseload, waiting: Caseload) -> int:
    """Rows write_annex_a writes for current children (List 6, a status list, assessments,
    referrals), so the history fills the rest."""
    from allocopt.domain import Status

    rows = 0
    for households, is_waiting in ((caseload.households, False), (waiting.households, True)):
        for h in households:
            for c in h.children:
                rows += 1 if c.status is not Status.CARE_LEAVER else 0
                rows += 1 if c.status in (Status.CP, Status.CLA, Status.CARE_LEAVER) else 0
                rows += 1 if h.assessment is not None else 0
                rows += 1 if is_waiting else 0
    return rows


def _count_involvements(folder: Path) -> int:
    import csv

    with open(folder / "ssd" / "ssd_involvements.csv", newline="", encoding="utf-8") as f:
        return sum(1 for _ in csv.reader(f)) - 1


def _run_one(kind: str, folder: str, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    from allocopt.io.extracts.build import ImportOptions, run_import
    from allocopt.io.extracts.writers import example_settings

    base = Path(folder)
    source = base / "annex-a.xlsx" if kind == "annex-a" else base / "ssd"
    roster = base / ("roster.csv" if kind == "annex-a" else "roster-ssd.csv")
    overrides = base / f"overrides-{kind}.csv"
    settings = example_settings()
    tracemalloc.start()
    start = time.perf_counter()
    result = run_import(kind, source, base / f"out-{kind}", ImportOptions(on=ON), roster=roster,
                        overrides=overrides, settings=settings)
    seconds = time.perf_counter() - start
    _, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put({"seconds": seconds, "rss_mb": rss_kb / 1024, "python_mb": python_peak / 2**20,
               "children": result.report.children, "workers": len(result.team.workers),
               "rows": sum(c.rows for c in result.report.lists.values())})


def _timed(kind: str, folder: Path, traced: bool) -> dict[str, float]:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_run_one if traced else _run_untraced, args=(kind, str(folder),
                                                                           queue))
    proc.start()
    out = queue.get()
    proc.join()
    return dict(out)


def _run_untraced(kind: str, folder: str, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """The same import without tracemalloc, whose bookkeeping slows Python down."""
    from allocopt.io.extracts.build import ImportOptions, run_import
    from allocopt.io.extracts.writers import example_settings

    base = Path(folder)
    source = base / "annex-a.xlsx" if kind == "annex-a" else base / "ssd"
    roster = base / ("roster.csv" if kind == "annex-a" else "roster-ssd.csv")
    start = time.perf_counter()
    result = run_import(kind, source, base / f"out-{kind}-untraced", ImportOptions(on=ON),
                        roster=roster, overrides=base / f"overrides-{kind}.csv",
                        settings=example_settings())
    seconds = time.perf_counter() - start
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put({"seconds": seconds, "rss_mb": rss_kb / 1024, "python_mb": float("nan"),
               "children": result.report.children, "workers": len(result.team.workers),
               "rows": sum(c.rows for c in result.report.lists.values())})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the size")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each import")
    args = parser.parse_args(argv)
    scale = 10 if args.quick else 1
    with tempfile.TemporaryDirectory(prefix="allocopt-import-bench-") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        sizes = make_files(folder, 500 // scale, 20_000 // scale, 50_000 // scale,
                           60_000 // scale)
        print(f"made the extracts in {time.perf_counter() - start:.1f} s: "
              f"{sizes['workers']} workers, {sizes['children']} current children in "
              f"{sizes['households']} households; Annex A workbook "
              f"{(folder / 'annex-a.xlsx').stat().st_size / 2**20:.1f} MB; SSD "
              f"{_count_involvements(folder):,} involvements")
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; each import "
              f"{args.repeat} times, best and median wall time")
        print(f"{'import':<8} {'rows read':>10} {'best s':>7} {'median s':>9} {'peak RSS MB':>12} "
              f"{'peak Python MB':>15} {'children':>9} {'workers':>8}")
        for kind in ("annex-a", "ssd"):
            runs = [_timed(kind, folder, traced=False) for _ in range(args.repeat)]
            traced = _timed(kind, folder, traced=True)
            times = sorted(r["seconds"] for r in runs)
            plain = runs[0]
            print(f"{kind:<8} {plain['rows']:>10,.0f} {times[0]:>7.2f} "
                  f"{statistics.median(times):>9.2f} {max(r['rss_mb'] for r in runs):>12.0f} "
                  f"{traced['python_mb']:>15.0f} {plain['children']:>9.0f} "
                  f"{plain['workers']:>8.0f}")
        print("targets: under 10 s and under 1024 MB each (wall time without tracemalloc; "
              "peak RSS is the whole process, Python included)")


if __name__ == "__main__":
    main()
