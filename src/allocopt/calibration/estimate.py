"""The council's own figures, estimated from its history, each with a 95 % interval.

Pure functions of a :class:`~allocopt.calibration.history.History`: no files. Each
estimate names the records behind it and the national figure it would replace; with
fewer records than the threshold (``min_records``) the national figure is kept and the
estimate says so. Intervals come from well-kept library code: exact Poisson intervals
(chi-squared quantiles), Wilson intervals for shares (``scipy.stats.binomtest``), and for
durations a lognormal fitted with censoring (``scipy.stats.lognorm.fit`` on
``scipy.stats.CensoredData``: spells still open at the extract's date count as lasting
at least that long) with Wald intervals from the log-likelihood's curvature
(``scipy.differentiate.hessian``). The Kaplan-Meier median (``scipy.stats.ecdf``) is
given beside each fit as a check that needs no distribution.
"""

from __future__ import annotations

import math
import warnings
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from allocopt.calibration.history import History, Spell, SpellKind
from allocopt.simulation.scenario import Z90

Z95 = 1.959963984540054
"""The standard normal 97.5th percentile: a two-sided 95 % interval is +- Z95 standard errors."""

NATIONAL_REREFERRAL = 0.224
"""[CIN23] Re-referrals within 12 months of a previous referral, England, year to March 2023."""
NATIONAL_S47_CONFERENCE = 0.41
"""[CIN23] Initial child protection conferences per section 47 enquiry (about 81 thousand
conferences and 199 thousand enquiries), year to March 2023."""
NATIONAL_CONFERENCE_CP = 0.80
"""[CIN23] Conferences that lead to a child protection plan (assumption from the plans
started per conference held, rounded), year to March 2023."""


@dataclass(frozen=True)
class Settings:
    """How the calibration treats the records (command options)."""

    min_records: int = 30
    """Below this many records an estimate keeps the national figure."""
    nfa_days: int = 7
    """A case closed within this many days of its assessment ended with no further action."""
    outcome_days: int = 14
    """A CP plan or care starting within this many days of an assessment is its outcome."""


@dataclass(frozen=True)
class Estimate:
    """One figure: the council's value with its 95 % interval, or why it was not used."""

    key: str
    label: str
    unit: str
    value: float | None
    low: float | None
    high: float | None
    n: int
    source: str
    national: float | None
    used: bool
    note: str = ""

    @property
    def interval(self) -> str:
        if self.low is None or self.high is None:
            return "no interval"
        return f"{_num(self.low)} to {_num(self.high)}"


def _num(x: float) -> str:
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}"


@dataclass
class Calibration:
    """Every estimate, and the scenario settings the used ones give."""

    kind: str
    source: str
    on: date
    since: date
    estimates: list[Estimate] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def estimate(self, key: str) -> Estimate:
        for e in self.estimates:
            if e.key == key:
                return e
        raise KeyError(key)

    @property
    def fallbacks(self) -> list[Estimate]:
        """Estimates that kept the national figure."""
        return [e for e in self.estimates if not e.used]

    def add(self, estimate: Estimate) -> Estimate:
        self.estimates.append(estimate)
        return estimate

    def set(self, path: str, value: Any, comment: str) -> None:
        self.settings[path] = value
        self.comments[path] = comment


# --- intervals --------------------------------------------------------------------------------


def poisson_interval(count: int) -> tuple[float, float]:
    """Exact (Garwood) 95 % interval for a Poisson count."""
    from scipy import stats

    low = 0.0 if count == 0 else float(stats.chi2.ppf(0.025, 2 * count)) / 2
    high = float(stats.chi2.ppf(0.975, 2 * count + 2)) / 2
    return low, high


def share_interval(k: int, n: int) -> tuple[float, float]:
    """Wilson 95 % interval for a share k of n."""
    from scipy import stats

    if n == 0:
        return 0.0, 1.0
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return float(ci.low), float(ci.high)


@dataclass(frozen=True)
class DurationFit:
    """A lognormal fitted to spells with censoring: median and 90th percentile (weeks)."""

    n: int
    ended: int
    median: float
    median_low: float
    median_high: float
    p90: float
    p90_low: float
    p90_high: float
    km_median: float | None


