"""Sweeps: PATH=VALUES parsing, the grid validated before anything runs, and outcomes that
move the way the arithmetic says they must (load % = load / benchmark)."""

from __future__ import annotations

from datetime import date

import pytest

from allocopt.errors import InputError
from allocopt.io.scenario_file import load_scenario
from allocopt.whatif.parallel import TaskPool
from allocopt.whatif.runs import run_scenarios
from allocopt.whatif.sweep import Parameter, parse_parameter, parse_values, plan_points, sweep

from .conftest import ROOT

SINGLE_TEAM = ROOT / "scenarios" / "single_team.yaml"


@pytest.fixture(scope="module")
def team():
    return load_scenario(SINGLE_TEAM).with_overrides({"weeks": 13})


@pytest.mark.parametrize(("text", "values"), [
    ("40:60:5", (40, 45, 50, 55, 60)),
    ("40:58:5", (40, 45, 50, 55)),
    ("1:3", (1, 2, 3)),
    ("0.1:0.3:0.1", (0.1, 0.2, 0.3)),
    ("2.5:3.5:0.5", (2.5, 3, 3.5)),
    ("60,80,100", (60, 80, 100)),
    ("0.12, 0.2", (0.12, 0.2)),
    ("90", (90,)),
    ("weekly,daily", ("weekly", "daily")),
    ("[2027-04-01]", ([date(2027, 4, 1)],)),
])
def test_values(text, values):
    parsed = parse_values(text, "x")
    assert parsed == values
    assert [type(v) for v in parsed] == [type(v) for v in values]


@pytest.mark.parametrize(("text", "problem"), [
    ("60:40:5", "upwards"),
    ("40:60:0", "step must be above 0"),
    ("40:60:5:1", "START:STOP"),
    ("a:b", "needs numbers"),
    ("", "no values"),
    ("0:100000:1", "too many"),
])
def test_bad_values(text, problem):
    with pytest.raises(InputError, match=problem):
        parse_values(text, "referrals.rate")


def test_parameter_needs_path_and_values():
    assert parse_parameter("referrals.rate=60,80") == Parameter("referrals.rate", (60, 80))
    with pytest.raises(InputError, match="PATH=VALUES"):
        parse_parameter("referrals.rate")


def test_grid_of_two_settings_with_a_fixed_one(team):
    params = [parse_parameter("benchmarks.experienced=45:50:5"),
              parse_parameter("referrals.rate=6,8,10"),
              parse_parameter("workforce.turnover=0.2")]
    base, swept, fixed, points = plan_points(team, params)
    assert [p.path for p in swept] == ["benchmarks.experienced", "referrals.rate"]
    assert [p.path for p in fixed] == ["workforce.turnover"]
    assert base.workforce.turnover == 0.2
    assert [v for v, _ in points] == [(45, 6), (45, 8), (45, 10), (50, 6), (50, 8), (50, 10)]
    for (bench, rate), scenario in points:
        assert scenario.value("benchmarks.experienced") == bench
        assert scenario.referrals.rate == rate
        assert scenario.workforce.turnover == 0.2


def test_the_grid_is_validated_before_anything_runs(team):
    with pytest.raises(InputError, match="benchmark must be above 0") as e:
        plan_points(team, [parse_parameter("benchmarks.experienced=-5,50")])
    assert "-5" in e.value.message
    with pytest.raises(InputError, match="unknown setting"):
        plan_points(team, [parse_parameter("referals.rate=1,2")])
    with pytest.raises(InputError, match="too many settings swept"):
        plan_points(team, [parse_parameter("referrals.rate=6,8"),
                           parse_parameter("workforce.turnover=0.1,0.2"),
                           parse_parameter("benchmarks.experienced=45,50")])
    with pytest.raises(InputError, match="nothing to sweep"):
        plan_points(team, [parse_parameter("referrals.rate=6")])
    with pytest.raises(InputError, match="twice"):
        plan_points(team, [parse_parameter("referrals.rate=6,8"),
                           parse_parameter("referrals.rate=9")])


def test_a_higher_benchmark_lowers_load_pct_run_by_run(team):
    result = sweep(team, [parse_parameter("benchmarks.experienced=40:60:10")], runs=3, seed=5)
    assert [p.values for p in result.points] == [(40,), (50,), (60,)]
    loads = [[r.summary["load_pct_mean"] for r in p.runs] for p in result.points]
    # common random numbers: each run's load % falls as the benchmark rises
    for run in range(3):
        assert loads[0][run] > loads[1][run] > loads[2][run]
    spreads = [p.spread("load_pct_mean") for p in result.points]
    assert spreads[0].p10 <= spreads[0].p50 <= spreads[0].p90
    assert result.current() == (50.0,)


def test_a_sweep_point_equals_the_scenario_run_directly(team):
    result = sweep(team, [parse_parameter("referrals.rate=8,12")], runs=2, seed=9)
    with TaskPool() as pool:
        [direct] = run_scenarios([team], 2, 9, pool, series=("load_pct", "children_per_fte"))
    assert result.point(8).runs == direct
    assert result.point(12).runs != direct
    # the same referral stream, scaled: more referrals at the higher rate in every run
    assert all(b.summary["referrals"] > a.summary["referrals"]
               for a, b in zip(result.point(8).runs, result.point(12).runs, strict=True))
