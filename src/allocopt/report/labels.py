"""Plain labels for everything a report shows: one table, never a slug or a settings path.

Reports (what-if pages, plots, the calibration report) show settings, outcomes,
scenarios, targets and dates to directors and service managers. They take every
such label from here, so a setting is "Benchmark of an experienced social
worker", not ``benchmarks.experienced``, and a scenario is "Single team", not
``single-team``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from allocopt.simulation.records import METRICS

SETTING_LABELS: dict[str, str] = {
    "weeks": "Weeks projected",
    "start": "First week",
    "referrals.rate": "Households referred a week",
    "referrals.trend": "Yearly growth in referrals",
    "referrals.shocks": "Changes in referrals",
    "referrals.weekdays_only": "Referrals on weekdays only",
    "workforce.turnover": "Staff leaving a year (share of posts)",
    "workforce.agency_turnover": "Agency staff leaving a year (share)",
    "workforce.vacancy_rate": "Posts vacant at the start",
    "workforce.agency_share": "Vacancies covered by agency staff at the start",
    "workforce.notice_weeks": "Weeks of notice",
    "workforce.cuts": "Posts cut",
    "workforce.cohorts": "NQSW cohorts",
    "workforce.teams": "Teams and posts",
    "workforce.recruitment.agency_cover": "Vacancies covered by agency staff",
    "workforce.absence.sickness": "Working time lost to sickness",
    "workforce.absence.leave_days": "Days of annual leave",
    "allocation.allocator": "How meetings allocate",
    "allocation.meetings": "How often work is allocated",
    "allocation.weekday": "Day of the allocation meeting",
    "allocation.daily_tiers": "Work allocated each day by duty",
    "allocation.policy.ceiling_band": "Highest band a worker may be moved into",
    "allocation.policy.horizon_days": "Days of leave ahead that stop new work",
    "allocation.policy.leaving_within_days": "Days before leaving that stop new work",
    "initial.load_pct": "Starting load %",
    "initial.waiting": "Households waiting at the start",
    "benchmarks": "Benchmarks",
    "benchmark_changes": "Changes of benchmark",
    "costs.permanent": "Cost of a permanent worker a year",
    "costs.agency": "Cost of an agency worker a year",
    "costs.nqsw": "Cost of an NQSW a year",
    "costs": "Costs of posts",
    "scheme": "Weighting scheme",
}
"""Settings by dotted path, in words."""

BAND_WORDS: dict[str, str] = {
    "nqsw_0_6": "an NQSW in the first 6 months",
    "nqsw_6_12": "an NQSW in months 6 to 12",
    "year_2": "a social worker in the second year",
    "year_3": "a social worker in the third year",
    "experienced": "an experienced social worker",
}
"""Experience bands of the shipped schemes, for benchmark settings."""

SHORT_METRIC_LABELS: dict[str, str] = {
    "load_pct_mean": "Load %",
    "children_per_fte": "Children per worker",
    "red_share_mean": "In red",
    "red_time_share": "Time in red",
    "high_risk_within_5": "CP/S47 in 5 days",
    "high_risk_wait_days_mean": "CP/S47 wait (days)",
    "waiting_mean": "Waiting",
    "waiting_end": "Waiting, last week",
    "unallocated_on_leaving": "Left unallocated",
    "escalations": "Escalations",
    "nqsw_breaches": "NQSW breaches",
    "staff_cost_per_year": "Cost a year",
}
"""Column heads where space is short (a terminal); reports use the full labels."""

_METRIC_LABELS = {m.name: m.label for m in METRICS}


def long_date(d: date) -> str:
    """``1 April 2027``."""
    return f"{d.day} {d:%B %Y}"


def lower_first(text: str) -> str:
    """``Households waiting`` -> ``households waiting``; ``CP/S47 work`` and ``S47
    enquiries`` stay as they are (only an ordinary capitalised first word is lowered)."""
    word = re.match(r"[^\s/]*", text)
    first = word.group(0) if word else ""
    if len(first) > 1 and first.isalpha() and first[0].isupper() and first[1:].islower():
        return text[0].lower() + text[1:]
    return text


def metric_label(name: str) -> str:
    """An outcome in words (``Households waiting (mean)``)."""
    return _METRIC_LABELS.get(name, _words(name))


def short_metric_label(name: str) -> str:
    """An outcome in a few words, for a narrow column."""
    return SHORT_METRIC_LABELS.get(name, metric_label(name))


def short_label_key(names: Sequence[str]) -> str:
    """What each short name of `names` stands for: ``Load %: Service load % (mean over
    weeks); ...`` (a table's caption)."""
    return "; ".join(f"{short_metric_label(m)}: {metric_label(m)}" for m in names)


def setting_label(path: str, band_labels: dict[str, str] | None = None) -> str:
    """A setting in words, from its dotted path (``benchmarks.experienced`` ->
    ``Benchmark of an experienced social worker``)."""
    if path in SETTING_LABELS:
        return SETTING_LABELS[path]
    parts = path.split(".")
    if parts[0] == "benchmarks" and len(parts) == 2:
        band = parts[1]
        words = BAND_WORDS.get(band) or (band_labels or {}).get(band) or _words(band)
        return f"Benchmark of {words}"
    if parts[:2] == ["workforce", "teams"] and len(parts) == 4 and parts[2].isdigit():
        return f"{_words(parts[3]).capitalize()} of team {int(parts[2]) + 1}"
    for cut in range(len(parts) - 1, 0, -1):
        head = ".".join(parts[:cut])
        if head in SETTING_LABELS:
            return f"{SETTING_LABELS[head]}: {_words(' '.join(parts[cut:]))}"
    return _words(" ".join(parts)).capitalize()


def _words(text: str) -> str:
    return re.sub(r"[_\-.]+", " ", text).strip()


def scenario_label(name: str) -> str:
    """A scenario's name as a title (``single-team`` -> ``Single team``)."""
    words = _words(name)
    return words[:1].upper() + words[1:] if words else name


def count(n: int | float, noun: str, plural: str | None = None) -> str:
    """``1 post``, ``3 posts``."""
    value = f"{n:g}" if isinstance(n, float) else str(n)
    return f"{value} {noun if n == 1 else (plural or noun + 's')}"


def setting_value(path: str, value: Any) -> str:
    """A setting's value in words (cuts, cohorts and shocks as events, shares as %)."""
    leaf = path.rsplit(".", 1)[-1]
    if value is None:
        return "not set"
    if isinstance(value, list | tuple):
        if not value:
            return "none"
        return "; ".join(_event(path, v) if isinstance(v, dict) else setting_value(path, v)
                         for v in value)
    if isinstance(value, dict):
        return _event(path, value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return long_date(value)
    if isinstance(value, float | int):
        if leaf in ("turnover", "agency_turnover", "vacancy_rate", "agency_share", "sickness",
                    "trend", "agency_cover", "change"):
            return f"{value * 100:g}%"
        if path.startswith("costs.") and leaf != "source":
            return f"£{value:,.0f}"
        return f"{value:g}"
    return _words(str(value)) if leaf in ("allocator", "meetings", "ceiling_band") else str(value)


def _when(v: dict[str, Any]) -> str:
    at = v.get("at")
    if isinstance(at, date):
        return f"on {long_date(at)}"
    if isinstance(at, str):
        try:
            return f"on {long_date(date.fromisoformat(at))}"
        except ValueError:
            return f"on {at}"
    if v.get("month") is not None:
        return f"after {count(int(v['month']), 'month')}"
    return ""


def _event(path: str, v: dict[str, Any]) -> str:
    where = f" in team {v['team']}" if v.get("team") else ""
    if "posts" in v:
        return f"{count(int(v['posts']), 'post')} cut {_when(v)}{where}".strip()
    if "count" in v:
        return f"{count(int(v['count']), 'NQSW')} starting {_when(v)}{where}".strip()
    if "change" in v:
        return f"referrals {float(v['change']) * 100:+g}% {_when(v)}".strip()
    if "benchmarks" in v:
        changes = ", ".join(f"{BAND_WORDS.get(k, _words(k))} {x:g}"
                            for k, x in v["benchmarks"].items())
        return f"benchmarks {changes} {_when(v)}".strip()
    return ", ".join(f"{_words(k)} {setting_value(f'{path}.{k}', x)}" for k, x in v.items()
                     if x is not None)


def scenario_changes(scenario: Any) -> list[tuple[date, str]]:
    """The dated changes of a scenario, in words, by date: what charts mark.

    Cuts, NQSW cohorts, changes of benchmark and changes in referrals.
    """
    s = scenario
    out: list[tuple[date, str]] = []
    for c in s.workforce.cuts:
        where = f" in team {c.team}" if c.team else ""
        out.append((c.date_from(s.start), f"{count(c.posts, 'post')} cut{where}"))
    for c in s.workforce.cohorts:
        if c.count:
            out.append((c.date_from(s.start), f"{count(c.count, 'NQSW')} start"))
    for b in s.benchmark_changes:
        out.append((b.date_from(s.start), "benchmarks change"))
    for shock in s.referrals.shocks:
        out.append((shock.date_from(s.start), f"referrals {shock.change * 100:+g}%"))
    return sorted(out)
