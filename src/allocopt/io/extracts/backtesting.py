"""Backtest: calibrate on the records before a date, project, and compare with the end.

For an SSD extract one folder holds both dates: its history up to the start calibrates
the scenario, its caseload at the start is where the simulation begins, and its
caseload at the end is what actually happened. For Annex A, each workbook holds one
date (a workbook covers the year before it): the one at or before the start
calibrates, the first at or after the end is compared.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from allocopt.calibration.backtest import Backtest, actual_snapshot, compare
from allocopt.calibration.estimate import Settings
from allocopt.errors import InputError
from allocopt.io import cells
from allocopt.io.extracts.build import ImportOptions
from allocopt.io.extracts.calibrating import (
    Sources,
    as_of,
    calibrate_sources,
    calibrated_scenario,
    import_at,
    read_history,
    reading_notes,
)
from allocopt.simulation.scenario import Scenario

_ISO = re.compile(r"(\d{4}-\d{2}-\d{2})")


def dated_workbook(item: str) -> tuple[date, Path]:
    """'annex-a.xlsx@2026-04-01', or a workbook whose name holds its date
    ('annex-a-2026-04-01.xlsx')."""
    text, sep, when = item.rpartition("@")
    path = Path(text if sep else item)
    found = when if sep else None
    if found is None:
        m = _ISO.search(path.name)
        if m is None:
            raise InputError(path, "the workbook's date is not known", expected="a date in "
                             "the name (annex-a-2026-04-01.xlsx) or PATH@YYYY-MM-DD")
        found = m[1]
    try:
        on = cells.to_date(found)
    except cells.CellError as e:
        raise InputError(path, "not a date after @", found=found, expected=e.expected) from None
    if on is None:
        raise InputError(path, "no date after @", expected="PATH@YYYY-MM-DD")
    return on, path


def choose_books(books: Sequence[tuple[date, Path]], start: date, end: date
                 ) -> tuple[tuple[date, Path], tuple[date, Path]]:
    """The workbook at or latest before `start`, and the first at or after `end`."""
    before = [b for b in books if b[0] <= start]
    after = [b for b in books if b[0] >= end]
    dates = ", ".join(str(d) for d, _ in sorted(books)) or "none"
    if not before:
        raise InputError(None, "no Annex A workbook dated on or before --from",
                         found=dates, expected=f"a workbook dated {start} or earlier")
    if not after:
        raise InputError(None, "no Annex A workbook dated on or after --to",
                         found=dates, expected=f"a workbook dated {end} or later")
    return max(before), min(after)


def backtest_scenario(base: Scenario, sources: Sources, options: ImportOptions,
                      settings: Settings, end_sources: Sources, end: date,
                      history_at_end: bool, posts: int | None = None
                      ) -> tuple[Scenario, Backtest]:
    """Calibrate at `options.on`; the scenario to run and the backtest (no runs yet)."""
    history = None
    if history_at_end:
        history, report = read_history(sources, end)
        history.notes += reading_notes(report)
    cal, first = calibrate_sources(as_of(sources, options.on), options, base, settings,
                                   history=history, holders_only=True, posts=posts)
    last = import_at(end_sources, replace(options, on=end))
    start = options.on
    weeks = max((end - start).days // 7, 1)
    scenario = calibrated_scenario(base, cal, f"backtest from {start}")
    scenario = scenario.with_overrides({"weeks": weeks, "warmup_weeks": 0}, "the backtest")
    bt = Backtest(sources.kind, start, end, weeks, cal,
                  actual_snapshot(first.team, first.caseload, first.waiting, start,
                                  f"{first.extract.kind} at {start}"),
                  actual_snapshot(last.team, last.caseload, last.waiting, end,
                                  f"{last.extract.kind} at {end}"))
    holding = len({h.worker_id for h in first.caseload.holdings})
    bt.notes.append(f"{first.extract.kind} at {start}: {holding} workers holding children "
                    "(the roster is of a later date: only they count as in post)")
    if (end - start).days % 7:
        bt.notes.append(f"the projection is read at week {weeks} "
                        f"({(end - start).days - 7 * weeks} days before {end})")
    return scenario, bt


def run_backtest(scenario: Scenario, bt: Backtest, runs: int, seed: int,
                 solver: str | None = None, jobs: int = 1, scheduler: str | None = None,
                 progress: Callable[[int, int], None] | None = None) -> Backtest:
    """Run the replications and compare the projection with the end."""
    from allocopt.simulation.runner import run_task, tasks
    from allocopt.whatif.parallel import run_tasks

    results = run_tasks(run_task, tasks(scenario, runs, seed, solver), jobs, scheduler, progress)
    bt.runs, bt.seed = runs, seed
    bt.projections, bt.series = compare(results, bt.week, bt.first, bt.last)
    return bt
