"""From a council's history to the scenario settings that replace the national figures.

:func:`calibrate` works through the figures a scenario takes from national statistics
(referral rate and seasonality, household sizes, assessment outcomes, S47 conversion,
re-referral, how long CIN, CP and looked-after spells last, turnover and vacancy
duration) and, where the extract holds enough records, replaces each with the
council's own, with a comment giving its source, the number of records and its 95 %
interval. :func:`starting_point` describes the caseload and waiting list at the date.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from allocopt.calibration.estimate import (
    NATIONAL_CONFERENCE_CP,
    NATIONAL_REREFERRAL,
    NATIONAL_S47_CONFERENCE,
    Calibration,
    Estimate,
    Settings,
    fit_durations,
    household_referrals,
    household_spells,
    known_households,
    poisson_interval,
    returned_within_year,
    share_interval,
)
from allocopt.calibration.history import History, Spell
from allocopt.domain import Caseload, Status, Team
from allocopt.schemes.model import Scheme
from allocopt.simulation.scenario import LogNormal, Scenario

OUTCOMES = ("NFA", "CIN", "CP", "CLA")
LISTS = {"Annex A": {"referral": "List 3", "assessment": "List 4", "S47": "List 5",
                     "CIN": "List 6", "CP": "List 7", "CLA": "List 8"},
         "SSD": {"referral": "ssd_cin_episodes", "assessment": "ssd_cin_assessments",
                 "S47": "ssd_s47_enquiry and ssd_initial_cp_conference",
                 "CIN": "ssd_cin_episodes", "CP": "ssd_cp_plans", "CLA": "ssd_cla_episodes"}}


@dataclass(frozen=True)
class StartingPoint:
    """The caseload and waiting list at the extract's date (from the import)."""

    team_id: str
    team_type: str
    workers: int
    households: int
    waiting: int
    load_pct: float
    spread: float
    mix: dict[str, float]
    source: str
    staff: tuple[dict[str, Any], ...] = ()  # the workers as staff groups (share, role, ...)
    posts: int | None = None  # the establishment, where the council gives it


def starting_point(scheme: Scheme, team: Team, caseload: Caseload, waiting: Caseload,
                   on: date, source: str, holders_only: bool = False) -> StartingPoint:
    """Load % of each worker (through the scheme), the held households' mix, the waiting list.

    With `holders_only`, only the workers holding a child at `on` count as in post (a
    backtest's start: the roster is of a later date, with later starters on it).
    """
    from allocopt.board import score_team

    if holders_only:
        holding = {h.worker_id for h in caseload.holdings}
        team = team.model_copy(update={"workers": tuple(w for w in team.workers
                                                        if w.id in holding)})
    board = score_team(scheme, team, caseload, on)
    loads = [r.load_pct for r in board.workers if math.isfinite(r.load_pct)]
    mean = sum(loads) / len(loads) if loads else 0.0
    spread = math.sqrt(sum((x - mean) ** 2 for x in loads) / (len(loads) - 1)) \
        if len(loads) > 1 else 0.0
    held = Counter[str]()
    for h in caseload.households:
        statuses = {c.status for c in h.children}
        open_assessment = h.assessment is not None and h.assessment.start <= on and (
            h.assessment.completed is None or h.assessment.completed > on)
        if Status.CLA in statuses:
            held["CLA"] += 1
        elif Status.CP in statuses:
            held["CP"] += 1
        elif open_assessment:
            held["assessment"] += 1
        else:
            held["CIN"] += 1
    total = sum(held.values())
    mix = {k: round(held[k] / total, 4) for k in ("assessment", "CIN", "CP", "CLA")} if total \
        else {"assessment": 0.25, "CIN": 0.25, "CP": 0.25, "CLA": 0.25}
    # Rounded shares must still add up to 1.
    mix["CIN"] = round(1 - sum(v for k, v in mix.items() if k != "CIN"), 4)
    return StartingPoint(team.id, team.type.value, len(team.workers), total,
                         len(waiting.households), round(min(mean, 200.0), 1), round(spread, 1),
                         mix, source, staff_groups(team, on))


def staff_groups(team: Team, on: date) -> tuple[dict[str, Any], ...]:
    """The team's workers as the scenario's staff mix: one group per kind of worker
    (role, months of experience at `on`, hours), sharing posts by headcount."""
    kinds = Counter((w.role.value, min(w.experience_months(on), 600), w.contracted_hours)
                    for w in team.workers)
    n = sum(kinds.values())
    shares = [round(count / n, 6) for count in (kinds[k] for k in sorted(kinds))]
    if shares:
        shares[-1] = round(1 - sum(shares[:-1]), 6)  # rounded shares still add up to 1
    return tuple({"share": share, "role": role, "months": [months, months], "hours": hours}
                 for share, (role, months, hours) in zip(shares, sorted(kinds), strict=True))


