"""The ``allocopt`` console script: Ctrl-C is answered even while the program loads.

Loading the commands takes a second or two; a Ctrl-C in that time would otherwise
print a KeyboardInterrupt traceback. Until the command runs (allocopt.cli.running
takes over from there), Ctrl-C and SIGTERM end the program at once with one word.
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

    run()
