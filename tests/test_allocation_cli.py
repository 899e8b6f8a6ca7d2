"""`allocopt allocate`, `recommend` and `rebalance` through the command line.

Successful runs go through typer's CliRunner; bad input goes through the real
entry point, which must exit 2 with one line on stderr and no traceback.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from allocopt.cli import app, main
from allocopt.io.allocation_export import ALLOCATION_SCHEMA, CSV_FIELDS

from .conftest import EXAMPLES

runner = CliRunner()
TEAM = EXAMPLES / "team.yaml"
WAITING = EXAMPLES / "waiting.csv"
POLICY = EXAMPLES / "policy.yaml"


def ok(*args: str | Path) -> str:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def fails(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
          *args: str | Path) -> str:
    """Run the real entry point; it must exit 2 with one clear line and no traceback."""
    monkeypatch.setattr("sys.argv", ["allocopt", *map(str, args)])
    with pytest.raises(SystemExit) as stop:
        main()
    out, err = capsys.readouterr()
    assert stop.value.code == 2, (out, err)
    assert "Traceback" not in err and err.startswith("error: ")
    return err


@pytest.fixture(scope="module")
def meeting_json() -> dict[str, object]:
    return json.loads(ok("allocate", TEAM, "--format", "json"))


def test_table_shows_suggestions_waiting_and_escalation() -> None:
    out = ok("allocate", TEAM)
    assert "Suggested allocations" in out and "R0009" in out
    assert "Not allocated (highest priority first)" in out
    assert "Escalation:" in out and "FTE of an experienced worker" in out
    for band in ("BLUE", "GREEN", "AMBER"):
        assert band in out


def test_json_follows_the_documented_schema(meeting_json: dict[str, object]) -> None:
    data = meeting_json
    assert data["schema"] == ALLOCATION_SCHEMA
    assert data["solver"] == {"name": "cp-sat", "status": "optimal", "time_limit_s": 10.0,
                              "seed": 0}
    assert set(data) == {"schema", "date", "scheme", "team_type", "solver", "policy", "objective",
                         "bound", "suggestions", "unallocated", "workers", "escalation",
                         "conflicts", "breaches", "warnings"}
    suggestions = data["suggestions"]
    assert isinstance(suggestions, list) and suggestions
    first = suggestions[0]
    assert set(first) >= {"household_id", "worker_id", "points", "before", "after", "why",
                          "alternatives"}
    assert data["breaches"] == [] and data["objective"] == data["bound"]
    placed = {s["household_id"] for s in suggestions}
    waiting = {u["household_id"] for u in data["unallocated"]}  # type: ignore[index]
    assert len(placed | waiting) == 12 and not placed & waiting


def test_json_is_byte_identical_on_repeat_and_the_waiting_file_is_the_default() -> None:
    one = ok("allocate", TEAM, "--format", "json")
    two = ok("allocate", TEAM, "--waiting", str(WAITING), "--policy", str(POLICY), "--format",
             "json")
    assert one == two


def test_greedy_solver_and_csv(tmp_path: Path) -> None:
    target = tmp_path / "meeting.csv"
    ok("allocate", TEAM, "--solver", "greedy", "--out", target)
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert tuple(rows[0]) == CSV_FIELDS
    assert {r["decision"] for r in rows} == {"allocate", "wait"}
    assert len({r["household_id"] for r in rows}) == 12
    assert not list(tmp_path.glob(".*.tmp"))


def test_markdown_minutes(tmp_path: Path) -> None:
    target = tmp_path / "minutes.md"
    ok("allocate", TEAM, "--format", "md", "--out", target)
    text = target.read_text()
    assert text.startswith("# Allocation meeting: North long-term team, 01 December 2026")
    for heading in ("## Decisions", "### Other workers considered",
                    "## Not allocated (highest priority first)", "## Escalation",
                    "## Workers after the meeting"):
        assert heading in text


def test_recommend_ranks_every_worker() -> None:
    out = ok("recommend", TEAM, "R0001")
    assert out.count("W") >= 10 and "not eligible" in out and "NQSW" in out
    data = json.loads(ok("recommend", TEAM, "R0001", "--format", "json"))
    assert [w["worker_id"] for w in data["workers"]][:2] == ["W03", "W01"]
    assert len(data["workers"]) == 10


def test_rebalance_plan(tmp_path: Path) -> None:
    out = ok("rebalance", TEAM)
    assert "out of red" in out and "W02" in out
    target = tmp_path / "plan.md"
    ok("rebalance", TEAM, "--format", "md", "--out", target)
    assert target.read_text().startswith("# Rebalancing plan: North long-term team")
    data = json.loads(ok("rebalance", TEAM, "--format", "json"))
    assert data["schema"] == "allocopt.rebalance/1" and data["still_red"] == ["W04"]


def test_a_pin_breaking_a_rule_is_explained(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("pins: [{household: R0001, worker: W05}]\n")
    out = ok("allocate", TEAM, "--policy", policy)
    assert "The pins cannot all be kept" in out and "NQSW protection" in out


@pytest.mark.parametrize(("args", "message"), [
    (["allocate", TEAM, "--waiting", EXAMPLES / "missing.csv"], "file not found"),
    (["allocate", TEAM, "--date", "31/31/2026"], "invalid --date"),
    (["allocate", TEAM, "--out", "x.txt"], "cannot tell what to write from the file name"),
    (["allocate", TEAM, "--out", "x.html", "--format", "md"], "--format does not match"),
    (["allocate", TEAM, "--format", "xlsx"], "a workbook needs a file"),
    (["rebalance", TEAM, "--out", "plan.csv"], "expected a file ending .json, .md"),
    (["recommend", TEAM, "R9999"], "no such waiting household"),
    (["allocate", TEAM, "--waiting", EXAMPLES / "caseload.csv"], "already has a worker"),
])
def test_bad_input_exits_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                           args: list[str | Path], message: str) -> None:
    assert message in fails(monkeypatch, capsys, *args)


@pytest.mark.parametrize(("policy", "message"), [
    ("ceiling_band: purple\n", "field 'ceiling_band': unknown band"),
    ("rules: {band_ceilings: false}\n", "unknown field"),
    ("pins: [{household: R0001, worker: W99}]\n", "field 'pins.0.worker': unknown worker"),
    ("exclusions: [{household: R0999, worker: W01}]\n", "not on the waiting list"),
    ("tiers: [CP, urgent]\n", "unknown priority tier"),
    ("time_limit_s: -1\n", "field 'time_limit_s'"),
    ("- not a mapping\n", "not a mapping"),
])
def test_bad_policy_exits_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                            tmp_path: Path, policy: str, message: str) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(policy)
    assert message in fails(monkeypatch, capsys, "allocate", TEAM, "--policy", path)


def test_policy_eligibility_merges_over_the_defaults(tmp_path: Path) -> None:
    from allocopt.domain import Role, Status
    from allocopt.io.policy_file import read_policy

    path = tmp_path / "policy.yaml"
    path.write_text("eligibility: {student: [CIN, supervision_order]}\n")
    policy = read_policy(path)
    assert policy.eligibility[Role.STUDENT] == (Status.CIN, Status.SUPERVISION_ORDER)
    assert policy.eligibility[Role.FAMILY_SUPPORT_PRACTITIONER] == (Status.CIN,)
