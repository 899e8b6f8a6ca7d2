"""The public Python API: what the commands do, as functions (docs/api.md).

Every function takes paths or loaded objects, validates its inputs the way the
commands do (bad input raises :class:`allocopt.errors.InputError` naming the
file, row and field) and returns plain result objects. The commands are thin
wrappers over the same library calls, so the API and the CLI give the same
figures for the same inputs and seed.

Import from the package root: ``import allocopt; allocopt.score("team.yaml")``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from allocopt.allocation.explain import MeetingOutcome, Recommendation
    from allocopt.allocation.rebalance import RebalancePlan
    from allocopt.board import TeamBoard
    from allocopt.io.inputs import ScoreInputs
    from allocopt.simulation.records import Aggregate, ReplicationResult
    from allocopt.simulation.scenario import Scenario
    from allocopt.whatif.compare import Comparison
    from allocopt.whatif.intake import IntakePlan, Target
    from allocopt.whatif.sweep import Sweep

PathLike = str | Path


def load_team(path: PathLike, *, scheme: str | None = None, on: date | str | None = None,
              caseload: PathLike | None = None,
              waiting: PathLike | None = None) -> ScoreInputs:
    """A team with its caseload (a team file, YAML or JSON, or a team workbook), validated.

    `scheme` (a shipped name or a file) and `on` (the date to score at) override
    the team file's; `caseload` and `waiting` replace the files it names.
    """
    from allocopt.io import cells
    from allocopt.io.inputs import load_inputs

    when = on if isinstance(on, date) or on is None else cells.to_date(on)
    return load_inputs(Path(path), scheme, when, Path(caseload) if caseload else None,
                       Path(waiting) if waiting else None)


def _team(team: ScoreInputs | PathLike) -> ScoreInputs:
    return load_team(team) if isinstance(team, str | Path) else team


def score(team: ScoreInputs | PathLike) -> TeamBoard:
    """The board: every worker's benchmark, load, load % and RAG band, and the team view."""
    from allocopt.board import score_team

    t = _team(team)
    return score_team(t.scheme, t.team.team, t.board_caseload, t.on)


def _problem(team: ScoreInputs | PathLike, waiting: PathLike | None,
             policy: PathLike | None, time_limit: float | None) -> Any:
    from allocopt.allocation.problem import build_problem
    from allocopt.io.meeting import read_meeting_policy, read_waiting
    from allocopt.io.policy_file import check_policy

    t = _team(team)
    households = read_waiting(t, Path(waiting) if waiting else None)
    chosen, source = read_meeting_policy(t, Path(policy) if policy else None)
    if time_limit is not None:
        chosen = chosen.model_copy(update={"time_limit_s": time_limit})
    check_policy(chosen, t.scheme, (w.id for w in t.team.team.workers),
                 (h.id for h in households), source)
    return build_problem(t.scheme, chosen, t.team.team, t.caseload.caseload, households, t.on)


def allocate(team: ScoreInputs | PathLike, *, waiting: PathLike | None = None,
             policy: PathLike | None = None, solver: str = "cpsat",
             time_limit: float | None = None) -> MeetingOutcome:
    """The weekly meeting: who takes each waiting household and why, and what waits.

    `solver` is ``cpsat`` (the optimiser) or ``greedy`` (the manager's rule). Every
    allocation passes the gate every front end uses: the independent validator checks
    it, a breach is repaired by solving again, or
    :class:`~allocopt.allocation.gate.RuleBreach` is raised naming the rule.
    """
    from allocopt.allocation.explain import explain
    from allocopt.allocation.gate import gated_allocation

    problem = _problem(team, waiting, policy, time_limit)
    return explain(problem, gated_allocation(problem, _allocator(solver)).result)


def _allocator(solver: str) -> Any:
    from allocopt.errors import InputError

    if solver == "cpsat":
        from allocopt.allocation.cpsat import CpSatAllocator

        return CpSatAllocator()
    if solver == "greedy":
        from allocopt.allocation.greedy import GreedyAllocator

        return GreedyAllocator()
    raise InputError(None, "unknown solver", field="solver", found=solver,
                     expected="cpsat or greedy")


def recommend(team: ScoreInputs | PathLike, household: str, *,
              waiting: PathLike | None = None,
              policy: PathLike | None = None) -> tuple[Recommendation, ...]:
    """Every worker ranked for one waiting household, eligible or not, with the reason."""
    from allocopt.allocation.explain import recommend as rank
    from allocopt.errors import InputError

    problem = _problem(team, waiting, policy, None)
    ids = [h.id for h in problem.households]
    if household not in ids:
        raise InputError(None, "no such waiting household", field="household", found=household,
                         expected="one of " + ", ".join(ids[:20]))
    return rank(problem, household)


