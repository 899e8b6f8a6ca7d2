"""A scenario as data: the service, its demand, its workforce and what changes when.

A scenario file is YAML a workforce planner can copy and edit; a what-if is a
few lines that ``extends:`` another file (the reader in
:mod:`allocopt.io.scenario_file` merges them). Every field can be reached by a
dotted path (``referrals.rate``, ``benchmarks.experienced``,
``workforce.teams.0.posts``) and overridden with :meth:`Scenario.with_overrides`,
which validates the result, so sweeps and comparisons never bypass validation.

Units: rates are per week, shares are fractions (0.16 for 16 %), durations say
their unit. Dated events take either ``at:`` (a date) or ``month:`` (whole
months after the scenario start). (Not ``on:``: YAML reads a bare ``on`` as true.)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Annotated, Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from allocopt.allocation.problem import Policy
from allocopt.domain import MAX_AMOUNT, InterventionLevel, Role, TeamType, months_between
from allocopt.errors import InputError, from_validation
from allocopt.schemes.model import Benchmark, Scheme
from allocopt.yaml_text import check_shape, load_yaml

TimeUnit = Literal["days", "working_days", "weeks", "months", "years"]
DAYS_PER: dict[str, float] = {
    "days": 1.0,
    "working_days": 7.0 / 5.0,  # five working days in seven calendar days
    "weeks": 7.0,
    "months": 365.25 / 12.0,
    "years": 365.25,
}
Z90 = 1.2815515655446004
"""The standard normal 90th percentile: a lognormal's P90 is its median x exp(Z90 sigma)."""

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday"]
WEEKDAYS: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday")
PathwayStatus = Literal["CIN", "CP", "CLA"]
Outcome = Literal["NFA", "CIN", "CP", "CLA"]
NextStep = Literal["CIN", "CP", "CLA", "close"]
StartStatus = Literal["assessment", "CIN", "CP", "CLA"]
AllocatorName = Literal["greedy", "cpsat"]
ALLOCATORS: tuple[str, ...] = ("greedy", "cpsat")


class ScenarioModel(BaseModel):
    """Base for scenario parts: immutable and strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


LONGEST = 10_000.0
"""The longest duration (in its unit) and the largest count a scenario number may hold."""
Length = Annotated[float, Field(gt=0, le=LONGEST)]
Share = Annotated[float, Field(ge=0, le=1)]


def add_months(start: date, months: int) -> date:
    """The first date on which `months` whole calendar months have passed since `start`.

    Agrees with :func:`allocopt.domain.months_between`, which decides experience bands.
    """
    y, m = divmod(start.year * 12 + start.month - 1 + months, 12)
    day = min(start.day, _month_length(y, m + 1))
    d = date(y, m + 1, day)
    while months_between(start, d) < months:
        d += timedelta(days=1)
    while d > start and months_between(start, d - timedelta(days=1)) >= months:
        d -= timedelta(days=1)
    return d


def _month_length(year: int, month: int) -> int:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return (nxt - timedelta(days=1)).day


# ------------------------------------------------------------------ durations


class _Duration(ScenarioModel):
    unit: TimeUnit = "weeks"

    @property
    def days(self) -> float:
        """Days in one unit."""
        return DAYS_PER[self.unit]


class LogNormal(_Duration):
    """Lognormal, given by its median and 90th percentile (or by mean and sd)."""

    dist: Literal["lognormal"]
    median: Length | None = None
    p90: Length | None = None
    mean: Length | None = None
    sd: Length | None = None

    @model_validator(mode="after")
    def _one_pair(self) -> LogNormal:
        by_quantiles = self.median is not None and self.p90 is not None
        by_moments = self.mean is not None and self.sd is not None
        if by_quantiles == by_moments or (
            by_quantiles and (self.mean is not None or self.sd is not None)
        ):
            raise ValueError("give either median and p90, or mean and sd")
        if by_quantiles and self.p90 is not None and self.median is not None \
                and self.p90 <= self.median:
            raise ValueError(f"p90 ({self.p90:g}) must be above the median ({self.median:g})")
        return self

    @property
    def mu_sigma(self) -> tuple[float, float]:
        """Parameters of the underlying normal, in the duration's unit."""
        if self.median is not None and self.p90 is not None:
            mu = math.log(self.median)
            return mu, (math.log(self.p90) - mu) / Z90
        assert self.mean is not None and self.sd is not None
        s2 = math.log(1 + (self.sd / self.mean) ** 2)
        return math.log(self.mean) - s2 / 2, math.sqrt(s2)

    def draw(self, rng: np.random.Generator) -> float:
        mu, sigma = self.mu_sigma
        return math.exp(mu + sigma * rng.standard_normal()) * self.days

    def mean_days(self) -> float:
        mu, sigma = self.mu_sigma
        return math.exp(mu + sigma * sigma / 2) * self.days

    def residual(self, rng: np.random.Generator) -> float:
        # Length-biased lognormal is lognormal(mu + sigma^2, sigma); times U(0,1) gives
        # the time left for a spell already under way in a steady state.
        mu, sigma = self.mu_sigma
        biased = math.exp(mu + sigma * sigma + sigma * rng.standard_normal())
        return rng.random() * biased * self.days


