"""A meeting with one household waiting, decided exactly by trying every worker.

Many of the simulator's meetings put a single household to the team (the duty
manager's S47 referrals, a quiet week). Then the allocation is one of a handful:
nobody, or one allowed lead worker (and, for a co-worked household, one allowed
co-worker). Each is evaluated with the exact lexicographic objective of
:mod:`allocopt.allocation.objective`, and the best is the proven optimum on every
level, the one the stage-by-stage CP-SAT model would prove, found without building
a model. Ties go to the first in worker id order (lead, then co-worker).
"""

from __future__ import annotations

from allocopt.allocation.exact import ExactProblem
from allocopt.allocation.greedy import pinned, to_assignments
from allocopt.allocation.objective import Objective, evaluate
from allocopt.allocation.problem import Assignment
from allocopt.allocation.rules import RoleName, Taken, allowed


def single_household(ex: ExactProblem) -> tuple[tuple[Assignment, ...], Objective] | None:
    """The best allocation of a one-household meeting and its objective.

    None when the meeting has more than one household or a pin (pins go through
    the optimiser's conflict analysis).
    """
    if len(ex.households) != 1 or pinned(ex):
        return None
    h = 0
    nobody: tuple[Assignment, ...] = ()
    best = (nobody, evaluate(ex, nobody))
    empty = Taken()
    order = sorted(range(len(ex.workers)), key=lambda w: ex.workers[w].id)
    leads = [w for w in order if allowed(ex, w, h, "lead", empty)]
    options: list[list[tuple[int, int, RoleName]]]
    if ex.households[h].co_working:
        seconds = [w for w in order if allowed(ex, w, h, "secondary", empty)]
        options = [[(h, lead, "lead"), (h, second, "secondary")]
                   for lead in leads for second in seconds if second != lead]
    else:
        options = [[(h, lead, "lead")] for lead in leads]
    for chosen in options:
        assignments = to_assignments(ex, chosen)
        objective = evaluate(ex, assignments)
        if objective.key() < best[1].key():
            best = (assignments, objective)
    return best
