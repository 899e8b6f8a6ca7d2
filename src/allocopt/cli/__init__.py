"""The `allocopt` command. Each command is a thin wrapper over library calls.

Bad input ends with one clear line on stderr and exit status 2, never a traceback;
Ctrl-C ends any command within a second with status 130 and nothing half-written.
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer.core import TyperOption

from allocopt.cli.running import run_app, run_interruptibly

_display_type = TyperOption.display_type_rich


def _flag_takes_no_value(self: TyperOption, ctx: Any) -> str | None:
    # Typer labels every on/off flag "<bool>", which reads as if it wanted a value.
    return None if self.is_flag else _display_type(self, ctx)


TyperOption.display_type_rich = _flag_takes_no_value  # type: ignore[method-assign]

app = typer.Typer(
    name="allocopt",
    help="Safe, fair caseloads for children's social work: score, allocate, simulate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Command modules register themselves on `app` when imported.
from allocopt.cli import (  # noqa: E402,F401
    allocate,
    backtest,
    board,
    calibrate,
    importing,
    score,
    simulate,
    whatif,
)


def main() -> None:
    """Console-script entry point: the command's exit status, one line for any error,
    Ctrl-C honoured at once (see :mod:`allocopt.cli.running`)."""
    # Worker processes' bookkeeping (multiprocessing's resource tracker) must not print
    # warnings after an interrupt: the only word on an interrupt is "interrupted".
    if not any("resource_tracker" in w for w in sys.warnoptions):
        sys.warnoptions.append("ignore:resource_tracker:UserWarning")
    sys.exit(run_interruptibly(lambda: run_app(app)))
