"""`allocopt backtest annex-a | ssd`: would the calibrated scenario have predicted the past?

Heavy libraries (scipy, matplotlib) are imported inside the commands, not here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from allocopt.cli import app
from allocopt.cli.calibrate import (
    BaseOpt,
    MinRecordsOpt,
    PostsOpt,
    base_scenario_path,
    check_min_records,
    check_posts,
    scheme_for,
)
from allocopt.cli.importing import (
    OverridesOpt,
    RosterOpt,
    SchemeOpt,
    SettingsOpt,
    TeamIdOpt,
    TeamOpt,
    TeamTypeOpt,
)
from allocopt.cli.options import (
    JobsOpt,
    SchedulerOpt,
    SeedOpt,
    SimSolverOpt,
    Solver,
    check_extension,
    check_runs,
    parse_date,
    people_console,
    progress_bar,
    solver_name,
)
from allocopt.domain import TeamType
from allocopt.errors import InputError

backtest_app = typer.Typer(
    help="Calibrate on the records before --from, project from the caseload then, and "
         "compare the projection with what the extract shows at --to.",
    no_args_is_help=True,
)
app.add_typer(backtest_app, name="backtest")

FromOpt = Annotated[str, typer.Option("--from", help="Project from this date.")]
ToOpt = Annotated[str, typer.Option("--to", help="Compare with what happened by this date.")]
RunsOpt = Annotated[int, typer.Option("--runs", "-n", help="Monte Carlo replications.")]
ReportOpt = Annotated[Path | None, typer.Option(
    "--report", help="Write the backtest as one HTML page (table and plot).")]
PlotOpt = Annotated[Path | None, typer.Option(
    "--plot", help="Write the plot of actual against projected (.png).")]
ScenarioOpt = Annotated[Path | None, typer.Option(
    "--scenario", help="Also write the scenario calibrated at --from (.yaml).")]


def _dates(start: str, end: str) -> tuple[object, object]:
    first = parse_date(start, "--from")
    last = parse_date(end, "--to")
    assert first is not None and last is not None
    if last <= first:
        raise InputError(None, "invalid --to", found=str(last), expected=f"a date after {first}")
    return first, last


def _backtest(kind: str, sources: list[str], start: str, end: str, roster: Path | None,
              overrides: Path | None, team: str | None, team_id: str | None,
              team_type: TeamType, scheme: str | None, settings: Path | None, base: Path | None,
              min_records: int, runs: int, seed: int, jobs: int | None, scheduler: str | None,
              solver: Solver | None, report: Path | None, plot: Path | None,
              scenario_out: Path | None, posts: int | None) -> None:
    from datetime import date

    from allocopt.calibration.estimate import Settings
    from allocopt.io.atomic import write_text
    from allocopt.io.calibration_file import write_calibrated_scenario
    from allocopt.io.extracts.backtesting import (
        backtest_scenario,
        choose_books,
        dated_workbook,
        run_backtest,
    )
    from allocopt.io.extracts.build import ImportOptions
    from allocopt.io.extracts.calibrating import read_sources
    from allocopt.io.scenario_file import load_scenario
    from allocopt.report.backtest_view import backtest_figure, backtest_page, backtest_view
    from allocopt.report.html import figure_png

    check_extension(report, "html", "--report")
    check_extension(plot, "png", "--plot")
    check_extension(scenario_out, "yaml", "--scenario")
    first, last = _dates(start, end)
    assert isinstance(first, date) and isinstance(last, date)
    jobs = check_runs(runs, seed, jobs, least_runs=2)
    base = base_scenario_path(base)
    base_scenario = load_scenario(base)
    calibration = Settings(min_records=check_min_records(min_records))
    if kind == "ssd":
        if len(sources) != 1:
            raise InputError(None, "give one SSD folder", found=f"{len(sources)} arguments",
                             expected="the folder of the extract taken at or after --to")
        begin = finish = read_sources(kind, Path(sources[0]), roster, overrides, settings)
        on, until = first, last
    else:
        (on, book), (until, last_book) = choose_books([dated_workbook(s) for s in sources],
                                                      first, last)
        begin = read_sources(kind, book, roster, overrides, settings)
        finish = read_sources(kind, last_book, roster, overrides, settings)
    options = ImportOptions(on=on, team=team, team_id=team_id, team_type=team_type,
                            scheme=scheme_for(scheme, scenario_out or Path("x.yaml")))
    scenario, bt = backtest_scenario(base_scenario, begin, options, calibration, finish, until,
                                     history_at_end=kind == "ssd", posts=check_posts(posts))
    if kind != "ssd" and (on, until) != (first, last):
        bt.notes.append(f"the workbooks dated {on} and {until} were used")
    if scenario_out is not None:
        write_calibrated_scenario(bt.calibration, scenario_out, base, scenario_out.stem)
    name = solver_name(solver)
    with progress_bar("Backtest runs") as update:
        run_backtest(scenario, bt, runs, seed, name, jobs, scheduler, update)
    people_console().print(backtest_view(bt))
    if plot is not None:
        from allocopt.io.atomic import write_bytes

        write_bytes(plot, figure_png(backtest_figure(bt)))
        typer.echo(f"wrote {plot}")
    if report is not None:
        write_text(report, backtest_page(bt))
        typer.echo(f"wrote {report}")


def _command(kind: str, metavar: str, what: str, doc: str) -> None:
    """Register `allocopt backtest KIND`: one signature serves both extracts."""

    def command(
        start: FromOpt,
        end: ToOpt,
        sources: list[str] = typer.Argument(help=what, metavar=metavar),  # noqa: B008
        roster: RosterOpt = None,
        overrides: OverridesOpt = None,
        team: TeamOpt = None,
        team_id: TeamIdOpt = None,
        team_type: TeamTypeOpt = TeamType.LONG_TERM,
        scheme: SchemeOpt = None,
        settings: SettingsOpt = None,
        base: BaseOpt = None,
        min_records: MinRecordsOpt = 30,
        runs: RunsOpt = 40,
        seed: SeedOpt = 1,
        jobs: JobsOpt = None,
        scheduler: SchedulerOpt = None,
        solver: SimSolverOpt = None,
        report: ReportOpt = None,
        plot: PlotOpt = None,
        scenario: ScenarioOpt = None,
        posts: PostsOpt = None,
    ) -> None:
        _backtest(kind, sources, start, end, roster, overrides, team, team_id, team_type,
                  scheme, settings, base, min_records, runs, seed, jobs, scheduler, solver,
                  report, plot, scenario, posts)

    command.__doc__ = doc
    backtest_app.command(kind)(command)


_command("annex-a", "WORKBOOK@DATE...",
         "Annex A workbooks of different dates: each named with its date "
         "(annex-a-2026-04-01.xlsx) or given as PATH@YYYY-MM-DD.",
         "Backtest on Annex A workbooks: calibrate on the one at --from, compare with --to.")
_command("ssd", "DIR", "Folder of SSD tables taken at or after --to.",
         "Backtest on an SSD extract: its records before --from calibrate, --to is compared.")
