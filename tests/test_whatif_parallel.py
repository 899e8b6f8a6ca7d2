"""Tasks return in order whatever runs them: serially, on local processes, on Dask; and
a comparison and a sweep write the same bytes whichever of the three ran them."""

from __future__ import annotations

import pytest

from allocopt.errors import InputError
from allocopt.io.scenario_file import load_scenario
from allocopt.io.simulation_export import table_csv
from allocopt.io.whatif_export import comparison_tables, sweep_tables
from allocopt.whatif.compare import compare
from allocopt.whatif.parallel import TaskPool, run_tasks
from allocopt.whatif.sweep import parse_parameter, sweep

from .conftest import ROOT, run_cli

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


# --------------------------------------------- studies: identical whatever ran them


def _study(pool: TaskPool) -> dict[str, str]:
    """A comparison and a sweep, as the CSV text they write."""
    team = load_scenario(ROOT / "scenarios" / "single_team.yaml").with_overrides({"weeks": 8})
    c = compare(team, [team.with_cut(3, team.start)], runs=3, seed=11, pool=pool)
    s = sweep(team, [parse_parameter("referrals.rate=6,10")], runs=2, seed=11, pool=pool)
    tables = {f"compare/{k}": v for k, v in comparison_tables(c).items()}
    tables |= {f"sweep/{k}": v for k, v in sweep_tables(s).items()}
    return {name: table_csv(t) for name, t in tables.items()}


def test_studies_are_identical_on_one_process_two_processes_and_dask():
    with TaskPool(1) as pool:
        serial = _study(pool)
    with TaskPool(2) as pool:
        local = _study(pool)
        assert pool.where == "2 local processes"
    assert local == serial
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            TaskPool(scheduler=cluster.scheduler_address) as pool:
        on_dask = _study(pool)
        assert pool.where.startswith("a Dask cluster (tcp://")
    assert on_dask == serial
    assert "waiting_mean" in serial["compare/differences.csv"]


def test_a_pool_starts_its_processes_once_for_many_batches():
    seen = []
    with TaskPool(2) as pool:
        assert pool.map(sorted, TASKS) == EXPECTED
        first = pool._pool
        assert pool.map(sorted, TASKS[:3], progress=lambda d, n: seen.append(n)) == EXPECTED[:3]
        assert pool._pool is first is not None
    assert pool._pool is None and seen == [3, 3, 3]


def test_jobs_must_be_positive():
    with pytest.raises(InputError, match="jobs"):
        TaskPool(0)


def test_simulate_writes_the_same_files_on_one_or_two_processes(monkeypatch, capsys, tmp_path):
    scenario = ROOT / "scenarios" / "single_team.yaml"
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / jobs
        code, _, err = run_cli(monkeypatch, capsys, "simulate", scenario, "--runs", "3", "--weeks",
                               "10", "--seed", "4", "--jobs", jobs, "--out", out)
        assert code == 0, err
        outputs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert outputs[0] == outputs[1]
    assert "summary.csv" in outputs[0]
