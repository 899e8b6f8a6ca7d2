"""What-if results as tidy CSV tables, written atomically (same results, same bytes).

- compare: ``differences.csv`` (other scenario x outcome: paired difference and
  its 95 % CI), ``scenarios.csv`` (scenario x outcome: mean, CI, P10/P50/P90),
  ``runs.csv`` (scenario x replication: every summary metric);
- sweep: ``sweep.csv`` (point x outcome), ``runs.csv`` (point x replication);
- plan-intake: ``curve.csv`` (the best split of each total searched, with each
  target's value), ``options.csv`` (every intake tried, in search order),
  ``runs.csv`` (option x replication).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from allocopt.io.atomic import write_text
from allocopt.io.simulation_export import table_csv
from allocopt.simulation.records import METRIC_NAMES, METRICS, Table
from allocopt.whatif.compare import Comparison
from allocopt.whatif.intake import IntakeOption, IntakePlan
from allocopt.whatif.runs import RunSummary, Spread
from allocopt.whatif.sweep import Sweep

SPREAD_COLUMNS = ("runs", "mean", "ci_low", "ci_high", "p10", "p50", "p90")


def _spread_row(s: Spread) -> tuple[Any, ...]:
    return tuple(getattr(s, c) for c in SPREAD_COLUMNS)


def _runs_rows(key: tuple[Any, ...], runs: Sequence[RunSummary]) -> list[tuple[Any, ...]]:
    return [(*key, r.replication, r.seed, *(r.summary[m] for m in METRIC_NAMES)) for r in runs]


def comparison_tables(c: Comparison) -> dict[str, Table]:
    """The comparison's tables by file name."""
    diff_rows = []
    for other, diffs in zip(c.others, c.differences, strict=True):
        for d in diffs:
            diff_rows.append((c.base.label, other.label, d.metric, d.label, d.unit, d.pairs,
                              d.base, d.other, d.mean, d.ci_low, d.ci_high, d.significant,
                              d.verdict, d.independent_half_width))
    groups = [c.base, *c.others]
    spread_rows = [(g.label, m.name, m.label, m.unit, *_spread_row(g.spread(m.name)))
                   for g in groups for m in METRICS]
    run_rows = [row for g in groups for row in _runs_rows((g.label,), g.runs)]
    return {
        "differences.csv": Table(
            ("base", "scenario", "metric", "label", "unit", "pairs", "base_mean", "mean",
             "difference", "ci_low", "ci_high", "significant", "verdict",
             "independent_half_width"), tuple(diff_rows)),
        "scenarios.csv": Table(("scenario", "metric", "label", "unit", *SPREAD_COLUMNS),
                               tuple(spread_rows)),
        "runs.csv": Table(("scenario", "replication", "seed", *METRIC_NAMES), tuple(run_rows)),
    }


def sweep_tables(s: Sweep) -> dict[str, Table]:
    """The sweep's tables by file name."""
    names = tuple(p.path for p in s.parameters)
    rows = [(*pt.values, m.name, m.label, m.unit, *_spread_row(pt.spread(m.name)))
            for pt in s.points for m in METRICS]
    run_rows = [row for pt in s.points for row in _runs_rows(pt.values, pt.runs)]
    return {
        "sweep.csv": Table((*names, "metric", "label", "unit", *SPREAD_COLUMNS), tuple(rows)),
        "runs.csv": Table((*names, "replication", "seed", *METRIC_NAMES), tuple(run_rows)),
    }


def _option_row(plan: IntakePlan, o: IntakeOption) -> tuple[Any, ...]:
    cells: list[Any] = [o.total, *o.split, o.order, o.passes]
    for v, ok in zip(o.measured, o.met, strict=True):
        cells += [v, ok]
    return tuple(cells)


def intake_tables(plan: IntakePlan) -> dict[str, Table]:
    """The intake plan's tables by file name."""
    dates = tuple(f"cohort_{d.isoformat()}" for d in plan.dates)
    target_cols: list[str] = []
    for t in plan.targets:
        target_cols += [t.text, f"{t.text} met"]
    columns = ("total", *dates, "order", "passes", *target_cols)
    run_rows = [row for o in plan.options
                for row in _runs_rows((o.total, *o.split), o.runs)]
    return {
        "curve.csv": Table(columns, tuple(_option_row(plan, o) for o in plan.curve())),
        "options.csv": Table(columns, tuple(_option_row(plan, o) for o in plan.options)),
        "runs.csv": Table(("total", *dates, "replication", "seed", *METRIC_NAMES),
                          tuple(run_rows)),
    }


def write_tables(out: Path, tables: dict[str, Table]) -> list[Path]:
    """Write each table as CSV into folder `out`; the paths written."""
    written = []
    for name, t in tables.items():
        path = out / name
        write_text(path, table_csv(t))
        written.append(path)
    return written
