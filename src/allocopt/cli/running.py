"""How a command runs: one line for every error, and Ctrl-C that stops at once.

The command runs in a worker thread while the main thread waits for it, so that
Ctrl-C (SIGINT, or SIGTERM) is handled within a fraction of a second even while
the optimiser or a simulation runs in native code. An interrupt says
"interrupted", removes every output not yet committed (see
:func:`allocopt.io.atomic.abandon_pending`), and ends the process with status 130
(143 for SIGTERM); worker processes die with it (they are set up by
:func:`allocopt.whatif.parallel.die_with_parent`).

Bad input (:class:`~allocopt.errors.InputError`) and command-line mistakes end
with one ``error:`` line and status 2; nothing ends with a traceback (set
``ALLOCOPT_DEBUG=1`` to see one for an unexpected failure).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from types import FrameType

import typer

from allocopt.errors import EXIT_INPUT, InputError
from allocopt.report.safe_text import plain_lines, printable

EXIT_INTERRUPTED = 130
"""128 + SIGINT, as a shell reports a command stopped by Ctrl-C."""
EXIT_TERMINATED = 143
"""128 + SIGTERM."""
EXIT_FAILED = 70
"""An unexpected failure (a bug): EX_SOFTWARE."""


class _Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C."""


def _error(text: str) -> None:
    typer.echo(plain_lines(f"error: {text}"), err=True)


def run_app(app: Callable[..., object]) -> int:
    """Run the typer `app` on sys.argv; the exit status. Never raises, never a traceback."""
    try:
        app(standalone_mode=False)
        return 0
    except InputError as e:
        _error(e.message)
        return EXIT_INPUT
    except typer.Exit as e:
        return int(e.exit_code)
    except typer.Abort:
        _error("aborted")
        return 1
    except typer.TyperException as e:  # click's usage errors and bad option values
        show = getattr(e, "show", None)
        if _wants_help(e) and callable(show):
            show()  # a bare command: its help, as click would
            return int(getattr(e, "exit_code", EXIT_INPUT))
        ctx = getattr(e, "ctx", None)
        where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        _error(printable(e.format_message()).rstrip(".") + where)
        return EXIT_INPUT
    except BrokenPipeError:
        # Output piped into `head` that stopped reading: nothing left to say.
        _quiet_stdout()
        return 0
    except Exception as e:
        gate = sys.modules.get("allocopt.allocation.gate")  # loaded if it raised
        if gate is not None and isinstance(e, gate.RuleBreach):
            _error(e.message)  # an allocation the gate could not let through
            return int(gate.EXIT_BREACH)
        # A bug: one line, and the traceback only on request.
        if os.environ.get("ALLOCOPT_DEBUG"):
            traceback.print_exc()
        _error(f"allocopt failed unexpectedly ({type(e).__name__}); please report it with the "
               "command you ran (ALLOCOPT_DEBUG=1 shows the details)")
        return EXIT_FAILED


def _wants_help(e: Exception) -> bool:
    """A group or command run with nothing to go on (no_args_is_help)."""
    return type(e).__name__ == "NoArgsIsHelpError"


def _quiet_stdout() -> None:
    """After a broken pipe, stop Python complaining when it flushes stdout at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def interrupted(code: int = EXIT_INTERRUPTED) -> None:
    """Stop now: remove uncommitted outputs, say so, end the process with `code`."""
    from allocopt.io.atomic import abandon_pending

    abandon_pending()
    err = sys.stderr
    try:
        if err.isatty():
            err.write("\r\x1b[2K\x1b[?25h")  # clear a progress bar, show the cursor again
        err.write("interrupted\n")
        err.flush()
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
    os._exit(code)  # worker threads and processes stop with the process


def run_interruptibly(work: Callable[[], int]) -> int:
    """Run `work` in a thread; Ctrl-C or SIGTERM in the main thread ends the process."""
    if threading.current_thread() is not threading.main_thread():
        return work()  # called from a thread (an embedding program): no signals here
    result: list[int] = []

    def target() -> None:
        try:
            result.append(work())
        except KeyboardInterrupt:
            result.append(EXIT_INTERRUPTED)
        except SystemExit as e:
            result.append(e.code if isinstance(e.code, int) else EXIT_FAILED)

    def on_term(signum: int, frame: FrameType | None) -> None:
        raise _Terminated

    previous = signal.signal(signal.SIGTERM, on_term)
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    thread = threading.Thread(target=target, name="allocopt-command", daemon=True)
    try:
        thread.start()
        while thread.is_alive():
            thread.join(0.1)
    except _Terminated:
        interrupted(EXIT_TERMINATED)
    except KeyboardInterrupt:
        interrupted(EXIT_INTERRUPTED)
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
    code = result[0] if result else EXIT_FAILED
    if code == EXIT_INTERRUPTED:
        interrupted(EXIT_INTERRUPTED)
    return code
