"""The ``allocopt`` console script: Ctrl-C is answered even while the program loads, and
the program ends as soon as its command has.

Loading the commands takes a second or two; a Ctrl-C in that time would otherwise
print a KeyboardInterrupt traceback. Until the command runs (allocopt.cli.running
takes over from there), Ctrl-C and SIGTERM end the program at once with one word.

When the command is over, with its output flushed and nothing else running, the
process ends there: tearing down a large caseload's objects one by one (a second
for 200,000 children) would write nothing.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType


def _stop_while_loading(signum: int, frame: FrameType | None) -> None:
    try:
        sys.stderr.write("interrupted\n")
        sys.stderr.flush()
    finally:
        os._exit(128 + signum)  # 130 for Ctrl-C, 143 for SIGTERM


def main() -> None:
    """Console-script entry point (see :func:`allocopt.cli.main`)."""
    signal.signal(signal.SIGINT, _stop_while_loading)
    signal.signal(signal.SIGTERM, _stop_while_loading)
    from allocopt.cli import main as run

    try:
        run()
        code: str | int | None = 0
    except SystemExit as e:
        code = e.code
    finish(code)


def finish(code: str | int | None) -> None:
    """End the process with `code` (as ``sys.exit(code)`` would), skipping the teardown.

    Everything an ordinary exit does that matters is done first: the exit handlers run
    (libraries' clean-up, temporary folders, worker processes), then stdout and stderr
    are flushed. Every output file is already closed and renamed into place by then
    (allocopt.io.atomic). Only freeing each object one by one is skipped. With another
    thread or a worker process still running, the program ends in the ordinary way.
    """
    import atexit
    import threading

    children = sys.modules.get("multiprocessing")
    if threading.active_count() > 1 or (children is not None and children.active_children()):
        sys.exit(code)
    status = code if isinstance(code, int) else (0 if code is None else 1)
    if code is not None and not isinstance(code, int):
        sys.stderr.write(f"{code}\n")  # what sys.exit does with a message
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(status)  # a closed pipe: let Python end as usual
    os._exit(status)