class Exponential(_Duration):
    """Exponential with the given mean (memoryless: the M/M/c service time)."""

    dist: Literal["exponential"]
    mean: float = Field(gt=0, le=LONGEST)

    def draw(self, rng: np.random.Generator) -> float:
        return float(rng.exponential(self.mean)) * self.days

    def mean_days(self) -> float:
        return self.mean * self.days

    def residual(self, rng: np.random.Generator) -> float:
        return self.draw(rng)


class Fixed(_Duration):
    """Always the same length."""

    dist: Literal["fixed"]
    value: float = Field(ge=0, le=LONGEST)

    def draw(self, rng: np.random.Generator) -> float:
        return self.value * self.days

    def mean_days(self) -> float:
        return self.value * self.days

    def residual(self, rng: np.random.Generator) -> float:
        return rng.random() * self.value * self.days


class Uniform(_Duration):
    """Uniform between low and high."""

    dist: Literal["uniform"]
    low: float = Field(ge=0, le=LONGEST)
    high: float = Field(gt=0, le=LONGEST)

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"high ({self.high:g}) is below low ({self.low:g})")
        return self

    def draw(self, rng: np.random.Generator) -> float:
        return (self.low + (self.high - self.low) * rng.random()) * self.days

    def mean_days(self) -> float:
        return (self.low + self.high) / 2 * self.days

    def residual(self, rng: np.random.Generator) -> float:
        # Length-biased uniform has density proportional to x on [low, high].
        a2, b2 = self.low**2, self.high**2
        return rng.random() * math.sqrt(a2 + (b2 - a2) * rng.random()) * self.days


class Empirical(_Duration):
    """Observed durations (your own case records), optionally weighted."""

    dist: Literal["empirical"]
    values: tuple[Annotated[float, Field(le=LONGEST)], ...] = Field(min_length=1,
                                                                     max_length=100_000)
    weights: tuple[Annotated[float, Field(le=1e6)], ...] | None = None

    @model_validator(mode="after")
    def _valid(self) -> Empirical:
        if any(v < 0 for v in self.values):
            raise ValueError("durations cannot be negative")
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(f"{len(self.weights)} weights for {len(self.values)} values")
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError("weights must be non-negative and not all zero")
        return self

    def _p(self) -> np.ndarray[Any, np.dtype[np.float64]]:
        w = np.ones(len(self.values)) if self.weights is None else np.asarray(self.weights, float)
        p: np.ndarray[Any, np.dtype[np.float64]] = w / w.sum()
        return p

    def draw(self, rng: np.random.Generator) -> float:
        return self.values[int(rng.choice(len(self.values), p=self._p()))] * self.days

    def mean_days(self) -> float:
        return float(np.dot(self._p(), self.values)) * self.days

    def residual(self, rng: np.random.Generator) -> float:
        p = self._p() * np.asarray(self.values, float)
        if p.sum() <= 0:
            return 0.0
        v = self.values[int(rng.choice(len(self.values), p=p / p.sum()))]
        return rng.random() * v * self.days


Duration = Annotated[
    LogNormal | Exponential | Fixed | Uniform | Empirical, Field(discriminator="dist")
]


def _lognormal(median: float, p90: float, unit: TimeUnit = "weeks") -> LogNormal:
    return LogNormal(dist="lognormal", median=median, p90=p90, unit=unit)


def _shares(values: Mapping[Any, float], what: str) -> None:
    if any(v < 0 for v in values.values()):
        raise ValueError(f"{what} cannot be negative")
    total = sum(values.values())
    if not math.isclose(total, 1.0, abs_tol=1e-6):
        raise ValueError(f"{what} must add up to 1; they add up to {total:g}")


# ---------------------------------------------------------------- dated events


