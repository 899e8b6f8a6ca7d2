"""Plots of what-if studies (matplotlib, Agg canvas, no pyplot state).

- :func:`weekly_panels`: weekly service measures, one column per scenario, side by side
  on shared axes (P10-P90 shaded, median as a line);
- :func:`difference_chart`: each outcome's paired difference from the base with its
  95 % confidence interval, coloured by better or worse;
- :func:`sweep_chart`: each outcome against the swept setting(s), P10-P90 shaded;
- :func:`intake_curve`: each target against the intake size searched, with the
  target line and the answer.

Shares are drawn as percentages. The same results give the same image.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from allocopt.report.labels import scenario_label, setting_label
from allocopt.report.palette import BAND, MEDIAN, NEUTRAL, RAG_COLOURS, rag_fill
from allocopt.report.plots import date_axis, mark_changes, new_figure, smooth
from allocopt.report.values import format_difference, format_value
from allocopt.schemes.model import RagBand
from allocopt.whatif.compare import KEY_METRICS, Comparison
from allocopt.whatif.intake import IntakePlan
from allocopt.whatif.runs import METRIC_BY_NAME, SERIES_LABELS, RunSummary, weekly_band
from allocopt.whatif.sweep import SWEEP_METRICS, Sweep

WORSE = RAG_COLOURS["red"]
BETTER = RAG_COLOURS["green"]
COUNTS = {"breaches", "households", "workers", "posts", "events", "children"}
"""Units that count things: their axes never go below zero."""
PALETTE = ("#1f5fbf", "#d0413a", "#3a9a5b", "#f0a030", "#7a5195", "#00838f", "#6d4c41",
           "#c2185b")


def _scale(unit: str) -> float:
    """Shares are drawn as percentages."""
    return 100.0 if unit == "share" else 1.0


def _axis_unit(unit: str) -> str:
    return "%" if unit == "share" else unit


def _series_unit(measure: str) -> str:
    return "share" if measure.endswith("_share") else "%" if measure == "load_pct" else ""


def rag_lines(ax: Axes, rag: Sequence[RagBand]) -> None:
    """The band thresholds (95 %, 100 %, 110 % by default) in their RAG colours."""
    for band in rag:
        if band.bound is not None and band.bound >= 80:
            ax.axhline(band.bound, color=rag_fill(band.colour), lw=0.9, ls="--")


def weekly_panels(groups: Sequence[tuple[str, Sequence[RunSummary]]],
                  measures: Sequence[str] = ("load_pct", "children_per_fte", "red_share",
                                             "waiting_high_risk"),
                  title: str = "",
                  changes: Sequence[Sequence[tuple[date, str]]] = (),
                  rag: Sequence[RagBand] = ()) -> Figure:
    """Weekly service measures: rows are measures, columns are scenarios, axes shared by row.

    The first group's median is repeated as a grey dashed line in the other
    columns, so each scenario reads against the base. `changes` (one list per
    group) are marked as dotted lines; `rag` draws the band thresholds on load %.
    Load % is shown as a 4-week average: closed cases count to the end of
    their month, so the weekly figure dips at the start of every month.
    """
    measures = [m for m in measures if groups and m in groups[0][1][0].series]
    cols = len(groups)
    fig = new_figure(min(3.6 * cols + 0.8, 16.0), 2.4 * len(measures) + 0.8)
    axes = fig.subplots(len(measures), cols, sharex=True, sharey="row", squeeze=False)
    for row, measure in enumerate(measures):
        scale = _scale(_series_unit(measure))
        window = 4 if measure == "load_pct" else 1
        base = weekly_band(groups[0][1], measure)
        for col, (label, runs) in enumerate(groups):
            ax = axes[row][col]
            band = weekly_band(runs, measure)
            ax.fill_between(band.dates, smooth([v * scale for v in band.p10], window),
                            smooth([v * scale for v in band.p90], window), color=BAND,
                            alpha=0.7, lw=0, label="P10-P90")
            if col > 0:
                ax.plot(base.dates, smooth([v * scale for v in base.p50], window),
                        color="#888888", lw=1.0, ls="--",
                        label=f"{scenario_label(groups[0][0])} (median)")
            ax.plot(band.dates, smooth([v * scale for v in band.p50], window), color=MEDIAN,
                    lw=1.6, label="median")
            if measure == "load_pct":
                rag_lines(ax, rag)
            if col < len(changes):
                mark_changes(ax, changes[col], label=row == 0)
            if row == 0:
                ax.set_title(scenario_label(label), fontsize=10, pad=14)
            if col == 0:
                unit = _axis_unit(_series_unit(measure))
                name = SERIES_LABELS[measure] + (" (4-week average)" if window > 1 else "")
                ax.set_ylabel(name + (f" ({unit})" if measure != "load_pct" and unit else ""),
                              fontsize=8)
            date_axis(ax)
            ax.tick_params(labelsize=7)
        if measure in ("red_share", "waiting_high_risk", "waiting", "children_per_fte"):
            # Only once the whole row is drawn: the shared axis then reaches every
            # column's highest value (set earlier, it would clip the scenarios after
            # the first, where a cut's peaks are).
            axes[row][0].set_ylim(bottom=0)
    handles, labels = axes[0][min(1, cols - 1)].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=len(labels), fontsize=8,
               frameon=False)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def difference_chart(c: Comparison, metrics: Sequence[str] = KEY_METRICS) -> Figure:
    """Each outcome's difference from the base (mean and 95 % CI), one row per outcome."""
    others = c.others
    fig = new_figure(9.0, 0.55 * len(metrics) * max(1, len(others)) + 1.4)
    axes = fig.subplots(len(metrics), 1, squeeze=False)
    for row, name in enumerate(metrics):
        ax = axes[row][0]
        metric = METRIC_BY_NAME[name]
        scale = _scale(metric.unit)
        for k, _other in enumerate(others):
            d = c.difference(k, name)
            colour = {"worse": WORSE, "better": BETTER}.get(d.verdict, NEUTRAL)
            y = len(others) - 1 - k
            if not math.isnan(d.mean):
                lo = 0.0 if math.isnan(d.ci_low) else (d.mean - d.ci_low) * scale
                hi = 0.0 if math.isnan(d.ci_high) else (d.ci_high - d.mean) * scale
                ax.errorbar([d.mean * scale], [y], xerr=[[lo], [hi]], fmt="o", color=colour,
                            ecolor=colour, capsize=3, ms=5)
                ax.annotate(f"{format_difference(d.mean, metric.unit)}  ({d.verdict})", (1.0, y),
                            xycoords=("axes fraction", "data"), xytext=(6, 0),
                            textcoords="offset points", va="center", fontsize=7, color=colour)
        ax.axvline(0, color=MEDIAN, lw=0.8)
        ax.set_yticks(range(len(others)), [scenario_label(o.label) for o in reversed(others)],
                      fontsize=7)
        ax.set_ylim(-0.7, len(others) - 0.3)
        ax.set_title(f"{metric.label}" + (" (percentage points)" if metric.unit in ("share", "%")
                                          else f" ({metric.unit})"),
                     fontsize=8, loc="left")
        if metric.unit == "£":
            ax.xaxis.set_major_formatter(lambda v, _pos: format_value(v, "£"))  # -£50,000
        ax.tick_params(axis="x", labelsize=7)
        ax.margins(x=0.25)
    fig.suptitle(f"Difference from {scenario_label(c.base.label)}: mean and 95 % confidence "
                 f"interval ({c.runs} paired runs)", fontsize=10)
    return fig


