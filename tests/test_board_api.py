"""The meeting board through its HTTP API (Starlette's TestClient), every action.

The example team (scenarios/examples) with the CP-SAT optimiser suggests: R0009 and
R0004 to W03 (88 % now, 104 % after), R0006 to W01, R0012 to W06, R0010 to W05,
five CIN households to W09 (a family support practitioner at 48 %), and leaves the
CP households R0001 and R0008 waiting (no room under the amber ceiling).
"""

from __future__ import annotations

import logging
import re
import shutil
import socket
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from allocopt.errors import InputError
from allocopt.io.meeting import MeetingInputs, load_meeting
from allocopt.web.meeting import MeetingBoard
from allocopt.web.security import Access, AccessError

from .board_support import EXAMPLES, Tab, copy_team, decisions, make_board


@pytest.fixture(scope="module")
def meeting() -> MeetingInputs:
    return load_meeting(EXAMPLES / "team.yaml")


@pytest.fixture
def board(meeting: MeetingInputs, tmp_path: Path) -> MeetingBoard:
    b = make_board(meeting, f"sqlite:///{tmp_path / 'record.sqlite'}")
    yield b
    b.record.close()


@pytest.fixture
def any_board(meeting: MeetingInputs, record_url: Callable[[], str]) -> MeetingBoard:
    """A board on SQLite, then on PostgreSQL (the database behaviours run on both)."""
    b = make_board(meeting, record_url())
    yield b
    b.record.close()


@pytest.fixture
def tab(board: MeetingBoard) -> Tab:
    return Tab(board)


def _households_in_page_order(page: str) -> list[str]:
    return re.findall(r'data-household="([^"]+)"', page)


def test_board_shows_bars_waiting_list_and_suggestions(tab: Tab, board: MeetingBoard) -> None:
    page = tab.load()
    ex = board.ex
    expected = sorted((h for h in ex.households), key=lambda h: (h.tier, -h.waiting_days, h.id))
    assert _households_in_page_order(page) == [h.id for h in expected]
    assert [h.id for h in expected][:5] == ["R0009", "R0006", "R0001", "R0008", "R0004"]
    # every worker has a bar now and after, the band in words beside the colour
    w01 = page[page.index('id="worker-W01"'):page.index('id="worker-W02"')]
    assert 'aria-label="94.0% blue"' in w01 and 'aria-label="106.0% amber"' in w01
    assert '<b class="band band-blue">blue</b>' in w01
    w02 = page[page.index('id="worker-W02"'):page.index('id="worker-W03"')]
    assert w02.count('aria-label="110.0% red"') == 2
    # a suggestion with its reason and the next workers considered
    r9 = page[page.index('id="row-R0009"'):page.index('id="row-R0006"')]
    # before and after this household, reading the suggestions from the top down
    assert '<b class="suggested">W03</b>: 88.0% <span class="band band-blue">blue</span> &rarr; ' \
           '98.0% <span class="band band-green">green</span>' in r9
    assert "(104.0% amber with all suggested to W03)" in r9
    assert "moves from blue to green (98.0%)" in r9
    assert "Next workers considered" in r9 and "no room: would go to" in r9
    r1 = page[page.index('id="row-R0001"'):page.index('id="row-R0008"')]
    assert "Left waiting: no room: each of the 5 workers who may take it" in r1
    assert "Accept" not in r1
    # scripts come from the package, never a CDN
    assert '<script src="/static/htmx-2.0.11.min.js" defer></script>' in page
    assert "https://" not in page
    assert tab.client.get("/static/htmx-2.0.11.min.js").text.startswith("var htmx=")