class Dated(ScenarioModel):
    """Something that happens at a date: `at: 2027-04-01` or `month: 6` after the start."""

    at: date | None = None
    month: int | None = Field(default=None, ge=0, le=240,
                              description="Whole months after the start.")

    @model_validator(mode="after")
    def _one_date(self) -> Dated:
        if (self.at is None) == (self.month is None):
            raise ValueError("give exactly one of at (a date) or month (months after the start)")
        return self

    def date_from(self, start: date) -> date:
        """The calendar date, given the scenario's start."""
        if self.at is not None:
            return self.at
        assert self.month is not None
        return add_months(start, self.month)


# ------------------------------------------------------------------ referrals


class Shock(Dated):
    """A step or ramp in the referral rate, such as "+20 % from month 6"."""

    change: float = Field(gt=-1, le=10,
                          description="Relative change: 0.2 for 20 % more referrals.")
    ramp_months: float = Field(default=0, ge=0, le=240,
                               description="Reach the full change over this long.")
    lasts_months: float | None = Field(
        default=None, gt=0, le=240, description="Months from the start of the shock until it ends."
    )


NATIONAL_SIBLINGS: dict[int, float] = {
    1: 0.45, 2: 0.28, 3: 0.14, 4: 0.07, 5: 0.03, 6: 0.02, 7: 0.01,
}


class Referrals(ScenarioModel):
    """Households referred to the service."""

    rate: float = Field(ge=0, le=2000,
                        description="Households referred per week (before shocks); the largest "
                                    "English councils see a few hundred.")
    arrivals: Literal["poisson", "regular"] = "poisson"
    weekdays_only: bool = Field(default=True, description="Referrals arrive Monday to Friday.")
    seasonality: tuple[Annotated[float, Field(le=12)], ...] | None = Field(
        default=None, description="Twelve monthly factors, January first (rescaled to mean 1)."
    )
    trend: float = Field(default=0.0, gt=-1, le=1, description="Growth per year: 0.03 for 3 %.")
    shocks: tuple[Shock, ...] = ()
    children: dict[int, Share] = Field(
        default_factory=lambda: dict(NATIONAL_SIBLINGS),
        description="Share of households by number of children.",
    )
    team_shares: dict[str, Share] | None = Field(
        default=None, description="Share of referrals by team (default: by number of posts)."
    )

    @model_validator(mode="after")
    def _valid(self) -> Referrals:
        if self.seasonality is not None:
            if len(self.seasonality) != 12:
                raise ValueError(
                    f"seasonality needs 12 monthly factors; found {len(self.seasonality)}"
                )
            if any(f < 0 for f in self.seasonality) or sum(self.seasonality) <= 0:
                raise ValueError("seasonal factors must be non-negative, not all zero")
        if not self.children or any(n < 1 or n > 15 for n in self.children):
            raise ValueError("children: household sizes must be between 1 and 15")
        _shares(self.children, "children shares")
        if self.team_shares is not None:
            _shares(self.team_shares, "team_shares")
        return self


# -------------------------------------------------------------------- pathway


class Spell(ScenarioModel):
    """Time in a status, and where the household goes next."""

    duration: Duration
    next: dict[NextStep, Share] = Field(description="Probabilities of the next status or close.")
    intervention: InterventionLevel = InterventionLevel.MEDIUM

    @model_validator(mode="after")
    def _valid(self) -> Spell:
        _shares(self.next, "next-step probabilities")
        return self


class Court(ScenarioModel):
    """Care proceedings: start on entering a status, with their own duration."""

    on_entering: tuple[PathwayStatus, ...] = ("CLA",)
    probability: float = Field(default=0.7, ge=0, le=1)
    duration: Duration = Field(default_factory=lambda: _lognormal(40, 70))


