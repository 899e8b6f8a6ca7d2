"""The meeting board end to end: a real `allocopt serve` process, Debian's chromium
driven by Playwright, and a server killed between two decisions.

Screenshots go to out/screenshots/board-*.png.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from allocopt.record.store import open_record

from .board_support import copy_team
from .browser import screenshot

SERVE = "from allocopt.cli import main; main()"


@dataclass
class Served:
    """One `allocopt serve` process on a copy of the example team."""

    team: Path
    db: Path
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        args = [sys.executable, "-c", SERVE, "serve", str(self.team), "--db", str(self.db),
                "--port", str(self.port), "--time-limit", "5"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=log)
        self.wait_ready()

    def wait_ready(self, seconds: float = 90.0) -> None:
        import httpx2

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"the server stopped: {self.log.read_text()[-2000:]}")
            try:
                if httpx2.get(self.url + "/", timeout=2).status_code == 200:
                    return
            except httpx2.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"the server did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush; only what was committed survives."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("board")
    server = Served(copy_team(folder), folder / "meeting.sqlite", _free_port(),
                    folder / "serve.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _rows(served: Served) -> list[tuple[str, str, str | None, bool, str | None]]:
    record = open_record(f"sqlite:///{served.db}")
    try:
        meeting = record.meetings("north-lt")[0]
        return [(r.household_id, r.outcome, r.chosen_worker, r.hard_rule_override, r.reason)
                for r in record.decisions(meeting.id)]
    finally:
        record.close()


def test_the_meeting_in_a_browser(served: Served, browser_page: Any) -> None:
    from playwright.sync_api import expect

    page = browser_page
    page.goto(served.url + "/")
    expect(page.locator("h1")).to_contain_text("Allocation meeting: North long-term team")
    expect(page.locator("#worker-W02")).to_contain_text("110.0% red")
    screenshot(page, "board-1-open")

    page.fill('input[name="chair"]', "Sam Rivers")
    page.click("form.chair button")
    expect(page.locator('input[name="chair"]')).to_have_value("Sam Rivers")

    # accept a suggestion
    page.locator("#row-R0009").get_by_role("button", name="Accept W03").click()
    expect(page.locator("#row-R0009 .outcome")).to_have_text("Accepted")
    expect(page.locator("#flash")).to_contain_text("R0009 to W03: accepted")
    expect(page.locator("#worker-W03")).to_contain_text("104.0% amber")
    screenshot(page, "board-2-accepted")

    # give another to a different worker: the preview says it goes against a preference
    page.locator("#row-R0004 a.button").click()
    chooser = page.locator("#chooser-R0004 form.choose")
    chooser.locator('select[name="worker"]').select_option("W01")
    expect(page.locator("#preview-R0004")).to_contain_text(
        "Goes against a preference: locality: works in North; the family lives in East")
    expect(page.locator("#preview-R0004")).to_contain_text("100.0% green")
    chooser.locator('textarea[name="reason"]').fill("W01 chairs the school's network")
    screenshot(page, "board-3-preview")
    chooser.get_by_role("button", name="Give to this worker").click()
    expect(page.locator("#row-R0004 .outcome")).to_have_text("Given to another worker")
    expect(page.locator("#row-R0004")).to_contain_text("Reason: W01 chairs the school's network")

    # a hard rule without a reason: refused on the page, nothing recorded
    page.locator("#row-R0001 a.button").click()
    chooser = page.locator("#chooser-R0001 form.choose")
    chooser.locator('select[name="worker"]').select_option("W05")
    expect(page.locator("#preview-R0001")).to_contain_text("Breaks a hard rule: NQSW protection")
    chooser.get_by_role("button", name="Give to this worker").click()
    expect(page.locator("#row-R0001 .row-error")).to_contain_text(
        "W05 may not take R0001 under the hard rules")
    expect(page.locator('#chooser-R0001 select[name="worker"]')).to_have_value("W05")
    screenshot(page, "board-4-hard-rule-refused")

    page.reload()
    expect(page.locator("#row-R0009 .outcome")).to_have_text("Accepted")
    expect(page.locator("#row-R0004 .outcome")).to_have_text("Given to another worker")
    expect(page.locator("#row-R0001")).to_contain_text("Not decided")
    expect(page.locator("#summary")).to_contain_text("2 of 12 households decided")
    screenshot(page, "board-5-reloaded")

    assert _rows(served) == [
        ("R0009", "accepted", "W03", False, None),
        ("R0004", "overridden", "W01", False, "W01 chairs the school's network"),
    ]

    # re-run: while the optimiser runs (held here) the button is disabled and says so
    held: list[Any] = []
    page.route("**/rerun", lambda route: held.append(route))
    rerun = page.get_by_role("button", name="Re-run the optimiser with the decisions so far")
    rerun.click()
    expect(rerun).to_be_disabled()
    expect(page.locator("#summary .running")).to_be_visible()
    expect(page.locator("#summary .running")).to_have_text(
        "Running the optimiser (up to 5 s)\u2026")
    screenshot(page, "board-5b-rerun-running")
    held[0].continue_()
    expect(page.locator("#flash")).to_contain_text("Re-run 2: ")
    expect(page.locator("#summary .running")).to_be_hidden()
    expect(rerun).to_be_enabled()
    expect(page.locator("#row-R0009 .outcome")).to_have_text("Accepted")
    page.unroute("**/rerun")
    page.goto(served.url + "/minutes")
    expect(page.locator("h1")).to_contain_text("Allocation meeting: North long-term team")
    minutes = page.locator("table.decisions")
    expect(minutes).to_contain_text("given to another worker (suggested: W03)")
    expect(minutes).to_contain_text("W01 chairs the school's network")
    expect(minutes).to_contain_text("Sam Rivers")
    screenshot(page, "board-6-minutes")
    page.emulate_media(media="print")
    expect(page.locator("nav")).to_have_count(0)
    markdown = page.request.get(served.url + "/minutes.md").text()
    r4 = next(line for line in markdown.splitlines() if line.startswith("| R0004 |"))
    assert "| W01 |" in r4 and "given to another worker (suggested: W03)" in r4

    # in a window of 800 px (half a laptop's screen) neither the board nor the minutes
    # scroll sideways
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 800, "height": 900})
    for path, name in (("/", "board-7-800px"), ("/minutes", "board-8-minutes-800px")):
        page.goto(served.url + path)
        screenshot(page, name)
        assert page.evaluate("document.documentElement.scrollWidth") <= 800, path
    # on a phone (400 px) the other pages do not either: a wide table scrolls in its box
    page.set_viewport_size({"width": 400, "height": 800})
    for path in ("/history", "/escalation", "/rebalance"):
        page.goto(served.url + path)
        screenshot(page, f"board-9{path.replace('/', '-')}-400px")
        assert page.evaluate("document.documentElement.scrollWidth") <= 400, path
        boxes = page.evaluate("[...document.querySelectorAll('.scroll')]"
                              ".map(b => b.scrollWidth > b.clientWidth)")
        assert any(boxes), path  # the table is wider than the phone, and scrolls in its box


def test_a_killed_server_keeps_every_confirmed_decision(served: Served) -> None:
    import httpx2

    def tab() -> tuple[httpx2.Client, str]:
        client = httpx2.Client(base_url=served.url, timeout=30)
        page = client.get("/")
        client.post("/chair", data={"chair": "Alex Moore", "csrf": _token(page.text)})
        return client, _token(client.get("/").text)

    before = _rows(served)
    client, token = tab()
    board = client.get("/").text
    first = re.search(r'action="/household/(\w+)/accept".*?name="revision" value="(\d+)".*?'
                      r'Accept (\w+)</button>', board, re.S)
    assert first is not None
    household, revision, worker = first.groups()
    confirmed = client.post(f"/household/{household}/accept",
                            data={"csrf": token, "revision": revision},
                            headers={"HX-Request": "true"})
    assert confirmed.status_code == 200
    client.close()
    served.kill()
    served.start()
    assert _rows(served) == [*before, (household, "accepted", worker, False, None)]
    client, token = tab()
    board = client.get("/").text
    assert re.search(rf'id="row-{household}".*?class="outcome">Accepted', board, re.S)
    second = client.post("/household/R0008/defer", data={
        "csrf": token, "revision": _revision(client.get("/rows/R0008").text),
        "reason": "strategy meeting"}, headers={"HX-Request": "true"})
    assert second.status_code == 200
    client.close()
    assert _rows(served) == [*before, (household, "accepted", worker, False, None),
                             ("R0008", "deferred", None, False, "strategy meeting")]


def _token(page: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert found is not None
    return found.group(1)


def _revision(row: str) -> str:
    found = re.search(r'name="revision" value="(\d+)"', row)
    return found.group(1) if found else "0"
