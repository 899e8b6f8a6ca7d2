"""Round trip: a service simulated from a known scenario, written as an Annex A workbook
and an SSD extract, calibrates back to that scenario's figures within their intervals.

Each interval is a 95 % interval, so over many services about one figure in twenty
misses (with some fifteen figures, about half of all services miss at least one):
benchmarks/backtest_bench.py counts that across seeds. Here one service per extract
is checked figure by figure: seed 5 written as an SSD extract, seed 2 as an Annex A
workbook.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from allocopt.calibration.calibrate import StartingPoint, calibrate
from allocopt.calibration.estimate import Calibration, Settings, fit_durations
from allocopt.calibration.history import History, Referral, Spell
from allocopt.io.extracts.history import read_annex_a_history, read_ssd_history
from allocopt.io.extracts.history_writers import write_history_extracts, write_history_ssd
from allocopt.io.extracts.roster import read_overrides
from allocopt.io.scenario_file import load_scenario
from allocopt.simulation.history import simulate_history
from allocopt.simulation.scenario import Scenario

ON = date(2029, 4, 2)
TRUE = {
    "referrals.rate": 6.0,
    "referrals.children": 2.05,  # the mean of the national household sizes
    "pathway.rereferral.share": 0.2,
    "pathway.assessment.outcomes.NFA": 0.55,
    "pathway.assessment.outcomes.CIN": 0.30,
    "pathway.assessment.outcomes.CP": 0.11,
    "pathway.assessment.outcomes.CLA": 0.04,
    "pathway.assessment.s47_share": 0.35,
    "pathway.assessment.s47_conference": 0.4,
    "pathway.assessment.conference_cp": 0.6,
    "pathway.statuses.CIN.duration.median": 4.0,
    "pathway.statuses.CIN.duration.p90": 8.0,
    "pathway.statuses.CP.duration.median": 6.0,
    "pathway.statuses.CP.duration.p90": 10.0,
    "pathway.statuses.CLA.duration.median": 6.0,
    "pathway.statuses.CLA.duration.p90": 10.0,
}


def true_scenario() -> Scenario:
    """The single duty and assessment team, with re-referral and S47 conversion set."""
    return load_scenario("scenarios/single_team.yaml").with_overrides({
        "referrals.rate": 6, "pathway.rereferral": {"share": 0.2},
        "pathway.assessment.s47_conference": 0.4, "pathway.assessment.conference_cp": 0.6})


SSD_SEED, ANNEX_A_SEED = 5, 2


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ssd/ (with its roster) from one service, annex-a.xlsx and overrides.csv from another."""
    folder = tmp_path_factory.mktemp("roundtrip")
    write_history_extracts(folder, simulate_history(true_scenario(), ON, seed=ANNEX_A_SEED))
    write_history_ssd(folder / "ssd", simulate_history(true_scenario(), ON, seed=SSD_SEED))
    return folder


def _check(cal: Calibration, expect_used: set[str]) -> None:
    used = {e.key for e in cal.estimates if e.used and e.key in TRUE}
    assert expect_used <= used, f"fell back: {sorted(expect_used - used)}"
    for e in cal.estimates:
        if e.key in TRUE and e.used:
            assert e.low is not None and e.high is not None
            assert e.low <= TRUE[e.key] <= e.high, (e.key, e.value, e.low, e.high)
            assert e.low < e.high


def test_ssd_round_trip_recovers_every_figure(files: Path) -> None:
    history, _ = read_ssd_history(files / "ssd", ON)
    assert history.since >= true_scenario().start
    cal = calibrate(history, true_scenario(), Settings())
    _check(cal, set(TRUE))
    # The written setting for the referral rate is the new-referral rate.
    assert cal.settings["referrals.rate"] == pytest.approx(cal.estimate("referrals.rate").value,
                                                           abs=1e-3)
    durations = cal.settings["pathway.statuses.CP.duration"]
    assert durations["dist"] == "lognormal" and durations["unit"] == "weeks"


def test_annex_a_round_trip_recovers_what_a_year_can_tell(files: Path) -> None:
    history, report = read_annex_a_history(files / "annex-a.xlsx", ON,
                                           read_overrides(files / "overrides.csv"))
    assert history.since == date(2028, 4, 2)
    cal = calibrate(history, true_scenario(), Settings())
    expected = set(TRUE) - {"pathway.statuses.CLA.duration.median",
                            "pathway.statuses.CLA.duration.p90"}
    _check(cal, expected)
    # A year of looked-after spells is too few here: the national figure is kept and said.
    cla = cal.estimate("pathway.statuses.CLA.duration.median")
    assert not cla.used and "too few" in cla.note
    # Annex A holds no worker history.
    turnover = cal.estimate("workforce.turnover")
    assert not turnover.used and "Annex A holds no worker history" in turnover.note
    assert not report.cell_problems


