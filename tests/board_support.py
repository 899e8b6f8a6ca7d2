"""What the meeting-board tests share: a copy of the example team in a temporary
folder (the record is written beside it), a board on it, and a browser-like client
that reads the CSRF token from the page it loaded."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from allocopt.allocation.cpsat import CpSatAllocator
from allocopt.allocation.problem import Allocator
from allocopt.io.meeting import MeetingInputs, load_meeting
from allocopt.record.store import DecisionRecord, database_url, open_record
from allocopt.web.app import create_app
from allocopt.web.meeting import MeetingBoard
from allocopt.web.security import Access

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "scenarios" / "examples"
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


def copy_team(folder: Path) -> Path:
    """The example team, caseload, waiting list and policy copied into `folder`."""
    for name in ("team.yaml", "caseload.csv", "waiting.csv", "policy.yaml"):
        shutil.copy(EXAMPLES / name, folder / name)
    return folder / "team.yaml"


def allocator() -> Allocator:
    return CpSatAllocator(time_limit_s=5)


def make_board(meeting: MeetingInputs | Path, url: str | None = None, *,
               show_names: bool = False, allocate: Callable[[], Allocator] = allocator
               ) -> MeetingBoard:
    """A board on a meeting (or a team file) with its record at `url` (default: beside
    the team file)."""
    inputs = load_meeting(meeting) if isinstance(meeting, Path) else meeting
    record = open_record(url or database_url(None, inputs.inputs.team.path))
    return MeetingBoard(inputs, record, allocate, show_names=show_names)


class Tab:
    """A browser tab: its own cookies, the token of the last page it loaded."""

    def __init__(self, board: MeetingBoard, access: Access | None = None,
                 chair: str | None = "Sam Rivers", **client: Any) -> None:
        self.board = board
        self.client = TestClient(create_app(board, access), follow_redirects=False, **client)
        self.token = ""
        if chair is not None:
            self.load()
            self.client.post("/chair", data={"chair": chair, "csrf": self.token})

    @property
    def record(self) -> DecisionRecord:
        return self.board.record

    def load(self, path: str = "/") -> str:
        page = self.client.get(path)
        assert page.status_code == 200, page.text[:300]
        found = CSRF.search(page.text)
        if found:
            self.token = found.group(1)
        return page.text

    def revision(self, household: str) -> int:
        return self.board.row(household).state.revision

    def post(self, path: str, data: dict[str, Any] | None = None, *, htmx: bool = True,
             revision_of: str | None = None, **kw: Any) -> Any:
        form = {"csrf": self.token, **(data or {})}
        if revision_of is not None:
            form.setdefault("revision", str(self.revision(revision_of)))
        headers = {"HX-Request": "true"} if htmx else {}
        return self.client.post(path, data=form, headers=headers, **kw)

    def act(self, household: str, action: str, **data: Any) -> Any:
        return self.post(f"/household/{household}/{action}", data, revision_of=household)


def decisions(board: MeetingBoard) -> list[tuple[str, str, str | None]]:
    return [(r.household_id, r.outcome, r.chosen_worker)
            for r in board.record.decisions(board.meeting.id)]