def fit_durations(ended: Sequence[float], open_: Sequence[float]) -> DurationFit | None:
    """Lognormal fit of durations (weeks); `open_` are spells still open (right-censored).

    None when there are too few ended spells to fit (fewer than two, or no spread).
    """
    from scipy import differentiate, stats

    obs = np.asarray([max(x, 1 / 7) for x in ended], dtype=float)  # a same-day spell: a day
    cen = np.asarray([max(x, 1 / 7) for x in open_], dtype=float)
    if obs.size < 2 or float(np.ptp(np.log(obs))) == 0.0:
        return None
    data = stats.CensoredData(uncensored=obs, right=cen)
    fitted = stats.lognorm.fit(data, floc=0)
    sigma, scale = float(fitted[0]), float(fitted[2])
    mu = math.log(scale)
    lo, lc = np.log(obs), np.log(cen)

    def nll(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        m = x[0][..., None]
        sd = np.exp(x[1][..., None])
        out: np.ndarray[Any, Any] = -(stats.norm.logpdf(lo, m, sd).sum(-1)
                                      + stats.norm.logsf(lc, m, sd).sum(-1))
        return out

    hess = differentiate.hessian(nll, np.array([mu, math.log(sigma)])).ddf
    try:
        cov = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        return None
    se_mu = math.sqrt(max(float(cov[0, 0]), 0.0))
    # log P90 = mu + Z90 * exp(log sigma): the delta method for its variance.
    grad = np.array([1.0, Z90 * sigma])
    se_p90 = math.sqrt(max(float(grad @ cov @ grad), 0.0))
    log_p90 = mu + Z90 * sigma
    km = stats.ecdf(data).sf
    below = np.nonzero(km.probabilities <= 0.5)[0]
    km_median = float(km.quantiles[below[0]]) if below.size else None
    return DurationFit(int(obs.size + cen.size), int(obs.size), scale,
                       math.exp(mu - Z95 * se_mu), math.exp(mu + Z95 * se_mu),
                       math.exp(log_p90), math.exp(log_p90 - Z95 * se_p90),
                       math.exp(log_p90 + Z95 * se_p90), km_median)


def returned_within_year(waits: Sequence[float], unseen: Sequence[float]
                         ) -> tuple[float, float, float] | None:
    """The share of closed cases referred again within a year: one minus the Kaplan-Meier
    survival at 365 days of the time from closure to the next referral (`waits`), with
    closures followed for less than a year without one censored (`unseen`).

    Returns (share, low, high) with a 95 % interval (log-log), or None when no closure
    was followed long enough to estimate the year.
    """
    from scipy import stats

    if not waits:
        return None
    data = stats.CensoredData(uncensored=np.asarray(waits, float),
                              right=np.asarray(unseen, float))
    sf = stats.ecdf(data).sf
    longest = max([*waits, *unseen])
    at = min(365.0, longest)
    if at < 300:
        return None  # nobody followed for most of a year
    survive = float(sf.evaluate(at))
    with warnings.catch_warnings():
        # Undefined where the survival is 0 or 1 (the first and last times): expected.
        warnings.simplefilter("ignore", RuntimeWarning)
        band = sf.confidence_interval(confidence_level=0.95, method="log-log")
    low, high = float(band.low.evaluate(at)), float(band.high.evaluate(at))
    high_share = 1 - low if math.isfinite(low) else 1.0
    low_share = 1 - high if math.isfinite(high) else 0.0
    return 1 - survive, max(low_share, 0.0), min(high_share, 1.0)


# --- households ---------------------------------------------------------------------------------


def _weeks(a: date, b: date) -> float:
    return (b - a).days / 7


def household_spells(history: History, kind: SpellKind) -> list[Spell]:
    """One spell per household (siblings share their plans in the simulator's model)."""
    seen: dict[tuple[str, date], Spell] = {}
    for s in sorted(history.of_kind(kind), key=lambda s: (s.start, s.child)):
        key = (history.household_of(s.child), s.start)
        seen.setdefault(key, s)
    return list(seen.values())


def household_referrals(history: History) -> dict[tuple[str, date], list[str]]:
    """Referrals (not closed at referral) by (household, date): the children referred."""
    out: dict[tuple[str, date], list[str]] = defaultdict(list)
    for r in sorted(history.referrals, key=lambda r: (r.on, r.child)):
        if r.nfa:
            continue
        key = (history.household_of(r.child), r.on)
        if r.child not in out[key]:
            out[key].append(r.child)
    return dict(out)


def known_households(history: History) -> float:
    """The share of referred children whose household the extract (or override sheet) gives."""
    children = {r.child for r in history.referrals}
    if not children:
        return 0.0
    return sum(1 for c in children if c in history.households) / len(children)
