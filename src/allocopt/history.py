"""Caseloads over time, from the snapshot taken at each weekly meeting.

Pure: given the scheme and each meeting's scored workers (any records with the
fields of :class:`Sample`), it works out each worker's load % trend and the
weeks spent in each band, the team's trend, and the actions the scheme's bands
require that are now due (``Scheme.due_rules``: a review after some weeks
above the acceptable band, a written plan in red, ...).

Weeks are counted from meeting dates: each meeting stands for the days until the
next one (the latest for one week), so weekly meetings count one week each and
a missed week is not lost. A worker's current run counts the meetings in a row in
their band now; an action due counts the meetings in a row at its band or higher
(a worker in red also counts towards an amber review), from the date of the first
meeting of the run (one meeting: 1 week).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from allocopt.schemes.model import Scheme

WEEK_DAYS = 7


class Sample(Protocol):
    """One worker at one meeting (the record's snapshot rows have these fields)."""

    @property
    def worker_id(self) -> str: ...
    @property
    def load(self) -> float: ...
    @property
    def benchmark(self) -> float: ...
    @property
    def load_pct(self) -> float | None: ...
    @property
    def band(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Point:
    """A worker's load % and band at one meeting (pct None: no capacity)."""

    on: date
    load_pct: float | None
    band: str


@dataclass(frozen=True, slots=True)
class WorkerTrend:
    """One worker across the meetings they were in."""

    worker_id: str
    points: tuple[Point, ...]
    weeks_in: dict[str, int]
    """Weeks spent in each band (bands never reached are absent)."""
    run_band: str
    """The band of the latest meeting."""
    run_weeks: int
    """Weeks in a row in that band, up to the latest meeting."""
    current: bool
    """In the team at the latest meeting."""

    @property
    def latest(self) -> Point:
        return self.points[-1]

    @property
    def change(self) -> float | None:
        """Load % now less load % at the first meeting, in percentage points."""
        first, last = self.points[0].load_pct, self.points[-1].load_pct
        return None if first is None or last is None else last - first


@dataclass(frozen=True, slots=True)
class TeamPoint:
    """The team at one meeting."""

    on: date
    workers: int
    team_pct: float | None
    """Total load over total benchmark of the workers with one."""
    mean_pct: float | None
    """Mean of the workers' load %."""
    by_band: dict[str, int]


@dataclass(frozen=True, slots=True)
class DueAction:
    """An action the bands require now, for one worker."""

    worker_id: str
    band: str
    weeks: int
    """Weeks in a row at the band or higher (at least the rule's)."""
    since: date
    action: str


@dataclass(frozen=True)
class History:
    """The team's record over time."""

    bands: tuple[str, ...]
    colours: dict[str, str]
    meetings: tuple[date, ...]
    workers: tuple[WorkerTrend, ...]
    team: tuple[TeamPoint, ...]
    due: tuple[DueAction, ...]
    watched: tuple[str, ...]
    """The bands above the acceptable one (amber and red in the shipped schemes)."""


def _covered_days(dates: Sequence[date]) -> list[int]:
    """Days each meeting stands for: until the next meeting, a week for the last."""
    out = []
    for i, on in enumerate(dates):
        out.append((dates[i + 1] - on).days if i + 1 < len(dates) else WEEK_DAYS)
    return out


def _weeks(days: int) -> int:
    return round(days / WEEK_DAYS)


def _run_weeks(first: date, last: date) -> int:
    return (last - first).days // WEEK_DAYS + 1


def history(scheme: Scheme, meetings: Sequence[tuple[date, Sequence[Sample]]]) -> History:
    """Trends, weeks in band and actions due from the meetings' snapshots."""
    ordered = sorted(meetings, key=lambda m: m[0])
    dates = [on for on, _ in ordered]
    covered = dict(zip(dates, _covered_days(dates), strict=True))
    order = {b.name: i for i, b in enumerate(scheme.rag)}
    acceptable = next((i for i, b in enumerate(scheme.rag) if b.contains(100.0)), 0)
    series: dict[str, list[Point]] = {}
    team: list[TeamPoint] = []
    for on, samples in ordered:
        by_band = {b.name: 0 for b in scheme.rag}
        pcts = []
        load = benchmark = 0.0
        for s in samples:
            series.setdefault(s.worker_id, []).append(Point(on, s.load_pct, s.band))
            by_band[s.band] = by_band.get(s.band, 0) + 1
            if s.load_pct is not None and math.isfinite(s.load_pct):
                pcts.append(s.load_pct)
            if s.benchmark > 0:
                load += s.load
                benchmark += s.benchmark
        team.append(TeamPoint(
            on, len(samples), 100 * load / benchmark if benchmark > 0 else None,
            math.fsum(pcts) / len(pcts) if pcts else None, by_band))
    latest = dates[-1] if dates else None
    position = {on: i for i, on in enumerate(dates)}

    def run_start(points: Sequence[Point], floor: int, exact: bool = False) -> date | None:
        """First date of the latest run of meetings at band `floor` or higher (`exact`:
        at that band); a meeting the worker missed ends a run."""
        start = None
        for i in range(len(points) - 1, -1, -1):
            band = order.get(points[i].band, 0)
            if band < floor or (exact and band != floor) or (
                    i + 1 < len(points)
                    and position[points[i + 1].on] - position[points[i].on] > 1):
                break
            start = points[i].on
        return start

    trends = []
    due = []
    rules = scheme.due_rules()
    for worker_id in sorted(series):
        points = tuple(series[worker_id])
        days_in: dict[str, int] = {}
        for p in points:
            days_in[p.band] = days_in.get(p.band, 0) + covered[p.on]
        now = points[-1]
        current = now.on == latest
        started = run_start(points, order.get(now.band, 0), exact=True) or now.on
        trends.append(WorkerTrend(worker_id, points,
                                  {band: _weeks(days) for band, days in days_in.items()},
                                  now.band, _run_weeks(started, now.on), current))
        if not current:
            continue
        for rule in rules:
            since = run_start(points, order[rule.band])
            if since is not None and _run_weeks(since, now.on) >= rule.weeks:
                due.append(DueAction(worker_id, rule.band, _run_weeks(since, now.on), since,
                                     rule.action))
    due.sort(key=lambda d: (-order[d.band], -d.weeks, d.worker_id))
    return History(
        bands=tuple(b.name for b in scheme.rag), colours={b.name: b.colour for b in scheme.rag},
        meetings=tuple(dates), workers=tuple(trends), team=tuple(team), due=tuple(due),
        watched=tuple(b.name for b in scheme.rag[acceptable + 1:]))
