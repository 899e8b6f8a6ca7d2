"""Broken and hostile input, as a new user or a council's export produces it: impossible
dates, huge and infinite numbers, control characters, deep nesting, a child's name in
the wrong column, outputs that would overwrite inputs. Every case ends the same way:
exit status 2, one line naming the file, row and field, no traceback, no child's or
worker's name, and nothing written.

Each case is a few files written into a fresh folder and one command, run in-process
through the real entry point (tests/conftest.py run_cli).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from dataclasses import field as data_field
from pathlib import Path

import openpyxl
import pytest

from .conftest import ROOT, run_cli

NAMES = ("Amira Khan", "Jordan Khan", "Zoë O'Neil", "Sam Smith", "Ben Okafor")
NAME_PARTS = {part for name in NAMES for part in name.split()}

TEAM = """\
team: {id: t1, name: Hostile input team}
scheme: tower-hamlets
as_of: 2026-12-01
caseload: caseload.csv
waiting: waiting.csv
workers:
  - {id: W01, name: Sam Smith, qualified_on: 2015-07-01}
  - {id: W02, name: Ben Okafor, role: senior, qualified_on: 2010-07-01}
"""
CASELOAD = """\
household_id,child_id,status,worker_id,name,age,intervention_level
H1,C1,CP,W01,Amira Khan,7,medium
H1,C2,CP,W01,Jordan Khan,4,medium
H2,C3,CIN,W02,Zoë O'Neil,12,low
"""
WAITING = """\
household_id,child_id,status,referred_on,name,intervention_level
R1,R1-1,CIN,2026-11-30,Zoë O'Neil Junior,low
"""
GOOD_ROW = "H1,C1,CP,W01,Amira Khan,7,medium"


def caseload(*rows: str, header: str = "household_id,child_id,status,worker_id,name,age,"
             "intervention_level") -> str:
    return "\n".join([header, *rows]) + "\n"


def team(*workers: str, extra: str = "") -> str:
    head = TEAM.split("workers:")[0]
    return head + extra + "workers:\n" + "".join(f"  - {w}\n" for w in workers)


def scenario(body: str) -> str:
    return "extends: single_team\n" + body


@dataclass(frozen=True)
class Case:
    """One broken input: files over the good ones, a command, and what the line says."""

    id: str
    args: tuple[str, ...]
    says: str
    file: str | None = None  # what the line names first (None: the command line itself)
    row: int | None = None
    field: str | None = None
    files: dict[str, str | bytes] = data_field(default_factory=dict)
    out: str | None = "out.csv"  # an output the command was asked for: never written


def score(path: str = "team.yaml", *more: str) -> tuple[str, ...]:
    return ("score", path, *more, "--format", "csv", "--out", "out.csv")


def with_caseload(text: str | bytes, name: str = "bad.csv") -> dict[str, str | bytes]:
    return {name: text}


CASELOAD_CASES = [
    Case("header row missing, names in row 1", score("team.yaml", "--caseload", "bad.csv"),
         "missing column 'household_id' (is the header row missing?", "bad.csv", 1,
         "household_id", files=with_caseload(caseload(GOOD_ROW, header=GOOD_ROW))),
    Case("a name typed one column early into status",
         score("team.yaml", "--caseload", "bad.csv"),
         "invalid value; found 2 words (not shown: it may be a name); expected one of CIN",
         "bad.csv", 2, "status",
         files=with_caseload(caseload("H1,C1,Amira Khan,W01,,7,medium"))),
    Case("a name in the worker column", score("team.yaml", "--caseload", "bad.csv"),
         "unknown worker; found 2 words (not shown: it may be a name)", "bad.csv", 2,
         "worker_id", files=with_caseload(caseload("H1,C1,CP,Jordan Khan,,7,medium"))),
    Case("a name in the age column", score("team.yaml", "--caseload", "bad.csv"),
         "found one word (not shown: it may be a name); expected an age", "bad.csv", 2, "age",
         files=with_caseload(caseload("H1,C1,CP,W01,7,Amira,medium"))),
    Case("a name in a date column", score("team.yaml", "--caseload", "bad.csv"),
         "found 2 words (not shown: it may be a name); expected a date", "bad.csv", 2,
         "allocated_on", files=with_caseload(caseload(
             "H1,C1,CP,W01,Amira Khan", header="household_id,child_id,status,worker_id,"
                                                "allocated_on"))),
    Case("a name in the intervention level", score("team.yaml", "--caseload", "bad.csv"),
         "found 2 words (not shown: it may be a name); expected one of low, medium, high",
         "bad.csv", 2, "intervention_level",
         files=with_caseload(caseload("H1,C1,CP,W01,,7,Amira Khan"))),
    Case("a name as an unknown column", score("team.yaml", "--caseload", "bad.csv"),
         "unknown column 'column E'", "bad.csv", 1, "column E",
         files=with_caseload(caseload(GOOD_ROW, header="household_id,child_id,status,"
                                      "worker_id,Amira Khan,age,intervention_level"))),
    Case("a NUL inside a child id", score("team.yaml", "--caseload", "bad.csv"),
         "found 'C\\x001'; expected text without control characters", "bad.csv", 2,
         "child_id", files=with_caseload(caseload("H1,C\x001,CP,W01,,7,medium"))),
    Case("a NUL inside a household id", score("team.yaml", "--caseload", "bad.csv"),
         "expected text without control characters", "bad.csv", 2, "household_id",
         files=with_caseload(caseload("H\x001,C1,CP,W01,,7,medium"))),
    Case("an escape inside a child id", score("team.yaml", "--caseload", "bad.csv"),
         "found 'C\\x1b[2J1'", "bad.csv", 2, "child_id",
         files=with_caseload(caseload("H1,C\x1b[2J1,CP,W01,,7,medium"))),
    Case("a tab inside a child id", score("team.yaml", "--caseload", "bad.csv"),
         "found 'C\\t1'", "bad.csv", 2, "child_id",
         files=with_caseload(caseload("H1,C\t1,CP,W01,,7,medium"))),
    Case("a child id of 65 characters", score("team.yaml", "--caseload", "bad.csv"),
         "expected String should have at most 64 characters", "bad.csv", 2, "child_id",
         files=with_caseload(caseload(f"H1,C{'1' * 64},CP,W01,,7,medium"))),
    Case("an age of 1e308", score("team.yaml", "--caseload", "bad.csv"),
         "found '1e308'; expected an age in whole years", "bad.csv", 2, "age",
         files=with_caseload(caseload("H1,C1,CP,W01,,1e308,medium"))),
    Case("an age of inf", score("team.yaml", "--caseload", "bad.csv"),
         "found 'inf'; expected an age in whole years", "bad.csv", 2, "age",
         files=with_caseload(caseload("H1,C1,CP,W01,,inf,medium"))),
    Case("an age of nan", score("team.yaml", "--caseload", "bad.csv"),
         "found 'nan'; expected an age in whole years", "bad.csv", 2, "age",
         files=with_caseload(caseload("H1,C1,CP,W01,,nan,medium"))),
    Case("an age of 26", score("team.yaml", "--caseload", "bad.csv"),
         "found 26; expected less than or equal to 25", "bad.csv", 2, "age",
         files=with_caseload(caseload("H1,C1,CP,W01,,26,medium"))),
    Case("an infinite rating", score("team.yaml", "--caseload", "bad.csv"),
         "found 'inf'; expected points agreed in supervision", "bad.csv", 2,
         "rating_intervention", files=with_caseload(caseload(
             "H1,C1,CP,W01,inf", header="household_id,child_id,status,worker_id,"
                                       "rating_intervention"))),
    Case("a rating of nan", score("team.yaml", "--caseload", "bad.csv"),
         "found 'nan'", "bad.csv", 2, "rating_intervention", files=with_caseload(caseload(
             "H1,C1,CP,W01,nan", header="household_id,child_id,status,worker_id,"
                                       "rating_intervention"))),
    Case("a rating of 1e9", score("team.yaml", "--caseload", "bad.csv"),
         "found 1000000000.0; expected less than or equal to 10000", "bad.csv", 2,
         "ratings.intervention", files=with_caseload(caseload(
             "H1,C1,CP,W01,1e9", header="household_id,child_id,status,worker_id,"
                                       "rating_intervention"))),
    Case("a work item of a billion hours", score("team.yaml", "--caseload", "bad.csv"),
         "expected an amount from 0 to 10,000", "bad.csv", 2, "household_work_items",
         files=with_caseload(caseload(
             "H1,C1,CP,W01,casework=1000000000", header="household_id,child_id,status,"
                                                      "worker_id,household_work_items"))),
    Case("a work item done a million times", score("team.yaml", "--caseload", "bad.csv"),
         "and a count from 1 to 1,000", "bad.csv", 2, "child_work_items",
         files=with_caseload(caseload(
             "H1,C1,CP,W01,home_visit*1000000", header="household_id,child_id,status,"
                                                     "worker_id,child_work_items"))),
    Case("30 February", score("team.yaml", "--caseload", "bad.csv"),
         "found '2026-02-30'; expected a date", "bad.csv", 2, "allocated_on",
         files=with_caseload(caseload("H1,C1,CP,W01,2026-02-30", header="household_id,"
                                      "child_id,status,worker_id,allocated_on"))),
    Case("29 February in a common year, UK style", score("team.yaml", "--caseload", "bad.csv"),
         "found '29/02/2025'; expected a date", "bad.csv", 2, "allocated_on",
         files=with_caseload(caseload("H1,C1,CP,W01,29/02/2025", header="household_id,"
                                      "child_id,status,worker_id,allocated_on"))),
    Case("an Excel serial far beyond 9999", score("team.yaml", "--caseload", "bad.csv"),
         "found '99999999'; expected a date", "bad.csv", 2, "allocated_on",
         files=with_caseload(caseload("H1,C1,CP,W01,99999999", header="household_id,"
                                      "child_id,status,worker_id,allocated_on"))),
    Case("UTF-16 with no byte-order mark", score("team.yaml", "--caseload", "bad.csv"),
         "the file is UTF-16 text; expected CSV saved as 'CSV UTF-8'", "bad.csv",
         files=with_caseload(caseload(GOOD_ROW).encode("utf-16-le"))),
    Case("UTF-16 big-endian with no byte-order mark",
         score("team.yaml", "--caseload", "bad.csv"), "the file is UTF-16 text", "bad.csv",
         files=with_caseload(caseload(GOOD_ROW).encode("utf-16-be"))),
    Case("random bytes", score("team.yaml", "--caseload", "bad.csv"),
         "the file is not UTF-8 text", "bad.csv", 1,
         files=with_caseload(bytes(range(128, 256)) * 4)),
    Case("a future referral on the waiting list", score(), "household R1: date is in the "
         "future; found '2027-11-30'; expected a date on or before 2026-12-01", "waiting.csv",
         2, "referred_on", files={"waiting.csv": WAITING.replace("2026-11-30", "2027-11-30")}),
    Case("a child both held and waiting", score(),
         "child C1 is also in the caseload (household H1); expected a child held or waiting, "
         "not both", "waiting.csv", 3, "child_id",
         files={"waiting.csv": WAITING + "R2,C1,CP,2026-11-29,Amira Khan,low\n"}),
    Case("a waiting household that is held", score(),
         "household H1 is also in the caseload", "waiting.csv", 2, "household_id",
         files={"waiting.csv": WAITING.replace("R1,R1-1", "H1,R1-1")}),
    Case("a waiting household with a worker", score(),
         "a waiting household already has a worker; found 'W01'", "waiting.csv", 2,
         "worker_id", files={"waiting.csv": caseload(
             "R1,R1-1,CIN,W01,Sam Smith", header="household_id,child_id,status,worker_id,"
                                                "name")}),
    Case("a waiting list the team file names but nobody wrote", score(),
         "the waiting list file is not found", "team.yaml", None, "waiting",
         files={"waiting.csv": ""}),
]


def workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    import io

    book = openpyxl.Workbook()
    first = True
    for title, rows in sheets.items():
        ws = book.active if first else book.create_sheet()
        assert ws is not None
        first = False
        ws.title = title
        for r in rows:
            ws.append(r)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


HEAD = ["household_id", "child_id", "status", "worker_id", "name"]

WORKBOOK_CASES = [
    Case("a workbook holding only notes", score("team.yaml", "--caseload", "bad.xlsx"),
         "missing column 'household_id' (is the header row missing? row 1 should name the "
         "columns); found columns none and 1 cells that look like data", "bad.xlsx, sheet "
         "'Notes'", 1, "household_id",
         files={"bad.xlsx": workbook({"Notes": [["Notes for Amira Khan's review"],
                                                ["Jordan Khan moved on 3 March"]]})}),
    Case("a workbook with no header row", score("team.yaml", "--caseload", "bad.xlsx"),
         "missing column 'household_id'", "bad.xlsx, sheet 'caseload'", 1, "household_id",
         files={"bad.xlsx": workbook({"caseload": [["H1", "C1", "CP", "W01", "Amira Khan"]]})}),
    Case("a formula with no saved result", score("team.yaml", "--caseload", "bad.xlsx"),
         "a formula with no saved result; expected a value: open and save the workbook",
         "bad.xlsx, sheet 'caseload'", 2, "status",
         files={"bad.xlsx": workbook({"caseload": [HEAD, ["H1", "C1", '=IF(1,"CP","CIN")',
                                                          "W01", "Amira Khan"]]})}),
    Case("a name in the status column of a workbook",
         score("team.yaml", "--caseload", "bad.xlsx"),
         "found 2 words (not shown: it may be a name)", "bad.xlsx, sheet 'caseload'", 2,
         "status", files={"bad.xlsx": workbook({"caseload": [
             HEAD, ["H1", "C1", "Amira Khan", "W01", None]]})}),
    Case("a workbook with a tab in an id", score("team.yaml", "--caseload", "bad.xlsx"),
         "found 'C\\t1'; expected text without control characters",
         "bad.xlsx, sheet 'caseload'", 2, "child_id", files={"bad.xlsx": workbook(
             {"caseload": [HEAD, ["H1", "C\t1", "CP", "W01", None]]})}),
    Case("an empty workbook sheet", score("team.yaml", "--caseload", "bad.xlsx"),
         "the sheet is empty", "bad.xlsx, sheet 'caseload'",
         files={"bad.xlsx": workbook({"caseload": []})}),
    Case("a zip that is not a workbook", score("team.yaml", "--caseload", "bad.xlsx"),
         "not a readable .xlsx workbook", "bad.xlsx",
         files={"bad.xlsx": b"PK\x03\x04" + bytes(300)}),
]

WORKER_OK = "{id: W01, qualified_on: 2015-07-01}"
TEAM_CASES = [
    Case("29 February in a common year", score("bad.yaml"),
         "the date does not exist; found '2027-02-29'; expected a real calendar date",
         "bad.yaml", 7, "workers.0.qualified_on",
         files={"bad.yaml": team("{id: W01, qualified_on: 2027-02-29}")}),
    Case("30 February", score("bad.yaml"), "the date does not exist; found '2026-02-30'",
         "bad.yaml", 7, "workers.0.started_on",
         files={"bad.yaml": team("{id: W01, started_on: 2026-02-30}")}),
    Case("31 April in leave", score("bad.yaml"), "the date does not exist; found '2026-04-31'",
         "bad.yaml", 7, "workers.0.leave.0.end",
         files={"bad.yaml": team("{id: W01, qualified_on: 2015-07-01, leave: [{start: "
                                 "2026-04-01, end: 2026-04-31}]}")}),
    Case("month 13", score("bad.yaml"), "the date does not exist; found '2026-13-01'",
         "bad.yaml", 3, "as_of",
         files={"bad.yaml": team(WORKER_OK).replace("2026-12-01", "2026-13-01")}),
    Case("a duty counted 1e308 times", score("bad.yaml"),
         "found 1e+308; expected less than or equal to 1000", "bad.yaml", None,
         "workers.0 (W01).duties.0.count",
         files={"bad.yaml": team("{id: W01, qualified_on: 2015-07-01, duties: [{kind: "
                                 "practice_teaching, count: 1.0e+308}]}")}),
    Case("infinite hours", score("bad.yaml"), "found inf; expected a finite number",
         "bad.yaml", None, "workers.0 (W01).contracted_hours",
         files={"bad.yaml": team("{id: W01, qualified_on: 2015-07-01, contracted_hours: .inf}")}),
    Case("hours of nan", score("bad.yaml"), "found nan; expected a finite number", "bad.yaml",
         None, "workers.0 (W01).contracted_hours",
         files={"bad.yaml": team("{id: W01, qualified_on: 2015-07-01, contracted_hours: .nan}")}),
    Case("an infinite duty amount", score("bad.yaml"), "expected a finite number", "bad.yaml",
         None, "workers.0 (W01).duties.0.amount",
         files={"bad.yaml": team("{id: W01, qualified_on: 2015-07-01, duties: [{kind: "
                                 "panel_member, amount: .inf}]}")}),
    Case("leaving before starting", score("bad.yaml"),
         "the leaving date is before qualified_on (2020-02-01); found 2019-01-01; expected a "
         "date on or after 2020-02-01", "bad.yaml", None, "workers.0 (W01).leaving_on",
         files={"bad.yaml": team("{id: W01, qualified_on: 2020-02-01, leaving_on: 2019-01-01}")}),
    Case("a NUL in a worker id", score("bad.yaml"), "expected text without control characters",
         "bad.yaml", None, "workers.0.id",
         files={"bad.yaml": team('{id: "W\\0", qualified_on: 2015-07-01}')}),
    Case("an escape in a worker id", score("bad.yaml"), "found 'W\\x1b[31m'", "bad.yaml",
         None, "workers.0.id", files={"bad.yaml": team('{id: "W\\e[31m", '
                                                        "qualified_on: 2015-07-01}")}),
    Case("a worker id of 65 characters", score("bad.yaml"),
         "found text of 65 characters (not shown: it may be a name); expected String should "
         "have at most 64 characters",
         "bad.yaml", None, "workers.0.id",
         files={"bad.yaml": team(f"{{id: W{'1' * 64}, qualified_on: 2015-07-01}}")}),
    Case("a blank worker id", score("bad.yaml"), "at least 1 character", "bad.yaml", None,
         "workers.0.id", files={"bad.yaml": team('{id: "", qualified_on: 2015-07-01}')}),
    Case("YAML nested 1,000 deep", score("bad.yaml"),
         "not valid YAML (exceeded maximum nesting depth)", "bad.yaml", 1,
         files={"bad.yaml": "team: " + "[" * 1000 + "]" * 1000 + "\n"}),
    Case("YAML nested 60 deep", score("bad.yaml"), "the file is nested too deeply; found more "
         "than 40 levels", "bad.yaml", None, "team" + ".0" * 40,
         files={"bad.yaml": "team: " + "[" * 60 + "]" * 60 + "\n"}),
    Case("a YAML alias bomb", score("bad.yaml"), "the file holds too many values; found more "
         "than 500,000", "bad.yaml", files={"bad.yaml": "\n".join(
             ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
             + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
             + ["team: {id: t1}"]) + "\n"}),
    Case("JSON nested 10,000 deep", score("bad.json"), "nested too deeply", "bad.json",
         files={"bad.json": '{"team": ' + "[" * 10000 + "]" * 10000 + "}"}),
    Case("JSON with NaN", score("bad.json"), "expected a finite number", "bad.json", None,
         "workers.0 (W01).contracted_hours", files={"bad.json": json.dumps(
             {"team": {"id": "t1"}, "caseload": "caseload.csv",
              "workers": [{"id": "W01", "contracted_hours": float("nan")}]})}),
    Case("JSON with Infinity", score("bad.json"), "expected a finite number", "bad.json",
         None, "workers.0 (W01).contracted_hours", files={"bad.json": json.dumps(
             {"team": {"id": "t1"}, "caseload": "caseload.csv",
              "workers": [{"id": "W01", "contracted_hours": float("inf")}]})}),
    Case("workers is a number", score("bad.yaml"), "expected a valid list", "bad.yaml", None,
         "workers", files={"bad.yaml": TEAM.split("workers:")[0] + "workers: 5\n"}),
    Case("a worker that is a list", score("bad.yaml"), "invalid value", "bad.yaml", None,
         "workers.0", files={"bad.yaml": team("[W01, W02]")}),
    Case("a name where the date goes", score("bad.yaml"),
         "found 2 words (not shown: it may be a name); expected a valid date", "bad.yaml",
         None, "workers.0 (W01).qualified_on",
         files={"bad.yaml": team("{id: W01, qualified_on: Amira Khan}")}),
    Case("a name where the role goes", score("bad.yaml"),
         "found 2 words (not shown: it may be a name)", "bad.yaml", None,
         "workers.0 (W01).role", files={"bad.yaml": team("{id: W01, role: Jordan Khan}")}),
    Case("a top level that is a list", score("bad.yaml"), "the top level is not a mapping",
         "bad.yaml", files={"bad.yaml": "- Amira Khan\n- Jordan Khan\n"}),
    Case("a YAML tab indent", score("bad.yaml"), "not valid YAML", "bad.yaml", 2,
         files={"bad.yaml": "team:\n\t{id: t1}\n"}),
    Case("a binary team file", score("bad.yaml"), "the file is not UTF-8 text", "bad.yaml",
         files={"bad.yaml": bytes(range(128, 256))}),
]

SCHEME_HEAD = "extends: tower-hamlets\nid: ours\n"


def scheme_case(name: str, body: str, says: str, field: str | None) -> Case:
    return Case(name, score("team.yaml", "--scheme", "bad-scheme.yaml"), says,
                "bad-scheme.yaml", None, field, files={"bad-scheme.yaml": SCHEME_HEAD + body})


SCHEME_CASES = [
    scheme_case("an infinite benchmark", "benchmarks:\n  - {benchmark: .inf}\n",
                "expected a finite number", "benchmarks.0.benchmark"),
    scheme_case("a benchmark of 1e308", "benchmarks:\n  - {benchmark: 1.0e+308}\n",
                "expected less than or equal to 10000", "benchmarks.0.benchmark"),
    scheme_case("points of nan", "rules:\n  base: {points: .nan}\n", "expected a finite number",
                "rules.base.per_child.points"),
    scheme_case("two RAG bands with one name", "rag:\n"
                "  - {name: green, below: 100, colour: green, action: none}\n"
                "  - {name: green, colour: red, action: act}\n",
                "RAG band name 'green' is used twice (also rag.0); expected a different name "
                "for each band", "rag.1.name"),
    scheme_case("RAG bands that fall", "rag:\n"
                "  - {name: green, below: 100, colour: green, action: none}\n"
                "  - {name: amber, below: 90, colour: amber, action: act}\n"
                "  - {name: red, colour: red, action: act}\n",
                "RAG band 'amber' ends below the band before it ('green', 100 %): bands must "
                "rise; found 90; expected 100 or more", "rag.1.below"),
    scheme_case("an infinite RAG bound", "rag:\n"
                "  - {name: green, below: .inf, colour: green, action: none}\n"
                "  - {name: red, colour: red, action: act}\n",
                "expected a finite number", "rag.0.below"),
    scheme_case("a band with no bound in the middle", "rag:\n"
                "  - {name: green, colour: green, action: none}\n"
                "  - {name: red, colour: red, action: act}\n",
                "RAG band 'green' has no bound but is not the last", "rag.0"),
    scheme_case("no RAG bands", "rag: []\n", "a scheme needs RAG bands", "rag"),
    scheme_case("a duty of 150 percent", "duties:\n  panel_member: {label: Panel, percent: 150}\n",
                "expected less than or equal to 100", "duties.panel_member.percent"),
    scheme_case("an infinite concentration factor", "team_view: {reference_band: experienced, "
                "concentration_factor: .inf}\n", "expected a finite number",
                "team_view.concentration_factor"),
    scheme_case("a count cap of nothing", "protections:\n  count_caps:\n"
                "    - {name: nqsw, limits: {CIN: 0}}\n", "expected greater than 0",
                "protections.count_caps.0.limits.CIN"),
    scheme_case("an experience band a billion months on", "experience_bands:\n"
                "  - {name: nqsw_0_6, label: x, from_months: 0, nqsw: true}\n"
                "  - {name: experienced, label: y, from_months: 1000000000}\n",
                "expected less than or equal to 600", "experience_bands.1.from_months"),
    scheme_case("a lookup worth infinity", "rules:\n  t:\n    kind: lookup\n    column: base\n"
                "    label: travel\n    per: household\n    attribute: travel\n"
                "    values: {neighbouring: .inf}\n", "expected a finite number",
                "rules.t.lookup.values.neighbouring"),
    scheme_case("a scheme nested 60 deep", "rules: " + "[" * 60 + "]" * 60 + "\n",
                "the file is nested too deeply", "rules" + ".0" * 40),
]

POLICY_CASES = [
    Case(f"policy {name}", ("allocate", "team.yaml", "--policy", "bad-policy.yaml",
                            "--format", "json", "--out", "out.json"), says, "bad-policy.yaml",
         None, fld, files={"bad-policy.yaml": body}, out="out.json")
    for name, body, says, fld in [
        ("time limit nan", "time_limit_s: .nan\n", "found nan; expected less than or equal to "
         "3600", "time_limit_s"),
        ("time limit infinite", "time_limit_s: .inf\n", "found inf; expected less than or "
         "equal to 3600", "time_limit_s"),
        ("time limit of a billion seconds", "time_limit_s: 1.0e+9\n",
         "expected less than or equal to 3600", "time_limit_s"),
        ("negative horizon", "horizon_days: -1\n", "expected greater than or equal to 0",
         "horizon_days"),
        ("a negative seed", "seed: -1\n", "expected greater than or equal to 0", "seed"),
        ("a huge preference", "preferences: {continuity: 100000000000000000000}\n",
         "expected less than or equal to 1000", "preferences.continuity"),
        ("an unknown tier", "tiers: [S47, CP, Amira Khan]\n", "unknown priority tier; found "
         "2 words (not shown: it may be a name)", "tiers.2"),
        ("an unknown ceiling band", "ceiling_band: purple\n",
         "unknown band in scheme tower-hamlets; found 'purple'", "ceiling_band"),
        ("a pin to nobody", "pins: [{household: R1, worker: W99}]\n",
         "unknown worker; found 'W99'", "pins.0.worker"),
        ("a policy nested 60 deep", "pins: " + "[" * 60 + "]" * 60 + "\n",
         "the file is nested too deeply", "pins" + ".0" * 40),
    ]
]


def sim(file: str, *more: str) -> tuple[str, ...]:
    return ("simulate", file, "--runs", "1", "--weeks", "2", "--jobs", "1", *more,
            "--out", "results")


SCENARIO_CASES = [
    Case(f"scenario {name}", sim("bad.yaml"), says, "bad.yaml", row, fld,
         files={"bad.yaml": scenario(body)}, out="results")
    for name, body, says, row, fld in [
        ("referral rate 1e308", "referrals: {rate: 1.0e+308}\n",
         "found 1e+308; expected less than or equal to 2000", None, "referrals.rate"),
        ("infinite referral rate", "referrals: {rate: .inf}\n", "expected a finite number",
         None, "referrals.rate"),
        ("referral rate nan", "referrals: {rate: .nan}\n", "expected a finite number", None,
         "referrals.rate"),
        ("starting on 29 February 2027", "start: 2027-02-29\n",
         "the date does not exist; found '2027-02-29'", 2, "start"),
        ("100,000 weeks", "weeks: 100000\n", "expected less than or equal to 520", None,
         "weeks"),
        ("a staff share of nan", "workforce: {staff: [{share: .nan}]}\n",
         "expected a finite number", None, "workforce.staff.0.share"),
        ("a shock of a billion times", "referrals: {shocks: [{month: 1, change: 1.0e+9}]}\n",
         "expected less than or equal to 10", None, "referrals.shocks.0.change"),
        ("an infinite median", "recruitment_delay: null\nworkforce: {recruitment: {delay: "
         "{dist: lognormal, median: .inf, p90: .inf}}}\n", "expected a finite number", None,
         "workforce.recruitment.delay.lognormal.median"),
        ("an observed duration of 1e308", "workforce: {recruitment: {delay: {dist: empirical, "
         "values: [1.0e+308]}}}\n", "expected less than or equal to 10000", None,
         "workforce.recruitment.delay.empirical.values.0"),
        ("a billion posts", "workforce: {teams: [{id: DA, posts: 1000000000}]}\n",
         "expected less than or equal to 1000", None, "workforce.teams.0.posts"),
        ("a scenario nested 60 deep", "name: " + "[" * 60 + "]" * 60 + "\n",
         "the file is nested too deeply", None, "name" + ".0" * 40),
        ("a cohort in month 13 of 2027", "workforce: {cohorts: [{at: 2027-13-01, count: 2}]}\n",
         "the date does not exist; found '2027-13-01'", 2, "workforce.cohorts.0.at"),
    ]
]

SET_CASES = [
    Case(f"--set {setting}", sim("single_team.yaml", "--set", setting), says, "--set", None,
         fld, out="results")
    for setting, says, fld in [
        ("referrals.rate=inf", "found 'inf'; expected a finite number", "referrals.rate"),
        ("referrals.rate=1e308", "found '1e308'; expected less than or equal to 2000",
         "referrals.rate"),
        ("referrals.rate=.nan", "expected a finite number", "referrals.rate"),
        ("start=2027-02-29", "the date does not exist; found '2027-02-29'", "start"),
        ("initial.waiting=1000000000", "found 1000000000; expected less than or equal to "
         "10000", "initial.waiting"),
        ("workforce.teams=" + "[" * 60 + "]" * 60, "the file is nested too deeply",
         "workforce.teams" + ".0" * 41),
        ("nosuch=1", "unknown setting", "nosuch"),
        ("referrals.rate=[", "the value is not valid YAML", "referrals.rate"),
    ]
]


def cli_case(name: str, args: tuple[str, ...], says: str, out: str | None = "out.csv") -> Case:
    return Case(name, args, says, None, out=out)


CLI_CASES = [
    cli_case("--time-limit nan", ("allocate", "team.yaml", "--time-limit", "nan"),
             "Invalid value for '--time-limit' / '-t'"),
    cli_case("--time-limit inf", ("allocate", "team.yaml", "--time-limit", "inf"),
             "Invalid value for '--time-limit' / '-t'"),
    cli_case("--time-limit -1", ("allocate", "team.yaml", "--time-limit", "-1"),
             "Invalid value for '--time-limit' / '-t'"),
    cli_case("--time-limit 1e9", ("allocate", "team.yaml", "--time-limit", "1e9"),
             "Invalid value for '--time-limit' / '-t'"),
    cli_case("--runs 0", sim("single_team.yaml", "--runs", "0"),
             "invalid --runs; found 0; expected 1 to 10,000", "results"),
    cli_case("--runs a hundred billion", sim("single_team.yaml", "--runs", "99999999999"),
             "invalid --runs; found 99999999999; expected 1 to 10,000", "results"),
    cli_case("--seed -1", sim("single_team.yaml", "--seed", "-1"),
             "invalid --seed; found -1; expected 0 to 4294967295", "results"),
    cli_case("--seed 2**64", sim("single_team.yaml", "--seed", str(2**64)),
             "invalid --seed", "results"),
    cli_case("--jobs 0", sim("single_team.yaml", "--jobs", "0"),
             "invalid --jobs; found 0; expected 1 to 256", "results"),
    cli_case("--jobs 100000", sim("single_team.yaml", "--jobs", "100000"),
             "invalid --jobs; found 100000", "results"),
    cli_case("--weeks 100000", ("simulate", "single_team.yaml", "--weeks", "100000",
                                "--out", "results"),
             "--weeks, field 'weeks': invalid value; found 100000; expected less than or "
             "equal to 520", "results"),
    cli_case("--date 29/02/2026", score("team.yaml", "--date", "29/02/2026"),
             "invalid --date; found '29/02/2026'; expected a date"),
    cli_case("--date of a name", score("team.yaml", "--date", "Amira Khan"),
             "invalid --date; found 2 words (not shown: it may be a name)"),
    cli_case("--format xml", ("score", "team.yaml", "--format", "xml"),
             "Invalid value for '--format' / '-f'", None),
    cli_case("an unknown option", ("score", "team.yaml", "--colour", "red"),
             "No such option: --colour", None),
    cli_case("a missing argument", ("score",), "Missing argument 'team'", None),
    cli_case("an unknown command", ("scoore", "team.yaml"), "No such command 'scoore'", None),
    cli_case("--cut 0", ("compare", "single_team.yaml", "--cut", "0", "--at", "2026-06-01",
                         "--runs", "2", "--out", "results"),
             "invalid --cut; found 0; expected 1 or more posts", "results"),
    cli_case("a sweep of a billion points", ("sweep", "single_team.yaml", "--set",
                                              "referrals.rate=1:1000000000:1", "--runs", "1",
                                              "--out", "results"),
             "too many values in the range", "results"),
    cli_case("a sweep value of 30 February", ("sweep", "single_team.yaml", "--set",
                                               "start=2027-02-28,2027-02-30", "--runs", "1",
                                               "--out", "results"),
             "the date does not exist; found '2027-02-30'", "results"),
    cli_case("an intake of a billion", ("plan-intake", "single_team.yaml", "--max",
                                        "1000000000", "--runs", "1", "--out", "results"),
             "invalid largest intake; found 1000000000; expected 0 to", "results"),
]

OUTPUT_CASES = [
    Case("--out naming the caseload", ("score", "team.yaml", "--out", "caseload.csv"),
         "--out names one of the command's own inputs; expected a new file name", "caseload.csv",
         None, "--out", out=None),
    Case("--out naming the team file", ("score", "team.json", "--out", "team.json"),
         "--out names one of the command's own inputs", "team.json", None, "--out",
         files={"team.json": json.dumps({"team": {"id": "t1"}, "caseload": "caseload.csv",
                                         "workers": [{"id": "W01"}, {"id": "W02"}]})},
         out=None),
    Case("--out naming the waiting list", ("allocate", "team.yaml", "--out", "waiting.csv"),
         "--out names one of the command's own inputs", "waiting.csv", None, "--out", out=None),
    Case("--out naming the scheme", ("score", "team.yaml", "--scheme", "ours.json", "--out",
                                     "ours.json"),
         "--out names one of the command's own inputs", "ours.json", None, "--out",
         files={"ours.json": json.dumps({"extends": "tower-hamlets", "id": "ours"})}, out=None),
    Case("--report naming the scenario", ("compare", "single_team.yaml", "--cut", "1", "--at",
                                          "2026-06-01", "--runs", "2", "--report",
                                          "single_team.yaml"),
         "cannot tell what to write from the file name; found '.yaml'; expected a file ending "
         ".html", "single_team.yaml", out=None),
    Case("simulate into a folder of other files", sim("single_team.yaml"),
         "the folder already holds files that simulate would replace; found notes.txt",
         "results", files={"results/notes.txt": "Amira Khan's plan"}, out=None),
    Case("simulate into the folder of its own scenario",
         ("simulate", "single_team.yaml", "--runs", "1", "--weeks", "2", "--out", "."),
         "the output folder holds simulate's own input single_team.yaml", ".", out=None),
    Case("simulate into a file", ("simulate", "single_team.yaml", "--runs", "1", "--weeks",
                                  "2", "--out", "caseload.csv"),
         "is a file, not a folder", "caseload.csv", out=None),
    Case("import into a hand-edited folder", ("import", "annex-a", str(
        ROOT / "scenarios/examples/annex-a/annex-a.xlsx"), "--roster",
        str(ROOT / "scenarios/examples/annex-a/roster.csv"), "--date", "2026-12-01", "--out",
        "imported"),
         "the folder already holds files that import would replace; found caseload.csv, "
         "team.yaml; expected a new folder, or --force to replace them", "imported",
         files={"imported/team.yaml": TEAM, "imported/caseload.csv": CASELOAD}, out=None),
    Case("import into a file", ("import", "annex-a", str(
        ROOT / "scenarios/examples/annex-a/annex-a.xlsx"), "--roster",
        str(ROOT / "scenarios/examples/annex-a/roster.csv"), "--out", "team.yaml"),
         "is a file, not a folder", "team.yaml", out=None),
    Case("import into the folder holding the roster", ("import", "annex-a", str(
        ROOT / "scenarios/examples/annex-a/annex-a.xlsx"), "--roster", "in/roster.csv",
        "--out", "in", "--force"),
         "the output folder holds import's own input roster.csv", "in",
         files={"in/roster.csv": (ROOT / "scenarios/examples/annex-a/roster.csv").read_text(
             encoding="utf-8")}, out=None),
]

ROSTER = "worker_id,name,qualified_on\nW01,Sam Smith,2015-07-01\n"
IMPORT_CASES = [
    Case(f"import {name}", ("import", "annex-a", str(
        ROOT / "scenarios/examples/annex-a/annex-a.xlsx"), "--roster", roster, *more,
        "--date", "2026-12-01", "--out", "imported"), says, file, row, fld, files=files,
         out="imported")
    for name, roster, more, files, says, file, row, fld in [
        ("a roster with no header row", "roster.csv", (),
         {"roster.csv": "W01,Sam Smith,2015-07-01\n"},
         "no worker_id or name column; found columns W01, 2015-07-01 and 1 cells that look "
         "like data, not column names (not shown)",
         "roster.csv", 1, None),
        ("a roster with a name as a column", "roster.csv", (),
         {"roster.csv": "worker_id,Sam Smith\nW01,x\n"},
         "unknown column 'column B'", "roster.csv", 1, "column B"),
        ("a roster with 30 February", "roster.csv", (),
         {"roster.csv": "worker_id,qualified_on\nW01,2015-02-30\n"},
         "found '2015-02-30'", "roster.csv", 2, "qualified_on"),
        ("a roster with infinite hours", "roster.csv", (),
         {"roster.csv": "worker_id,contracted_hours\nW01,inf\n"},
         "found 'inf'", "roster.csv", 2, "contracted_hours"),
        ("an override sheet with a name in the status column", "roster.csv",
         ("--overrides", "overrides.csv"),
         {"roster.csv": ROSTER, "overrides.csv": "child_id,status\nC0001-1,Amira Khan\n"},
         "found 2 words (not shown: it may be a name)", "overrides.csv", 2, "status"),
        ("settings with infinite miles", "roster.csv", ("--settings", "settings.yaml"),
         {"roster.csv": ROSTER, "settings.yaml": "travel_miles: {in_area: .inf}\n"},
         "expected a finite number", "settings.yaml", None, "travel_miles.in_area"),
        ("settings nested 60 deep", "roster.csv", ("--settings", "settings.yaml"),
         {"roster.csv": ROSTER, "settings.yaml": "home_la: " + "[" * 60 + "]" * 60 + "\n"},
         "the file is nested too deeply", "settings.yaml", None, "home_la" + ".0" * 40),
        ("a workbook of random bytes", "roster.csv", (),
         {"roster.csv": ROSTER}, None, None, None, None),
    ]
]
# The last import case swaps the workbook for random bytes (see the fixture).
IMPORT_CASES[-1] = Case("import a workbook of random bytes", (
    "import", "annex-a", "annex.xlsx", "--roster", "roster.csv", "--out", "imported"),
    "not a readable .xlsx workbook", "annex.xlsx",
    files={"roster.csv": ROSTER, "annex.xlsx": bytes(range(256)) * 8}, out="imported")

ALL = (CASELOAD_CASES + WORKBOOK_CASES + TEAM_CASES + SCHEME_CASES + POLICY_CASES
       + SCENARIO_CASES + SET_CASES + CLI_CASES + OUTPUT_CASES + IMPORT_CASES)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The good files every case starts from."""
    (tmp_path / "team.yaml").write_text(TEAM, encoding="utf-8")
    (tmp_path / "caseload.csv").write_text(CASELOAD, encoding="utf-8")
    (tmp_path / "waiting.csv").write_text(WAITING, encoding="utf-8")
    for name in ("baseline.yaml", "single_team.yaml"):
        (tmp_path / name).write_text((ROOT / "scenarios" / name).read_text(encoding="utf-8"),
                                     encoding="utf-8")
    return tmp_path


