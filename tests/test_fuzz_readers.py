"""Fuzzing every reader: random bytes, and valid files with random damage (bytes flipped,
cut, inserted, or hostile tokens such as NUL, 1e308, nan, '29/02/2025', deep brackets or a
child's name put in). Each reader either reads the file or raises InputError (one line on
the command line); nothing else escapes, and nothing runs longer than a few seconds."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocopt.errors import InputError
from allocopt.io.caseload_file import read_caseload
from allocopt.io.extracts.annex_a import read_annex_a
from allocopt.io.extracts.roster import read_overrides, read_roster
from allocopt.io.extracts.settings import ImportSettings, read_settings
from allocopt.io.extracts.ssd import read_ssd
from allocopt.io.policy_file import read_policy
from allocopt.io.scenario_file import load_scenario
from allocopt.io.schemes import load_scheme
from allocopt.io.team_file import read_team

from .conftest import EXAMPLES, ROOT

ON = date(2026, 12, 1)
LIMIT_S = 10
"""Longest one example may take; a hang is a failure, whatever the machine's load."""

# A dozen examples each in the suite (ALLOCOPT_FUZZ_EXAMPLES=2000 for a long search).
EXAMPLES_EACH = int(os.environ.get("ALLOCOPT_FUZZ_EXAMPLES", "12"))
FUZZ = settings(max_examples=EXAMPLES_EACH, deadline=None, derandomize=EXAMPLES_EACH <= 12,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])

TOKENS = [b"\x00", b"\x1b[2J", b"\r", b"\t", b"=", b"'", b'"', b",", b";", b"\n", b": ",
          b"- ", b"[", b"{", b"&a ", b"*a", b"1e308", b"-1e308", b".inf", b"nan", b"-1",
          b"99999999999999999999", b"29/02/2025", b"2026-02-30", b"#N/A", b"Amira Khan",
          b"[" * 200, "Zo\u00eb".encode(), b"\xff\xfe", b"\xef\xbb\xbf", b"PK\x03\x04"]


class Hang(Exception):
    """An example ran longer than LIMIT_S."""