def test_annex_a_without_households_falls_back_for_sizes(files: Path) -> None:
    history, _ = read_annex_a_history(files / "annex-a.xlsx", ON)
    cal = calibrate(history, true_scenario(), Settings())
    sizes = cal.estimate("referrals.children")
    assert not sizes.used and "Annex A has no household id" in sizes.note
    assert "referrals.children" not in cal.settings
    # The rate still comes out in households: children divided by the national mean size.
    rate = cal.estimate("referrals.rate")
    assert rate.used and rate.low is not None and rate.high is not None
    assert rate.low <= TRUE["referrals.rate"] <= rate.high


def test_too_few_records_keep_every_national_figure(files: Path) -> None:
    history, _ = read_ssd_history(files / "ssd", ON)
    cal = calibrate(history, true_scenario(), Settings(min_records=100_000))
    assert all(not e.used for e in cal.estimates)
    # The base sets re-referral and S47 conversion: its own figures are kept.
    assert cal.settings["referrals.rate"] == 6
    assert cal.settings["pathway.rereferral"]["share"] == 0.2
    assert cal.settings["pathway.assessment.s47_conference"] == 0.4
    assert "pathway.statuses.CP.duration" not in cal.settings
    # The baseline sets neither: the national figures, and its rate less re-referrals.
    baseline = load_scenario("scenarios/baseline.yaml")
    national = calibrate(history, baseline, Settings(min_records=100_000))
    assert national.settings["referrals.rate"] == pytest.approx(40 * (1 - 0.224), abs=1e-3)
    assert national.settings["pathway.rereferral"]["share"] == 0.224
    assert national.settings["pathway.assessment.s47_conference"] == 0.41
    assert "national figure [CIN23]" in national.comments["pathway.assessment.conference_cp"]


def test_staff_history_gives_turnover_and_vacancy_duration(tmp_path: Path) -> None:
    scenario = load_scenario("scenarios/single_team.yaml").with_overrides({
        "workforce.teams": [{"id": "T", "count": 6, "posts": 10}], "referrals.rate": 1,
        "workforce.turnover": 0.5, "workforce.vacancy_rate": 0.0,
        "workforce.recruitment.delay": {"dist": "lognormal", "median": 8, "p90": 20,
                                        "unit": "weeks"}})
    history_run = simulate_history(scenario, ON, seed=4)
    write_history_ssd(tmp_path / "ssd", history_run)
    history, _ = read_ssd_history(tmp_path / "ssd", ON)
    cal = calibrate(history, scenario, Settings())
    turnover = cal.estimate("workforce.turnover")
    assert turnover.used and turnover.low is not None and turnover.high is not None
    assert turnover.low <= 0.5 <= turnover.high
    delay = cal.estimate("workforce.recruitment.delay.median")
    assert delay.used and delay.low is not None and delay.high is not None
    assert delay.low <= 8 <= delay.high
    assert cal.settings["workforce.turnover"] == pytest.approx(turnover.value, abs=1e-3)


# --- censoring ---------------------------------------------------------------------------------


def test_lognormal_fit_with_most_spells_still_open() -> None:
    """Children in care for years, watched for one: most spells are still open."""
    rng = np.random.default_rng(11)
    median, p90 = 78.0, 260.0
    sigma = math.log(p90 / median) / 1.2815515655446004
    lengths = np.exp(math.log(median) + sigma * rng.standard_normal(600))
    watched = rng.uniform(0, 104, 600)  # started at a random time in two years
    ended = lengths[lengths <= watched]
    open_ = watched[lengths > watched]
    assert len(open_) > 0.6 * len(lengths)
    fit = fit_durations(list(ended), list(open_))
    assert fit is not None
    assert fit.median_low <= median <= fit.median_high
    assert fit.p90_low <= p90 <= fit.p90_high
    # Ignoring the open spells would be badly wrong.
    assert float(np.median(ended)) < 0.5 * median


