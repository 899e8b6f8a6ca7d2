"""`compare`, `sweep` and `plan-intake`: what-if studies over many replications.

Each command runs replications on local processes (``--jobs``, default every
core) or on a Dask cluster (``--scheduler``); the results are the same
whatever ran them. ``--out`` writes tables and plots, ``--report`` one HTML page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from allocopt.cli import app
from allocopt.cli.options import (
    JobsOpt,
    RunsOpt,
    SchedulerOpt,
    SeedOpt,
    SimSolverOpt,
    WeeksOpt,
    check_extension,
    check_runs,
    parse_date,
    people_console,
    progress_bar,
    refuse_inputs,
    solver_name,
    write_folder,
)
from allocopt.errors import InputError

if TYPE_CHECKING:
    from rich.table import Table

    from allocopt.simulation.scenario import Scenario
    from allocopt.whatif.compare import Comparison
    from allocopt.whatif.intake import IntakePlan
    from allocopt.whatif.sweep import Sweep

if TYPE_CHECKING:
    from allocopt.simulation.records import Table as RecordsTable

# ------------------------------------------------------------------ options

OutOpt = Annotated[Path | None, typer.Option(
    "--out", "-o", help="Folder for the tables (CSV) and plots (PNG).")]
ReportOpt = Annotated[Path | None, typer.Option(
    "--report", help="Write one self-contained HTML page (plots embedded).")]
QuestionOpt = Annotated[str | None, typer.Option(
    "--question", help="The question, in your words, for the top of the report.")]
CutOpt = Annotated[list[int] | None, typer.Option(
    "--cut", help="Remove this many posts (with --at; repeatable).")]
AtOpt = Annotated[list[str] | None, typer.Option(
    "--at", help="The date of the --cut before it, e.g. 2027-04-01.")]
CutTeamOpt = Annotated[str | None, typer.Option(
    "--cut-team", help="Take the cut posts from this team (default: across the service).")]


def with_cuts(scenario: Scenario, cuts: Sequence[int] | None, dates: Sequence[str] | None,
              team: str | None = None) -> tuple[Scenario, list[str]]:
    """The scenario with each ``--cut N --at DATE`` applied; and the cuts in words."""
    from allocopt.report.labels import long_date

    cuts, dates = list(cuts or []), list(dates or [])
    if len(cuts) != len(dates):
        raise InputError(None, "each --cut needs its --at date", found=f"{len(cuts)} --cut, "
                         f"{len(dates)} --at", expected="for example --cut 3 --at 2027-04-01")
    words = []
    for posts, text in zip(cuts, dates, strict=True):
        if posts < 1:
            raise InputError(None, "invalid --cut", found=posts, expected="1 or more posts")
        on = parse_date(text, "--at")
        assert on is not None
        scenario = scenario.with_cut(posts, on, team)
        words.append(f"{posts} post{'s' if posts > 1 else ''} cut on {long_date(on)}")
    return scenario, words


def set_words(settings: Sequence[str]) -> list[str]:
    """``--set referrals.rate=46`` in words: ``households referred a week at 46``."""
    from allocopt.report.labels import setting_label, setting_value

    out = []
    for text in settings:
        path, _, value = text.partition("=")
        try:
            import yaml

            shown = setting_value(path.strip(), yaml.safe_load(value))
        except Exception:
            shown = value.strip()
        out.append(f"{setting_label(path.strip()).lower()} at {shown}")
    return out


def _load(path: Path, weeks: int | None) -> Scenario:
    from allocopt.io.scenario_file import load_scenario

    scenario = load_scenario(path)
    return scenario.with_overrides({"weeks": weeks}, "--weeks") if weeks is not None else scenario


def _check_outputs(out: Path | None, report: Path | None, command: str,
                   inputs: Sequence[Path]) -> None:
    """Refuse, before any run, outputs that would replace inputs or a folder of other files."""
    from allocopt.io.atomic import check_output_folder

    if out is not None:
        check_output_folder(out, command, inputs=inputs)
    if report is not None:
        refuse_inputs(report, inputs, "--report")


def _write_report(path: Path | None, page: Callable[[], str]) -> None:
    from allocopt.io.atomic import write_text
    from allocopt.report.safe_text import printable

    if path is not None:
        write_text(path, page())
        typer.echo(printable(f"wrote the report to {path}"))


def _write_out(out: Path | None, command: str, inputs: Sequence[Path],
               tables: dict[str, RecordsTable], figures: dict[str, object]) -> None:
    """The tables (CSV) and plots (PNG) as the folder `out`, written whole."""
    from allocopt.io.atomic import write_bytes
    from allocopt.io.whatif_export import write_tables

    if out is None:
        return
    from allocopt.report.html import figure_png

    def write(folder: Path) -> list[Path]:
        written = write_tables(folder, tables)
        for name, fig in figures.items():
            write_bytes(folder / name, figure_png(fig))
            written.append(folder / name)
        return written

    write_folder(out, command, inputs, write)


# ------------------------------------------------------------------ compare


def comparison_view(c: Comparison, k: int, metrics: Sequence[str] | None = None,
                    width: int = 120) -> Table:
    """Other scenario `k` against the base: means, the paired difference and its CI
    (`metrics`: the key outcomes unless given), for a terminal `width` columns wide.

    The outcomes have their full names where each row then fits on one line; if not,
    their short names, which never wrap, and the verdict (below :data:`CI_WRAPS_BELOW`
    columns the interval too) wraps instead: every row still says what it is."""
    from allocopt.report.table_fit import natural_width

    full = _comparison_table(c, k, metrics, width, short=False)
    if natural_width(full) <= width:
        return full
    return _comparison_table(c, k, metrics, width, short=True)


CI_WRAPS_BELOW = 90
"""Terminal columns below which an interval may take two lines (the verdict first)."""


def _comparison_table(c: Comparison, k: int, metrics: Sequence[str] | None, width: int,
                      short: bool) -> Table:
    from rich import box
    from rich.table import Table

    from allocopt.report.labels import scenario_label, short_label_key, short_metric_label
    from allocopt.report.values import format_difference, format_value
    from allocopt.report.whatif_report import format_interval, metrics_shown
    from allocopt.whatif.compare import KEY_METRICS

    other = c.others[k]
    differences = [c.difference(k, name) for name in metrics or metrics_shown(c, KEY_METRICS)]
    t = Table(title=f"{scenario_label(other.label)} compared with {scenario_label(c.base.label)}"
                    f" ({c.runs} paired runs, seed {c.seed})", box=box.SIMPLE_HEAVY,
              title_justify="left", pad_edge=False, caption_justify="left",
              caption=short_label_key([d.metric for d in differences]) if short else None)
    labels = [short_metric_label(d.metric) if short else d.label for d in differences]
    # without no_wrap rich gives the figures' room first and the outcome shrinks away
    t.add_column("Outcome", no_wrap=short)
    for name in ("Base", "What if", "Difference"):
        t.add_column(name, justify="right", no_wrap=True)
    intervals = [format_interval(d) for d in differences]
    # wrapped at spaces, never cut: a figure shown in part would mislead
    t.add_column("95% CI", justify="right", no_wrap=width >= CI_WRAPS_BELOW,
                 min_width=max((len(w) for text in intervals for w in text.split()), default=0))
    t.add_column("Verdict", justify="right", no_wrap=not short, min_width=len("difference"))
    styles = {"worse": "bold red", "better": "green"}
    for d, label, interval in zip(differences, labels, intervals, strict=True):
        t.add_row(label, format_value(d.base, d.unit), format_value(d.other, d.unit),
                  format_difference(d.mean, d.unit), interval, d.verdict,
                  style=styles.get(d.verdict))
    return t


@app.command("compare")
def compare_command(
    base: Annotated[Path, typer.Argument(help="The base scenario file.")],
    others: Annotated[list[Path] | None, typer.Argument(
        help="Scenarios to compare with the base.")] = None,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="Also compare the base with this change: PATH=VALUE (repeatable; "
                      "all --set and --cut make one variant).")] = None,
    cut: CutOpt = None,
    at: AtOpt = None,
    cut_team: CutTeamOpt = None,
    runs: RunsOpt = 20,
    weeks: WeeksOpt = None,
    seed: SeedOpt = 1,
    jobs: JobsOpt = None,
    scheduler: SchedulerOpt = None,
    solver: SimSolverOpt = None,
    out: OutOpt = None,
    report: ReportOpt = None,
    question: QuestionOpt = None,
) -> None:
    """Compare scenarios run with the same referrals: differences with confidence intervals."""
    from allocopt.io.whatif_export import comparison_tables
    from allocopt.whatif.compare import compare
    from allocopt.whatif.parallel import TaskPool

    jobs = check_runs(runs, seed, jobs, least_runs=2)
    check_extension(report, "html", "--report")
    inputs = [base, *(others or [])]
    _check_outputs(out, report, "compare", inputs)
    model = _load(base, weeks)
    models = [_load(p, weeks) for p in others or []]
    if set_ or cut:
        variant = model.with_overrides(list(set_ or []))
        variant, words = with_cuts(variant, cut, at, cut_team)
        label = " and ".join([*set_words(set_ or []), *words])
        models.append(variant.with_overrides({"name": f"{model.name} with {label}"}, "--set"))
    elif at:
        raise InputError(None, "--at without --cut", expected="--cut N --at DATE")
    name = solver_name(solver)
    with TaskPool(jobs, scheduler) as pool, progress_bar("Comparing") as update:
        result = compare(model, models, runs, seed, pool, update, name)
        where = pool.where
    from allocopt.report.whatif_report import (
        comparison_answer,
        comparison_page,
        comparison_precision,
    )

    # piped to a file, 140 wide: the outcomes' full names fit (about 125 columns)
    console = people_console(140)
    for k in range(len(result.others)):
        console.print(comparison_view(result, k, width=console.width))
    console.print(comparison_answer(result), soft_wrap=False)
    console.print(comparison_precision(result), soft_wrap=False, style="dim")
    if out is not None:
        from allocopt.report.labels import scenario_changes
        from allocopt.report.whatif_plots import difference_chart, weekly_panels

        groups = [result.base, *result.others]
        _write_out(out, "compare", inputs, comparison_tables(result), {
            "compare_differences.png": difference_chart(result),
            "compare_weekly.png": weekly_panels(
                [(g.label, g.runs) for g in groups],
                changes=[scenario_changes(g.scenario) for g in groups],
                rag=result.base.scenario.effective_scheme().rag)})
    _write_report(report, lambda: comparison_page(result, question, where=where))


# -------------------------------------------------------------------- sweep


def sweep_view(s: Sweep, metrics: Sequence[str] | None = None) -> Table:
    """The median run at each point, for the headline outcomes (`metrics`, if given)."""
    from rich import box
    from rich.table import Table

    from allocopt.report.labels import (
        scenario_label,
        setting_label,
        short_label_key,
        short_metric_label,
    )
    from allocopt.report.values import format_value
    from allocopt.whatif.runs import METRIC_BY_NAME
    from allocopt.whatif.sweep import SWEEP_METRICS

    metrics = list(metrics or SWEEP_METRICS)

    notes = short_label_key(metrics)
    t = Table(title=f"{scenario_label(s.base.name)}: median of {s.runs} runs at each point "
                    f"(seed {s.seed})", caption=notes, caption_justify="left",
              box=box.SIMPLE_HEAVY, title_justify="left", pad_edge=False)
    for p in s.parameters:
        t.add_column(setting_label(p.path), justify="right")
    for name in metrics:
        t.add_column(short_metric_label(name), justify="right")
    for pt in s.points:
        t.add_row(*(f"{v:g}" if isinstance(v, float) else str(v) for v in pt.values),
                  *(format_value(pt.spread(m).p50, METRIC_BY_NAME[m].unit) for m in metrics))
    return t


@app.command("sweep")
def sweep_command(
    scenario: Annotated[Path, typer.Argument(help="The scenario file.")],
    set_: Annotated[list[str], typer.Option(
        "--set", help="PATH=VALUES: a range START:STOP:STEP (40:60:5), a list (60,80,100) or "
                      "one value (fixed). One or two settings with several values.")],
    cut: CutOpt = None,
    at: AtOpt = None,
    cut_team: CutTeamOpt = None,
    runs: RunsOpt = 20,
    weeks: WeeksOpt = None,
    seed: SeedOpt = 1,
    jobs: JobsOpt = None,
    scheduler: SchedulerOpt = None,
    solver: SimSolverOpt = None,
    out: OutOpt = None,
    report: ReportOpt = None,
    question: QuestionOpt = None,
) -> None:
    """Run a scenario over a range of one or two settings; each outcome against the setting."""
    from allocopt.io.whatif_export import sweep_tables
    from allocopt.whatif.parallel import TaskPool
    from allocopt.whatif.sweep import parse_parameter, sweep

    jobs = check_runs(runs, seed, jobs)
    check_extension(report, "html", "--report")
    _check_outputs(out, report, "sweep", [scenario])
    model, _words = with_cuts(_load(scenario, weeks), cut, at, cut_team)
    parameters = [parse_parameter(text) for text in set_]
    name = solver_name(solver)
    with TaskPool(jobs, scheduler) as pool, progress_bar("Sweeping") as update:
        result = sweep(model, parameters, runs, seed, pool, update, name)
        where = pool.where
    from allocopt.report.whatif_report import sweep_answer, sweep_page

    console = people_console()
    console.print(sweep_view(result))
    console.print(sweep_answer(result), soft_wrap=False)
    if out is not None:
        from allocopt.report.whatif_plots import sweep_chart

        _write_out(out, "sweep", [scenario], sweep_tables(result), {"sweep.png": sweep_chart(
            result, rag=result.base.effective_scheme().rag)})
    _write_report(report, lambda: sweep_page(result, question, where=where))


# --------------------------------------------------------------- plan-intake


def intake_view(plan: IntakePlan) -> Table:
    """The curve searched: each size tried, how many of its NQSWs fill vacancies and how
    many are new posts, each target's value (met or missed) and, where the scenario gives
    costs, the staff cost a year against no intake."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from allocopt.report.labels import scenario_label
    from allocopt.report.values import format_difference, format_value
    from allocopt.report.whatif_report import intake_cost, nqsw_placed
    from allocopt.whatif.runs import METRIC_BY_NAME

    t = Table(title=f"{scenario_label(plan.base.name)}: NQSW intake sizes searched "
                    f"({plan.runs} runs each, seed {plan.seed})", box=box.SIMPLE_HEAVY, title_justify="left",
              pad_edge=False)
    t.add_column("NQSWs", justify="right")
    if len(plan.dates) > 1:
        t.add_column("Split", justify="right")
    t.add_column("Fill vacancies", justify="right")
    t.add_column("New posts", justify="right")
    for target in plan.targets:
        t.add_column(target.describe(), justify="right")
    costs = plan.base.costs is not None
    if costs:
        t.add_column("Cost a year against none", justify="right")
    t.add_column("All met", justify="right")
    t.add_column("Order", justify="right")
    for o in plan.curve():
        cells: list[str | Text] = [str(o.total)]
        if len(plan.dates) > 1:
            cells.append(" + ".join(map(str, o.split)))
        vacancies, new = nqsw_placed(o.runs)
        cells += [f"{vacancies:.0f}", f"{new:.0f}"]
        for target, v, ok in zip(plan.targets, o.measured, o.met, strict=True):
            shown = format_value(v, METRIC_BY_NAME[target.metric].unit)
            cells.append(Text(shown, style="" if ok else "red"))
        if costs:
            cost = intake_cost(plan, o)
            cells.append(format_difference(cost.mean, "£") if cost is not None else "-")
        cells += ["yes" if o.passes else "no", str(o.order)]
        answer = plan.answer is not None and o.total == plan.answer.total
        t.add_row(*cells, style="bold" if answer else None)
    return t