def rebalance(team: ScoreInputs | PathLike, *, policy: PathLike | None = None,
              time_limit: float | None = None) -> RebalancePlan:
    """The fewest transfers that bring every worker out of red (then amber)."""
    from allocopt.allocation.rebalance import plan_rebalance
    from allocopt.io.meeting import read_meeting_policy
    from allocopt.io.policy_file import check_policy

    t = _team(team)
    chosen, source = read_meeting_policy(t, Path(policy) if policy else None)
    check_policy(chosen, t.scheme, (w.id for w in t.team.team.workers), None, source)
    return plan_rebalance(t.scheme, chosen, t.team.team, t.caseload.caseload, t.on, time_limit)


# ----------------------------------------------------------------- simulation


def load_scenario(path: PathLike, settings: Mapping[str, Any] | None = None) -> Scenario:
    """A scenario file (YAML or JSON, `extends:` followed), with `settings` changed by
    dotted path (``{"referrals.rate": 46, "weeks": 26}``) and validated like a file."""
    from allocopt.io.scenario_file import load_scenario as load

    scenario = load(Path(path))
    return scenario.with_overrides(dict(settings), "settings") if settings else scenario


def _scenario(s: Scenario | PathLike, weeks: int | None) -> Scenario:
    scenario = load_scenario(s) if isinstance(s, str | Path) else s
    return scenario.with_overrides({"weeks": weeks}, "weeks") if weeks is not None else scenario


@dataclass(frozen=True)
class Projection:
    """A scenario simulated many times: every run's records and the summary across runs."""

    scenario: Scenario
    runs: tuple[ReplicationResult, ...]
    summary: Aggregate

    def metric(self, name: str) -> Any:
        """One outcome across the runs (mean, 95 % CI, P10, P50, P90)."""
        return self.summary.metrics[name]


def _pool(jobs: int | None, scheduler: str | None) -> Any:
    from allocopt.whatif.parallel import TaskPool

    return TaskPool(jobs if jobs is not None else 1, scheduler)


def simulate(scenario: Scenario | PathLike, *, runs: int = 20, seed: int = 1,
             weeks: int | None = None, solver: str | None = None, jobs: int | None = 1,
             scheduler: str | None = None) -> Projection:
    """Project caseloads, waiting and RAG bands: `runs` replications of the scenario.

    `solver` chooses how meetings allocate (default: the scenario's); `jobs` local
    processes or a Dask `scheduler` run them, with the same results.
    """
    from allocopt.simulation.records import aggregate
    from allocopt.simulation.runner import run_task, tasks
    from allocopt.whatif.parallel import run_tasks

    model = _scenario(scenario, weeks)
    results = run_tasks(run_task, tasks(model, runs, seed, solver), jobs or 1, scheduler, None)
    return Projection(model, tuple(results), aggregate(results))


def what_if(base: Scenario, settings: Mapping[str, Any] | None = None,
            cuts: Iterable[tuple[int, date]] = (), team: str | None = None) -> Scenario:
    """`base` with settings changed and posts cut, named in words ("Single team with 3
    posts cut on 1 April 2027")."""
    from allocopt.report.labels import long_date, setting_label, setting_value

    words = [f"{setting_label(k).lower()} at {setting_value(k, v)}"
             for k, v in (settings or {}).items()]
    variant = base.with_overrides(dict(settings or {}), "settings") if settings else base
    for posts, on in cuts:
        variant = variant.with_cut(posts, on, team)
        words.append(f"{posts} post{'s' if posts != 1 else ''} cut on {long_date(on)}")
    return variant.with_overrides({"name": f"{base.name} with {' and '.join(words)}"}, "name")


def compare(base: Scenario | PathLike, *others: Scenario | PathLike,
            settings: Mapping[str, Any] | None = None,
            cut: tuple[int, date] | Sequence[tuple[int, date]] | None = None,
            runs: int = 20, seed: int = 1, weeks: int | None = None,
            solver: str | None = None, jobs: int | None = 1,
            scheduler: str | None = None) -> Comparison:
    """Compare scenarios run with the same referrals and families (common random numbers).

    Each of `others` is compared with `base`; `settings` and `cut` (posts and a
    date, or a list of them) make one more scenario from `base`.
    """
    from allocopt.whatif.compare import compare as run

    model = _scenario(base, weeks)
    models = [_scenario(o, weeks) for o in others]
    cuts: list[tuple[int, date]]
    if cut is None:
        cuts = []
    elif isinstance(cut, tuple) and len(cut) == 2 and isinstance(cut[0], int):
        cuts = [(cut[0], cut[1])]
    else:
        cuts = [(int(p), d) for p, d in cut]
    if settings or cuts:
        models.append(what_if(model, settings, cuts))
    with _pool(jobs, scheduler) as pool:
        return run(model, models, runs, seed, pool, None, solver)


