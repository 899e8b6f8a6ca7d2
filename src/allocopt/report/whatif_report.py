"""What-if studies as one self-contained HTML page for a service manager.

Each page starts with the question and a plain answer, then the scenarios, the
results (tables and plots) and the caveats, built with
:func:`allocopt.report.html.html_report`. No timestamps: the same study gives
the same page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from allocopt import __version__
from allocopt.report.html import Figure, Section, TableBlock, figure_png, html_report
from allocopt.report.values import format_difference, format_value
from allocopt.report.whatif_plots import difference_chart, intake_curve, sweep_chart, weekly_panels
from allocopt.simulation.scenario import Scenario
from allocopt.whatif.compare import KEY_METRICS, Comparison, Difference
from allocopt.whatif.intake import Dip, IntakeOption, IntakePlan, describe_split
from allocopt.whatif.runs import METRIC_BY_NAME
from allocopt.whatif.sweep import SWEEP_METRICS, Sweep

# ------------------------------------------------------------------ numbers


def format_interval(d: Difference) -> str:
    """``+3.1 to +7.9`` (the 95 % CI of a difference)."""
    if math.isnan(d.ci_low):
        return "-"
    return f"{format_difference(d.ci_low, d.unit)} to {format_difference(d.ci_high, d.unit)}"


def lower_first(text: str) -> str:
    """``Households waiting`` -> ``households waiting``; ``CP/S47 work`` stays as it is."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def _setting(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_setting(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_setting(v)}" for k, v in value.items()
                               if v is not None) + "}"
    if value is None:
        return "(not set)"
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return f"{value:g}" if isinstance(value, float) else str(value)


# ---------------------------------------------------------------- scenarios


def scenario_facts(scenarios: Sequence[tuple[str, Scenario]]) -> TableBlock:
    """The scenarios side by side: what each one is."""
    rows = []
    for label, s in scenarios:
        posts = sum(t.posts * t.count for t in s.workforce.teams)
        events = []
        events += [f"cut {c.posts} posts on {c.date_from(s.start)}" for c in s.workforce.cuts]
        events += [f"{c.count} NQSWs start on {c.date_from(s.start)}"
                   for c in s.workforce.cohorts]
        events += [f"benchmarks change on {c.date_from(s.start)}" for c in s.benchmark_changes]
        events += [f"referrals {c.change:+.0%} from {c.date_from(s.start)}"
                   for c in s.referrals.shocks]
        rows.append([label, s.description or "-", f"{s.start} ({s.weeks} weeks)",
                     f"{posts} in {len(s.team_ids)} team{'s' if len(s.team_ids) > 1 else ''}",
                     f"{s.referrals.rate:g}", s.scheme.id, "; ".join(events) or "-"])
    return TableBlock("The scenarios", ["Scenario", "What it is", "From", "Case-holding posts",
                                        "Households referred a week", "Scheme", "Changes"], rows)


def _footer(command: str, seed: int, runs: int, weeks: int, policy: str | None,
            where: str) -> str:
    return (f"Made by allocopt {__version__} ({command}): {runs} runs of {weeks} weeks with "
            f"seed {seed}, allocation policy {policy or 'as in the scenario'}, run on {where}. "
            "The same inputs and seed give the same figures.")


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


# ------------------------------------------------------------------ compare


def _difference_rows(c: Comparison, k: int, metrics: Sequence[str]) -> list[list[str]]:
    rows = []
    for name in metrics:
        d = c.difference(k, name)
        rows.append([d.label, format_value(d.base, d.unit), format_value(d.other, d.unit),
                     format_difference(d.mean, d.unit), format_interval(d), d.verdict])
    return rows


def comparison_answer(c: Comparison, metrics: Sequence[str] = KEY_METRICS) -> str:
    """The answer in a few sentences: what clearly changes, and what does not."""
    sentences = []
    for k, other in enumerate(c.others):
        clear = [c.difference(k, m) for m in metrics if c.difference(k, m).significant]
        if not clear:
            sentences.append(f"{other.label}: no clear difference from {c.base.label} in the key "
                             f"outcomes over {c.runs} paired runs.")
            continue
        worse = [d for d in clear if d.verdict == "worse"]
        better = [d for d in clear if d.verdict == "better"]
        moved = [d for d in clear if d.verdict not in ("worse", "better")]
        parts = []
        for group, word in ((worse, "worse"), (better, "better"), (moved, "changed")):
            if group:
                items = "; ".join(f"{lower_first(d.label)} {format_difference(d.mean, d.unit)} "
                                  f"({format_interval(d)})" for d in group)
                parts.append(f"{word}: {items}")
        sentences.append(f"{other.label} compared with {c.base.label}, " + ". ".join(parts)
                         + " (differences with 95 % confidence intervals).")
    return " ".join(sentences)