def test_accept_records_the_suggestion(tab: Tab, board: MeetingBoard) -> None:
    reply = tab.act("R0009", "accept")
    assert reply.status_code == 200
    (row,) = board.record.decisions(board.meeting.id)
    assert (row.household_id, row.outcome, row.suggested_worker, row.chosen_worker) == (
        "R0009", "accepted", "W03", "W03")
    assert (row.pct_before, row.band_before, row.pct_after, row.band_after) == (
        88.0, "blue", 98.0, "green")
    assert (row.decided_by, row.revision, row.run_id) == ("Sam Rivers", 1, board.run.row.id)
    assert not row.hard_rule_override and row.reason is None
    # the row, the workers' bars, the summary and the message come back together
    assert 'id="row-R0009"' in reply.text and "Accepted" in reply.text
    assert 'id="workers" class="workers" hx-swap-oob="true"' in reply.text
    assert "R0009 to W03: accepted" in reply.text
    # without HTMX the form posts and the page reloads
    plain = tab.act("R0006", "accept", htmx=False) if False else tab.post(
        "/household/R0006/accept", revision_of="R0006", htmx=False)
    assert plain.status_code == 303 and plain.headers["location"].startswith("/?focus=R0006")
    assert decisions(board)[-1] == ("R0006", "accepted", "W01")


