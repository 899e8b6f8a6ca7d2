"""Run independent tasks (replications, sweep points) serially, on local worker
processes, or on a Dask distributed cluster.

Results always come back in task order and every task carries its own seed, so
the output is identical whatever ran it (`--jobs 1`, `--jobs 2` or a cluster).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

Progress = Callable[[int, int], None]
"""Called with (tasks done, tasks in all) as tasks finish."""


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
    total = len(tasks)
    if scheduler is not None:
        return _on_dask(fn, tasks, scheduler, progress)
    if jobs <= 1 or total <= 1:
        out = []
        for i, task in enumerate(tasks, start=1):
            out.append(fn(task))
            if progress:
                progress(i, total)
        return out
    # spawn: a clean interpreter per worker, safe with OR-Tools' threads.
    context = multiprocessing.get_context("spawn")
    results: list[Any] = [None] * total
    with ProcessPoolExecutor(max_workers=min(jobs, total), mp_context=context) as pool:
        futures = {pool.submit(fn, task): i for i, task in enumerate(tasks)}
        for done, future in enumerate(as_completed(futures), start=1):
            results[futures[future]] = future.result()
            if progress:
                progress(done, total)
    return results


def _on_dask(fn: Callable[[T], R], tasks: Sequence[T], scheduler: Any, progress: Progress | None) -> list[R]:
    try:
        from distributed import Client, as_completed as dask_completed
    except ImportError:  # pragma: no cover - depends on the install
        from allocopt.errors import InputError

        raise InputError(None, "running on a Dask cluster needs the dask extra",
                         expected="pip install 'allocopt[dask]'") from None
    own = not isinstance(scheduler, Client)
    client = Client(scheduler) if own else scheduler
    try:
        futures = client.map(fn, list(tasks), pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        results: list[Any] = [None] * len(futures)
        for done, future in enumerate(dask_completed(futures), start=1):
            results[index[future.key]] = future.result()
            if progress:
                progress(done, len(futures))
        return results
    finally:
        if own:
            client.close()
