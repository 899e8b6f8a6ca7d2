"""The allocation rules, one function each, in the words a manager would use.

A hard rule answers "why can this worker not take this household?" with a short
plain-English reason, or None when the rule allows it. A soft rule answers "why
is this worker a poorer match?" the same way. Every function takes the same
arguments: the exact problem, the worker's and the household's positions, the
role (lead or secondary co-worker), and what the worker has already been given
in this allocation (:class:`Taken`, never including this household).

The greedy rule, the CP-SAT model's eligibility, the explanations and the
independent validator of final assignments all call these functions, so a rule
is written once. Cumulative rules (band ceiling, count caps, the student limit)
judge the worker's state *after* taking the household on top of `taken`.

Rules are switched by name in the policy file (``rules: {band_ceiling: false}``);
:data:`HARD_RULES` lists them in the order a reason is reported, most basic first.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

from allocopt.allocation.exact import ExactProblem, decimal_fraction
from allocopt.allocation.problem import HardRules, RoleName, WaitingHousehold
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
LOW_RISK = frozenset({Status.CIN, Status.SUPERVISION_ORDER})
"""Statuses a student may hold: low-risk child-in-need work [004: students 5-8 cases]."""
STATUS_ORDER = {s: i for i, s in enumerate(Status)}
"""Statuses in the domain's order (how reasons list them)."""


@dataclass(slots=True)
class Taken:
    """What one worker has been given so far in this allocation."""

    load: int = 0
    children: int = 0
    households: int = 0
    by_status: dict[Status, int] = field(default_factory=dict)
    travel_children: int = 0

    def add(self, ex: ExactProblem, h: int, role: RoleName) -> None:
        """Record household `h` taken in `role`."""
        self._change(ex, h, role, 1)

    def remove(self, ex: ExactProblem, h: int, role: RoleName) -> None:
        """Undo :meth:`add`."""
        self._change(ex, h, role, -1)

    def _change(self, ex: ExactProblem, h: int, role: RoleName, sign: int) -> None:
        if role == "secondary":
            self.load += sign * ex.secondary[h]
            return
        household = ex.households[h]
        self.load += sign * ex.points[h]
        self.children += sign * household.children
        self.households += sign
        self.travel_children += sign * household.travel_children
        by_status = self.by_status
        for status, n in household.by_status.items():
            by_status[status] = by_status.get(status, 0) + sign * n


def added_load(ex: ExactProblem, h: int, role: RoleName) -> int:
    """The household's weight for this role, in scaled units."""
    return ex.secondary[h] if role == "secondary" else ex.points[h]


def statuses(household: WaitingHousehold) -> list[Status]:
    return sorted((s for s, n in household.by_status.items() if n > 0), key=STATUS_ORDER.__getitem__)


def status_words(found: list[Status]) -> str:
    return ", ".join(STATUS_WORDS[s] for s in found)


def pct_text(ex: ExactProblem, w: int, extra: int) -> str:
    """A worker's load % and band with `extra` scaled units added, e.g. '108.0% (amber)'."""
    scheme = ex.problem.scheme
    pct = load_pct(ex.to_scheme(ex.load[w] + extra), ex.to_scheme(ex.benchmark[w]))
    band = rag_band(scheme, pct)
    return f"{pct:.1f}% ({band.name})" if pct != float("inf") else f"no capacity ({band.name})"


# ------------------------------------------------------------------ hard rules


def unavailability(ex: ExactProblem, w: int, h: int, role: RoleName, taken: Taken) -> str | None:
    """Hard: no new work to a worker on leave over the horizon or leaving soon."""
    worker = ex.workers[w]
    if worker.unavailable:
        return f"{worker.id} is {worker.unavailable}"
    return None


def pins(ex: ExactProblem, w: int, h: int, role: RoleName, taken: Taken) -> str | None:
    """Hard: a household the manager pinned to a worker is led by that worker only."""
    household = ex.households[h]
    if role != "lead":
        return None
    for pin in ex.problem.policy.pins:
        if pin.household == household.id and pin.worker != ex.workers[w].id:
            return f"{household.id} is pinned to {pin.worker} by the manager"
    return None