class Assessment(ScenarioModel):
    """The assessment (S47 enquiry or single assessment) that starts on allocation."""

    s47_share: float = Field(default=0.3, ge=0, le=1, description="Referrals that start as S47.")
    duration: Duration = Field(default_factory=lambda: _lognormal(25, 38, "working_days"))
    max_working_days: float | None = Field(
        default=40, gt=0, le=1000, description="Statutory maximum; longer draws are cut to it."
    )
    intervention: InterventionLevel = InterventionLevel.MEDIUM
    outcomes: dict[Outcome, Share] = Field(
        description="Probabilities: no further action, CIN, CP or CLA."
    )
    s47_conference: float | None = Field(
        default=None, ge=0, le=1,
        description="Of S47 enquiries, the share that go to an initial child protection "
                    "conference (unset: an S47 ends like any other assessment).")
    conference_cp: float | None = Field(
        default=None, ge=0, le=1,
        description="Of initial child protection conferences, the share that start a CP plan.")

    @model_validator(mode="after")
    def _valid(self) -> Assessment:
        _shares(self.outcomes, "outcome probabilities")
        if (self.s47_conference is None) != (self.conference_cp is None):
            raise ValueError("give both s47_conference and conference_cp, or neither")
        return self

    @property
    def converts(self) -> bool:
        """True when S47 enquiries reach CP through an initial conference."""
        return self.s47_conference is not None and self.conference_cp is not None

    def cp_chance(self, s47: bool) -> float:
        """The chance that an assessment of this kind ends in a CP plan.

        An S47 enquiry goes to conference and then to a plan at its own rates; single
        assessments take the rest of the CP share, so that across all assessments the
        outcome shares are still `outcomes` (as far as the S47 rates allow).
        """
        assert self.s47_conference is not None and self.conference_cp is not None
        p47 = self.s47_conference * self.conference_cp
        if s47:
            return p47
        if self.s47_share >= 1:
            return 0.0
        cp = self.outcomes.get("CP", 0.0)
        return min(1.0, max(0.0, (cp - self.s47_share * p47) / (1 - self.s47_share)))


class Rereferral(ScenarioModel):
    """Closed cases that come back: referred again within a year of closing."""

    share: float = Field(ge=0, le=1, description="Of closed cases, the share referred again.")
    within_weeks: float = Field(
        default=52, gt=0, le=520,
        description="The new referral comes at a time drawn uniformly within this many weeks "
                    "of closing.")


class Pathway(ScenarioModel):
    """What happens to a household after referral."""

    assessment: Assessment
    statuses: dict[PathwayStatus, Spell]
    court: Court | None = Field(default_factory=Court)
    rereferral: Rereferral | None = Field(
        default=None, description="Closed cases referred again (unset: none come back).")

    @model_validator(mode="after")
    def _connected(self) -> Pathway:
        a = self.assessment
        if a.converts and a.s47_share > 0 and (a.s47_conference or 0) * (a.conference_cp or 0) > 0 \
                and "CP" not in self.statuses:
            raise ValueError("S47 enquiries lead to CP plans (s47_conference, conference_cp) "
                             "but CP has no entry under statuses")
        for outcome, p in self.assessment.outcomes.items():
            if outcome != "NFA" and p > 0 and outcome not in self.statuses:
                raise ValueError(f"assessment outcome {outcome} has no entry under statuses")
        for status, spell in self.statuses.items():
            for step, p in spell.next.items():
                if step == status and p > 0:
                    raise ValueError(f"status {status} cannot move to itself")
                if step != "close" and p > 0 and step not in self.statuses:
                    raise ValueError(f"{status} moves to {step}, which has no entry under statuses")
        return self


# ------------------------------------------------------------------ workforce


class StaffGroup(ScenarioModel):
    """A share of workers alike in role, experience and hours."""

    share: float = Field(gt=0, le=1)
    role: Role = Role.SOCIAL_WORKER
    months: tuple[Annotated[int, Field(ge=0, le=600)], Annotated[int, Field(ge=0, le=600)]] = Field(
        default=(36, 240), description="Months since qualifying, drawn uniformly in this range."
    )
    hours: float = Field(default=37.0, gt=0, le=48)
    duties: tuple[str, ...] = Field(default=(), description="Standing duties (scheme duty kinds).")

    @model_validator(mode="after")
    def _ordered(self) -> StaffGroup:
        lo, hi = self.months
        if lo < 0 or hi < lo:
            raise ValueError("months must be a range [low, high] with 0 <= low <= high; "
                             f"found {list(self.months)}")
        return self


def _group_shares(groups: tuple[StaffGroup, ...], what: str) -> None:
    if not groups:
        raise ValueError(f"{what} needs at least one group")
    _shares({i: g.share for i, g in enumerate(groups)}, f"{what} shares")


class TeamSpec(ScenarioModel):
    """A team, or `count` alike teams (ids T01, T02, ...)."""

    id: Annotated[str, Field(min_length=1, max_length=32)]
    count: int = Field(default=1, ge=1, le=200)
    posts: int = Field(ge=1, le=1000, description="Case-holding posts (establishment).")
    type: TeamType = TeamType.LONG_TERM

    def ids(self) -> list[str]:
        if self.count == 1:
            return [self.id]
        width = max(2, len(str(self.count)))
        return [f"{self.id}{i:0{width}d}" for i in range(1, self.count + 1)]


def _default_starters() -> tuple[StaffGroup, ...]:
    return (StaffGroup(share=0.35, months=(0, 3)), StaffGroup(share=0.65, months=(24, 180)))


