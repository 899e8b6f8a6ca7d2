"""Plots of simulation results for service managers (matplotlib, Agg, no pyplot state).

- :func:`load_fan`: the service's load % over time, P10-P90 band and median, as a
  4-week average (closed cases count to the end of their month, so the weekly
  figure dips on the first of every month; the weekly median is drawn faintly);
- :func:`rag_area`: workers in each RAG band over time, stacked (mean of runs);
- :func:`waiting_plot`: the waiting list over time, and how long work waited;
- :func:`load_heatmap`: every worker, every week, coloured by RAG band (one run), with a
  key for weeks a worker was not in post.

Each function returns a Figure; :func:`write_plots` saves them as PNG files
atomically. Plots are made with the object-oriented API on the Agg canvas, so
they need no display and the same results give the same image.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from allocopt.io.atomic import atomic_path
from allocopt.report.labels import long_date, scenario_label
from allocopt.report.palette import EVENT, MEDIAN, NOT_IN_POST, rag_fill
from allocopt.schemes.model import RagBand
from allocopt.simulation.records import Aggregate, ReplicationResult

SMOOTH_WEEKS = 4
"""Load % is shown as a 4-week average: a month's closures all drop on the 1st."""


def _colour(band: RagBand) -> str:
    return rag_fill(band.colour)


def smooth(values: Sequence[float], weeks: int = SMOOTH_WEEKS) -> list[float]:
    """A trailing average over `weeks` weeks (the first weeks average what there is)."""
    out: list[float] = []
    for i in range(len(values)):
        window = [v for v in values[max(0, i - weeks + 1):i + 1] if not math.isnan(v)]
        out.append(math.fsum(window) / len(window) if window else math.nan)
    return out


def new_figure(width: float = 9.0, height: float = 4.5) -> Figure:
    """A matplotlib figure drawn off-screen (no display needed)."""
    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def date_axis(ax: Axes) -> None:
    """Concise date labels on the x axis."""
    locator = AutoDateLocator()  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]


def _days(dates: Sequence[date]) -> np.ndarray[Any, np.dtype[np.datetime64]]:
    return np.array(dates, dtype="datetime64[D]")


def _band_lines(ax: Axes, rag: Sequence[RagBand]) -> None:
    for band in rag:
        if band.bound is not None and band.bound >= 90:
            ax.axhline(band.bound, color=_colour(band), lw=0.9, ls="--",
                       label=f"{band.name} up to {band.bound:g}%")


def mark_changes(ax: Axes, changes: Sequence[tuple[date, str]], label: bool = True) -> None:
    """A dotted line at each dated change of the scenario (a cut, a cohort, new benchmarks),
    named at the top of the plot unless `label` is off."""
    for on, words in changes:
        ax.axvline(np.datetime64(on, "D"), color=EVENT, lw=1.0, ls=":")  # type: ignore[arg-type]
        if label:
            ax.annotate(f"{words}, {long_date(on)}", (np.datetime64(on, "D"), 1.0),
                        xycoords=("data", "axes fraction"), xytext=(3, -3),
                        textcoords="offset points", fontsize=7, color=EVENT, va="top")


def load_fan(agg: Aggregate, rag: Sequence[RagBand],
             changes: Sequence[tuple[date, str]] = ()) -> Figure:
    """The service's load % as a 4-week average: P10-P90 over replications shaded, the
    median as a line, the weekly median faintly behind it."""
    series = agg.weekly_series("load_pct")
    fig = new_figure()
    ax = fig.add_subplot()
    x = _days([w.date for w in series])
    ax.fill_between(x, smooth([w.p10 for w in series]), smooth([w.p90 for w in series]),
                    color="#9fb7d5", alpha=0.6, lw=0, label=f"P10-P90 of {agg.runs} runs")
    ax.plot(x, [w.p50 for w in series], color=MEDIAN, lw=0.7, alpha=0.35,
            label="median, week by week")
    ax.plot(x, smooth([w.p50 for w in series]), color=MEDIAN, lw=1.8,
            label=f"median, {SMOOTH_WEEKS}-week average")
    _band_lines(ax, rag)
    mark_changes(ax, changes)
    ax.set_ylabel("load % (total load / total benchmark)")
    ax.set_title(f"{scenario_label(agg.scenario)}: service load % over time")
    ax.text(0.0, -0.16, "Closed cases count to the end of their month, so the weekly figure "
            f"dips on the first of each month; the {SMOOTH_WEEKS}-week average smooths that out.",
            transform=ax.transAxes, fontsize=7, color="#444444")
    ax.legend(loc="lower left", fontsize=8, frameon=False)
    date_axis(ax)
    return fig


def rag_area(agg: Aggregate, rag: Sequence[RagBand],
             changes: Sequence[tuple[date, str]] = ()) -> Figure:
    """Workers in each RAG band by week (mean over replications), stacked."""
    fig = new_figure()
    ax = fig.add_subplot()
    x = _days([d for _, d, _ in agg.band_means])
    stacks = [[m[i] for _, _, m in agg.band_means] for i in range(len(agg.bands))]
    colours = [_colour(b) for b in rag][: len(stacks)]
    ax.stackplot(x, *stacks, labels=[b.name for b in rag][: len(stacks)], colors=colours,
                 alpha=0.9)
    mark_changes(ax, changes)
    ax.set_ylabel("workers (mean of runs)")
    ax.set_title(f"{scenario_label(agg.scenario)}: workers by RAG band")
    ax.legend(loc="lower left", fontsize=8, frameon=False, reverse=True)
    ax.margins(x=0)
    date_axis(ax)
    return fig


