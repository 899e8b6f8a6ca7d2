"""What commands share: option types, date parsing, the console and the progress bar."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from allocopt.errors import InputError
from allocopt.io import cells
from allocopt.io.atomic import output_folder
from allocopt.report.safe_text import SafeConsole, printable


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


def parse_date(value: str | None, option: str = "--date") -> date | None:
    """A date given on the command line, in ISO or UK form."""
    if value is None:
        return None
    try:
        return cells.to_date(value)
    except cells.CellError as e:
        raise InputError(None, f"invalid {option}", found=value, expected=e.expected) from None


class Solver(StrEnum):
    """How each allocation is decided: the optimiser or the manager's rule."""

    CPSAT = "cpsat"
    GREEDY = "greedy"


RunsOpt = Annotated[int, typer.Option("--runs", "-n", help="Replications per scenario.")]
WeeksOpt = Annotated[int | None, typer.Option("--weeks", "-w", help="Weeks to project.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed: the same seed, the same results.")]
JobsOpt = Annotated[int | None, typer.Option(
    "--jobs", "-j", help="Local worker processes (default: every core).")]
SchedulerOpt = Annotated[str | None, typer.Option(
    "--scheduler", help="Run on a Dask cluster at this address (tcp://host:8786).")]
SimSolverOpt = Annotated[Solver | None, typer.Option(
    "--solver", help="cpsat (optimiser) or greedy (the manager's rule) at each meeting "
                     "(default: the scenario's).")]


def solver_name(solver: Solver | None) -> str | None:
    """The allocator name the simulator takes (None: the scenario's own)."""
    return solver.value if solver is not None else None


FORMAT_BY_SUFFIX = {".json": "json", ".csv": "csv", ".xlsx": "xlsx", ".md": "md",
                    ".html": "html", ".htm": "html", ".yaml": "yaml", ".yml": "yaml",
                    ".png": "png"}
ALTERNATIVE_SUFFIXES = (".htm", ".yml")
"""Accepted, but not offered in the message (one spelling per format is enough)."""


def output_format(out: Path | None, format: str | None, allowed: Sequence[str],
                  terminal: str = "table", option: str = "--out") -> str:
    """The format to write: the one `--out`'s extension names, or the command refuses.

    Without ``--out`` it is ``--format`` (default `terminal`). With it, the file's
    extension decides; a ``--format`` that disagrees, or an extension the command
    cannot write, is refused rather than silently writing something else. `option`
    names the output option in the message (``--report``, ``--plot``...).
    """
    if out is None:
        return format or terminal
    if out.is_dir():
        raise InputError(out, "is a folder, not a file", expected="a file name to write to")
    by_name = FORMAT_BY_SUFFIX.get(out.suffix.lower())
    usable = [f for f in allowed if f != terminal]
    if by_name is None or by_name not in usable:
        suffixes = ", ".join(s for s, f in FORMAT_BY_SUFFIX.items()
                             if f in usable and s not in ALTERNATIVE_SUFFIXES)
        raise InputError(out, "cannot tell what to write from the file name", field=option,
                         found=out.suffix or "(no extension)", expected=f"a file ending {suffixes}")
    if format is not None and format != by_name:
        raise InputError(out, "--format does not match the file name", field="--format",
                         found=str(format), expected=f"{by_name} (or leave --format out)")
    return by_name


def check_extension(path: Path | None, kind: str, option: str) -> None:
    """Refuse, before anything runs, an output file whose extension is not `kind`'s."""
    if path is not None:
        output_format(path, None, [kind], terminal="", option=option)


MOST_RUNS = 10_000
"""More replications than anyone needs, and few enough to keep memory bounded."""
MOST_JOBS = 256
LARGEST_SEED = 2**32 - 1


def check_runs(runs: int, seed: int, jobs: int | None, least_runs: int = 1) -> int:
    """Validate --runs, --seed and --jobs; the number of local processes to use."""
    from allocopt.whatif.parallel import available_cores

    if not least_runs <= runs <= MOST_RUNS:
        raise InputError(None, "invalid --runs", found=runs,
                         expected=f"{least_runs} to {MOST_RUNS:,}")
    if not 0 <= seed <= LARGEST_SEED:
        raise InputError(None, "invalid --seed", found=seed, expected=f"0 to {LARGEST_SEED}")
    if jobs is not None and not 1 <= jobs <= MOST_JOBS:
        raise InputError(None, "invalid --jobs", found=jobs, expected=f"1 to {MOST_JOBS}")
    return jobs if jobs is not None else available_cores()


def refuse_inputs(out: Path, inputs: Iterable[Path | None], option: str = "--out") -> None:
    """Refuse to write `out` over one of the command's own input files."""
    if not out.exists():
        return
    for path in inputs:
        if path is not None and path.exists() and os.path.samefile(out, path):
            raise InputError(out, f"{option} names one of the command's own inputs",
                             field=option, expected="a new file name: writing here would "
                             "replace the input")


def write_folder(out: Path, command: str, inputs: Sequence[Path],
                 write: Callable[[Path], list[Path]], force: bool = False) -> list[Path]:
    """Write a command's outputs as the folder `out`, whole: `write(folder)` writes them
    into a temporary folder that then replaces `out` (see allocopt.io.atomic); says what
    was written."""
    with output_folder(out, command, force=force, inputs=inputs) as stage:
        written = write(stage)
    names = [p.name for p in written]
    typer.echo(printable(f"wrote {len(names)} files to {out}: " + ", ".join(names)))
    return [out / name for name in names]


def people_console(width: int = 120, *, stderr: bool = False) -> Console:
    """A console for people (on stdout, or stderr for a command's status lines); output
    piped to a file is laid out `width` columns wide.

    It prints user text exactly (no markup) with control characters escaped
    (:class:`~allocopt.report.safe_text.SafeConsole`), and fits every table to its
    width without cutting a figure (:mod:`allocopt.report.table_fit`).
    """
    from allocopt.report.table_fit import FittingConsole

    console: Console = FittingConsole(highlight=False, stderr=stderr)
    if not console.is_terminal:
        console = FittingConsole(highlight=False, width=width, stderr=stderr)
    return console


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr that disappears when done; yields update(done, total)."""
    console = SafeConsole(stderr=True)
    # Only on a terminal: piped or captured, a bar would leave a blank line before any error.
    with Progress(TextColumn("{task.description}", markup=False), BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                  transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


OutDir = Annotated[Path | None, typer.Option(
    "--out", "-o", help="Folder for the tables (CSV, JSON) and plots (PNG).")]