def test_every_change_needs_the_pages_csrf_token(board: MeetingBoard) -> None:
    a, b = Tab(board), Tab(board)
    no_token = a.client.post("/household/R0009/accept", data={"revision": "0"})
    assert no_token.status_code == 403 and "nothing was saved" in no_token.text
    others = a.client.post("/household/R0009/accept", data={"revision": "0", "csrf": b.token})
    assert others.status_code == 403
    foreign = a.client.post("/household/R0009/accept", data={"revision": "0", "csrf": a.token},
                            headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403
    assert a.client.post("/rerun", data={}).status_code == 403
    assert a.client.post("/chair", data={"chair": "X"}).status_code == 403
    assert decisions(board) == []


def test_a_decision_says_who_made_it(board: MeetingBoard) -> None:
    tab = Tab(board, chair=None)
    tab.load()
    reply = tab.act("R0009", "accept")
    assert reply.status_code == 422 and "Say who is deciding" in reply.text
    assert decisions(board) == []


def test_preview_then_give_to_another_worker(tab: Tab, board: MeetingBoard) -> None:
    chooser = tab.client.get("/household/R0012/choose")
    assert chooser.status_code == 200 and 'name="worker"' in chooser.text
    assert len(re.findall(r'<option value="W\d\d"', chooser.text)) == 10
    preview = tab.client.get("/preview", params={"household": "R0012", "worker": "W05"})
    assert preview.status_code == 200
    # W05: 27 of 30 points now; R0012 adds 2 points, 29/30 = 96.7 % (green)
    assert "90.0% blue now" in preview.text and "96.7%" in preview.text
    assert "Keeps every hard rule (the suggestion was W06)" in preview.text
    reply = tab.act("R0012", "assign", worker="W05")
    assert reply.status_code == 200, reply.text
    (row,) = board.record.decisions(board.meeting.id)
    assert (row.outcome, row.suggested_worker, row.chosen_worker) == ("overridden", "W06", "W05")
    assert (row.pct_after, row.band_after, row.hard_rule_override) == (
        pytest.approx(96.6666666, abs=1e-6), "green", False)
    # W05 is an NQSW: with R0012 the suggested R0010 would break the count cap (15 CIN)
    assert board.row("R0010").suggestion is None
    assert "NQSW caseload cap" in (board.row("R0010").withheld or "")
    # giving a household to the suggested worker is accepting it
    tab.act("R0002", "assign", worker="W09")
    assert decisions(board)[-1] == ("R0002", "accepted", "W09")


def test_against_a_preference_a_reason_is_required(tab: Tab, board: MeetingBoard) -> None:
    preview = tab.client.get("/preview", params={"household": "R0004", "worker": "W01"})
    assert "Goes against a preference: locality: works in North; the family lives in East " \
           "(W03 is suggested)" in preview.text
    refused = tab.act("R0004", "assign", worker="W01")
    assert refused.status_code == 422
    assert "A reason is needed: W01 goes against the preferences" in refused.text
    assert decisions(board) == []
    ok = tab.act("R0004", "assign", worker="W01", reason="W01 chairs the child's conference")
    assert ok.status_code == 200
    (row,) = board.record.decisions(board.meeting.id)
    assert row.reason == "W01 chairs the child's conference"
    assert row.against_preference == ("locality: works in North; the family lives in East "
                                      "(W03 is suggested)")
    # the minutes list the suggested worker first among those weighed, and never the
    # chosen worker as "no room" (the optimiser's words about its own plan)
    considered = next(x for x in tab.client.get("/minutes.md").text.splitlines()
                      if x.startswith("- R0004 to W01."))
    assert considered.startswith("- R0004 to W01. Next along: W03: suggested (takes W03 into "
                                 "amber (104.0%)")
    assert "W01:" not in considered and "W07: no room" in considered


def test_a_hard_rule_is_overridden_only_with_a_recorded_reason(tab: Tab,
                                                               board: MeetingBoard) -> None:
    preview = tab.client.get("/preview", params={"household": "R0001", "worker": "W05"})
    assert "Breaks a hard rule: NQSW protection (no CP work): W05 is an NQSW at 3 months" \
           in preview.text
    for data in ({"worker": "W05"}, {"worker": "W05", "override": "yes"},
                 {"worker": "W05", "reason": "only worker who speaks Polish"}):
        refused = tab.act("R0001", "assign", **data)
        assert refused.status_code == 422
        assert "W05 may not take R0001 under the hard rules" in refused.text
        assert "tick &#39;override a hard rule&#39;" in refused.text
    assert decisions(board) == []
    ok = tab.act("R0001", "assign", worker="W05", override="yes",
                 reason="only worker who speaks Polish; senior to co-work")
    assert ok.status_code == 200
    (row,) = board.record.decisions(board.meeting.id)
    assert row.outcome == "overridden" and row.hard_rule_override
    assert row.rules_overridden is not None
    assert row.rules_overridden.startswith("NQSW protection (no CP work): W05 is an NQSW")
    assert "band ceiling: W05 would go to 110.0% (red)" in row.rules_overridden
    assert (row.pct_after, row.band_after) == (110.0, "red")
    page = tab.load()
    r1 = page[page.index('id="row-R0001"'):page.index('id="row-R0008"')]
    assert "HARD RULE OVERRIDDEN: NQSW protection" in r1 and "hh state-overridden override" in r1
    minutes = tab.client.get("/minutes.md").text
    line = next(x for x in minutes.splitlines() if x.startswith("| R0001 |"))
    assert "HARD RULE OVERRIDDEN: NQSW protection" in line
    assert "only worker who speaks Polish" in line and "| Sam Rivers, " in line
    assert "Hard rules overridden by the manager: 1" in minutes


def test_defer_pin_exclude_and_rerun_with_decisions_fixed(tab: Tab, board: MeetingBoard) -> None:
    assert tab.act("R0008", "defer", reason="strategy meeting on Friday").status_code == 200
    # an exclusion needs a reason; the suggestion naming the worker is withheld at once
    assert tab.act("R0003", "exclude", worker="W09").status_code == 422
    assert tab.act("R0003", "exclude", worker="W09", reason="related to the mother"
                   ).status_code == 200
    assert board.row("R0003").suggestion is None
    assert "W09 was excluded at the meeting" in (board.row("R0003").withheld or "")
    # a pin must keep the hard rules; a good one withholds the other suggestion
    pin_refused = tab.act("R0001", "pin", worker="W05")
    assert pin_refused.status_code == 422 and "A pin must keep the hard rules" in pin_refused.text
    assert tab.act("R0005", "pin", worker="W01", reason="W01 did the assessment"
                   ).status_code == 200
    assert "pinned to W01" in (board.row("R0005").withheld or "")
    tab.act("R0012", "assign", worker="W05")
    last_id = board.record.decisions(board.meeting.id)[-1].id
    rerun = tab.post("/rerun")
    assert rerun.status_code == 200 and "Re-run 2" in rerun.text
    run = board.record.latest_run(board.meeting.id)
    assert run is not None and run.number == 2 and run.fixed_through == last_id
    placed = {h: w for h, w, role, _ in run.assignments if role == "lead"}
    assert placed["R0005"] == "W01"
    assert placed.get("R0003") != "W09"
    assert "R0008" not in placed and "R0012" not in placed  # deferred, decided: fixed
    # the re-run's problem carries the decision: W05 holds R0012 now (27 + 2 of 30)
    w05 = next(w for w in board.run.problem.workers if w.id == "W05")
    assert w05.load == pytest.approx(29.0)
    assert "R0012" not in {h.id for h in board.run.problem.households}


def test_a_decision_withholds_suggestions_it_makes_unsafe(tab: Tab, board: MeetingBoard) -> None:
    # W03 (88 %) is suggested R0009 (+10 %) and R0004 (+6 %). Given R0011 (+6 %) as well,
    # both would take W03 to 110 % (red): the lower priority of the two, R0004 (CP,
    # waited 0 days against 11), is withheld until a re-run; R0009 still fits (104 %).
    assert tab.act("R0011", "assign", worker="W03").status_code == 200
    assert board.row("R0009").suggestion is not None
    row = board.row("R0004")
    assert row.suggestion is None
    assert row.withheld is not None and row.withheld.startswith(
        "no longer safe after the decisions made (W03 would go to 110.0% (red)")
    assert board.view.withheld == 1
    w03 = next(w for w in board.view.workers if w.worker_id == "W03")
    assert (round(w03.decided.pct, 1), round(w03.after.pct, 1)) == (94.0, 104.0)
    page = tab.load()
    assert "1 withheld after decisions (re-run to place them)" in page


def test_corrections_are_new_rows(tab: Tab, board: MeetingBoard) -> None:
    tab.act("R0009", "accept")
    first = board.record.decisions(board.meeting.id)[0]
    again = tab.act("R0009", "assign", worker="W01")
    assert again.status_code == 422 and "give a reason to correct it" in again.text
    assert tab.act("R0009", "reopen").status_code == 422
    assert tab.act("R0009", "reopen", reason="accepted by mistake").status_code == 200
    assert board.row("R0009").state.decision is None
    assert board.row("R0009").suggestion is not None
    rows = board.record.decisions(board.meeting.id)
    assert [(r.outcome, r.revision, r.corrects) for r in rows] == [
        ("accepted", 1, None), ("reopened", 2, first.id)]
    tab.act("R0009", "defer", reason="")
    tab.act("R0009", "accept")  # already decided: refused
    assert [r.outcome for r in board.record.decisions(board.meeting.id)] == [
        "accepted", "reopened", "deferred"]
    fix = tab.act("R0009", "assign", worker="W03", reason="the family is ready now")
    assert fix.status_code == 200
    last = board.record.decisions(board.meeting.id)[-1]
    assert (last.outcome, last.revision, last.corrects) == ("accepted", 4, rows[-1].id + 1)
    csv_text = tab.client.get("/record.csv").text
    assert len(csv_text.strip().splitlines()) == 1 + 4


def test_two_tabs_on_one_household_one_wins_and_nothing_is_lost(any_board: MeetingBoard) -> None:
    board = any_board
    a, b = Tab(board, chair="Sam Rivers"), Tab(board, chair="Alex Moore")
    assert a.post("/household/R0009/accept", {"revision": "0"}).status_code == 200
    lost = b.post("/household/R0009/assign",
                  {"revision": "0", "worker": "W01", "reason": "B's careful reason"})
    assert lost.status_code == 409
    assert "R0009 was decided meanwhile in another tab (R0009 to W03: accepted, by Sam Rivers)" \
           in lost.text
    assert ">B&#39;s careful reason</textarea>" in lost.text
    assert '<option value="W01" selected' in lost.text
    assert decisions(board) == [("R0009", "accepted", "W03")]
    # the form that came back carries the new revision: submitting it is a correction
    revision = re.search(r'name="revision" value="(\d+)"', lost.text)
    assert revision is not None and revision.group(1) == "1"
    again = b.post("/household/R0009/assign", {"revision": "1", "worker": "W01",
                                               "reason": "B's careful reason"})
    assert again.status_code == 200
    assert decisions(board)[-1] == ("R0009", "overridden", "W01")


def test_a_tab_that_lost_is_told_what_won_before_anything_else(board: MeetingBoard) -> None:
    a, b = Tab(board, chair="Sam Rivers"), Tab(board, chair="Alex Moore")
    assert a.post("/household/R0009/accept", {"revision": "0"}).status_code == 200
    told = "R0009 was decided meanwhile in another tab (R0009 to W03: accepted, by Sam Rivers)"
    # accepting from the stale page: not "there is no suggestion to accept"
    again = b.post("/household/R0009/accept", {"revision": "0"})
    assert again.status_code == 409 and told in again.text
    # giving it to a worker the hard rules forbid (W05, an NQSW, and a CP household):
    # told what won, not why W05 may not take it, with the reason typed kept
    breach = b.post("/household/R0009/assign",
                    {"revision": "0", "worker": "W05", "reason": "speaks Polish"})
    assert breach.status_code == 409 and told in breach.text
    assert "may not take" not in breach.text and ">speaks Polish</textarea>" in breach.text
    assert re.search(r'name="revision" value="1"', breach.text)
    assert decisions(board) == [("R0009", "accepted", "W03")]


def test_bad_form_input_gets_a_clear_message(tab: Tab, board: MeetingBoard) -> None:
    missing = tab.post("/household/R0009/accept", {})
    assert missing.status_code == 422 and "reload the page" in missing.text
    hostile = tab.act("R0012", "assign", worker="<b>Jane Doe</b>")
    assert hostile.status_code == 422
    assert "the value given is not a worker in this team" in hostile.text
    assert "Jane" not in hostile.text
    long = tab.act("R0012", "assign", worker="W05", reason="x" * 1001)
    assert long.status_code == 422 and "too long" in long.text
    unknown = tab.post("/household/R9999/accept", {"revision": "0"})
    assert unknown.status_code == 422 and unknown.headers["hx-retarget"] == "#flash"
    assert "R9999 is not on this meeting&#39;s waiting list" in unknown.text
    assert tab.post("/household/R0009/delete", {"revision": "0"}).status_code == 404
    plain = tab.post("/household/R0004/assign", {"worker": "W01"}, revision_of="R0004",
                     htmx=False)
    assert plain.status_code == 422 and "<html" in plain.text
    assert "A reason is needed" in plain.text and "Allocation meeting" in plain.text
    empty_chair = tab.post("/chair", {"chair": "   "}, htmx=False)
    assert empty_chair.status_code == 422 and "Type the name of who is deciding" in empty_chair.text
    assert decisions(board) == []


def test_escalation_rebalance_minutes_history_and_csv_are_one_click_away(
        tab: Tab, board: MeetingBoard) -> None:
    page = tab.load()
    for href in ("/escalation", "/rebalance", "/minutes", "/minutes.md", "/minutes.xlsx",
                 "/history", "/record.csv"):
        assert f'href="{href}"' in page
    tab.act("R0009", "accept")
    tab.act("R0008", "defer", reason="awaiting strategy meeting")
    escalation = tab.client.get("/escalation").text
    assert board.run.outcome.escalation.summary.split(";")[0] in escalation
    assert "<td>R0001</td>" in escalation and "W02, W04" in escalation
    rebalance = tab.client.get("/rebalance").text
    assert "Rebalancing plan" in rebalance and board.rebalance().summary in rebalance
    html = tab.client.get("/minutes")
    assert html.status_code == 200 and "@media print" in html.text
    assert "<td>R0009</td>" in html.text and ">accepted<" in html.text
    md = tab.client.get("/minutes.md")
    assert md.headers["content-type"].startswith("text/markdown")
    lines = md.text.splitlines()
    r0009 = next(x for x in lines if x.startswith("| R0009 |"))
    assert r0009.count("| accepted |") == 1
    # who decided and when, the time as the record holds it
    at = board.record.decisions(board.meeting.id)[0].decided_at.astimezone()
    assert r0009.endswith(f"| Sam Rivers, {at:%d %b %Y %H:%M} |")
    deferred = next(x for x in lines if x.startswith("| R0008 |"))
    assert "| deferred |" in deferred and "awaiting strategy meeting" in deferred
    open_line = next(x for x in lines if x.startswith("| R0006 |"))
    assert "suggested, not yet decided" in open_line
    assert "Held on the meeting board: 2 of 12 households decided" in md.text
    xlsx = tab.client.get("/minutes.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    csv_reply = tab.client.get("/record.csv")
    assert csv_reply.headers["content-disposition"].startswith("attachment;")
    assert csv_reply.text.splitlines()[1].split(",")[:6] == [
        "2026-12-01", "north-lt", "1", "R0009", "1", "accepted"]
    history = tab.client.get("/history").text
    assert "Caseload history" in history and "W02" in history
    assert "in the top band" in history.lower() or "written plan" in history


def test_minutes_keep_the_reasons_of_the_run_a_decision_was_made_on(
        meeting: MeetingInputs, board: MeetingBoard, tab: Tab, tmp_path: Path) -> None:
    # R0009 is accepted from run 1; run 2 (the re-run) no longer suggests it, having
    # taken the decision as fixed. The minutes still give run 1's reason and the
    # next workers it considered, not "the manager's choice".
    suggested = board.run.suggestions[("R0009", "lead")]
    assert suggested.why.startswith("moves from blue to green (98.0%)")
    assert suggested.alternatives
    tab.act("R0009", "accept")
    tab.post("/rerun")
    assert board.run.row.number == 2 and ("R0009", "lead") not in board.run.suggestions

    def r0009(markdown: str) -> tuple[str, str]:
        lines = markdown.splitlines()
        row = next(x for x in lines if x.startswith("| R0009 |"))
        return row, next(x for x in lines if x.startswith("- R0009 to W03."))

    for shown in (board, make_board(meeting, f"sqlite:///{tmp_path / 'record.sqlite'}")):
        row, considered = r0009(Tab(shown).client.get("/minutes.md").text)
        assert "| accepted |" in row and f"| {suggested.why} |" in row
        assert "the manager's choice" not in row
        assert considered == ("- R0009 to W03. Next along: " + "; ".join(
            f"{a.worker_id}: {a.reason}" for a in suggested.alternatives) + ".")
    assert shown is not board and shown.run.row.number == 2  # read back after a restart
    shown.record.close()


def test_a_restarted_board_carries_on_with_every_confirmed_decision(
        meeting: MeetingInputs, record_url: Callable[[], str]) -> None:
    url = record_url()
    first = make_board(meeting, url)
    tab = Tab(first)
    tab.act("R0009", "accept")
    tab.act("R0004", "assign", worker="W01", reason="knows the school")
    tab.post("/rerun")
    before = [(r.id, r.state.revision, r.suggestion.worker_id if r.suggestion else None)
              for r in first.view.rows]
    first.record.close()
    second = make_board(meeting, url)
    assert second.meeting.reopened and second.meeting.id == first.meeting.id
    assert decisions(second) == [("R0009", "accepted", "W03"), ("R0004", "overridden", "W01")]
    assert second.run.row.number == 2  # the last run is read back, not run again
    assert [(r.id, r.state.revision, r.suggestion.worker_id if r.suggestion else None)
            for r in second.view.rows] == before
    second.record.close()


def test_a_restart_after_the_files_were_edited_runs_again_or_refuses(tmp_path: Path) -> None:
    team = copy_team(tmp_path)
    first = make_board(team)
    tab = Tab(first)
    tab.act("R0009", "accept")
    tab.act("R0008", "defer", reason="strategy meeting")
    assert first.row("R0003").suggestion is not None
    first.record.close()
    waiting = tmp_path / "waiting.csv"
    lines = waiting.read_text().splitlines()
    # R0003 (suggested in run 1) and R0008 (deferred) leave the list: run 1 no longer
    # matches, so the optimiser runs again; the decisions stand
    waiting.write_text("\n".join(x for x in lines if not x.startswith(("R0003,", "R0008,")))
                       + "\n")
    second = make_board(team)
    assert second.run.row.number == 2
    assert "run 1 no longer matched" in second.run.row.requested_by
    assert decisions(second) == [("R0009", "accepted", "W03"), ("R0008", "deferred", None)]
    assert "R0003" not in {r.id for r in second.view.rows}
    assert second.row("R0009").state.outcome == "accepted"
    minutes = Tab(second).client.get("/minutes.md").text
    assert "| accepted | the optimiser's suggestion |" in minutes
    second.record.close()
    # an allocated household taken off the list would vanish from W03's load: refused
    waiting.write_text("\n".join(x for x in lines if not x.startswith("R0009,")) + "\n")
    with pytest.raises(InputError, match=r"waiting.csv: the meeting of 01 Dec 2026 has "
                       r"allocations recorded for R0009 \(no longer on the waiting list\)"):
        make_board(team)


def test_access_loopback_only_unless_a_secret_is_set(board: MeetingBoard) -> None:
    loopback = Access.for_server("127.0.0.1", 8000, None)
    tab = Tab(board, access=loopback, chair=None, base_url="http://127.0.0.1:8000")
    assert tab.client.get("/").status_code == 200
    rebound = tab.client.get("/", headers={"host": "evil.example:8000"})
    assert rebound.status_code == 400
    with pytest.raises(AccessError, match="set a secret first"):
        Access.for_server("0.0.0.0", 8000, None)
    with pytest.raises(AccessError, match="at least 16 characters"):
        Access.for_server("0.0.0.0", 8000, "short")
    guarded = Access.for_server("0.0.0.0", 8000, "correct horse battery staple")
    tab = Tab(board, access=guarded, chair=None)
    first = tab.client.get("/")
    assert first.status_code == 303 and first.headers["location"] == "/login"
    assert tab.client.get("/minutes.md").status_code == 303
    tab.load("/login")
    wrong = tab.client.post("/login", data={"secret": "guess", "csrf": tab.token})
    assert wrong.status_code == 403 and "not the board&#39;s secret" in wrong.text
    right = tab.client.post("/login", data={"secret": "correct horse battery staple",
                                            "csrf": tab.token})
    assert right.status_code == 303
    assert tab.client.get("/").status_code == 200
    headers = tab.client.get("/").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"


def test_childrens_names_only_when_allowed_and_never_in_logs(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    team = copy_team(tmp_path)
    waiting = (EXAMPLES / "waiting.csv").read_text().splitlines()
    waiting[0] += ",name"
    waiting = [waiting[0]] + [line + (",Alice Example" if line.startswith("R0009,") else ",")
                              for line in waiting[1:]]
    (tmp_path / "waiting.csv").write_text("\n".join(waiting) + "\n")
    hidden = make_board(team)
    assert "Alice" not in Tab(hidden).load()
    hidden.record.close()
    shutil.copy(tmp_path / "team.record.sqlite", tmp_path / "kept.sqlite")
    caplog.set_level(logging.INFO, logger="allocopt.web")
    shown = make_board(team, show_names=True)
    tab = Tab(shown, chair="Sam Rivers")
    page = tab.load()
    assert '<span class="names">(Alice Example)</span>' in page
    assert "Amira Khan" in page  # workers' names too, with the setting
    tab.act("R0009", "assign", worker="W01", reason="Alice Example knows W01")
    tab.client.get("/preview", params={"household": "R0009", "worker": "W01"})
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "POST /household/R0009/assign 200" in logged
    for personal in ("Alice", "Sam Rivers", "Amira", "knows"):
        assert personal not in logged
    # the record holds ids and what the manager typed, never the children's names field
    assert (tmp_path / "team.record.sqlite").exists()
    shown.record.close()


def test_an_unexpected_error_says_nothing_was_saved_and_logs_only_its_type(
        board: MeetingBoard, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    tab = Tab(board)

    def broken() -> None:
        raise ValueError("Alice Example, 12 Acacia Avenue")

    monkeypatch.setattr(board, "minutes", broken)
    caplog.set_level(logging.INFO, logger="allocopt.web")
    reply = tab.client.get("/minutes.md")
    assert reply.status_code == 500 and "nothing was saved" in reply.text
    assert "Alice" not in reply.text
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "error on GET /minutes.md: ValueError" in logged and "Alice" not in logged
    huge = tab.client.post("/household/R0009/accept",
                           data={"csrf": tab.token, "revision": "0", "reason": "x" * 70_000})
    assert huge.status_code == 413 and decisions(board) == []


def test_a_rerun_the_gate_cannot_let_through_shows_nothing_new(
        tab: Tab, board: MeetingBoard, monkeypatch: pytest.MonkeyPatch) -> None:
    from allocopt.allocation.gate import RuleBreach
    from allocopt.allocation.validate import Breach

    def breaks(*_: object) -> None:
        raise RuleBreach("cp-sat", (Breach("band_ceiling", "R0009", "W03",
                                           "W03 would go to 116.0% (red)"),))

    monkeypatch.setattr("allocopt.web.meeting.gated_allocation", breaks)
    before = [(r.id, r.suggestion.worker_id if r.suggestion else None) for r in board.view.rows]
    reply = tab.post("/rerun")
    assert reply.status_code == 500 and reply.headers["hx-retarget"] == "#flash"
    assert "The re-run was not shown: the cp-sat allocation breaks a hard rule" in reply.text
    assert "The suggestions of the last run stay." in reply.text
    assert board.run.row.number == 1
    assert [(r.id, r.suggestion.worker_id if r.suggestion else None)
            for r in board.view.rows] == before


def test_serve_whose_first_run_the_gate_refuses_exits_3_and_records_no_meeting(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from .conftest import run_cli
    from .test_allocation_gate import EverythingToTheFirst

    monkeypatch.setattr("allocopt.allocation.cpsat.CpSatAllocator", EverythingToTheFirst)
    team = copy_team(tmp_path)
    db = tmp_path / "record.sqlite"
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = str(free.getsockname()[1])
    code, out, err = run_cli(monkeypatch, capsys, "serve", team, "--db", str(db),
                             "--port", port)
    assert code == 3 and out == ""
    assert "breaks a hard rule" in err and "nothing was printed or written" in err
    assert "The board is at" not in err and "Traceback" not in err
    # the record is append-only: a meeting the gate stopped leaves no row behind
    with sqlite3.connect(db) as conn:
        counts = {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                  for table in ("meetings", "snapshot_workers", "snapshot_cases", "runs",
                                "decisions")}
    assert counts == dict.fromkeys(counts, 0)


def test_every_page_has_an_icon_even_before_signing_in(board: MeetingBoard) -> None:
    for access in (None, Access.for_server("0.0.0.0", 8000, "correct horse battery staple")):
        tab = Tab(board, access=access, chair=None)
        icon = tab.client.get("/favicon.ico")
        # a one-image ICO holding a 16x16 PNG, cached by the browser (not 404, not /login)
        assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon"
        assert icon.content[:6] == b"\x00\x00\x01\x00\x01\x00"
        assert icon.content[22:30] == b"\x89PNG\r\n\x1a\n" and icon.content[6:8] == b"\x10\x10"
        assert "no-store" not in icon.headers["cache-control"]
    page = Tab(board).load("/history")
    assert '<link rel="icon" href="/favicon.ico">' in page
