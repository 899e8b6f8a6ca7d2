"""Calibrate from an extract: read its history, import its caseload, estimate.

The one place that joins the readers (history and import), the roster and override
sheet, the team filter and the estimators, for both `allocopt calibrate` and
`allocopt backtest`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from allocopt.calibration.calibrate import StartingPoint, calibrate, starting_point
from allocopt.calibration.estimate import Calibration, Settings
from allocopt.calibration.history import History
from allocopt.io.extracts.build import ImportOptions, ImportResult, build_import
from allocopt.io.extracts.facts import answer_key
from allocopt.io.extracts.report import ImportReport
from allocopt.io.extracts.roster import (
    Overrides,
    Roster,
    RosterEntry,
    read_overrides,
    read_roster,
)
from allocopt.io.extracts.settings import ImportSettings, read_settings
from allocopt.simulation.scenario import Scenario

KINDS = ("annex-a", "ssd")


@dataclass(frozen=True)
class Sources:
    """The extract and the team's own files, read once."""

    kind: str
    source: Path
    roster: Roster | None
    overrides: Overrides | None
    settings: ImportSettings


def read_sources(kind: str, source: Path, roster: Path | None, overrides: Path | None,
                 settings: Path | ImportSettings | None) -> Sources:
    """Read the roster, override sheet and import settings beside an extract."""
    if kind not in KINDS:
        raise ValueError(f"unknown extract kind {kind!r}")
    chosen = settings if isinstance(settings, ImportSettings) else read_settings(settings)
    return Sources(kind, source, read_roster(roster) if roster is not None else None,
                   read_overrides(overrides) if overrides is not None else None, chosen)


def as_of(sources: Sources, on: date) -> Sources:
    """The sources as they stood at an earlier date: a roster written later lists workers
    who qualified or started after `on`; they were not in post then and are left out."""
    roster = sources.roster
    if roster is None:
        return sources

    def began_by(entry: RosterEntry) -> bool:
        return all(entry.fields.get(k) is None or entry.fields[k] <= on
                   for k in ("qualified_on", "started_on"))

    kept = [e for e in roster.entries if began_by(e)]
    if len(kept) == len(roster.entries):
        return sources
    return dataclasses.replace(sources, roster=Roster(roster.path, kept))


def read_history(sources: Sources, on: date, since: date | None = None
                 ) -> tuple[History, ImportReport]:
    """Every dated record of the extract up to `on`."""
    from allocopt.io.extracts.history import read_annex_a_history, read_ssd_history

    if sources.kind == "annex-a":
        return read_annex_a_history(sources.source, on, sources.overrides, since)
    return read_ssd_history(sources.source, on, sources.overrides, since)


def reading_notes(report: ImportReport) -> list[str]:
    """What the readers could not read, in short (the calibration report's notes)."""
    notes = []
    problems = report.cell_problems
    if problems:
        shown = "; ".join(f"{p.where} row {p.row} {p.column}: {p.problem}" for p in problems[:3])
        more = f" and {len(problems) - 3} more" if len(problems) > 3 else ""
        notes.append(f"{len(problems)} cells could not be used ({shown}{more})")
    unknown = list(report.unknown_values.values())
    if unknown:
        notes.append(f"{len(unknown)} unknown codes or values (run `allocopt import` on the "
                     "same extract for the full list)")
    return notes


def import_at(sources: Sources, options: ImportOptions) -> ImportResult:
    """The team, caseload and waiting list at `options.on` (nothing written)."""
    from allocopt.io.extracts.annex_a import read_annex_a
    from allocopt.io.extracts.ssd import read_ssd

    reader = read_annex_a if sources.kind == "annex-a" else read_ssd
    extract = reader(sources.source, options.on, sources.settings)
    return build_import(extract, sources.roster, sources.overrides, options, sources.settings)


def team_history(history: History, result: ImportResult, team: str | None) -> History:
    """Only the team's children: named for the team on any row, or in its caseload now."""
    if team is None:
        return history
    key = answer_key(team)
    now = {c.id for caseload in (result.caseload, result.waiting)
           for h in caseload.households for c in h.children}
    children = {c for c, teams in history.teams.items() if key in teams} | now
    out = history.only_children(children)
    out.notes.append(f"only the {len(children)} children named for team {team!r} on any row, "
                     "or held by it at the date, are counted")
    return out


def start_of(result: ImportResult, base: Scenario, on: date, holders_only: bool = False
             ) -> StartingPoint:
    """The starting point of the simulation: the imported caseload at `on`."""
    from allocopt.io.schemes import load_scheme

    scheme = load_scheme(result.options.scheme) if result.options.scheme else base.scheme
    return starting_point(scheme, result.team, result.caseload, result.waiting, on,
                          f"{result.extract.kind} at {on}", holders_only)


def calibrate_sources(sources: Sources, options: ImportOptions, base: Scenario,
                      settings: Settings, since: date | None = None,
                      history: History | None = None, holders_only: bool = False,
                      posts: int | None = None) -> tuple[Calibration, ImportResult]:
    """Calibrate on the extract's records before `options.on`, from its caseload then.

    `history` may be given already read (a backtest reads the extract once, at its end,
    and cuts it at the start). With `holders_only` only workers holding children at the
    date count as in post (a backtest: the roster is of a later date). `posts` is the
    establishment, where the council gives it (else the workers in post, grossed up).
    """
    if history is None:
        history, report = read_history(sources, options.on, since)
        history.notes += reading_notes(report)
    elif history.on > options.on:
        history = history.before(options.on)
    result = import_at(sources, options)
    history = team_history(history, result, options.team)
    start = start_of(result, base, options.on, holders_only)
    if posts is not None:
        start = dataclasses.replace(start, posts=posts)
    cal = calibrate(history, base, settings, start)
    if options.scheme:
        cal.set("scheme", options.scheme, "the scheme named at calibration")
    return cal, result


def calibrated_scenario(base: Scenario, cal: Calibration, name: str) -> Scenario:
    """The base scenario with the calibration's settings, starting at its date (the same
    scenario the written file gives)."""
    from allocopt.io.schemes import load_scheme

    settings = dict(cal.settings)
    scheme = settings.pop("scheme", None)
    scenario = base.with_overrides({**settings, "start": cal.on, "name": name,
                                    "description": f"{cal.kind} calibration at {cal.on}"},
                                   "the calibration")
    if scheme is not None:
        scenario = scenario.model_copy(update={"scheme": load_scheme(str(scheme))})
    return scenario
