"""`allocopt import ...` through the command line (typer's CliRunner)."""

from __future__ import annotations

import json
import subprocess
import sys

import openpyxl
import pytest
from typer.testing import CliRunner

from allocopt.cli import app
from allocopt.errors import InputError
from allocopt.io.extracts.settings import ImportSettings, read_settings

from .conftest import EXAMPLES

runner = CliRunner()
ANNEX = EXAMPLES / "annex-a"
SSD = EXAMPLES / "ssd"


def annex_args(out, *extra: str) -> list[str]:
    return ["import", "annex-a", str(ANNEX / "annex-a.xlsx"), "--roster", str(ANNEX / "roster.csv"),
            "--overrides", str(ANNEX / "overrides.csv"), "--settings",
            str(ANNEX / "import-settings.yaml"), "--team", "North long-term team", "--team-id",
            "north-lt", "--scheme", "tower-hamlets", "--date", "2026-12-01", "--out", str(out),
            *extra]


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "north"
    result = runner.invoke(app, annex_args(out))
    assert result.exit_code == 0, result.output
    return out, result.output


def test_annex_a_import_prints_the_report_and_writes_the_files(imported):
    out, output = imported
    assert "Imported 181 children in 84 households" in output
    assert "Unallocated children" in output and "R0001-1" in output
    assert f"Next: allocopt score {out / 'team.yaml'}" in output
    names = {p.name for p in out.iterdir()}
    assert names == {"team.yaml", "caseload.csv", "waiting.csv", "import-report.md",
                     "import-report.csv"}


def test_the_imported_team_scores_like_the_hand_written_one(imported):
    out, _ = imported
    by_hand = runner.invoke(app, ["score", str(EXAMPLES / "team.yaml"), "--format", "json"])
    from_import = runner.invoke(app, ["score", str(out / "team.yaml"), "--format", "json"])
    assert from_import.exit_code == 0, from_import.output
    assert json.loads(from_import.output) == json.loads(by_hand.output)


def test_explain_shows_where_the_inputs_came_from(imported):
    out, _ = imported
    result = runner.invoke(app, ["explain", str(out / "team.yaml"), "W04"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())  # the table wraps long cells
    assert "Where the inputs came from" in text
    assert "qualified_on 2016-01-11 (roster.csv row 5)" in text
    assert "contracted_hours 22.2 (roster.csv row 5)" in text
    assert "status CP (Annex A List 7 row 11)" in text
    assert "worker_id W04 (Annex A List 7 row 11)" in text
    assert "rating_additional_factors 1 (overrides.csv row 12)" in text


def test_ssd_import(tmp_path):
    result = runner.invoke(app, ["import", "ssd", str(SSD / "extract"), "--roster",
                                 str(SSD / "roster.csv"), "--overrides", str(SSD / "overrides.csv"),
                                 "--team", "North long-term team", "--date", "2026-12-01",
                                 "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Imported 181 children" in result.output
    assert "No FTE (counted full time)" in result.output
    assert (tmp_path / "team.yaml").is_file()


def test_annex_a_needs_a_roster(tmp_path):
    result = runner.invoke(app, ["import", "annex-a", str(ANNEX / "annex-a.xlsx"), "--out",
                                 str(tmp_path)])
    assert result.exit_code == 2
    assert "--roster" in result.output


def test_broken_input_is_an_input_error_naming_the_place(tmp_path):
    path = tmp_path / "annex-a.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "List 7"
    wb.active.append(["Reference", "Gender"])
    wb.active.append(["C1", "a) Male"])
    wb.save(path)
    result = runner.invoke(app, ["import", "annex-a", str(path), "--roster",
                                 str(ANNEX / "roster.csv"), "--out", str(tmp_path / "out")])
    assert isinstance(result.exception, InputError)
    assert "sheet 'List 7', row 1" in result.exception.message
    assert not (tmp_path / "out" / "team.yaml").exists()


def test_the_console_script_exits_2_with_one_line_and_no_traceback(tmp_path):
    path = tmp_path / "annex-a.xlsx"
    path.write_text("not a workbook")
    script = "from allocopt.cli import main; main()"
    done = subprocess.run([sys.executable, "-c", script, "import", "annex-a", str(path),
                           "--roster", str(ANNEX / "roster.csv"), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(f"error: {path}: not a readable .xlsx workbook")


def test_settings_command_writes_the_defaults(tmp_path):
    result = runner.invoke(app, ["import", "settings", str(tmp_path / "settings.yaml")])
    assert result.exit_code == 0
    assert read_settings(tmp_path / "settings.yaml") == ImportSettings()
    text = (tmp_path / "settings.yaml").read_text()
    assert "allocated_worker_roles" in text and "# SSD involvement roles" in text


def test_a_bad_settings_file_is_an_input_error(tmp_path):
    (tmp_path / "s.yaml").write_text("allocated_worker_role: [CW]\n")
    args = annex_args(tmp_path / "out")
    args[args.index("--settings") + 1] = str(tmp_path / "s.yaml")
    result = runner.invoke(app, args)
    assert isinstance(result.exception, InputError)
    assert "allocated_worker_role" in result.exception.message


def test_an_unknown_scheme_is_refused_before_anything_is_written(tmp_path):
    args = annex_args(tmp_path / "out")
    args[args.index("tower-hamlets")] = "no-such-scheme"
    result = runner.invoke(app, args)
    assert isinstance(result.exception, InputError)
    assert not (tmp_path / "out").exists()


def test_a_local_scheme_file_is_named_relative_to_the_team_file(tmp_path):
    scheme = tmp_path / "schemes" / "ours.yaml"
    scheme.parent.mkdir()
    scheme.write_text("extends: tower-hamlets\nid: ours\n")
    args = annex_args(tmp_path / "out")
    args[args.index("tower-hamlets")] = str(scheme)
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "scheme: ../schemes/ours.yaml" in (tmp_path / "out" / "team.yaml").read_text()
    scored = runner.invoke(app, ["score", str(tmp_path / "out" / "team.yaml"), "-f", "json"])
    assert json.loads(scored.output)["scheme"]["id"] == "ours"


def test_show_names_is_accepted_and_names_nobody_when_the_extract_has_none(tmp_path):
    result = runner.invoke(app, annex_args(tmp_path, "--show-names"))
    assert result.exit_code == 0, result.output
