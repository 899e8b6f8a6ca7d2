"""Backtests on generated services: does the actual fall inside P10-P90 about 8 times in 10?

For each seed a service is simulated from a known scenario (the single duty and
assessment team, with re-referral and S47 conversion set) for three years and written
as an SSD extract with the same writers as the tests. The backtest then calibrates on
the records before --from (half a year before the extract's date), simulates from the
caseload then, and checks the projection at the extract's date against what the
extract shows. Coverage is counted per measure over the seeds; the calibration's own
intervals are counted too (the share of seeds whose 95 % interval holds the true
figure).

    python benchmarks/backtest_bench.py                # 40 seeds, 40 runs each
    python benchmarks/backtest_bench.py --seeds 10 --runs 20 --jobs 2

Prints coverage per measure, the calibration's coverage per figure, the time taken and
the machine's load average.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from allocopt.calibration.backtest import MEASURES  # noqa: E402
from allocopt.calibration.estimate import Settings  # noqa: E402
from allocopt.domain import TeamType  # noqa: E402
from allocopt.io.extracts.backtesting import backtest_scenario, run_backtest  # noqa: E402
from allocopt.io.extracts.build import ImportOptions  # noqa: E402
from allocopt.io.extracts.calibrating import read_sources  # noqa: E402
from allocopt.io.extracts.history_writers import write_history_extracts  # noqa: E402
from allocopt.io.scenario_file import load_scenario  # noqa: E402
from allocopt.simulation.history import simulate_history  # noqa: E402

END = date(2029, 4, 2)
START = date(2028, 10, 1)
TRUE = {
    "referrals.rate": 6.0, "pathway.rereferral.share": 0.2,
    "pathway.assessment.outcomes.NFA": 0.55, "pathway.assessment.outcomes.CIN": 0.30,
    "pathway.assessment.outcomes.CP": 0.11, "pathway.assessment.outcomes.CLA": 0.04,
    "pathway.assessment.s47_share": 0.35, "pathway.assessment.s47_conference": 0.4,
    "pathway.assessment.conference_cp": 0.6,
    "pathway.statuses.CIN.duration.median": 4.0, "pathway.statuses.CIN.duration.p90": 8.0,
    "pathway.statuses.CP.duration.median": 6.0, "pathway.statuses.CP.duration.p90": 10.0,
    "pathway.statuses.CLA.duration.median": 6.0, "pathway.statuses.CLA.duration.p90": 10.0,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    base_file = ROOT / "scenarios" / "single_team.yaml"
    base = load_scenario(base_file)
    true = base.with_overrides({"referrals.rate": 6, "pathway.rereferral": {"share": 0.2},
                                "pathway.assessment.s47_conference": 0.4,
                                "pathway.assessment.conference_cp": 0.6})
    inside: Counter[str] = Counter()
    held: Counter[str] = Counter()
    used: Counter[str] = Counter()
    side: Counter[str] = Counter()
    began = time.perf_counter()
    load_before = os.getloadavg()
    for seed in range(1, args.seeds + 1):
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder)
            write_history_extracts(out, simulate_history(true, END, seed=seed))
            sources = read_sources("ssd", out / "ssd", out / "roster.csv", None, None)
            options = ImportOptions(on=START, team_type=TeamType.DUTY_ASSESSMENT)
            scenario, bt = backtest_scenario(base, sources, options, Settings(), sources, END,
                                             history_at_end=True, posts=10)
            run_backtest(scenario, bt, args.runs, seed=1000 + seed, jobs=args.jobs)
        for p in bt.projections:
            inside[p.measure] += p.inside
            side[p.measure + (" above" if p.actual > p.p90 else " below")] += not p.inside
        for e in bt.calibration.estimates:
            if e.key in TRUE and e.used and e.low is not None and e.high is not None:
                used[e.key] += 1
                held[e.key] += e.low <= TRUE[e.key] <= e.high
        line = " ".join(f"{p.measure}={'in' if p.inside else 'OUT'}" for p in bt.projections)
        print(f"seed {seed:3d}: {line}", flush=True)
    seconds = time.perf_counter() - began
    n = args.seeds
    print()
    print(f"Backtests: {n} generated services, SSD extract, projected {START} -> {END} "
          f"({(END - START).days} days), {args.runs} runs each")
    print(f"{'measure':<16} {'inside P10-P90':>15} {'above P90':>10} {'below P10':>10}")
    for measure, _ in MEASURES:
        print(f"{measure:<16} {inside[measure] / n:>15.0%} {side[measure + ' above']:>10} "
              f"{side[measure + ' below']:>10}")
    total = sum(inside.values()) / (n * len(MEASURES))
    print(f"{'all measures':<16} {total:>15.0%}   (target: near 80 %)")
    print()
    print("Calibration: seeds whose 95 % interval holds the true figure")
    for key in TRUE:
        if used[key]:
            print(f"  {key:<42} {held[key]:>3} of {used[key]:<3} ({held[key] / used[key]:.0%})")
    load_after = os.getloadavg()
    print()
    print(f"time {seconds:.1f} s ({seconds / n:.1f} s a seed); load average "
          f"{load_before[0]:.2f} before, {load_after[0]:.2f} after; {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