class Recruitment(ScenarioModel):
    """How a vacancy is filled: a permanent recruit after a delay, agency cover meanwhile."""

    delay: Duration = Field(default_factory=lambda: _lognormal(16, 30))
    agency_cover: float = Field(
        default=0.75, ge=0, le=1, description="Share of vacancies covered by agency staff."
    )
    agency_delay: Duration = Field(default_factory=lambda: _lognormal(3, 8))
    starters: tuple[StaffGroup, ...] = Field(default_factory=_default_starters)
    agency_staff: tuple[StaffGroup, ...] = Field(
        default_factory=lambda: (StaffGroup(share=1.0, months=(36, 240)),)
    )

    @model_validator(mode="after")
    def _valid(self) -> Recruitment:
        _group_shares(self.starters, "starters")
        _group_shares(self.agency_staff, "agency_staff")
        return self


class Absence(ScenarioModel):
    """Sickness and annual leave."""

    sickness: float = Field(default=0.03, ge=0, lt=1, description="Share of working time lost.")
    sickness_spell: Duration = Field(default_factory=lambda: _lognormal(3, 20, "working_days"))
    leave_days: float = Field(default=30, ge=0, le=100, description="Working days a year.")
    leave_spell_days: float = Field(default=5, gt=0, le=100,
                                    description="Working days per spell.")
    reallocate_after_weeks: float | None = Field(
        default=4, gt=0, le=520,
        description="A longer absence sends the worker's cases back to waiting.",
    )


class Cohort(Dated):
    """NQSWs starting together (they fill vacancies first, then add posts)."""

    count: int = Field(ge=0, le=1000)
    team: str | None = None
    role: Role = Role.SOCIAL_WORKER


class Cut(Dated):
    """Posts removed at a date: vacant posts first, then agency-held, then the newest."""

    posts: int = Field(ge=1, le=1000)
    team: str | None = None


class Workforce(ScenarioModel):
    """Teams, who holds the posts, and how that changes."""

    teams: tuple[TeamSpec, ...] = Field(min_length=1)
    staff: tuple[StaffGroup, ...] = Field(
        default_factory=lambda: (StaffGroup(share=1.0),),
        description="Who holds the filled posts at the start.",
    )
    vacancy_rate: float = Field(default=0.0, ge=0, lt=1, description="Posts vacant at the start.")
    agency_share: float = Field(
        default=0.0, ge=0, le=1, description="Of the vacancies, the share covered by agency staff."
    )
    turnover: float = Field(default=0.0, ge=0, lt=5, description="Leavers a year per post held.")
    agency_turnover: float = Field(default=0.0, ge=0, lt=5)
    notice_weeks: float = Field(default=4, ge=0, le=52)
    recruitment: Recruitment = Field(default_factory=Recruitment)
    absence: Absence = Field(default_factory=Absence)
    cohorts: tuple[Cohort, ...] = ()
    cuts: tuple[Cut, ...] = ()

    @model_validator(mode="after")
    def _valid(self) -> Workforce:
        _group_shares(self.staff, "staff")
        ids: list[str] = []
        for spec in self.teams:
            ids.extend(spec.ids())
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"team id {dupes[0]} appears more than once")
        return self

    def team_ids(self) -> list[str]:
        return [i for spec in self.teams for i in spec.ids()]


# ----------------------------------------------------------------- allocation


class DutyCover(ScenarioModel):
    """A duty worker covers waiting high-risk households until they are allocated."""

    tiers: tuple[str, ...] = ("S47", "CP")
    households: int = Field(default=4, ge=0, le=1000,
                            description="Most households covered per team.")


class Allocation(ScenarioModel):
    """When allocation meetings happen and the policy they apply."""

    allocator: AllocatorName = "greedy"
    meetings: Literal["weekly", "daily", "continuous"] = Field(
        default="weekly",
        description="weekly meetings; daily (each working day); continuous (as soon as possible).",
    )
    weekday: Weekday = "tuesday"
    daily_tiers: tuple[str, ...] = Field(
        default=("S47",), description="Tiers also allocated each working day between meetings."
    )
    duty_allocator: Literal["greedy", "same"] = Field(
        default="greedy",
        description="Between meetings the duty manager allocates by hand (greedy, the "
        "manager's rule); `same` uses the meeting's policy for duty allocation too.",
    )
    high_risk_tiers: tuple[str, ...] = ("S47", "CP")
    duty_cover: DutyCover | None = None
    policy: Policy = Field(default_factory=Policy)

    @model_validator(mode="after")
    def _tiers(self) -> Allocation:
        known = set(self.policy.tiers)
        groups: list[tuple[str, Iterable[str]]] = [
            ("daily_tiers", self.daily_tiers), ("high_risk_tiers", self.high_risk_tiers)]
        if self.duty_cover is not None:
            groups.append(("duty_cover.tiers", self.duty_cover.tiers))
        for what, tiers in groups:
            for tier in tiers:
                if tier not in known:
                    raise ValueError(f"{what}: unknown tier {tier!r}; expected one of "
                                     + ", ".join(self.policy.tiers))
        return self


