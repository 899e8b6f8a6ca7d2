"""`simulate`: project caseloads under a scenario, over many replications."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from allocopt.cli import app
from allocopt.cli.options import (
    JobsOpt,
    OutDir,
    SchedulerOpt,
    SeedOpt,
    SimSolverOpt,
    WeeksOpt,
    check_runs,
    people_console,
    progress_bar,
    solver_name,
    write_folder,
)

if TYPE_CHECKING:
    from rich.table import Table

    from allocopt.simulation.records import Aggregate, TierWaits

HEADLINE = (
    "load_pct_mean", "load_pct_max", "red_share_mean", "red_time_share", "amber_time_share",
    "waiting_mean", "waiting_end", "wait_days_mean", "high_risk_within_1", "high_risk_within_5",
    "children_per_fte", "vacancies_mean", "escalations", "unallocated_on_leaving", "leavers",
    "nqsw_breaches", "rule_breaches",
)
"""The metrics shown in the terminal, in order (every metric is in summary.csv)."""


def summary_view(agg: Aggregate) -> Table:
    """The headline metrics across replications: P10, median, P90."""
    from rich import box
    from rich.table import Table

    from allocopt.report.values import format_value
    from allocopt.simulation.records import MetricStats

    title = (f"{agg.scenario}: {agg.runs} runs of {agg.weeks} weeks, {agg.policy} policy, "
             f"seed {agg.seed}")
    t = Table(title=title, box=box.SIMPLE_HEAVY, title_justify="left", pad_edge=False)
    t.add_column("Outcome", no_wrap=True)
    for name in ("P10", "Median", "P90"):
        t.add_column(name, justify="right", no_wrap=True)
    for name in HEADLINE:
        s: MetricStats = agg.metrics[name]
        style = "bold red" if name.endswith("breaches") and s.p90 > 0 else None
        t.add_row(s.label, *(format_value(v, s.unit) for v in (s.p10, s.p50, s.p90)), style=style)
    return t


def waits_view(waits: list[TierWaits], runs: int) -> Table:
    """Time from waiting to allocation, by priority tier, over all runs."""
    from rich import box
    from rich.table import Table

    from allocopt.report.values import format_value

    t = Table(title="Time to allocation by priority (all runs)", box=box.SIMPLE_HEAVY,
              title_justify="left", pad_edge=False)
    t.add_column("Tier", no_wrap=True)
    for name in ("Allocations a run", "Mean days", "P90 days", "Within 1 wd", "Within 5 wd"):
        t.add_column(name, justify="right", no_wrap=True)
    for w in waits:
        t.add_row(w.tier, f"{w.allocations / runs:,.0f}", f"{w.mean_days:.1f}",
                  f"{w.p90_days:.1f}", format_value(w.within_1, "share"), format_value(w.within_5, "share"))
    return t


@app.command()
def simulate(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML or JSON).")],
    runs: Annotated[int, typer.Option("--runs", "-n", help="Monte Carlo replications.")] = 20,
    weeks: WeeksOpt = None,
    seed: SeedOpt = 1,
    solver: SimSolverOpt = None,
    out: OutDir = None,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="Change a setting: PATH=VALUE, e.g. referrals.rate=50 (repeatable).")] = None,
    jobs: JobsOpt = None,
    scheduler: SchedulerOpt = None,
) -> None:
    """Project caseloads, waiting lists and RAG bands under a scenario, over many runs."""
    from allocopt.io.atomic import check_output_folder
    from allocopt.io.scenario_file import load_scenario
    from allocopt.io.simulation_export import write_results
    from allocopt.simulation.records import aggregate, waits_by_tier
    from allocopt.simulation.runner import run_task, tasks
    from allocopt.whatif.parallel import run_tasks

    jobs = check_runs(runs, seed, jobs)
    if out is not None:
        check_output_folder(out, "simulate", inputs=[scenario])  # before the runs, not after
    model = load_scenario(scenario)
    model = model.with_overrides(list(set_ or []))
    if weeks is not None:
        model = model.with_overrides({"weeks": weeks}, "--weeks")
    console = people_console()
    name = solver_name(solver)
    # Each replication carries its own seed stream, so who runs it does not matter.
    with progress_bar(f"Simulating {model.name}") as update:
        results = run_tasks(run_task, tasks(model, runs, seed, name), jobs, scheduler, update)
    agg = aggregate(results)
    console.print(summary_view(agg))
    console.print(waits_view(waits_by_tier(results, model.allocation.policy.tiers), runs))
    if out is None:
        typer.echo("Add --out FOLDER to write the tables and plots.")
        return
    from allocopt.report.labels import scenario_changes
    from allocopt.report.plots import write_plots

    def write(folder: Path) -> list[Path]:
        written = write_results(folder, model, results, agg)
        return written + write_plots(folder, agg, results, model.effective_scheme().rag,
                                     scenario_changes(model))

    write_folder(out, "simulate", [scenario], write)
