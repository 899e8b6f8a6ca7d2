"""Score one case (a worker's holding of a household) under a scheme.

Returns a breakdown: the points in every column, each line naming the rule that
gave it, so a manager can see why a case weighs what it weighs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from allocopt.domain import Child, Household, WorkItem, months_between
from allocopt.schemes.model import (
    LookupRule,
    PerChildRule,
    PerHouseholdRule,
    RatingRule,
    Rule,
    Scheme,
    When,
    WorkItemsRule,
)
from allocopt.working_days import working_days_between

CO_WORKING_COLUMN = "co_working"


@dataclass(frozen=True, slots=True)
class Line:
    """Points one rule gave one case, and why."""

    rule: str
    column: str
    points: float
    why: str


@dataclass(frozen=True, slots=True)
class CaseScore:
    """The breakdown of one case: points per column with the rules behind them."""

    household_id: str
    child_ids: tuple[str, ...]
    role: str
    columns: dict[str, float]
    lines: tuple[Line, ...]
    total: float
    notes: tuple[str, ...] = field(default=())
    closed: bool = False


def score_case(
    scheme: Scheme,
    household: Household,
    child_ids: tuple[str, ...] | None,
    on: date,
    role: str = "lead",
) -> CaseScore:
    """Score the children `child_ids` of `household` (all if None) at date `on`.

    A secondary co-worker scores the scheme's co-working share of the lead's points
    [003 column C]. A case closed before the month of `on` scores nothing; in its
    month of closure it keeps its points [003 case closures].
    """
    held = held_children(household, child_ids)
    ids = tuple(c.id for c in held)
    notes: list[str] = []
    if household.closes_on is not None and household.closes_on <= on:
        same_month = (household.closes_on.year, household.closes_on.month) == (on.year, on.month)
        if not (scheme.closure_keeps_month and same_month):
            notes.append(f"closed on {household.closes_on}: points dropped after that month")
            return CaseScore(household.id, ids, role, {}, (), 0.0, tuple(notes), closed=True)
        notes.append(f"closing on {household.closes_on}: points kept for the month of closure")

    assessment_open = _assessment_open(scheme, household, on)
    lines: list[Line] = []
    exclusive_fired = False
    for rule_id, rule in scheme.rules.items():
        new = _apply(rule_id, rule, household, held, on, assessment_open, notes)
        if new and rule.exclusive:
            if not exclusive_fired:
                lines.clear()
            exclusive_fired = True
            lines.extend(new)
        elif new and not exclusive_fired:
            lines.extend(new)

    columns: dict[str, float] = {}
    for line in lines:
        columns[line.column] = columns.get(line.column, 0.0) + line.points
    for col in scheme.columns:
        if col.max is not None and columns.get(col.name, 0.0) > col.max:
            excess = columns[col.name] - col.max
            lines.append(Line(f"cap:{col.name}", col.name, -excess, f"{col.label} capped at {col.max:g}"))
            columns[col.name] = col.max
    if role == "secondary" and scheme.co_working_share < 1:
        subtotal = math.fsum(columns.values())
        cut = -subtotal * (1 - scheme.co_working_share)
        if cut:
            share = f"{scheme.co_working_share:.0%}"
            lines.append(Line("co_working", CO_WORKING_COLUMN, cut, f"secondary co-worker scores {share}"))
            columns[CO_WORKING_COLUMN] = cut
    total = math.fsum(columns.values())
    return CaseScore(household.id, ids, role, columns, tuple(lines), total, tuple(notes))


def held_children(household: Household, child_ids: tuple[str, ...] | None) -> tuple[Child, ...]:
    """The children of `household` named in `child_ids` (all of them if None), in the
    household's order."""
    if child_ids is None or len(child_ids) == len(household.children):
        return household.children  # the whole household (a holding names each child once)
    wanted = set(child_ids)
    return tuple(c for c in household.children if c.id in wanted)


def _assessment_open(scheme: Scheme, household: Household, on: date) -> bool:
    """Open, started, and still within the scheme's window (40 working days by default)."""
    a = household.assessment
    if a is None or a.start > on or (a.completed is not None and a.completed <= on):
        return False
    if scheme.assessment_working_days:
        elapsed = working_days_between(a.start, on)
    else:
        elapsed = (on - a.start).days
    return elapsed <= scheme.assessment_window_days


def _household_holds(when: When, household: Household, assessment_open: bool) -> bool:
    if when.household_kind is not None and household.kind not in when.household_kind:
        return False
    # Most rules name no flag: test them without building anything.
    if when.household_flags and not all(getattr(household, f) for f in when.household_flags):
        return False
    if when.not_household_flags and any(getattr(household, f)
                                        for f in when.not_household_flags):
        return False
    if when.court is not None and household.court not in when.court:
        return False
    if when.assessment_open is not None and assessment_open != when.assessment_open:
        return False
    if when.assessment_kind is not None:
        a = household.assessment
        if a is None or a.kind not in when.assessment_kind:
            return False
    return True


def _child_matches(when: When, child: Child) -> bool:
    if when.status is not None and child.status not in when.status:
        return False
    for flag in when.child_flags:
        if not getattr(child, flag):
            return False
    if when.age_from is not None and (child.age is None or child.age < when.age_from):
        return False
    return not (when.age_to is not None and (child.age is None or child.age > when.age_to))


def _children(n: int) -> str:
    return "1 child" if n == 1 else f"{n} children"


