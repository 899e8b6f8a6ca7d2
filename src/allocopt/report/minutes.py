"""Minutes of an allocation meeting, as Markdown and as a printable HTML page.

Minutes are built from plain data (:class:`Minutes`), so every way of holding a
meeting writes them the same way: `allocopt allocate --format md` from the
optimiser's suggestions alone (:func:`minutes_from_outcome`), and the meeting
board from the suggestions together with what the meeting decided (accepted,
given to another worker, deferred; a hard rule overridden is marked). Only ids
are shown, never children's names. The HTML page needs no scripts or external
files and prints on A4 (print styles: no buttons, rows never split).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Literal

from allocopt.allocation.explain import MeetingOutcome, Standing, Suggestion, Waiting, WorkerChange
from allocopt.report.terminal import fmt

if TYPE_CHECKING:
    from jinja2 import Environment

SOLVER_STATUS_WORDS = {
    "optimal": "proven optimal",
    "feasible": "best found within the time limit",
    "infeasible": "no plan: the pins conflict with the rules",
}

Outcome = Literal["suggested", "accepted", "overridden", "deferred"]
OUTCOME_WORDS: dict[str, str] = {
    "suggested": "suggested, not yet decided",
    "accepted": "accepted",
    "overridden": "given to another worker",
    "deferred": "deferred",
}


@dataclass(frozen=True, slots=True)
class Load:
    """A worker's load % and band at one moment (pct None: no capacity)."""

    pct: float | None
    band: str
    colour: str = ""

    @classmethod
    def of(cls, s: Standing) -> Load:
        return cls(s.pct if math.isfinite(s.pct) else None, s.band, s.colour)

    @property
    def pct_text(self) -> str:
        return "n/a" if self.pct is None else f"{self.pct:.1f}%"

    @property
    def text(self) -> str:
        return f"{self.pct_text} {self.band}"


@dataclass(frozen=True, slots=True)
class Decided:
    """What the meeting decided about one household (absent: only suggested)."""

    outcome: Outcome
    reason: str | None = None
    hard_rule_override: str | None = None
    """The hard rules the manager overrode, in words; None when none was."""
    decided_by: str | None = None
    decided_at: str | None = None
    suggested_worker: str | None = None


@dataclass(frozen=True, slots=True)
class HouseholdLine:
    """One household allocated (suggested or decided) or deferred at the meeting."""

    household_id: str
    tier: str
    waiting_days: int
    points: float
    worker_id: str | None
    role: str
    before: Load | None
    after: Load | None
    why: str
    alternatives: tuple[str, ...] = ()
    decided: Decided | None = None

    @property
    def outcome(self) -> Outcome:
        return self.decided.outcome if self.decided is not None else "suggested"


@dataclass(frozen=True, slots=True)
class WorkerLine:
    """A worker given work at the meeting, before and after."""

    worker_id: str
    before: Load
    after: Load
    added: float
    households: tuple[str, ...]


@dataclass(frozen=True)
class Minutes:
    """Everything the minutes of one meeting say, as plain values."""

    title: str
    on: date
    scheme: str
    unit: str
    decimals: int
    method: str
    """How the suggestions were made, e.g. 'CP-SAT optimiser, proven optimal'."""
    ceiling_band: str
    rules_off: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()
    lines: tuple[HouseholdLine, ...] = ()
    waiting: tuple[Waiting, ...] = ()
    """Households left waiting, highest priority first."""
    escalation_needed: bool = False
    escalation: str = ""
    workers: tuple[WorkerLine, ...] = ()
    breaches: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())
    """Anything else the record should say (e.g. decisions held at the meeting)."""

    @property
    def has_decisions(self) -> bool:
        return any(line.decided is not None for line in self.lines)


# ------------------------------------------------------------- from an outcome


def solver_words(outcome: MeetingOutcome) -> str:
    """'CP-SAT optimiser, proven optimal', 'greedy rule (manager's rule)', ..."""
    result = outcome.result
    name = {"cp-sat": "CP-SAT optimiser", "greedy": "greedy rule (manager's rule)"}.get(
        result.solver, result.solver)
    if result.solver == "greedy" and result.status == "feasible":
        return name
    return f"{name}, {SOLVER_STATUS_WORDS.get(result.status, result.status)}"


def suggestion_line(s: Suggestion, decided: Decided | None = None) -> HouseholdLine:
    """A suggestion as a line of the minutes (with the meeting's decision, if any)."""
    return HouseholdLine(
        household_id=s.household_id, tier=s.tier, waiting_days=s.waiting_days, points=s.points,
        worker_id=s.worker_id, role=s.role, before=Load.of(s.before), after=Load.of(s.after),
        why=s.why, alternatives=tuple(f"{a.worker_id}: {a.reason}" for a in s.alternatives),
        decided=decided)


def worker_line(w: WorkerChange) -> WorkerLine:
    return WorkerLine(w.worker_id, Load.of(w.before), Load.of(w.after), w.added, w.households)


def minutes_from_outcome(outcome: MeetingOutcome, title: str) -> Minutes:
    """The minutes of a meeting whose suggestions are all there is (the CLI's)."""
    p = outcome.problem
    return Minutes(
        title=title, on=p.on, scheme=p.scheme.name, unit=p.scheme.unit.value,
        decimals=p.scheme.decimals, method=solver_words(outcome),
        ceiling_band=p.policy.ceiling_band,
        rules_off=tuple(n for n, on in p.policy.rules.model_dump().items() if not on),
        conflicts=tuple(outcome.conflicts),
        lines=tuple(suggestion_line(s) for s in outcome.suggestions),
        waiting=outcome.waiting,
        escalation_needed=outcome.escalation.needed, escalation=outcome.escalation.summary,
        workers=tuple(worker_line(w) for w in outcome.workers if w.households),
        breaches=tuple(f"{b.rule}: {b.reason}" for b in outcome.breaches),
    )