def test_calibration_of_long_care_spells_from_a_history() -> None:
    """The same through calibrate(): a History whose looked-after periods are mostly open."""
    rng = np.random.default_rng(5)
    on, since = date(2028, 1, 1), date(2026, 1, 1)
    sigma = math.log(260 / 78) / 1.2815515655446004
    spells = []
    for i in range(400):
        start = since + timedelta(days=int(rng.integers(0, (on - since).days)))
        weeks = math.exp(math.log(78) + sigma * float(rng.standard_normal()))
        end = start + timedelta(days=round(weeks * 7))
        spells.append(Spell(f"C{i}", "CLA", start, end if end < on else None, f"row {i}"))
    history = History("SSD", "made up", on, since, spells=spells,
                      referrals=[Referral("C0", since, "row 0")])
    base = true_scenario()
    cal = calibrate(history, base, Settings())
    e = cal.estimate("pathway.statuses.CLA.duration.median")
    assert e.used and "still open (censored)" in e.note
    assert sum(1 for s in spells if s.end is None) > 0.6 * len(spells)
    assert e.low is not None and e.high is not None and e.low <= 78 <= e.high
    p90 = cal.estimate("pathway.statuses.CLA.duration.p90")
    assert p90.low is not None and p90.high is not None and p90.low <= 260 <= p90.high


def test_a_plan_ending_before_it_starts_is_reported_and_left_out(tmp_path: Path) -> None:
    folder = tmp_path / "ssd"
    folder.mkdir()
    (folder / "ssd_involvements.csv").write_text(
        "invo_person_id,invo_professional_id,invo_professional_role_id\n")
    (folder / "ssd_cp_plans.csv").write_text(
        "cppl_person_id,cppl_cp_plan_start_date,cppl_cp_plan_end_date\n"
        "C1,2028-03-01,2028-01-01\nC2,2028-01-01,2028-03-01\n")
    history, report = read_ssd_history(folder, ON)
    assert [s.child for s in history.spells] == ["C2"]
    assert any("ends before it starts" in p.problem and p.row == 2
               for p in report.cell_problems)


def test_a_teams_national_referral_rate_is_the_bases_scaled_to_its_posts(files: Path) -> None:
    # The baseline's 40 households a week are a 140-post service's: a team of 12 posts that
    # keeps the national figure gets 40 x 12 / 140 a week, not the whole service's referrals.
    history, _ = read_ssd_history(files / "ssd", ON)
    baseline = load_scenario("scenarios/baseline.yaml")
    assert sum(t.posts * t.count for t in baseline.workforce.teams) == 140
    start = StartingPoint("T", "long_term", 10, 60, 5, 90.0, 10.0,
                          {"assessment": 0.1, "CIN": 0.5, "CP": 0.2, "CLA": 0.2}, "test",
                          posts=12)
    cal = calibrate(history, baseline, Settings(min_records=100_000), start)
    assert cal.settings["workforce.teams"][0]["posts"] == 12
    assert cal.settings["referrals.rate"] == pytest.approx(40 * 12 / 140 * (1 - 0.224), abs=1e-3)
    assert "scaled to the 12 posts here" in cal.comments["referrals.rate"]
    total = cal.estimate("referrals.total")
    assert not total.used and total.national == pytest.approx(40 * 12 / 140)
    # with enough records the report sets the council's figure beside the scaled one
    used = calibrate(history, baseline, Settings(), start)
    assert used.estimate("referrals.total").national == pytest.approx(40 * 12 / 140)
    assert "scaled to the 12 posts here" in used.estimate("referrals.total").note


def test_new_referrals_are_counted_over_the_same_weeks_as_all_referrals() -> None:
    """On the shipped SSD example (76 weeks), new referrals were counted over the last 24
    weeks and all referrals over the whole extract, so 'new' (1.28 a week) came out above
    'all' (1.09). Now both cover the whole extract: new = all less the re-referral share."""
    from allocopt.io.extracts.build import ImportOptions
    from allocopt.io.extracts.calibrating import calibrate_sources, read_sources

    from .conftest import ROOT

    example = ROOT / "scenarios" / "examples" / "ssd"
    sources = read_sources("ssd", example / "extract", example / "roster.csv",
                           example / "overrides.csv", None)
    cal, _ = calibrate_sources(
        sources, ImportOptions(on=date(2026, 12, 1), team="North long-term team"),
        load_scenario(ROOT / "scenarios" / "baseline.yaml"), Settings())
    every, new = cal.estimate("referrals.total"), cal.estimate("referrals.rate")
    assert every.n == 83 and every.value == pytest.approx(83 / (cal.on - cal.since).days * 7)
    # No family in the example was referred again within a year of a closure.
    assert cal.estimate("pathway.rereferral.share").value == 0
    assert new.value == pytest.approx(every.value)
    assert new.low is not None and new.high is not None
    assert 0 <= new.low < new.value < new.high
