"""Tables fitted to a terminal's width without cutting a figure (report/table_fit.py).

- a table that fits is left as it is;
- a long label column wraps instead of the figures being cut (the simulator's
  summary at 80 columns showed ``104.…``);
- long headings wrap, then break inside a word, before a figure is cut (plan-intake's
  targets at 80 columns showed ``+£21,1…``), and so does a label's word;
- on random tables at any width the figures alone fit in, every figure is printed
  whole and no line is wider than the terminal;
- tables inside a group are fitted too, and the commands' views at 80 columns print
  every figure whole;
- the board says what it leaves out at every width, shortens a name past its column's
  cap, keeps a long ID whole and fits with no workers;
- user text is measured as it is printed (brackets are not markup, control characters
  take the room of their escapes), and a band with its spaces is never broken.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console, Group
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from allocopt.report.table_fit import FittingConsole, fit_table

from .board_support import copy_team
from .conftest import ROOT, run_cli


def rendered(renderable: object, width: int) -> list[str]:
    console = FittingConsole(width=width, file=io.StringIO(), color_system=None)
    console.print(renderable)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    return [line.rstrip() for line in text.splitlines()]


def figures_table(label: str, figures: list[str], heads: list[str]) -> Table:
    t = Table(pad_edge=False)
    t.add_column("Outcome", no_wrap=True)
    for head in heads:
        t.add_column(head, justify="right", no_wrap=True)
    t.add_row(label, *figures)
    t.add_row("Short", *(["1"] * len(figures)))
    return t


def test_a_table_that_fits_is_left_as_it_is() -> None:
    t = figures_table("Load", ["90.1%"], ["P10"])
    assert fit_table(t, 80) is t


def test_a_long_label_wraps_and_the_figures_stay_whole() -> None:
    label = "Escalations (work left unallocated, workers into red)"
    t = figures_table(label, ["104.7%", "105.1%", "105.8%"], ["P10", "Median", "P90"])
    plain = Console(width=60, file=io.StringIO(), color_system=None)
    plain.print(t)
    assert "…" in plain.file.getvalue()  # type: ignore[attr-defined]  # rich alone cuts them
    lines = rendered(t, 60)
    text = "\n".join(lines)
    assert max(map(len, lines)) <= 60 and "…" not in text
    for figure in ("104.7%", "105.1%", "105.8%"):
        assert figure in text
    assert " ".join(re.findall(r"[A-Za-z(),]+", text)).count("unallocated") == 1
    fitted = fit_table(t, 60)
    assert [c.width for c in fitted.columns][1:] == [6, 6, 6]


def test_long_headings_break_before_a_figure_is_cut() -> None:
    heads = ["Workers in red (mean share): at most 10% (P90 across runs)",
             "NQSW protection breaches: at most 0 breaches (highest over all runs)",
             "Cost a year against none"]
    t = figures_table("Intake of 4", ["0.0%", "0", "+£21,154"], heads)
    lines = rendered(t, 30)
    text = "\n".join(lines)
    assert max(map(len, lines)) <= 30 and "…" not in text
    assert "+£21,154" in text and "0.0%" in text
    # every letter of the headings is still there, some of them folded mid-word
    letters = re.sub(r"[^A-Za-z]", "", text)
    assert "protect" in letters or "protec" in letters


words = st.text(alphabet="abcdefghij", min_size=1, max_size=9)
figure = st.builds(lambda n, unit: f"{n:,}{unit}", st.integers(-99_999, 999_999),
                   st.sampled_from(["", "%", " pp"]))


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_any_table_keeps_every_figure_whole(data: st.DataObject) -> None:
    """Random labels, headings and figures (some with a space, which may then wrap at
    it), at any width where the figures' columns fit beside a label one column wide:
    every figure is printed whole and no line is wider than the terminal."""
    columns = data.draw(st.integers(1, 6))
    rows = data.draw(st.integers(1, 4))
    t = Table(pad_edge=False, collapse_padding=data.draw(st.booleans()))
    t.add_column(" ".join(data.draw(st.lists(words, min_size=1, max_size=4))),
                 no_wrap=data.draw(st.booleans()))
    for _ in range(columns):
        t.add_column(" ".join(data.draw(st.lists(words, min_size=1, max_size=6))),
                     justify="right", no_wrap=True)
    cells = []
    for _ in range(rows):
        row = [" ".join(data.draw(st.lists(words, min_size=1, max_size=6)))]
        row += [data.draw(figure) for _ in range(columns)]
        cells.append(row)
        t.add_row(*row)
    roomy = Console(width=10_000)
    natural = Measurement.get(roomy, roomy.options, t).maximum
    figure_room = sum(max(len(r[k]) for r in cells) for k in range(1, columns + 1))
    overhead = natural - sum(
        max(Measurement.get(roomy, roomy.options, c.header).maximum,
            *(Measurement.get(roomy, roomy.options, x).maximum for x in c.cells))
        for c in t.columns)
    least = figure_room + 1 + overhead
    width = data.draw(st.integers(least, max(least, natural + 5)))
    lines = rendered(t, width)
    text = "\n".join(lines)
    assert max(map(len, lines)) <= width
    for row in cells:
        for value in row[1:]:
            assert value in text, (value, width)


def test_tables_in_a_group_are_fitted() -> None:
    t = figures_table("Escalations (work left unallocated, workers into red)",
                      ["104.7%", "105.1%", "105.8%"], ["P10", "Median", "P90"])
    text = "\n".join(rendered(Group(Text("Title"), t), 50))
    assert "…" not in text and "104.7%" in text and "Title" in text


def test_the_commands_views_print_every_figure_whole_at_80_columns() -> None:
    """The simulator's summary (its longest outcome label), plan-intake's targets and
    the rebalancing plan, each as its command prints it, 80 columns wide."""
    from datetime import date

    from allocopt import api
    from allocopt.cli.simulate import summary_view
    from allocopt.cli.whatif import intake_view
    from allocopt.report.allocation_view import rebalance_renderables

    team = ROOT / "scenarios" / "single_team.yaml"
    views: list[object] = [summary_view(api.simulate(team, runs=2, weeks=8).summary)]
    plan = api.plan_intake(team, targets=["waiting_mean<=9"], cohorts=[date(2026, 5, 4)],
                           runs=2, max_size=2, weeks=8, every_size=True)
    views.append(intake_view(plan))
    rebalance = api.rebalance(ROOT / "scenarios" / "examples" / "team.yaml")
    views += rebalance_renderables(rebalance, "North", {"red": "red", "amber": "dark_orange"})
    for view in views:
        lines = rendered(view, 80)
        text = "\n".join(lines)
        assert max(map(len, lines)) <= 80
        assert "…" not in text, text
        # every figure whole on one line: not cut, not folded over two
        if isinstance(view, Table):
            for column in view.columns:
                if column.justify == "right" and column.no_wrap:
                    for cell in column.cells:
                        figure = cell.plain if isinstance(cell, Text) else str(cell)
                        assert any(figure in line for line in lines), (figure, text)
    for x in rebalance.transfers:
        text = "\n".join(rendered(views[-2], 80))
        for figure in (f"{x.from_before[0]:.1f}%", f"{x.to_after[0]:.1f}%", str(x.allocated_on)):
            assert figure in text


def test_the_board_leaves_out_columns_before_it_cuts_a_figure() -> None:
    """The example team's board, 97 columns wide in full: at 96 the longest names are
    shortened, at 80 the CP and CLA counts are left out (and the caption says so), at
    60 experience too and names give way to IDs. Every load % and spare figure is
    printed whole at each width."""
    from allocopt import api
    from allocopt.report.terminal import board_table

    board = api.score(ROOT / "scenarios" / "examples" / "team.yaml")
    full = rendered(board_table(board, 200), 200)
    assert any("Chloe Davies" in line for line in full)
    for width, names, cp, experience in ((96, True, True, True), (80, True, False, True),
                                         (60, False, False, False)):
        lines = rendered(board_table(board, width), width)
        text = "\n".join(lines)
        assert max(map(len, lines)) <= width
        head = next(line.split() for line in lines if line.lstrip().startswith("Worker"))
        assert ("CP" in head, "Experience" in head) == (cp, experience)
        assert ("Left out at this width" in text) is not cp
        assert ("W02 Ben" in text) is names
        for r in board.workers:
            row = next(line for line in lines if line.lstrip().startswith(r.worker.id))
            assert f"{r.load_pct:.1f}%" in row and f" {r.spare:,.0f} " in f"{row} "


def test_user_text_is_measured_as_it_is_printed(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Cells are measured as the console prints them, not as rich markup: a worker
    named with ``[/]`` made `score` fail (MarkupError) at any width, and a control
    character (printed as ``\\x1b``, four columns) counted as no width, so the
    figure beside it was cut."""
    team = copy_team(tmp_path)
    team.write_text(team.read_text(encoding="utf-8").replace(
        "name: Ben Okafor", 'name: "Ben [/] Okafor"'), encoding="utf-8")
    code, out, err = run_cli(monkeypatch, capsys, "score", team)
    assert code == 0, err
    assert "W02 Ben [/] Okafor" in out
    t = figures_table("W01" + " \x1b" * 6 + " name", ["104.7%"], ["Load %"])
    lines = rendered(t, 40)
    assert max(map(len, lines)) <= 40
    assert "104.7%" in "\n".join(lines)


