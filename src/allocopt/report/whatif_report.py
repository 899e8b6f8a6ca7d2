"""What-if studies as one self-contained HTML page for a director or service manager.

Each page opens with the question and a one-sentence answer that ends in a
recommendation, with how precise it is in words ("based on 20 runs; the
difference is known to within ±1.2 points"). Then the scenarios in words (what
each changes, whether posts cut were vacant or filled), the results (tables in
RAG colours, children per worker beside load %, cost beside caseload) and the
charts (cut and change dates marked), then the caveats. Every label comes from
:mod:`allocopt.report.labels`; nothing tells the reader to type a command. No
timestamps: the same study gives the same page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from allocopt import __version__
from allocopt.report.html import Cell, Figure, Section, TableBlock, figure_png, html_report
from allocopt.report.labels import (
    count,
    long_date,
    lower_first,
    metric_label,
    scenario_changes,
    scenario_label,
    setting_label,
    setting_value,
)
from allocopt.report.values import format_difference, format_value
from allocopt.report.whatif_plots import difference_chart, intake_curve, sweep_chart, weekly_panels
from allocopt.schemes.model import Scheme
from allocopt.simulation.scenario import Scenario
from allocopt.whatif.compare import KEY_METRICS, Comparison, Difference, paired_difference
from allocopt.whatif.intake import Dip, IntakeOption, IntakePlan
from allocopt.whatif.runs import METRIC_BY_NAME, RunSummary, metric_spread
from allocopt.whatif.sweep import SWEEP_METRICS, Sweep

ENOUGH_RUNS = 20
"""Below this many runs the answer says the figures are a first look."""

# ------------------------------------------------------------------ numbers


def format_interval(d: Difference) -> str:
    """``+3.1 to +7.9`` (the 95 % CI of a difference)."""
    if math.isnan(d.ci_low):
        return "-"
    return f"{format_difference(d.ci_low, d.unit)} to {format_difference(d.ci_high, d.unit)}"


def _amount(value: float, unit: str) -> str:
    """A size of change in words: ``9.0 percentage points``, ``28.6 households``, ``£12,000``."""
    v = abs(value)
    if unit in ("share", "%"):
        return f"{v * (100 if unit == 'share' else 1):.1f} percentage points"
    if unit == "£":
        return f"£{v:,.0f}"
    shown = f"{v:,.0f}" if abs(v - round(v)) < 1e-9 else f"{v:,.1f}"
    return f"{shown} {unit}" if unit else shown


def _half_width(d: Difference) -> float:
    return (d.ci_high - d.ci_low) / 2 if not math.isnan(d.ci_low) else math.nan


def _moves(d: Difference) -> str:
    """``households waiting (mean) rise by 28.6 households``."""
    word = "rises" if d.mean > 0 else "falls"
    return f"{lower_first(d.label)} {word} by {_amount(d.mean, d.unit)}"


def _runs_words(runs: int, weeks: int) -> str:
    return f"based on {count(runs, 'run')} of {count(weeks, 'week')}"


def _value_cell(value: float, unit: str, scheme: Scheme | None = None) -> Cell:
    """A value, tinted by its RAG band when it is a load %."""
    band = None
    if unit == "%" and scheme is not None and math.isfinite(value):
        from allocopt.capacity import rag_band

        band = rag_band(scheme, value).colour
    return Cell(format_value(value, unit), band=band)


# ---------------------------------------------------------------- scenarios


def scenario_facts(scenarios: Sequence[tuple[str, Scenario]]) -> TableBlock:
    """The scenarios side by side: what each one is, in words."""
    rows: list[list[str | Cell]] = []
    for label, s in scenarios:
        posts = sum(t.posts * t.count for t in s.workforce.teams)
        changes = "; ".join(f"{words}, {long_date(on)}" for on, words in scenario_changes(s))
        rows.append([scenario_label(label), s.description or "-",
                     f"{long_date(s.start)} ({count(s.weeks, 'week')})",
                     f"{posts} in {count(len(s.team_ids), 'team')}",
                     f"{s.referrals.rate:g}", s.scheme.name, changes or "none"])
    return TableBlock("The scenarios", ["Scenario", "What it is", "From", "Case-holding posts",
                                        "Households referred a week", "Weighting scheme",
                                        "Changes"], rows, left=(1, 5, 6))


def _footer(command: str, seed: int, runs: int, weeks: int, policy: str | None,
            where: str) -> str:
    method = {"greedy": "by the manager's rule", "cpsat": "by the optimiser"}.get(
        policy or "", "as in the scenario")
    return (f"Made by allocopt {__version__} ({command}): {runs} runs of {weeks} weeks with "
            f"seed {seed}, allocation {method}, run on {where}. The same inputs and seed "
            "give the same figures.")


COMMON_CAVEATS = [
    "This is a model of the service, not a forecast. It shows what tends to happen under "
    "the scenario's assumptions (referral rates, how long cases stay open, turnover, "
    "recruitment), which are written in the scenario file and should be checked against "
    "local data.",
    "Each run is one possible future. P10 and P90 mark the range of nine in ten futures; "
    "the 95 % confidence intervals show how precisely the average is known from the runs "
    "made (more runs narrow them).",
    "Allocation in the model follows the allocation policy every week; real meetings use "
    "judgement (skills, continuity, family circumstances) the model does not see.",
]

LOAD_NOTE = ("Load % is the work held against the benchmark. Closed cases count to the end of "
             "their month, so the weekly figure dips on the first of each month; the charts "
             "show a 4-week average.")


COST_CAVEAT = (
    "Staff costs count the workers in post each week, by FTE, at the scenario's yearly cost "
    "of a permanent worker, an agency worker and an NQSW; recruitment, redundancy and "
    "overheads are not included. A cost a year is the average over the weeks projected: a "
    "cut or a cohort part-way through counts only from its date, so once in place for a "
    "whole year it saves or costs more than the figure shown.")


def _scheme(s: Scenario) -> Scheme:
    return s.effective_scheme()


# ------------------------------------------------------------------ compare


def _cost_known(c: Comparison, k: int) -> bool:
    return not math.isnan(c.difference(k, "staff_cost_per_year").mean)


def metrics_shown(c: Comparison, metrics: Sequence[str]) -> list[str]:
    """`metrics`, and the staff cost a year after them where the scenarios give costs."""
    shown = list(metrics)
    if any(_cost_known(c, k) for k in range(len(c.others))) and \
            "staff_cost_per_year" not in shown:
        shown.append("staff_cost_per_year")
    return shown


def _difference_rows(c: Comparison, k: int, metrics: Sequence[str]) -> list[list[str | Cell]]:
    scheme = _scheme(c.base.scenario)
    rows: list[list[str | Cell]] = []
    for name in metrics:
        d = c.difference(k, name)
        rows.append([d.label, _value_cell(d.base, d.unit, scheme),
                     _value_cell(d.other, d.unit, scheme), format_difference(d.mean, d.unit),
                     format_interval(d), Cell(d.verdict, verdict=d.verdict)])
    return rows


def cost_period(s: Scenario) -> str:
    """What a yearly staff cost is an average of, in words: the weeks projected, with any
    change part-way counted from its date (a cut or a cohort does not cost a whole year)."""
    text = f"averaged over the {count(s.weeks, 'week')} projected from {long_date(s.start)}"
    if any(on > s.start for on, _ in scenario_changes(s)):
        text += ", each change counted from its date"
    return text


def _cost_words(d: Difference, s: Scenario) -> str:
    if math.isnan(d.mean):
        return ""
    if not d.significant:
        return (" Staff costs show no clear difference (within "
                f"£{_half_width(d):,.0f} a year either way).")
    more = "more" if d.mean > 0 else "less"
    return f" It costs about £{abs(d.mean):,.0f} a year {more} in staff ({cost_period(s)})."


def comparison_answer(c: Comparison, metrics: Sequence[str] = KEY_METRICS) -> str:
    """One sentence per scenario: what clearly changes, then a recommendation."""
    sentences = []
    base = scenario_label(c.base.label)
    for k, other in enumerate(c.others):
        name = scenario_label(other.label)
        clear = [c.difference(k, m) for m in metrics if c.difference(k, m).significant]
        worse = sorted((d for d in clear if d.verdict == "worse"),
                       key=lambda d: metrics.index(d.metric))
        better = [d for d in clear if d.verdict == "better"]
        cost = _cost_words(c.difference(k, "staff_cost_per_year"), other.scenario)
        if not worse and not better:
            sentences.append(
                f"{name} makes no clear difference to caseloads, waiting or workers in red "
                f"compared with {base}.{cost} Recommendation: the runs made cannot tell the two "
                "apart; if the decision turns on a small effect, run the study for longer or "
                "with more runs before relying on it.")
        elif worse and not better:
            sentences.append(
                f"{name} is clearly worse than {base}: "
                + " and ".join(_moves(d) for d in worse[:2]) + f".{cost} Recommendation: do "
                "not go ahead without a plan for the extra waiting and workload, or go ahead "
                "knowing these are the likely consequences.")
        elif better and not worse:
            sentences.append(
                f"{name} is clearly better than {base}: "
                + " and ".join(_moves(d) for d in better[:2]) + f".{cost} Recommendation: worth "
                "adopting, after checking it holds under a referral surge or a staffing cut.")
        else:
            sentences.append(
                f"{name} is better than {base} in some outcomes ("
                + ", ".join(_moves(d) for d in better[:2]) + ") and worse in others ("
                + ", ".join(_moves(d) for d in worse[:2]) + f").{cost} Recommendation: weigh "
                "these against each other before deciding.")
    return " ".join(sentences)


def comparison_precision(c: Comparison, metrics: Sequence[str] = KEY_METRICS) -> str:
    """How precise the answer is, in words."""
    weeks = c.base.scenario.weeks
    parts = [f"This is {_runs_words(c.runs, weeks)} of each scenario, meeting the same "
             "referrals and families run by run"]
    headline = next((m for m in ("waiting_mean", "high_risk_within_5", "load_pct_mean")
                     if m in metrics), metrics[0])
    d = c.difference(0, headline)
    half = _half_width(d)
    if not math.isnan(half):
        parts.append(f"the difference in {lower_first(d.label)} is known to within "
                     f"±{_amount(half, d.unit)}")
    text = "; ".join(parts) + "."
    if c.runs < ENOUGH_RUNS:
        text += (f" With only {count(c.runs, 'run')} this is a first look: small differences "
                 f"can go unseen, so ask for {ENOUGH_RUNS} runs or more before deciding.")
    return text


def _cut_words(c: Comparison) -> list[str]:
    """For each scenario that cuts posts: were they vacant or filled (mean over runs)?"""
    out = []
    for g in c.others:
        cuts = sum(x.posts for x in g.scenario.workforce.cuts)
        if not cuts:
            continue
        vacant, agency, filled = (metric_spread(g.runs, m).mean for m in
                                  ("posts_cut_vacant", "posts_cut_agency", "posts_cut_filled"))
        out.append(
            f"{scenario_label(g.label)} cuts {count(cuts, 'post')}. On average over the runs, "
            f"{vacant:.1f} of them were vacant when cut, {agency:.1f} were held by agency "
            f"workers and {filled:.1f} by permanent workers, whose families went back to the "
            "waiting list to be allocated again (vacant posts are cut first, then agency-held, "
            "then the newest starters).")
    return out


def comparison_table(c: Comparison, k: int = 0,
                     metrics: Sequence[str] | None = None) -> TableBlock:
    """Scenario `k` against the base: both means, the difference, its CI and the verdict."""
    base, label = scenario_label(c.base.label), scenario_label(c.others[k].label)
    return TableBlock(
        f"{label} compared with {base}",
        ["Outcome", f"{base} (mean)", f"{label} (mean)", "Difference",
         "95 % confidence interval", "Verdict"],
        _difference_rows(c, k, metrics if metrics is not None else metrics_shown(c, KEY_METRICS)),
        note="pp = percentage points. Load % cells are coloured by the RAG band they fall in.")


def comparison_page(c: Comparison, question: str | None = None,
                    metrics: Sequence[str] = KEY_METRICS, where: str = "one process") -> str:
    """The comparison as a self-contained HTML page."""
    names = ", ".join(scenario_label(o.label) for o in c.others)
    base = scenario_label(c.base.label)
    question = question or (f"What changes for caseloads, waiting and workers in red under "
                            f"{names}, compared with {base}?")
    groups = [c.base, *c.others]
    shown = metrics_shown(c, metrics)
    scen = Section("The scenarios", paragraphs=[
        f"{base} is the starting point; every other scenario is compared with it. "
        "Each scenario was run the same number of times, and run number i of every scenario "
        "sees the same referrals, families, sickness and resignations: the only differences "
        "between them come from what the scenarios change.", *_cut_words(c)],
        tables=[scenario_facts([(g.label, g.scenario) for g in groups])])
    for other, changes in zip(c.others, c.changes, strict=True):
        label = scenario_label(other.label)
        rows: list[list[str | Cell]] = [
            [setting_label(ch.path), setting_value(ch.path, ch.base),
             setting_value(ch.path, ch.other)] for ch in changes]
        scen.tables.append(TableBlock(
            f"What {label} changes", ["Setting", base, label],
            rows or [["Nothing: the same settings", "", ""]], left=(1, 2)))
    results = Section("Results", paragraphs=[
        "Each table compares the averages over the runs and gives the difference with its "
        "95 % confidence interval, worked out run by run. 'Worse' or 'better' means the "
        "interval lies wholly on one side of zero; 'no clear difference' means the runs "
        "made cannot tell the scenarios apart on that outcome. Children per worker sits "
        "beside load %: a lower load % with more children each is not a lighter job.",
        LOAD_NOTE])
    for k in range(len(c.others)):
        results.tables.append(comparison_table(c, k, shown))
    results.figures.append(Figure(
        "Differences from the base", figure_png(difference_chart(c, shown)),
        "Each dot is the average difference from the base; the bar is its 95 % confidence "
        "interval. Red is worse, green is better, grey is no clear difference or neither."))
    results.figures.append(Figure(
        "Week by week, side by side",
        figure_png(weekly_panels([(g.label, g.runs) for g in groups],
                                 changes=[scenario_changes(g.scenario) for g in groups],
                                 rag=_scheme(c.base.scenario).rag)),
        "The service's load % (4-week average, with the RAG thresholds), children per "
        "worker, the share of workers in red and CP/S47 households waiting, week by week. The "
        "line is the median run; the shaded band holds the middle 80 % of runs; the dashed "
        "grey line repeats the base. Dotted purple lines mark the dates things change."))
    caveats = [*COMMON_CAVEATS,
               f"With {count(c.runs, 'run')}, small differences can go undetected: 'no clear "
               "difference' is not proof that there is none."]
    if any(_cost_known(c, k) for k in range(len(c.others))):
        caveats.append(COST_CAVEAT)
    return html_report(
        title=f"What if: {names}", question=question, answer=comparison_answer(c, metrics),
        precision=comparison_precision(c, metrics), sections=[scen, results], caveats=caveats,
        footer=_footer("compare", c.seed, c.runs, c.base.scenario.weeks, c.policy, where))


# -------------------------------------------------------------------- sweep


def _value(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _point_values(s: Sweep, metric: str, rest: tuple[Any, ...]) -> list[float]:
    return [s.point(v, *rest).spread(metric).p50 for v in s.parameters[0].values]


def sweep_answer(s: Sweep, metrics: Sequence[str] = SWEEP_METRICS) -> str:
    """One sentence: how the outcomes move across the range, children per worker beside
    load %, and a recommendation."""
    first = s.parameters[0]
    what = setting_label(first.path).lower()
    lo, hi = first.values[0], first.values[-1]
    rest = s.points[0].values[1:]
    shown = list(metrics)
    parts = []
    for name in shown:
        m = METRIC_BY_NAME[name]
        a = s.point(lo, *rest).spread(name).p50
        b = s.point(hi, *rest).spread(name).p50
        if math.isnan(a) or math.isnan(b):
            continue
        if name == "children_per_fte":
            word = "rises" if b > a + 0.05 else "falls" if b < a - 0.05 else "stays about"
            moves = (f"from {format_value(a, m.unit)} to {format_value(b, m.unit)}"
                     if word != "stays about" else f"the same ({format_value(a, m.unit)})")
            parts.append(f"children per worker {word} {moves}")
            continue
        word = "rises" if b > a else "falls" if b < a else "stays"
        moves = (f"from {format_value(a, m.unit)} to {format_value(b, m.unit)}"
                 if word != "stays" else f"at {format_value(a, m.unit)}")
        parts.append(f"{lower_first(m.label)} {word} {moves}")
    where = ""
    if len(s.parameters) > 1:
        where = (f" (with {setting_label(s.parameters[1].path).lower()} at {_value(rest[0])}; "
                 "the charts show every value)")
    text = (f"As the {what} goes from {_value(lo)} to {_value(hi)}{where}, in the median run "
            + "; ".join(parts[:4]) + ".")
    return text + " " + _sweep_recommendation(s, rest)


def _sweep_recommendation(s: Sweep, rest: tuple[Any, ...]) -> str:
    first = s.parameters[0]
    if first.path.startswith("benchmarks."):
        low = s.point(first.values[0], *rest).spread("children_per_fte").p50
        high = s.point(first.values[-1], *rest).spread("children_per_fte").p50
        more = (f" (each worker holds about {high:.1f} children at {_value(first.values[-1])} "
                f"against {low:.1f} at {_value(first.values[0])})" if high > low + 0.05 else "")
        return ("Recommendation: a higher benchmark lowers load % by asking more of each "
                f"worker, not by adding capacity{more}; choose the benchmark from what a worker "
                "can safely hold, and use this study to see what it means for waiting and "
                "high-risk work.")
    values = first.values
    best = max(values, key=lambda v: (s.point(v, *rest).spread("high_risk_within_5").p50
                                      if not math.isnan(s.point(v, *rest).spread(
                                          "high_risk_within_5").p50) else -1))
    return (f"Recommendation: of the values tried, {_value(best)} allocates the most CP/S47 "
            "work within 5 working days; check it against a referral surge or a staffing cut "
            "before adopting it.")


def sweep_precision(s: Sweep) -> str:
    """How precise the sweep is, in words: the paired change from one end to the other."""
    first = s.parameters[0]
    rest = s.points[0].values[1:]
    a, b = s.point(first.values[0], *rest), s.point(first.values[-1], *rest)
    metric = METRIC_BY_NAME["load_pct_mean"]
    d = paired_difference(metric, [r.summary[metric.name] for r in a.runs],
                          [r.summary[metric.name] for r in b.runs])
    text = (f"This is {_runs_words(s.runs, s.base.weeks)} at each of "
            f"{count(len(s.points), 'setting')}, every setting meeting the same referrals and "
            "families")
    half = _half_width(d)
    if not math.isnan(half):
        text += (f"; the change in load % from {_value(first.values[0])} to "
                 f"{_value(first.values[-1])} is known to within ±{half:.1f} percentage points")
    text += "."
    if s.runs < ENOUGH_RUNS:
        text += (f" With only {count(s.runs, 'run')} at each setting this is a first look; ask "
                 f"for {ENOUGH_RUNS} runs or more before deciding.")
    return text


def sweep_table(s: Sweep, metrics: Sequence[str] = SWEEP_METRICS) -> TableBlock:
    """The median run at each setting, load % tinted by band."""
    scheme = _scheme(s.base)
    header = [setting_label(p.path) for p in s.parameters] + [metric_label(m) for m in metrics]
    rows: list[list[str | Cell]] = [
        [_value(v) for v in pt.values]
        + [_value_cell(pt.spread(m).p50, METRIC_BY_NAME[m].unit, scheme) for m in metrics]
        for pt in s.points]
    return TableBlock("Median run at each setting", header, rows,
                      note="Load % cells are coloured by the RAG band they fall in.")


def sweep_page(s: Sweep, question: str | None = None, metrics: Sequence[str] = SWEEP_METRICS,
               where: str = "one process") -> str:
    """The sweep as a self-contained HTML page."""
    labels = [setting_label(p.path) for p in s.parameters]
    what = " and ".join(lbl.lower() for lbl in labels)
    question = question or (f"How do caseloads, waiting and workers in red change with the "
                            f"{what}, before we adopt a new setting?")
    settings: list[list[str | Cell]] = [
        [setting_label(p.path), ", ".join(_value(v) for v in p.values), _value(now)]
        for p, now in zip(s.parameters, s.current(), strict=True)]
    settings += [[setting_label(p.path), _value(p.values[0]), "fixed for every setting tried"]
                 for p in s.fixed]
    scen = Section("The scenario and the settings tried", paragraphs=[
        f"Every setting tried is {scenario_label(s.base.name)} with the setting below changed; "
        f"each was run {count(s.runs, 'time')}, and run number i of every setting sees the same "
        "referrals and families, so the settings differ only by the setting."],
        tables=[scenario_facts([(s.base.name, s.base)]),
                TableBlock("Settings", ["Setting", "Values tried", "Now"], settings)])
    shown = list(metrics)
    scheme = _scheme(s.base)
    results = Section("Results", paragraphs=[
        "The median run at each setting. Children per worker sits beside load %: a lower "
        "load % because each worker is allowed more is not a lighter job.", LOAD_NOTE],
        tables=[sweep_table(s, shown)],
        figures=[Figure("Outcomes against the setting",
                        figure_png(sweep_chart(s, shown, scheme.rag)),
                        "The line is the median run at each value; the shaded band holds the "
                        "middle 80 % of runs (P10 to P90); the dashed grey line marks today's "
                        "value and the coloured dashed lines the RAG thresholds of load %.")])
    caveats = [*COMMON_CAVEATS,
               "A setting that looks best here is best for this scenario's demand and "
               "workforce; check it against a referral surge or a staffing cut before "
               "adopting it."]
    return html_report(
        title=f"Testing the {what}", question=question, answer=sweep_answer(s, metrics),
        precision=sweep_precision(s), sections=[scen, results], caveats=caveats,
        footer=_footer("sweep", s.seed, s.runs, s.base.weeks, s.policy, where))


# ------------------------------------------------------------------- intake


def _missed(plan: IntakePlan, o: IntakeOption) -> str:
    out = []
    for t, v, ok in zip(plan.targets, o.measured, o.met, strict=True):
        if not ok:
            m = METRIC_BY_NAME[t.metric]
            out.append(f"{lower_first(m.label)} comes to {format_value(v, m.unit)} "
                       f"({t.statistic_text}) against a target of {t.threshold}")
    return "; ".join(out)


DIP_REASON = ("A likely reason: a cohort fills vacant posts first, and where an agency worker "
              "covered the post, that experienced worker leaves, while an NQSW takes no child "
              "protection work in the first year; until the intake outnumbers the vacancies, "
              "high-risk work can wait longer.")


def dip_text(d: Dip) -> str:
    """One sentence: where more NQSWs made a target clearly worse."""
    m = METRIC_BY_NAME[d.target.metric]
    values = f"{format_value(d.smaller_value, m.unit)} to {format_value(d.larger_value, m.unit)}"
    change = format_difference(d.difference.mean, m.unit)
    return (f"{m.label} was clearly worse with {d.larger} NQSWs than with {d.smaller} "
            f"({values}, {d.target.statistic_text}; run by run {change}, 95 % CI "
            f"{format_interval(d.difference)}).")


def describe_split_words(plan: IntakePlan, split: Sequence[int]) -> str:
    """``43 on 7 September 2026 and 42 on 6 September 2027``."""
    parts = [f"{n} on {long_date(d)}" for d, n in zip(plan.dates, split, strict=True)]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def nqsw_placed(runs: Sequence[RunSummary]) -> tuple[float, float]:
    """How many of an intake's NQSWs fill vacant posts and how many are new posts (means)."""
    return (metric_spread(runs, "nqsw_into_vacancies").mean,
            metric_spread(runs, "nqsw_new_posts").mean)