def exclusions(ex: ExactProblem, w: int, h: int, role: RoleName, taken: Taken) -> str | None:
    """Hard: never this worker for this household (a conflict of interest, say)."""
    household, worker = ex.households[h], ex.workers[w]
    for rule in ex.problem.policy.exclusions:
        if rule.household == household.id and rule.worker == worker.id:
            return f"{worker.id} is excluded from {household.id}: {rule.reason}"
    return None


def eligibility(ex: ExactProblem, w: int, h: int, role: RoleName, taken: Taken) -> str | None:
    """Hard: each role (and the team's type) takes only the statuses the policy allows."""
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


def nqsw_no_cp(ex: ExactProblem, w: int, h: int, role: RoleName, taken: Taken) -> str | None:
    """Hard: no CP case for an NQSW before the scheme's month of practice (default 12)."""
    worker, household = ex.workers[w], ex.households[h]
    if worker.cp_protected and household.has_cp:
        months = ex.problem.scheme.protections.nqsw_no_cp_months
        return (f"{worker.id} is an NQSW at {worker.months} months and {household.id} has "
                f"a CP child (no CP work before {months} months)")
    return None


def student_limit(ex: ExactProblem, w: int, h: int, role: RoleName, taken: Taken) -> str | None:
    """Hard: a student holds only a few low-risk (CIN, no court, no S47) cases."""
    worker, household = ex.workers[w], ex.households[h]
    if worker.role is not Role.STUDENT:
        return None
    risky = [s for s in statuses(household) if s not in LOW_RISK]
    if risky or household.court or household.tier_name == "S47":
        what = status_words(risky) if risky else (
            "court proceedings" if household.court else "an S47 enquiry")
        return f"{worker.id} is a student, who takes low-risk cases only; {household.id} has {what}"
    if role == "lead" and household.children:
        limit = ex.problem.policy.student_max_children
        held = sum(worker.counts.values()) + taken.children + household.children
        if held > limit:
            return f"{worker.id} is a student and would hold {held} children (limit {limit})"
    return None


def count_caps(ex: ExactProblem, w: int, h: int, role: RoleName, taken: Taken) -> str | None:
    """Hard: the scheme's count caps hold (e.g. an NQSW holds 15 CIN or 12 CLA children)."""
    if role != "lead":
        return None
    worker, household = ex.workers[w], ex.households[h]
    for cap in worker.caps:
        if not any(household.by_status.get(s, 0) for s in cap.limits):
            continue
        used = Fraction(0)
        for status, limit in cap.limits.items():
            held = worker.counts.get(status, 0) + taken.by_status.get(status, 0)
            held += household.by_status.get(status, 0)
            used += held / decimal_fraction(limit)
        if used > 1:
            limits = " or ".join(f"{lim:g} {STATUS_WORDS[s]}" for s, lim in cap.limits.items())
            return (f"{household.id} would take {worker.id} over the {cap.name} cap "
                    f"({limits}): {float(used):.0%} of it")
    return None


def over_ceiling(ex: ExactProblem, w: int, extra: int) -> bool:
    """True if `extra` new load would take worker `w` above the ceiling band."""
    ceiling = ex.ceiling_max[w]
    return ceiling is not None and extra > 0 and ex.load[w] + extra > ceiling


def band_ceiling(ex: ExactProblem, w: int, h: int, role: RoleName, taken: Taken) -> str | None:
    """Hard: nobody is pushed above the policy's ceiling band (default: not into red)."""
    extra = taken.load + added_load(ex, h, role)
    if over_ceiling(ex, w, extra):
        worker = ex.workers[w]
        band = ex.problem.policy.ceiling_band
        return f"{worker.id} would go to {pct_text(ex, w, extra)}, above the {band} ceiling"
    return None


HardRule = Callable[[ExactProblem, int, int, RoleName, Taken], "str | None"]

HARD_RULES: tuple[tuple[str, HardRule], ...] = (
    ("unavailability", unavailability),
    ("pins", pins),
    ("exclusions", exclusions),
    ("eligibility", eligibility),
    ("nqsw_no_cp", nqsw_no_cp),
    ("student_limit", student_limit),
    ("count_caps", count_caps),
    ("band_ceiling", band_ceiling),
)
"""Every hard rule by its policy name (``HardRules`` field), most basic first."""