# ---------------------------------------------------------------- Markdown


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def _md_cell(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")


def _who(line: HouseholdLine) -> str:
    return (line.worker_id or "") + (" (co-worker)" if line.role == "secondary" else "")


def decision_words(d: Decided) -> str:
    """'accepted', 'given to another worker (suggested: W02); hard rule overridden: ...'."""
    words = OUTCOME_WORDS[d.outcome]
    if d.outcome == "overridden" and d.suggested_worker:
        words += f" (suggested: {d.suggested_worker})"
    if d.hard_rule_override:
        words += f"; HARD RULE OVERRIDDEN: {d.hard_rule_override}"
    return words


def minutes_markdown(m: Minutes) -> str:
    """The minutes as Markdown to paste into the meeting record."""
    d = m.decimals
    lines = [f"# Allocation meeting: {m.title}, {m.on:%d %B %Y}", ""]
    lines.append(f"Scheme: {m.scheme} ({m.unit}). Decided with the {m.method}. Nobody is "
                 f"moved above {m.ceiling_band}"
                 f"{'' if not m.rules_off else '; rules switched off: ' + ', '.join(m.rules_off)}.")
    lines.append("")
    lines += [*m.notes, ""] if m.notes else []
    if m.conflicts:
        lines += ["## No plan: the pins conflict with the rules", ""]
        lines += [f"- {c}" for c in m.conflicts]
        lines.append("")
        return "\n".join(lines)
    lines += ["## Decisions", ""]
    if m.lines and m.has_decisions:
        lines.append("| Household | Priority | Waited | Worker | Points | Load before | "
                     "Load after | Decision | Why | Decided by |")
        lines.append("|---|---|---:|---|---:|---|---|---|---|---|")
        for x in m.lines:
            dec = x.decided
            why = x.why if dec is None or not dec.reason else f"{dec.reason} ({x.why})"
            lines.append(f"| {x.household_id} | {x.tier} | {_days(x.waiting_days)} | {_who(x)} | "
                         f"{fmt(x.points, d)} | {x.before.text if x.before else ''} | "
                         f"{x.after.text if x.after else ''} | "
                         f"{_md_cell(decision_words(dec) if dec else OUTCOME_WORDS['suggested'])} | "
                         f"{_md_cell(why)} | {_md_cell(dec.decided_by or '') if dec else ''} |")
    elif m.lines:
        lines.append("| Household | Priority | Waited | Allocated to | Points | Load before | "
                     "Load after | Why |")
        lines.append("|---|---|---:|---|---:|---|---|---|")
        for x in m.lines:
            lines.append(f"| {x.household_id} | {x.tier} | {_days(x.waiting_days)} | {_who(x)} | "
                         f"{fmt(x.points, d)} | {x.before.text if x.before else ''} | "
                         f"{x.after.text if x.after else ''} | {_md_cell(x.why)} |")
    else:
        lines.append("No household can be allocated within the hard rules.")
    considered = [x for x in m.lines if x.worker_id]
    if considered:
        lines += ["", "### Other workers considered", ""]
        for x in considered:
            alts = "; ".join(x.alternatives)
            lines.append(f"- {x.household_id} to {x.worker_id}. Next along: "
                         f"{_md_cell(alts) or 'none'}.")
    lines.append("")
    if m.waiting:
        lines += ["## Not allocated (highest priority first)", "",
                  "| # | Household | Priority | Waited | Children | Points | Reason |",
                  "|---:|---|---|---:|---:|---:|---|"]
        for left in m.waiting:
            lines.append(f"| {left.rank} | {left.household_id} | {left.tier} | "
                         f"{_days(left.waiting_days)} | {left.children} | "
                         f"{fmt(left.points, d)} | {_md_cell(left.reason)} |")
        lines.append("")
    lines += ["## Escalation" if m.escalation_needed else "## Summary", "", m.escalation, ""]
    if m.workers:
        lines += ["## Workers after the meeting", "",
                  "| Worker | Before | After | Added | Households |", "|---|---|---|---:|---|"]
        for w in m.workers:
            lines.append(f"| {w.worker_id} | {w.before.text} | {w.after.text} | "
                         f"{fmt(w.added, d)} | {', '.join(w.households)} |")
        lines.append("")
    if m.breaches:
        lines += ["## Validator", ""] + [f"- {b}" for b in m.breaches]
        lines.append("")
    return "\n".join(lines)


# -------------------------------------------------------------------- HTML


@cache
def templates() -> Environment:
    """The report templates (autoescaped: every value is text, never markup)."""
    # Imported here: the terminal commands that load this module never need it.
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(loader=PackageLoader("allocopt.report", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["amount"] = fmt
    env.filters["days"] = _days
    env.globals["decision_words"] = decision_words
    env.globals["outcome_words"] = OUTCOME_WORDS
    return env


def minutes_html(m: Minutes) -> str:
    """The minutes as one self-contained HTML page with print styles (A4)."""
    return templates().get_template("minutes.html").render(m=m)
