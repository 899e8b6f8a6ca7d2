"""The shapes of allocopt's JSON outputs, as pydantic models: the published schemas.

``allocopt.score/1`` (``score --format json``), ``allocopt.allocation/1``
(``allocate --format json``) and ``allocopt.simulate/1`` (``results.json`` of
``simulate --out``). The JSON Schema files in ``schemas/`` are generated from
these models (:mod:`allocopt.io.schemas`), and the tests check every writer's
output against them. Version 1 is stable: fields may be added, none removed or
renamed without a new version. Numbers that cannot be measured are null.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Num = float | None
"""A number, or null where it is not defined (no capacity, nothing to measure)."""


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SchemeRef(_Out):
    id: str = Field(description="Scheme id, e.g. tower-hamlets.")
    name: str = Field(description="Scheme name for people.")
    unit: str = Field(description="The scheme's unit: points, hours, cases, children.")


# ------------------------------------------------------------------- score/1


class ScoreLine(_Out):
    rule: str = Field(description="The scheme rule that gave the points.")
    column: str = Field(description="The scheme column the points count in.")
    points: Num
    why: str = Field(description="The rule in words, with the values it used.")


class ScoredCase(_Out):
    household_id: str
    child_ids: list[str] = Field(description="The children of the household this worker holds.")
    role: str = Field(description="lead or secondary (co-worker).")
    columns: dict[str, Num] = Field(description="Points by scheme column.")
    total: Num
    lines: list[ScoreLine]
    notes: list[str]


class DutyOut(_Out):
    kind: str
    label: str
    amount: Num
    why: str


class ScoredWorker(_Out):
    id: str
    name: str | None = Field(description="Only when the team file gives names.")
    role: str
    experience_months: int
    experience_band: str
    nqsw: bool
    fte: Num
    band_benchmark: Num = Field(description="Full-time benchmark of the experience band.")
    duties: list[DutyOut]
    benchmark: Num = Field(description="Personal benchmark: pro rata, less duties.")
    optimum: list[Num] | None = Field(description="Optimum range, where the scheme has one.")
    casework: Num
    load: Num
    load_pct: Num = Field(description="Load as a percentage of the personal benchmark.")
    rag: str = Field(description="The RAG band (blue, green, amber, red by default).")
    action: str = Field(description="What the band requires.")
    spare: Num
    surplus_pct: Num
    children: int
    households: int
    by_status: dict[str, int]
    long_travel: int
    outside_band: bool
    concentrations: list[str]
    caps: dict[str, Num]
    notes: list[str]
    cases: list[ScoredCase]


class TeamRef(_Out):
    id: str
    name: str | None
    type: str


class ScoreSummary(_Out):
    workers: int
    fte: Num
    total_load: Num
    total_benchmark: Num
    team_load_pct: Num
    average_load_pct: Num
    band_counts: dict[str, int]
    outside_band: list[str]
    spare: Num
    over: Num
    spare_fte: Num
    net_fte: Num
    children: int
    households: int
    by_status: dict[str, int]
    long_travel: int
    unallocated_households: int
    unallocated_children: int
    unallocated_load: Num


class ScoreOutput(_Out):
    """``allocopt score --format json``: the board."""

    model_config = ConfigDict(extra="forbid", title="allocopt.score/1")

    schema_: Literal["allocopt.score/1"] = Field(alias="schema")
    date: str = Field(description="Date scored at (ISO).")
    scheme: SchemeRef
    team: TeamRef
    workers: list[ScoredWorker]
    unallocated: list[ScoredCase]
    summary: ScoreSummary
    warnings: list[str]


# -------------------------------------------------------------- allocation/1


class StandingOut(_Out):
    load: Num
    load_pct: Num
    rag: str


class AlternativeOut(_Out):
    worker_id: str
    eligible: bool
    reason: str
    after: StandingOut | None


class SuggestionOut(_Out):
    household_id: str
    role: str
    worker_id: str
    tier: str
    waiting_days: int
    children: int
    statuses: str
    points: Num
    before: StandingOut | None = Field(description="The worker at the start of the meeting.")
    after: StandingOut | None = Field(description="The worker at the end of the meeting.")
    step_before: StandingOut | None = Field(
        description="The worker just before this household (households in the order listed).")
    step_after: StandingOut | None = Field(
        description="The worker just after this household (households in the order listed).")
    why: str
    alternatives: list[AlternativeOut]


class WaitingOut(_Out):
    rank: int
    household_id: str
    tier: str
    waiting_days: int
    children: int
    statuses: str
    points: Num
    reason: str


class WorkerChangeOut(_Out):
    id: str
    benchmark: Num
    before: StandingOut | None
    after: StandingOut | None
    added: Num
    households: list[str]
    available: bool
    note: str | None


class EscalationOut(_Out):
    needed: bool
    households: int
    children: int
    shortfall: Num
    shortfall_fte: Num
    unit: str
    workers_in_red: list[str]
    summary: str


class BreachOut(_Out):
    rule: str
    household_id: str | None
    worker_id: str | None
    reason: str


class SolverOut(_Out):
    name: str
    status: str
    time_limit_s: Num
    seed: int


class PolicyOut(_Out):
    ceiling_band: str
    rules_off: list[str]
    tiers: list[str]
    pins: int
    exclusions: int


class ObjectiveOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    placed_by_tier: dict[str, int]
    days_waited: Num
    moved_into_amber: Num
    max_load_pct: Num
    spread_pct_points: Num
    preference: Num


class AllocationOutput(_Out):
    """``allocopt allocate --format json``: the meeting."""

    model_config = ConfigDict(extra="forbid", title="allocopt.allocation/1")

    schema_: Literal["allocopt.allocation/1"] = Field(alias="schema")
    date: str
    scheme: SchemeRef
    team_type: str | None
    solver: SolverOut
    policy: PolicyOut
    objective: ObjectiveOut | None
    bound: ObjectiveOut | None
    suggestions: list[SuggestionOut]
    unallocated: list[WaitingOut]
    workers: list[WorkerChangeOut]
    escalation: EscalationOut
    conflicts: list[str]
    breaches: list[BreachOut]
    warnings: list[str]


# ---------------------------------------------------------------- simulate/1


class ScenarioRef(_Out):
    name: str
    description: str
    start: str
    weeks: int
    scheme: str
    teams: list[str]


class MetricOut(_Out):
    metric: str
    label: str
    unit: str
    runs: int
    mean: Num
    sd: Num
    ci_low: Num
    ci_high: Num
    p10: Num
    p50: Num
    p90: Num


class WeeklyOut(_Out):
    week: int
    date: str
    measure: str
    p10: Num
    p50: Num
    p90: Num
    mean: Num


class TierWaitsOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    tier: str


class ReplicationOut(_Out):
    replication: int
    summary: dict[str, Num]


class SimulateOutput(_Out):
    """``results.json`` written by ``allocopt simulate --out``: the headline results."""

    model_config = ConfigDict(extra="forbid", title="allocopt.simulate/1")

    schema_: Literal["allocopt.simulate/1"] = Field(alias="schema")
    scenario: ScenarioRef
    seed: int
    runs: int
    policy: str | None
    bands: list[str]
    metrics: list[MetricOut]
    weekly: list[WeeklyOut]
    waits_by_tier: list[TierWaitsOut]
    replications: list[ReplicationOut]
