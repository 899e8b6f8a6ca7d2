"""Run independent tasks (replications, sweep points) serially, on local worker
processes, or on a Dask distributed cluster.

Results always come back in task order and every task carries its own seed, so
the output is identical whatever ran it (`--jobs 1`, `--jobs 2` or a cluster).

:func:`run_tasks` runs one batch. A study that runs several batches one after
another (the intake planner evaluates one intake size at a time) keeps a
:class:`TaskPool` open instead, so the worker processes start once.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from types import TracebackType
from typing import Any, TypeVar

from allocopt.errors import InputError

T = TypeVar("T")
R = TypeVar("R")

Progress = Callable[[int, int], None]
"""Called with (tasks done, tasks in all) as tasks finish."""


def die_with_parent(parent: int) -> None:
    """Set up a worker process so it never outlives the command that started it.

    Linux sends the worker SIGKILL the moment its parent dies (prctl
    PR_SET_PDEATHSIG), however the parent ended, even by SIGKILL; a parent that
    died before this ran is noticed by the changed parent id. Ctrl-C is left to the
    parent, which stops the workers itself (a worker's KeyboardInterrupt would only
    print a traceback).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass
    if os.getppid() != parent:
        os._exit(1)


def available_cores() -> int:
    """Cores this process may use (the default for ``--jobs``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


class TaskPool:
    """Where tasks run: this process, `jobs` local processes, or a Dask cluster.

    Use it as a context manager; worker processes (or the cluster connection)
    start on the first batch that needs them and stop when the block ends.
    `scheduler` is a Dask scheduler address ("tcp://host:8786") or a
    `distributed.Client`; when given, `jobs` is ignored.
    """

    def __init__(self, jobs: int = 1, scheduler: Any = None) -> None:
        if jobs < 1:
            raise InputError(None, "invalid number of jobs", field="jobs", found=jobs,
                             expected="at least 1")
        self.jobs = jobs
        self.scheduler = scheduler
        self._pool: ProcessPoolExecutor | None = None
        self._client: Any = None
        self._own_client = False

    @property
    def where(self) -> str:
        """In words, where the tasks run (for reports)."""
        if self.scheduler is not None:
            address = getattr(self.scheduler, "scheduler", None)
            return f"a Dask cluster ({getattr(address, 'address', None) or self.scheduler})"
        if self.jobs == 1:
            return "one process"
        return f"{self.jobs} local processes"

    def __enter__(self) -> TaskPool:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close(cancel=error is not None)

    def close(self, cancel: bool = False) -> None:
        """Stop the worker processes (or leave the cluster)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=cancel)
            self._pool = None
        if self._client is not None and self._own_client:
            self._client.close()
        self._client = None

    def map(self, fn: Callable[[T], R], tasks: Sequence[T],
            progress: Progress | None = None) -> list[R]:
        """Apply `fn` to every task; the results in task order.

        `fn` and the tasks must be picklable (a module-level function and plain data).
        """
        if self.scheduler is not None:
            return self._on_dask(fn, tasks, progress)
        total = len(tasks)
        if self.jobs == 1 or total <= 1:
            out = []
            for i, task in enumerate(tasks, start=1):
                out.append(fn(task))
                if progress:
                    progress(i, total)
            return out
        if self._pool is None:
            # spawn: a clean interpreter per worker, safe with OR-Tools' threads.
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=context,
                                             initializer=die_with_parent,
                                             initargs=(os.getpid(),))
        results: list[Any] = [None] * total
        futures: dict[Future[R], int] = {
            self._pool.submit(fn, task): i for i, task in enumerate(tasks)}
        try:
            for done, future in enumerate(as_completed(futures), start=1):
                results[futures[future]] = future.result()
                if progress:
                    progress(done, total)
        except BaseException:
            for future in futures:
                future.cancel()
            raise
        return results

    def _on_dask(self, fn: Callable[[T], R], tasks: Sequence[T],
                 progress: Progress | None) -> list[R]:
        try:
            from distributed import Client
            from distributed import as_completed as dask_completed
        except ImportError:  # pragma: no cover - depends on the install
            raise InputError(None, "running on a Dask cluster needs the dask extra",
                             expected="pip install 'allocopt[dask]'") from None
        if self._client is None:
            if isinstance(self.scheduler, Client):
                self._client = self.scheduler
            else:
                try:
                    self._client = Client(  # type: ignore[no-untyped-call]
                        self.scheduler, timeout="20s")
                except OSError as e:
                    raise InputError(None, "cannot reach the Dask scheduler", field="scheduler",
                                     found=self.scheduler,
                                     expected=f"a running scheduler address ({e})") from None
                self._own_client = True
        futures = self._client.map(fn, list(tasks), pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        results: list[Any] = [None] * len(futures)
        for done, future in enumerate(
                dask_completed(futures), start=1):  # type: ignore[no-untyped-call]
            results[index[future.key]] = future.result()
            if progress:
                progress(done, len(futures))
        return results


def run_tasks(
    fn: Callable[[T], R],
    tasks: Sequence[T],
    jobs: int = 1,
    scheduler: Any = None,
    progress: Progress | None = None,
) -> list[R]:
    """Apply `fn` to every task and return the results in task order.

    `fn` and the tasks must be picklable (a module-level function and plain data).
    `scheduler` is a Dask scheduler address ("tcp://host:8786") or a
    `distributed.Client`; when given, `jobs` is ignored.
    """
    with TaskPool(max(1, min(jobs, len(tasks))), scheduler) as pool:
        return pool.map(fn, tasks, progress)