def sweep(scenario: Scenario | PathLike, settings: Mapping[str, Any] | Sequence[str], *,
          runs: int = 20, seed: int = 1, weeks: int | None = None, solver: str | None = None,
          jobs: int | None = 1, scheduler: str | None = None) -> Sweep:
    """Run the scenario over one or two settings: ``{"benchmarks.experienced": [40, 50, 60]}``
    or ``["benchmarks.experienced=40:60:5"]``; a single value is a fixed change."""
    from allocopt.whatif.sweep import Parameter, parse_parameter, parse_values
    from allocopt.whatif.sweep import sweep as run

    if isinstance(settings, Mapping):
        parameters = [Parameter(k, tuple(v) if isinstance(v, list | tuple | range)
                                else parse_values(v, k) if isinstance(v, str) else (v,))
                      for k, v in settings.items()]
    else:
        parameters = [parse_parameter(text) for text in settings]
    with _pool(jobs, scheduler) as pool:
        return run(_scenario(scenario, weeks), parameters, runs, seed, pool, None, solver)


def plan_intake(scenario: Scenario | PathLike, *,
                targets: Sequence[str | Target] | None = None,
                cohorts: Sequence[date] | None = None, runs: int = 20, seed: int = 1,
                max_size: int | None = None, team: str | None = None, split: bool = False,
                every_size: bool = False, weeks: int | None = None, solver: str | None = None,
                jobs: int | None = 1, scheduler: str | None = None) -> IntakePlan:
    """The smallest NQSW intake that meets the targets (default: the three in
    docs/whatif.md), with its neighbour that misses, how many fill vacancies, the cost."""
    from allocopt.whatif.intake import DEFAULT_TARGETS, parse_target
    from allocopt.whatif.intake import plan_intake as run

    chosen = [parse_target(t) if isinstance(t, str) else t for t in targets] if targets \
        else list(DEFAULT_TARGETS)
    with _pool(jobs, scheduler) as pool:
        return run(_scenario(scenario, weeks), chosen, list(cohorts) if cohorts else None, runs,
                   seed, max_size, team, split, every_size, pool, None, solver)


# --------------------------------------------------------------- for people


@dataclass(frozen=True)
class Chart:
    """A chart: its title and matplotlib figure; shows itself in a notebook."""

    title: str
    figure: Any

    def png(self) -> bytes:
        """The chart as PNG bytes (no timestamp: the same results, the same bytes)."""
        from allocopt.report.html import figure_png

        return figure_png(self.figure)

    def _repr_png_(self) -> bytes:
        return self.png()


def charts(result: Comparison | Sweep | IntakePlan | Projection) -> list[Chart]:
    """The charts of a result, as the report and ``--out`` draw them."""
    from allocopt.report.labels import scenario_changes
    from allocopt.report.plots import load_fan, rag_area
    from allocopt.report.whatif_plots import difference_chart, intake_curve, sweep_chart
    from allocopt.report.whatif_plots import weekly_panels as panels
    from allocopt.whatif.compare import Comparison
    from allocopt.whatif.intake import IntakePlan
    from allocopt.whatif.sweep import Sweep

    if isinstance(result, Comparison):
        groups = [result.base, *result.others]
        return [Chart("Differences from the base", difference_chart(result)),
                Chart("Week by week, side by side", panels(
                    [(g.label, g.runs) for g in groups],
                    changes=[scenario_changes(g.scenario) for g in groups],
                    rag=result.base.scenario.effective_scheme().rag))]
    if isinstance(result, Sweep):
        return [Chart("Outcomes against the setting",
                      sweep_chart(result, rag=result.base.effective_scheme().rag))]
    if isinstance(result, IntakePlan):
        return [Chart("The intake sizes searched", intake_curve(result))]
    rag = result.scenario.effective_scheme().rag
    changes = scenario_changes(result.scenario)
    return [Chart("Service load %", load_fan(result.summary, rag, changes)),
            Chart("Workers by RAG band", rag_area(result.summary, rag, changes))]


def answer(result: Comparison | Sweep | IntakePlan) -> str:
    """The report's answer: one sentence per question, ending in a recommendation."""
    from allocopt.report import whatif_report as r
    from allocopt.whatif.compare import Comparison
    from allocopt.whatif.sweep import Sweep

    if isinstance(result, Comparison):
        return r.comparison_answer(result)
    if isinstance(result, Sweep):
        return r.sweep_answer(result)
    return r.intake_answer(result)


def report_page(result: Comparison | Sweep | IntakePlan, question: str | None = None) -> str:
    """The self-contained HTML report of a what-if study (as ``--report`` writes it)."""
    from allocopt.report import whatif_report as r
    from allocopt.whatif.compare import Comparison
    from allocopt.whatif.sweep import Sweep

    if isinstance(result, Comparison):
        return r.comparison_page(result, question)
    if isinstance(result, Sweep):
        return r.sweep_page(result, question)
    return r.intake_page(result, question)


def table(result: Comparison | Sweep | IntakePlan) -> list[dict[str, str]]:
    """The report's main table as rows of text (column name -> cell)."""
    from allocopt.report import whatif_report as r
    from allocopt.report.html import Cell

    block = r.main_table(result)
    return [{h: (c.text if isinstance(c, Cell) else c) for h, c in zip(block.header, row,
                                                                        strict=True)}
            for row in block.rows]