def calibrate(history: History, base: Scenario, settings: Settings | None = None,
              start: StartingPoint | None = None) -> Calibration:
    """Every estimate from `history`, against the national figures of `base`."""
    s = settings or Settings()
    cal = Calibration(history.kind, history.source, history.on, history.since,
                      notes=list(history.notes))
    lists = LISTS.get(history.kind, LISTS["SSD"])
    sizes_ok = _sizes(cal, history, base, s, lists)
    returns = _rereferral(cal, history, base, s, lists)
    _referral_rate(cal, history, base, s, lists, sizes_ok, returns,
                   _Size(posts_at_start(base, start), base_posts(base)) if start else None)
    _outcomes(cal, history, base, s, lists)
    _conversion(cal, history, base, s, lists)
    for status in ("CIN", "CP", "CLA"):
        _duration(cal, history, base, s, lists, status)
    _staff(cal, history, base, s)
    if start is not None:
        _start(cal, base, start)
    return cal


def national_rereferral(base: Scenario) -> tuple[float, str]:
    """The re-referral share to fall back on: the base scenario's, else the national one."""
    if base.pathway.rereferral is not None:
        return base.pathway.rereferral.share, "the base scenario's figure"
    return NATIONAL_REREFERRAL, ("national figure [CIN23] (22.4 % of referrals within 12 "
                                 "months of a previous one)")


def national_conversion(base: Scenario) -> tuple[float, float, str]:
    """S47 to conference and conference to plan: the base scenario's, else the national."""
    a = base.pathway.assessment
    if a.s47_conference is not None and a.conference_cp is not None:
        return a.s47_conference, a.conference_cp, "the base scenario's figure"
    return NATIONAL_S47_CONFERENCE, NATIONAL_CONFERENCE_CP, "national figure [CIN23]"


def _unused(n: int, s: Settings, what: str) -> str:
    return f"too few {what} ({n}, fewer than {s.min_records}): the national figure is kept"


# --- referrals -----------------------------------------------------------------------------------


def _in_window(history: History, on: date) -> bool:
    return history.since <= on < history.on


def _sizes(cal: Calibration, history: History, base: Scenario, s: Settings,
           lists: dict[str, str]) -> bool:
    national = base.referrals.children
    national_mean = sum(k * v for k, v in national.items())
    known = known_households(history)
    # One size per family: a family referred twice counts once.
    first: dict[str, list[str]] = {}
    for (household, on), kids in household_referrals(history).items():
        if _in_window(history, on):
            first.setdefault(household, kids)
    groups = list(first.values())
    n = len(groups)
    source = f"{lists['referral']}, households from {history.household_source or 'none'}"
    if known < 0.5:
        cal.add(Estimate("referrals.children", "Children per referred household", "children",
                         None, None, None, n, source, national_mean, False,
                         f"the extract gives households for {known:.0%} of referred children "
                         "(Annex A has no household id: give it in the override sheet); "
                         "national sizes kept"))
        return False
    mean = sum(len(g) for g in groups) / n if n else 0.0
    counts = Counter(min(len(g), 15) for g in groups)
    if n < s.min_records:
        cal.add(Estimate("referrals.children", "Children per referred household", "children",
                         mean if n else None, None, None, n, source, national_mean, False,
                         _unused(n, s, "referred households")))
        return False
    sd = math.sqrt(sum((len(g) - mean) ** 2 for g in groups) / max(n - 1, 1))
    half = 1.959963984540054 * sd / math.sqrt(n)
    cal.add(Estimate("referrals.children", "Children per referred household", "children",
                     mean, mean - half, mean + half, n, source, national_mean, True))
    shares = {k: round(counts[k] / n, 4) for k in sorted(counts)}
    top = max(shares)
    shares[top] = round(shares[top] + 1 - sum(shares.values()), 4)
    parts = []
    for k in sorted(counts):
        lo, hi = share_interval(counts[k], n)
        parts.append(f"{k}: {lo:.2f}-{hi:.2f}")
    cal.set("referrals.children", shares,
            f"household sizes: {source}; {n} referred households; mean {mean:.2f} children "
            f"(95 % interval {mean - half:.2f} to {mean + half:.2f}); intervals of the "
            f"shares {', '.join(parts)}")
    return True


@dataclass(frozen=True)
class _Returns:
    """Re-referrals among referrals: the share, and, where it was counted directly, the
    referrals it was counted among (those with a whole year before them in the extract) and
    the weeks they span (None if the extract is too short)."""

    share: float
    looked: int | None = None
    weeks: float | None = None


