"""Simulation results as tidy CSV tables and one JSON document (schema ``allocopt.simulate/1``).

Every file is written atomically, and the same results always give the same
bytes (numbers rounded to 6 decimals, rows in replication order).

Tables (one row per ...):

- ``weeks.csv``: replication, week and team (team ``ALL`` is the service);
- ``worker_weeks.csv``: replication, week and worker (the heatmap);
- ``workers.csv``: worker's time in post, with days in each RAG band;
- ``allocations.csv``: allocation, with the wait in days and working days;
- ``households.csv``: referred household and its path;
- ``events.csv``: leaver, starter, cut, cohort, escalation, breach, ...;
- ``replications.csv``: replication, with its summary metrics;
- ``summary.csv``: summary metric across replications (mean, 95 % CI, P10/P50/P90);
- ``weekly.csv``: week, team and measure across replications (P10/P50/P90);
- ``waits.csv``: priority tier: allocations, mean and P90 wait, share within 1 and 5
  working days.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from dataclasses import fields
from datetime import date
from pathlib import Path
from typing import Any

from allocopt.io.atomic import write_text
from allocopt.io.safe_cells import defuse
from allocopt.simulation.records import (
    SERVICE,
    Aggregate,
    ReplicationResult,
    Table,
    metrics_table,
    summary_table,
    table,
    waits_by_tier,
    weekly_table,
)
from allocopt.simulation.scenario import Scenario

SIMULATE_SCHEMA = "allocopt.simulate/1"


def _cell(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return "" if value is None else value
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return round(value, 6) + 0.0
    if isinstance(value, date):
        return value.isoformat()
    return value


def _json_value(value: Any) -> Any:
    if isinstance(value, float):
        return None if not math.isfinite(value) else round(value, 6) + 0.0
    if isinstance(value, date):
        return value.isoformat()
    return value


def table_csv(t: Table) -> str:
    """A table as CSV text."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(t.columns)
    for row in t.rows:
        # Ids and labels (team, worker, scenario) are text a spreadsheet must not run.
        writer.writerow([defuse(v) if isinstance(v, str) else _cell(v) for v in row])
    return buf.getvalue()


def result_tables(results: Sequence[ReplicationResult], agg: Aggregate,
                  tiers: Sequence[str] = ()) -> dict[str, Table]:
    """Every table by file name (`tiers`: the policy's priority order, for waits.csv)."""
    bands = results[0].bands if results else ()

    def gather(attr: str) -> Table:
        rows = [row for r in results for row in getattr(r, attr)]
        return table(rows, bands)

    return {
        "weeks.csv": gather("week_rows"),
        "worker_weeks.csv": gather("worker_weeks"),
        "workers.csv": gather("workers"),
        "allocations.csv": gather("allocations"),
        "households.csv": gather("households"),
        "events.csv": gather("events"),
        "replications.csv": summary_table(results),
        "summary.csv": metrics_table(agg),
        "weekly.csv": weekly_table(agg),
        "waits.csv": table(waits_by_tier(results, tiers)),
    }


def results_dict(scenario: Scenario, results: Sequence[ReplicationResult],
                 agg: Aggregate) -> dict[str, Any]:
    """The headline results: metrics across replications and the service's weekly bands."""
    return {
        "schema": SIMULATE_SCHEMA,
        "scenario": {
            "name": scenario.name,
            "description": scenario.description,
            "start": scenario.start.isoformat(),
            "weeks": scenario.weeks,
            "scheme": scenario.scheme.id,
            "teams": list(results[0].teams) if results else [],
        },
        "seed": agg.seed,
        "runs": agg.runs,
        "policy": agg.policy,
        "bands": list(agg.bands),
        "metrics": [
            {k: _json_value(getattr(s, k)) for k in
             ("metric", "label", "unit", "runs", "mean", "sd", "ci_low", "ci_high", "p10", "p50",
              "p90")}
            for s in agg.metrics.values()
        ],
        "weekly": [
            {"week": w.week, "date": w.date.isoformat(), "measure": w.measure,
             "p10": _json_value(w.p10), "p50": _json_value(w.p50), "p90": _json_value(w.p90),
             "mean": _json_value(w.mean)}
            for w in agg.weekly if w.team == SERVICE
        ],
        "waits_by_tier": [
            {f.name: _json_value(getattr(w, f.name)) for f in fields(w)}
            for w in waits_by_tier(results, scenario.allocation.policy.tiers)
        ],
        "replications": [
            {"replication": r.replication,
             "summary": {k: _json_value(v) for k, v in r.summary.items()}}
            for r in results
        ],
    }


def results_json(scenario: Scenario, results: Sequence[ReplicationResult], agg: Aggregate) -> str:
    return json.dumps(results_dict(scenario, results, agg), indent=2, ensure_ascii=False) + "\n"


def write_results(out: Path, scenario: Scenario, results: Sequence[ReplicationResult],
                  agg: Aggregate) -> list[Path]:
    """Write every table and results.json into folder `out`; the paths written."""
    written = []
    for name, t in result_tables(results, agg, scenario.allocation.policy.tiers).items():
        path = out / name
        write_text(path, table_csv(t))
        written.append(path)
    path = out / "results.json"
    write_text(path, results_json(scenario, results, agg))
    written.append(path)
    return written
