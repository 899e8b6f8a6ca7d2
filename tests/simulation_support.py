"""Shared helpers for the simulation tests: tiny scenarios built in code, theory values."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from allocopt.schemes.model import Scheme
from allocopt.simulation.scenario import Scenario

START = date(2026, 4, 6)  # a Monday

SINGLE_CASE = Scheme.model_validate({
    "id": "single-case",
    "name": "One household is one unit",
    "unit": "cases",
    "source": "test",
    "columns": [{"name": "cases", "label": "Cases"}],
    "rules": {"household": {"kind": "per_household", "column": "cases", "label": "household",
                            "points": 1}},
    "closure_keeps_month": False,
    "experience_bands": [{"name": "qualified", "label": "qualified", "from_months": 0}],
    "benchmarks": [{"benchmark": 1}],
    "rag": [{"name": "green", "up_to": 100, "colour": "green", "action": "none"},
            {"name": "red", "colour": "red", "action": "too many"}],
    "protections": {"nqsw_no_cp_months": 0},
    "team_view": {"reference_band": "qualified"},
})
"""A scheme where a worker of benchmark 1 holds exactly one household (a server)."""


def quiet_workforce(posts: int, **extra: Any) -> dict[str, Any]:
    """Experienced workers who never leave, fall sick or take leave."""
    data: dict[str, Any] = {
        "teams": [{"id": "T", "posts": posts}],
        "staff": [{"share": 1.0, "months": [120, 120]}],
        "absence": {"sickness": 0, "leave_days": 0},
    }
    data.update(extra)
    return data


def mmc_scenario(c: int, lam: float, mu: float, weeks: int, warmup: int) -> Scenario:
    """c servers of capacity one, Poisson arrivals (per day), exponential service, FCFS."""
    return Scenario.model_validate({
        "name": f"M/M/{c}",
        "start": START,
        "weeks": weeks,
        "warmup_weeks": warmup,
        "scheme": SINGLE_CASE,
        "referrals": {"rate": lam * 7, "weekdays_only": False, "children": {1: 1.0}},
        "pathway": {
            "assessment": {"s47_share": 0.0, "max_working_days": None,
                           "duration": {"dist": "exponential", "mean": 1 / mu, "unit": "days"},
                           "outcomes": {"NFA": 1.0}},
            "statuses": {},
            "court": None,
        },
        "workforce": quiet_workforce(c),
        "allocation": {"meetings": "continuous", "daily_tiers": [],
                       "policy": {"ceiling_band": "green"}},
        "initial": {"load_pct": 0, "spread": 0, "waiting": 0},
    })


def erlang_c(c: int, offered: float) -> float:
    """Probability an arrival waits in M/M/c with offered load a = lambda/mu (< c)."""
    head = sum(offered**k / math.factorial(k) for k in range(c))
    tail = offered**c / math.factorial(c) * c / (c - offered)
    return tail / (head + tail)


def mmc_wait(c: int, lam: float, mu: float) -> float:
    """Mean wait in the queue of M/M/c (Erlang C over the spare service rate)."""
    return erlang_c(c, lam / mu) / (c * mu - lam)


def tower_hamlets() -> Scheme:
    from allocopt.io.schemes import load_scheme

    return load_scheme("tower-hamlets")


PATHWAY: dict[str, Any] = {
    "assessment": {"s47_share": 0.3,
                   "duration": {"dist": "lognormal", "median": 20, "p90": 35,
                                "unit": "working_days"},
                   "outcomes": {"NFA": 0.5, "CIN": 0.3, "CP": 0.15, "CLA": 0.05}},
    "statuses": {
        "CIN": {"duration": {"dist": "lognormal", "median": 16, "p90": 40},
                "next": {"close": 0.9, "CP": 0.1}},
        "CP": {"duration": {"dist": "lognormal", "median": 26, "p90": 50},
               "next": {"CIN": 0.6, "CLA": 0.15, "close": 0.25}},
        "CLA": {"duration": {"dist": "lognormal", "median": 60, "p90": 150},
                "next": {"close": 1.0}},
    },
}
"""A compact pathway with every status and transition."""


def small_scenario(posts: int = 8, rate: float = 3.0, weeks: int = 26, **fields: Any) -> Scenario:
    """A small Tower Hamlets team with a quiet workforce; `fields` replace top-level parts."""
    data: dict[str, Any] = {
        "name": "small",
        "start": START,
        "weeks": weeks,
        "scheme": tower_hamlets(),
        "referrals": {"rate": rate},
        "pathway": PATHWAY,
        "workforce": quiet_workforce(posts),
        "initial": {"load_pct": 80, "spread": 10},
    }
    data.update(fields)
    return Scenario.model_validate(data)
