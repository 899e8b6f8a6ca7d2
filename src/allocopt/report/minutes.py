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
    """A suggestion as a line of the minutes (with the meeting's decision, if any).

    Before and after are the worker's just before and just after this household,
    taking the households in the order listed.
    """
    return HouseholdLine(
        household_id=s.household_id, tier=s.tier, waiting_days=s.waiting_days, points=s.points,
        worker_id=s.worker_id, role=s.role, before=Load.of(s.step_before),
        after=Load.of(s.step_after),
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


DECIDED_HEADER = "Decided by, when"


def decided_by_words(d: Decided) -> str:
    """Who decided and when, as every form of the minutes says it: 'Sam Rivers,
    01 Dec 2026 10:02' (one alone when the other is not known)."""
    return ", ".join(part for part in (d.decided_by, d.decided_at) if part)


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
                     f"Load after | Decision | Why | {DECIDED_HEADER} |")
        lines.append("|---|---|---:|---|---:|---|---|---|---|---|")
        for x in m.lines:
            dec = x.decided
            why = x.why if dec is None or not dec.reason else f"{dec.reason} ({x.why})"
            lines.append(f"| {x.household_id} | {x.tier} | {_days(x.waiting_days)} | {_who(x)} | "
                         f"{fmt(x.points, d)} | {x.before.text if x.before else ''} | "
                         f"{x.after.text if x.after else ''} | "
                         f"{_md_cell(decision_words(dec) if dec else OUTCOME_WORDS['suggested'])} | "
                         f"{_md_cell(why)} | {_md_cell(decided_by_words(dec)) if dec else ''} |")
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
    env.globals["decided_by_words"] = decided_by_words
    env.globals["decided_header"] = DECIDED_HEADER
    env.globals["outcome_words"] = OUTCOME_WORDS
    return env


def minutes_html(m: Minutes) -> str:
    """The minutes as one self-contained HTML page with print styles (A4)."""
    return templates().get_template("minutes.html").render(m=m)


# ----------------------------------------------------------------- workbook


def _load_value(load: Load | None) -> float | None:
    return None if load is None or load.pct is None else round(load.pct / 100, 6)


def minutes_xlsx(m: Minutes) -> bytes:
    """The minutes as a workbook: the text on a first sheet, then one sheet per table.

    Load % cells are numbers in per-cent format tinted by their RAG band; every
    text cell goes through the formula-injection guard. The same minutes give
    the same bytes.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from allocopt.io.safe_cells import defuse, defuse_row
    from allocopt.io.workbook import workbook_bytes
    from allocopt.report.palette import RAG_LIGHT

    book = Workbook()
    text = book.active
    assert text is not None
    text.title = "Minutes"
    rules = "" if not m.rules_off else "; rules switched off: " + ", ".join(m.rules_off)
    lines: list[tuple[str, bool]] = [
        (f"Allocation meeting: {m.title}, {m.on:%d %B %Y}", True),
        (f"Scheme: {m.scheme} ({m.unit}). Decided with the {m.method}. Nobody is moved above "
         f"{m.ceiling_band}{rules}.", False), ("", False)]
    lines += [(n, False) for n in m.notes]
    if m.conflicts:
        lines += [("No plan: the pins conflict with the rules", True)]
        lines += [(c, False) for c in m.conflicts]
    lines += [("Escalation" if m.escalation_needed else "Summary", True), (m.escalation, False)]
    if m.breaches:
        lines += [("Validator", True)] + [(b, False) for b in m.breaches]
    for value, bold in lines:
        text.append([defuse(value)])
        cell = text.cell(text.max_row, 1)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if bold:
            cell.font = Font(bold=True, size=13 if text.max_row == 1 else 11)
    text.column_dimensions["A"].width = 110

    def sheet(title: str, header: list[str], rows: list[list[object]],
              loads: list[list[Load | None]], load_columns: tuple[int, ...],
              wide: tuple[int, ...] = ()) -> None:
        ws = book.create_sheet(title)
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row, row_loads in zip(rows, loads, strict=True):
            ws.append(defuse_row(row))
            for col, load in zip(load_columns, row_loads, strict=True):
                cell = ws.cell(ws.max_row, col)
                cell.number_format = "0.0%"
                light = RAG_LIGHT.get(load.colour) if load is not None else None
                if light:
                    cell.fill = PatternFill("solid", fgColor=light.lstrip("#").upper())
                ws.cell(ws.max_row, col + 1).value = load.band if load is not None else None
        for i, name in enumerate(header, start=1):
            width = max([len(name)] + [len(str(ws.cell(r, i).value or ""))
                                       for r in range(2, ws.max_row + 1)]) + 2
            ws.column_dimensions[get_column_letter(i)].width = min(width, 70)
            if i in wide:
                for r in range(2, ws.max_row + 1):
                    ws.cell(r, i).alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A2"

    decided = m.has_decisions
    header = ["Household", "Priority", "Waited (days)", "Worker", "Points", "Load before",
              "Band before", "Load after", "Band after"]
    header += ["Decision", "Why", DECIDED_HEADER] if decided else ["Why"]
    rows, loads = [], []
    for x in m.lines:
        row: list[object] = [x.household_id, x.tier, x.waiting_days, _who(x),
                             round(x.points, m.decimals), _load_value(x.before), None,
                             _load_value(x.after), None]
        if decided:
            dec = x.decided
            row += [decision_words(dec) if dec else OUTCOME_WORDS["suggested"],
                    x.why if dec is None or not dec.reason else f"{dec.reason} ({x.why})",
                    decided_by_words(dec) if dec else ""]
        else:
            row.append(x.why)
        rows.append(row)
        loads.append([x.before, x.after])
    sheet("Decisions", header, rows, loads, (6, 8), wide=(11 if decided else 10,))
    if m.lines:
        considered = book.create_sheet("Other workers considered")
        considered.append(["Household", "Allocated to", "Next along"])
        for x in m.lines:
            considered.append(defuse_row([x.household_id, x.worker_id or "",
                                          "; ".join(x.alternatives) or "none"]))
        considered.column_dimensions["C"].width = 110
    if m.waiting:
        sheet("Not allocated", ["#", "Household", "Priority", "Waited (days)", "Children",
                                "Points", "Reason"],
              [[w.rank, w.household_id, w.tier, w.waiting_days, w.children,
                round(w.points, m.decimals), w.reason] for w in m.waiting],
              [[] for _ in m.waiting], (), wide=(7,))
    if m.workers:
        sheet("Workers after the meeting", ["Worker", "Before", "Band before", "After",
                                            "Band after", "Added", "Households"],
              [[w.worker_id, _load_value(w.before), None, _load_value(w.after), None,
                round(w.added, m.decimals), ", ".join(w.households)] for w in m.workers],
              [[w.before, w.after] for w in m.workers], (2, 4))
    return workbook_bytes(book)