def test_a_band_is_never_broken() -> None:
    """A band is printed with a space either side (`` AMBER ``), which rich wraps with
    the word, one column wider than rich's minimum: the rebalancing plan at 80 columns
    showed ``AMBE`` over ``R``."""
    from allocopt import api
    from allocopt.report.allocation_view import rebalance_renderables

    rebalance = api.rebalance(ROOT / "scenarios" / "examples" / "team.yaml")
    bands = [x.from_after[1].upper() for x in rebalance.transfers]
    bands += [x.to_after[1].upper() for x in rebalance.transfers]
    view = rebalance_renderables(rebalance, "North", {})[1]
    text = "\n".join(rendered(view, 80))
    assert bands and sorted(re.findall(r"AMBER|GREEN|RED|BLUE", text)) == sorted(bands)


def test_a_label_breaks_inside_a_word_before_a_figure_is_cut() -> None:
    """Where a label's longest word and the figures do not fit side by side, the label
    breaks inside its word: compare at 60 columns showed ``£577,5`` over ``00``."""
    t = figures_table("Left-unallocated", ["£577,500", "£511,731"], ["Base", "What if"])
    lines = rendered(t, 30)
    text = "\n".join(lines)
    assert max(map(len, lines)) <= 30
    assert "£577,500" in text and "£511,731" in text
    assert "Leftunallocated" in "".join(re.findall(r"[A-Za-z]+", text))


