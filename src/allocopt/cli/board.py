"""`serve` and `history`: the allocation meeting in a browser, and its record over time.

The web server, the database layer and the templates are imported inside the
commands, so that every other command starts without them.
"""

from __future__ import annotations

import os
import socket
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from allocopt.cli import app
from allocopt.cli.allocate import PolicyOpt, SchemeOpt, TeamArg, TimeOpt
from allocopt.cli.options import Solver, parse_date, people_console
from allocopt.errors import InputError

if TYPE_CHECKING:
    from allocopt.record.store import DecisionRecord

SECRET_ENV = "ALLOCOPT_BOARD_SECRET"

DbOpt = Annotated[str | None, typer.Option(
    "--db", help="Decision record: a SQLite file, sqlite:///FILE or postgresql://USER@HOST/DB "
    "(default: <team file>.record.sqlite beside the team file).")]

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(message)s"}},
    "handlers": {"err": {"class": "logging.StreamHandler", "formatter": "plain",
                         "stream": "ext://sys.stderr"}},
    "loggers": {
        # uvicorn's own lines say where it listens and when it stops; its access log
        # (which would show query strings) is off: the board logs method, path, status
        "uvicorn": {"handlers": ["err"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
        "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        "allocopt.web": {"handlers": ["err"], "level": "INFO", "propagate": False},
    },
}


def _shown_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _secret(secret_file: Path | None) -> str | None:
    if secret_file is not None:
        try:
            text = secret_file.read_text(encoding="utf-8").strip()
        except OSError:
            raise InputError(secret_file, "the secret file cannot be read",
                             expected="a readable text file holding the board's secret") from None
        if not text:
            raise InputError(secret_file, "the secret file is empty",
                             expected="the board's secret, at least 16 characters")
        return text
    return os.environ.get(SECRET_ENV) or None


def _check_port(host: str, port: int) -> None:
    """Refuse at once, before the optimiser runs, if the address cannot be listened on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as e:
            raise InputError(None, f"cannot listen on {host} port {port}", field="--port",
                             found=e.strerror or "refused",
                             expected="a free port (--port) on an address of this computer"
                             ) from None


def open_team_record(team: Path, db: str | None) -> DecisionRecord:
    """The decision record for a team (the --db URL, or the file beside the team file)."""
    from allocopt.record.store import database_url, open_record

    return open_record(database_url(db, team))


@app.command()
def serve(
    team: TeamArg,
    waiting: Annotated[Path | None, typer.Argument(
        help="Waiting list CSV/XLSX (default: the team file's 'waiting:').")] = None,
    policy: PolicyOpt = None,
    db: DbOpt = None,
    host: Annotated[str, typer.Option(
        "--host", help="Address to listen on; anything but 127.0.0.1 needs a secret.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")
                    ] = 8000,
    solver: Annotated[Solver, typer.Option("--solver", help="cpsat (optimiser) or greedy.")
                      ] = Solver.CPSAT,
    time_limit: TimeOpt = None,
    date: Annotated[str | None, typer.Option(
        "--date", "-d", help="Meeting date (default: the team file's as_of).")] = None,
    scheme: SchemeOpt = None,
    show_names: Annotated[bool, typer.Option(
        "--show-names", help="Show children's and workers' names where the files have them.")
    ] = False,
    secret_file: Annotated[Path | None, typer.Option(
        "--secret-file", help=f"File holding the board's secret (or set {SECRET_ENV}).")
    ] = None,
) -> None:
    """Hold the allocation meeting in a browser: the board, decisions, minutes, history."""
    import uvicorn

    from allocopt.allocation.cpsat import CpSatAllocator
    from allocopt.allocation.greedy import GreedyAllocator
    from allocopt.allocation.problem import Allocator
    from allocopt.io.meeting import load_meeting
    from allocopt.web.app import create_app, settle
    from allocopt.web.meeting import MeetingBoard
    from allocopt.web.security import Access, AccessError

    try:
        access = Access.for_server(host, port, _secret(secret_file))
    except AccessError as e:
        raise InputError(None, str(e)) from None
    _check_port(host, port)
    meeting = load_meeting(team, waiting, policy, scheme, parse_date(date), time_limit)
    from allocopt.record.store import database_url

    url = database_url(db, team)
    record = open_team_record(team, db)

    def allocator() -> Allocator:
        return CpSatAllocator() if solver is Solver.CPSAT else GreedyAllocator()

    # the server's status lines go to stderr with uvicorn's: stdout stays empty, so a
    # first run the gate refuses (exit 3) has printed nothing, as its message says
    err = people_console(stderr=True)
    err.print(f"Opening the meeting of {meeting.title} on {meeting.inputs.on:%d %b %Y} "
              f"(the optimiser may take up to {meeting.policy.time_limit_s:g} s)...")
    board = MeetingBoard(meeting, record, allocator, show_names=show_names)
    settle()
    state = "carried on" if board.meeting.reopened else "opened"
    err.print(f"Meeting {state}: {len(board.rows)} decisions recorded so far. "
              f"Decision record: {_shown_url(url)}")
    shown_host = f"[{host}]" if ":" in host else host
    err.print(f"The board is at http://{shown_host}:{port}/ (Ctrl-C to stop).")
    for warning in meeting.inputs.warnings:
        err.print(f"warning: {warning}", style="yellow", markup=False)
    try:
        uvicorn.run(create_app(board, access), host=host, port=port, log_config=LOGGING,
                    access_log=False, server_header=False)
    except KeyboardInterrupt:
        record.close()
        sys.exit(130)
    record.close()


class HistoryFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


@app.command("history")
def history_cmd(
    team: TeamArg,
    db: DbOpt = None,
    format: Annotated[HistoryFormat, typer.Option("--format", "-f", help="table or json.")
                      ] = HistoryFormat.TABLE,
    scheme: SchemeOpt = None,
) -> None:
    """Load % trends, weeks in amber and red, and the actions now due, from the record."""
    from allocopt.history import history
    from allocopt.io.schemes import DEFAULT_SCHEME, load_scheme
    from allocopt.io.team_file import read_team
    from allocopt.record.store import database_url, sqlite_file
    from allocopt.report.history_view import history_json, history_renderables

    source = read_team(team)
    chosen = load_scheme(scheme) if scheme is not None else load_scheme(
        source.scheme or DEFAULT_SCHEME, relative_to=source.path.parent)
    # reading the history creates no database: a SQLite file that is not there holds
    # no meetings (the default one, before the first meeting) or is a mistyped --db
    file = sqlite_file(database_url(db, team))
    if file is not None and not file.exists():
        if db is not None:
            raise InputError(file, "there is no decision record in this file", field="--db",
                             expected="the record `allocopt serve` keeps for the team (the "
                             "default is the file beside the team file)")
        h = history(chosen, [])
    else:
        record = open_team_record(team, db)
        try:
            h = history(chosen, record.history(source.team.id))
        finally:
            record.close()
    if format is HistoryFormat.JSON:
        typer.echo(history_json(h, source.team.id, chosen.id), nl=False)
        return
    console = people_console(140)
    for part in history_renderables(h, source.team.name or source.team.id):
        console.print(part)
