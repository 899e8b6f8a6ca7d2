"""How fast is the scenario simulator? Prints figures; asserts nothing.

    /work/venv/bin/python benchmarks/simulate_bench.py [--runs N] [--quick]

1. One team: scenarios/single_team.yaml (10 posts, about 8 households a week),
   104 weeks, greedy policy: wall time per replication and peak memory.
2. A service: the baseline grown to 25 teams of 10 posts (250) with about 80
   households a week, 104 weeks, greedy policy: the same figures.
3. The CP-SAT policy against greedy on the same replications (same seeds): the ratio.
   Under each timing: how often the policy was asked per replication and the time of
   its meetings (the duty manager's days use greedy under either policy; meetings
   where nobody has room for any waiting household are not put to the policy).
4. M/M/c (c servers, exponential service, allocation on arrival) in this simulator
   and in Ciw (``pip install 'allocopt[bench]'``) side by side: wall time, the ratio,
   and both mean waits against Erlang C.

Targets (issue 5): service under 2 s per replication and under 500 MB; team under
0.1 s; (issue 13) the CP-SAT policy under 4x greedy, proven optimal in every
meeting. Peak memory is measured with tracemalloc in a separate run (Python
allocations during one replication) and as the process's peak resident set size
(which includes the interpreter and OR-Tools).
"""

from __future__ import annotations

import argparse
import gc
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.simulation_support import mmc_scenario, mmc_wait  # noqa: E402

from allocopt.allocation.problem import (  # noqa: E402
    AllocationProblem,
    AllocationResult,
    Allocator,
)
from allocopt.io.scenario_file import load_scenario  # noqa: E402
from allocopt.simulation.runner import make_allocator, run_replication  # noqa: E402
from allocopt.simulation.scenario import Scenario  # noqa: E402

SERVICE = ["workforce.teams.0.count=25", "referrals.rate=80"]


CPU: dict[int, list[float]] = {}
"""Processor time of each timed series (by id of its wall-time list): other programs
on the machine slow the wall clock, not this."""

MEETINGS: dict[int, list[float]] = {}
"""Seconds of each call to the allocation policy in a timed series (by id, as CPU)."""


STATUSES: dict[int, list[str]] = {}
"""The policy's status at each of those meetings ("optimal": every level proven)."""


class Timed:
    """The allocation policy, timing each meeting it decides."""

    def __init__(self, inner: Allocator) -> None:
        self.inner = inner
        self.name = inner.name
        self.seconds: list[float] = []
        self.statuses: list[str] = []

    def allocate(self, problem: AllocationProblem) -> AllocationResult:
        start = time.perf_counter()
        result = self.inner.allocate(problem)
        self.seconds.append(time.perf_counter() - start)
        self.statuses.append(result.status)
        return result


def timed(scenario: Scenario, seeds: list[int], policy: str) -> list[float]:
    out, cpu, meetings, statuses = [], [], [], []
    for i in seeds:
        gc.collect()
        # the same allocators run_replication(scenario, 1, i, policy) would choose
        chosen = Timed(make_allocator(policy))
        duty = (make_allocator("greedy")
                if scenario.allocation.duty_allocator == "greedy" and policy != "greedy"
                else chosen)
        start, start_cpu = time.perf_counter(), time.process_time()
        run_replication(scenario, 1, i, allocator=chosen, duty_allocator=duty)
        out.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        meetings += chosen.seconds
        statuses += chosen.statuses
    CPU[id(out)] = cpu
    MEETINGS[id(out)] = meetings
    if policy != "greedy":
        STATUSES[id(out)] = statuses
    return out


def meeting_line(times: list[float]) -> None:
    """The policy's share: meetings it decided per replication and their time."""
    calls = MEETINGS[id(times)]
    if not calls:
        return
    per_rep = len(calls) / len(times)
    share = sum(calls) / sum(times)
    print(f"  {'':<26} policy asked {per_rep:.0f} times per replication "
          f"(meetings where nobody had room are skipped): mean "
          f"{1000 * statistics.fmean(calls):.2f} ms, median "
          f"{1000 * statistics.median(calls):.2f} ms, max {1000 * max(calls):.0f} ms; "
          f"{share:.0%} of the replication")
    statuses = STATUSES.get(id(times))
    if not statuses:
        return
    proven = statuses.count("optimal")
    print(f"  {'':<26} proven optimal on every level in {proven} of {len(statuses)} meetings"
          + ("" if proven == len(statuses) else
             f" (others: {', '.join(sorted(set(statuses) - {'optimal'}))})"))


