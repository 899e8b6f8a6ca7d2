"""docs/whatif.md stays true: every command line in it parses (its --set and --target
values, its options), the outcome list is the simulator's, and the Python example
names what the library exports."""

from __future__ import annotations

import re
import shlex

import pytest
from typer.main import get_command

from allocopt.cli import app
from allocopt.simulation.records import METRIC_NAMES
from allocopt.whatif.intake import DEFAULT_TARGETS, parse_target
from allocopt.whatif.sweep import parse_parameter

from .conftest import ROOT

DOC = (ROOT / "docs" / "whatif.md").read_text()
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", DOC, flags=re.S)
COMMANDS = [line.split("#")[0].strip() for lang, block in BLOCKS if not lang
            for line in block.splitlines() if line.startswith("allocopt ")
            and "[" not in line]


def test_there_are_examples_of_each_command():
    used = {shlex.split(c)[1] for c in COMMANDS}
    assert used >= {"compare", "sweep", "plan-intake"}


@pytest.mark.parametrize("line", COMMANDS)
def test_each_example_command_parses(line):
    words = shlex.split(line)[1:]
    command = get_command(app).get_command(None, words[0])  # type: ignore[attr-defined]
    assert command is not None
    context = command.make_context(words[0], words[1:], resilient_parsing=False)
    for text in context.params.get("set_") or []:
        if words[0] == "sweep":
            parse_parameter(text)
        else:
            assert "=" in text
    for text in context.params.get("target") or []:
        parse_target(text)


def test_the_default_targets_are_the_documented_ones():
    documented = re.findall(r"^--target '(\S+)'", DOC, flags=re.M)
    assert [parse_target(t) for t in documented[:3]] == list(DEFAULT_TARGETS)


def test_the_outcome_list_is_the_simulators():
    paragraph = DOC.split("Any outcome can be a target:")[1].split("\n\n")[0]
    assert re.findall(r"`(\w+)`", paragraph) == list(METRIC_NAMES)


def test_the_python_example_compiles_and_uses_the_public_api():
    [example] = [block for lang, block in BLOCKS if lang == "python"]
    compile(example, "docs/whatif.md", "exec")
    import allocopt

    used = set(re.findall(r"allocopt\.(\w+)\(", example))
    assert used >= {"load_scenario", "compare", "sweep", "plan_intake", "answer"}
    assert all(name in allocopt.__all__ for name in used)
