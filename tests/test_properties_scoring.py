"""Properties of scoring on random valid caseloads, under every shipped scheme:
it never crashes, every total is the sum of its breakdown, and more work never
lowers a worker's load."""

from __future__ import annotations

import math
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocopt.board import score_team
from allocopt.capacity import load_pct, rag_band
from allocopt.domain import (
    Assessment,
    AssessmentKind,
    Caseload,
    Child,
    CourtStage,
    Duty,
    Holding,
    Household,
    HouseholdKind,
    InterventionLevel,
    Role,
    Status,
    Team,
    TeamType,
    TravelBand,
    Worker,
    WorkItem,
)
from allocopt.io.schemes import load_scheme, shipped_names
from allocopt.schemes.model import Column, RatingRule, Scheme, WorkItemsRule
from allocopt.schemes.scoring import CO_WORKING_COLUMN, rating_range, score_case

ON = date(2026, 12, 1)
SCHEMES = {name: load_scheme(name) for name in shipped_names()}
# No shipped household exceeds a column maximum; this variant makes the caps bite.
_TH = SCHEMES["tower-hamlets"]
SCHEMES["tower-hamlets-capped"] = _TH.model_copy(update={"columns": tuple(
    Column(name=c.name, label=c.label, max={"base": 3, "status": 2}.get(c.name, c.max))
    for c in _TH.columns)})
