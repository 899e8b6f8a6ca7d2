"""What a replication produces: flat immutable records, tidy tables, and aggregates.

Every record is a frozen dataclass of plain values (numbers, strings, dates), so
a replication's result pickles cheaply between processes and becomes a table in
one line (:func:`table`). A field holding a tuple is "one value per RAG band" and
becomes one column per band (``workers_red``, ``days_amber``).

:func:`aggregate` summarises many replications: P10/P50/P90 and a confidence
interval of the mean for each summary metric, and weekly percentile bands (the
fan chart).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, Literal

import numpy as np

from allocopt.confidence import t_quantile_95

WEEKS_A_YEAR = 365.25 / 7

SERVICE = "ALL"
"""The team id of rows that sum the whole service."""


@dataclass(frozen=True, slots=True)
class WeekRow:
    """A team (or the service, team "ALL") at the end of a week."""

    replication: int
    week: int
    date: date
    team: str
    posts: int
    workers: int
    agency: int
    vacancies: int
    nqsw: int
    fte: float
    benchmark: float
    load: float
    load_pct: float
    workers_in: tuple[int, ...]
    households: int
    children: int
    children_per_fte: float
    waiting: int
    waiting_high_risk: int
    duty_covered: int
    referrals: int
    allocations: int
    closures: int
    leavers: int
    starters: int
    escalations: int
    children_waiting: int = 0
    children_cin: int = 0
    children_cp: int = 0
    children_cla: int = 0
    agency_fte: float = 0.0
    nqsw_fte: float = 0.0


@dataclass(frozen=True, slots=True)
class WorkerWeekRow:
    """One worker at the end of a week (the heatmap's cells)."""

    replication: int
    week: int
    worker: str
    team: str
    load_pct: float
    band: str
    months: int
    nqsw: bool
    agency: bool
    households: int
    children: int
    available: bool


@dataclass(frozen=True, slots=True)
class AllocationRow:
    """A household given to a worker, and how long it waited."""

    replication: int
    household: str
    team: str
    tier: str
    reason: Literal["referral", "returned", "transfer", "absence"]
    waiting_since: date
    allocated: date
    wait_days: float
    wait_working_days: float
    worker: str
    high_risk: bool


@dataclass(frozen=True, slots=True)
class HouseholdRow:
    """A household's journey: referral, statuses, closure."""

    replication: int
    household: str
    team: str
    children: int
    s47: bool
    referred: date | None
    first_allocated: date | None
    path: str
    closed: date | None
    held_days: float
    family: str = ""
    steps: str = ""


@dataclass(frozen=True, slots=True)
class WorkerRow:
    """One worker's time in post within the reported period."""

    replication: int
    worker: str
    team: str
    role: str
    agency: bool
    months_at_start: int
    nqsw_at_start: bool
    started: date
    ended: date | None
    reason: str
    days: float
    days_in: tuple[float, ...]
    household_days: float
    peak_load_pct: float


EventKind = Literal[
    "starter", "leaver", "agency_start", "vacancy", "cut", "cohort", "benchmark_change",
    "band_change", "protection_end", "escalation", "red", "unallocated_on_leaving",
    "transfer", "long_absence", "breach", "gate_failure",
]


@dataclass(frozen=True, slots=True)
class EventRow:
    """Something that happened: a leaver, a cut, an escalation, a breach, ..."""

    replication: int
    day: float
    date: date
    kind: str
    team: str
    worker: str
    household: str
    count: int
    detail: str


@dataclass(frozen=True, slots=True)
class Metric:
    """A summary metric: its name, what it means, and which way is better."""

    name: str
    label: str
    unit: str
    better: Literal["lower", "higher", "neither"]


METRICS: tuple[Metric, ...] = (
    Metric("load_pct_mean", "Service load % (mean over weeks)", "%", "neither"),
    Metric("load_pct_end", "Service load % (last week)", "%", "neither"),
    Metric("load_pct_max", "Service load % (highest week)", "%", "lower"),
    Metric("red_share_mean", "Workers in red (mean share)", "share", "lower"),
    Metric("red_share_max", "Workers in red (highest weekly share)", "share", "lower"),
    Metric("amber_share_mean", "Workers in amber (mean share)", "share", "lower"),
    Metric("red_time_share", "Worker time spent in red", "share", "lower"),
    Metric("amber_time_share", "Worker time spent in amber", "share", "lower"),
    Metric("waiting_mean", "Households waiting (mean)", "households", "lower"),
    Metric("waiting_end", "Households waiting (last week)", "households", "lower"),
    Metric("waiting_max", "Households waiting (highest week)", "households", "lower"),
    Metric("wait_days_mean", "Days from referral to allocation (mean)", "days", "lower"),
    Metric("high_risk_wait_days_mean", "Days to allocate CP/S47 work (mean)", "days", "lower"),
    Metric("high_risk_within_1", "CP/S47 work allocated within 1 working day", "share", "higher"),
    Metric("high_risk_within_5", "CP/S47 work allocated within 5 working days", "share", "higher"),
    Metric("children_per_fte", "Children per worker (mean, per FTE)", "children", "neither"),
    Metric("households_per_fte", "Households per case-holding FTE (mean)", "households", "neither"),
    Metric("fte_mean", "Case-holding FTE (mean)", "FTE", "neither"),
    Metric("vacancies_mean", "Vacant posts, incl. agency-covered (mean)", "posts", "lower"),
    Metric("agency_mean", "Agency workers (mean)", "workers", "neither"),
    Metric("referrals", "Households referred", "households", "neither"),
    Metric("allocations", "Allocations made", "households", "neither"),
    Metric("escalations", "Escalations (work left unallocated, workers into red)", "events",
           "lower"),
    Metric("unallocated_on_leaving", "Households unallocated when a worker left", "households",
           "lower"),
    Metric("transfers", "Transfers (CP work away from a protected NQSW)", "households", "neither"),
    Metric("leavers", "Leavers (incl. agency)", "workers", "lower"),
    Metric("starters", "Starters (incl. agency)", "workers", "neither"),
    Metric("staff_cost_per_year", "Staff cost a year (workers in post)", "£", "lower"),
    Metric("posts_cut_vacant", "Posts cut that were vacant", "posts", "neither"),
    Metric("posts_cut_agency", "Posts cut that an agency worker held", "posts", "neither"),
    Metric("posts_cut_filled", "Posts cut that a permanent worker held", "posts", "neither"),
    Metric("nqsw_into_vacancies", "NQSWs who filled vacant posts", "workers", "neither"),
    Metric("nqsw_new_posts", "NQSWs in new posts", "workers", "neither"),
    Metric("nqsw_breaches", "NQSW protection breaches", "breaches", "lower"),
    Metric("rule_breaches", "Allocation rule breaches (any rule)", "breaches", "lower"),
    Metric("gate_failures", "Meetings whose allocation broke a rule and could not be repaired "
           "(nothing allocated)", "meetings", "lower"),
)
METRIC_NAMES = tuple(m.name for m in METRICS)


@dataclass(frozen=True)
class ReplicationResult:
    """Everything one replication produced, as flat records plus its summary."""

    scenario: str
    replication: int
    seed: int
    policy: str
    start: date
    weeks: int
    teams: tuple[str, ...]
    bands: tuple[str, ...]
    week_rows: tuple[WeekRow, ...]
    worker_weeks: tuple[WorkerWeekRow, ...]
    allocations: tuple[AllocationRow, ...]
    households: tuple[HouseholdRow, ...]
    workers: tuple[WorkerRow, ...]
    events: tuple[EventRow, ...]
    summary: dict[str, float]
    seconds: float = 0.0

    def service_weeks(self) -> list[WeekRow]:
        """The service-wide rows, week 0 to the last."""
        return [r for r in self.week_rows if r.team == SERVICE]


def band_positions(bands: Sequence[str]) -> tuple[int, int | None]:
    """Where "red" and "amber" are among a scheme's RAG bands, by the scheme's own names.

    Red is the band named red, else the highest band; amber is the band named amber,
    and None for a scheme with no amber band (its amber metrics are then not a number,
    never the band below the top under another name).
    """
    names = [b.casefold() for b in bands]
    red = names.index("red") if "red" in names else len(bands) - 1
    amber = names.index("amber") if "amber" in names else None
    return red, amber


def summarise(
    week_rows: Sequence[WeekRow],
    allocations: Sequence[AllocationRow],
    workers: Sequence[WorkerRow],
    events: Sequence[EventRow],
    annual_costs: tuple[float, float, float] | None = None,
    bands: Sequence[str] = ("blue", "green", "amber", "red"),
) -> dict[str, float]:
    """The summary metrics of one replication (see :data:`METRICS`).

    `annual_costs` are a year's cost of a full-time permanent worker, agency worker and
    NQSW in post, counted by FTE; without them the staff cost is not measured (NaN). `bands` are
    the scheme's RAG band names, lowest first.
    """
    red_at, amber_at = band_positions(bands)
    service = [r for r in week_rows if r.team == SERVICE and r.week > 0]
    out: dict[str, float] = {}
    if service:
        loads = [r.load_pct for r in service if math.isfinite(r.load_pct)]
        out["load_pct_mean"] = _mean(loads)
        out["load_pct_end"] = service[-1].load_pct
        out["load_pct_max"] = max(loads) if loads else math.nan
        red = [_share(r, red_at) for r in service]
        out["red_share_mean"] = _mean(red)
        out["red_share_max"] = max(red)
        if amber_at is not None:
            out["amber_share_mean"] = _mean([_share(r, amber_at) for r in service])
        out["waiting_mean"] = _mean([r.waiting for r in service])
        out["waiting_end"] = service[-1].waiting
        out["waiting_max"] = max(r.waiting for r in service)
        out["children_per_fte"] = _mean([r.children_per_fte for r in service])
        out["households_per_fte"] = _mean([r.households / r.fte if r.fte else math.nan
                                           for r in service])
        out["fte_mean"] = _mean([r.fte for r in service])
        out["vacancies_mean"] = _mean([r.vacancies for r in service])
        out["agency_mean"] = _mean([r.agency for r in service])
        out["referrals"] = sum(r.referrals for r in service)
        out["allocations"] = sum(r.allocations for r in service)
        out["leavers"] = sum(r.leavers for r in service)
        out["starters"] = sum(r.starters for r in service)
        if annual_costs is not None:
            permanent, agency, nqsw = annual_costs
            # by FTE: a half-time worker costs half a post's salary
            weekly = [((r.fte - r.agency_fte - r.nqsw_fte) * permanent + r.agency_fte * agency
                       + r.nqsw_fte * nqsw) / WEEKS_A_YEAR for r in service]
            out["staff_cost_per_year"] = _mean(weekly) * WEEKS_A_YEAR
    total_days = sum(w.days for w in workers)
    out["red_time_share"] = (sum(w.days_in[red_at] for w in workers) / total_days
                             if total_days else 0.0)
    if amber_at is not None:
        out["amber_time_share"] = (sum(w.days_in[amber_at] for w in workers) / total_days
                                   if total_days else 0.0)
    out["wait_days_mean"] = _mean([a.wait_days for a in allocations])
    high = [a for a in allocations if a.high_risk]
    out["high_risk_wait_days_mean"] = _mean([a.wait_days for a in high])
    out["high_risk_within_1"] = _mean([float(a.wait_working_days <= 1) for a in high])
    out["high_risk_within_5"] = _mean([float(a.wait_working_days <= 5) for a in high])
    counts: dict[str, int] = {}
    for e in events:
        counts[e.kind] = counts.get(e.kind, 0) + e.count
    out["escalations"] = counts.get("escalation", 0) + counts.get("red", 0)
    out["unallocated_on_leaving"] = counts.get("unallocated_on_leaving", 0)
    out["transfers"] = counts.get("transfer", 0)
    for kind in ("posts_cut_vacant", "posts_cut_agency", "posts_cut_filled",
                 "nqsw_into_vacancies", "nqsw_new_posts"):
        out[kind] = counts.get(kind, 0)
    out["rule_breaches"] = counts.get("breach", 0)
    out["gate_failures"] = counts.get("gate_failure", 0)
    out["nqsw_breaches"] = sum(e.count for e in events
                               if e.kind == "breach" and e.detail.startswith("nqsw"))
    return {name: float(out.get(name, math.nan)) for name in METRIC_NAMES}


def _share(row: WeekRow, band: int) -> float:
    """The share of the row's workers in the band at position `band`."""
    return row.workers_in[band] / row.workers if row.workers else 0.0


def _mean(values: Iterable[float]) -> float:
    vals = [v for v in values if not math.isnan(v)]
    return math.fsum(vals) / len(vals) if vals else math.nan


# --------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Table:
    """Named columns and rows of plain values: CSV or JSON in one step."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def column(self, name: str) -> list[Any]:
        i = self.columns.index(name)
        return [row[i] for row in self.rows]


def table(records: Sequence[Any], bands: Sequence[str] = ()) -> Table:
    """A tidy table of records of one dataclass type; tuple fields expand by RAG band."""
    if not records:
        return Table((), ())
    kinds = fields(records[0])
    columns: list[str] = []
    for f in kinds:
        sample = getattr(records[0], f.name)
        if isinstance(sample, tuple):
            stem = f.name[:-3] if f.name.endswith("_in") else f.name
            columns.extend(f"{stem}_{b}" for b in bands[: len(sample)])
        else:
            columns.append(f.name)
    rows = []
    for rec in records:
        row: list[Any] = []
        for f in kinds:
            value = getattr(rec, f.name)
            if isinstance(value, tuple):
                row.extend(value)
            else:
                row.append(value)
        rows.append(tuple(row))
    return Table(tuple(columns), tuple(rows))


def summary_table(results: Sequence[ReplicationResult]) -> Table:
    """One row per replication: its summary metrics."""
    rows = tuple((r.replication, *(r.summary[m] for m in METRIC_NAMES)) for r in results)
    return Table(("replication", *METRIC_NAMES), rows)


# ------------------------------------------------------------------ aggregate


@dataclass(frozen=True, slots=True)
class MetricStats:
    """A metric across replications."""

    metric: str
    label: str
    unit: str
    runs: int
    mean: float
    sd: float
    ci_low: float
    ci_high: float
    p10: float
    p50: float
    p90: float


@dataclass(frozen=True, slots=True)
class WeekBand:
    """A weekly outcome across replications: the fan chart's bands."""

    week: int
    date: date
    team: str
    measure: str
    p10: float
    p50: float
    p90: float
    mean: float


WEEKLY_MEASURES: tuple[str, ...] = (
    "load_pct", "waiting", "waiting_high_risk", "red_share", "amber_share",
    "children_per_fte", "fte", "vacancies",
)


@dataclass(frozen=True)
class Aggregate:
    """Many replications in summary."""

    scenario: str
    policy: str
    seed: int
    runs: int
    weeks: int
    bands: tuple[str, ...]
    metrics: dict[str, MetricStats]
    weekly: tuple[WeekBand, ...]
    band_means: tuple[tuple[int, date, tuple[float, ...]], ...]
    """Mean number of workers per RAG band, by week (the stacked area)."""

    def weekly_series(self, measure: str, team: str = SERVICE) -> list[WeekBand]:
        return [w for w in self.weekly if w.measure == measure and w.team == team]


def mean_ci(values: Sequence[float]) -> tuple[float, float, float, float]:
    """(mean, sd, low, high): the mean with its 95 % confidence interval."""
    vals = np.asarray([v for v in values if not math.isnan(v)], dtype=float)
    if vals.size == 0:
        return math.nan, math.nan, math.nan, math.nan
    mean = float(vals.mean())
    if vals.size == 1:
        return mean, math.nan, math.nan, math.nan
    sd = float(vals.std(ddof=1))
    half = t_quantile_95(vals.size - 1) * sd / math.sqrt(vals.size)
    return mean, sd, mean - half, mean + half


def _pcts(values: Sequence[float]) -> tuple[float, float, float]:
    vals = np.asarray([v for v in values if not math.isnan(v)], dtype=float)
    if vals.size == 0:
        return math.nan, math.nan, math.nan
    p10, p50, p90 = np.percentile(vals, [10, 50, 90])
    return float(p10), float(p50), float(p90)


def week_measure(row: WeekRow, measure: str,
                 bands: Sequence[str] = ("blue", "green", "amber", "red")) -> float:
    """One weekly measure of a row: a WeekRow field, or a share of workers in red or amber
    (by the scheme's band names, `bands`; not a number for a scheme with no amber)."""
    if measure in ("red_share", "amber_share"):
        red_at, amber_at = band_positions(bands)
        at = red_at if measure == "red_share" else amber_at
        return math.nan if at is None else _share(row, at)
    return float(getattr(row, measure))


def aggregate(results: Sequence[ReplicationResult]) -> Aggregate:
    """P10/P50/P90 (and the mean with its 95 % CI) over replications."""
    if not results:
        raise ValueError("nothing to aggregate")
    first = results[0]
    metrics: dict[str, MetricStats] = {}
    for m in METRICS:
        values = [r.summary[m.name] for r in results]
        mean, sd, low, high = mean_ci(values)
        p10, p50, p90 = _pcts(values)
        metrics[m.name] = MetricStats(m.name, m.label, m.unit, len(values), mean, sd, low, high,
                                      p10, p50, p90)
    by_key: dict[tuple[int, str], list[WeekRow]] = {}
    for r in results:
        for row in r.week_rows:
            by_key.setdefault((row.week, row.team), []).append(row)
    weekly: list[WeekBand] = []
    band_means: list[tuple[int, date, tuple[float, ...]]] = []
    teams = (SERVICE, *first.teams)
    for team in teams:
        for week in range(first.weeks + 1):
            rows = by_key.get((week, team), [])
            if not rows:
                continue
            for measure in WEEKLY_MEASURES:
                values = [week_measure(row, measure, first.bands) for row in rows]
                p10, p50, p90 = _pcts(values)
                weekly.append(WeekBand(week, rows[0].date, team, measure, p10, p50, p90,
                                       _mean(values)))
            if team == SERVICE:
                n = len(rows)
                means = tuple(sum(row.workers_in[i] for row in rows) / n
                              for i in range(len(first.bands)))
                band_means.append((week, rows[0].date, means))
    return Aggregate(first.scenario, first.policy, first.seed, len(results), first.weeks,
                     first.bands, metrics, tuple(weekly), tuple(band_means))


@dataclass(frozen=True, slots=True)
class TierWaits:
    """How long work of one priority tier waited for allocation, over all replications."""

    tier: str
    allocations: int
    mean_days: float
    p90_days: float
    within_1: float
    within_5: float


def waits_by_tier(
    results: Sequence[ReplicationResult], tiers: Sequence[str] = ()
) -> list[TierWaits]:
    """Waits from referral (or return to the list) to allocation, tier by tier.

    `tiers` orders the rows (the policy's priority order); other tiers follow.
    """
    by_tier: dict[str, list[AllocationRow]] = {}
    for r in results:
        for a in r.allocations:
            by_tier.setdefault(a.tier, []).append(a)
    order = [t for t in tiers if t in by_tier] + sorted(t for t in by_tier if t not in tiers)
    out = []
    for tier in order:
        rows = by_tier[tier]
        days = [a.wait_days for a in rows]
        work = [a.wait_working_days for a in rows]
        out.append(TierWaits(tier, len(rows), _mean(days), float(np.percentile(days, 90)),
                             _mean(float(w <= 1) for w in work),
                             _mean(float(w <= 5) for w in work)))
    return out


def metrics_table(agg: Aggregate) -> Table:
    """One row per summary metric: mean, its CI, and P10/P50/P90."""
    names = [f.name for f in dataclasses.fields(MetricStats)]
    rows = tuple(tuple(getattr(s, n) for n in names) for s in agg.metrics.values())
    return Table(tuple(names), rows)


def weekly_table(agg: Aggregate) -> Table:
    """The weekly percentile bands, one row per week, team and measure."""
    return table(agg.weekly)
