"""JSON written as it is made (allocopt.io.json_stream): the same bytes as json.dumps with
indent=2, and the board written a worker at a time is the board as it was, whole or not at
all."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocopt.board import score_team
from allocopt.cli.score import score
from allocopt.io import board_export
from allocopt.io.board_export import board_dict
from allocopt.io.inputs import load_inputs
from allocopt.io.json_stream import json_text
from allocopt.schemes.scoring import CaseScore, Line

from .conftest import EXAMPLES, run_cli

TEAM = EXAMPLES / "team.yaml"

# Text with what JSON must escape, brackets and separators that only look like structure.
TEXT = st.text(st.sampled_from([*'ab "\\/[]{},:\n\t\x00\x1b\u2028é✓', "\ud7ff"]), max_size=6)
PLAIN = st.none() | st.booleans() | st.integers() | st.floats() | TEXT
JSON = st.recursive(PLAIN, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(TEXT, inner, max_size=4), max_leaves=25)


def dumped(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def lazy(value: Any) -> Any:
    """The same value with every list given as an iterator, to be made as it is written."""
    if isinstance(value, dict):
        return {k: lazy(v) for k, v in value.items()}
    if isinstance(value, list):
        return map(lazy, value)
    return value


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_the_text_is_json_dumps_byte_for_byte(value):
    assert json_text(value) == dumped(value)
    assert json_text(lazy(value)) == dumped(value)


def test_numbers_keys_and_empty_containers_as_json_dumps_writes_them():
    value = {"a": [], "b": {}, "c": [[], {}, [1e16, -0.0, 1e-05, 0.1 + 0.2, float("inf")]],
             "d": {"1": None, "x": (True, False)}, "e": (x for x in ())}
    assert json_text(value) == dumped({**value, "e": []})
    assert json_text([{"1": 2}]) == dumped([{"1": 2}])
    with pytest.raises(TypeError):
        json_text({"when": object()})


def test_the_board_streamed_is_the_board_dumped_whole(monkeypatch, capsys, tmp_path):
    inputs = load_inputs(TEAM)
    board = score_team(inputs.scheme, inputs.team.team, inputs.board_caseload, inputs.on)
    whole = dumped(board_dict(board, inputs.warnings))
    assert board_export.board_json(board, inputs.warnings) == whole
    out = tmp_path / "board.json"
    code, printed, err = run_cli(monkeypatch, capsys, "score", TEAM, "--format", "json")
    assert (code, err, printed) == (0, "", whole)
    code, printed, err = run_cli(monkeypatch, capsys, "score", TEAM, "--out", out)
    assert (code, err) == (0, "")
    assert out.read_text(encoding="utf-8") == whole


def test_a_board_stopped_part_way_leaves_the_old_file_and_no_temporary(monkeypatch, tmp_path):
    out = tmp_path / "board.json"
    out.write_text("the last board\n", encoding="utf-8")
    made = board_export.worker_dict

    def stop_at_the_third(row: Any, with_cases: bool = True) -> dict[str, Any]:
        if row.worker.id == "W03":
            raise KeyboardInterrupt  # as Ctrl-C would, with two workers written
        return made(row, with_cases)

    monkeypatch.setattr(board_export, "worker_dict", stop_at_the_third)
    with pytest.raises(KeyboardInterrupt):  # the command itself: the entry point would exit
        score(TEAM, out=out)
    assert out.read_text(encoding="utf-8") == "the last board\n"
    assert [p.name for p in tmp_path.iterdir()] == ["board.json"]


CASES = st.builds(
    CaseScore, household_id=TEXT, child_ids=st.lists(TEXT, max_size=3).map(tuple), role=TEXT,
    columns=st.dictionaries(TEXT, st.floats(), max_size=3),
    lines=st.lists(st.builds(Line, rule=TEXT, column=TEXT, points=st.floats(), why=TEXT),
                   max_size=3).map(tuple),
    total=st.floats(), notes=st.lists(TEXT, max_size=2).map(tuple))


@settings(max_examples=200, deadline=None)
@given(CASES)
def test_a_case_written_as_text_is_its_dict_dumped(case):
    # the streamed board writes each case's text directly (board_export.case_text): the
    # same bytes as its dict, at both places a case sits (a worker's cases, unallocated)
    for document, level in (({"workers": [{"id": "W", "cases": [None]}]}, 4),
                            ({"unallocated": [None]}, 2)):
        place = document["workers"][0]["cases"] if "workers" in document \
            else document["unallocated"]
        place[0] = board_export.case_text(case, level)
        written = json_text(document)
        place[0] = board_export.case_dict(case)
        assert written == dumped(document)