def _rereferral(cal: Calibration, history: History, base: Scenario, s: Settings,
                lists: dict[str, str]) -> _Returns:
    """The share of closed cases referred again within a year of closing (the simulator's
    setting); returns the share of referrals that are such re-referrals (for the rate)."""
    national, said = national_rereferral(base)
    closures: dict[str, set[date]] = defaultdict(set)  # siblings close together: once
    for spell in history.of_kind("CIN"):
        if spell.end is not None:
            closures[history.household_of(spell.child)].add(spell.end)
    referred: dict[str, list[date]] = defaultdict(list)
    for household, on in household_referrals(history):
        referred[household].append(on)
    year = timedelta(days=365)
    # Each closure: days until the family was referred again (within the year), or the
    # days it was followed without one (censored at the date or at a year).
    waits: list[float] = []
    unseen: list[float] = []
    for household, ends in closures.items():
        for c in sorted(ends):
            if not history.since <= c < history.on:
                continue
            later = [(r - c).days for r in referred.get(household, ()) if c <= r <= c + year]
            if later:
                waits.append(min(later) + 0.5)  # a same-day re-referral: half a day
            else:
                unseen.append(min((history.on - c).days, 365) + 0.5)
    followed = len(waits) + len(unseen)
    # Referrals with a whole year before them: did a case of the family close in that year?
    looked = returned = 0
    column = [0, 0]
    for (household, on), kids in household_referrals(history).items():
        if not _in_window(history, on):
            continue
        earlier = [r.earlier_12m for r in history.referrals if r.child in kids and r.on == on
                   and r.earlier_12m is not None]
        if earlier:
            column[0] += 1
            column[1] += max(earlier) > 0
        if on - year >= history.since:
            looked += 1
            returned += any(on - year <= c <= on for c in closures.get(household, ()))
    label = "Closed cases referred again within a year"
    share_of_referrals: float | None = None
    if looked >= s.min_records:
        share_of_referrals = returned / looked
    elif column[0] >= s.min_records:
        share_of_referrals = column[1] / column[0]
    again = returned_within_year(waits, unseen) if followed >= s.min_records else None
    if again is not None:
        share, lo, hi = again
        n = followed
        source = f"{lists['CIN']} closures followed by {lists['referral']}"
        note = (f"Kaplan-Meier: {len(waits)} of {n} closures were followed by a new referral "
                "within a year; the rest were followed up to the date (censored)")
        cal.add(Estimate("pathway.rereferral.share", label, "share", share, lo, hi, n, source,
                         national, True, note))
        cal.set("pathway.rereferral", {"share": round(share, 4), "within_weeks": 52},
                f"re-referral within 12 months of closing: {source}; {n} closures, "
                f"{share:.3f} (95 % interval {lo:.3f} to {hi:.3f}); {note}")
        if looked >= s.min_records:
            weeks = (history.on - history.since - year).days / 7
            return _Returns(returned / looked, looked, weeks)
        return _Returns(share if share_of_referrals is None else share_of_referrals)
    if looked >= s.min_records:
        n, k = looked, returned
        source = f"{lists['referral']} after {lists['CIN']} closures"
        note = ("no closures with a whole year after them: the share of referrals that "
                "follow a closure within a year stands in (equal in a steady state)")
    elif column[0] >= s.min_records:
        n, k = column
        source = f"{lists['referral']}, 'Number of Referrals in Last 12 Months'"
        note = ("no closures with a whole year after them: the share of referrals with an "
                "earlier referral in the year stands in (equal in a steady state)")
    else:
        n = max(followed, looked, column[0])
        cal.add(Estimate("pathway.rereferral.share", label, "share", None, None, None, n,
                         lists["referral"], national, False,
                         _unused(n, s, "closures or referrals with a whole year around them "
                                 "in the extract")))
        cal.set("pathway.rereferral", {"share": national, "within_weeks": 52},
                f"re-referral: {said}; too few records in the extract ({n})")
        return _Returns(national if share_of_referrals is None else share_of_referrals)
    share = k / n
    lo, hi = share_interval(k, n)
    cal.add(Estimate("pathway.rereferral.share", label, "share", share, lo, hi, n, source,
                     national, True, note))
    cal.set("pathway.rereferral", {"share": round(share, 4), "within_weeks": 52},
            f"re-referral within 12 months of closing: {source}; {k} of {n} "
            f"(95 % interval {lo:.3f} to {hi:.3f})" + (f"; {note}" if note else ""))
    if looked >= s.min_records:
        weeks = (history.on - history.since - year).days / 7
        return _Returns(returned / looked, looked, weeks)
    return _Returns(share if share_of_referrals is None else share_of_referrals)


@dataclass(frozen=True)
class _Size:
    """The calibrated service's posts against the base's: the base's referral rate is of a
    service its size, so the national figure for this one is scaled by posts."""

    posts: int
    base_posts: int

    @property
    def share(self) -> float:
        return self.posts / self.base_posts

    def words(self, rate: float) -> str:
        return (f"the base's {rate:g} a week for its {self.base_posts} posts, scaled to the "
                f"{self.posts} posts here")


