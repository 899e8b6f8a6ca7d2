"""What an extract says happened, as plain records: referrals, assessments, plans, staff.

The readers at the edge (:mod:`allocopt.io.extracts.history`) turn an Annex A workbook
or an SSD folder into a :class:`History`; the estimators in
:mod:`allocopt.calibration.estimate` read nothing else. Every record keeps the row it
came from, so the calibration report can say which list or table each figure rests on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

SpellKind = Literal["assessment", "S47", "CIN", "CP", "CLA"]


@dataclass(frozen=True)
class Referral:
    """A child referred on a date."""

    child: str
    on: date
    source: str
    nfa: bool | None = None  # closed at referral with no further action
    earlier_12m: int | None = None  # other referrals in the 12 months before (Annex A column)
    team: str | None = None


@dataclass(frozen=True)
class Spell:
    """An assessment, S47 enquiry, CIN episode, CP plan or period looked after of a child.

    ``end`` is None while it is still open at the extract's date (censored).
    For an S47 enquiry, ``conference`` is the initial child protection conference's
    date, ``no_conference`` says a conference was judged unnecessary, and ``to_plan``
    whether the conference started a CP plan, where the extract records these.
    """

    child: str
    kind: SpellKind
    start: date
    end: date | None
    source: str
    team: str | None = None
    conference: date | None = None
    no_conference: bool | None = None
    to_plan: bool | None = None


@dataclass(frozen=True)
class StaffSpell:
    """A worker's time in post, from the SSD's professionals table."""

    worker: str
    start: date | None
    end: date | None
    source: str
    team: str | None = None
    agency: bool = False


@dataclass
class History:
    """Every dated record an extract holds, up to its date.

    ``since`` is the first date the extract is complete from: Annex A lists cover the
    year before the date; an SSD extract covers what the system holds. Rates count
    events from ``since``; durations use spells that began on or after it (earlier
    spells are in the extract only because they lasted, which would bias them long).
    """

    kind: str
    source: str
    on: date
    since: date
    referrals: list[Referral] = field(default_factory=list)
    spells: list[Spell] = field(default_factory=list)
    staff: list[StaffSpell] = field(default_factory=list)
    households: dict[str, str] = field(default_factory=dict)  # child -> household
    household_source: str = ""
    teams: dict[str, set[str]] = field(default_factory=dict)  # child -> teams named for them
    notes: list[str] = field(default_factory=list)

    def of_kind(self, kind: SpellKind) -> list[Spell]:
        return [s for s in self.spells if s.kind == kind]

    def before(self, cutoff: date) -> History:
        """The history as the extract would have shown it on `cutoff`: later records are
        dropped and spells still open then lose their end (censored at `cutoff`)."""
        spells = [replace(s, end=None if s.end is not None and s.end > cutoff else s.end)
                  for s in self.spells if s.start < cutoff]
        staff = [replace(s, end=None if s.end is not None and s.end > cutoff else s.end)
                 for s in self.staff if s.start is None or s.start < cutoff]
        return replace(self, on=cutoff, since=min(self.since, cutoff),
                       referrals=[r for r in self.referrals if r.on < cutoff],
                       spells=spells, staff=staff, notes=list(self.notes))

    def only_children(self, children: Iterable[str]) -> History:
        """The history of some children only (one team's)."""
        keep = set(children)
        return replace(self, referrals=[r for r in self.referrals if r.child in keep],
                       spells=[s for s in self.spells if s.child in keep],
                       households={c: h for c, h in self.households.items() if c in keep},
                       notes=list(self.notes))

    def household_of(self, child: str) -> str:
        """The child's household id, or the child's own id when the extract gives none."""
        return self.households.get(child, "H-" + child)