def intake_cost(plan: IntakePlan, option: IntakeOption) -> Difference | None:
    """The staff cost a year of an intake against none, paired run by run (None: no costs)."""
    if option.total == 0 or plan.base.costs is None:
        return None
    none = plan.option(0)
    metric = METRIC_BY_NAME["staff_cost_per_year"]
    return paired_difference(metric, [r.summary[metric.name] for r in none.runs],
                             [r.summary[metric.name] for r in option.runs])


def intake_answer(plan: IntakePlan) -> str:
    """The answer with its reason and a recommendation: the answer meets every target, one
    fewer does not; how many NQSWs fill vacancies and how many are new posts; the cost."""
    if plan.answer is None:
        best = max(plan.curve(), key=lambda o: (sum(o.met), o.total))
        return (f"No intake of up to {plan.max_size} NQSWs on {_dates(plan)} meets every "
                f"target in this scenario. The closest ({best.total} NQSWs) still falls short: "
                f"{_missed(plan, best)}. Recommendation: targets this far off need more than "
                "newly qualified staff (experienced recruits, fewer referrals held, or different "
                "targets).")
    a = plan.answer
    if a.total == 0:
        return ("No intake is needed: the targets are met without one. Recommendation: take "
                "on NQSWs only to replace leavers, and re-run the plan if demand rises.")
    vacancies, new = nqsw_placed(a.runs)
    text = (f"Take on {a.total} NQSW{'s' if a.total != 1 else ''}"
            f" ({describe_split_words(plan, a.split)}): on average {vacancies:.0f} of them fill "
            f"vacant posts and {new:.0f} are new posts.")
    cost = intake_cost(plan, a)
    if cost is not None and not math.isnan(cost.mean):
        more = "more" if cost.mean >= 0 else "less"
        text += (f" That costs about £{abs(cost.mean):,.0f} a year {more} in staff than no "
                 f"intake ({cost_period(plan.scenario(a))}; NQSWs replace agency cover where "
                 "they fill its posts).")
    below = plan.option(a.total - 1)
    text += f" With {a.total} every target is met; with {a.total - 1}, {_missed(plan, below)}."
    return text + (" Recommendation: plan for at least this many, and confirm the number with "
                   "more runs before recruiting.")


