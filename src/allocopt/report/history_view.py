"""The team's record over time for people: terminal tables, JSON, and the sparklines the
board draws. Ids only."""

from __future__ import annotations

import json
import math
from typing import Any

from rich import box
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from allocopt.history import History, Point, WorkerTrend
from allocopt.report.terminal import band_text

SPARK = "▁▂▃▄▅▆▇█"
SPARK_TOP = 150.0
"""Load % drawn as a full bar; anything above is drawn full too."""
LAST_MEETINGS = 12
"""How many meetings the terminal's trend line shows."""


def spark(points: tuple[Point, ...]) -> str:
    """Load % over the meetings as a line of block characters (0 % to 150 %)."""
    out = []
    for p in points:
        if p.load_pct is None or not math.isfinite(p.load_pct):
            out.append("?")
            continue
        level = min(max(p.load_pct, 0.0), SPARK_TOP) / SPARK_TOP
        out.append(SPARK[min(int(level * len(SPARK)), len(SPARK) - 1)])
    return "".join(out)


def _pct(x: float | None) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.1f}%"


def _change(w: WorkerTrend) -> str:
    c = w.change
    return "" if c is None else f"{c:+.1f}"


def history_renderables(h: History, title: str) -> list[RenderableType]:
    """Team trend, workers' trends with weeks in the watched bands, actions due."""
    out: list[RenderableType] = [Text(f"{title}: caseload history, {len(h.meetings)} meeting"
                                      f"{'s' if len(h.meetings) != 1 else ''}", style="bold")]
    if not h.meetings:
        out.append(Text("No meetings recorded yet: hold one with `allocopt serve`."))
        return out
    team = Table(title="Team", box=box.SIMPLE_HEAVY, title_justify="left", pad_edge=False)
    for name in ("Meeting", "Workers", "Team load %", "Mean load %", *h.bands):
        team.add_column(name, justify="left" if name == "Meeting" else "right")
    for p in h.team[-LAST_MEETINGS:]:
        team.add_row(p.on.isoformat(), str(p.workers), _pct(p.team_pct), _pct(p.mean_pct),
                     *[str(p.by_band.get(b, 0)) for b in h.bands])
    out.append(team)
    workers = Table(title="Workers", box=box.SIMPLE_HEAVY, title_justify="left", pad_edge=False)
    for name, justify in (("Worker", "left"), ("Load % trend", "left"), ("Now", "right"),
                          ("", "center"), ("Change", "right"),
                          *[(f"Weeks {b}", "right") for b in h.watched], ("In a row", "right")):
        workers.add_column(name, justify=justify)  # type: ignore[arg-type]
    for w in h.workers:
        if not w.current:
            continue
        now = w.latest
        workers.add_row(w.worker_id, spark(w.points[-LAST_MEETINGS:]), _pct(now.load_pct),
                        band_text(now.band, h.colours.get(now.band, "")), _change(w),
                        *[str(w.weeks_in.get(b, 0)) for b in h.watched],
                        f"{w.run_weeks} wk {w.run_band}")
    out.append(workers)
    if h.due:
        out.append(Text("Actions due", style="bold"))
        for d in h.due:
            line = Text(f"  {d.worker_id}: ")
            line.append(f"{d.band} for {d.weeks} week{'s' if d.weeks != 1 else ''} "
                        f"(since {d.since.isoformat()})", style="bold")
            line.append(f": {d.action}")
            out.append(line)
    else:
        out.append(Text("No actions due."))
    return out


def history_json(h: History, team_id: str, scheme_id: str) -> str:
    """`allocopt.history/1`: the same, as JSON."""
    def point(p: Point) -> dict[str, Any]:
        return {"date": p.on.isoformat(), "load_pct": p.load_pct, "band": p.band}

    data = {
        "schema": "allocopt.history/1",
        "team": team_id,
        "scheme": scheme_id,
        "meetings": [d.isoformat() for d in h.meetings],
        "team_trend": [{"date": p.on.isoformat(), "workers": p.workers, "team_pct": p.team_pct,
                        "mean_pct": p.mean_pct, "by_band": p.by_band} for p in h.team],
        "workers": [{"id": w.worker_id, "current": w.current,
                     "points": [point(p) for p in w.points], "weeks_in": w.weeks_in,
                     "run": {"band": w.run_band, "weeks": w.run_weeks}} for w in h.workers],
        "actions_due": [{"worker_id": d.worker_id, "band": d.band, "weeks": d.weeks,
                         "since": d.since.isoformat(), "action": d.action} for d in h.due],
    }
    return json.dumps(data, indent=2) + "\n"
