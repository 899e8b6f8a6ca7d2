"""An allocation meeting as JSON (schema ``allocopt.allocation/1``) and CSV.

The JSON schema is documented in docs/allocation.md. Version 1 is stable: fields
may be added, none removed or renamed without a new version. The output holds
no timings and no children's names, so the same inputs and seed give the same
bytes.
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import TYPE_CHECKING, Any

from allocopt.allocation.explain import MeetingOutcome, Recommendation, Standing
from allocopt.io.safe_cells import defuse_row

if TYPE_CHECKING:  # the optimiser (OR-Tools) loads only when a plan is made
    from allocopt.allocation.rebalance import RebalancePlan

ALLOCATION_SCHEMA = "allocopt.allocation/1"
RECOMMEND_SCHEMA = "allocopt.recommend/1"
REBALANCE_SCHEMA = "allocopt.rebalance/1"

OBJECTIVE_KEYS = ("days_waited", "moved_into_amber", "max_load_pct", "spread_pct_points",
                  "preference")


def _num(x: float) -> float | None:
    if not math.isfinite(x):
        return None
    return round(x, 6) + 0.0


def standing_dict(s: Standing | None) -> dict[str, Any] | None:
    if s is None:
        return None
    return {"load": _num(s.load), "load_pct": _num(s.pct), "rag": s.band}


def _levels(values: tuple[float, ...], tiers: list[str]) -> dict[str, Any] | None:
    """The lexicographic objective by name (see allocation.objective.Objective.as_floats)."""
    if not values:
        return None
    n = len(values) - len(OBJECTIVE_KEYS)
    placed = {tiers[i] if i < len(tiers) else f"tier {i}": int(values[i]) for i in range(n)}
    out: dict[str, Any] = {"placed_by_tier": placed}
    for key, value in zip(OBJECTIVE_KEYS, values[n:], strict=True):
        out[key] = _num(value)
    return out


def meeting_dict(outcome: MeetingOutcome, warnings: list[str] | None = None) -> dict[str, Any]:
    """The meeting as plain data (schema allocopt.allocation/1)."""
    problem, result = outcome.problem, outcome.result
    scheme, policy = problem.scheme, problem.policy
    tiers = [*policy.tiers, "other"]
    switched_off = [name for name, on in policy.rules.model_dump().items() if not on]
    esc = outcome.escalation
    return {
        "schema": ALLOCATION_SCHEMA,
        "date": problem.on.isoformat(),
        "scheme": {"id": scheme.id, "name": scheme.name, "unit": scheme.unit.value},
        "team_type": problem.team_type.value if problem.team_type else None,
        "solver": {"name": result.solver, "status": result.status,
                   "time_limit_s": _num(policy.time_limit_s), "seed": policy.seed},
        "policy": {"ceiling_band": policy.ceiling_band, "rules_off": switched_off,
                   "tiers": list(policy.tiers), "pins": len(policy.pins),
                   "exclusions": len(policy.exclusions)},
        "objective": _levels(result.objective, tiers),
        "bound": _levels(result.bound, tiers),
        "suggestions": [
            {
                "household_id": s.household_id,
                "role": s.role,
                "worker_id": s.worker_id,
                "tier": s.tier,
                "waiting_days": s.waiting_days,
                "children": s.children,
                "statuses": s.statuses,
                "points": _num(s.points),
                "before": standing_dict(s.before),
                "after": standing_dict(s.after),
                "step_before": standing_dict(s.step_before),
                "step_after": standing_dict(s.step_after),
                "why": s.why,
                "alternatives": [{"worker_id": a.worker_id, "eligible": a.eligible,
                                  "reason": a.reason, "after": standing_dict(a.after)}
                                 for a in s.alternatives],
            }
            for s in outcome.suggestions
        ],
        "unallocated": [
            {"rank": w.rank, "household_id": w.household_id, "tier": w.tier,
             "waiting_days": w.waiting_days, "children": w.children, "statuses": w.statuses,
             "points": _num(w.points), "reason": w.reason}
            for w in outcome.waiting
        ],
        "workers": [
            {"id": w.worker_id, "benchmark": _num(w.benchmark), "before": standing_dict(w.before),
             "after": standing_dict(w.after), "added": _num(w.added),
             "households": list(w.households), "available": w.available, "note": w.note}
            for w in outcome.workers
        ],
        "escalation": {"needed": esc.needed, "households": esc.households,
                       "children": esc.children, "shortfall": _num(esc.shortfall),
                       "shortfall_fte": _num(esc.shortfall_fte), "unit": esc.unit,
                       "workers_in_red": list(esc.workers_in_red), "summary": esc.summary},
        "conflicts": list(outcome.conflicts),
        "breaches": [{"rule": b.rule, "household_id": b.household_id, "worker_id": b.worker_id,
                      "reason": b.reason} for b in outcome.breaches],
        "warnings": list(warnings or []),
    }


def meeting_json(outcome: MeetingOutcome, warnings: list[str] | None = None) -> str:
    return json.dumps(meeting_dict(outcome, warnings), indent=2, ensure_ascii=False) + "\n"


CSV_FIELDS = ("decision", "household_id", "role", "worker_id", "tier", "waiting_days", "children",
              "points", "load_pct_before", "rag_before", "load_pct_after", "rag_after", "reason",
              "next_worker", "next_reason")


def meeting_csv(outcome: MeetingOutcome) -> str:
    """One row per suggestion, then one per household left waiting (ranked)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_FIELDS)
    for s in outcome.suggestions:
        nxt = s.alternatives[0] if s.alternatives else None
        w.writerow(defuse_row([
            "allocate", s.household_id, s.role, s.worker_id, s.tier, s.waiting_days,
            s.children, _num(s.points), _num(s.step_before.pct), s.step_before.band,
            _num(s.step_after.pct), s.step_after.band, s.why, nxt.worker_id if nxt else "",
            nxt.reason if nxt else ""]))
    for x in outcome.waiting:
        w.writerow(defuse_row(["wait", x.household_id, "", "", x.tier, x.waiting_days,
                               x.children, _num(x.points), "", "", "", "", x.reason, "", ""]))
    return buf.getvalue()


def recommend_json(household_id: str, rows: tuple[Recommendation, ...]) -> str:
    data = {
        "schema": RECOMMEND_SCHEMA,
        "household_id": household_id,
        "workers": [{"rank": r.rank, "worker_id": r.worker_id, "eligible": r.eligible,
                     "reason": r.reason, "before": standing_dict(r.before),
                     "after": standing_dict(r.after), "preference": r.preference}
                    for r in rows],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def rebalance_json(plan: RebalancePlan) -> str:
    data = {
        "schema": REBALANCE_SCHEMA,
        "status": plan.status,
        "transfers": [
            {"household_id": t.household_id, "children": t.children, "statuses": t.statuses,
             "points": _num(t.points), "from_worker": t.from_worker, "to_worker": t.to_worker,
             "purpose": t.purpose,
             "allocated_on": t.allocated_on.isoformat() if t.allocated_on else None,
             "from": {"before": _pair(t.from_before), "after": _pair(t.from_after)},
             "to": {"before": _pair(t.to_before), "after": _pair(t.to_after)}}
            for t in plan.transfers
        ],
        "still_red": list(plan.still_red),
        "still_amber": list(plan.still_amber),
        "workers": {w: {"before": _pair(plan.before[w]), "after": _pair(plan.after[w])}
                    for w in plan.before},
        "summary": plan.summary,
        "notes": list(plan.notes),
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _pair(p: tuple[float, str]) -> dict[str, Any]:
    return {"load_pct": _num(p[0]), "rag": p[1]}