def _positions(values: Sequence[Any]) -> tuple[list[float], list[str] | None]:
    """Numbers are plotted at their values; anything else at 0, 1, 2, ... with labels."""
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return [float(v) for v in values], None
    return [float(i) for i in range(len(values))], [str(v) for v in values]


def sweep_chart(s: Sweep, metrics: Sequence[str] = SWEEP_METRICS,
                rag: Sequence[RagBand] = ()) -> Figure:
    """Each outcome against the first swept setting (one line per value of the second)."""
    first = s.parameters[0]
    second = s.parameters[1] if len(s.parameters) > 1 else None
    cols = 2 if len(metrics) > 1 else 1
    rows = math.ceil(len(metrics) / cols)
    fig = new_figure(5.2 * cols, 2.9 * rows + 0.6)
    axes = fig.subplots(rows, cols, squeeze=False)
    x, labels = _positions(first.values)
    current = s.current()
    lines = second.values if second is not None else (None,)
    for i, name in enumerate(metrics):
        ax = axes[i // cols][i % cols]
        metric = METRIC_BY_NAME[name]
        scale = _scale(metric.unit)
        for j, other in enumerate(lines):
            colour = PALETTE[j % len(PALETTE)] if second is not None else MEDIAN
            spreads = [s.point(v, *(() if second is None else (other,))).spread(name)
                       for v in first.values]
            ax.fill_between(x, [sp.p10 * scale for sp in spreads],
                            [sp.p90 * scale for sp in spreads],
                            color=colour if second is not None else BAND,
                            alpha=0.18 if second is not None else 0.7, lw=0,
                            label="P10-P90" if second is None else None)
            ax.plot(x, [sp.p50 * scale for sp in spreads], color=colour, lw=1.6, marker="o",
                    ms=3, label="median" if second is None
                    else f"{setting_label(second.path)}: {other}")
        if labels is None and isinstance(current[0], int | float) and \
                min(x) <= float(current[0]) <= max(x):
            ax.axvline(float(current[0]), color="#888888", ls="--", lw=0.9,
                       label=f"now ({current[0]:g})")
        if labels is not None:
            ax.set_xticks(x, labels, fontsize=7)
        elif len(x) <= 12:
            ax.set_xticks(x, [f"{v:g}" for v in x])  # the values tried, not 42.5
        ax.set_title(metric.label, fontsize=9)
        ax.set_ylabel(_axis_unit(metric.unit), fontsize=8)
        ax.set_xlabel(setting_label(first.path), fontsize=8)
        ax.tick_params(labelsize=7)
        if metric.unit in COUNTS or metric.unit == "share":
            ax.set_ylim(bottom=0)
        if name == "load_pct_mean":
            rag_lines(ax, rag)
        if i == 0:
            ax.legend(fontsize=7, frameon=False)
    for k in range(len(metrics), rows * cols):
        axes[k // cols][k % cols].set_visible(False)
    fig.suptitle(f"{scenario_label(s.base.name)}: outcomes against "
                 f"{setting_label(first.path).lower()} (P10-P90 of {s.runs} runs shaded)",
                 fontsize=11)
    return fig


def intake_curve(plan: IntakePlan) -> Figure:
    """Each target against the intake size searched; the target line and the answer marked."""
    curve = plan.curve()
    n = len(plan.targets)
    fig = new_figure(9.0, 2.7 * n + 0.7)
    axes = fig.subplots(n, 1, squeeze=False, sharex=True)
    x = [o.total for o in curve]
    for i, target in enumerate(plan.targets):
        ax = axes[i][0]
        metric = METRIC_BY_NAME[target.metric]
        scale = _scale(metric.unit)
        spreads = [o.spread(target.metric) for o in curve]
        ax.fill_between(x, [sp.p10 * scale for sp in spreads], [sp.p90 * scale for sp in spreads],
                        color=BAND, alpha=0.6, lw=0, label="P10-P90 of runs")
        ax.plot(x, [o.measured[i] * scale for o in curve], color=MEDIAN, lw=1.2)
        for o in curve:
            ok = o.met[i]
            ax.plot([o.total], [o.measured[i] * scale], marker="o", ms=6,
                    color=BETTER if ok else WORSE, ls="none")
            ax.annotate(str(o.order), (o.total, o.measured[i] * scale), xytext=(4, 4),
                        textcoords="offset points", fontsize=6, color="#555555")
        ax.axhline(target.value * scale, color=WORSE, lw=1.0, ls="--",
                   label=f"target: {target.op} {target.value * scale:g}"
                         f"{'%' if metric.unit in ('share', '%') else ''}")
        if plan.answer is not None:
            ax.axvline(plan.answer.total, color=BETTER, lw=1.2, ls=":",
                       label=f"answer: {plan.answer.total}")
        ax.set_title(target.describe(), fontsize=9, loc="left")
        ax.set_ylabel(_axis_unit(metric.unit), fontsize=8)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole NQSWs only
        if metric.unit in COUNTS or metric.unit == "share":
            high = ax.get_ylim()[1]
            ax.set_ylim(0, max(high, 1.0 if metric.unit in COUNTS else high))
        ax.legend(fontsize=7, frameon=False, loc="best")
    axes[-1][0].set_xlabel("NQSWs taken on (total); small numbers: order searched", fontsize=8)
    fig.suptitle(f"{scenario_label(plan.base.name)}: the intake sizes searched (green meets "
                 f"the target, red does not)", fontsize=10)
    return fig
