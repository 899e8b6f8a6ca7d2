"""Level 1b for large meetings: a household waiting longer placed in place of one of its tier.

With the households placed per tier fixed by level 1, the days waited (summed over
the households placed) rise only by placing, in some tier, a household that has
waited longer instead of one that has waited less. This tries exactly that, the
longest waiting first: a placed household of the tier that has waited less (the
least first) is taken off and the longer-waiting one goes to the worker who had it,
else to the least-loaded worker every rule allows. Each swap that works raises the
days waited and keeps every tier's count and every hard rule; the levels after 1b
are left to the stages after it.
"""

from __future__ import annotations

import time

from allocopt.allocation.dealing import Dealer
from allocopt.allocation.exact import ExactProblem
from allocopt.allocation.problem import Assignment
from allocopt.allocation.rule_checks import required

TRIED = 8
"""Placed households a waiting household may take the place of (those waiting least)."""


def longer_waiting(ex: ExactProblem, assignments: tuple[Assignment, ...],
                   deadline: float) -> tuple[Assignment, ...] | None:
    """`assignments` with households waiting longer placed in place of households of the
    same tier that have waited less (module docstring); None if no swap works by
    `deadline` (perf_counter). Co-worked and pinned households placed stay placed."""
    dealer = Dealer(ex)
    for a in assignments:
        dealer.record(ex.household_index[a.household_id], ex.worker_index[a.worker_id],
                      a.role)
    pins = {h for h, _ in required(ex)}
    lead_of = {h: w for h, w, role in dealer.chosen if role == "lead"}
    days = [hh.waiting_days for hh in ex.households]
    tiers: dict[int, tuple[list[int], list[int]]] = {}
    for h, hh in enumerate(ex.households):
        out, placed = tiers.setdefault(hh.tier, ([], []))
        if h not in lead_of:
            out.append(h)
        elif h not in pins and not hh.co_working:
            placed.append(h)
    swapped = False
    for tier in sorted(tiers):
        out, placed = tiers[tier]
        out.sort(key=lambda h: (-days[h], ex.households[h].id))
        placed.sort(key=lambda h: (days[h], ex.households[h].id))
        for u in out:
            if time.perf_counter() >= deadline:
                return dealer.assignments() if swapped else None
            for p in [p for p in placed[:TRIED] if days[p] < days[u]]:
                w = lead_of.pop(p)
                dealer.drop(p, w, "lead")
                if _place(dealer, u, w):
                    placed.remove(p)
                    if not ex.households[u].co_working:
                        # u may give its place to a longer-waiting one in turn
                        placed.append(u)
                        placed.sort(key=lambda h: (days[h], ex.households[h].id))
                        lead_of[u] = next(v for g, v, role in dealer.chosen
                                          if g == u and role == "lead")
                    swapped = True
                    break
                dealer.record(p, w, "lead")
                lead_of[p] = w
    return dealer.assignments() if swapped else None


def _place(dealer: Dealer, h: int, w: int) -> bool:
    """`h` to `w` if every rule allows it, else to the least-loaded worker allowed."""
    if w in dealer.fitting(h, "lead") and dealer.allowed_now(h, w) and dealer.place(h, w):
        return True
    return any(dealer.place(h, v) for v in dealer.least_loaded(h, "lead"))
