"""The console script ends as soon as its command has (allocopt.launch.finish), without
losing anything an ordinary exit would do: output flushed, exit handlers run, files
whole, the status and message of sys.exit kept; with another thread running it ends in
the ordinary way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .conftest import EXAMPLES


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)


def test_output_and_exit_handlers_are_kept(tmp_path: Path):
    marker = tmp_path / "handler-ran"
    done = run(
        "import atexit, sys, tempfile\n"
        f"atexit.register(lambda: open({str(marker)!r}, 'w').write('yes'))\n"
        "folder = tempfile.TemporaryDirectory()\n"  # removed by its finaliser at exit
        f"open({str(tmp_path / 'where')!r}, 'w').write(folder.name)\n"
        "sys.stdout.write('x' * 100_000)\n"  # more than a pipe's buffer: must be flushed
        "sys.stderr.write('note')\n"
        "from allocopt.launch import finish\n"
        "finish(3)\n"
        "print('never')\n")
    assert done.returncode == 3
    assert done.stdout == "x" * 100_000
    assert done.stderr == "note"
    assert marker.read_text() == "yes"
    assert not Path((tmp_path / "where").read_text()).exists()


def test_a_message_or_none_as_sys_exit_takes_them():
    done = run("from allocopt.launch import finish; finish('stopped: why')")
    assert (done.returncode, done.stderr) == (1, "stopped: why\n")
    done = run("from allocopt.launch import finish; finish(None)")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_a_running_thread_gets_the_ordinary_exit():
    # A non-daemon thread still writing: the ordinary exit waits for it, so it finishes.
    done = run(
        "import threading, time, sys\n"
        "def late():\n    time.sleep(0.3); sys.stdout.write('late'); sys.stdout.flush()\n"
        "threading.Thread(target=late).start()\n"
        "from allocopt.launch import finish\n"
        "finish(0)\n")
    assert (done.returncode, done.stdout) == (0, "late")


def test_the_console_script_writes_the_board_whole(tmp_path: Path):
    def score(*more: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", "import sys; from allocopt.launch import main; "
             "sys.argv[0] = 'allocopt'; main()", "score", str(EXAMPLES / "team.yaml"),
             "--format", "csv", *more], capture_output=True, text=True, timeout=120,
            check=False)

    out = tmp_path / "board.csv"
    done = score("--out", str(out))
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    written = out.read_text(encoding="utf-8")
    assert written.startswith("worker_id,") and written.count("\n") > 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["board.csv"]  # no temporary file
    printed = score()
    assert (printed.returncode, printed.stdout, printed.stderr) == (0, written, "")
