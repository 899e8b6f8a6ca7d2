"""Tables laid out to a terminal's width without cutting a figure.

Where a table is wider than the terminal, rich narrows the columns that may wrap
until they are as wide as each other and then, as a last resort, every column
evenly: a figure column is then cut (``105.…``, ``+£21,1…``), and a reader sees a
number that is not the number. :func:`fit_table` narrows the columns itself, the
widest first, each no further than its floor: the longest word of any cell or of
its heading, and for a figure column (right-justified, not to wrap) its longest
cell. The columns meant to wrap are narrowed first, then labels that were not;
if that is still too wide, a heading may break inside a word, and then a label's word.
No figure is cut; only when the figures alone do not fit does the terminal's width win.

:class:`FittingConsole` applies it to every table it prints (also inside a group),
so each view gets it without knowing the width.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Iterable
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from allocopt.report.safe_text import SafeConsole

_ROOMY = 10_000
"""A console width no table reaches: measures are capped at the console's width."""


def _roomy() -> Console:
    """A console to measure on, reading text as the CLI prints it: a plain rich console
    would read ``[/]`` in a name as markup (and fail) and count an ESC as no width."""
    return SafeConsole(width=_ROOMY)


def natural_width(renderable: Any) -> int:
    """Columns `renderable` takes when nothing wraps."""
    roomy = _roomy()
    return Measurement.get(roomy, roomy.options, renderable).maximum


def fit_table(table: Table, width: int) -> Table:
    """`table` as it is if it fits in `width` columns, else a copy with column widths
    set so that no cell that must not wrap (a no-wrap column's cell) and no word is
    cut, narrowing the widest columns first."""
    total = natural_width(table)
    if total <= width or not table.columns:
        return table
    roomy = _roomy()
    options = roomy.options
    natural: list[int] = []
    floor: list[int] = []  # no word cut, in the cells or the heading
    cell_floor: list[int] = []  # no word cut in the cells
    figure_floor: list[int] = []  # no figure cut
    for column in table.columns:
        cells = [_measure(roomy, options, cell) for cell in column.cells]
        head = _measure(roomy, options, column.header)
        whole = column.no_wrap and column.justify == "right"  # a figure column
        wide = max([head.maximum, *(m.maximum for m in cells)])
        least = max([1, *((m.maximum if whole else m.minimum) for m in cells)])
        bounds = [max(wide, least), max(head.minimum, least), least]
        if column.width is not None:
            bounds = [column.width] * 3
        if column.max_width is not None:
            bounds = [min(b, column.max_width) for b in bounds]
        if column.min_width is not None:
            bounds = [max(b, column.min_width) for b in bounds]
        natural.append(bounds[0])
        floor.append(min(bounds[1], bounds[0]))
        cell_floor.append(min(bounds[2], bounds[0]))
        figure_floor.append(cell_floor[-1] if whole else 1)
    # padding, separators and edges: what the table adds around its cells
    room = width - (total - sum(natural))
    # the columns meant to wrap first, then labels that were not, then (folded onto
    # the next line) a heading may break inside a word: all before a figure is cut
    meant = [f if not c.no_wrap else n
             for c, f, n in zip(table.columns, floor, natural, strict=True)]
    widths = _narrowed(_narrowed(natural, meant, room), floor, room)
    fold = sum(widths) > room
    if fold:
        # and last, a word of a label may break: a figure shown in part would mislead
        widths = _narrowed(_narrowed(widths, cell_floor, room), figure_floor, room)
    fitted = copy.copy(table)
    fitted.columns = [dataclasses.replace(column, width=w, no_wrap=False, min_width=None,
                                          max_width=None,
                                          overflow="fold" if fold else column.overflow)
                      for column, w in zip(table.columns, widths, strict=True)]
    return fitted


def _measure(console: Console, options: ConsoleOptions, renderable: Any) -> Measurement:
    """`renderable`'s measure, its minimum raised where a line of text starts with
    spaces: rich wraps them with the first word, so a band `` AMBER `` needs six
    columns whole (rich's minimum says five, and it came out ``AMBE`` / ``R``)."""
    measure = Measurement.get(console, options, renderable)
    text = console.render_str(renderable) if isinstance(renderable, str) else renderable
    if not isinstance(text, Text):
        return measure
    firsts = [cell_len(word.group()) for line in text.plain.split("\n")
              if (word := re.match(r"\s*\S+", line))]
    return Measurement(max([measure.minimum, *firsts]), measure.maximum)


def _narrowed(widths: list[int], floor: list[int], room: int) -> list[int]:
    """`widths` narrowed, the widest first (of equals, the rightmost: labels come first,
    notes after), until they sum to `room` or reach `floor`."""
    out = list(widths)
    excess = sum(out) - max(room, sum(min(w, f) for w, f in zip(out, floor, strict=True)))
    while excess > 0:
        i = max((k for k in range(len(out)) if out[k] > floor[k]),
                key=lambda k: (out[k], k))
        out[i] -= 1
        excess -= 1
    return out


def fit_renderable(renderable: Any, width: int) -> Any:
    """A table fitted to `width` (:func:`fit_table`), a group with its tables fitted,
    anything else as it is."""
    if isinstance(renderable, Table):
        return fit_table(renderable, width)
    if isinstance(renderable, Group):
        parts: Iterable[RenderableType] = renderable.renderables
        return Group(*(fit_renderable(part, width) for part in parts), fit=renderable.fit)
    return renderable


class FittingConsole(SafeConsole):
    """A :class:`SafeConsole` that fits every table it prints to its width."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        """As :meth:`rich.console.Console.print`, tables fitted to the console's width."""
        width = kwargs.get("width") or self.width
        super().print(*(fit_renderable(o, width) for o in objects), **kwargs)