def _apply(
    rule_id: str,
    rule: Rule,
    household: Household,
    held: tuple[Child, ...],
    on: date,
    assessment_open: bool,
    notes: list[str],
) -> list[Line]:
    when = rule.when
    if when.has_household_conditions and not _household_holds(when, household,
                                                                assessment_open):
        return []
    matching: Sequence[Child] = [c for c in held if _child_matches(when, c)] \
        if when.has_child_conditions else held  # else every held child
    n = len(matching)
    if n < when.least_children or (when.max_children is not None and n > when.max_children):
        return []
    if isinstance(rule, PerChildRule):
        if not n or not rule.points:
            return []
        return [Line(rule_id, rule.column, n * rule.points,
                     f"{rule.label}: {_children(n)} x {rule.points:g}")]
    if isinstance(rule, PerHouseholdRule):
        if not rule.points:
            return []
        return [Line(rule_id, rule.column, rule.points, f"{rule.label}: {rule.points:g}")]
    if isinstance(rule, LookupRule):
        return _lookup(rule_id, rule, household, matching)
    if isinstance(rule, RatingRule):
        return _rating(rule_id, rule, household, notes)
    return _work_items(rule_id, rule, household, matching, on, notes)


def _lookup(rule_id: str, rule: LookupRule, household: Household, matching: Sequence[Child]
            ) -> list[Line]:
    if rule.per == "household":
        if rule.attribute == "assessment_kind":
            # The household holds the assessment record, not its kind.
            raw = household.assessment.kind if household.assessment is not None else None
        else:
            raw = getattr(household, rule.attribute)
        value = None if raw is None else str(raw.value if hasattr(raw, "value") else raw)
        points = rule.values.get(value, 0.0) if value is not None else 0.0
        if not points:
            return []
        return [Line(rule_id, rule.column, points, f"{rule.label}: {value} = {points:g}")]
    lines = []
    by_value: dict[str, int] = {}
    for child in matching:
        band = child.placement_travel if rule.attribute == "placement_travel" else household.travel
        by_value[band.value] = by_value.get(band.value, 0) + 1
    for value, n in by_value.items():
        points = rule.values.get(value, 0.0)
        if points:
            lines.append(Line(rule_id, rule.column, n * points,
                              f"{rule.label}: {_children(n)} {value} x {points:g}"))
    return lines


def rating_range(rule: RatingRule, household: Household) -> tuple[float, float, float | None]:
    """(min, max, default) allowed for this household's rating under `rule`."""
    rng = rule.range
    if rule.levels is not None and household.intervention_level is not None:
        rng = rule.levels.get(household.intervention_level, rng)
    return rng.min, rng.max, rng.default


def _rating(rule_id: str, rule: RatingRule, household: Household, notes: list[str]) -> list[Line]:
    lo, hi, default = rating_range(rule, household)
    level = household.intervention_level
    level_txt = f" ({level.value})" if rule.levels is not None and level is not None else ""
    if rule.name in household.ratings:
        value = household.ratings[rule.name]
        if not lo <= value <= hi:
            notes.append(f"{rule.label} {value:g} is outside {lo:g}-{hi:g}{level_txt}: clamped")
            value = min(max(value, lo), hi)
        why = f"{rule.label}{level_txt}: agreed {value:g}"
    elif default is not None and (rule.levels is None or level is not None):
        value = default
        why = f"{rule.label}{level_txt}: default {value:g}"
    else:
        notes.append(f"{rule.label} not recorded: scored 0")
        return []
    if not value:
        return []
    return [Line(rule_id, rule.column, value, why)]


def _work_items(
    rule_id: str,
    rule: WorkItemsRule,
    household: Household,
    matching: Sequence[Child],
    on: date,
    notes: list[str],
) -> list[Line]:
    items: list[WorkItem] = []
    if rule.per == "household":
        items.extend(household.work_items)
    else:
        for child in matching:
            items.extend(child.work_items)
    lines = []
    for item in items:
        if not item.active_on(on):
            continue
        if item.kind not in rule.points:
            continue
        if rule.amount_overrides and item.amount is not None:
            each = item.amount
        else:
            each = rule.points[item.kind]
        points = each * item.count
        limit = rule.max_months.get(item.kind)
        if limit is not None and item.start is not None and months_between(item.start, on) >= limit:
            notes.append(f"{item.kind} has run {months_between(item.start, on)} months "
                         f"(expected at most {limit}): review it")
        if points:
            times = f" x{item.count}" if item.count > 1 else ""
            lines.append(Line(rule_id, rule.column, points, f"{rule.label}: {item.kind}{times} = {points:g}"))
    return lines


def scored_item_kinds(scheme: Scheme) -> frozenset[str]:
    """Work item kinds some work_items rule of the scheme scores."""
    return frozenset(kind for rule in scheme.rules.values() if isinstance(rule, WorkItemsRule)
                     for kind in rule.points)


def unknown_item_kinds(scheme: Scheme, household: Household,
                       known: frozenset[str] | None = None) -> set[str]:
    """Work item kinds on a household that no work_items rule of the scheme scores
    (`known`: the scheme's :func:`scored_item_kinds`, when asking of many households)."""
    kinds = {i.kind for i in household.work_items}
    for child in household.children:
        if child.work_items:
            kinds.update(i.kind for i in child.work_items)
    if not kinds:
        return kinds
    return kinds - (scored_item_kinds(scheme) if known is None else known)
