"""`score`, `explain`, `schemes` and `template`: the board and what lies behind it."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from allocopt.cli import app
from allocopt.cli.options import Format, output_format, parse_date, people_console, refuse_inputs
from allocopt.errors import InputError

if TYPE_CHECKING:
    from allocopt.board import TeamBoard
    from allocopt.io.inputs import ScoreInputs

TeamArg = Annotated[Path, typer.Argument(help="Team file (YAML or JSON) naming its caseload.")]
SchemeOpt = Annotated[
    str | None, typer.Option("--scheme", "-s", help="Shipped scheme name or path to a scheme file.")
]
DateOpt = Annotated[
    str | None, typer.Option("--date", "-d", help="Assessment date (default: the team file's as_of).")
]
CaseloadOpt = Annotated[
    Path | None, typer.Option("--caseload", help="Caseload CSV/XLSX instead of the team file's.")
]


ForceOpt = Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")]


def _refuse_overwrite(out: Path, force: bool) -> None:
    """A blank template must never replace a filled-in caseload by accident."""
    if out.exists() and not force:
        raise InputError(out, "the file already exists",
                         expected="a new file name, or --force to replace it")


@app.command()
def score(
    team: TeamArg,
    scheme: SchemeOpt = None,
    date: DateOpt = None,
    caseload: CaseloadOpt = None,
    format: Annotated[Format | None, typer.Option(
        "--format", "-f", help="table, json, csv or xlsx (default: from the --out file's "
                               "extension, else table).")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Write to this file; its extension says what to write.")] = None,
) -> None:
    """Score every worker: load against benchmark, RAG band and the action it requires."""
    from allocopt.board import score_team
    from allocopt.io.inputs import load_inputs
    from allocopt.io.tables import without_cycle_collection

    fmt = output_format(out, format, list(Format))
    if fmt == "xlsx" and out is None:
        raise InputError(None, "a workbook needs a file", field="--format", found="xlsx",
                         expected="--out board.xlsx")
    # Through the output too: the collector's first pass after a large caseload would
    # scan every one of its objects (a second for 200,000 children) and free nothing.
    with without_cycle_collection():
        inputs = load_inputs(team, scheme, parse_date(date), caseload)
        if out is not None:
            refuse_inputs(out, inputs.files)
        board = score_team(inputs.scheme, inputs.team.team, inputs.board_caseload, inputs.on)
        _write_board(board, inputs, fmt, out)


def _write_board(board: TeamBoard, inputs: ScoreInputs, fmt: str, out: Path | None) -> None:
    """The board as `fmt`, to `out` or the terminal."""
    from allocopt.io.atomic import atomic_path, write_bytes, write_text
    from allocopt.io.board_export import board_csv, write_board_json
    from allocopt.report.terminal import print_board

    if fmt == "table":
        print_board(people_console(), board, inputs.warnings, inputs.alerts)
        return
    if fmt == "xlsx":
        from allocopt.io.board_workbook import board_xlsx

        assert out is not None
        write_bytes(out, board_xlsx(board, inputs.warnings))
        typer.echo(f"wrote {out}")
        return
    if fmt == "json":
        # Written a worker at a time: a large caseload's board as one string was 90 MB
        # of text, and over 500 MB more on the way to it.
        if out is None:
            write_board_json(partial(typer.echo, nl=False), board, inputs.warnings)
            return
        with atomic_path(out) as tmp, tmp.open("w", encoding="utf-8", newline="\n") as f:
            write_board_json(f.write, board, inputs.warnings)
        return
    text = board_csv(board)
    if out is not None:
        write_text(out, text)
    else:
        typer.echo(text, nl=False)


@app.command()
def explain(
    team: TeamArg,
    worker: Annotated[str, typer.Argument(help="Worker id.")],
    scheme: SchemeOpt = None,
    date: DateOpt = None,
    caseload: CaseloadOpt = None,
) -> None:
    """One worker's case-by-case breakdown: every column, the rule behind it, and the total."""
    from allocopt.board import score_team
    from allocopt.io.inputs import load_inputs
    from allocopt.report.terminal import explain_view

    inputs = load_inputs(team, scheme, parse_date(date), caseload)
    board = score_team(inputs.scheme, inputs.team.team, inputs.board_caseload, inputs.on)
    try:
        row = board.worker(worker)
    except KeyError:
        ids = ", ".join(w.id for w in inputs.team.team.workers)
        raise InputError(inputs.team.path, "no such worker", found=worker,
                         expected=f"one of {ids}") from None
    people_console().print(explain_view(board, row, inputs.caseload.caseload))


@app.command()
def schemes() -> None:
    """List the shipped weighting schemes."""
    from allocopt.io.schemes import load_scheme, shipped_names
    from allocopt.report.terminal import schemes_table

    people_console().print(schemes_table([load_scheme(n) for n in shipped_names()]))
    typer.echo("Copy one with `allocopt scheme-file NAME OUT.yaml`, edit it, pass it with --scheme.")


@app.command("scheme-file")
def scheme_file(
    name: Annotated[str, typer.Argument(help="Shipped scheme name.")],
    out: Annotated[Path, typer.Argument(help="Where to write the copy (.yaml).")],
    force: ForceOpt = False,
) -> None:
    """Copy a shipped scheme file so your authority can edit it."""
    from allocopt.io.atomic import write_text
    from allocopt.io.schemes import scheme_path

    _refuse_overwrite(out, force)
    write_text(out, scheme_path(name).read_text(encoding="utf-8"))
    typer.echo(f"wrote {out}")


@app.command()
def template(
    out: Annotated[Path, typer.Argument(help="caseload.csv, caseload.xlsx, team.yaml, or "
                                             "team.xlsx with --team")],
    team: Annotated[bool, typer.Option(
        "--team", help="A whole team in one workbook: team, workers, caseload and waiting "
                       "sheets (read wherever a team file is).")] = False,
    force: ForceOpt = False,
) -> None:
    """Write a blank caseload sheet (.csv/.xlsx), team file (.yaml) or team workbook to fill in."""
    from allocopt.io.template import write_template

    _refuse_overwrite(out, force)
    write_template(out, team)
    typer.echo(f"wrote {out}")
