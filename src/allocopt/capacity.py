"""A worker's capacity: experience band, personal benchmark, load % and RAG band.

Personal benchmark = band benchmark x FTE, less standing duties where the scheme
deducts them [000 points template: part-time and extra duties pro rata]. Schemes
whose worked examples add duties to the load instead (the annex's points and
time templates) say ``duties_count_as: load``; the surplus is the same either way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from allocopt.domain import Role, TeamType, Worker
from allocopt.schemes.model import Benchmark, ExperienceBand, RagBand, Scheme

PCT_DIGITS = 9
"""Load % is rounded to this many decimals so that 55/50 is exactly 110 % (red)."""


@dataclass(frozen=True, slots=True)
class DutyLine:
    """One non-case duty and what it costs the worker, in the scheme's unit."""

    kind: str
    label: str
    amount: float
    why: str


@dataclass(frozen=True, slots=True)
class Capacity:
    """What a worker can safely carry at a date, and how it was worked out."""

    months: int
    band: ExperienceBand
    fte: float
    band_benchmark: float
    duties: tuple[DutyLine, ...]
    duties_total: float
    benchmark: float
    optimum: tuple[float, float] | None
    qualified: bool = True

    @property
    def nqsw(self) -> bool:
        """Newly qualified: a qualified role in an NQSW band (never a student or an FSP)."""
        return self.qualified and self.band.nqsw


def experience_band(scheme: Scheme, months: int) -> ExperienceBand:
    """The band a worker with `months` of completed practice falls in."""
    chosen = scheme.experience_bands[0]
    for band in scheme.experience_bands:
        if months >= band.from_months:
            chosen = band
    return chosen


_NQSW_ROLES = frozenset({Role.SOCIAL_WORKER, Role.SENIOR, Role.CONSULTANT})
"""Qualified social work roles: the only ones that can be newly qualified (ASYE)."""


def role_band(scheme: Scheme, role: Role, months: int) -> ExperienceBand:
    """The experience band whose benchmark, duties and protections apply to a worker.

    The bands a scheme marks ``nqsw`` (the first year of practice) carry the
    newly qualified social worker's package: the reduced benchmark, the count caps
    that apply to ``nqsw`` and the CP protection [004]. That is one definition,
    :func:`is_nqsw`: a qualified role in such a band. Other roles (family support
    practitioners, leaving-care advisers, students) in their first months are not
    NQSWs; they take the first band after the NQSW bands, or a benchmark of their
    own role where the scheme lists one.
    """
    band = experience_band(scheme, months)
    if not band.nqsw or role in _NQSW_ROLES:
        return band
    later = [b for b in scheme.experience_bands if not b.nqsw and b.from_months >= months]
    return min(later, key=lambda b: b.from_months) if later else band


def band_of(scheme: Scheme, worker: Worker, on: date) -> ExperienceBand:
    """The worker's band at `on` (:func:`role_band`), from their qualification or start date."""
    return role_band(scheme, worker.role, worker.experience_months(on))


def is_nqsw(scheme: Scheme, worker: Worker, on: date) -> bool:
    """Newly qualified: a qualified role in a band the scheme marks as NQSW."""
    return worker.role in _NQSW_ROLES and experience_band(scheme, worker.experience_months(on)).nqsw


def cp_protected(scheme: Scheme, worker: Worker, on: date) -> bool:
    """True while the NQSW protection forbids this worker a CP case [004]."""
    return (
        worker.role in _NQSW_ROLES
        and worker.experience_months(on) < scheme.protections.nqsw_no_cp_months
    )


def matching_benchmark(scheme: Scheme, role: Role, team_type: TeamType, band: str) -> Benchmark:
    """The first benchmark entry covering this role, team type and band."""
    for bm in scheme.benchmarks:
        if bm.matches(role, team_type, band):
            return bm
    raise LookupError(f"no benchmark for {role.value} / {team_type.value} / {band}")


def reference_benchmark(scheme: Scheme, team_type: TeamType = TeamType.LONG_TERM) -> float:
    """Full-time benchmark of an experienced social worker: the unit of 'one FTE'."""
    ref = scheme.team_view.reference_band
    return matching_benchmark(scheme, Role.SOCIAL_WORKER, team_type, ref).benchmark


