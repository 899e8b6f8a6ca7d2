"""Checks of a team and caseload against a scheme at a date, before scoring.

Pure: returns problems (errors stop the run, warnings are shown under the
board); the edge turns them into messages that name the file and row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from allocopt.domain import Caseload, Household, Team
from allocopt.schemes.model import LookupRule, RatingRule, Scheme
from allocopt.schemes.scoring import rating_range, scored_item_kinds, unknown_item_kinds


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with one worker, household or child."""

    severity: Literal["error", "warning"]
    subject: Literal["worker", "household", "child"]
    id: str
    field: str
    problem: str
    found: object = None
    expected: str | None = None


def check_inputs(scheme: Scheme, team: Team, caseload: Caseload, on: date) -> list[Problem]:
    """Everything that would make the board wrong or misleading, in file order."""
    out: list[Problem] = []
    for w in team.workers:
        if w.qualified_on is None and w.started_on is None:
            # Without a date the worker counts as starting today: an NQSW benchmark.
            out.append(Problem("warning", "worker", w.id, "qualified_on",
                               "no qualified_on or started_on date: experience counted as 0 "
                               "months", None, "the date of qualification (or start in post)"))
        for name in ("qualified_on", "started_on"):
            value: date | None = getattr(w, name)
            if value is not None and value > on:
                out.append(Problem("error", "worker", w.id, name, "date is in the future",
                                   str(value), f"a date on or before {on}"))
        for duty in w.duties:
            known = duty.kind in scheme.duties
            if not known and duty.amount is None:
                out.append(Problem("warning", "worker", w.id, "duties",
                                   f"duty '{duty.kind}' is not in scheme {scheme.id} and has no "
                                   "amount: it counts 0", duty.kind))
            elif known and duty.amount is None and _unpriced(scheme, duty.kind):
                out.append(Problem("warning", "worker", w.id, "duties",
                                   f"duty '{duty.kind}' has no agreed amount: it counts 0",
                                   duty.kind, "an amount agreed in supervision"))
    worker_ids = {w.id for w in team.workers}
    for hold in caseload.holdings:
        if hold.worker_id not in worker_ids:
            out.append(Problem("error", "child", hold.child_ids[0],
                               "worker_id" if hold.role == "lead" else "co_worker_id",
                               "unknown worker", hold.worker_id,
                               "a worker id from the team file"))
        if hold.allocated_on is not None and hold.allocated_on > on:
            out.append(Problem("error", "child", hold.child_ids[0], "allocated_on",
                               "date is in the future", str(hold.allocated_on),
                               f"a date on or before {on}"))
    ratings = [r for r in scheme.rules.values() if isinstance(r, RatingRule)]
    known_items = scored_item_kinds(scheme)
    for h in caseload.households:
        if h.referred_on is not None and h.referred_on > on:
            out.append(Problem("error", "household", h.id, "referred_on", "date is in the future",
                               str(h.referred_on), f"a date on or before {on}"))
        if h.assessment is not None and h.assessment.start > on:
            out.append(Problem("error", "household", h.id, "assessment_start",
                               "date is in the future", str(h.assessment.start),
                               f"a date on or before {on}"))
        for rule in ratings:
            if rule.name in h.ratings:
                lo, hi, _ = rating_range(rule, h)
                rating = h.ratings[rule.name]
                if not lo <= rating <= hi:
                    level = f" for {h.intervention_level.value} intervention" if (
                        rule.levels and h.intervention_level) else ""
                    out.append(Problem("error", "household", h.id, f"rating_{rule.name}",
                                       f"{rule.label} is out of range{level}", rating,
                                       f"{lo:g} to {hi:g}"))
        for kind in sorted(unknown_item_kinds(scheme, h, known_items)):
            out.append(Problem("warning", "household", h.id, "work_items",
                               f"work item '{kind}' is not scored by scheme {scheme.id}", kind))
    return out


@dataclass(frozen=True, slots=True)
class MissingInput:
    """A value the scheme scores that most cases do not record (so they score 0 for it)."""

    label: str
    missing: int
    cases: int
    columns: tuple[str, ...]  # the caseload columns that record it

    def message(self, where: str = "the caseload") -> str:
        """What is missing, what it does to the board, and which column fills it."""
        fills = " (or ".join(f"'{c}'" for c in self.columns) + ")" * (len(self.columns) - 1)
        return (f"{self.label} is not recorded for {self.missing} of {self.cases} cases: they "
                f"score 0 for it, so loads are understated; fill {where}'s {fills} column")


MOST = 0.5
"""Missing for more than this share of cases, an input is reported as missing."""


def missing_inputs(scheme: Scheme, households: tuple[Household, ...] | list[Household]
                   ) -> list[MissingInput]:
    """Scheme inputs that more than half the households do not record.

    A rating with no value and no default that applies (Tower Hamlets' intervention
    points need the intervention level), or a lookup on the intervention level when
    none is recorded, scores 0. Court, travel and the like are not here: their
    absence is a real answer (no proceedings, in area).
    """
    cases = len(households)
    out: list[MissingInput] = []
    for rule in scheme.rules.values():
        columns = _input_columns(rule)
        if not columns or not cases:
            continue
        missing = sum(1 for h in households if _lacks(rule, h))
        if missing > MOST * cases:
            out.append(MissingInput(rule.label, missing, cases, columns))
    return out


def _input_columns(rule: object) -> tuple[str, ...]:
    """The caseload columns a rule reads that may be left blank (none: not such a rule)."""
    if isinstance(rule, RatingRule):
        return ("intervention_level", f"rating_{rule.name}") if rule.levels is not None \
            else (f"rating_{rule.name}",)
    if isinstance(rule, LookupRule) and rule.attribute == "intervention_level":
        return ("intervention_level",)
    return ()


def _lacks(rule: object, h: Household) -> bool:
    """True when the household records nothing the rule can score (so it scores 0)."""
    if isinstance(rule, RatingRule):
        if rule.name in h.ratings:
            return False
        if rule.levels is not None:
            return h.intervention_level is None
        return rule.range.default is None
    return h.intervention_level is None


def _unpriced(scheme: Scheme, kind: str) -> bool:
    rule = scheme.duties[kind]
    return rule.amount is None and rule.percent is None and not rule.band_amounts \
        and not rule.band_percents
