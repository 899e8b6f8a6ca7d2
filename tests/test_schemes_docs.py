"""docs/schemes.md describes every scheme setting and shipped scheme, and its examples
work as written: the extends example loads and scores, the error lines are real."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from allocopt.cli import main
from allocopt.domain import Child, Household, Status
from allocopt.io.schemes import load_scheme, shipped_names
from allocopt.schemes import model
from allocopt.schemes.scoring import score_case

from .conftest import EXAMPLES

DOC = (Path(__file__).parents[1] / "docs" / "schemes.md").read_text(encoding="utf-8")
MODELS = (model.Scheme, model.When, model.PerChildRule, model.PerHouseholdRule, model.LookupRule,
          model.RatingRule, model.RatingRange, model.WorkItemsRule, model.Column,
          model.ExperienceBand, model.Benchmark, model.DutyRule, model.RagBand, model.CountCap,
          model.Protections, model.TeamView, model.ActionDue)


def yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", DOC, re.S)


def test_every_scheme_setting_is_documented():
    fields = {f for m in MODELS for f in m.model_fields}
    assert sorted(f for f in fields if not re.search(rf"`{f}\b", DOC)) == []
    kinds = ("per_child", "per_household", "lookup", "rating", "work_items")
    assert all(f"| `{k}` |" in DOC for k in kinds)


def test_every_shipped_scheme_is_listed_with_its_unit():
    listed = dict(re.findall(r"^\| `([a-z-]+)` \| (points|hours|cases) \|", DOC, re.M))
    assert listed == {name: load_scheme(name).unit.value for name in shipped_names()}


def test_the_settings_examples_are_valid_scheme_parts():
    parts: dict[str, object] = {}
    for block in yaml_blocks():
        data = yaml.safe_load(block)
        if "extends" not in data:
            parts.update(data)
    for band in parts["rag"]:
        model.RagBand.model_validate(band)
    for band in parts["experience_bands"]:
        model.ExperienceBand.model_validate(band)
    for bm in parts["benchmarks"]:
        model.Benchmark.model_validate(bm)
    for duty in parts["duties"].values():
        model.DutyRule.model_validate(duty)
    model.Protections.model_validate(parts["protections"])
    model.TeamView.model_validate(parts["team_view"])
    for due in parts["actions_due"]:
        model.ActionDue.model_validate(due)
    for rule in parts["rules"].values():
        model.PerChildRule.model_validate(rule)


@pytest.fixture
def ours(tmp_path: Path) -> Path:
    block = next(b for b in yaml_blocks() if b.startswith("# our-scheme.yaml"))
    (tmp_path / "our-scheme.yaml").write_text(block, encoding="utf-8")
    return tmp_path / "our-scheme.yaml"


def test_the_extends_example_loads_and_scores_as_it_says(ours):
    scheme = load_scheme(str(ours))
    assert (scheme.id, scheme.co_working_share) == ("our-swindon", 0.4)
    assert "cp_complex" not in scheme.rules
    on = date(2026, 12, 1)
    cp = Household(id="H", children=(Child(id="C", status=Status.CP, complex=True),))
    assert score_case(scheme, cp, None, on).columns == {"base": 10, "cp": 8}
    yj = Household(id="Y", children=(Child(id="C", status=Status.CIN, age=14),))
    assert score_case(scheme, yj, None, on).columns == {"base": 14}


@pytest.mark.parametrize(("change", "line"), [
    (("per_child", "per_young_person"), 0), (("column: base", "column: youth"), 1), (None, 2)])
def test_the_documented_errors_are_what_allocopt_prints(monkeypatch, capsys, ours, change, line):
    text = ours.read_text(encoding="utf-8")
    if change is None:
        roles = "[social_worker, senior, consultant, family_support_practitioner, " \
                "leaving_care_adviser]"
        text += f"benchmarks:\n  - {{role: {roles}, benchmark: 400}}\n"
    else:
        text = text.replace(*change)
    ours.write_text(text, encoding="utf-8")
    for name in ("team.yaml", "caseload.csv"):
        shutil.copy(EXAMPLES / "annex-points" / name, ours.parent / name)
    monkeypatch.chdir(ours.parent)
    monkeypatch.setattr("sys.argv", ["allocopt", "score", "team.yaml", "--scheme",
                                     "our-scheme.yaml"])
    with pytest.raises(SystemExit) as e:
        main()
    assert e.value.code == 2
    documented = re.search(r"```text\n(.*?)```", DOC.split("## Copying")[1], re.S)
    assert documented is not None
    assert capsys.readouterr().err == documented.group(1).splitlines()[line] + "\n"