def write(folder: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name == "waiting.csv" and content == "":
            path.unlink()  # the team file names a waiting list that is not there
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def leftovers(folder: Path) -> list[str]:
    """Temporary files or folders an interrupted or failed write would leave."""
    return sorted(p.name for p in folder.rglob(".*") if ".tmp" in p.name or ".partial-" in p.name)


@pytest.mark.parametrize("case", ALL, ids=[c.id for c in ALL])
def test_one_clear_line_and_nothing_written(case: Case, folder: Path, monkeypatch, capsys):
    write(folder, case.files)
    before = sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))
    monkeypatch.chdir(folder)
    code, out, err = run_cli(monkeypatch, capsys, *case.args)
    assert code == 2, err
    assert out == ""
    assert "Traceback" not in err
    assert err.endswith("\n") and err.count("\n") == 1, err
    line = err.rstrip("\n")
    assert line.startswith("error: " + (f"{case.file}" if case.file else "")), line
    assert (f", row {case.row}" in line) is (case.row is not None), line
    if case.field is not None:
        assert f"field '{case.field}'" in line, line
    assert case.says in line, line
    assert not NAME_PARTS & set(line.replace(",", " ").replace(";", " ").split()), line
    after = sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))
    assert after == before  # nothing written, nothing left half-written
    assert leftovers(folder) == []


def test_there_are_at_least_a_hundred_cases_here():
    assert len(ALL) >= 100
