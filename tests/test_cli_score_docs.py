"""docs/caseload.md cannot drift from the code: its column table is generated from
`COLUMNS` (set ALLOCOPT_UPDATE_DOCS=1 to rewrite it), and every team-file field is
documented."""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

from allocopt.domain import Duty, Period, Worker
from allocopt.io.caseload_file import COLUMNS
from allocopt.io.cells import to_work_items
from allocopt.io.team_file import TeamFile, TeamHeader

DOC = Path(__file__).parents[1] / "docs" / "caseload.md"
START, END = "<!-- columns:start -->\n", "<!-- columns:end -->\n"


def columns_table() -> str:
    lines = ["| column | level | required | what to enter | example |", "|---|---|---|---|---|"]
    for c in COLUMNS:
        cells = (f"`{c.name}`", c.level, "yes" if c.required else "", c.description, c.example)
        lines.append("| " + " | ".join(x.replace("|", "\\|") for x in cells) + " |")
    return "\n".join(lines) + "\n"


def test_column_table_matches_the_code():
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(START)
    documented, tail = rest.split(END)
    if os.environ.get("ALLOCOPT_UPDATE_DOCS") == "1" and documented != columns_table():
        DOC.write_text(head + START + columns_table() + END + tail, encoding="utf-8")
        documented = columns_table()
    assert documented == columns_table(), (
        "docs/caseload.md is out of date: run ALLOCOPT_UPDATE_DOCS=1 pytest "
        "tests/test_cli_score_docs.py")


def test_every_team_file_field_is_documented():
    text = DOC.read_text(encoding="utf-8")
    fields = [*TeamFile.model_fields, *TeamHeader.model_fields, *Worker.model_fields,
              *Duty.model_fields, *Period.model_fields]
    assert [f for f in fields if f"`{f}`" not in text] == []


def test_the_documented_team_file_is_valid():
    text = DOC.read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(.*?)```", text, re.S)
    assert example is not None
    parsed = TeamFile.model_validate(yaml.safe_load(example.group(1)))
    assert [w.id for w in parsed.workers] == ["W01", "W04"]
    assert parsed.workers[1].fte == 0.6


def test_the_documented_work_items_parse():
    text = DOC.read_text(encoding="utf-8")
    items = re.findall(r"^\| `([^`]+)` \| (?:life|open|four|25)", text, re.M)
    assert len(items) == 4
    parsed = [to_work_items(i)[0] for i in items]
    assert [(p.kind, p.count, p.amount) for p in parsed] == [
        ("life_story", 1, None), ("parenting_assessment", 1, None), ("home_visit", 4, None),
        ("casework", 1, 25)]
    assert parsed[0].start is not None and parsed[1].end is None
