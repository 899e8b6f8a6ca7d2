"""User text reaches the terminal as written: square brackets are not markup (no crash, no
lost words) and control characters are shown as escapes, never sent to the terminal."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.text import Text

from allocopt.report.safe_text import SafeConsole, printable

from .conftest import run_cli

TEAM = """\
team: {id: t1, name: "North [/] team \\e[2J"}
as_of: 2026-12-01
caseload: caseload.csv
waiting: waiting.csv
workers:
  - {id: W01, name: "Jo [agency]", qualified_on: 2015-07-01}
  - {id: "W[b]2", name: "Al \\e]0;owned\\a", qualified_on: 2012-07-01}
"""
CASELOAD = "household_id,child_id,status,worker_id\n[H1],C1,CP,W01\nH2,C2,CIN,W[b]2\n"
WAITING = "household_id,child_id,status,referred_on\n[red]R1[/red],R1-1,CIN,2026-11-30\n"


@pytest.fixture
def team(tmp_path: Path) -> Path:
    (tmp_path / "team.yaml").write_text(TEAM, encoding="utf-8")
    (tmp_path / "caseload.csv").write_text(CASELOAD, encoding="utf-8")
    (tmp_path / "waiting.csv").write_text(WAITING, encoding="utf-8")
    return tmp_path / "team.yaml"


def assert_safe(out: str) -> None:
    assert "\x1b" not in out and "\x07" not in out  # nothing that drives the terminal


def test_the_board_prints_brackets_and_escapes_control_characters(team, monkeypatch, capsys):
    code, out, err = run_cli(monkeypatch, capsys, "score", team)
    assert code == 0, err
    assert_safe(out)
    flat = " ".join(out.split())
    assert "North [/] team \\x1b[2J" in flat
    assert "W01 Jo [agency]" in flat
    assert "W[b]2 Al \\x1b]0;own" in flat  # the name cut to the column, escapes shown


def test_explain_and_allocate_show_ids_with_brackets(team, monkeypatch, capsys):
    code, out, err = run_cli(monkeypatch, capsys, "explain", team, "W01")
    assert code == 0, err
    assert_safe(out)
    assert "[H1]" in out and "Jo [agency]" in out
    code, out, err = run_cli(monkeypatch, capsys, "allocate", team, "--solver", "greedy")
    assert code == 0, err
    assert_safe(out)
    assert "[red]R1[/red]" in out


def test_an_error_line_escapes_control_characters(tmp_path, monkeypatch, capsys):
    bad = tmp_path / "team\x1b[31m.yaml"
    code, _, err = run_cli(monkeypatch, capsys, "score", bad)
    assert code == 2
    assert_safe(err)
    assert err == f"error: {printable(str(bad))}: file not found\n"


def test_the_console_never_reads_markup_and_escapes_controls():
    console = SafeConsole(width=40, force_terminal=False, record=True)
    console.print("[bold]kept[/bold] \x1b[2J \x00")
    console.print(Text("text \x1b]0;x\x07"))
    text = console.export_text()
    # (rich itself drops a bell from a Text; the escape before it is shown)
    assert text.splitlines() == ["[bold]kept[/bold] \\x1b[2J \\x00", "text \\x1b]0;x"]


def test_printable():
    assert printable("Zoë O'Neil [agency]") == "Zoë O'Neil [agency]"
    assert printable("a\x00b\x1bc\u202e") == "a\\x00b\\x1bc\\u202e"
    assert printable("two\nlines\ttab") == "two lines tab"