def base_posts(base: Scenario) -> int:
    """The base scenario's case-holding posts, every team counted."""
    return sum(t.posts * t.count for t in base.workforce.teams)


def _referral_rate(cal: Calibration, history: History, base: Scenario, s: Settings,
                   lists: dict[str, str], sizes_ok: bool, returns: _Returns,
                   size: _Size | None = None) -> None:
    rereferral = returns.share
    weeks = max((history.on - history.since).days / 7, 1 / 7)
    groups = {k: v for k, v in household_referrals(history).items()
              if _in_window(history, k[1])}
    children = sum(len(v) for v in groups.values())
    source = lists["referral"]
    national = base.referrals.rate * (size.share if size else 1.0)
    scaled = f" ({size.words(base.referrals.rate)})" if size else ""
    left_out = sum(1 for r in history.referrals if r.nfa and _in_window(history, r.on))
    note = f"{left_out} referrals closed at referral with no further action are not counted" \
        if left_out else ""
    if size:
        note = "; ".join(filter(None, [note, f"national: {size.words(base.referrals.rate)}"]))
    if sizes_ok:
        count = len(groups)
        what = "households"
    else:
        mean = sum(k * v for k, v in base.referrals.children.items())
        count = round(children / mean)
        what = "children"
        note = "; ".join(filter(None, [note, f"{children} children referred, divided by the "
                                       f"national {mean:.2f} children per household"]))
    n = len(groups) if sizes_ok else children
    total = count / weeks
    if n < s.min_records:
        cal.add(Estimate("referrals.total", "Households referred a week", "a week",
                         total if n else None, None, None, n, source, national, False,
                         _unused(n, s, f"referred {what}") + scaled))
        if base.pathway.rereferral is not None:  # the base's rate is of new referrals
            cal.set("referrals.rate", round(national, 3), f"referrals: the base's "
                    f"{national:.3g} new referrals a week{scaled} (too few records)")
        else:
            cal.set("referrals.rate", round(national * (1 - rereferral), 3),
                    f"referrals: national {national:.3g} a week{scaled}, less the "
                    f"{rereferral:.1%} that are re-referrals (simulated as such)")
        return
    lo, hi = (x / weeks * count / max(n, 1) for x in poisson_interval(n))
    cal.add(Estimate("referrals.total", "Households referred a week", "a week", total, lo, hi,
                     n, source, national, True, note))
    label = "New referrals a week (not re-referrals)"
    # All referrals over the whole extract less the share that are re-referrals, so new and
    # all are counted over the same weeks (new can never exceed all). The share is counted
    # where every referral has a whole year before it, when the extract allows; a share
    # drifts less than a rate with trend or season. The interval adds both uncertainties
    # (delta method).
    new = total * (1 - rereferral)
    among = returns.looked if sizes_ok and returns.looked else n
    se = math.sqrt((1 - rereferral) ** 2 * total ** 2 / max(count, 1)
                   + total ** 2 * rereferral * (1 - rereferral) / max(among, 1))
    new_lo, new_hi = max(new - 1.959963984540054 * se, 0.0), new + 1.959963984540054 * se
    how = f"{total:.2f} a week less the {rereferral:.1%} that are re-referrals"
    if sizes_ok and returns.looked and returns.weeks:
        how += (f" (families with a case closed in the year before, among the "
                f"{returns.looked} referrals of the last {returns.weeks:.1f} weeks, each with a "
                "whole year before it in the extract)")
    cal.add(Estimate("referrals.rate", label, "a week", new, new_lo, new_hi, n, source,
                     national if base.pathway.rereferral is not None
                     else national * (1 - NATIONAL_REREFERRAL), True, how))
    cal.set("referrals.rate", round(new, 3),
            f"new referrals (re-referrals are simulated as such): {source}; {how}: {new:.2f} "
            f"a week (95 % interval {new_lo:.2f} to {new_hi:.2f}); all referrals: {count} "
            f"households in {weeks:.1f} weeks from {history.since} = {total:.2f} a week "
            f"({lo:.2f} to {hi:.2f})")
    _seasonality(cal, history, base, s, source, groups)


