"""The `allocopt` command. Each command is a thin wrapper over library calls.

Bad input ends with one clear line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer.core import TyperOption

from allocopt.allocation.gate import EXIT_BREACH, RuleBreach
from allocopt.errors import EXIT_INPUT, InputError

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
    """Console-script entry point."""
    try:
        app(standalone_mode=False)
    except InputError as e:
        typer.echo(f"error: {e.message}", err=True)
        sys.exit(EXIT_INPUT)
    except RuleBreach as e:  # an allocation the gate could not let through
        typer.echo(f"error: {e.message}", err=True)
        sys.exit(EXIT_BREACH)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(1)
    except Exception as e:  # click usage errors carry their own exit code
        code = getattr(e, "exit_code", None)
        show = getattr(e, "show", None)
        if code is not None and callable(show):
            show()
            sys.exit(code)
        raise