def waiting_plot(agg: Aggregate, results: Sequence[ReplicationResult],
                 changes: Sequence[tuple[date, str]] = ()) -> Figure:
    """Left: households waiting over time; right: working days from waiting to allocation."""
    fig = new_figure(11.0, 4.5)
    left, right = fig.subplots(1, 2, width_ratios=(3, 2))
    for measure, colour, label in (("waiting", "#7a5195", "all households"),
                                   ("waiting_high_risk", "#d0413a", "CP / S47 work")):
        series = agg.weekly_series(measure)
        x = _days([w.date for w in series])
        left.fill_between(x, [w.p10 for w in series], [w.p90 for w in series], color=colour,
                          alpha=0.25, lw=0)
        left.plot(x, [w.p50 for w in series], color=colour, lw=1.6, label=f"{label} (median)")
    mark_changes(left, changes)
    left.set_ylim(bottom=0)
    left.set_ylabel("households waiting")
    left.set_title("Waiting list (P10-P90 shaded)")
    left.legend(loc="upper left", fontsize=8, frameon=False)
    date_axis(left)
    high = [a.wait_working_days for r in results for a in r.allocations if a.high_risk]
    other = [a.wait_working_days for r in results for a in r.allocations if not a.high_risk]
    top = max([*high, *other, 10.0])
    bins = np.linspace(0, math.ceil(top), min(60, math.ceil(top) + 1))
    right.hist([other, high], bins=bins, stacked=True, color=["#7a5195", "#d0413a"],
               label=["other work", "CP / S47 work"])
    for days, height in ((1, -12), (5, -24)):
        right.axvline(days, color=MEDIAN, lw=0.9, ls="--")
        right.annotate(f"{days} working day{'s' if days > 1 else ''}", (days, 1),
                       xycoords=("data", "axes fraction"), xytext=(3, height),
                       textcoords="offset points", fontsize=8)
    right.set_xlabel("working days from waiting to allocation")
    right.set_ylabel("allocations (all runs)")
    right.set_title("Time to allocation")
    right.legend(loc="upper right", fontsize=8, frameon=False)
    return fig


def load_heatmap(result: ReplicationResult, rag: Sequence[RagBand], runs: int = 1,
                 changes: Sequence[tuple[date, str]] = ()) -> Figure:
    """Every worker (rows, by team, in order of starting) by week (columns), coloured by RAG
    band; grey where the worker was not in post."""
    first: dict[tuple[str, str], int] = {}
    for w in result.worker_weeks:
        first.setdefault((w.team, w.worker), w.week)
    workers = sorted(first, key=lambda k: (k[0], first[k], k[1]))
    row = {key: i for i, key in enumerate(workers)}
    grid = np.full((len(workers), result.weeks + 1), np.nan)
    for cell in result.worker_weeks:
        grid[row[(cell.team, cell.worker)], cell.week] = min(cell.load_pct, 1000.0)
    bounds = [0.0] + [b.bound for b in rag if b.bound is not None] + [1000.0]
    cmap = ListedColormap([_colour(b) for b in rag]).with_extremes(bad=NOT_IN_POST)
    norm = BoundaryNorm(bounds, cmap.N)
    height = min(max(3.0, 0.06 * len(workers) + 1.5), 30.0)
    fig = new_figure(10.0, height)
    ax = fig.add_subplot()
    image = ax.imshow(np.ma.masked_invalid(grid), aspect="auto", interpolation="nearest",
                      cmap=cmap, norm=norm)
    cbar = fig.colorbar(image, ax=ax, ticks=bounds[1:-1], fraction=0.04)
    cbar.set_label("load %")
    for on, words in changes:
        week = (on - result.start).days / 7
        if 0 <= week <= result.weeks:
            ax.axvline(week, color=EVENT, lw=1.2, ls=":")
            ax.annotate(words, (week, 0), xycoords=("data", "axes fraction"), xytext=(3, 3),
                        textcoords="offset points", fontsize=7, color=EVENT)
    ax.set_xlabel(f"week (week 0 is {long_date(result.start)})")
    ax.set_ylabel("workers, by team")
    if len(workers) <= 40:
        ax.set_yticks(range(len(workers)), [w for _, w in workers], fontsize=7)
    else:  # one label per team, at the middle of its rows, with a line between teams
        firsts: dict[str, int] = {}
        for i, (team, _) in enumerate(workers):
            firsts.setdefault(team, i)
        bounds_at = [*firsts.values(), len(workers)]
        ax.set_yticks([(a + b - 1) / 2 for a, b in itertools.pairwise(bounds_at)],
                      list(firsts), fontsize=7)
        for edge in bounds_at[1:-1]:
            ax.axhline(edge - 0.5, color="white", lw=1.2)
    ax.legend(handles=[Patch(facecolor=NOT_IN_POST, edgecolor="#999999", label="not in post")],
              loc="upper left", bbox_to_anchor=(1.0, -0.02), fontsize=7, frameon=False)
    ax.set_title(f"{scenario_label(result.scenario)}: load % by worker and week (one simulated "
                 f"future: run {result.replication + 1} of {runs})")
    return fig


def write_plots(out: Path, agg: Aggregate, results: Sequence[ReplicationResult],
                rag: Sequence[RagBand], changes: Sequence[tuple[date, str]] = ()) -> list[Path]:
    """Save the four plots as PNG files in `out`, atomically; the paths written.

    `changes` (dated events of the scenario, in words) are marked on every chart over time.
    """
    figures = {
        "load_fan.png": load_fan(agg, rag, changes),
        "rag_area.png": rag_area(agg, rag, changes),
        "waiting.png": waiting_plot(agg, results, changes),
        "heatmap.png": load_heatmap(results[0], rag, len(results), changes),
    }
    written = []
    for name, fig in figures.items():
        path = out / name
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", metadata={"Software": None})
        written.append(path)
    return written