PROFILE = settings(max_examples=100, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

schemes = st.sampled_from(sorted(SCHEMES)).map(SCHEMES.__getitem__)
days = st.integers(-120, 60).map(lambda n: ON + timedelta(days=n))


def item_kinds(schemes: list[Scheme]) -> list[str]:
    kinds = sorted({k for scheme in schemes for r in scheme.rules.values()
                    if isinstance(r, WorkItemsRule) for k in r.points})
    return [*kinds, "not_in_the_scheme"]


@st.composite
def work_items(draw: st.DrawFn, scheme: list[Scheme]) -> tuple[WorkItem, ...]:
    out = []
    for _ in range(draw(st.integers(0, 3))):
        start = draw(st.none() | days)
        end = draw(st.none() | days)
        if start and end and end < start:
            start, end = end, start
        out.append(WorkItem(kind=draw(st.sampled_from(item_kinds(scheme))), start=start, end=end,
                            count=draw(st.integers(1, 5)),
                            amount=draw(st.none() | st.floats(0, 40, allow_nan=False))))
    return tuple(out)


@st.composite
def children(draw: st.DrawFn, scheme: list[Scheme], prefix: str, n: int) -> tuple[Child, ...]:
    # Siblings often share a status (sibling-group rules need that to be tested).
    shared = draw(st.none() | st.sampled_from(list(Status)))
    return tuple(Child(
        id=f"{prefix}-{k}",
        status=shared or draw(st.sampled_from(list(Status))),
        age=draw(st.none() | st.integers(0, 25)),
        placement_travel=draw(st.sampled_from(list(TravelBand))),
        high_input=draw(st.booleans()),
        complex=draw(st.booleans()),
        disabled=draw(st.booleans()),
        work_items=draw(work_items(scheme)),
    ) for k in range(n))


@st.composite
def households(draw: st.DrawFn, scheme: list[Scheme], hid: str) -> Household:
    """A household valid under every scheme in `scheme` (ratings within their ranges)."""
    level = draw(st.none() | st.sampled_from(list(InterventionLevel)))
    assessment = None
    if draw(st.booleans()):
        start = ON - timedelta(days=draw(st.integers(0, 90)))
        done = draw(st.none() | st.integers(0, 90).map(lambda n: start + timedelta(days=n)))
        assessment = Assessment(kind=draw(st.sampled_from(list(AssessmentKind))), start=start,
                                completed=done)
    h = Household(
        id=hid,
        kind=draw(st.sampled_from(list(HouseholdKind))),
        children=draw(children(scheme, hid, draw(st.integers(1, 9)))),
        travel=draw(st.sampled_from(list(TravelBand))),
        multi_agency=draw(st.booleans()),
        court=draw(st.none() | st.sampled_from(list(CourtStage))),
        assessment=assessment,
        intervention_level=level,
        care_managed=draw(st.booleans()),
        co_working=draw(st.booleans()),
        closes_on=draw(st.none() | days),
        work_items=draw(work_items(scheme)),
    )
    ratings = {}
    for rule in (r for one in scheme for r in one.rules.values()):
        if isinstance(rule, RatingRule) and draw(st.booleans()):
            lo, hi, _ = rating_range(rule, h)  # valid input: within the agreed range
            ratings[rule.name] = draw(st.floats(lo, hi, allow_nan=False))
    return h.model_copy(update={"ratings": ratings})


@st.composite
def workers(draw: st.DrawFn, scheme: Scheme, wid: str) -> Worker:
    months = draw(st.integers(0, 240))
    y, m = divmod(ON.year * 12 + ON.month - 1 - months, 12)
    duties = tuple(Duty(kind=kind, amount=draw(st.none() | st.floats(0, 10, allow_nan=False)))
                   for kind in draw(st.lists(st.sampled_from(sorted(scheme.duties) or ["none"]),
                                             max_size=2, unique=True)))
    return Worker(id=wid, role=draw(st.sampled_from(list(Role))), qualified_on=date(y, m + 1, 1),
                  contracted_hours=draw(st.sampled_from([37, 29.6, 22.2, 18.5, 7.4])),
                  duties=duties)


@st.composite
def teams(draw: st.DrawFn, scheme: Scheme) -> tuple[Team, Caseload]:
    crew = tuple(draw(workers(scheme, f"W{i}")) for i in range(draw(st.integers(1, 4))))
    homes = [draw(households([scheme], f"H{i}")) for i in range(draw(st.integers(0, 8)))]
    holdings = []
    for h in homes:
        ids = tuple(c.id for c in h.children)
        owner = draw(st.none() | st.sampled_from([w.id for w in crew]))
        if owner is None:
            continue  # waiting for allocation
        held = ids[: draw(st.integers(1, len(ids)))]
        holdings.append(Holding(worker_id=owner, household_id=h.id, child_ids=held))
        others = [w.id for w in crew if w.id != owner]
        if others and draw(st.booleans()):
            holdings.append(Holding(worker_id=draw(st.sampled_from(others)), household_id=h.id,
                                    child_ids=held, role="secondary"))
    team = Team(id="T", type=draw(st.sampled_from(list(TeamType))), workers=crew)
    return team, Caseload(households=tuple(homes), holdings=tuple(holdings))


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@PROFILE
@given(data=st.data(), scheme=schemes)
def test_a_case_score_is_the_sum_of_its_breakdown(data, scheme):
    h = data.draw(households([scheme], "H"))
    role = data.draw(st.sampled_from(["lead", "secondary"]))
    case = score_case(scheme, h, None, ON, role)
    assert math.isfinite(case.total) and case.total >= 0
    assert close(case.total, math.fsum(case.columns.values()))
    assert close(case.total, math.fsum(line.points for line in case.lines))
    assert set(case.columns) <= {c.name for c in scheme.columns} | {CO_WORKING_COLUMN}
    for column, value in case.columns.items():
        assert close(value, math.fsum(ln.points for ln in case.lines if ln.column == column))
    for col in scheme.columns:
        if col.max is not None:
            assert case.columns.get(col.name, 0) <= col.max + 1e-9
    if role == "secondary":
        lead = score_case(scheme, h, None, ON, "lead")
        assert close(case.total, lead.total * scheme.co_working_share)


@PROFILE
@given(data=st.data(), scheme=schemes)
def test_board_totals_equal_the_sum_of_the_cases(data, scheme):
    team, caseload = data.draw(teams(scheme))
    board = score_team(scheme, team, caseload, ON)
    for row in board.workers:
        assert close(row.casework, math.fsum(c.total for c in row.cases))
        duties = row.capacity.duties_total if scheme.duties_count_as == "load" else 0.0
        assert close(row.load, row.casework + duties)
        assert row.load_pct == load_pct(row.load, row.capacity.benchmark)
        assert row.rag == rag_band(scheme, row.load_pct)
        assert close(row.spare, row.capacity.benchmark - row.load)
        assert row.capacity.benchmark >= 0
    s = board.summary
    assert close(s.total_load, math.fsum(r.load for r in board.workers))
    assert close(s.total_benchmark, math.fsum(r.capacity.benchmark for r in board.workers))
    assert sum(s.band_counts.values()) == s.workers == len(team.workers)
    assert close(s.spare - s.over, s.total_benchmark - s.total_load)
    assert s.children == sum(r.counts.children for r in board.workers)
    assert close(s.unallocated_load, math.fsum(u.total for u in board.unallocated))


@PROFILE
@given(data=st.data())
def test_adding_a_child_never_lowers_a_workers_load(data):
    every = list(SCHEMES.values())
    worker = data.draw(workers(SCHEMES["tower-hamlets"], "W")).model_copy(update={"duties": ()})
    homes = [data.draw(households(every, f"H{i}")) for i in range(data.draw(st.integers(1, 5)))]
    target = data.draw(st.integers(0, len(homes) - 1))
    extra = data.draw(children(every, "NEW", 1))[0]
    grown = list(homes)
    grown[target] = homes[target].model_copy(
        update={"children": (*homes[target].children, extra)})
    team = Team(id="T", workers=(worker,))

    def row(scheme: Scheme, hs: list[Household]):
        caseload = Caseload(households=tuple(hs), holdings=tuple(
            Holding(worker_id="W", household_id=h.id, child_ids=tuple(c.id for c in h.children))
            for h in hs))
        return score_team(scheme, team, caseload, ON).worker("W")

    for scheme in every:  # the same caseloads under every scheme
        before, after = row(scheme, homes), row(scheme, grown)
        assert after.load >= before.load - 1e-9, scheme.id
        assert after.load_pct >= before.load_pct, scheme.id
        assert scheme.band_index(after.rag.name) >= scheme.band_index(before.rag.name)


@PROFILE
@given(scheme=schemes, benchmark=st.floats(0, 500, allow_nan=False),
       loads=st.lists(st.floats(0, 1000, allow_nan=False), min_size=2, max_size=2))
def test_load_pct_and_rag_band_rise_with_the_load(scheme, benchmark, loads):
    low, high = sorted(loads)
    assert load_pct(low, benchmark) <= load_pct(high, benchmark)
    lo_band = rag_band(scheme, load_pct(low, benchmark))
    hi_band = rag_band(scheme, load_pct(high, benchmark))
    assert scheme.band_index(lo_band.name) <= scheme.band_index(hi_band.name)


def test_a_larger_sibling_group_never_weighs_less_exhaustively():
    """Every shipped scheme, every status, families of 1 to 10 (sibling thresholds)."""
    for scheme in SCHEMES.values():
        for status in Status:
            for flags in ({}, {"complex": True, "high_input": True, "age": 17}):
                totals = [score_case(scheme, Household(id="H", children=tuple(
                    Child(id=f"C{k}", status=status, **flags) for k in range(n))), None, ON).total
                          for n in range(1, 11)]
                assert totals == sorted(totals), (scheme.id, status, flags, totals)
