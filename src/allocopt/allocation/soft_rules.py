"""The soft rules: why one worker is a poorer match than another, in plain words.

Each answers for a worker and a household with a short reason, or None when the
worker is as good a match as any on that count. They never forbid anything:
the explanations use them to say why the next workers along rank lower, and the
optimiser's last level weighs the same matches (:mod:`allocopt.allocation.objective`).
"""

from __future__ import annotations

from collections.abc import Callable

from allocopt.allocation.exact import ExactProblem
from allocopt.allocation.problem import RoleName
from allocopt.allocation.rule_forms import Taken, household_measure
from allocopt.allocation.words import pct_text

SoftRule = Callable[[ExactProblem, int, int, RoleName, Taken], "str | None"]


def continuity(ex: ExactProblem, w: int, h: int, role: RoleName, taken: Taken) -> str | None:
    """Soft: a worker who held the family before knows it; others start afresh."""
    household, worker = ex.households[h], ex.workers[w]
    if household.previous_workers and worker.id not in household.previous_workers:
        return f"did not hold {household.id} before ({', '.join(household.previous_workers)} did)"
    return None


def locality(ex: ExactProblem, w: int, h: int, role: RoleName, taken: Taken) -> str | None:
    """Soft: a worker covering the family's locality travels less."""
    household, worker = ex.households[h], ex.workers[w]
    if household.locality and worker.locality and household.locality != worker.locality:
        return f"works in {worker.locality}; the family lives in {household.locality}"
    return None


def skills(ex: ExactProblem, w: int, h: int, role: RoleName, taken: Taken) -> str | None:
    """Soft: the case's needs match the worker's skills."""
    household, worker = ex.households[h], ex.workers[w]
    missing = sorted(household.skills_needed - worker.skills)
    if missing:
        return f"lacks {', '.join(missing)}"
    return None


def into_amber(ex: ExactProblem, w: int, h: int, role: RoleName, taken: Taken) -> str | None:
    """Soft: taking the household would leave the worker above the acceptable band."""
    top = ex.acceptable_max[w]
    extra = taken.load + household_measure(ex, h, role, "load")
    if top is not None and extra > 0 and ex.load[w] + extra > top:
        return f"would go to {pct_text(ex, w, extra)}"
    return None


SOFT_RULES: tuple[tuple[str, SoftRule], ...] = (
    ("into_amber", into_amber),
    ("continuity", continuity),
    ("skills", skills),
    ("locality", locality),
)
"""Soft rules in the order a ranking explains them (concentration: see objective.py)."""
