"""Workers the priority tiers above fill to the last point they can use.

Once tiers 0..k hold at least so many households each, those households need a least
amount of new load: the lightest of each tier, as many as are held. They can only go
to the workers who may take them (the group), and each of those can take at most its
*usable room*: its room under the ceiling rounded down to the largest sum of whole
households of those tiers it may take (:meth:`~.count_lp.CountLp.reach`). When the
least need reaches the group's usable room (it cannot pass it while the model has a
solution), every allocation the model still allows
fills each member to exactly its usable room with those tiers, and what is left for
the tiers below is the remainder: usually less than any household, so none of them
goes to the group at all.

Measured at 200 x 1,000 overload: the 36 S47 and 342 CP households held need all the
usable room of the 143 workers who may take them. Told so, CP-SAT proved the court
tier (10) in 0.5 s, where without it the whole 10 s ended with the tier unproven
against its LP bound of 14: its search over the 143 full workers found nothing but
could not show there was nothing to find.

The rows this gives (:func:`~allocopt.allocation.cpsat.model.add_saturation`) are
implied by the model's own constraints, so they change no optimum, only how fast it
is found and proven.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from allocopt.allocation.cpsat.rooms import UNBOUNDED

if TYPE_CHECKING:
    # not at run time: the LP module loads OR-Tools' linear solver, which only large
    # meetings need (and they have built the LP before they get here)
    from allocopt.allocation.cpsat.bounds.count_lp import CountLp


def saturated_rooms(count: CountLp, upto: int, held: Sequence[int]
                    ) -> dict[int, tuple[int, int]] | None:
    """Worker -> (new load of tiers up to `upto` they hold, room left for the tiers
    below) for every worker who may take households of those tiers, when holding
    `held[t]` households of each tier t <= `upto` fills them all to their usable room
    (module docstring); None when it does not."""
    need = 0
    for tier in range(upto + 1):
        loads = sorted(t.points + (t.secondary if t.co_working else 0)
                       for t in count.types if t.tier == tier for _ in t.households)
        if held[tier] > len(loads):
            return None
        need += sum(loads[:held[tier]])
    group = [w for w, chunks in enumerate(count.chunks)
             if any(tier <= upto and most > 0 for _, most, tier in chunks)]
    usable: dict[int, int] = {}
    for w in group:
        room = int(count.rooms.load_room[w])
        sums = count.reach(w, upto)  # sorted, from 0; None when too many to list
        if sums is None:
            if room >= UNBOUNDED:
                return None  # no ceiling: this worker alone could take them all
            usable[w] = room
        else:
            usable[w] = int(sums[-1])
    if need < sum(usable.values()):
        return None
    out: dict[int, tuple[int, int]] = {}
    for w, holds in usable.items():
        room = int(count.rooms.load_room[w])
        out[w] = (holds, UNBOUNDED if room >= UNBOUNDED else room - holds)
    return out
