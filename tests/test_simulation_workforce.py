"""Workforce events in the simulator: leavers, notice, NQSW progression, cuts, cohorts,
benchmark changes, long absence, agency cover, and the referral rate over time."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from allocopt.allocation.greedy import GreedyAllocator
from allocopt.domain import Status
from allocopt.simulation.model import Service, SimWorker
from allocopt.simulation.records import SERVICE, ReplicationResult, WeekRow
from allocopt.simulation.runner import run_replication
from allocopt.simulation.scenario import Scenario, add_months
from allocopt.simulation.streams import Streams
from tests.simulation_support import START, quiet_workforce, small_scenario


def service(scenario: Scenario, seed: int = 1) -> Service:
    return Service(scenario, GreedyAllocator(), Streams(seed, 0))


def day_of(scenario: Scenario, d: date) -> float:
    return float((d - scenario.start).days)


def weeks_of(result: ReplicationResult) -> list[WeekRow]:
    return [r for r in result.week_rows if r.team == SERVICE]


def workforce(**extra: Any) -> dict[str, Any]:
    return quiet_workforce(10, **extra)


# ------------------------------------------------------------------ leavers


def test_a_leavers_cases_go_back_to_the_waiting_list_and_are_reallocated() -> None:
    scenario = small_scenario(posts=6, rate=2, weeks=12)
    s = service(scenario)
    census = s.start()
    s.env.run(until=20.5)
    team = s.teams[0]
    leaver: SimWorker = max(team.workers, key=lambda w: len(w.households))
    held = list(leaver.households.values())
    assert len(held) >= 3
    s.depart(leaver, "test")
    assert leaver not in team.workers and leaver.post.holder is None
    for hh in held:
        assert hh.worker is None
        assert team.waiting[hh.key] is hh and hh.wait_reason == "returned"
    event = next(e for e in s.events if e.kind == "unallocated_on_leaving")
    assert event.worker == leaver.id and event.count == len(held)
    s.env.run(until=census)
    out = s.finish()
    returned = {a.household for a in out.allocations if a.reason == "returned"}
    assert {hh.sid for hh in held if hh.closed is None or hh.first_allocated} & returned


def test_a_reallocated_household_continues_its_pathway() -> None:
    # Cases that change hands (leavers, long absence) keep their place on the pathway:
    # one assessment at the start, at most one closure, at the end.
    absence = {"sickness": 0.1, "sickness_spell": {"dist": "fixed", "value": 8},
               "reallocate_after_weeks": 2}
    scenario = small_scenario(posts=10, rate=5, weeks=40,
                              workforce=workforce(turnover=1.5, absence=absence))
    result = run_replication(scenario, 6, 0)
    assert {a.reason for a in result.allocations} >= {"returned", "absence"}
    for h in result.households:
        steps = h.path.split(">")
        assert not {"assessment", "S47"} & set(steps[1:]), h
        assert "close" not in steps[:-1], h


def test_a_worker_working_their_notice_takes_no_new_work() -> None:
    # High turnover so that many resign; the policy refuses work to anyone leaving
    # within 28 days, which covers the 4-week notice.
    scenario = small_scenario(posts=10, rate=5, weeks=40, workforce=workforce(turnover=2.0))
    result = run_replication(scenario, 3, 0)
    leavers = [e for e in result.events if e.kind == "leaver" and e.detail == "resigned"]
    assert len(leavers) >= 5
    for leaver in leavers:
        notice_from = leaver.date - timedelta(weeks=4)
        late = [a for a in result.allocations
                if a.worker == leaver.worker and notice_from < a.allocated <= leaver.date]
        assert not late, f"{leaver.worker} was given work while working their notice"


# ------------------------------------------------------------- NQSW progression


def nqsw_scenario(no_cp_months: int) -> Scenario:
    base = small_scenario(posts=6, rate=4, weeks=60)
    return base.with_overrides({
        "scheme.protections.nqsw_no_cp_months": no_cp_months,
        "workforce.cohorts": [{"month": 1, "count": 2}],
    })


@pytest.mark.parametrize("months", [9, 12])
def test_nqsw_cp_protection_ends_at_the_configured_month(months: int) -> None:
    scenario = nqsw_scenario(months)
    joined = add_months(START, 1)
    ends = add_months(joined, months)
    result = run_replication(scenario, 2, 0)
    nqsws = {e.worker for e in result.events if e.kind == "starter" and e.date == joined}
    assert len(nqsws) == 2
    ended = {e.worker: e.date for e in result.events if e.kind == "protection_end"}
    assert {ended[w] for w in nqsws} == {ends}
    early_cp = [a for a in result.allocations
                if a.worker in nqsws and a.tier == "CP" and a.allocated < ends]
    assert not early_cp
    assert result.summary["nqsw_breaches"] == 0 and result.summary["rule_breaches"] == 0


def test_nqsw_state_flips_on_the_day_and_benchmarks_rise_through_the_bands() -> None:
    scenario = nqsw_scenario(9)
    s = service(scenario)
    s.start()
    joined = add_months(START, 1)
    s.env.run(until=day_of(scenario, joined) + 0.5)
    nqsw = next(w for w in s.teams[0].workers if w.nqsw)
    assert nqsw.cp_protected and nqsw.benchmark == 30  # Tower Hamlets: first six months
    s.env.run(until=day_of(scenario, add_months(joined, 6)) + 0.5)
    assert nqsw.benchmark == 35 and nqsw.cp_protected  # 6-12 months
    s.env.run(until=day_of(scenario, add_months(joined, 9)) - 0.5)
    assert nqsw.cp_protected
    s.env.run(until=day_of(scenario, add_months(joined, 9)) + 0.5)
    assert not nqsw.cp_protected  # the protection ends at 9 months
    s.env.run(until=day_of(scenario, add_months(joined, 12)) + 0.5)
    assert nqsw.benchmark == 40 and not nqsw.nqsw  # second year


def test_cp_work_moves_away_from_a_protected_nqsw() -> None:
    # A child-in-need family held by an NQSW that goes onto a CP plan is transferred.
    scenario = nqsw_scenario(12)
    s = service(scenario)
    s.start()
    s.env.run(until=day_of(scenario, add_months(START, 1)) + 10)
    team = s.teams[0]
    nqsw = next(w for w in team.workers if w.cp_protected)
    cin = next(h for w in team.workers for h in w.households.values() if h.status == "CIN")
    if cin.worker is not nqsw:
        assert cin.worker is not None
        s.detach(cin.worker, cin)
        s.attach(nqsw, cin)
    s.restatus(cin, "CP")
    assert cin.worker is None and cin.key not in nqsw.households
    assert team.waiting[cin.key] is cin and cin.wait_reason == "transfer"
    assert nqsw.by_status.get(Status.CP, 0) == 0
    assert any(e.kind == "transfer" and e.household == cin.sid for e in s.events)


# ------------------------------------------------------------ cuts and cohorts


def test_a_cut_removes_posts_on_its_date() -> None:
    cut_day = date(2026, 6, 1)
    scenario = small_scenario(posts=10, rate=3, weeks=20).with_cut(3, cut_day)
    result = run_replication(scenario, 1, 0)
    for row in weeks_of(result):
        assert row.posts == (10 if row.date < cut_day else 7), row
    cut = [e for e in result.events if e.kind == "cut"]
    assert len(cut) == 1 and cut[0].date == cut_day and cut[0].count == 3
    # No vacancies: the three newest starters lose their posts and their cases wait again.
    gone = [e for e in result.events if e.kind == "leaver" and e.detail == "post cut"]
    assert len(gone) == 3 and {e.date for e in gone} == {cut_day}


def test_a_cut_takes_vacant_posts_before_people() -> None:
    slow = {"delay": {"dist": "fixed", "value": 200}, "agency_cover": 0}
    scenario = small_scenario(
        posts=10, rate=3, weeks=12,
        workforce=workforce(vacancy_rate=0.5, agency_share=0, recruitment=slow),
    ).with_overrides({"workforce.cuts": [{"month": 1, "posts": 2}]})
    result = run_replication(scenario, 4, 0)
    vacant = weeks_of(result)[0].vacancies
    assert vacant >= 2
    assert not [e for e in result.events if e.detail == "post cut"]
    assert weeks_of(result)[-1].posts == 8 and weeks_of(result)[-1].vacancies == vacant - 2


def test_a_cohort_fills_vacancies_first_then_adds_posts() -> None:
    slow = {"delay": {"dist": "fixed", "value": 200}, "agency_cover": 0}
    base = small_scenario(posts=10, rate=3, weeks=12,
                          workforce=workforce(vacancy_rate=0.5, agency_share=0, recruitment=slow))
    vacant = weeks_of(run_replication(base, 4, 0))[0].vacancies
    assert vacant >= 2
    scenario = base.with_overrides({"workforce.cohorts": [{"month": 1, "count": vacant + 2}]})
    result = run_replication(scenario, 4, 0)
    last = weeks_of(result)[-1]
    assert last.posts == 12 and last.vacancies == 0 and last.nqsw == vacant + 2
    cohort = next(e for e in result.events if e.kind == "cohort")
    assert cohort.detail.endswith(f"{vacant} filled vacancies, 2 new posts")


def test_agency_cover_until_the_permanent_recruit_arrives() -> None:
    # Every resignation opens a vacancy: a locum a week later, the recruit at ten weeks.
    recruitment = {"delay": {"dist": "fixed", "value": 10}, "agency_cover": 1.0,
                   "agency_delay": {"dist": "fixed", "value": 1},
                   "starters": [{"share": 1.0, "months": [24, 24]}]}
    scenario = small_scenario(posts=10, rate=3, weeks=40,
                              workforce=workforce(turnover=2.0, notice_weeks=0,
                                                  recruitment=recruitment))
    result = run_replication(scenario, 2, 0)
    vacancies = [e.date for e in result.events if e.kind == "vacancy"]
    locums = {e.worker: e.date for e in result.events if e.kind == "agency_start"}
    replaced = {e.worker: e.date for e in result.events
                if e.detail == "replaced by a permanent recruit"}
    assert len(locums) >= 5 and replaced
    assert sorted(locums.values()) == sorted(d + timedelta(weeks=1) for d in vacancies
                                             if d + timedelta(weeks=1) <= result.start
                                             + timedelta(weeks=40))
    for worker, left in replaced.items():
        assert left - locums[worker] == timedelta(weeks=9)


# ------------------------------------------------------- benchmarks and absence


def test_a_benchmark_change_applies_from_its_date() -> None:
    scenario = small_scenario(posts=10, rate=3, weeks=12).with_overrides(
        {"benchmark_changes": [{"at": "2026-05-04", "benchmarks": {"experienced": 40}}]})
    result = run_replication(scenario, 1, 0)
    rows = weeks_of(result)
    before = [r.benchmark for r in rows if r.date < date(2026, 5, 4)]
    after = [r.benchmark for r in rows if r.date >= date(2026, 5, 4)]
    assert set(before) == {500.0} and set(after) == {400.0}  # ten experienced full-timers
    assert any(e.kind == "benchmark_change" and e.date == date(2026, 5, 4) for e in result.events)


def test_a_long_sickness_sends_cases_back_to_waiting() -> None:
    absence = {"sickness": 0.3, "sickness_spell": {"dist": "fixed", "value": 6},
               "reallocate_after_weeks": 2, "leave_days": 0}
    scenario = small_scenario(posts=8, rate=3, weeks=26, workforce=workforce(absence=absence))
    result = run_replication(scenario, 5, 0)
    long = [e for e in result.events if e.kind == "long_absence"]
    assert long and all(e.count > 0 for e in long)
    assert any(a.reason == "absence" for a in result.allocations)


# ------------------------------------------------------------------ referrals


def test_referral_rate_follows_weekdays_seasonality_and_shocks() -> None:
    scenario = small_scenario(rate=10).with_overrides({
        "referrals.seasonality": [2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
        "referrals.shocks": [{"month": 6, "change": 0.2}],
    })
    s = service(scenario)
    mean = 13 / 12
    monday, saturday = 0, 5  # the scenario starts on a Monday
    assert s.referral_rate(saturday) == 0
    assert s.referral_rate(monday) == pytest.approx(10 / 5 / mean)  # April
    shock = day_of(scenario, add_months(START, 6))  # 6 October 2026, a Tuesday
    assert s.referral_rate(int(shock) - 1) == pytest.approx(10 / 5 / mean)
    assert s.referral_rate(int(shock)) == pytest.approx(1.2 * 10 / 5 / mean)
    january = day_of(scenario, date(2027, 1, 4))  # a Monday
    assert s.referral_rate(int(january)) == pytest.approx(1.2 * 2 * 10 / 5 / mean)


def test_a_ramp_reaches_the_full_change_over_its_months() -> None:
    scenario = small_scenario(rate=7).with_overrides({
        "referrals.weekdays_only": False,
        "referrals.shocks": [{"month": 0, "change": 0.5, "ramp_months": 2, "lasts_months": 6}]})
    s = service(scenario)
    month = 365.25 / 12
    assert s.referral_rate(0) == pytest.approx(1.0)
    assert s.referral_rate(round(month)) == pytest.approx(1 + 0.5 * round(month) / 2 / month)
    assert s.referral_rate(90) == pytest.approx(1.5)
    assert s.referral_rate(200) == pytest.approx(1.0)  # over after six months


def test_poisson_referrals_arrive_at_the_configured_rate() -> None:
    scenario = small_scenario(posts=20, rate=30, weeks=30)
    counts = [run_replication(scenario, 8, i).summary["referrals"] / 30 for i in range(4)]
    mean = sum(counts) / len(counts)
    # Poisson: sd of a 30-week mean of 4 runs is sqrt(30 / 120) = 0.5 a week.
    assert abs(mean - 30) < 3 * 0.5