DEFAULT_MIX: dict[StartStatus, float] = {"assessment": 0.2, "CIN": 0.4, "CP": 0.2, "CLA": 0.2}


class Initial(ScenarioModel):
    """The caseload on the first day."""

    load_pct: float = Field(default=90, ge=0, le=200, description="Starting load % of each worker.")
    spread: float = Field(default=10, ge=0, le=100,
                          description="Standard deviation between workers (%).")
    mix: dict[StartStatus, Share] = Field(
        default_factory=lambda: dict(DEFAULT_MIX),
        description="Share of held households by status.",
    )
    waiting: int = Field(default=0, ge=0, le=10_000,
                         description="Households waiting per team at the start.")
    households: int | None = Field(
        default=None, ge=0, le=100_000,
        description="Households held in each team at the start, shared by the workers in "
                    "proportion to their benchmarks (unset: each worker is filled to load_pct).")

    @model_validator(mode="after")
    def _valid(self) -> Initial:
        _shares(self.mix, "initial mix")
        return self


class Costs(ScenarioModel):
    """A year's cost of one full-time worker in post, by kind of post (pounds; your own
    figures). A part-time worker costs their share, by FTE.

    A vacant post costs nothing here; a post covered by an agency worker costs
    the agency rate; an NQSW costs the NQSW rate while newly qualified (their
    protected first year, with its supervision and training) and the
    permanent rate after.
    """

    permanent: float = Field(ge=0, le=1_000_000, description="A permanent social worker, a year "
                             "(salary and on-costs).")
    agency: float = Field(ge=0, le=1_000_000, description="An agency social worker covering a "
                          "post, a year (all charges).")
    nqsw: float = Field(ge=0, le=1_000_000, description="An NQSW in the protected first year, a "
                        "year (salary, on-costs and ASYE support).")
    source: str = Field(default="", description="Where the figures come from.")

    def per_year(self) -> tuple[float, float, float]:
        """(permanent, agency, NQSW) a year."""
        return (self.permanent, self.agency, self.nqsw)


class BenchmarkChange(Dated):
    """New full-time benchmarks from a date, by experience band."""

    benchmarks: dict[str, Annotated[float, Field(le=MAX_AMOUNT)]] = Field(min_length=1)


# ------------------------------------------------------------------- scenario


