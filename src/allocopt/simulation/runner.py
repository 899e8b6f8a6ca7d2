"""Replications: one pure, picklable function, and a loop over them.

:func:`run_replication` depends only on its arguments, so replication ``i`` of
seed ``s`` gives the same records in this process, in a local worker process or
on a Dask cluster. Its randomness comes from :class:`~allocopt.simulation.streams.Streams`
``(s, i)``: independent across replications, and split by source inside one
(referrals, each household, each post, each worker) so that two scenarios run
with the same seed share their referrals and families (common random numbers).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from allocopt.allocation.problem import Allocator
from allocopt.errors import InputError
from allocopt.simulation.model import Service
from allocopt.simulation.records import ReplicationResult, summarise
from allocopt.simulation.scenario import ALLOCATORS, Scenario
from allocopt.simulation.streams import Streams

Progress = Callable[[int, int], None]
"""Called with (replications done, replications in all)."""


def make_allocator(name: str) -> Allocator:
    """The allocation policy by name: ``greedy`` (the manager's rule) or ``cpsat``."""
    if name == "greedy":
        from allocopt.allocation.greedy import GreedyAllocator

        # The simulator acts on the decisions only: no objective to evaluate.
        return GreedyAllocator(objective=False)
    if name == "cpsat":
        from allocopt.allocation.cpsat import CpSatAllocator

        # One search worker: a multi-threaded search may return a different optimum
        # from run to run, and the simulator promises the same results for a seed.
        return CpSatAllocator(workers=1)
    raise InputError(None, "unknown allocation policy", field="policy", found=name,
                     expected=" or ".join(ALLOCATORS))


def run_replication(
    scenario: Scenario, seed: int, index: int, policy_name: str | None = None,
    allocator: Allocator | None = None, duty_allocator: Allocator | None = None,
) -> ReplicationResult:
    """Simulate replication `index` of `scenario` with `seed`; flat records and a summary.

    `policy_name` chooses the allocator (default: the scenario's); tests and
    benchmarks may pass an `allocator` object instead, and a `duty_allocator` for the
    duty manager's days (default: the same object).
    """
    name = policy_name or scenario.allocation.allocator
    chosen = allocator if allocator is not None else make_allocator(name)
    duty = duty_allocator
    if allocator is None and scenario.allocation.duty_allocator == "greedy" and name != "greedy":
        duty = make_allocator("greedy")
    began = time.perf_counter()
    service = Service(scenario, chosen, Streams(seed, index), replication=index,
                      duty_allocator=duty)
    out = service.run()
    costs = scenario.costs.per_year() if scenario.costs is not None else None
    summary = summarise(out.week_rows, out.allocations, out.workers, out.events, costs,
                        out.bands)
    return ReplicationResult(
        scenario=scenario.name, replication=index, seed=seed, policy=chosen.name,
        start=scenario.start, weeks=scenario.weeks, teams=out.teams, bands=out.bands,
        week_rows=out.week_rows, worker_weeks=out.worker_weeks, allocations=out.allocations,
        households=out.households, workers=out.workers, events=out.events, summary=summary,
        seconds=time.perf_counter() - began,
    )


@dataclass(frozen=True)
class ReplicationTask:
    """One replication as plain data, for process pools and clusters."""

    scenario: Scenario
    seed: int
    index: int
    policy_name: str | None = None


def run_task(task: ReplicationTask) -> ReplicationResult:
    """:func:`run_replication` for one task (a single picklable argument)."""
    return run_replication(task.scenario, task.seed, task.index, task.policy_name)


def tasks(scenario: Scenario, runs: int, seed: int, policy_name: str | None = None,
          first: int = 0) -> list[ReplicationTask]:
    """The tasks for replications `first` .. `first + runs - 1`."""
    return [ReplicationTask(scenario, seed, i, policy_name) for i in range(first, first + runs)]


def run_replications(
    scenario: Scenario,
    runs: int,
    seed: int,
    policy_name: str | None = None,
    progress: Progress | None = None,
) -> list[ReplicationResult]:
    """Run replications 0 .. runs-1 one after another, in this process."""
    if runs < 1:
        raise InputError(None, "invalid number of runs", field="runs", found=runs,
                         expected="at least 1")
    results = []
    for i, task in enumerate(tasks(scenario, runs, seed, policy_name), start=1):
        results.append(run_task(task))
        if progress is not None:
            progress(i, runs)
    return results


def by_index(results: Sequence[ReplicationResult]) -> list[ReplicationResult]:
    """Results in replication order, whatever order they finished in."""
    return sorted(results, key=lambda r: r.replication)
