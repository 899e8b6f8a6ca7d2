"""A team kept as one workbook (team, workers, caseload and waiting sheets) reads exactly as
the team file does; the templates offer a drop-down list for every coded column."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest
import yaml
from typer.testing import CliRunner

from allocopt.cli import app
from allocopt.domain import Role, Status
from allocopt.io.caseload_file import COLUMNS
from allocopt.io.team_file import read_team
from allocopt.io.template import WORKER_COLUMNS, team_workbook_template

from .conftest import EXAMPLES

runner = CliRunner()


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _duties(w: dict[str, object]) -> str:
    out = []
    for d in w.get("duties") or []:  # type: ignore[attr-defined]
        text = d["kind"]
        if d.get("amount") is not None:
            text += f"={d['amount']}"
        out.append(text)
    return "; ".join(out)


def example_workbook(target: Path) -> Path:
    """The shipped example team, typed into the blank team workbook template."""
    book = openpyxl.load_workbook(io.BytesIO(team_workbook_template()))
    data = yaml.safe_load((EXAMPLES / "team.yaml").read_text())
    team = book["team"]
    values = {"id": data["team"]["id"], "name": data["team"]["name"],
              "type": data["team"]["type"], "locality": data["team"]["locality"],
              "scheme": data["scheme"], "as_of": str(data["as_of"]), "policy": "policy.yaml",
              "waiting": ""}
    for row in team.iter_rows(min_row=2):
        row[1].value = values.get(row[0].value, "")
    workers = book["workers"]
    names = [c[0] for c in WORKER_COLUMNS]
    for w in data["workers"]:
        cells = {"worker_id": w["id"], "name": w.get("name"), "role": w.get("role"),
                 "qualified_on": str(w["qualified_on"]) if w.get("qualified_on") else None,
                 "started_on": str(w["started_on"]) if w.get("started_on") else None,
                 "contracted_hours": w.get("contracted_hours"), "duties": _duties(w) or None,
                 "leave": "; ".join(f"{p['start']}..{p['end']}" for p in w.get("leave") or [])
                 or None,
                 "leaving_on": str(w["leaving_on"]) if w.get("leaving_on") else None,
                 "locality": w.get("locality"), "skills": "; ".join(w.get("skills") or []) or None}
        workers.append([cells.get(n) for n in names])
    for sheet, source in (("caseload", "caseload.csv"), ("waiting", "waiting.csv")):
        ws = book[sheet]
        header = [c.value for c in ws[1]]
        rows = _rows(EXAMPLES / source)
        for extra in rows[0]:
            if extra not in header:
                header.append(extra)
                ws.cell(1, len(header)).value = extra
        for r in rows:
            ws.append([r.get(h) or None for h in header])
    book.save(target)
    (target.parent / "policy.yaml").write_text((EXAMPLES / "policy.yaml").read_text())
    return target


def test_a_team_workbook_reads_as_the_team_file(tmp_path: Path) -> None:
    path = example_workbook(tmp_path / "north.xlsx")
    book, yaml_team = read_team(path), read_team(EXAMPLES / "team.yaml")
    assert book.team == yaml_team.team
    assert (book.scheme, book.as_of) == (yaml_team.scheme, yaml_team.as_of)
    assert book.caseload == path and book.waiting == path
    # every command that reads a team file reads the workbook, with the same answers
    for args in (["score", "--format", "json"], ["allocate", "--format", "json"],
                 ["explain", "W02"], ["recommend", "R0001", "--format", "json"],
                 ["rebalance", "--format", "json"]):
        command, rest = args[0], args[1:]
        a = runner.invoke(app, [command, str(path), *rest])
        b = runner.invoke(app, [command, str(EXAMPLES / "team.yaml"), *rest])
        assert a.exit_code == 0 == b.exit_code, a.output
        if "--format" in rest:
            one, two = json.loads(a.output), json.loads(b.output)
            one.pop("warnings", None), two.pop("warnings", None)
            assert one == two, command
        else:
            assert a.output == b.output


def test_a_broken_workbook_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    from .conftest import run_cli

    path = example_workbook(tmp_path / "north.xlsx")
    book = openpyxl.load_workbook(path)
    book["workers"]["C2"].value = "wizard"  # role of W01
    book.save(path)
    code, _out, err = run_cli(monkeypatch, capsys, "score", path)
    assert code == 2 and "Traceback" not in err and err.count("\n") == 1
    assert "workers" in err and "wizard" in err
    del book["caseload"]
    book.save(path)
    code, _out, err = run_cli(monkeypatch, capsys, "score", path)
    assert code == 2 and "no 'caseload' sheet" in err


def test_templates_offer_every_code_as_a_drop_down(tmp_path: Path) -> None:
    for args, name in ((["template", str(tmp_path / "team.xlsx"), "--team"], "team.xlsx"),
                       (["template", str(tmp_path / "caseload.xlsx")], "caseload.xlsx")):
        assert runner.invoke(app, args).exit_code == 0
        book = openpyxl.load_workbook(tmp_path / name)
        sheets = ["caseload"] + (["waiting"] if name == "team.xlsx" else [])
        for sheet in sheets:
            ws = book[sheet]
            header = [c.value for c in ws[1]]
            lists = {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv.formula1
                     for dv in ws.data_validations.dataValidation}
            coded = [c for c in COLUMNS if c.choices]
            assert len(coded) >= 12
            for c in coded:
                letter = ws.cell(1, header.index(c.name) + 1).column_letter
                assert lists[letter] == '"' + ",".join(c.choices) + '"', c.name
            status = ws.cell(1, header.index("status") + 1).column_letter
            assert lists[status].strip('"').split(",") == [s.value for s in Status]
    workers = openpyxl.load_workbook(tmp_path / "team.xlsx")["workers"]
    lists = [(str(dv.sqref), dv.formula1) for dv in workers.data_validations.dataValidation]
    assert ("C2:C501", '"' + ",".join(r.value for r in Role) + '"') in lists
    assert ("L2:L501", '"yes,no"') in lists
    team = openpyxl.load_workbook(tmp_path / "team.xlsx")["team"]
    assert any("long_term" in dv.formula1 for dv in team.data_validations.dataValidation)
    assert team_workbook_template() == team_workbook_template()  # byte for byte
