"""`allocopt calibrate annex-a | ssd`: the simulator's figures from the council's own records.

Heavy libraries (scipy, matplotlib) are imported inside the commands, not here: the
command line starts fast.
"""

from __future__ import annotations

import os
from datetime import date as Date
from pathlib import Path
from typing import Annotated

import typer

from allocopt.cli import app
from allocopt.cli.importing import (
    DateOpt,
    OverridesOpt,
    RosterOpt,
    SchemeOpt,
    SettingsOpt,
    TeamIdOpt,
    TeamOpt,
    TeamTypeOpt,
)
from allocopt.cli.options import check_extension, parse_date, people_console
from allocopt.domain import TeamType
from allocopt.errors import InputError

calibrate_app = typer.Typer(
    help="Replace the scenario's national figures with the council's own, estimated from "
         "an Ofsted Annex A workbook or a Standard Safeguarding Dataset extract.",
    no_args_is_help=True,
)
app.add_typer(calibrate_app, name="calibrate")

BaseOpt = Annotated[Path | None, typer.Option(
    "--base", help="The scenario the calibrated file extends (its national figures are the "
                   "fallback; default: the baseline shipped with allocopt, the same as "
                   "scenarios/baseline.yaml).")]
ScenarioOut = Annotated[Path, typer.Option(
    "--out", "-o", help="The calibrated scenario file to write (.yaml).")]
MinRecordsOpt = Annotated[int, typer.Option(
    "--min-records", help="Fewer records than this keep the national figure.")]
SinceOpt = Annotated[str | None, typer.Option(
    "--since", help="Use records from this date (default: Annex A, the year before the "
                    "date; SSD, the first referral).")]
ReportOpt = Annotated[Path | None, typer.Option(
    "--report", help="Also write the calibration report as one HTML page.")]
PostsOpt = Annotated[int | None, typer.Option(
    "--posts", help="The team's case-holding posts (establishment); default: the workers in "
                    "post, grossed up by the base's vacancy rate.")]


def check_posts(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= 10_000:
        raise InputError(None, "invalid --posts", found=value, expected="1 to 10000")
    return value



def base_scenario_path(base: Path | None) -> Path:
    """The --base file: the one given, else the shipped baseline (found from any folder)."""
    from allocopt.io.scenario_file import scenario_path, shipped_scenario

    if base is not None:
        return scenario_path(str(base))
    shipped = shipped_scenario("baseline")
    assert shipped is not None, "the baseline scenario is package data"
    return shipped


def check_min_records(value: int) -> int:
    if not 1 <= value <= 100_000:
        raise InputError(None, "invalid --min-records", found=value,
                         expected="a whole number from 1 to 100000")
    return value


def scheme_for(value: str | None, out: Path) -> str | None:
    """A shipped scheme by name; a scheme file by a path relative to the written file."""
    if value is None:
        return None
    from allocopt.io.schemes import load_scheme, scheme_path, shipped_names

    load_scheme(value)
    if value in shipped_names():
        return value
    return os.path.relpath(scheme_path(value).resolve(), out.resolve().parent)


def _calibrate(kind: str, source: Path, out: Path, roster: Path | None,
               overrides: Path | None, team: str | None, team_id: str | None,
               team_type: TeamType, scheme: str | None, settings: Path | None,
               date: str | None, base: Path | None, min_records: int, since: str | None,
               report: Path | None, posts: int | None) -> None:
    from allocopt.calibration.estimate import Settings
    from allocopt.io.atomic import write_text
    from allocopt.io.calibration_file import write_calibrated_scenario
    from allocopt.io.extracts.build import ImportOptions
    from allocopt.io.extracts.calibrating import calibrate_sources, read_sources
    from allocopt.io.scenario_file import load_scenario
    from allocopt.report.calibration_view import calibration_page, calibration_view

    check_extension(out, "yaml", "--out")
    check_extension(report, "html", "--report")
    on = parse_date(date) or Date.today()
    first = parse_date(since, "--since")
    if first is not None and first >= on:
        raise InputError(None, "invalid --since", found=str(first),
                         expected=f"a date before {on}")
    base = base_scenario_path(base)
    base_scenario = load_scenario(base)
    sources = read_sources(kind, source, roster, overrides, settings)
    options = ImportOptions(on=on, team=team, team_id=team_id, team_type=team_type,
                            scheme=scheme_for(scheme, out))
    cal, _ = calibrate_sources(sources, options, base_scenario,
                               Settings(min_records=check_min_records(min_records)), first,
                               posts=check_posts(posts))
    name = out.stem
    write_calibrated_scenario(cal, out, base, name)
    people_console().print(calibration_view(cal, str(out)))
    if report is not None:
        write_text(report, calibration_page(cal, str(out)))
        typer.echo(f"wrote {report}")


def _command(kind: str, metavar: str, what: str, doc: str) -> None:
    """Register `allocopt calibrate KIND`: one signature serves both extracts."""

    def command(
        out: ScenarioOut,
        source: Path = typer.Argument(help=what, metavar=metavar),  # noqa: B008 (per kind: not an annotation)
        roster: RosterOpt = None,
        overrides: OverridesOpt = None,
        team: TeamOpt = None,
        team_id: TeamIdOpt = None,
        team_type: TeamTypeOpt = TeamType.LONG_TERM,
        scheme: SchemeOpt = None,
        settings: SettingsOpt = None,
        date: DateOpt = None,
        base: BaseOpt = None,
        min_records: MinRecordsOpt = 30,
        since: SinceOpt = None,
        report: ReportOpt = None,
        posts: PostsOpt = None,
    ) -> None:
        _calibrate(kind, source, out, roster, overrides, team, team_id, team_type, scheme,
                   settings, date, base, min_records, since, report, posts)

    command.__doc__ = doc
    calibrate_app.command(kind)(command)


_command("annex-a", "WORKBOOK", "The Annex A workbook (.xlsx).",
         "Calibrate from an Annex A workbook (the year before its date; no worker history).")
_command("ssd", "DIR", "Folder of SSD tables, one CSV per table.",
         "Calibrate from an SSD extract (its whole history, and staff history where held).")