def _seasonality(cal: Calibration, history: History, base: Scenario, s: Settings, source: str,
                 groups: dict[tuple[str, date], list[str]]) -> None:
    days = (history.on - history.since).days
    national = base.referrals.seasonality
    if days < 365:
        cal.add(Estimate("referrals.seasonality", "Monthly seasonality", "factor", None, None,
                         None, len(groups), source, None, False,
                         f"the extract covers {days} days, less than a year: the national "
                         "pattern is kept"))
        return
    exposure = [0] * 12
    d = history.since
    while d < history.on:
        exposure[d.month - 1] += 1
        d += timedelta(days=1)
    counts = [0] * 12
    for (_, on) in groups:
        counts[on.month - 1] += 1
    if min(counts) < s.min_records // 3 or sum(counts) < 12 * s.min_records // 3:
        cal.add(Estimate("referrals.seasonality", "Monthly seasonality", "factor", None, None,
                         None, sum(counts), source, None, False,
                         _unused(min(counts), s, "referrals in the quietest month")))
        return
    rates = [c / e for c, e in zip(counts, exposure, strict=True)]
    mean = sum(rates) / 12
    factors = [round(r / mean, 3) for r in rates]
    intervals = [tuple(x / e / mean for x in poisson_interval(c))
                 for c, e in zip(counts, exposure, strict=True)]
    widest = max(hi - lo for lo, hi in intervals)
    cal.add(Estimate("referrals.seasonality", "Monthly seasonality (largest factor)", "factor",
                     max(factors), min(lo for lo, _ in intervals),
                     max(hi for _, hi in intervals), sum(counts), source,
                     max(national) / (sum(national) / 12) if national else None, True,
                     f"twelve monthly factors; the widest 95 % interval spans {widest:.2f}"))
    cal.set("referrals.seasonality", factors,
            f"seasonality: {source}, {sum(counts)} referrals by calendar month over {days} "
            f"days; 95 % intervals "
            + ", ".join(f"{lo:.2f}-{hi:.2f}" for lo, hi in intervals))


# --- assessments --------------------------------------------------------------------------------


def _household_index(history: History) -> dict[str, dict[str, list[Spell]]]:
    out: dict[str, dict[str, list[Spell]]] = defaultdict(lambda: defaultdict(list))
    for spell in history.spells:
        out[history.household_of(spell.child)][spell.kind].append(spell)
    return out


def assessment_outcome(a: Spell, spells: dict[str, list[Spell]], s: Settings) -> str:
    """NFA, CIN, CP or CLA: what followed an ended assessment for its household."""
    assert a.end is not None
    soon = a.end + timedelta(days=s.outcome_days)
    for kind in ("CLA", "CP"):
        if any(a.start <= x.start <= soon for x in spells.get(kind, ())):
            return kind
    for episode in spells.get("CIN", ()):
        if episode.start <= a.end and (episode.end is None
                                       or episode.end > a.end + timedelta(days=s.nfa_days)):
            return "CIN"
    return "NFA"


def _outcomes(cal: Calibration, history: History, base: Scenario, s: Settings,
              lists: dict[str, str]) -> None:
    index = _household_index(history)
    wait = timedelta(days=max(s.outcome_days, s.nfa_days))
    counts: Counter[str] = Counter()
    s47 = n_started = 0
    for a in household_spells(history, "assessment"):
        if not _in_window(history, a.start):
            continue
        spells = index[history.household_of(a.child)]
        n_started += 1
        s47 += any(abs((x.start - a.start).days) <= 3 for x in spells.get("S47", ()))
        if a.end is None or a.end + wait > history.on:
            continue  # its outcome is not known yet
        counts[assessment_outcome(a, spells, s)] += 1
    n = sum(counts.values())
    source = f"{lists['assessment']} with {lists['CIN']}, {lists['CP']} and {lists['CLA']}"
    national: dict[str, float] = {str(k): v for k, v in base.pathway.assessment.outcomes.items()}
    if n < s.min_records:
        for o in OUTCOMES:
            cal.add(Estimate(f"pathway.assessment.outcomes.{o}", f"Assessments ending in {o}",
                             "share", counts[o] / n if n else None, None, None, n, source,
                             national.get(o, 0.0), False, _unused(n, s, "ended assessments")))
    else:
        shares = {o: round(counts[o] / n, 4) for o in OUTCOMES}
        shares["NFA"] = round(1 - sum(v for k, v in shares.items() if k != "NFA"), 4)
        parts = []
        for o in OUTCOMES:
            lo, hi = share_interval(counts[o], n)
            parts.append(f"{o} {counts[o]} ({lo:.3f}-{hi:.3f})")
            cal.add(Estimate(f"pathway.assessment.outcomes.{o}", f"Assessments ending in {o}",
                             "share", counts[o] / n, lo, hi, n, source, national.get(o, 0.0),
                             True))
        cal.set("pathway.assessment.outcomes", shares,
                f"assessment outcomes: {source}; {n} household assessments ended by "
                f"{history.on - wait}; counts and 95 % intervals: " + ", ".join(parts))
    national_s47 = base.pathway.assessment.s47_share
    source47 = f"{lists['S47']} beside {lists['assessment']}"
    if n_started < s.min_records:
        cal.add(Estimate("pathway.assessment.s47_share", "Assessments that are S47 enquiries",
                         "share", s47 / n_started if n_started else None, None, None, n_started,
                         source47, national_s47, False, _unused(n_started, s, "assessments")))
        return
    lo, hi = share_interval(s47, n_started)
    cal.add(Estimate("pathway.assessment.s47_share", "Assessments that are S47 enquiries",
                     "share", s47 / n_started, lo, hi, n_started, source47, national_s47, True))
    cal.set("pathway.assessment.s47_share", round(s47 / n_started, 4),
            f"S47 share: {source47}; {s47} of {n_started} household assessments "
            f"(95 % interval {lo:.3f} to {hi:.3f})")