def test_the_board_says_what_it_left_out_at_every_width() -> None:
    """From 60 to 100 columns, whichever columns the board leaves out, its caption
    names them: from 71 to 77 columns the example team's board had neither CP, CLA
    nor experience and said nothing."""
    from allocopt import api
    from allocopt.report.terminal import board_table

    board = api.score(ROOT / "scenarios" / "examples" / "team.yaml")
    for width in range(60, 101):
        text = "\n".join(rendered(board_table(board, width), width))
        head = next(line.split() for line in text.splitlines()
                    if line.lstrip().startswith("Worker"))
        said = " ".join(text.split())
        assert ("CP" in head) is not ("the CP and CLA counts" in said), width
        assert ("Experience" in head) is not ("experience;" in said), width


def test_the_board_fits_long_names_and_keeps_long_ids_whole() -> None:
    """A name past the Worker column's cap of 20 is shortened like any other: the
    board counted it at full length, so at 90 columns it was still too wide and its
    names broke over three lines. An ID longer than the cap is shown whole (it was cut
    to 20, even at 120 columns), and a board with no workers fits too."""
    import dataclasses

    from allocopt import api
    from allocopt.report.terminal import board_table

    board = api.score(ROOT / "scenarios" / "examples" / "team.yaml")
    first = board.workers[0]
    long_name = dataclasses.replace(
        board, workers=(dataclasses.replace(first, worker=first.worker.model_copy(
            update={"name": "Amira Khan-Montgomery Smith"})), *board.workers[1:]))
    lines = rendered(board_table(long_name, 90), 90)
    assert max(map(len, lines)) <= 90
    rule = next(i for i, line in enumerate(lines) if "━" in line)
    rows = lines[rule + 1:rule + 1 + len(board.workers)]
    assert [row.split()[0] for row in rows] == [r.worker.id for r in board.workers]
    assert any(line.lstrip().startswith("W02 Ben") for line in lines)
    long_id = "W01-NORTH-LONGTERM-000123"
    long_ids = dataclasses.replace(
        board, workers=(dataclasses.replace(first, worker=first.worker.model_copy(
            update={"id": long_id})), *board.workers[1:]))
    for width in (120, 100, 80):
        lines = rendered(board_table(long_ids, width), width)
        assert max(map(len, lines)) <= width
        assert any(line.split()[:1] == [long_id] for line in lines), width
    empty = dataclasses.replace(board, workers=())
    assert max(map(len, rendered(board_table(empty, 40), 40))) <= 40
