"""What a director asks of a scenario beyond caseloads: were the posts cut vacant or filled,
did NQSWs fill vacancies or new posts, and what do the staff cost a year."""

from __future__ import annotations

from datetime import date

import pytest

from allocopt.io.scenario_file import load_scenario
from allocopt.simulation.runner import run_replication

from .conftest import ROOT

TEAM = load_scenario(ROOT / "scenarios" / "single_team.yaml").with_overrides({"weeks": 12})


def test_staff_cost_is_workers_in_post_at_their_yearly_cost() -> None:
    # ten permanent experienced workers who never leave: ten permanent salaries a year
    quiet = TEAM.with_overrides({
        "workforce.turnover": 0, "workforce.vacancy_rate": 0, "workforce.agency_share": 0,
        "workforce.absence.sickness": 0, "workforce.staff": [{"share": 1.0, "months": [36, 240]}],
        "costs": {"permanent": 50000, "agency": 90000, "nqsw": 45000}})
    summary = run_replication(quiet, 1, 0).summary
    assert summary["staff_cost_per_year"] == pytest.approx(10 * 50000)
    # two NQSWs joining at the start in new posts add two NQSW salaries
    cohort = quiet.with_overrides({"workforce.cohorts": [{"at": date(2026, 4, 8), "count": 2}]})
    result = run_replication(cohort, 1, 0)
    assert result.summary["nqsw_new_posts"] == 2 and result.summary["nqsw_into_vacancies"] == 0
    # they start in the first week, so every week reported has them
    weekly = [r for r in result.week_rows if r.team == "ALL" and r.week > 0]
    assert all(r.nqsw == 2 and r.workers == 12 for r in weekly)
    assert result.summary["staff_cost_per_year"] == pytest.approx(10 * 50000 + 2 * 45000)
    # without costs in the scenario the cost is not measured
    no_costs = quiet.with_overrides({"costs": None})
    assert run_replication(no_costs, 1, 0).summary["staff_cost_per_year"] != \
        run_replication(no_costs, 1, 0).summary["staff_cost_per_year"]  # NaN


def test_part_time_workers_cost_their_share_by_fte() -> None:
    # ten permanent workers on 18.5 of 37 hours: five full-time salaries a year
    half = TEAM.with_overrides({
        "workforce.turnover": 0, "workforce.vacancy_rate": 0, "workforce.agency_share": 0,
        "workforce.absence.sickness": 0,
        "workforce.staff": [{"share": 1.0, "months": [36, 240], "hours": 18.5}],
        "costs": {"permanent": 50000, "agency": 90000, "nqsw": 45000}})
    result = run_replication(half, 1, 0)
    assert all(r.fte == pytest.approx(5.0) for r in result.week_rows if r.team == "ALL")
    assert result.summary["staff_cost_per_year"] == pytest.approx(5 * 50000)


def test_posts_cut_are_counted_by_who_held_them() -> None:
    # 3 of 10 posts vacant (none covered) and a cut of 5 in the first week: 3 vacant, 2 filled
    cut = TEAM.with_overrides({
        "workforce.vacancy_rate": 0.3, "workforce.agency_share": 0, "workforce.turnover": 0,
        "workforce.recruitment.agency_cover": 0,
        "workforce.cuts": [{"at": date(2026, 4, 8), "posts": 5}]})
    result = run_replication(cut, 2, 0)
    s = result.summary
    assert (s["posts_cut_vacant"], s["posts_cut_agency"], s["posts_cut_filled"]) == (3, 0, 2)
    kinds = {e.kind: e.count for e in result.events if e.kind.startswith("posts_cut")}
    assert kinds == {"posts_cut_vacant": 3, "posts_cut_filled": 2}


def test_a_cohort_fills_vacancies_first() -> None:
    cohort = TEAM.with_overrides({
        "workforce.vacancy_rate": 0.3, "workforce.agency_share": 0, "workforce.turnover": 0,
        "workforce.recruitment.agency_cover": 0,
        "workforce.cohorts": [{"at": date(2026, 4, 8), "count": 5}]})
    s = run_replication(cohort, 3, 0).summary
    assert (s["nqsw_into_vacancies"], s["nqsw_new_posts"]) == (3, 2)