def _conversion(cal: Calibration, history: History, base: Scenario, s: Settings,
                lists: dict[str, str]) -> None:
    index = _household_index(history)
    wait = timedelta(days=s.outcome_days)
    done = held = plans = 0
    for e in household_spells(history, "S47"):
        if not _in_window(history, e.start):
            continue
        conference = e.conference
        if conference is None and e.no_conference is None and e.end is None:
            continue  # still open
        finished = conference or e.end or e.start
        if finished + wait > history.on:
            continue
        done += 1
        if conference is None:
            continue
        held += 1
        to_plan = e.to_plan
        if to_plan is None:
            cps = index[history.household_of(e.child)].get("CP", ())
            to_plan = any(conference - timedelta(days=1) <= x.start <= conference + wait
                          for x in cps)
        plans += to_plan
    source = lists["S47"]
    values: dict[str, float] = {}
    to_conference, to_plan_share, said = national_conversion(base)
    for key, label, k, n, national in (
            ("pathway.assessment.s47_conference", "S47 enquiries going to initial conference",
             held, done, to_conference),
            ("pathway.assessment.conference_cp", "Initial conferences starting a CP plan",
             plans, held, to_plan_share)):
        if n < s.min_records:
            cal.add(Estimate(key, label, "share", k / n if n else None, None, None, n, source,
                             national, False, _unused(n, s, "records")))
            values[key] = national
            cal.comments[key] = f"{said}; too few records ({n})"
            continue
        lo, hi = share_interval(k, n)
        cal.add(Estimate(key, label, "share", k / n, lo, hi, n, source, national, True))
        values[key] = k / n
        cal.comments[key] = f"{source}; {k} of {n} (95 % interval {lo:.3f} to {hi:.3f})"
    for key, value in values.items():
        cal.settings[key] = round(value, 4)


# --- durations ---------------------------------------------------------------------------------


def status_spells(history: History, status: str) -> list[tuple[date, date | None]]:
    """Household spells in a status: (start, end or None if still open at the date).

    CP and looked-after spells are the plans and periods themselves. A CIN spell (the
    simulator's child in need status, after the assessment) is the time inside a CIN
    episode not covered by an assessment, a CP plan or care, beginning when an
    assessment or plan ends; it ends when a plan or care starts or the episode closes.
    """
    if status in ("CP", "CLA"):
        return [(x.start, x.end) for x in household_spells(history, status)]  # type: ignore[arg-type]
    out: list[tuple[date, date | None]] = []
    for spells in _household_index(history).values():
        episodes = _dedupe(spells.get("CIN", []))
        covers = _dedupe([*spells.get("assessment", []), *spells.get("CP", []),
                          *spells.get("CLA", [])])
        for ep in episodes:
            ep_end = ep.end or history.on
            cursor = ep.start
            starts = sorted(covers, key=lambda x: x.start)
            gaps: list[tuple[date, date, bool]] = []  # (start, end, ended by the episode)
            began_after_cover = False
            for c in starts:
                c_end = c.end or history.on
                if c_end <= cursor or c.start >= ep_end:
                    continue
                if c.start > cursor and began_after_cover:
                    gaps.append((cursor, c.start, False))
                cursor = max(cursor, c_end)
                began_after_cover = True
            if began_after_cover and cursor < ep_end:
                gaps.append((cursor, ep_end, True))
            for g0, g1, by_episode in gaps:
                if by_episode and ep.end is not None and (g1 - g0).days <= 7:
                    continue  # closed after the assessment or plan: no CIN spell
                open_now = by_episode and ep.end is None
                out.append((g0, None if open_now else g1))
    return out


def _dedupe(spells: list[Spell]) -> list[Spell]:
    seen: dict[tuple[str, date], Spell] = {}
    for x in spells:
        seen.setdefault((x.kind, x.start), x)
    return list(seen.values())