class Scenario(ScenarioModel):
    """Everything one simulation needs: plain data, picklable, validated."""

    name: str = Field(min_length=1)
    description: str = ""
    start: date
    weeks: int = Field(default=104, ge=1, le=520)
    warmup_weeks: int = Field(default=0, ge=0, le=520, description="Simulated, not reported.")
    scheme: Scheme
    benchmarks: dict[str, Annotated[float, Field(le=MAX_AMOUNT)]] = Field(
        default_factory=dict,
        description="Full-time benchmark of a social worker by experience band "
        "(overrides the scheme).",
    )
    referrals: Referrals
    pathway: Pathway
    workforce: Workforce
    allocation: Allocation = Field(default_factory=Allocation)
    initial: Initial = Field(default_factory=Initial)
    benchmark_changes: tuple[BenchmarkChange, ...] = ()
    costs: Costs | None = Field(default=None, description="A year's cost of each kind of post "
                                "(to compare the cost of scenarios).")

    @model_validator(mode="after")
    def _coherent(self) -> Scenario:
        bands = [b.name for b in self.scheme.experience_bands]
        wanted = [("benchmarks", self.benchmarks)] + [
            (f"benchmark_changes.{i}.benchmarks", c.benchmarks)
            for i, c in enumerate(self.benchmark_changes)]
        for where, values in wanted:
            for band, value in values.items():
                if band not in bands:
                    raise ValueError(f"{where}: unknown experience band {band!r} in scheme "
                                     f"{self.scheme.id}; expected one of {', '.join(bands)}")
                if value <= 0:
                    raise ValueError(
                        f"{where}.{band}: a benchmark must be above 0; found {value:g}")
        teams = self.workforce.team_ids()
        shares = self.referrals.team_shares
        if shares is not None:
            for team in shares:
                if team not in teams:
                    raise ValueError(f"referrals.team_shares: unknown team {team!r}; "
                                     f"expected one of {', '.join(teams)}")
        placed: list[tuple[str, str | None]] = [
            *((f"workforce.cohorts.{i}", e.team) for i, e in enumerate(self.workforce.cohorts)),
            *((f"workforce.cuts.{i}", e.team) for i, e in enumerate(self.workforce.cuts)),
        ]
        for where, named in placed:
            if named is not None and named not in teams:
                raise ValueError(f"{where}: unknown team {named!r}; "
                                 f"expected one of {', '.join(teams)}")
        dated: list[tuple[str, Dated]] = [
            *((f"workforce.cohorts.{i}", e) for i, e in enumerate(self.workforce.cohorts)),
            *((f"workforce.cuts.{i}", e) for i, e in enumerate(self.workforce.cuts)),
            *((f"referrals.shocks.{i}", e) for i, e in enumerate(self.referrals.shocks)),
            *((f"benchmark_changes.{i}", e) for i, e in enumerate(self.benchmark_changes)),
        ]
        for where, event in dated:
            if event.date_from(self.start) < self.start:
                raise ValueError(
                    f"{where}: {event.at} is before the scenario starts ({self.start})")
        duties = set(self.scheme.duties)
        groups = [*self.workforce.staff, *self.workforce.recruitment.starters,
                  *self.workforce.recruitment.agency_staff]
        for group in groups:
            for kind in group.duties:
                if kind not in duties:
                    raise ValueError(f"duty {kind!r} is not in scheme {self.scheme.id}; expected "
                                     f"one of {', '.join(sorted(duties)) or '(none)'}")
        ceiling = self.allocation.policy.ceiling_band
        if ceiling not in {b.name for b in self.scheme.rag}:
            raise ValueError(f"allocation.policy.ceiling_band {ceiling!r} is not a RAG band of "
                             f"scheme {self.scheme.id}")
        return self

    # ------------------------------------------------------------- derived

    @property
    def team_ids(self) -> list[str]:
        return self.workforce.team_ids()

    @property
    def end(self) -> date:
        """The last day simulated and reported."""
        return self.start + timedelta(weeks=self.weeks)

    def effective_scheme(self) -> Scheme:
        """The scheme with this scenario's benchmark overrides applied."""
        return scheme_with_benchmarks(self.scheme, self.benchmarks)

    def benchmark_value(self, band: str) -> float:
        """Full-time benchmark of an experienced-role social worker in `band` (for sweeps)."""
        scheme = self.effective_scheme()
        for bm in scheme.benchmarks:
            if bm.matches(Role.SOCIAL_WORKER, TeamType.LONG_TERM, band):
                return bm.benchmark
        raise KeyError(band)

    # ----------------------------------------------------------- overrides

    def with_overrides(
        self, settings: Mapping[str, Any] | Iterable[str], source: str = "--set"
    ) -> Scenario:
        """A copy with settings changed by dotted path, validated like a file.

        `settings` is a mapping ``{"referrals.rate": 90}`` or strings
        ``"referrals.rate=90"`` whose values are read as YAML (numbers, dates,
        lists such as ``[{at: 2027-04-01, posts: 3}]``). Bad paths or values raise
        InputError naming the setting.
        """
        pairs = _pairs(settings, source)
        if not pairs:
            return self
        data = self.as_data(with_scheme=any(p == "scheme" or p.startswith("scheme.")
                                            for p, _ in pairs))
        for path, value in pairs:
            _set_path(data, path, value, source)
        try:
            return Scenario.model_validate(data)
        except ValidationError as e:
            raise from_validation(e, source) from None

    def as_data(self, with_scheme: bool = False) -> dict[str, Any]:
        """Plain nested dicts and lists (the scheme stays a model unless asked for)."""
        data = _plain(self.model_dump(mode="python", exclude={"scheme"}))
        assert isinstance(data, dict)
        data["scheme"] = (_plain(self.scheme.model_dump(mode="python")) if with_scheme
                          else self.scheme)
        return data

    def value(self, path: str) -> Any:
        """The value at a dotted path (``benchmarks.experienced`` reads the effective benchmark)."""
        parts = path.split(".")
        if len(parts) == 2 and parts[0] == "benchmarks":
            try:
                return self.benchmark_value(parts[1])
            except KeyError:
                bands = ", ".join(b.name for b in self.scheme.experience_bands)
                raise InputError(None, "unknown experience band", field=path,
                                 expected=bands) from None
        node: Any = self.as_data(with_scheme=parts[0] == "scheme")
        for part in parts:
            node = _step(node, part, path, "")
        return node

    def with_cut(self, posts: int, on: date, team: str | None = None) -> Scenario:
        """A copy with `posts` posts removed on `on` (in `team`, or across the service)."""
        cut = {"at": on, "posts": posts, "team": team}
        cuts = [c.model_dump() for c in self.workforce.cuts] + [cut]
        return self.with_overrides({"workforce.cuts": cuts}, "--cut")

    def with_cohort(self, count: int, on: date, team: str | None = None) -> Scenario:
        """A copy with an extra NQSW cohort of `count` starting on `on`."""
        cohort = {"at": on, "count": count, "team": team}
        cohorts = [c.model_dump() for c in self.workforce.cohorts] + [cohort]
        return self.with_overrides({"workforce.cohorts": cohorts}, "--cohort")


