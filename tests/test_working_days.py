"""Working days: one calendar (England and Wales bank holidays) for scoring and simulation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from allocopt.io.scenario_file import load_scenario
from allocopt.io.schemes import load_scheme
from allocopt.schemes.scoring import score_case
from allocopt.simulation.runner import run_replication
from allocopt.working_days import (
    WorkingDayClock,
    add_working_days,
    bank_holidays,
    easter_sunday,
    is_working_day,
    working_days_between,
)
from tests.conftest import ROOT


def test_bank_holidays_as_published() -> None:
    assert sorted(bank_holidays(2026)) == [
        date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4),
        date(2026, 5, 25), date(2026, 8, 31), date(2026, 12, 25), date(2026, 12, 28)]
    assert sorted(bank_holidays(2027)) == [
        date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 29), date(2027, 5, 3),
        date(2027, 5, 31), date(2027, 8, 30), date(2027, 12, 27), date(2027, 12, 28)]
    # one-off changes: the platinum jubilee moved the spring holiday and added a day
    y2022 = bank_holidays(2022)
    assert {date(2022, 6, 2), date(2022, 6, 3), date(2022, 9, 19)} <= y2022
    assert date(2022, 5, 30) not in y2022 and date(2022, 1, 3) in y2022  # New Year in lieu
    assert [easter_sunday(y) for y in (2024, 2025, 2026, 2027, 2038)] == [
        date(2024, 3, 31), date(2025, 4, 20), date(2026, 4, 5), date(2027, 3, 28),
        date(2038, 4, 25)]


def test_working_days_across_christmas_and_easter() -> None:
    # Christmas 2026: Friday 25th and Monday 28th (Boxing Day in lieu) are holidays
    assert working_days_between(date(2026, 12, 24), date(2026, 12, 31)) == 3
    assert not is_working_day(date(2026, 12, 28)) and is_working_day(date(2026, 12, 29))
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)
    # Easter 2027: Good Friday 26 March and Easter Monday 29 March
    assert working_days_between(date(2027, 3, 25), date(2027, 4, 2)) == 4
    assert add_working_days(date(2027, 3, 25), 1) == date(2027, 3, 30)
    # a whole year: 261 weekdays in 2026, less 8 bank holidays
    assert working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 253
    assert working_days_between(date(2026, 5, 5), date(2026, 5, 5)) == 0


def test_brute_force_agrees_over_many_spans() -> None:
    start = date(2025, 12, 1)
    days = [start + timedelta(days=k) for k in range(500)]
    for a in days[::37]:
        for b in days[::11]:
            expected = sum(1 for d in days if a < d <= b and is_working_day(d))
            assert working_days_between(a, b) == expected


def test_simulation_clock_counts_the_same_working_days() -> None:
    origin = date(2026, 12, 21)  # a Monday
    clock = WorkingDayClock(origin)
    # Thursday 24th 09:00 to Tuesday 29th 09:00: the rest of the 24th and the morning of the 29th
    assert clock.between(3.375, 8.375) == pytest.approx(1.0)
    for a in range(0, 120, 7):
        for b in range(a, 400, 13):
            assert clock.between(a, b) == working_days_between(
                origin + timedelta(days=a - 1), origin + timedelta(days=b - 1))


def test_assessment_window_in_scoring_skips_easter() -> None:
    from allocopt.domain import Assessment, AssessmentKind, Child, Household, Status

    swindon = load_scheme("swindon")
    start = date(2027, 2, 1)  # Monday; Easter 2027 falls inside the 40 working days
    h = Household(id="H1", children=(Child(id="C1", status=Status.CP),),
                  assessment=Assessment(kind=AssessmentKind.S47, start=start))
    last = add_working_days(start, 40)
    assert last == date(2027, 3, 31)  # 38 weekdays to 26 March, then 30 and 31 March
    assert score_case(swindon, h, None, last).columns["assessment"] == 10
    assert "assessment" not in score_case(swindon, h, None, last + timedelta(days=1)).columns


def test_simulated_meetings_move_off_bank_holidays() -> None:
    # Weekly meetings on Monday, no duty allocation: the meeting of Monday 28 December
    # 2026 (Boxing Day in lieu) sits on Tuesday 29th; waits count working days only.
    scenario = load_scenario(ROOT / "scenarios" / "single_team.yaml").with_overrides({
        "start": "2026-12-14", "weeks": 3, "warmup_weeks": 0,
        "allocation.weekday": "monday", "allocation.daily_tiers": []})
    result = run_replication(scenario, 1, 0)
    dates = {a.allocated for a in result.allocations}
    assert date(2026, 12, 29) in dates and date(2026, 12, 28) not in dates
    assert all(is_working_day(d) for d in dates)
    for a in result.allocations:
        if a.waiting_since < a.allocated:
            whole = working_days_between(a.waiting_since, a.allocated)
            assert whole - 1 <= a.wait_working_days <= whole + 1
