"""Ctrl-C and a killed command, through a real process with worker processes: Ctrl-C says
"interrupted" and exits 130, a kill leaves no worker behind, and neither touches the
output folder a previous run left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from allocopt.io.atomic import MARKER

from .conftest import ROOT

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs Linux /proc")

ENTRY = "import sys; from allocopt.launch import main; sys.argv[0] = 'allocopt'; main()"


def children(pid: int) -> set[int]:
    """Live child processes of `pid` (zombies, already dead, left out)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            continue
    return {c for c in found if alive(c)}


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def wait_until(condition, timeout: float = 90.0) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.1)
    return False


def start_simulation(folder: Path) -> tuple[subprocess.Popen[str], set[int]]:
    """A long simulation on two worker processes, once both are running."""
    for name in ("baseline.yaml", "single_team.yaml"):
        (folder / name).write_text((ROOT / "scenarios" / name).read_text(encoding="utf-8"),
                                   encoding="utf-8")
    previous = folder / "results"
    previous.mkdir()
    (previous / "summary.csv").write_text("from the run before\n", encoding="utf-8")
    (previous / MARKER).write_text("written by allocopt simulate\nsummary.csv\n",
                                   encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-c", ENTRY, "simulate", "single_team.yaml", "--runs", "400",
         "--weeks", "200", "--jobs", "2", "--seed", "9", "--out", "results"],
        cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    workers: set[int] = set()

    def two_workers() -> bool:
        workers.update(c for c in children(proc.pid) if "spawn_main" in cmdline(c))
        return len(workers) >= 2 or proc.poll() is not None

    assert wait_until(two_workers), "the workers never started"
    assert proc.poll() is None, proc.communicate()
    time.sleep(1.0)  # well into the runs
    return proc, workers


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def assert_untouched(folder: Path) -> None:
    results = folder / "results"
    assert sorted(p.name for p in results.iterdir()) == [MARKER, "summary.csv"]
    assert (results / "summary.csv").read_text(encoding="utf-8") == "from the run before\n"
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []


def test_ctrl_c_stops_the_simulation_says_so_and_writes_nothing(tmp_path):
    proc, workers = start_simulation(tmp_path)
    try:
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C sends: the whole process group
        out, err = proc.communicate(timeout=60)
        assert out == ""
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130
    assert err.endswith("interrupted\n") and "Traceback" not in err, err
    assert err.count("\n") == 1, err
    assert wait_until(lambda: not any(alive(w) for w in workers), 30)
    assert_untouched(tmp_path)


def test_a_killed_simulation_leaves_no_worker_and_the_old_results(tmp_path):
    proc, workers = start_simulation(tmp_path)
    try:
        os.kill(proc.pid, signal.SIGKILL)  # the parent alone: nothing can clean up after it
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    # Workers die with their parent (they are told to), not 40 seconds later.
    assert wait_until(lambda: not any(alive(w) for w in workers), 30), \
        [w for w in workers if alive(w)]
    assert_untouched(tmp_path)


SOLVE_THEN_CTRL_C = """
import os, signal, time
from ortools.sat.python import cp_model
from allocopt.allocation.solver import cp_solver
signal.signal(signal.SIGINT, signal.default_int_handler)
model = cp_model.CpModel()
x = model.new_int_var(0, 10, "x")
model.maximize(x)
cp_solver().solve(model)
try:
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(5)
except KeyboardInterrupt:
    print("heard")
"""


def test_the_optimiser_leaves_ctrl_c_to_the_command():
    """CP-SAT by default takes SIGINT and, after a solve, leaves it to kill the process
    without a word; the optimisers' solver leaves it to allocopt, which says so."""
    done = subprocess.run([sys.executable, "-c", SOLVE_THEN_CTRL_C], capture_output=True,
                          text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, "heard\n"), done.stderr