@contextlib.contextmanager
def time_limit(seconds: int = LIMIT_S) -> Iterator[None]:
    def stop(signum: int, frame: Any) -> None:
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@st.composite
def damaged(draw: st.DrawFn, original: bytes) -> bytes:
    """The file with a few random changes."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 5))):
        where = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["token", "token", "flip", "delete", "cut", "repeat"]))
        if kind == "token":
            data[where:where] = draw(st.sampled_from(TOKENS))
        elif kind == "flip" and where < len(data):
            data[where] = draw(st.integers(0, 255))
        elif kind == "delete":
            del data[where:where + draw(st.integers(1, 40))]
        elif kind == "cut":
            del data[where:]
        elif kind == "repeat":
            data[where:where] = data[where:where + 30] * draw(st.integers(2, 50))
    return bytes(data)


def contents(original: bytes) -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=600), damaged(original))


def survive(read: Callable[[], object]) -> None:
    """The reader reads, or says what is wrong in an InputError; nothing else, never slowly."""
    with time_limit():
        try:
            read()
        except InputError as e:
            assert e.message and "Traceback" not in e.message


def example_bytes(relative: str) -> bytes:
    return (ROOT / relative).read_bytes()


FILES: dict[str, tuple[str, bytes, Callable[[Path], object]]] = {
    "caseload.csv": ("caseload.csv", example_bytes("scenarios/examples/waiting.csv"),
                     read_caseload),
    "team.yaml": ("team.yaml", example_bytes("scenarios/examples/team.yaml"), read_team),
    "team.json": ("team.json", b'{"team": {"id": "t"}, "caseload": "c.csv", "workers": '
                  b'[{"id": "W01", "contracted_hours": 22.2, "qualified_on": "2015-07-01"}]}',
                  read_team),
    "scheme.yaml": ("scheme.yaml", example_bytes("src/allocopt/schemes/data/swindon.yaml"),
                    lambda p: load_scheme(str(p))),
    "policy.yaml": ("policy.yaml", example_bytes("scenarios/examples/policy.yaml"),
                    read_policy),
    "scenario.yaml": ("scenario.yaml", example_bytes("scenarios/baseline.yaml"),
                      load_scenario),
    "roster.csv": ("roster.csv", example_bytes("tests/data/import/roster.csv"), read_roster),
    "overrides.csv": ("overrides.csv", example_bytes("scenarios/examples/annex-a/overrides.csv"),
                      read_overrides),
    "settings.yaml": ("settings.yaml",
                      example_bytes("scenarios/examples/annex-a/import-settings.yaml"),
                      read_settings),
}


@pytest.mark.parametrize("kind", list(FILES))
@FUZZ
@given(data=st.data())
def test_text_readers_survive_random_and_damaged_files(kind, data, tmp_path):
    name, original, read = FILES[kind]
    path = tmp_path / name
    path.write_bytes(data.draw(contents(original)))
    survive(lambda: read(path))


@FUZZ
@given(data=st.data())
def test_the_ssd_reader_survives_a_damaged_table(data, tmp_path):
    folder = tmp_path / "ssd"
    if not folder.exists():
        shutil.copytree(ROOT / "tests" / "data" / "import" / "ssd", folder)
    tables = sorted(folder.glob("*.csv"))
    table = data.draw(st.sampled_from(tables))
    original = (ROOT / "tests" / "data" / "import" / "ssd" / table.name).read_bytes()
    table.write_bytes(data.draw(contents(original)))
    try:
        survive(lambda: read_ssd(folder, ON, ImportSettings()))
    finally:
        table.write_bytes(original)


CELL = st.one_of(
    st.none(), st.integers(-10**20, 10**20), st.floats(allow_nan=True, allow_infinity=True),
    st.dates(), st.sampled_from(["CP", "CIN", "W01", "#N/A", "a) Yes", "b) Former relevant child",
                                 "Amira Khan", "=1+1", "29/02/2025", "1e308", "nan", ""]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20))


def workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for r in rows:
            ws.append(r)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def grid(header: list[str]) -> st.SearchStrategy[list[list[Any]]]:
    """A header (shuffled, a column maybe lost) and rows of hostile cells."""
    return st.tuples(st.permutations(header), st.lists(
        st.lists(CELL, min_size=len(header), max_size=len(header) + 2), max_size=6)).map(
        lambda t: [list(t[0])[: len(header) - (len(t[1]) % 2)], *t[1]])


@FUZZ
@given(rows=grid(["household_id", "child_id", "status", "worker_id", "age", "allocated_on",
                  "rating_intervention", "household_work_items"]))
def test_the_caseload_workbook_reader_survives_hostile_cells(rows, tmp_path):
    path = tmp_path / "caseload.xlsx"
    path.write_bytes(workbook({"caseload": rows}))
    survive(lambda: read_caseload(path))


ANNEX = {7: ["Child Unique ID", "Allocated Team", "Allocated Worker",
             "Child Protection Plan Start Date", "Child Protection Plan End Date"],
         9: ["Child Unique ID", "Allocated Worker", "Eligibility Category", "LA in Touch"],
         5: ["Child Unique ID", "Allocated Worker",
             "Strategy discussion initiating Section 47 Enquiry Start Date",
             "Was an Initial Child Protection Conference deemed unnecessary?"]}


@FUZZ
@given(seven=grid(ANNEX[7]), nine=grid(ANNEX[9]), five=grid(ANNEX[5]))
def test_the_annex_a_reader_survives_hostile_cells(seven, nine, five, tmp_path):
    path = tmp_path / "annex-a.xlsx"
    path.write_bytes(workbook({"List 7": seven, "List 9": nine, "List 05": five}))
    survive(lambda: read_annex_a(path, ON, ImportSettings()))


@FUZZ
@given(data=st.data())
def test_workbook_readers_survive_damaged_bytes(data, tmp_path):
    original = (EXAMPLES / "annex-a" / "annex-a.xlsx").read_bytes()
    path = tmp_path / "book.xlsx"
    path.write_bytes(data.draw(st.one_of(st.binary(max_size=600), damaged(original))))
    survive(lambda: read_annex_a(path, ON, ImportSettings()))
    survive(lambda: read_caseload(path))