def peak_mb(scenario: Scenario, policy: str = "greedy") -> float:
    gc.collect()
    tracemalloc.start()
    run_replication(scenario, 1, 0, policy)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def line(label: str, times: list[float], target: float | None = None) -> None:
    mean = statistics.fmean(times)
    cpu = statistics.fmean(CPU.get(id(times), times))
    text = (f"  {label:<26} wall mean {mean:6.3f} s, median {statistics.median(times):6.3f} s, "
            f"min {min(times):6.3f} s; CPU mean {cpu:6.3f} s ({len(times)} runs)")
    if target is not None:
        text += f"; target < {target:g} s: {'met' if mean < target else 'NOT met'}"
    print(text)


def ciw_mmc(c: int, lam: float, mu: float, days: float, warmup: float, seed: int) -> float:
    import ciw

    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=lam)],
        service_distributions=[ciw.dists.Exponential(rate=mu)],
        number_of_servers=[c],
    )
    ciw.seed(seed)
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(warmup + days)
    waits = [r.waiting_time for r in sim.get_all_records() if r.arrival_date >= warmup]
    return statistics.fmean(waits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="replications per figure")
    parser.add_argument("--quick", action="store_true", help="fewer runs, no CP-SAT service run")
    args = parser.parse_args()
    runs = 2 if args.quick else args.runs
    seeds = list(range(runs))
    print(f"Python {platform.python_version()} on {platform.machine()}, "
          f"{len(__import__('os').sched_getaffinity(0))} cores")

    team = load_scenario(ROOT / "scenarios" / "single_team.yaml")
    service = load_scenario(ROOT / "scenarios" / "baseline.yaml").with_overrides(SERVICE)
    print(f"\nteam: {team.team_ids[0]}, {sum(s.posts * s.count for s in team.workforce.teams)} "
          f"posts, {team.referrals.rate:g} households/week, {team.weeks} weeks")
    print(f"service: {len(service.team_ids)} teams, "
          f"{sum(s.posts * s.count for s in service.workforce.teams)} posts, "
          f"{service.referrals.rate:g} households/week, {service.weeks} weeks")

    run_replication(team, 1, 99)  # warm imports and caches
    print("\n1-2. greedy policy, wall time per replication")
    team_greedy = timed(team, seeds, "greedy")
    line("team (target < 0.1 s)", team_greedy, 0.1)
    meeting_line(team_greedy)
    service_greedy = timed(service, seeds, "greedy")
    line("service (target < 2 s)", service_greedy, 2.0)
    meeting_line(service_greedy)
    print(f"  peak Python memory in one replication: team {peak_mb(team):.1f} MB, "
          f"service {peak_mb(service):.1f} MB (target < 500 MB)")
    print(f"  process peak resident memory so far: {rss_mb():.0f} MB")

    print("\n3. CP-SAT policy against greedy (same seeds)")
    team_cp = timed(team, seeds, "cpsat")
    line("team, CP-SAT", team_cp)
    meeting_line(team_cp)
    ratio = statistics.fmean(team_cp) / statistics.fmean(team_greedy)
    print(f"  team: CP-SAT / greedy = {ratio:.1f}x (target < 4x)")
    if not args.quick:
        service_cp = timed(service, seeds[:1], "cpsat")
        line("service, CP-SAT", service_cp)
        meeting_line(service_cp)
        ratio = statistics.fmean(service_cp) / statistics.fmean(service_greedy[:1])
        print(f"  service: CP-SAT / greedy = {ratio:.1f}x (target < 4x)")
    print(f"  process peak resident memory: {rss_mb():.0f} MB")

    print("\n4. M/M/c: this simulator (greedy policy, allocation on arrival) and Ciw")
    for c, lam, mu in ((1, 0.7, 1.0), (4, 3.0, 1.0), (10, 8.0, 1.0)):
        weeks, warmup = 52, 2
        scenario = mmc_scenario(c, lam, mu, weeks=weeks, warmup=warmup)
        ours_t, ours_w, ciw_t, ciw_w = [], [], [], []
        for i in seeds:
            start = time.perf_counter()
            result = run_replication(scenario, 1, i)
            ours_t.append(time.perf_counter() - start)
            ours_w.append(statistics.fmean(a.wait_days for a in result.allocations))
            start = time.perf_counter()
            ciw_w.append(ciw_mmc(c, lam, mu, weeks * 7, warmup * 7, i))
            ciw_t.append(time.perf_counter() - start)
        ours, theirs = statistics.fmean(ours_t), statistics.fmean(ciw_t)
        print(f"  M/M/{c} lambda={lam:g} mu={mu:g}, {weeks} weeks "
              f"(~{lam * weeks * 7:.0f} arrivals): allocopt {ours:.3f} s, Ciw {theirs:.3f} s, "
              f"ratio {ours / theirs:.1f}x; mean wait allocopt {statistics.fmean(ours_w):.3f}, "
              f"Ciw {statistics.fmean(ciw_w):.3f}, Erlang C {mmc_wait(c, lam, mu):.3f} days")


if __name__ == "__main__":
    main()