def intake_precision(plan: IntakePlan) -> str:
    """How precise the plan is, in words."""
    text = (f"This is {_runs_words(plan.runs, plan.base.weeks)} at each intake size tried, "
            "every size meeting the same referrals and families")
    cost = intake_cost(plan, plan.answer) if plan.answer is not None else None
    if cost is not None and not math.isnan(_half_width(cost)):
        text += f"; the cost is known to within ±£{_half_width(cost):,.0f} a year"
    text += (". The answer sits where the targets are only just met, so a few more runs can "
             "move it by one or two.")
    if plan.runs < ENOUGH_RUNS:
        text += (f" With only {count(plan.runs, 'run')} at each size this is a first look; ask "
                 f"for {ENOUGH_RUNS} runs or more before deciding.")
    return text


def _dates(plan: IntakePlan) -> str:
    return " and ".join(long_date(d) for d in plan.dates)


def intake_table(plan: IntakePlan) -> TableBlock:
    """The sizes searched: how each intake is placed, its load and each target, met or not."""
    costs = plan.base.costs is not None
    scheme = _scheme(plan.base)
    head = ["NQSWs", "When", "Fill vacancies", "New posts", metric_label("load_pct_mean"),
            metric_label("children_per_fte")]
    head += [t.describe() for t in plan.targets]
    head += (["Staff cost a year, against none"] if costs else []) + ["All met", "Searched"]
    rows: list[list[str | Cell]] = []
    for o in plan.curve():
        vacancies, new = nqsw_placed(o.runs)
        cells: list[str | Cell] = [
            str(o.total), describe_split_words(plan, o.split), f"{vacancies:.0f}", f"{new:.0f}",
            _value_cell(o.spread("load_pct_mean").mean, "%", scheme),
            format_value(o.spread("children_per_fte").mean, "children")]
        for t, v, ok in zip(plan.targets, o.measured, o.met, strict=True):
            cells.append(Cell(f"{format_value(v, METRIC_BY_NAME[t.metric].unit)} "
                              f"{'(met)' if ok else '(missed)'}",
                              verdict="better" if ok else "worse"))
        if costs:
            cost = intake_cost(plan, o)
            cells.append(format_difference(cost.mean, "£") if cost is not None else "-")
        cells += ["yes" if o.passes else "no", f"#{o.order}"]
        rows.append(cells)
    return TableBlock("The sizes searched", head, rows, left=(1,),
                      note="'Searched' gives the order in which sizes were tried. Fill "
                           "vacancies, new posts, load % and children per worker are "
                           "averages over the runs; load % is coloured by its RAG band.")


