"""Minutes of an allocation meeting: one implementation for the CLI and the board."""

from __future__ import annotations

import dataclasses
import io
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from allocopt.allocation.explain import explain
from allocopt.allocation.greedy import GreedyAllocator
from allocopt.io.meeting import load_meeting
from allocopt.report.allocation_view import meeting_minutes
from allocopt.report.minutes import (
    Decided,
    HouseholdLine,
    Load,
    Minutes,
    minutes_from_outcome,
    minutes_html,
    minutes_markdown,
    minutes_xlsx,
)

ROOT = Path(__file__).resolve().parents[1]
TEAM = ROOT / "scenarios" / "examples" / "team.yaml"


@pytest.fixture(scope="module")
def outcome():  # type: ignore[no-untyped-def]
    meeting = load_meeting(TEAM)
    return explain(meeting.problem, GreedyAllocator().allocate(meeting.problem)), meeting.title


def test_cli_minutes_are_the_shared_minutes(outcome) -> None:  # type: ignore[no-untyped-def]
    o, title = outcome
    text = meeting_minutes(o, title)
    assert text == minutes_markdown(minutes_from_outcome(o, title))
    assert text.startswith("# Allocation meeting: North long-term team, 01 December 2026\n")
    first = o.suggestions[0]
    row = next(line for line in text.splitlines() if line.startswith(f"| {first.household_id} |"))
    assert f"| {first.worker_id} |" in row
    assert f"{first.step_after.pct:.1f}% {first.step_after.band}" in row  # after this household
    # the CLI's minutes have no decision column: nothing was decided
    assert "| Decision |" not in text
    assert "## Escalation" in text and o.escalation.summary in text


def _decided_minutes() -> Minutes:
    line = HouseholdLine("R1", "CP", 3, 6.0, "W2", "lead", Load(90.0, "blue", "blue"),
                         Load(112.0, "red", "red"), "stays blue", ("W1: no room | really",))
    return Minutes(
        title="Team <b>A</b>", on=date(2026, 12, 1), scheme="Tower Hamlets", unit="points",
        decimals=1, method="CP-SAT optimiser, proven optimal", ceiling_band="amber",
        lines=(
            dataclasses.replace(line, decided=Decided(
                "overridden", reason="knows the family | <script>alert(1)</script>",
                hard_rule_override="band ceiling: W2 would go to 112.0% (red)",
                decided_by="TM", decided_at="2026-12-01 10:02", suggested_worker="W1")),
            dataclasses.replace(line, household_id="R2", worker_id="W1",
                                decided=Decided("accepted", decided_by="TM")),
            dataclasses.replace(line, household_id="R3", worker_id=None, before=None,
                                after=None, why="deferred to next week",
                                decided=Decided("deferred", reason="awaiting strategy meeting")),
            dataclasses.replace(line, household_id="R4", worker_id="W3"),
        ),
        escalation="Every waiting household is allocated within the hard rules.")


def test_decisions_are_in_the_markdown_with_overrides_marked() -> None:
    text = minutes_markdown(_decided_minutes())
    rows = {line.split(" | ")[0][2:]: line for line in text.splitlines()
            if line.startswith("| R")}
    assert "given to another worker (suggested: W1); HARD RULE OVERRIDDEN: band ceiling" in rows["R1"]
    # a reason cannot break the table: pipes become slashes
    assert "knows the family / <script>" in rows["R1"]
    assert rows["R1"].count(" | ") == rows["R2"].count(" | ") == 9
    assert "| accepted |" in rows["R2"] and "| TM |" in rows["R2"]
    assert "| deferred |" in rows["R3"] and "awaiting strategy meeting" in rows["R3"]
    assert "suggested, not yet decided" in rows["R4"]
    # deferred households name no worker, so they are not among "other workers considered"
    assert "- R3 to" not in text and "- R4 to W3. Next along: W1: no room / really." in text


def test_html_minutes_escape_text_and_print_cleanly() -> None:
    page = minutes_html(_decided_minutes())
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Team &lt;b&gt;A&lt;/b&gt;" in page
    assert "@media print" in page and "break-inside: avoid" in page
    assert 'class="overridden override"' in page
    # RAG as words, not colour alone
    assert "112.0% <b>red</b>" in page
    assert "<script" not in page.replace("&lt;script", "")


def test_html_minutes_of_a_cli_meeting(outcome) -> None:  # type: ignore[no-untyped-def]
    o, title = outcome
    page = minutes_html(minutes_from_outcome(o, title))
    for s in o.suggestions:
        assert f"<td>{s.household_id}</td>" in page
    for w in o.waiting:
        assert f"<td>{w.household_id}</td>" in page
    assert "Decision</th>" not in page


def test_every_form_of_the_minutes_says_who_decided_and_when() -> None:
    m = _decided_minutes()
    md = minutes_markdown(m)
    rows = {line.split(" | ")[0][2:]: line for line in md.splitlines() if line.startswith("| R")}
    assert "| Decision | Why | Decided by, when |" in md
    assert rows["R1"].endswith("| TM, 2026-12-01 10:02 |")
    assert rows["R2"].endswith("| TM |") and rows["R3"].endswith("|  |")  # time not known
    page = minutes_html(m)
    assert "<th>Decided by, when</th>" in page and "<td>TM, 2026-12-01 10:02</td>" in page
    sheet = openpyxl.load_workbook(io.BytesIO(minutes_xlsx(m)))["Decisions"]
    header = [c.value for c in sheet[1]]
    by_row = {r[0]: r[header.index("Decided by, when")]
              for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert by_row == {"R1": "TM, 2026-12-01 10:02", "R2": "TM", "R3": None, "R4": None}
