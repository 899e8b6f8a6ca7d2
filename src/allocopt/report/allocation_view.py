"""The allocation meeting for people: terminal tables in RAG colours, and meeting minutes.

`meeting_renderables` gives rich tables for the terminal (suggestions with
before and after bands, households left waiting with the reason, workers after
the meeting, the escalation). `meeting_minutes` gives the same as Markdown to
paste into the meeting record (written by :mod:`allocopt.report.minutes`, which
the meeting board uses too). Only ids are shown, never children's names.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from allocopt.allocation.explain import MeetingOutcome, Recommendation, Standing
from allocopt.report.minutes import minutes_from_outcome, minutes_markdown, solver_words
from allocopt.report.terminal import band_text, fmt

if TYPE_CHECKING:  # the optimiser (OR-Tools) loads only when a plan is made
    from allocopt.allocation.rebalance import RebalancePlan


def _pct(s: Standing | None) -> str:
    if s is None:
        return ""
    return "n/a" if not math.isfinite(s.pct) else f"{s.pct:.1f}%"


def _band(s: Standing | None) -> Text:
    if s is None:
        return Text("")
    return band_text(s.band, s.colour)


WIDE = 110
"""From this many columns the reasons sit in the table; below, they are listed under it."""


def meeting_renderables(outcome: MeetingOutcome, title: str, width: int = 140
                        ) -> list[RenderableType]:
    """Tables and lines for a terminal `width` columns wide, in reading order."""
    scheme = outcome.problem.scheme
    d = scheme.decimals
    out: list[RenderableType] = []
    head = Text(f"{title}: {scheme.name} ({scheme.unit.value}), "
                f"{outcome.problem.on:%d %b %Y}. ", style="bold")
    head.append(solver_words(outcome) + ".", style="")
    out.append(head)
    if outcome.conflicts:
        out.append(Text("The pins cannot all be kept:", style="bold red"))
        for c in outcome.conflicts:
            out.append(Text(f"  - {c}"))
        return out
    wide = width >= WIDE
    t = Table(title="Suggested allocations", box=box.SIMPLE_HEAVY, title_justify="left",
              pad_edge=False, collapse_padding=True)
    columns: list[tuple[str, dict[str, Any]]] = [
        ("Household", {"no_wrap": True}), ("Priority", {}), ("Waited", {"justify": "right"}),
        ("Worker", {"no_wrap": True}), ("Points", {"justify": "right"}),
        ("Before", {"justify": "right"}), ("", {"justify": "center"}),
        ("After", {"justify": "right"}), ("", {"justify": "center"})]
    if wide:
        columns.append(("Why; next along", {"ratio": 1}))
    for name, kw in columns:
        t.add_column(name, **kw)
    reasons: list[RenderableType] = []
    for s in outcome.suggestions:
        role = "" if s.role == "lead" else " (co-worker)"
        nxt = "; ".join(f"{a.worker_id}: {a.reason}" for a in s.alternatives[:2])
        why = s.why + (f". Next: {nxt}" if nxt else "")
        # Before and after are the worker's just before and after this household.
        cells: list[RenderableType] = [
            s.household_id, s.tier, f"{s.waiting_days}d", s.worker_id + role, fmt(s.points, d),
            _pct(s.step_before), _band(s.step_before), _pct(s.step_after), _band(s.step_after)]
        if wide:
            cells.append(Text(why))
        else:
            reasons.append(Text.assemble((f"{s.household_id} to {s.worker_id}: ", "bold"), why))
        t.add_row(*cells)
    if outcome.suggestions:
        out.append(t)
        if reasons:
            out.append(Text("Why, and who was next along", style="bold"))
            out += reasons
    else:
        out.append(Text("No household can be allocated within the hard rules."))
    if outcome.waiting:
        wt = Table(title="Not allocated (highest priority first)", box=box.SIMPLE_HEAVY,
                   title_justify="left", pad_edge=False, collapse_padding=True)
        for name, kw in (("#", {"justify": "right"}), ("Household", {"no_wrap": True}),
                         ("Priority", {}), ("Waited", {"justify": "right"}),
                         ("Children", {"justify": "right"}), ("Points", {"justify": "right"}),
                         ("Reason", {"ratio": 1})):
            wt.add_column(name, **kw)
        for x in outcome.waiting:
            wt.add_row(str(x.rank), x.household_id, x.tier, f"{x.waiting_days}d",
                       str(x.children), fmt(x.points, d), x.reason)
        out.append(wt)
    changed = [w for w in outcome.workers if w.households]
    if changed:
        ws = Table(title="Workers given work", box=box.SIMPLE_HEAVY, title_justify="left",
                   pad_edge=False, collapse_padding=True)
        for name, kw in (("Worker", {"no_wrap": True}), ("Bench", {"justify": "right"}),
                         ("Before", {"justify": "right"}), ("", {"justify": "center"}),
                         ("After", {"justify": "right"}), ("", {"justify": "center"}),
                         ("Added", {"justify": "right"}), ("Households", {})):
            ws.add_column(name, **kw)
        for w in changed:
            ws.add_row(w.worker_id, fmt(w.benchmark, d), _pct(w.before), _band(w.before),
                       _pct(w.after), _band(w.after), fmt(w.added, d), ", ".join(w.households))
        out.append(ws)
    esc = outcome.escalation
    line = Text("Escalation: " if esc.needed else "Summary: ",
                style="bold red" if esc.needed else "bold")
    line.append(esc.summary)
    out.append(line)
    if outcome.breaches:
        out.append(Text(f"Warning: {len(outcome.breaches)} hard-rule breaches found by the "
                        "validator: " + "; ".join(b.reason for b in outcome.breaches[:3]),
                        style="bold red"))
    return out


def meeting_minutes(outcome: MeetingOutcome, title: str) -> str:
    """The meeting as Markdown minutes: decisions, reasons, escalations."""
    return minutes_markdown(minutes_from_outcome(outcome, title))


def recommend_table(household_id: str, rows: tuple[Recommendation, ...]) -> Table:
    """Every worker for one household, best first, eligible or not."""
    t = Table(title=f"Who could take {household_id}", box=box.SIMPLE_HEAVY, title_justify="left",
              pad_edge=False, collapse_padding=True)
    for name, kw in (("#", {"justify": "right"}), ("Worker", {"no_wrap": True}),
                     ("Now", {"justify": "right"}), ("", {"justify": "center"}),
                     ("After", {"justify": "right"}), ("", {"justify": "center"}),
                     ("Reason", {"ratio": 1})):
        t.add_column(name, **kw)
    for r in rows:
        style: dict[str, Any] = {} if r.eligible else {"style": "dim"}
        t.add_row(str(r.rank), r.worker_id, _pct(r.before), _band(r.before), _pct(r.after),
                  _band(r.after), r.reason, **style)
    return t


def rebalance_renderables(plan: RebalancePlan, title: str, scheme_colours: dict[str, str]
                          ) -> list[RenderableType]:
    """The written plan for workers in red, for the terminal."""
    out: list[RenderableType] = [Text(f"{title}: rebalancing plan", style="bold")]
    if plan.transfers:
        t = Table(box=box.SIMPLE_HEAVY, pad_edge=False, collapse_padding=True)
        for name in ("Household", "Points", "From", "", "", "To", "", "", "Purpose",
                     "Allocated"):
            t.add_column(name)
        for x in plan.transfers:
            t.add_row(x.household_id, f"{x.points:g}", x.from_worker,
                      f"{x.from_before[0]:.1f}% -> {x.from_after[0]:.1f}%",
                      band_text(x.from_after[1], scheme_colours.get(x.from_after[1], "")),
                      x.to_worker, f"{x.to_before[0]:.1f}% -> {x.to_after[0]:.1f}%",
                      band_text(x.to_after[1], scheme_colours.get(x.to_after[1], "")),
                      x.purpose, str(x.allocated_on or ""))
        out.append(t)
    out.append(Text(plan.summary))
    return out


def rebalance_minutes(plan: RebalancePlan, title: str) -> str:
    """The rebalancing plan as Markdown for the written record."""
    lines = [f"# Rebalancing plan: {title}", ""]
    if plan.transfers:
        lines += ["| Household | Points | From | From: before -> after | To | "
                  "To: before -> after | Purpose | Allocated |",
                  "|---|---:|---|---|---|---|---|---|"]
        for x in plan.transfers:
            lines.append(f"| {x.household_id} | {x.points:g} | {x.from_worker} | "
                         f"{x.from_before[0]:.1f}% {x.from_before[1]} -> "
                         f"{x.from_after[0]:.1f}% {x.from_after[1]} | {x.to_worker} | "
                         f"{x.to_before[0]:.1f}% {x.to_before[1]} -> "
                         f"{x.to_after[0]:.1f}% {x.to_after[1]} | {x.purpose} | "
                         f"{x.allocated_on or ''} |")
        lines.append("")
    lines += [plan.summary, ""]
    return "\n".join(lines)