def capacity(scheme: Scheme, worker: Worker, team_type: TeamType, on: date) -> Capacity:
    """Work out a worker's personal benchmark at `on`."""
    months = worker.experience_months(on)
    band = role_band(scheme, worker.role, months)
    entry = matching_benchmark(scheme, worker.role, team_type, band.name)
    full_time = entry.benchmark
    pct = scheme.protections.nqsw_benchmark_percent
    if pct is not None and band.nqsw and worker.role in _NQSW_ROLES:
        ref = matching_benchmark(scheme, worker.role, team_type, scheme.team_view.reference_band)
        full_time = ref.benchmark * pct / 100
    fte = worker.fte
    duties = duty_lines(scheme, worker, band, full_time * fte, fte)
    duties_total = math.fsum(d.amount for d in duties)
    benchmark = full_time * fte
    if scheme.duties_count_as == "benchmark":
        benchmark = max(benchmark - duties_total, 0.0)
    optimum = None
    if entry.optimum is not None:
        # The range moves with the benchmark: pro rata, less duties taken off it.
        off = duties_total if scheme.duties_count_as == "benchmark" else 0.0
        optimum = (max(entry.optimum[0] * fte - off, 0.0), max(entry.optimum[1] * fte - off, 0.0))
    return Capacity(months, band, fte, full_time, duties, duties_total, benchmark, optimum,
                    worker.role in _NQSW_ROLES)


def duty_lines(
    scheme: Scheme, worker: Worker, band: ExperienceBand, scaled_benchmark: float, fte: float
) -> tuple[DutyLine, ...]:
    """The worker's duties priced in the scheme's unit: standing ones, then their own.

    A worker's own entry of a standing kind replaces the standing default (the
    time template's example records 15 h of CPD where 10 % would give 14.8 h).
    """
    own = {d.kind for d in worker.duties}
    lines: list[DutyLine] = []
    for kind in scheme.standing_duties:
        if kind not in own:
            lines.append(_price(scheme, kind, None, 1.0, band, scaled_benchmark, fte))
    for duty in worker.duties:
        lines.append(_price(scheme, duty.kind, duty.amount, duty.count, band, scaled_benchmark, fte))
    return tuple(line for line in lines if line.amount)


def _price(
    scheme: Scheme,
    kind: str,
    amount: float | None,
    count: float,
    band: ExperienceBand,
    scaled_benchmark: float,
    fte: float,
) -> DutyLine:
    rule = scheme.duties.get(kind)
    label = rule.label if rule is not None else kind.replace("_", " ")
    if amount is not None:
        return DutyLine(kind, label, amount, f"{label}: agreed {amount:g}")
    if rule is None:
        return DutyLine(kind, label, 0.0, f"{label}: not in the scheme, no amount given")
    pct = rule.band_percents.get(band.name, rule.percent)
    fixed = rule.band_amounts.get(band.name, rule.amount)
    if pct is not None and band.name not in rule.band_amounts:
        value = scaled_benchmark * pct / 100 * count
        return DutyLine(kind, label, value, f"{label}: {pct:g}% of {scaled_benchmark:g}")
    if fixed is None:
        return DutyLine(kind, label, 0.0, f"{label}: no amount in the scheme")
    value = fixed * count * (fte if rule.pro_rata else 1.0)
    parts = [f"{fixed:g}"]
    if count != 1:
        parts.append(f"x {count:g}")
    if rule.pro_rata and fte != 1:
        parts.append(f"x FTE {fte:.2f}")
    return DutyLine(kind, label, value, f"{label}: {' '.join(parts)}")


def load_pct(load: float, benchmark: float) -> float:
    """Load as a percent of the personal benchmark (infinite if there is no capacity)."""
    if benchmark <= 0:
        return 0.0 if load <= 0 else math.inf
    return round(load / benchmark * 100, PCT_DIGITS)


def rag_band(scheme: Scheme, pct: float) -> RagBand:
    """The first RAG band whose bound admits `pct`."""
    for band in scheme.rag:
        if band.contains(pct):
            return band
    return scheme.rag[-1]


def acceptable_band(scheme: Scheme) -> RagBand:
    """The band a worker at exactly 100 % falls in (green by default, DOMAIN.md)."""
    return rag_band(scheme, 100.0)


def within_band(scheme: Scheme, load: float, benchmark: float, band_name: str) -> bool:
    """True if a load leaves the worker in band `band_name` or a lower one."""
    band = rag_band(scheme, load_pct(load, benchmark))
    return scheme.band_index(band.name) <= scheme.band_index(band_name)


def band_upper_bound(scheme: Scheme, band_name: str) -> tuple[float, bool] | None:
    """(load %, inclusive) a worker must stay under to remain in `band_name` or lower.

    None for the open-ended top band. `inclusive` is True for an 'up to' bound.
    """
    band = scheme.rag[scheme.band_index(band_name)]
    if band.below is not None:
        return band.below, False
    if band.up_to is not None:
        return band.up_to, True
    return None
