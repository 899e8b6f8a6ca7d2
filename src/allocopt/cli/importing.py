"""`allocopt import annex-a | ssd | settings`: read what councils already produce."""

from __future__ import annotations

import os
from datetime import date as Date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from allocopt.cli import app
from allocopt.cli.options import parse_date, people_console
from allocopt.domain import TeamType

if TYPE_CHECKING:
    from allocopt.io.extracts.build import ImportResult
    from allocopt.schemes.model import Scheme

import_app = typer.Typer(
    help="Read an Ofsted Annex A workbook or a Standard Safeguarding Dataset extract into "
         "the team and caseload files that score, allocate and simulate read.",
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")

RosterOpt = Annotated[Path | None, typer.Option(
    "--roster", help="Worker roster (CSV/XLSX): ids or names, qualification dates, hours, "
                     "duties, leave.")]
OverridesOpt = Annotated[Path | None, typer.Option(
    "--overrides", help="Override sheet (CSV/XLSX), one row per child: household, "
                        "intervention level, flags, court stage... Wins over the extract.")]
TeamOpt = Annotated[str | None, typer.Option(
    "--team", help="Keep this team's children (the allocated team as the extract names it).")]
TeamIdOpt = Annotated[str | None, typer.Option("--team-id", help="Team id in the team file.")]
TeamTypeOpt = Annotated[TeamType, typer.Option("--team-type", help="Kind of team.")]
SchemeOpt = Annotated[str | None, typer.Option(
    "--scheme", "-s", help="Scheme the team file names (shipped name or file).")]
SettingsOpt = Annotated[Path | None, typer.Option(
    "--settings", help="Import settings (YAML): local codes, roles, places. "
                       "See `allocopt import settings`.")]
DateOpt = Annotated[str | None, typer.Option(
    "--date", "-d", help="Date the caseload is taken at (default: today).")]
OutOpt = Annotated[Path, typer.Option(
    "--out", "-o", help="Folder for team.yaml, caseload.csv, waiting.csv and the report.")]
NamesOpt = Annotated[bool, typer.Option(
    "--show-names", help="Show children's names in the import report (never in other files).")]
ForceOpt = Annotated[bool, typer.Option(
    "--force", help="Replace the files of an existing --out folder (a hand-edited team.yaml "
                    "or caseload among them).")]


def _scheme(value: str | None, out: Path) -> tuple[str | None, Scheme]:
    """The scheme as the team file names it (a local file relative to the output folder),
    and the scheme itself, checked now."""
    from allocopt.io.schemes import DEFAULT_SCHEME, load_scheme, scheme_path, shipped_names

    if value is None:
        return None, load_scheme(DEFAULT_SCHEME)
    scheme = load_scheme(value)
    if value in shipped_names():
        return value, scheme
    return os.path.relpath(scheme_path(value).resolve(), out.resolve()), scheme


def _run(kind: str, source: Path, roster: Path | None, overrides: Path | None, team: str | None,
         team_id: str | None, team_type: TeamType, scheme: str | None, settings: Path | None,
         date: str | None, out: Path, show_names: bool, force: bool) -> ImportResult:
    from allocopt.io.extracts.build import ImportOptions, run_import
    from allocopt.report.import_view import import_view

    on = parse_date(date) or Date.today()
    named, chosen = _scheme(scheme, out)
    options = ImportOptions(on=on, team=team, team_id=team_id, team_type=team_type,
                            scheme=named)
    result = run_import(kind, source, out, options, roster=roster, overrides=overrides,
                        settings=settings, show_names=show_names, scheme=chosen, force=force)
    console = people_console()
    console.print(import_view(result.report, show_names))
    if result.caseload.households:
        console.print(f"Next: allocopt score {out / 'team.yaml'}")
    return result


@import_app.command("annex-a")
def annex_a(
    workbook: Annotated[Path, typer.Argument(help="The Annex A workbook (.xlsx).")],
    roster: Annotated[Path, typer.Option(
        "--roster", help="Worker roster (CSV/XLSX): Annex A names workers only in free text, "
                         "so the roster says who they are (ids, qualification dates, hours).")],
    out: OutOpt,
    overrides: OverridesOpt = None,
    team: TeamOpt = None,
    team_id: TeamIdOpt = None,
    team_type: TeamTypeOpt = TeamType.LONG_TERM,
    scheme: SchemeOpt = None,
    settings: SettingsOpt = None,
    date: DateOpt = None,
    show_names: NamesOpt = False,
    force: ForceOpt = False,
) -> None:
    """Read Lists 3 to 9 of an Annex A workbook: status, allocated worker, placement travel."""
    _run("annex-a", workbook, roster, overrides, team, team_id, team_type, scheme, settings,
         date, out, show_names, force)


@import_app.command("ssd")
def ssd(
    folder: Annotated[Path, typer.Argument(help="Folder of SSD tables, one CSV per table.")],
    out: OutOpt,
    roster: RosterOpt = None,
    overrides: OverridesOpt = None,
    team: TeamOpt = None,
    team_id: TeamIdOpt = None,
    team_type: TeamTypeOpt = TeamType.LONG_TERM,
    scheme: SchemeOpt = None,
    settings: SettingsOpt = None,
    date: DateOpt = None,
    show_names: NamesOpt = False,
    force: ForceOpt = False,
) -> None:
    """Read SSD tables: open plans and episodes, allocated-worker involvements, families."""
    _run("ssd", folder, roster, overrides, team, team_id, team_type, scheme, settings, date,
         out, show_names, force)


@import_app.command("settings")
def settings_file(
    out: Annotated[Path, typer.Argument(help="Where to write the settings (.yaml).")],
) -> None:
    """Write the default import settings to copy and edit (codes, roles, places)."""
    from allocopt.io.atomic import write_text
    from allocopt.io.extracts.settings import settings_yaml

    write_text(out, settings_yaml())
    typer.echo(f"wrote {out}")
