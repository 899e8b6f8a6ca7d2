"""User text made safe for the terminal: the one place every view and message goes through.

Names, ids and values come from councils' files and can hold anything: square
brackets that rich would read as markup (``Sam Smith [agency]`` must not lose
``[agency]``, and ``[/]`` must not crash the board), and control characters (an
ESC that would drive the terminal, a NUL, a carriage return that hides a line).

Every view prints through a :class:`SafeConsole`: it never reads markup (styles
come from :class:`rich.text.Text` and table styles, never from brackets in a
string), and it shows any control character in what it prints as a visible
escape (``\x1b``). Lines printed without rich (errors, "wrote FILE") go through
:func:`printable`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.text import Text

_VISIBLE = {"\t": " ", "\n": " "}


def printable(value: object) -> str:
    """Text with every control character shown as an escape (``\\x1b``), one line."""
    text = str(value)
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch.isprintable():
            out.append(ch)
        elif ch in _VISIBLE:
            out.append(_VISIBLE[ch])
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)


def user_text(value: object, style: str = "") -> Text:
    """User text for a rich view: printed exactly as written (no markup), controls escaped."""
    return Text(printable(value), style=style)


def plain_lines(text: str) -> str:
    """Several lines of text for the terminal: each line made printable, the breaks kept."""
    return "\n".join(printable(line) for line in text.split("\n"))


class SafeConsole(Console):
    """A rich console for user text: markup never read, control characters escaped."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["markup"] = False
        super().__init__(**kwargs)

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return super().render_str(plain_lines(text), **kwargs)

    def render(self, renderable: RenderableType, options: ConsoleOptions | None = None
               ) -> Iterable[Segment]:
        for segment in super().render(renderable, options):
            text = segment.text
            if segment.control or text.isprintable() or text == "\n":
                yield segment
            else:
                yield Segment(plain_lines(text), segment.style, segment.control)
