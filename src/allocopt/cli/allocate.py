"""`allocate`, `recommend` and `rebalance`: the weekly allocation meeting."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from allocopt.cli import app
from allocopt.cli.options import Solver, output_format, parse_date, people_console, refuse_inputs
from allocopt.errors import InputError

if TYPE_CHECKING:
    from allocopt.io.meeting import MeetingInputs


class MeetingFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    MD = "md"
    HTML = "html"
    XLSX = "xlsx"


TeamArg = Annotated[Path, typer.Argument(help="Team file (YAML or JSON) naming its caseload.")]
WaitingOpt = Annotated[Path | None, typer.Option(
    "--waiting", "-w", help="Waiting list CSV/XLSX (default: the team file's 'waiting:').")]
PolicyOpt = Annotated[Path | None, typer.Option(
    "--policy", "-p", help="Policy file (default: the team file's 'policy:', else the defaults).")]
SchemeOpt = Annotated[str | None, typer.Option(
    "--scheme", "-s", help="Shipped scheme name or path to a scheme file.")]
DateOpt = Annotated[str | None, typer.Option(
    "--date", "-d", help="Meeting date (default: the team file's as_of).")]
TimeOpt = Annotated[float | None, typer.Option(
    "--time-limit", "-t", min=0.01, max=3600,
    help="Seconds the optimiser may use, at most 3600 (default: the policy's).")]
OutOpt = Annotated[Path | None, typer.Option(
    "--out", "-o", help="Write to this file; its extension says what to write.")]


def _meeting(team: Path, waiting: Path | None, policy: Path | None, scheme: str | None,
             date: str | None, time_limit: float | None, out: Path | None) -> MeetingInputs:
    from allocopt.io.meeting import load_meeting

    meeting = load_meeting(team, waiting, policy, scheme, parse_date(date), time_limit)
    if out is not None:
        refuse_inputs(out, [*meeting.inputs.files, policy or meeting.inputs.team.policy])
    return meeting


def _emit(text: str, out: Path | None) -> None:
    from allocopt.io.atomic import write_text
    from allocopt.report.safe_text import printable

    if out is not None:
        write_text(out, text)
        typer.echo(printable(f"wrote {out}"))
    else:
        typer.echo(text, nl=False)


@app.command()
def allocate(
    team: TeamArg,
    waiting: WaitingOpt = None,
    policy: PolicyOpt = None,
    solver: Annotated[Solver, typer.Option("--solver", help="cpsat (optimiser) or greedy "
                                           "(the manager's rule).")] = Solver.CPSAT,
    time_limit: TimeOpt = None,
    format: Annotated[MeetingFormat | None, typer.Option(
        "--format", "-f", help="table, json, csv, or minutes as md, html or xlsx (default: "
                               "from the --out file's extension, else table).")] = None,
    out: OutOpt = None,
    date: DateOpt = None,
    scheme: SchemeOpt = None,
) -> None:
    """Suggest who takes each waiting household, say why, and say what cannot be allocated."""
    from allocopt.allocation.explain import explain
    from allocopt.allocation.gate import gated_allocation
    from allocopt.allocation.greedy import GreedyAllocator
    from allocopt.allocation.problem import Allocator
    from allocopt.io.allocation_export import meeting_csv, meeting_json
    from allocopt.io.atomic import write_bytes
    from allocopt.report.allocation_view import meeting_renderables
    from allocopt.report.minutes import minutes_from_outcome, minutes_html, minutes_markdown

    fmt = output_format(out, format, list(MeetingFormat))
    if fmt == "xlsx" and out is None:
        raise InputError(None, "a workbook needs a file", field="--format", found="xlsx",
                         expected="--out minutes.xlsx")
    meeting = _meeting(team, waiting, policy, scheme, date, time_limit, out)
    # The optimiser (OR-Tools) loads only when asked for: score and the rest start faster.
    from allocopt.allocation.cpsat import CpSatAllocator

    allocator: Allocator = CpSatAllocator() if solver is Solver.CPSAT else GreedyAllocator()
    # nothing is printed or written unless the validator accepts it (else RuleBreach:
    # exit status 3, see allocopt.cli.main)
    outcome = explain(meeting.problem, gated_allocation(meeting.problem, allocator).result)
    if fmt == "table":
        console = people_console(140)
        for part in meeting_renderables(outcome, meeting.title, console.width):
            console.print(part)
        for warning in meeting.inputs.warnings:
            console.print(f"warning: {warning}", style="yellow")
        return
    if fmt == "json":
        _emit(meeting_json(outcome, meeting.inputs.warnings), out)
    elif fmt == "csv":
        _emit(meeting_csv(outcome), out)
    elif fmt == "xlsx":
        from allocopt.report.minutes import minutes_xlsx

        assert out is not None
        write_bytes(out, minutes_xlsx(minutes_from_outcome(outcome, meeting.title)))
        typer.echo(f"wrote {out}")
    else:
        minutes = minutes_from_outcome(outcome, meeting.title)
        _emit(minutes_html(minutes) if fmt == "html" else minutes_markdown(minutes), out)


class RecommendFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


@app.command("recommend")
def recommend_case(
    team: TeamArg,
    case: Annotated[str, typer.Argument(help="Id of the waiting household.")],
    waiting: WaitingOpt = None,
    policy: PolicyOpt = None,
    format: Annotated[RecommendFormat | None, typer.Option(
        "--format", "-f", help="table or json (default: from the --out file's extension, "
                               "else table).")] = None,
    out: OutOpt = None,
    date: DateOpt = None,
    scheme: SchemeOpt = None,
) -> None:
    """Rank every worker for one waiting household, eligible or not, with the reason."""
    from allocopt.allocation.explain import recommend
    from allocopt.io.allocation_export import recommend_json
    from allocopt.report.allocation_view import recommend_table

    fmt = output_format(out, format, list(RecommendFormat))
    meeting = _meeting(team, waiting, policy, scheme, date, None, out)
    ids = [h.id for h in meeting.problem.households]
    if case not in ids:
        raise InputError(meeting.inputs.team.waiting or team, "no such waiting household",
                         found=case, expected="one of " + ", ".join(ids[:20]))
    rows = recommend(meeting.problem, case)
    if fmt == "json":
        _emit(recommend_json(case, rows), out)
    else:
        people_console(140).print(recommend_table(case, rows))


class RebalanceFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    MD = "md"


@app.command()
def rebalance(
    team: TeamArg,
    policy: PolicyOpt = None,
    time_limit: TimeOpt = None,
    format: Annotated[RebalanceFormat | None, typer.Option(
        "--format", "-f", help="table, json or md (the written plan; default: from the --out "
                               "file's extension, else table).")] = None,
    out: OutOpt = None,
    date: DateOpt = None,
    scheme: SchemeOpt = None,
) -> None:
    """The fewest transfers that bring every worker out of red (then amber): the written plan."""
    from allocopt.io.allocation_export import rebalance_json
    from allocopt.io.inputs import load_inputs
    from allocopt.io.meeting import read_meeting_policy
    from allocopt.io.policy_file import check_policy
    from allocopt.report.allocation_view import rebalance_minutes, rebalance_renderables

    fmt = output_format(out, format, list(RebalanceFormat))
    inputs = load_inputs(team, scheme, parse_date(date))
    chosen, source = read_meeting_policy(inputs, policy)
    if out is not None:
        refuse_inputs(out, [*inputs.files, source])
    check_policy(chosen, inputs.scheme, (w.id for w in inputs.team.team.workers), None, source)
    from allocopt.allocation.rebalance import plan_rebalance

    plan = plan_rebalance(inputs.scheme, chosen, inputs.team.team, inputs.caseload.caseload,
                          inputs.on, time_limit)
    title = inputs.team.team.name or inputs.team.team.id
    if fmt == "table":
        colours = {b.name: b.colour for b in inputs.scheme.rag}
        console = people_console(140)
        for part in rebalance_renderables(plan, title, colours):
            console.print(part)
        return
    _emit(rebalance_json(plan) if fmt == "json" else rebalance_minutes(plan, title), out)
