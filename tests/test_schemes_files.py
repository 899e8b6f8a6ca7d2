"""Scheme files: every shipped scheme loads and is listed; copies and `extends:` work;
a broken scheme file is reported by file and field."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from allocopt.domain import Child, Household, Status
from allocopt.errors import InputError
from allocopt.io.schemes import load_scheme, scheme_path, shipped_dir, shipped_names
from allocopt.schemes.scoring import score_case

from .conftest import run_cli

SHIPPED = [
    "banes-counts", "crude-count", "mental-health", "swindon", "swindon-disabled",
    "swindon-fostering", "swindon-leaving-care", "tasks-based", "time-based", "tower-hamlets",
    "weighted-case-limit",
]
UNITS = {"banes-counts": "cases", "crude-count": "cases", "weighted-case-limit": "cases",
         "time-based": "hours"}




def test_the_shipped_schemes_are_exactly_those_domain_md_names():
    assert shipped_names() == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_scheme_loads_and_cites_its_source(name):
    scheme = load_scheme(name)
    assert scheme.id == name
    assert scheme.unit.value == UNITS.get(name, "points")
    assert re.search(r"\[00[0-4]\]", scheme.source)
    assert scheme.rules and scheme.columns and scheme.benchmarks
    # The RAG bands are the DOMAIN.md defaults everywhere but crude-count's amber.
    assert [b.name for b in scheme.rag] == ["blue", "green", "amber", "red"]
    assert scheme.rag[0].below == 95 and scheme.rag[1].up_to == 100


def test_allocopt_schemes_lists_every_shipped_scheme(monkeypatch, capsys):
    code, out, _ = run_cli(monkeypatch, capsys, "schemes")
    assert code == 0
    listed = re.findall(r"^\s+([a-z][a-z-]+[a-z])\s{2,}(points|hours|cases)\b", out, re.M)
    assert [name for name, _ in listed] == SHIPPED
    assert dict(listed) == {n: UNITS.get(n, "points") for n in SHIPPED}


def test_scheme_file_copies_a_shipped_scheme_that_loads_back_identical(monkeypatch, capsys,
                                                                        tmp_path):
    out = tmp_path / "ours.yaml"
    code, text, _ = run_cli(monkeypatch, capsys, "scheme-file", "swindon", str(out))
    assert code == 0 and text == f"wrote {out}\n"
    assert load_scheme(str(out)) == load_scheme("swindon")


def test_a_local_copy_extends_a_shipped_scheme_and_overrides_only_what_it_says(tmp_path):
    (tmp_path / "ours.yaml").write_text(
        "extends: swindon\n"
        "id: ours\n"
        "rules:\n"
        "  cp: {points: 8}\n"        # merged into the parent's rule
        "  cp_complex: null\n"       # removed
        "co_working_share: 0.25\n", encoding="utf-8")
    ours = load_scheme("ours.yaml", relative_to=tmp_path)
    base = load_scheme("swindon")
    assert ours.id == "ours" and ours.name == base.name
    assert ours.rules["cp"].points == 8 and ours.rules["cp"].label == base.rules["cp"].label
    assert "cp_complex" not in ours.rules
    h = Household(id="H", children=(Child(id="C", status=Status.CP, complex=True),))
    on = date(2026, 12, 1)
    assert score_case(ours, h, None, on).columns == {"base": 10, "cp": 8}
    assert score_case(ours, h, None, on, "secondary").total == 4.5


def test_extends_chains_through_local_files(tmp_path):
    (tmp_path / "a.yaml").write_text("extends: swindon\nid: a\nco_working_share: 1\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\nid: b\ndecimals: 2\n")
    b = load_scheme(str(tmp_path / "b.yaml"))
    assert (b.id, b.decimals, b.co_working_share) == ("b", 2, 1)


def test_extends_loop_and_missing_parent_are_named(tmp_path):
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    with pytest.raises(InputError, match=r"files extend each other in a loop; found "
                                         r"'a.yaml -> b.yaml -> a.yaml'"):
        load_scheme(str(tmp_path / "a.yaml"))
    (tmp_path / "c.yaml").write_text("extends: swindn\n")
    with pytest.raises(InputError) as e:
        load_scheme(str(tmp_path / "c.yaml"))
    assert e.value.file == str(tmp_path / "c.yaml")
    assert e.value.field == "extends" and e.value.found == "swindn"
    assert e.value.problem == "unknown scheme 'swindn'"


def test_unknown_scheme_name_lists_the_shipped_ones():
    with pytest.raises(InputError) as e:
        scheme_path("towerhamlets")
    assert e.value.problem == "unknown scheme 'towerhamlets'"
    assert e.value.expected is not None and "tower-hamlets" in e.value.expected


def test_shipped_scheme_files_are_installed_with_the_package():
    assert shipped_dir().is_dir()
    assert sorted(p.stem for p in Path(shipped_dir()).glob("*.yaml")) == SHIPPED
