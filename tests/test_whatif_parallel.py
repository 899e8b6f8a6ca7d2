"""Tasks return in order whatever runs them: serially, on local processes, on Dask."""

from __future__ import annotations

import pytest

from allocopt.whatif.parallel import run_tasks

TASKS = [[3, 1, 2], [9, 8], [], [5, 4, 6, 1], [2, 2, 1], [7]]
EXPECTED = [sorted(t) for t in TASKS]


def test_serial_keeps_order_and_reports_progress():
    seen = []
    assert run_tasks(sorted, TASKS, jobs=1, progress=lambda d, n: seen.append((d, n))) == EXPECTED
    assert seen == [(i, len(TASKS)) for i in range(1, len(TASKS) + 1)]


def test_local_processes_keep_order():
    seen = []
    assert run_tasks(sorted, TASKS, jobs=2, progress=lambda d, n: seen.append(d)) == EXPECTED
    assert sorted(seen) == list(range(1, len(TASKS) + 1))


def test_dask_local_cluster_keeps_order():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        assert run_tasks(sorted, TASKS, scheduler=cluster.scheduler_address) == EXPECTED
