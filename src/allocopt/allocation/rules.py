"""The hard rules of the allocation policy, each declared once, here.

Each :class:`~allocopt.allocation.rule_forms.HardRule` says, next to its name in
the policy file (``rules: {band_ceiling: false}`` switches it off) and its
plain-English predicate, which workers and households it concerns and its form:
an eligibility part (may this worker take this household at all?) and/or a
linear part (per worker, rows of *per-household weight <= room*). Every engine
reads :data:`HARD_RULES` through :mod:`allocopt.allocation.rule_checks`: the
greedy rule and its dealing and packing, the small-meeting search, the CP-SAT
model and its bounds, the conflict explanation, rebalancing, the validator and
the simulator. A new rule is a declaration here, its switch and settings in
:class:`~allocopt.allocation.problem.Policy`, and whatever it needs to know of a
worker's current holdings in :class:`~allocopt.allocation.problem.WorkerState`
(filled by ``build_problem`` and by the simulator).

Reasons are short and plain: "W05 is an NQSW at 3 months and R0001 has a CP
child (no CP work before 12 months)". Rules are listed in the order a reason is
reported, most basic first.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Hashable, Mapping
from fractions import Fraction

from allocopt.allocation.exact import ExactProblem
from allocopt.allocation.problem import RoleName
from allocopt.allocation.rule_forms import LOAD_ONLY, HardRule, Limit
from allocopt.allocation.words import (
    ROLE_WORDS,
    STATUS_ORDER,
    STATUS_WORDS,
    pct_text,
    status_words,
    statuses,
)
from allocopt.domain import Role, Status

LOW_RISK = frozenset({Status.CIN, Status.SUPERVISION_ORDER})
"""Statuses a student may hold: low-risk child-in-need work [004: students 5-8 cases]."""


def _pinned_worker(ex: ExactProblem, w: int) -> Hashable:
    pins = ex.problem.policy.pins
    if not pins:
        return None
    worker = ex.workers[w].id
    return worker if any(p.worker == worker for p in pins) else None


def _excluded_worker(ex: ExactProblem, w: int) -> Hashable:
    exclusions = ex.problem.policy.exclusions
    if not exclusions:
        return None
    worker = ex.workers[w].id
    return worker if any(e.worker == worker for e in exclusions) else None


# ------------------------------------------------------------ unavailability


def _unavailable(ex: ExactProblem, w: int, h: int, role: RoleName) -> str | None:
    worker = ex.workers[w]
    if worker.unavailable:
        return f"{worker.id} is {worker.unavailable}"
    return None


UNAVAILABILITY = HardRule(
    name="unavailability", label="unavailability (leave, leaving)",
    keeps="no new work to a worker on leave within the horizon or leaving soon",
    concerns="workers on leave over the next `horizon_days` or leaving within "
             "`leaving_within_days` (in the simulator also off sick); every household",
    static=_unavailable,
    worker_facts=lambda ex, w: ex.workers[w].unavailable is not None,
)

# ---------------------------------------------------------------------- pins


def _pin_breach(ex: ExactProblem, w: int, h: int, role: RoleName) -> str | None:
    household = ex.households[h]
    if role != "lead":
        return None
    for pin in ex.problem.policy.pins:
        if pin.household == household.id and pin.worker != ex.workers[w].id:
            return f"{household.id} is pinned to {pin.worker} by the manager"
    return None


def pinned(ex: ExactProblem) -> list[tuple[int, int]]:
    """(household, worker) for each pin naming a waiting household and a team worker."""
    if not ex.problem.policy.rules.pins:
        return []
    out = []
    seen: set[int] = set()
    for pin in ex.problem.policy.pins:
        h = ex.household_index.get(pin.household)
        w = ex.worker_index.get(pin.worker)
        if h is not None and w is not None and h not in seen:
            seen.add(h)
            out.append((h, w))
    return out


def pin_clashes(ex: ExactProblem) -> list[str]:
    """Households the policy pins to two different workers (both pins cannot hold)."""
    if not ex.problem.policy.rules.pins:
        return []
    seen: dict[str, str] = {}
    out = []
    for pin in ex.problem.policy.pins:
        if pin.household in seen and seen[pin.household] != pin.worker:
            out.append(f"{pin.household} is pinned to both {seen[pin.household]} and {pin.worker}")
        seen.setdefault(pin.household, pin.worker)
    return out


PINS = HardRule(
    name="pins", label="the manager's pins",
    keeps="a pinned household is led by its pinned worker, and is allocated",
    concerns="the households the policy pins, and every worker (only the pinned one may lead)",
    static=_pin_breach, worker_facts=_pinned_worker,
    names=lambda ex: {p.household for p in ex.problem.policy.pins},
    required=pinned,
)

# ---------------------------------------------------------------- exclusions


def _excluded_pairs(ex: ExactProblem) -> dict[tuple[int, int], str]:
    found: dict[tuple[int, int], str] = {}
    for rule in ex.problem.policy.exclusions:
        h = ex.household_index.get(rule.household)
        w = ex.worker_index.get(rule.worker)
        if h is not None and w is not None:
            found.setdefault((h, w), rule.reason)
    return found


def _excluded(ex: ExactProblem, w: int, h: int, role: RoleName) -> str | None:
    # looked up by (household, worker): the rule is asked of every pair
    reason = EXCLUSIONS.forbidden(ex).get((h, w))
    if reason is None:
        return None
    return f"{ex.workers[w].id} is excluded from {ex.households[h].id}: {reason}"


EXCLUSIONS = HardRule(
    name="exclusions", label="the manager's exclusions",
    keeps="never this worker for this household (a conflict of interest, say), as lead or "
          "co-worker",
    concerns="the (household, worker) pairs the policy excludes",
    static=_excluded, worker_facts=_excluded_worker, pairs=_excluded_pairs,
)

# --------------------------------------------------------------- eligibility


def _eligible(ex: ExactProblem, w: int, h: int, role: RoleName) -> str | None:
    policy = ex.problem.policy
    household, worker = ex.households[h], ex.workers[w]
    found = statuses(household)
    team_type = ex.problem.team_type
    if team_type is not None and team_type in policy.team_eligibility:
        allowed_team = set(policy.team_eligibility[team_type])
        outside = [s for s in found if s not in allowed_team]
        if outside:
            return (f"a {team_type.value.replace('_', ' ')} team does not take "
                    f"{status_words(outside)} work")
    allowed = set(policy.eligibility.get(worker.role, ()))
    outside = [s for s in found if s not in allowed]
    if outside:
        takes = status_words(sorted(allowed, key=STATUS_ORDER.__getitem__)) or "no cases"
        return (f"{worker.id} is {ROLE_WORDS[worker.role]}, who takes {takes} only; "
                f"{household.id} has {status_words(outside)}")
    return None


ELIGIBILITY = HardRule(
    name="eligibility", label="eligibility by role and team type",
    keeps="each role (and the team's type) leads and co-works only the statuses the policy "
          "allows",
    concerns="every worker by role; every household by the statuses of its children",
    static=_eligible, worker_facts=lambda ex, w: ex.workers[w].role,
)

# ---------------------------------------------------------------- nqsw_no_cp


def _nqsw_cp(ex: ExactProblem, w: int, h: int, role: RoleName) -> str | None:
    worker, household = ex.workers[w], ex.households[h]
    if worker.cp_protected and household.has_cp:
        months = ex.problem.scheme.protections.nqsw_no_cp_months
        return (f"{worker.id} is an NQSW at {worker.months} months and {household.id} has "
                f"a CP child (no CP work before {months} months)")
    return None


NQSW_NO_CP = HardRule(
    name="nqsw_no_cp", label="NQSW protection (no CP work)",
    keeps="no CP case for an NQSW before the scheme's month of practice (12 by default) [004]",
    concerns="NQSWs before that month (`WorkerState.cp_protected`); households with a CP child",
    static=_nqsw_cp, worker_facts=lambda ex, w: ex.workers[w].cp_protected,
)

# ------------------------------------------------------------- student_limit


def _low_risk(ex: ExactProblem, w: int, h: int, role: RoleName) -> str | None:
    worker, household = ex.workers[w], ex.households[h]
    if worker.role is not Role.STUDENT:
        return None
    risky = [s for s in statuses(household) if s not in LOW_RISK]
    if risky or household.court or household.tier_name == "S47":
        what = status_words(risky) if risky else (
            "court proceedings" if household.court else "an S47 enquiry")
        return f"{worker.id} is a student, who takes low-risk cases only; {household.id} has {what}"
    return None


def _student_facts(ex: ExactProblem) -> list[tuple[Hashable, ...]]:
    if not any(w.role is Role.STUDENT for w in ex.workers):
        return [()] * len(ex.households)
    return [(h.children, h.court, h.tier_name == "S47") for h in ex.households]


def _student_rows(ex: ExactProblem, w: int) -> tuple[Limit, ...]:
    worker = ex.workers[w]
    if worker.role is not Role.STUDENT:
        return ()
    return (Limit("student_limit", ex.problem.policy.student_max_children,
                  sum(worker.counts.values()), (("children", 1),)),)


def _student_over(ex: ExactProblem, w: int, h: int | None, row: Limit, total: int) -> str:
    return (f"{ex.workers[w].id} is a student and would hold {row.held + total} children "
            f"(limit {row.capacity})")


STUDENT_LIMIT = HardRule(
    name="student_limit", label="student limit",
    keeps="students take low-risk work only (CIN, no court, no S47) and hold at most "
          "`student_max_children` children as lead",
    concerns="students; every household (its statuses, court flag, S47 enquiry, children)",
    static=_low_risk, worker_facts=lambda ex, w: ex.workers[w].role is Role.STUDENT,
    household_facts=_student_facts, limits=_student_rows, over=_student_over,
)

# ---------------------------------------------------------------- count_caps


def cap_weights(limits: Mapping[Status, float]) -> tuple[dict[str, int], int]:
    """Whole-number weights for a count cap: sum(n_s / limit_s) <= 1 as sum(c_s n_s) <= C."""
    weights, whole = _cap_weights(tuple(limits.items()))
    return dict(weights), whole


@functools.lru_cache(maxsize=256)
def _cap_weights(limits: tuple[tuple[Status, float], ...]) -> tuple[tuple[tuple[str, int], ...],
                                                                    int]:
    # A scheme has a few caps, asked for every capped worker at every meeting.
    fracs = {s.value: Fraction(repr(float(lim))) for s, lim in limits}
    whole = 1
    for f in fracs.values():
        whole = math.lcm(whole, f.numerator)
    return tuple((s, int(whole / f)) for s, f in fracs.items()), whole


def _cap_rows(ex: ExactProblem, w: int) -> tuple[Limit, ...]:
    worker = ex.workers[w]
    rows = []
    for cap in worker.caps:
        weights, whole = cap_weights(cap.limits)
        held = sum(weights[s.value] * worker.counts.get(s, 0) for s in cap.limits)
        rows.append(Limit("count_caps", whole, held, tuple(weights.items()),
                          _cap_words(cap.name, tuple(cap.limits.items()))))
    return tuple(rows)


@functools.lru_cache(maxsize=256)
def _cap_words(name: str, limits: tuple[tuple[Status, float], ...]) -> str:
    words = " or ".join(f"{lim:g} {STATUS_WORDS[s]}" for s, lim in limits)
    return f"{name} cap ({words})"


def _cap_facts(ex: ExactProblem) -> list[tuple[Hashable, ...]]:
    capped = frozenset(s for w in ex.workers for cap in w.caps for s in cap.limits)
    return [(tuple(sorted((s.value, n) for s, n in h.by_status.items() if s in capped)),)
            for h in ex.households]


def _cap_over(ex: ExactProblem, w: int, h: int | None, row: Limit, total: int) -> str:
    worker = ex.workers[w]
    share = f"{(row.held + total) / row.capacity:.0%} of it"
    if h is None:
        return f"{worker.id} would be over the {row.what}: {share}"
    return f"{ex.households[h].id} would take {worker.id} over the {row.what}: {share}"


COUNT_CAPS = HardRule(
    name="count_caps", label="count caps",
    keeps="the scheme's count caps hold as a mix (an NQSW holds at most 15 CIN or 12 CLA "
          "children: 4 x CIN + 5 x CLA <= 60) [004]",
    concerns="workers a cap of the scheme applies to (`WorkerState.caps`); the children of "
             "the capped statuses a household brings as lead",
    household_facts=_cap_facts, limits=_cap_rows, over=_cap_over,
)

# ---------------------------------------------------------------- court_limit


def _court_rows(ex: ExactProblem, w: int) -> tuple[Limit, ...]:
    most = ex.problem.policy.court_max_households
    if most is None:
        return ()
    return (Limit("court_limit", most, ex.workers[w].court_households, (("court", 1),)),)


def _court_facts(ex: ExactProblem) -> list[tuple[Hashable, ...]]:
    if ex.problem.policy.court_max_households is None:
        return [()] * len(ex.households)
    return [(h.court,) for h in ex.households]


def _court_over(ex: ExactProblem, w: int, h: int | None, row: Limit, total: int) -> str:
    return (f"{ex.workers[w].id} would lead {row.held + total} households in court "
            f"proceedings (limit {row.capacity})")


COURT_LIMIT = HardRule(
    name="court_limit", label="court households limit",
    keeps="nobody leads more than `court_max_households` households in court proceedings "
          "(off unless the policy sets the number)",
    concerns="every worker (`WorkerState.court_households` held now); households in court "
             "proceedings, as lead",
    household_facts=_court_facts, limits=_court_rows, over=_court_over,
)

# -------------------------------------------------------------- band_ceiling


def _ceiling_rows(ex: ExactProblem, w: int) -> tuple[Limit, ...]:
    top = ex.ceiling_max[w]
    if top is None:
        return ()
    return (Limit("band_ceiling", top, ex.load[w], LOAD_ONLY),)


def _ceiling_over(ex: ExactProblem, w: int, h: int | None, row: Limit, total: int) -> str:
    band = ex.problem.policy.ceiling_band
    return f"{ex.workers[w].id} would go to {pct_text(ex, w, total)}, above the {band} ceiling"


BAND_CEILING = HardRule(
    name="band_ceiling", label="band ceiling",
    keeps="nobody is pushed above `ceiling_band` (not into red by default); a worker already "
          "above it gets nothing that weighs",
    concerns="every worker with a benchmark band above the ceiling; every household's points "
             "as lead and its co-working share as co-worker",
    limits=_ceiling_rows, over=_ceiling_over,
)


HARD_RULES: tuple[HardRule, ...] = (
    UNAVAILABILITY, PINS, EXCLUSIONS, ELIGIBILITY, NQSW_NO_CP, STUDENT_LIMIT, COUNT_CAPS,
    COURT_LIMIT, BAND_CEILING,
)
"""Every hard rule, most basic first (the order reasons are reported in); each name is a
field of ``HardRules``."""

RULE_LABELS = {rule.name: rule.label for rule in HARD_RULES}