def comparison_page(c: Comparison, question: str | None = None,
                    metrics: Sequence[str] = KEY_METRICS, where: str = "one process") -> str:
    """The comparison as a self-contained HTML page."""
    names = ", ".join(o.label for o in c.others)
    question = question or (f"What changes for caseloads, waiting and workers in red under "
                            f"{names}, compared with {c.base.label}?")
    groups = [c.base, *c.others]
    scen = Section("The scenarios", paragraphs=[
        f"{c.base.label} is the starting point; every other scenario is compared with it. "
        "Each scenario was run the same number of times, and run number i of every scenario "
        "sees the same referrals, families, sickness and resignations (common random "
        "numbers): the only differences between them come from what the scenarios change."],
        tables=[scenario_facts([(g.label, g.scenario) for g in groups])])
    for other, changes in zip(c.others, c.changes, strict=True):
        rows = [[ch.path, _setting(ch.base), _setting(ch.other)] for ch in changes]
        scen.tables.append(TableBlock(
            f"What {other.label} changes", ["Setting", c.base.label, other.label],
            rows or [["(nothing: the same settings)", "", ""]]))
    results = Section("Results", paragraphs=[
        "Each table compares the averages over the runs and gives the difference with its "
        "95 % confidence interval, worked out run by run. 'Worse' or 'better' means the "
        "interval lies wholly on one side of zero; 'no clear difference' means the runs "
        "made cannot tell the scenarios apart on that outcome."])
    for k, other in enumerate(c.others):
        results.tables.append(TableBlock(
            f"{other.label} compared with {c.base.label}",
            ["Outcome", f"{c.base.label} (mean)", f"{other.label} (mean)", "Difference",
             "95 % confidence interval", "Verdict"],
            _difference_rows(c, k, metrics),
            note="pp = percentage points."))
    results.figures.append(Figure(
        "Differences from the base", figure_png(difference_chart(c, metrics)),
        "Each dot is the average difference from the base; the bar is its 95 % confidence "
        "interval. Red is worse, green is better, grey is no clear difference or neither."))
    results.figures.append(Figure(
        "Week by week, side by side",
        figure_png(weekly_panels([(g.label, g.runs) for g in groups])),
        "The service's load %, share of workers in red and CP/S47 households waiting, week "
        "by week. The line is the median run; the shaded band holds the middle 80 % of runs. "
        "The dashed grey line repeats the base for reference."))
    caveats = [*COMMON_CAVEATS,
               f"With {c.runs} runs small differences can go undetected: 'no clear difference' "
               "is not proof that there is none."]
    return html_report(
        title=f"What if: {names}", question=question, answer=comparison_answer(c, metrics),
        sections=[scen, results], caveats=caveats,
        footer=_footer("compare", c.seed, c.runs, c.base.scenario.weeks, c.policy, where))


# -------------------------------------------------------------------- sweep