def _duration(cal: Calibration, history: History, base: Scenario, s: Settings,
              lists: dict[str, str], status: str) -> None:
    spells = [(a, b) for a, b in status_spells(history, status) if _in_window(history, a)]
    ended = [(b - a).days / 7 for a, b in spells if b is not None]
    open_ = [(history.on - a).days / 7 for a, b in spells if b is None]
    n = len(spells)
    source = lists[status] if status != "CIN" else \
        f"{lists['CIN']} less {lists['assessment']}, {lists['CP']} and {lists['CLA']}"
    spell = base.pathway.statuses.get(status)  # type: ignore[call-overload]
    national = _median_weeks(spell.duration) if spell is not None else None
    path = f"pathway.statuses.{status}.duration"
    label = {"CIN": "child in need", "CP": "child protection plan",
             "CLA": "looked after"}[status]
    fit = fit_durations(ended, open_) if n >= s.min_records and len(ended) >= 5 else None
    if fit is None:
        why = _unused(n, s, f"{label} spells beginning in the extract") if n < s.min_records \
            else f"only {len(ended)} of {n} spells have ended: too few to fit; the national " \
                 "figure is kept"
        cal.add(Estimate(f"{path}.median", f"Time {label} (median)", "weeks", None, None, None,
                         n, source, national, False, why))
        return
    extra = f"; Kaplan-Meier median {fit.km_median:.1f}" if fit.km_median is not None \
        else "; Kaplan-Meier median not reached"
    note = f"{len(open_)} of {n} still open (censored){extra}"
    cal.add(Estimate(f"{path}.median", f"Time {label} (median)", "weeks", fit.median,
                     fit.median_low, fit.median_high, n, source, national, True, note))
    national_p90 = _p90_weeks(spell.duration) if spell is not None else None
    cal.add(Estimate(f"{path}.p90", f"Time {label} (90th percentile)", "weeks", fit.p90,
                     fit.p90_low, fit.p90_high, n, source, national_p90, True))
    cal.set(path, {"dist": "lognormal", "median": round(fit.median, 2),
                   "p90": round(max(fit.p90, fit.median * 1.001), 2), "unit": "weeks"},
            f"{label} duration: {source}; {n} spells beginning from {history.since}, "
            f"{len(open_)} still open at {history.on} (censored); lognormal fitted with "
            f"censoring: median {fit.median:.1f} weeks (95 % interval {fit.median_low:.1f} to "
            f"{fit.median_high:.1f}), P90 {fit.p90:.1f} ({fit.p90_low:.1f} to "
            f"{fit.p90_high:.1f}){extra}")


def _median_weeks(d: Any) -> float | None:
    if isinstance(d, LogNormal):
        mu, _ = d.mu_sigma
        return math.exp(mu) * d.days / 7
    return float(d.mean_days()) / 7


def _p90_weeks(d: Any) -> float | None:
    if isinstance(d, LogNormal):
        mu, sigma = d.mu_sigma
        return math.exp(mu + 1.2815515655446004 * sigma) * d.days / 7
    return None


# --- staff ---------------------------------------------------------------------------------------


def _staff(cal: Calibration, history: History, base: Scenario, s: Settings) -> None:
    national = base.workforce.turnover
    national_delay = _median_weeks(base.workforce.recruitment.delay)
    source = "ssd_professionals start and end dates"
    permanent = [x for x in history.staff if not x.agency]
    if not permanent or all(x.start is None and x.end is None for x in permanent):
        why = "Annex A holds no worker history" if history.kind == "Annex A" else \
            "the extract has no staff start or end dates"
        cal.add(Estimate("workforce.turnover", "Leavers a year per post held", "a year", None,
                         None, None, 0, source, national, False, why + ": national figure kept"))
        cal.add(Estimate("workforce.recruitment.delay.median", "Time to fill a vacancy "
                         "(median)", "weeks", None, None, None, 0, source, national_delay, False,
                         why + ": national figure kept"))
        return
    since, on = history.since, history.on
    years = 0.0
    leavers = 0
    for x in permanent:
        a = max(x.start or since, since)
        b = min(x.end or on, on)
        if b > a:
            years += (b - a).days / 365.25
        leavers += x.end is not None and since <= x.end < on
    if leavers < s.min_records or years <= 0:
        cal.add(Estimate("workforce.turnover", "Leavers a year per post held", "a year",
                         leavers / years if years else None, None, None, leavers, source,
                         national, False, _unused(leavers, s, "leavers")))
    else:
        lo, hi = (v / years for v in poisson_interval(leavers))
        rate = leavers / years
        cal.add(Estimate("workforce.turnover", "Leavers a year per post held", "a year", rate,
                         lo, hi, leavers, source, national, True,
                         f"{years:.1f} years of permanent staff in post"))
        cal.set("workforce.turnover", round(rate, 4),
                f"turnover: {source}; {leavers} permanent leavers over {years:.1f} "
                f"staff-years (95 % interval {lo:.3f} to {hi:.3f} a year)")
    # A leaver's post is refilled by the next permanent starter in the same team.
    by_team: dict[str | None, list[date]] = defaultdict(list)
    for x in permanent:
        if x.start is not None and since <= x.start < on:
            by_team[x.team].append(x.start)
    for starts in by_team.values():
        starts.sort()
    ended: list[float] = []
    open_: list[float] = []
    for x in sorted((x for x in permanent if x.end is not None and since <= x.end < on),
                    key=lambda x: (x.end or on, x.worker)):
        assert x.end is not None
        starts = by_team.get(x.team, [])
        later = [d for d in starts if d >= x.end]
        if later:
            starts.remove(later[0])
            ended.append((later[0] - x.end).days / 7)
        else:
            open_.append((on - x.end).days / 7)
    n = len(ended) + len(open_)
    path = "workforce.recruitment.delay"
    fit = fit_durations(ended, open_) if n >= s.min_records and len(ended) >= 5 else None
    if fit is None:
        cal.add(Estimate(f"{path}.median", "Time to fill a vacancy (median)", "weeks", None,
                         None, None, n, source, national_delay, False,
                         _unused(n, s, "vacancies")))
        return
    cal.add(Estimate(f"{path}.median", "Time to fill a vacancy (median)", "weeks", fit.median,
                     fit.median_low, fit.median_high, n, source, national_delay, True,
                     f"{len(open_)} of {n} not yet filled (censored)"))
    cal.add(Estimate(f"{path}.p90", "Time to fill a vacancy (90th percentile)", "weeks",
                     fit.p90, fit.p90_low, fit.p90_high, n, source,
                     _p90_weeks(base.workforce.recruitment.delay), True))
    cal.set(path, {"dist": "lognormal", "median": round(fit.median, 2),
                   "p90": round(max(fit.p90, fit.median * 1.001), 2), "unit": "weeks"},
            f"vacancy duration: {source}, each leaver paired with the next permanent starter "
            f"in the same team; {n} vacancies, {len(open_)} not yet filled (censored); "
            f"median {fit.median:.1f} weeks ({fit.median_low:.1f} to {fit.median_high:.1f}), "
            f"P90 {fit.p90:.1f} ({fit.p90_low:.1f} to {fit.p90_high:.1f})")


