"""The backtest report: actual against projected, measure by measure.

A table (terminal and HTML) gives each measure's value at the start, the actual value
at the end, the projection's P10, median and P90, the median's error and whether the
actual fell inside P10-P90; a figure plots the projection's band over time with the
actual values at the start and the end.
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from allocopt.calibration.backtest import MEASURES, Backtest, Projection
from allocopt.report.calibration_view import estimate_table
from allocopt.report.html import Figure as HtmlFigure
from allocopt.report.html import Section, TableBlock, figure_png, html_report
from allocopt.report.labels import count, long_date, lower_first

HEADER = ["Measure", "At the start", "Actual at the end", "P10", "Median", "P90",
          "Error of the median", "Inside P10-P90"]


def _n(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 20 else f"{x:.1f}"


def _counted(p: Projection, x: float) -> str:
    """What an extract shows: children are counted whole (children per worker is not)."""
    return _n(x) if p.measure == "per_worker" else f"{x:,.0f}"


def _error(p: Projection) -> str:
    pct = p.error_pct
    return f"{p.error:+.1f}" + (f" ({pct:+.0%})" if pct is not None else "")


def projection_rows(bt: Backtest) -> list[list[str]]:
    return [[p.label, _counted(p, p.start), _counted(p, p.actual), _n(p.p10), _n(p.p50),
             _n(p.p90), _error(p), "yes" if p.inside else "no"] for p in bt.projections]


def _summary(bt: Backtest) -> str:
    inside = sum(p.inside for p in bt.projections)
    return (f"{inside} of {len(bt.projections)} actual values fell inside the projection's "
            f"P10-P90 band ({bt.runs} runs, seed {bt.seed}); over many backtests about 8 in "
            "10 should.")


def backtest_view(bt: Backtest) -> Group:
    """The terminal report."""
    t = Table(title=f"Backtest: projected from {bt.start} ({escape(bt.kind)}), checked at "
              f"{bt.end}", box=box.SIMPLE_HEAVY, title_justify="left", pad_edge=False)
    for i, name in enumerate(HEADER):
        t.add_column(name, justify="left" if i == 0 else "right", no_wrap=i != 0)
    for p, row in zip(bt.projections, projection_rows(bt), strict=True):
        t.add_row(*(escape(c) for c in row), style=None if p.inside else "yellow")
    parts: list[Any] = [t, Text(_summary(bt))]
    kept = bt.calibration.fallbacks
    if kept:
        parts.append(Text("National figures kept: " + "; ".join(e.label for e in kept),
                          style="yellow"))
    parts += [Text(f"  - {n}") for n in bt.notes]
    return Group(*parts)


def backtest_figure(bt: Backtest) -> Any:
    """Each measure over time: the P10-P90 band, the median and the actual values."""
    import numpy as np

    from allocopt.report.palette import MEDIAN
    from allocopt.report.plots import date_axis, new_figure

    fig = new_figure(11, 7)
    axes = fig.subplots(2, 3)
    for ax, (measure, label) in zip(axes.flat, MEASURES, strict=True):
        series = bt.series.get(measure, [])
        days = np.array([s[0] for s in series], dtype="datetime64[D]")
        ax.fill_between(days, [s[1] for s in series], [s[3] for s in series],
                        color="#9db7d5", alpha=0.6, label="projected P10-P90")
        ax.plot(days, [s[2] for s in series], color=MEDIAN, lw=1.4, label="projected median")
        ax.plot(np.array([bt.start, bt.end], dtype="datetime64[D]"),
                [bt.first.values[measure], bt.last.values[measure]], "o", color="#c0392b",
                label="actual")
        ax.set_title(label, fontsize=9)
        date_axis(ax)
    axes.flat[0].legend(fontsize=7, loc="best")
    fig.suptitle(f"Actual against projected: from {long_date(bt.start)} to "
                 f"{long_date(bt.end)}", fontsize=11)
    return fig


ENOUGH_INSIDE = 0.6
"""At or above this share of measures inside P10-P90 a backtest reads as expected: with six
measures each inside 8 times in 10, four or more are inside in nine backtests of ten."""


def _missed(p: Projection) -> str:
    side = "high" if p.p10 > p.actual else "low"
    return (f"{lower_first(p.label)}: {_counted(p, p.actual)} actually against {_n(p.p10)} "
            f"to {_n(p.p90)} projected (too {side})")


def backtest_answer(bt: Backtest) -> str:
    """One sentence: how many actual values fell inside the band, which did not and which
    way, and a recommendation."""
    text = _summary(bt)
    outside = [p for p in bt.projections if not p.inside]
    if outside:
        text += " Outside it: " + "; ".join(_missed(p) for p in outside) + "."
    if bt.coverage >= ENOUGH_INSIDE:
        return text + (" Recommendation: the calibrated scenario reproduced this period about "
                       "as well as a sound model would, so its what-ifs can inform decisions, "
                       "with the usual caveats.")
    return text + (" Recommendation: the scenario misses something about this service; look "
                   "at the measures outside the band and at the figures kept national before "
                   "acting on a what-if built on it.")


def backtest_precision(bt: Backtest) -> str:
    """How much one backtest can say, in words."""
    return (f"This is based on {count(bt.runs, 'run')} of the projection over "
            f"{count(bt.week, 'week')}. One backtest is one period of six measures: even a "
            "sound model leaves one or two outside the band now and then.")


def backtest_page(bt: Backtest) -> str:
    """The backtest as one self-contained HTML page."""
    png = figure_png(backtest_figure(bt))
    start, end = long_date(bt.start), long_date(bt.end)
    sections = [
        Section("Actual against projected", [
            f"The scenario was calibrated on the records before {start} and simulated "
            f"from the caseload then; the projection is compared with the extract at "
            f"{end}."],
            [TableBlock("", HEADER, projection_rows(bt),
                        "Error: the projection's median minus the actual value.")],
            [HtmlFigure("Actual against projected", png,
                        "The shaded band holds 80 % of the runs; the dots are what the "
                        "extract shows at the start and the end.")]),
        Section("The calibration behind the projection", [], [estimate_table(bt.calibration)]),
    ]
    caveats = ["One backtest is one period: a value outside the band now and then is "
               "expected (two in ten). Many outside, or all on one side, mean the scenario "
               "misses something about the service.",
               "The band shows the spread of the simulation with the calibrated figures; it "
               "leaves out the uncertainty in the figures themselves."]
    if bt.calibration.fallbacks:
        caveats.append("National figures kept: " + "; ".join(
            e.label for e in bt.calibration.fallbacks))
    return html_report(f"Backtest from {start} to {end}",
                       "Would the calibrated scenario have predicted what actually happened?",
                       backtest_answer(bt), sections, caveats + bt.notes,
                       precision=backtest_precision(bt))