def _value(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def sweep_answer(s: Sweep, metrics: Sequence[str] = SWEEP_METRICS) -> str:
    """How each outcome's median moves across the swept range."""
    first = s.parameters[0]
    lo, hi = first.values[0], first.values[-1]
    rest = s.points[0].values[1:]
    parts = []
    for name in metrics:
        m = METRIC_BY_NAME[name]
        a = s.point(lo, *rest).spread(name).p50
        b = s.point(hi, *rest).spread(name).p50
        if math.isnan(a) or math.isnan(b):
            continue
        word = "rises" if b > a else "falls" if b < a else "stays"
        moves = f"from {format_value(a, m.unit)} to {format_value(b, m.unit)}" \
            if word != "stays" else f"at {format_value(a, m.unit)}"
        parts.append(f"{lower_first(m.label)} {word} {moves}")
    where = ""
    if len(s.parameters) > 1:
        where = f" (with {s.parameters[1].path} = {_value(rest[0])}; the plots show every value)"
    return (f"As {first.path} goes from {_value(lo)} to {_value(hi)}{where}, in the median "
            f"run: " + "; ".join(parts) + ".")


def sweep_page(s: Sweep, question: str | None = None, metrics: Sequence[str] = SWEEP_METRICS,
               where: str = "one process") -> str:
    """The sweep as a self-contained HTML page."""
    paths = " and ".join(p.path for p in s.parameters)
    question = question or (f"How do caseloads, waiting and workers in red change with "
                            f"{paths}, before we adopt a new setting?")
    settings = [[p.path, ", ".join(_value(v) for v in p.values), _value(now)]
                for p, now in zip(s.parameters, s.current(), strict=True)]
    settings += [[p.path, _value(p.values[0]), "fixed for every point"] for p in s.fixed]
    scen = Section("The scenario and the settings tried", paragraphs=[
        f"Every point is {s.base.name} with the setting(s) below changed; each point was run "
        f"{s.runs} times, and run number i of every point sees the same referrals and "
        "families, so the points differ only by the setting."],
        tables=[scenario_facts([(s.base.name, s.base)]),
                TableBlock("Settings", ["Setting", "Values tried", "Now"], settings)])
    header = [p.path for p in s.parameters] + [METRIC_BY_NAME[m].label for m in metrics]
    rows = [[_value(v) for v in pt.values]
            + [format_value(pt.spread(m).p50, METRIC_BY_NAME[m].unit) for m in metrics]
            for pt in s.points]
    results = Section("Results", tables=[TableBlock(
        "Median run at each point", header, rows,
        note="Every metric, with its mean, 95 % CI and P10/P50/P90, is in sweep.csv.")],
        figures=[Figure("Outcomes against the setting", figure_png(sweep_chart(s, metrics)),
                        "The line is the median run at each value; the shaded band holds the "
                        "middle 80 % of runs (P10 to P90).")])
    caveats = [*COMMON_CAVEATS,
               "A setting that looks best here is best for this scenario's demand and "
               "workforce; check it against a referral surge or a staffing cut before "
               "adopting it."]
    return html_report(
        title=f"Testing {paths}", question=question, answer=sweep_answer(s, metrics),
        sections=[scen, results], caveats=caveats,
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


def intake_answer(plan: IntakePlan) -> str:
    """The answer with its reason: the answer meets every target, one fewer does not."""
    if plan.answer is None:
        best = max(plan.curve(), key=lambda o: (sum(o.met), o.total))
        return (f"No intake of up to {plan.max_size} NQSWs on {_dates(plan)} meets every "
                f"target in this scenario. The closest ({best.total} NQSWs) still falls short: "
                f"{_missed(plan, best)}. Targets this far off need more than newly qualified "
                "staff (experienced recruits, fewer referrals held, or different targets).")
    a = plan.answer
    text = (f"Take on {a.total} NQSW{'s' if a.total != 1 else ''}"
            f" ({describe_split(plan.dates, a.split)})." if a.total else
            "No intake is needed: the targets are met without one.")
    if a.total > 0:
        below = plan.option(a.total - 1)
        text += (f" With {a.total} every target is met; with {a.total - 1}, "
                 f"{_missed(plan, below)}.")
    return text


def _dates(plan: IntakePlan) -> str:
    return " and ".join(d.isoformat() for d in plan.dates)


def intake_page(plan: IntakePlan, question: str | None = None,
                where: str = "one process") -> str:
    """The intake plan as a self-contained HTML page."""
    question = question or (f"How many newly qualified social workers should we take on "
                            f"({_dates(plan)}) to meet our targets, and can we protect them?")
    targets = TableBlock("Targets", ["Target", "As typed"],
                         [[t.describe(), t.text] for t in plan.targets])
    scen = Section("The scenario and the targets", paragraphs=[
        f"The plan adds NQSW cohorts on {_dates(plan)} to {plan.base.name}. A cohort fills "
        "vacant posts first and then adds posts; NQSWs carry a lower benchmark and no child "
        "protection work in their first months, as the scheme sets out."],
        tables=[scenario_facts([(plan.base.name, plan.base)]), targets])
    head = ["NQSWs", "Split"] + [t.text for t in plan.targets] + ["All met", "Searched"]
    rows = []
    for o in plan.curve():
        cells = [str(o.total), describe_split(plan.dates, o.split)]
        for t, v, ok in zip(plan.targets, o.measured, o.met, strict=True):
            cells.append(f"{format_value(v, METRIC_BY_NAME[t.metric].unit)} "
                         f"{'(met)' if ok else '(missed)'}")
        cells += ["yes" if o.passes else "no", f"#{o.order}"]
        rows.append(cells)
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
        how + f" Each size was run {plan.runs} times with the same referrals and families, so "
        "sizes differ only by the intake." + checked],
        tables=[TableBlock("The sizes searched", head, rows,
                           note="'Searched' gives the order in which sizes were tried.")],
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
        sections.append(Section("Week by week", figures=[Figure(
            "Week by week", figure_png(weekly_panels(groups)),
            "The service's load %, share of workers in red and CP/S47 households waiting, "
            "without an intake, with one fewer than the answer, and with the answer.")]))
    caveats = [*COMMON_CAVEATS,
               "The answer sits where the targets are only just met: treat it as the least "
               "you need and re-run with more runs (--runs) before deciding.",
               "The model fills posts and progresses NQSWs through experience bands; it does "
               "not model supervision capacity or the ASYE programme's own limits."]
    if dips and not plan.exhaustive:
        caveats.append("More NQSWs made a target worse somewhere on the curve, so a smaller "
                       "intake between the sizes searched could also meet the targets: run "
                       "with --every-size (and --max) over that range to be sure.")
    bumps = plan.non_monotone()
    if bumps:
        caveats.append("Some sizes met the targets although a larger size did not ("
                       + ", ".join(map(str, bumps)) + "): the runs are too few to separate "
                       "sizes this close, so more runs are needed.")
    return html_report(
        title=f"NQSW intake plan: {plan.base.name}", question=question,
        answer=intake_answer(plan), sections=sections, caveats=caveats,
        footer=_footer("plan-intake", plan.seed, plan.runs, plan.base.weeks, plan.policy, where))
