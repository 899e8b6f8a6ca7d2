"""Check a calibrated scenario against what actually happened.

The projection made at the start (calibrated on records before it, simulated from the
caseload then) is compared, measure by measure, with what the extract shows at the
end: children open as CIN, CP and looked after, children allocated and waiting, and
children per worker. Each comparison gives the projection's median, its P10-P90
band over the runs, the error of the median and whether the actual value fell inside
the band. Over many backtests the actual should fall inside about 80 % of the time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from allocopt.calibration.estimate import Calibration
from allocopt.domain import Caseload, Status, Team
from allocopt.simulation.records import SERVICE, ReplicationResult, WeekRow

MEASURES: tuple[tuple[str, str], ...] = (
    ("children_cin", "Children in need (with those being assessed)"),
    ("children_cp", "Children on child protection plans"),
    ("children_cla", "Children looked after"),
    ("allocated", "Children allocated to a worker"),
    ("unallocated", "Children waiting for a worker"),
    ("per_worker", "Allocated children per worker"),
)
LABELS = dict(MEASURES)


@dataclass(frozen=True)
class Snapshot:
    """The measures at one date."""

    on: date
    values: dict[str, float]
    source: str


def actual_snapshot(team: Team, caseload: Caseload, waiting: Caseload, on: date,
                    source: str) -> Snapshot:
    """The measures from an import: care leavers are left out (the simulator has none)."""
    counts = dict.fromkeys(("children_cin", "children_cp", "children_cla"), 0.0)
    allocated = unallocated = 0
    for load, held in ((caseload, True), (waiting, False)):
        for h in load.households:
            for c in h.children:
                key = {Status.CP: "children_cp", Status.CLA: "children_cla",
                       Status.CIN: "children_cin",
                       Status.SUPERVISION_ORDER: "children_cin"}.get(c.status)
                if key is None:
                    continue
                counts[key] += 1
                if held:
                    allocated += 1
                else:
                    unallocated += 1
    workers = len(team.workers)
    return Snapshot(on, {**counts, "allocated": float(allocated),
                         "unallocated": float(unallocated),
                         "per_worker": allocated / workers if workers else 0.0}, source)


def projected(row: WeekRow) -> dict[str, float]:
    """The measures from a simulated week (the service's row)."""
    return {"children_cin": float(row.children_cin), "children_cp": float(row.children_cp),
            "children_cla": float(row.children_cla), "allocated": float(row.children),
            "unallocated": float(row.children_waiting),
            "per_worker": row.children / row.workers if row.workers else 0.0}


@dataclass(frozen=True)
class Projection:
    """One measure: the actual value against the projection's spread."""

    measure: str
    label: str
    start: float
    actual: float
    p10: float
    p50: float
    p90: float

    @property
    def error(self) -> float:
        """Median projection minus actual."""
        return self.p50 - self.actual

    @property
    def error_pct(self) -> float | None:
        return None if self.actual == 0 else self.error / self.actual

    @property
    def inside(self) -> bool:
        """True when the actual value fell inside the P10-P90 band."""
        return self.p10 <= self.actual <= self.p90


@dataclass
class Backtest:
    """A projection from `start` checked at `end`."""

    kind: str
    start: date
    end: date
    week: int
    calibration: Calibration
    first: Snapshot
    last: Snapshot
    runs: int = 0
    seed: int = 0
    projections: list[Projection] = field(default_factory=list)
    series: dict[str, list[tuple[date, float, float, float]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def coverage(self) -> float:
        """The share of measures whose actual value fell inside P10-P90."""
        return sum(p.inside for p in self.projections) / len(self.projections)


def compare(results: Sequence[ReplicationResult], week: int, first: Snapshot,
            last: Snapshot) -> tuple[list[Projection], dict[str, list[tuple[date, float, float,
                                                                                float]]]]:
    """The projections at `week` against the actual values, and every week's band."""
    rows: dict[int, list[dict[str, float]]] = {}
    dates: dict[int, date] = {}
    for r in results:
        for row in r.week_rows:
            if row.team == SERVICE:
                rows.setdefault(row.week, []).append(projected(row))
                dates[row.week] = row.date
    out = []
    for measure, label in MEASURES:
        values = np.asarray([v[measure] for v in rows[week]], dtype=float)
        p10, p50, p90 = (float(x) for x in np.percentile(values, [10, 50, 90]))
        out.append(Projection(measure, label, first.values[measure], last.values[measure],
                              p10, p50, p90))
    series: dict[str, list[tuple[date, float, float, float]]] = {}
    for measure, _ in MEASURES:
        series[measure] = []
        for w in sorted(rows):
            values = np.asarray([v[measure] for v in rows[w]], dtype=float)
            p10, p50, p90 = (float(x) for x in np.percentile(values, [10, 50, 90]))
            series[measure].append((dates[w], p10, p50, p90))
    return out, series