@app.command("plan-intake")
def plan_intake_command(
    scenario: Annotated[Path, typer.Argument(help="The scenario file.")],
    target: Annotated[list[str] | None, typer.Option(
        "--target", help="METRIC[:STATISTIC]<=VALUE or >=VALUE in quotes, e.g. "
                         "'red_share_mean:p90<=10%' (repeatable; default: the three targets in "
                         "docs/whatif.md).")] = None,
    cohort: Annotated[list[str] | None, typer.Option(
        "--cohort", help="A cohort start date (repeatable; default: the scenario's cohort "
                         "dates, or the first Monday of September).")] = None,
    split: Annotated[bool, typer.Option(
        "--split", help="Also search the split of the intake between the cohort dates.")] = False,
    largest: Annotated[int | None, typer.Option(
        "--max", help="Largest intake to consider (default: the number of posts).")] = None,
    team: Annotated[str | None, typer.Option(
        "--team", help="Put the NQSWs in this team (default: where posts are vacant).")] = None,
    every_size: Annotated[bool, typer.Option(
        "--every-size", help="Run every size from 0 to --max instead of searching.")] = False,
    cut: CutOpt = None,
    at: AtOpt = None,
    cut_team: CutTeamOpt = None,
    runs: RunsOpt = 20,
    weeks: WeeksOpt = None,
    seed: SeedOpt = 1,
    jobs: JobsOpt = None,
    scheduler: SchedulerOpt = None,
    solver: SimSolverOpt = None,
    out: OutOpt = None,
    report: ReportOpt = None,
    question: QuestionOpt = None,
) -> None:
    """Find the smallest NQSW intake that meets the service's targets."""
    from rich.text import Text

    from allocopt.io.whatif_export import intake_tables
    from allocopt.whatif.intake import DEFAULT_TARGETS, parse_target, plan_intake
    from allocopt.whatif.parallel import TaskPool

    jobs = check_runs(runs, seed, jobs)
    check_extension(report, "html", "--report")
    _check_outputs(out, report, "plan-intake", [scenario])
    model, _words = with_cuts(_load(scenario, weeks), cut, at, cut_team)
    targets = [parse_target(t) for t in target] if target else list(DEFAULT_TARGETS)
    dates: list[date] = []
    for text in cohort or []:
        on = parse_date(text, "--cohort")
        assert on is not None
        dates.append(on)
    name = solver_name(solver)
    with TaskPool(jobs, scheduler) as pool, progress_bar("Searching") as update:
        plan = plan_intake(model, targets, dates or None, runs, seed, largest, team, split,
                           every_size, pool, update, name)
        where = pool.where
    from allocopt.report.whatif_report import DIP_REASON, dip_text, intake_answer, intake_page

    console = people_console()
    console.print(intake_view(plan))
    console.print(intake_answer(plan))
    for dip in plan.dips():
        console.print(Text.assemble(("Note:", "yellow"), " ", dip_text(dip)))
    if plan.dips():
        console.print(DIP_REASON)
    if out is not None:
        from allocopt.report.whatif_plots import intake_curve

        _write_out(out, "plan-intake", [scenario], intake_tables(plan),
                   {"intake_curve.png": intake_curve(plan)})
    _write_report(report, lambda: intake_page(plan, question, where=where))
