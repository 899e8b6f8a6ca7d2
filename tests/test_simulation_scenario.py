"""Scenario files: the shipped ones, inheritance, overrides by dotted path, clear errors,
and the duration distributions they are built from."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from allocopt.domain import months_between
from allocopt.errors import InputError
from allocopt.io.scenario_file import load_scenario
from allocopt.simulation.records import SERVICE
from allocopt.simulation.runner import run_replication
from allocopt.simulation.scenario import (
    Empirical,
    Exponential,
    Fixed,
    LogNormal,
    Scenario,
    Uniform,
    add_months,
)

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SHIPPED = sorted(p.name for p in SCENARIOS.glob("*.yaml"))


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario(SCENARIOS / "baseline.yaml")


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_scenario_loads(name: str) -> None:
    scenario = load_scenario(SCENARIOS / name)
    assert scenario.name and scenario.weeks == 104 and scenario.scheme.id == "tower-hamlets"


def test_the_shipped_set_is_complete() -> None:
    assert {"baseline.yaml", "referral_surge.yaml", "staffing_cut.yaml", "nqsw_intake.yaml",
            "benchmark_change.yaml", "single_team.yaml"} <= set(SHIPPED)


def test_baseline_cites_its_sources() -> None:
    text = (SCENARIOS / "baseline.yaml").read_text(encoding="utf-8")
    for source in ("Children's social work workforce", "2023",
                   "Characteristics of children in need"):
        assert source in text


def test_a_what_if_is_the_baseline_plus_its_lines(baseline: Scenario) -> None:
    cut = load_scenario(SCENARIOS / "staffing_cut.yaml")
    assert cut.name == "staffing-cut"
    assert len(cut.workforce.cuts) == 1 and cut.workforce.cuts[0].posts == 10
    same = cut.model_copy(update={"name": baseline.name, "description": baseline.description,
                                  "workforce": baseline.workforce})
    assert same == baseline


def test_null_removes_an_inherited_step() -> None:
    team = load_scenario(SCENARIOS / "single_team.yaml")
    assert team.pathway.statuses["CIN"].next == {"close": 1.0}
    assert team.pathway.statuses["CP"].next == {"close": 1.0}
    assert team.pathway.court is not None and team.pathway.court.probability == 0
    assert team.team_ids == ["DA"]


def test_extends_resolves_by_name_beside_the_file(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text((SCENARIOS / "baseline.yaml").read_text("utf-8"), "utf-8")
    (tmp_path / "mine.yaml").write_text("extends: base\nreferrals: {rate: 55}\n", "utf-8")
    mine = load_scenario(tmp_path / "mine.yaml")
    assert mine.referrals.rate == 55 and mine.name == "baseline"


# ------------------------------------------------------------------- errors


def write(tmp_path: Path, text: str, name: str = "bad.yaml") -> Path:
    (tmp_path / "base.yaml").write_text((SCENARIOS / "baseline.yaml").read_text("utf-8"), "utf-8")
    path = tmp_path / name
    path.write_text("extends: base\n" + text, "utf-8")
    return path


@pytest.mark.parametrize(("text", "field", "found", "expected"), [
    ("referrals: {rate: -5}\n", "referrals.rate", -5, "greater than or equal to 0"),
    ("workforce: {turnover: lots}\n", "workforce.turnover", "lots", "a valid number"),
    ("referrals: {rates: 5}\n", "referrals.rates", None, "only the documented fields"),
    ("pathway: {assessment: {outcomes: {NFA: 0.5, CIN: 0.31, CP: 0.12, CLA: 0.05}}}\n",
     "pathway.assessment", None, "add up to 1"),
    ("workforce: {cuts: [{at: 2020-01-01, posts: 3}]}\n", None, None, "before the scenario starts"),
    ("workforce: {cuts: [{posts: 3}]}\n", "workforce.cuts.0", None, "exactly one of at"),
    ("benchmarks: {veteran: 60}\n", None, None, "unknown experience band 'veteran'"),
    ("pathway: {statuses: {CIN: {duration: {dist: gamma, mean: 3}}}}\n",
     "pathway.statuses.CIN.duration.dist", "gamma", "lognormal"),
    ("pathway: {statuses: {CP: {duration: {dist: lognormal, median: 30, p90: 20}}}}\n",
     "pathway.statuses.CP.duration.lognormal", None, "p90 (20) must be above the median (30)"),
    ("allocation: {daily_tiers: [urgent]}\n", "allocation", None, "unknown tier 'urgent'"),
    ("workforce: {cohorts: [{month: 3, count: 2, team: X9}]}\n", None, None, "unknown team 'X9'"),
])
def test_bad_scenarios_name_the_file_the_field_and_what_was_expected(
    tmp_path: Path, text: str, field: str | None, found: object, expected: str,
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as err:
        load_scenario(path)
    e = err.value
    assert e.file == str(path)
    if field is not None:
        assert e.field == field
    if found is not None:
        assert e.found == found
    assert expected in (e.expected or "") + e.problem, e.message


def test_a_missing_parent_and_a_loop_are_reported(tmp_path: Path) -> None:
    lone = tmp_path / "lone.yaml"
    lone.write_text("extends: nowhere\n", "utf-8")
    with pytest.raises(InputError, match="scenario file not found"):
        load_scenario(lone)
    (tmp_path / "a.yaml").write_text("extends: b\n", "utf-8")
    (tmp_path / "b.yaml").write_text("extends: a\n", "utf-8")
    with pytest.raises(InputError, match="loop"):
        load_scenario(tmp_path / "a.yaml")


def test_yaml_on_is_not_a_date_key(tmp_path: Path) -> None:
    # YAML reads a bare `on` as true; the error says which key is meant.
    path = write(tmp_path, "workforce: {cuts: [{on: 2027-04-01, posts: 3}]}\n")
    with pytest.raises(InputError) as err:
        load_scenario(path)
    assert err.value.field is not None and err.value.field.startswith("workforce.cuts.0")


# ---------------------------------------------------------------- overrides


def test_overrides_by_dotted_path(baseline: Scenario) -> None:
    changed = baseline.with_overrides(["benchmarks.experienced=45", "referrals.rate=60",
                                       "workforce.teams.0.posts=12"])
    assert changed.benchmark_value("experienced") == 45
    assert changed.value("benchmarks.experienced") == 45
    assert changed.value("referrals.rate") == 60
    assert changed.workforce.teams[0].posts == 12
    assert baseline.benchmark_value("experienced") == 50  # the original is untouched
    scheme = changed.effective_scheme()
    students = [b for b in scheme.benchmarks if b.role is not None]
    assert students and students[0].benchmark == 15  # other roles keep theirs


def test_a_staffing_cut_in_one_line(baseline: Scenario) -> None:
    one = baseline.with_overrides(["workforce.cuts=[{at: 2027-04-01, posts: 3}]"])
    two = baseline.with_cut(3, date(2027, 4, 1))
    assert one.workforce.cuts == two.workforce.cuts
    assert two.workforce.cuts[0].date_from(two.start) == date(2027, 4, 1)
    cohort = baseline.with_cohort(5, date(2026, 9, 7))
    assert cohort.workforce.cohorts[-1].count == 5


def test_scheme_settings_can_be_overridden(baseline: Scenario) -> None:
    changed = baseline.with_overrides({"scheme.protections.nqsw_no_cp_months": 9})
    assert changed.scheme.protections.nqsw_no_cp_months == 9


@pytest.mark.parametrize(("setting", "field", "expected"), [
    ("referrals.rat=5", "referrals.rat", "only the documented fields"),
    ("nonsense=5", "nonsense", "one of name"),
    ("referrals.rate=-1", "referrals.rate", "greater than or equal to 0"),
    ("workforce.teams.7.posts=3", "workforce.teams.7.posts", "an index from 0 to 0"),
    ("weeks", None, "referrals.rate=90"),
])
def test_bad_overrides_are_input_errors(baseline: Scenario, setting: str, field: str | None,
                                        expected: str) -> None:
    with pytest.raises(InputError) as err:
        baseline.with_overrides([setting])
    assert err.value.field == field
    assert expected in (err.value.expected or ""), err.value.message


# ---------------------------------------------------------------- durations


@pytest.mark.parametrize("dist", [
    LogNormal(dist="lognormal", median=10, p90=25),
    LogNormal(dist="lognormal", mean=12, sd=6, unit="days"),
    Exponential(dist="exponential", mean=3, unit="months"),
    Fixed(dist="fixed", value=4),
    Uniform(dist="uniform", low=2, high=8, unit="working_days"),
    Empirical(dist="empirical", values=(1, 2, 10), weights=(0.5, 0.3, 0.2)),
])
def test_durations_have_the_stated_mean_and_steady_state_residual(
    dist: LogNormal | Exponential | Fixed | Uniform | Empirical,
) -> None:
    rng = np.random.default_rng(0)
    n = 40_000
    draws = np.array([dist.draw(rng) for _ in range(n)])
    mean = dist.mean_days()
    assert abs(draws.mean() - mean) < 4 * draws.std() / math.sqrt(n) + 1e-9
    # Time left of a spell under way in a steady state has mean E[X^2] / (2 E[X]).
    residual = np.array([dist.residual(rng) for _ in range(n)])
    expected = float((draws**2).mean() / (2 * draws.mean()))
    assert residual.mean() == pytest.approx(expected, rel=0.06)


def test_lognormal_quantiles() -> None:
    dist = LogNormal(dist="lognormal", median=10, p90=25)
    draws = np.array([dist.draw(np.random.default_rng(s)) for s in range(4000)]) / 7
    assert np.median(draws) == pytest.approx(10, rel=0.05)
    assert np.percentile(draws, 90) == pytest.approx(25, rel=0.08)


@pytest.mark.parametrize(("start", "months"), [
    (date(2026, 1, 31), 1), (date(2026, 1, 15), 9), (date(2025, 8, 29), 6), (date(2024, 2, 29), 12),
])
def test_add_months_agrees_with_experience_months(start: date, months: int) -> None:
    d = add_months(start, months)
    assert months_between(start, d) == months
    assert months_between(start, date.fromordinal(d.toordinal() - 1)) == months - 1


# -------------------------------------------------------------- calibration


def test_baseline_steady_state_matches_the_national_figures(baseline: Scenario) -> None:
    # [W23]: about 16 children per case-holding FTE; vacancy rate about 19 %.
    result = run_replication(baseline.with_overrides({"weeks": 52}), 1, 0)
    rows = [r for r in result.week_rows if r.team == SERVICE and r.week > 0]
    per_fte = sum(r.children_per_fte for r in rows) / len(rows)
    vacancy = sum(r.vacancies / r.posts for r in rows) / len(rows)
    assert 14 <= per_fte <= 19
    assert 0.15 <= vacancy <= 0.24
    assert result.summary["nqsw_breaches"] == 0