def main_table(result: Comparison | Sweep | IntakePlan) -> TableBlock:
    """The table a report is built around (the first scenario's, for a comparison)."""
    if isinstance(result, Comparison):
        return comparison_table(result)
    if isinstance(result, Sweep):
        return sweep_table(result)
    return intake_table(result)


def intake_page(plan: IntakePlan, question: str | None = None,
                where: str = "one process") -> str:
    """The intake plan as a self-contained HTML page."""
    question = question or (f"How many newly qualified social workers should we take on "
                            f"({_dates(plan)}) to meet our targets, and can we protect them?")
    targets = TableBlock("Targets", ["Target"], [[t.describe()] for t in plan.targets])
    scen = Section("The scenario and the targets", paragraphs=[
        f"The plan adds NQSW cohorts on {_dates(plan)} to {scenario_label(plan.base.name)}. A "
        "cohort fills vacant posts first and then adds posts; NQSWs carry a lower benchmark "
        "and no child protection work in their first months, as the scheme sets out."],
        tables=[scenario_facts([(plan.base.name, plan.base)]), targets])
    how = ("Every size from 0 to the largest was run." if plan.exhaustive else
           "The search started at none, doubled the intake until the targets were met, then "
           "halved the gap between the largest size that failed and the smallest that passed; "
           "sizes in between were not run, on the assumption that more NQSWs do not make the "
           "targets harder to meet.")
    dips = plan.dips()
    checked = (" The curve was checked for that assumption: " + " ".join(
        dip_text(d) for d in dips) + " " + DIP_REASON) if dips else (
        " The curve searched bears that out: no step to more NQSWs made a target clearly "
        "worse.")
    search = Section("How the answer was found", paragraphs=[
        how + f" Each size was run {count(plan.runs, 'time')} with the same referrals and "
        "families, so sizes differ only by the intake." + checked],
        tables=[intake_table(plan)],
        figures=[Figure("The curve searched", figure_png(intake_curve(plan)),
                        "Each panel is one target: the value at each intake size tried, the "
                        "target (dashed red) and the answer (dotted green). The shaded band "
                        "holds the middle 80 % of runs.")])
    sections = [scen, search]
    if plan.answer is not None and plan.answer.runs and plan.answer.runs[0].series:
        shown = [plan.option(0)] if plan.answer.total > 0 else []
        if plan.answer.total > 1:
            shown.append(plan.option(plan.answer.total - 1))
        shown.append(plan.answer)
        groups = [(f"{o.total} NQSWs", o.runs) for o in shown]
        changes = [scenario_changes(plan.scenario(o)) for o in shown]
        sections.append(Section("Week by week", paragraphs=[LOAD_NOTE], figures=[Figure(
            "Week by week", figure_png(weekly_panels(groups, changes=changes,
                                                     rag=_scheme(plan.base).rag)),
            "The service's load % (4-week average), children per worker, share of workers in "
            "red and CP/S47 households waiting, without an intake, with one fewer than the "
            "answer, and with the answer. Dotted purple lines mark when cohorts start.")]))
    caveats = [*COMMON_CAVEATS,
               *([COST_CAVEAT] if plan.base.costs is not None else []),
               "The answer sits where the targets are only just met: treat it as the least "
               "you need and confirm it with more runs before deciding.",
               "The model fills posts and progresses NQSWs through experience bands; it does "
               "not model supervision capacity or the ASYE programme's own limits."]
    if dips and not plan.exhaustive:
        caveats.append("More NQSWs made a target worse somewhere on the curve, so a smaller "
                       "intake between the sizes searched could also meet the targets: run "
                       "every size over that range to be sure.")
    bumps = plan.non_monotone()
    if bumps:
        caveats.append("Some sizes met the targets although a larger size did not ("
                       + ", ".join(map(str, bumps)) + "): the runs are too few to separate "
                       "sizes this close, so more runs are needed.")
    return html_report(
        title=f"NQSW intake plan: {scenario_label(plan.base.name)}", question=question,
        answer=intake_answer(plan), precision=intake_precision(plan), sections=sections,
        caveats=caveats,
        footer=_footer("plan-intake", plan.seed, plan.runs, plan.base.weeks, plan.policy, where))