# --- the starting point ---------------------------------------------------------------------------


def posts_at_start(base: Scenario, start: StartingPoint) -> int:
    """The calibrated team's posts: as given, or the workers in post grossed up by the base's
    vacancies that agency staff do not cover."""
    wf = base.workforce
    if start.posts is not None:
        return max(start.posts, start.workers, 1)
    return max(round(start.workers / (1 - wf.vacancy_rate * (1 - wf.agency_share))), 1)


def _start(cal: Calibration, base: Scenario, start: StartingPoint) -> None:
    source = f"{start.source}: {start.households} households held by {start.workers} workers"
    # The workers in post are the posts less the vacancies agency staff do not cover.
    wf = base.workforce
    posts = posts_at_start(base, start)
    if start.posts is not None:
        uncovered = 1 - start.workers / posts
        rate = min(uncovered / (1 - wf.agency_share), 0.99) if wf.agency_share < 1 else 0.0
        cal.set("workforce.vacancy_rate", round(rate, 4),
                f"{posts} posts (as given) and {start.workers} workers in post at {cal.on}: "
                f"{uncovered:.0%} of posts vacant and not covered by agency staff, with the "
                f"base's agency cover of {wf.agency_share:.0%}")
        how = "the establishment as given"
    else:
        # Grossed up by the base's rates; the start then has vacancies as usual.
        how = (f"grossed up by the base's vacancies not covered by agency staff "
               f"({wf.vacancy_rate:.0%} of posts, {1 - wf.agency_share:.0%} of them uncovered)")
    cal.set("workforce.teams", [{"id": start.team_id, "posts": posts, "type": start.team_type}],
            f"the team as imported at {cal.on}: {start.workers} workers in post; {posts} "
            f"posts, {how}")
    if start.staff:
        cal.set("workforce.staff", list(start.staff),
                f"who holds the posts at the start: the {start.workers} workers imported at "
                f"{cal.on} (role, months of experience, hours)")
    cal.set("referrals.team_shares", None, "one team")
    cal.set("initial.load_pct", start.load_pct,
            f"starting load: {source}; mean load % {start.load_pct:g} "
            f"(national starting point {base.initial.load_pct:g})")
    cal.set("initial.spread", start.spread, f"spread of load % between workers: {source}")
    cal.set("initial.households", start.households,
            f"households held at {cal.on}, shared by the workers in proportion to their "
            f"benchmarks (so the load % above is what the scheme gives them): {source}")
    cal.set("initial.mix", start.mix, f"held households by status: {source}")
    cal.set("initial.waiting", start.waiting,
            f"waiting list at {cal.on}: {start.waiting} households with no allocated worker")
    cal.add(Estimate("initial.load_pct", "Starting load %", "%", start.load_pct, None, None,
                     start.households, start.source, base.initial.load_pct, True,
                     "a count at the date, not an estimate: no interval"))
    cal.add(Estimate("initial.waiting", "Households waiting at the start", "households",
                     float(start.waiting), None, None, start.waiting, start.source,
                     float(base.initial.waiting), True, "a count at the date"))
