"""The calibration report: each estimate beside the national figure it replaces.

The terminal shows one table (the council's figure, its 95 % interval, the records
behind it, the national figure, and whether it was used) and the list of national
figures kept; the HTML page adds what each figure means and the notes.
"""

from __future__ import annotations

from rich import box
from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from allocopt.calibration.estimate import Calibration, Estimate
from allocopt.report.html import Cell, Section, TableBlock, html_report
from allocopt.report.labels import long_date, lower_first


def _value(x: float | None, unit: str) -> str:
    if x is None:
        return "-"
    if unit == "share":
        return f"{x:.1%}"
    if abs(x) >= 100 or float(x).is_integer():  # counts (households waiting) are whole
        return f"{x:,.0f}"
    return f"{x:.2f}"


def _interval(e: Estimate) -> str:
    if e.low is None or e.high is None:
        return "-"
    return f"{_value(e.low, e.unit)} to {_value(e.high, e.unit)}"


def _unit(e: Estimate) -> str:
    return "" if e.unit in ("share", "factor") else e.unit


def estimate_rows(cal: Calibration) -> list[list[str]]:
    """One row per estimate: figure, council, interval, records, national, used."""
    return [[e.label, _value(e.value, e.unit), _interval(e), f"{e.n:,}",
             _value(e.national, e.unit), _unit(e), "yes" if e.used else "no: national kept"]
            for e in cal.estimates]


HEADER = ["Figure", "Council", "95 % interval", "Records", "National", "Unit", "Used"]


def estimate_table(cal: Calibration) -> TableBlock:
    """The estimates as a table for a page: the figures that keep the national value are
    tinted amber, as the terminal shows them in yellow."""
    rows: list[list[str | Cell]] = [
        [*row[:-1], Cell(row[-1], band=None if e.used else "amber")]
        for e, row in zip(cal.estimates, estimate_rows(cal), strict=True)]
    return TableBlock("", HEADER, rows,
                      "Intervals are 95 %. A figure marked 'national kept' (tinted) had too "
                      "few records, or none of its kind in the extract; the scenario keeps the "
                      "national value.", left=(5, 6))


def calibration_view(cal: Calibration, written: str | None = None) -> Group:
    """The terminal report."""
    t = Table(title=f"Calibration from the {escape(cal.kind)} (records {cal.since} to "
              f"{cal.on})", box=box.SIMPLE_HEAVY, title_justify="left", pad_edge=False)
    for i, name in enumerate(HEADER):
        t.add_column(name, justify="left" if i in (0, 5, 6) else "right",
                     no_wrap=i not in (0, 6))
    for e, row in zip(cal.estimates, estimate_rows(cal), strict=True):
        t.add_row(*(escape(c) for c in row), style=None if e.used else "yellow")
    parts: list[Table | Text] = [t]
    kept = cal.fallbacks
    if kept:
        parts.append(Text(f"National figures kept ({len(kept)}):", style="bold yellow"))
        parts += [Text(f"  - {e.label}: {e.note}") for e in kept]
    notes = [e for e in cal.estimates if e.used and e.note]
    if notes:
        parts.append(Text("Notes:", style="bold"))
        parts += [Text(f"  - {e.label}: {e.note}") for e in notes]
    parts += [Text(f"  - {n}") for n in cal.notes]
    if written:
        parts.append(Text(f"wrote {written}"))
    return Group(*parts)


MEANINGS = [
    "New referrals a week: households referred, not counting those closed at referral with "
    "no further action or re-referrals (the simulator adds those itself).",
    "Assessments ending in NFA, CIN, CP or CLA: what followed each household's assessment: "
    "care or a CP plan starting soon after, the case staying open (CIN), or closing (NFA).",
    "S47 conversion: of S47 enquiries, those that went to an initial child protection "
    "conference; of conferences, those that started a CP plan.",
    "Time in a status: a lognormal fitted to the spells that began in the extract, counting "
    "spells still open at the date as lasting at least that long (censored).",
]


def calibration_page(cal: Calibration, scenario_file: str | None = None) -> str:
    """The calibration report as one self-contained HTML page."""
    used = sum(1 for e in cal.estimates if e.used)
    kept = cal.fallbacks
    answer = (f"{used} of {len(cal.estimates)} figures come from the council's own records; "
              f"{len(kept)} keep the national figure"
              + (f" ({', '.join(lower_first(e.label) for e in kept)})." if kept else "."))
    sections = [
        Section("Each estimate beside the national figure it replaces",
                [f"Records from {long_date(cal.since)} to {long_date(cal.on)} in "
                 f"{cal.source}."],
                [estimate_table(cal)]),
        Section("What the figures mean", MEANINGS),
    ]
    if kept:
        sections.append(Section("National figures kept",
                                [f"{e.label}: {e.note}" for e in kept]))
    notes = [f"{e.label}: {e.note}" for e in cal.estimates if e.used and e.note] + cal.notes
    if notes:
        sections.append(Section("Notes", notes))
    caveats = ["A calibrated figure describes the period the records cover; a service that "
               "changed during it is described on average.",
               "Before acting on a what-if built on these figures, check that they reproduce "
               "what actually happened in a recent period (a backtest: project from a past "
               "date and compare with the records since)."]
    footer = f"Scenario written to {scenario_file}." if scenario_file else ""
    return html_report(f"Calibration: {cal.kind} at {long_date(cal.on)}",
                       "How do the council's own records change the simulator's figures?",
                       answer, sections, caveats, footer)