def scheme_with_benchmarks(scheme: Scheme, benchmarks: Mapping[str, float]) -> Scheme:
    """`scheme` with a social worker's full-time benchmark replaced band by band.

    Entries for other roles only (students, family support practitioners) keep
    their values; order is kept, so the scheme's first-match rule still holds.
    """
    if not benchmarks:
        return scheme
    out: list[Benchmark] = []
    for entry in scheme.benchmarks:
        if entry.role is not None and Role.SOCIAL_WORKER not in entry.role:
            out.append(entry)
            continue
        every = [b.name for b in scheme.experience_bands]
        covered = every if entry.band is None else list(entry.band)
        targeted = [b for b in covered if b in benchmarks]
        for band in targeted:
            out.append(entry.model_copy(update={"band": (band,), "benchmark": benchmarks[band]}))
        if entry.band is None:
            out.append(entry)
        else:
            rest = tuple(b for b in entry.band if b not in benchmarks)
            if rest:
                out.append(entry.model_copy(update={"band": rest}))
    return scheme.model_copy(update={"benchmarks": tuple(out)})


# -------------------------------------------------------------- path helpers


def _pairs(settings: Mapping[str, Any] | Iterable[str], source: str) -> list[tuple[str, Any]]:
    if isinstance(settings, Mapping):
        return [(str(k), v) for k, v in settings.items()]
    pairs = []
    for item in settings:
        path, sep, text = item.partition("=")
        path = path.strip()
        if not sep or not path:
            raise InputError(source, "expected PATH=VALUE", found=item,
                             expected="for example referrals.rate=90")
        try:
            value = load_yaml(text) if text.strip() else None
        except (yaml.YAMLError, RecursionError):
            raise InputError(source, "the value is not valid YAML", field=path,
                             found=text) from None
        check_shape(value, source, path)
        pairs.append((path, value))
    return pairs


def _plain(value: Any) -> Any:
    """Tuples to lists, recursively, so paths can be changed in place."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _step(node: Any, part: str, path: str, source: str) -> Any:
    if isinstance(node, dict):
        if part not in node:
            raise InputError(source or None, "unknown setting", field=path,
                             expected="one of " + ", ".join(map(str, node)) if node else None)
        return node[part]
    if isinstance(node, list):
        try:
            return node[int(part)]
        except (ValueError, IndexError):
            raise InputError(source or None, "no such list item", field=path, found=part,
                             expected=f"an index from 0 to {len(node) - 1}") from None
    raise InputError(source or None, "unknown setting", field=path,
                     expected="a path to a scenario field")


def _set_path(data: dict[str, Any], path: str, value: Any, source: str) -> None:
    parts = path.split(".")
    node: Any = data
    for depth, part in enumerate(parts[:-1]):
        if isinstance(node, dict) and part not in node:
            if depth == 0:
                _step(node, part, path, source)  # raises with the known fields
            node[part] = {}
        elif isinstance(node, dict) and node[part] is None:
            node[part] = {}
        node = _step(node, part, path, source)
    last = parts[-1]
    if isinstance(node, list):
        try:
            node[int(last)] = value
        except (ValueError, IndexError):
            raise InputError(source, "no such list item", field=path, found=last,
                             expected=f"an index from 0 to {len(node) - 1}") from None
    elif isinstance(node, dict):
        if len(parts) == 1 and last not in node:
            _step(node, last, path, source)
        node[last] = value
    else:
        raise InputError(source, "unknown setting", field=path,
                         expected="a path to a scenario field")
