"""docs/allocation.md lists every hard rule: a rule declared in allocation/rules.py
without its row in the docs' table, its switch in the policy or in the commented
example policy fails here (issue 11: the docs list every hard rule, where it is
declared and how each engine enforces it)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from allocopt.allocation.problem import HardRules
from allocopt.allocation.rules import HARD_RULES

from .conftest import EXAMPLES

DOC = (Path(__file__).parents[1] / "docs" / "allocation.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    found = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", DOC, re.S | re.M)
    assert found is not None, title
    return found.group(1)


def test_every_declared_hard_rule_has_a_row_in_the_docs() -> None:
    section = _section("Hard rules")
    rows = re.findall(r"^\| `(\w+)` \|", section, re.M)
    assert rows == [r.name for r in HARD_RULES]
    # where they are declared, and the table of how each engine enforces them
    assert "declared once, in `allocation/rules.py`" in section
    assert "**How each engine enforces them.**" in section


def test_every_declared_hard_rule_can_be_switched_in_the_policy() -> None:
    names = {r.name for r in HARD_RULES}
    assert set(HardRules.model_fields) == names
    example = yaml.safe_load((EXAMPLES / "policy.yaml").read_text(encoding="utf-8"))
    assert set(example["rules"]) == names
