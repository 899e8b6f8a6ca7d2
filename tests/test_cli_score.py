"""`allocopt score`, `explain` and `template` through the real entry point: the table,
JSON (allocopt.score/1, byte-identical on repeat), CSV, --out written atomically,
--date moving experience bands, and templates that read back."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from allocopt.io.atomic import atomic_path, write_text
from allocopt.io.board_export import CSV_FIELDS, SCORE_SCHEMA
from allocopt.io.caseload_file import COLUMNS, read_caseload
from allocopt.io.tables import read_table
from allocopt.io.team_file import read_team
from allocopt.io.template import template_header

from .conftest import EXAMPLES, run_cli

POINTS = EXAMPLES / "annex-points" / "team.yaml"
TIME = EXAMPLES / "annex-time" / "team.yaml"
TEAM = EXAMPLES / "team.yaml"


run = run_cli


def ok(monkeypatch, capsys, *args: str | Path) -> str:
    code, out, err = run(monkeypatch, capsys, *args)
    assert (code, err) == (0, ""), err
    return out


# The table -------------------------------------------------------------------------------


def test_table_shows_the_worked_example_row_and_summary(monkeypatch, capsys):
    out = ok(monkeypatch, capsys, "score", POINTS)
    row = next(line for line in out.splitlines() if line.lstrip().startswith("X Social worker X"))
    assert row.split()[-10:] == ["7y", "1.00", "50", "50", "100.0%", "GREEN", "0", "17", "12", "2"]
    assert re.search(r"Load\s+50 of 50 points \(100\.0%\); average worker 100\.0%", out)
    assert "17 in 9 households (3 CIN, 2 CLA, 12 CP)" in out
    assert "Actions and notes" not in out  # nothing to do at 100 %


def test_table_lists_every_worker_with_their_band_and_the_actions(monkeypatch, capsys):
    out = ok(monkeypatch, capsys, "score", TEAM)
    lines = out.splitlines()
    for wid in (f"W{i:02d}" for i in range(1, 11)):
        assert sum(line.lstrip().startswith(wid + " ") for line in lines) >= 1
    w02 = next(line for line in lines if line.lstrip().startswith("W02 Ben Okafor"))
    assert "110.0%" in w02 and "RED" in w02
    assert any(line.startswith("W02  RED  Remove cases or tasks") for line in lines)
    assert "Team summary" in out


# JSON -------------------------------------------------------------------------------------


def test_json_schema_and_the_worked_example_values(monkeypatch, capsys):
    data = json.loads(ok(monkeypatch, capsys, "score", POINTS, "--format", "json"))
    assert data["schema"] == SCORE_SCHEMA == "allocopt.score/1"
    assert (data["date"], data["scheme"]["id"], data["team"]["id"]) == (
        "2026-12-01", "tower-hamlets", "annex-points")
    (x,) = data["workers"]
    assert {k: x[k] for k in ("id", "casework", "load", "benchmark", "load_pct", "spare",
                              "surplus_pct", "rag", "children", "households")} == {
        "id": "X", "casework": 45, "load": 50, "benchmark": 50, "load_pct": 100, "spare": 0,
        "surplus_pct": 0, "rag": "green", "children": 17, "households": 9}
    assert x["action"] == "None: acceptable load"
    totals = {c["household_id"]: c["total"] for c in x["cases"]}
    assert totals == {"A": 6, "B": 5, "C": 9, "D": 4, "E": 7, "F": 5, "G": 4, "H": 3, "I": 2}
    a = x["cases"][0]
    assert a["columns"] == {"base": 1, "status": 3, "intervention": 2}
    assert [ln["rule"] for ln in a["lines"]] == ["base", "lac", "care_proceedings", "intervention"]
    assert data["summary"]["total_load"] == 50 and data["warnings"] == []


def test_json_is_byte_identical_on_repeat_runs(monkeypatch, capsys):
    first = ok(monkeypatch, capsys, "score", TEAM, "--format", "json")
    second = ok(monkeypatch, capsys, "score", TEAM, "--format", "json")
    assert first == second
    assert first.endswith("}\n")


def test_json_is_byte_identical_across_processes_and_hash_seeds(tmp_path):
    entry = "import sys; from allocopt.cli import main; sys.argv[0] = 'allocopt'; main()"
    outs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", entry, "score", str(TEAM), "--scheme",
                               "swindon", "--format", "json"], env=env, capture_output=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        outs.append(done.stdout)
    assert outs[0] == outs[1]
    assert json.loads(outs[0])["scheme"]["id"] == "swindon"


def test_every_json_field_is_documented(monkeypatch, capsys):
    data = json.loads(ok(monkeypatch, capsys, "score", TIME, "--format", "json"))
    doc = (Path(__file__).parents[1] / "docs" / "score-json.md").read_text(encoding="utf-8")
    assert "allocopt.score/1" in doc
    worker = data["workers"][0]
    keys = {*data, *data["scheme"], *data["team"], *worker, *data["summary"],
            *worker["duties"][0], *worker["cases"][0], *worker["cases"][0]["lines"][0],
            *CSV_FIELDS}
    missing = sorted(k for k in keys if f"`{k}`" not in doc)
    assert missing == []


# CSV --------------------------------------------------------------------------------------


def test_csv_has_one_row_per_worker_matching_the_json(monkeypatch, capsys):
    rows = list(csv.DictReader(io.StringIO(ok(monkeypatch, capsys, "score", TEAM, "-f", "csv"))))
    data = json.loads(ok(monkeypatch, capsys, "score", TEAM, "-f", "json"))
    assert list(rows[0]) == list(CSV_FIELDS)
    assert [r["worker_id"] for r in rows] == [w["id"] for w in data["workers"]]
    for r, w in zip(rows, data["workers"], strict=True):
        assert float(r["load"]) == w["load"] and float(r["benchmark"]) == w["benchmark"]
        assert float(r["load_pct"]) == w["load_pct"] and r["rag"] == w["rag"]
        assert int(r["cp"]) == w["by_status"].get("CP", 0)
        assert r["action"] == w["action"]


# --out ------------------------------------------------------------------------------------


def test_out_writes_the_same_bytes_as_stdout_with_ordinary_permissions(monkeypatch, capsys,
                                                                       tmp_path):
    shown = ok(monkeypatch, capsys, "score", TEAM, "-f", "json")
    target = tmp_path / "reports" / "board.json"
    assert ok(monkeypatch, capsys, "score", TEAM, "-f", "json", "--out", target) == ""
    assert target.read_text(encoding="utf-8") == shown
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    assert [p.name for p in target.parent.iterdir()] == ["board.json"]


def test_out_leaves_the_previous_file_untouched_when_the_input_is_bad(monkeypatch, capsys,
                                                                      tmp_path):
    target = tmp_path / "board.csv"
    target.write_text("yesterday's board\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("household_id,child_id,status\nH1,C1,XX\n", encoding="utf-8")
    code, out, err = run(monkeypatch, capsys, "score", TEAM, "-f", "csv", "--caseload", bad,
                         "--out", target)
    assert code == 2 and out == "" and "field 'status'" in err
    assert target.read_text(encoding="utf-8") == "yesterday's board\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "board.csv"]


def test_a_write_that_fails_half_way_leaves_no_partial_file(tmp_path):
    target = tmp_path / "board.json"
    write_text(target, "old\n")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half a bo", encoding="utf-8")
        raise RuntimeError("disk full")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["board.json"]


def test_an_overwritten_file_keeps_its_mode(tmp_path):
    target = tmp_path / "board.csv"
    target.write_text("old\n")
    target.chmod(0o640)
    write_text(target, "new\n")
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


# explain ----------------------------------------------------------------------------------


def test_explain_shows_every_case_and_the_annex_sums(monkeypatch, capsys):
    out = ok(monkeypatch, capsys, "explain", POINTS, "X")
    lines = [line.split() for line in out.splitlines()]
    rows = {ln[0]: ln[1:] for ln in lines if ln and len(ln[0]) == 1 and ln[0] in "ABCDEFGHI"}
    assert rows["A"] == ["1", "1", "3", "2", "-", "6"]
    assert rows["E"] == ["1", "1", "1", "3", "2", "7"]
    assert rows["I"] == ["1", "1", "-", "1", "-", "2"]
    assert "E: base: 1 child x 1; child protection plan in the household: 1;" in out
    for text in ("Case points                       45", "Grand total (required)            50",
                 "Benchmark (available)             50", "+0.0% of the benchmark",
                 "None: acceptable load", "9 / 17"):
        assert text in out


def test_explain_the_time_template(monkeypatch, capsys):
    out = ok(monkeypatch, capsys, "explain", TIME, "P")
    for text in ("Case-work                                                95.0",
                 "Grand total (required)                                  146.4",
                 "Benchmark (available)                                   148.0",
                 "+1.6", "+1.1% of the benchmark", "98.9%"):
        assert text in out


def test_childrens_names_never_appear_in_any_output(monkeypatch, capsys, tmp_path):
    shutil.copy(POINTS, tmp_path / "team.yaml")
    rows = (EXAMPLES / "annex-points" / "caseload.csv").read_text().splitlines()
    named = [rows[0] + ",child_name"] + [f"{r},Zebedee Quuxworth{i}" for i, r in
                                         enumerate(rows[1:])]
    (tmp_path / "caseload.csv").write_text("\n".join(named) + "\n")
    outputs = [ok(monkeypatch, capsys, "score", tmp_path / "team.yaml", "-f", f)
               for f in ("table", "json", "csv")]
    outputs.append(ok(monkeypatch, capsys, "explain", tmp_path / "team.yaml", "X"))
    assert json.loads(outputs[1])["workers"][0]["load"] == 50  # the names changed nothing
    assert not any("Zebedee" in text or "Quuxworth" in text for text in outputs)


# --date ------------------------------------------------------------------------------------


@pytest.fixture
def nqsw_team(tmp_path: Path) -> Path:
    (tmp_path / "team.yaml").write_text(
        "team: {id: t, name: New starters}\nscheme: tower-hamlets\nas_of: 2026-06-20\n"
        "caseload: caseload.csv\nworkers:\n  - {id: N1, qualified_on: 2026-01-15}\n",
        encoding="utf-8")
    (tmp_path / "caseload.csv").write_text(
        "household_id,child_id,status,worker_id,intervention_level\nH1,C1,CIN,N1,medium\n"
        "H1,C2,CIN,N1,\nH2,C3,CIN,N1,low\n", encoding="utf-8")
    return tmp_path / "team.yaml"


@pytest.mark.parametrize(("when", "months", "band", "benchmark"), [
    (None, 5, "nqsw_0_6", 30), ("2026-07-14", 5, "nqsw_0_6", 30),
    ("2026-07-15", 6, "nqsw_6_12", 35), ("20/08/2026", 7, "nqsw_6_12", 35),
    ("2027-01-15", 12, "year_2", 40)])
def test_date_moves_the_experience_band(monkeypatch, capsys, nqsw_team, when, months, band,
                                        benchmark):
    args = ["score", nqsw_team, "-f", "json"] + (["--date", when] if when else [])
    data = json.loads(ok(monkeypatch, capsys, *args))
    (w,) = data["workers"]
    assert (w["experience_months"], w["experience_band"], w["benchmark"]) == (
        months, band, benchmark)
    assert w["load"] == 6  # 3 children + medium 2 + low 1
    assert w["load_pct"] == pytest.approx(6 / benchmark * 100)


def test_scheme_option_rescored_the_same_team(monkeypatch, capsys):
    data = json.loads(ok(monkeypatch, capsys, "score", POINTS, "-f", "json", "-s", "banes-counts"))
    (x,) = data["workers"]
    assert (data["scheme"]["unit"], x["casework"], x["benchmark"]) == ("cases", 17, 22)


# template ------------------------------------------------------------------------------


def test_csv_template_reads_back(monkeypatch, capsys, tmp_path):
    path = tmp_path / "caseload.csv"
    assert ok(monkeypatch, capsys, "template", path) == f"wrote {path}\n"
    header = path.read_text(encoding="utf-8").splitlines()
    assert header == [",".join(template_header())]
    assert template_header()[: len(COLUMNS)] == [c.name for c in COLUMNS]
    values = {"household_id": "H1", "child_id": "C1", "status": "CP", "worker_id": "W01",
              "rating_intervention": "2", "intervention_level": "medium"}
    with path.open("a", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerow([values.get(h, "") for h in template_header()])
    source = read_caseload(path)
    (h,) = source.caseload.households
    assert (h.id, h.children[0].status.value, h.ratings) == ("H1", "CP", {"intervention": 2})


def test_xlsx_template_has_the_caseload_sheet_and_the_column_guide(monkeypatch, capsys,
                                                                   tmp_path):
    path = tmp_path / "caseload.xlsx"
    ok(monkeypatch, capsys, "template", path)
    table = read_table(path, preferred_sheet="caseload")
    assert (table.sheet, table.header, table.rows) == ("caseload", template_header(), [])
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["caseload", "columns"]
    guide = [r[0] for r in book["columns"].iter_rows(min_row=2, values_only=True)]
    assert guide == [c.name for c in COLUMNS] + ["rating_<name>"]
    book["caseload"].append(["H1", "C1", "CLA", "W01"])
    book.save(path)
    (h,) = read_caseload(path).caseload.households
    assert h.children[0].status.value == "CLA"


def test_team_template_and_caseload_template_score_together(monkeypatch, capsys, tmp_path):
    ok(monkeypatch, capsys, "template", tmp_path / "team.yaml")
    ok(monkeypatch, capsys, "template", tmp_path / "caseload.csv")
    team = read_team(tmp_path / "team.yaml")
    assert team.caseload == tmp_path / "caseload.csv"
    assert [w.id for w in team.team.workers] == ["W01"]
    with (tmp_path / "caseload.csv").open("a", encoding="utf-8") as f:
        f.write("H1,C1,CIN,W01" + "," * (len(template_header()) - 4) + "\n")
    data = json.loads(ok(monkeypatch, capsys, "score", tmp_path / "team.yaml", "-f", "json"))
    assert data["workers"][0]["casework"] == 1


def test_template_never_replaces_a_filled_in_file_without_force(monkeypatch, capsys, tmp_path):
    path = tmp_path / "caseload.csv"
    path.write_text("household_id,child_id,status\nH1,C1,CP\n", encoding="utf-8")
    code, out, err = run(monkeypatch, capsys, "template", path)
    assert (code, out) == (2, "")
    assert err == (f"error: {path}: the file already exists; expected a new file name, "
                   "or --force to replace it\n")
    assert path.read_text(encoding="utf-8") == "household_id,child_id,status\nH1,C1,CP\n"
    code, _, _ = run(monkeypatch, capsys, "scheme-file", "swindon", path)
    assert code == 2 and path.read_text(encoding="utf-8").startswith("household_id")
    ok(monkeypatch, capsys, "template", path, "--force")
    assert path.read_text(encoding="utf-8").splitlines() == [",".join(template_header())]


def test_out_that_cannot_be_written_is_one_clear_line(monkeypatch, capsys, tmp_path):
    code, out, err = run(monkeypatch, capsys, "score", TEAM, "-f", "json", "--out", tmp_path)
    assert (code, out) == (2, "")
    assert err == f"error: {tmp_path}: is a folder, not a file; expected a file name to write to\n"
    blocker = tmp_path / "report.json"
    blocker.write_text("a file where a folder should be\n")
    code, out, err = run(monkeypatch, capsys, "score", TEAM, "-f", "csv", "--out",
                         blocker / "board.csv")
    assert (code, out) == (2, "")
    assert err == f"error: {blocker / 'board.csv'}: cannot write the file (File exists)\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_explain_a_worker_whose_duties_leave_no_capacity(monkeypatch, capsys, tmp_path):
    (tmp_path / "team.yaml").write_text(
        "team: {id: t}\nscheme: banes-counts\nas_of: 2026-12-01\ncaseload: caseload.csv\n"
        "workers:\n  - {id: W01, qualified_on: 2015-07-01, duties: [{kind: mentoring, "
        "amount: 30}]}\n", encoding="utf-8")
    (tmp_path / "caseload.csv").write_text("household_id,child_id,status,worker_id\nH1,C1,CP,W01\n",
                                           encoding="utf-8")
    out = ok(monkeypatch, capsys, "explain", tmp_path / "team.yaml", "W01")
    assert "Personal benchmark        0   22 x FTE 1.00 - duties 30" in out
    assert "Surplus / deficit        -1   no benchmark left" in out
    assert "no casework capacity after duties" in out
    data = json.loads(ok(monkeypatch, capsys, "score", tmp_path / "team.yaml", "-f", "json"))
    assert (data["workers"][0]["load_pct"], data["workers"][0]["rag"]) == (None, "red")
