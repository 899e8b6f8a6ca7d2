"""The words reasons and explanations use for statuses, roles and loads."""

from __future__ import annotations

from allocopt.allocation.exact import ExactProblem
from allocopt.allocation.problem import WaitingHousehold
from allocopt.capacity import load_pct, rag_band
from allocopt.domain import Role, Status

STATUS_WORDS = {
    Status.CIN: "CIN",
    Status.CP: "CP",
    Status.CLA: "CLA",
    Status.CARE_LEAVER: "care leaver",
    Status.SUPERVISION_ORDER: "supervision order",
}
ROLE_WORDS = {
    Role.SOCIAL_WORKER: "a social worker",
    Role.SENIOR: "a senior practitioner",
    Role.CONSULTANT: "a consultant social worker",
    Role.FAMILY_SUPPORT_PRACTITIONER: "a family support practitioner",
    Role.LEAVING_CARE_ADVISER: "a leaving-care adviser",
    Role.STUDENT: "a student",
}
STATUS_ORDER = {s: i for i, s in enumerate(Status)}
"""Statuses in the domain's order (how reasons list them)."""


def statuses(household: WaitingHousehold) -> list[Status]:
    """The statuses of a household's children, in the domain's order."""
    return sorted((s for s, n in household.by_status.items() if n > 0), key=STATUS_ORDER.__getitem__)


def status_words(found: list[Status]) -> str:
    return ", ".join(STATUS_WORDS[s] for s in found)


def pct_text(ex: ExactProblem, w: int, extra: int) -> str:
    """A worker's load % and band with `extra` scaled units added, e.g. '108.0% (amber)'."""
    scheme = ex.problem.scheme
    pct = load_pct(ex.to_scheme(ex.load[w] + extra), ex.to_scheme(ex.benchmark[w]))
    band = rag_band(scheme, pct)
    return f"{pct:.1f}% ({band.name})" if pct != float("inf") else f"no capacity ({band.name})"