RULE_LABELS = {
    "unavailability": "unavailability (leave, leaving)",
    "pins": "the manager's pins",
    "exclusions": "the manager's exclusions",
    "eligibility": "eligibility by role and team type",
    "nqsw_no_cp": "NQSW protection (no CP work)",
    "student_limit": "student limit",
    "count_caps": "count caps",
    "band_ceiling": "band ceiling",
}

# ------------------------------------------------------------------ pins


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


def pin_conflict(ex: ExactProblem, h: int, w: int, trouble: list[tuple[str, str]],
                 chosen: list[tuple[int, int, RoleName]]) -> str:
    """A pin that cannot be honoured, with the rules it conflicts with."""
    household, worker = ex.households[h], ex.workers[w]
    others = sorted(ex.households[c].id for c, cw, role in chosen if cw == w and role == "lead")
    names = "; ".join(f"{RULE_LABELS[name]}: {reason}" for name, reason in trouble)
    text = f"the pin of {household.id} to {worker.id} conflicts with {names}"
    if others:
        text += f" (with the pins of {', '.join(others)} to {worker.id})"
    return text



STATIC_RULES = frozenset({"unavailability", "pins", "exclusions", "eligibility", "nqsw_no_cp"})
"""Rules that do not depend on what else the worker takes."""


def active_rules(ex: ExactProblem) -> tuple[tuple[str, HardRule], ...]:
    """The hard rules the policy switches on."""
    return _active(ex.problem.policy.rules)


@functools.lru_cache(maxsize=64)
def _active(switches: HardRules) -> tuple[tuple[str, HardRule], ...]:
    # Asked for at every rule check; a policy's switches are a handful of booleans.
    return tuple((name, rule) for name, rule in HARD_RULES if getattr(switches, name))


def breaches(
    ex: ExactProblem, w: int, h: int, role: RoleName, taken: Taken, *, first: bool = False
) -> list[tuple[str, str]]:
    """(rule name, reason) for every active hard rule that forbids worker `w` household `h`."""
    out = []
    for name, rule in active_rules(ex):
        reason = rule(ex, w, h, role, taken)
        if reason is not None:
            out.append((name, reason))
            if first:
                break
    return out


def allowed(ex: ExactProblem, w: int, h: int, role: RoleName, taken: Taken) -> bool:
    """True when every active hard rule lets worker `w` take household `h` in `role`."""
    return not breaches(ex, w, h, role, taken, first=True)


def statically_allowed(ex: ExactProblem, w: int, h: int, role: RoleName) -> bool:
    """The rules that do not depend on the rest of the allocation, alone."""
    empty = Taken()
    return all(rule(ex, w, h, role, empty) is None for rule in _static(ex.problem.policy.rules))


@functools.lru_cache(maxsize=64)
def _static(switches: HardRules) -> tuple[HardRule, ...]:
    return tuple(rule for name, rule in _active(switches) if name in STATIC_RULES)


# ------------------------------------------------------------------ soft rules


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
    extra = taken.load + added_load(ex, h, role)
    if top is not None and extra > 0 and ex.load[w] + extra > top:
        return f"would go to {pct_text(ex, w, extra)}"
    return None


SOFT_RULES: tuple[tuple[str, HardRule], ...] = (
    ("into_amber", into_amber),
    ("continuity", continuity),
    ("skills", skills),
    ("locality", locality),
)
"""Soft rules in the order a ranking explains them (concentration: see objective.py)."""



def still_allowed(ex: ExactProblem, w: int, h: int, role: RoleName, taken: Taken) -> bool:
    """The rules that depend on what the worker has taken, for a worker the static rules allow.

    The fast path of dealing households one at a time: the band ceiling by
    arithmetic alone, the student limit and count caps only for workers they
    concern. Same answers as :func:`allowed` for a statically allowed worker.
    """
    switches = ex.problem.policy.rules
    if switches.band_ceiling and over_ceiling(ex, w, taken.load + added_load(ex, h, role)):
        return False
    worker = ex.workers[w]
    if switches.student_limit and worker.role is Role.STUDENT and student_limit(
            ex, w, h, role, taken) is not None:
        return False
    return not (switches.count_caps and worker.caps
                and count_caps(ex, w, h, role, taken) is not None)
