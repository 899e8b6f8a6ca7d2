"""Self-contained HTML pages for people who never open a terminal.

No scripts, no external files: a page opens from an email attachment or a
shared drive. The same inputs give the same bytes. Every page shares one
stylesheet: RAG colours, a layout that fits a narrow screen (wide tables
scroll inside their box, never the page), and print rules for A4 with each
heading kept on the page of the table or figure it introduces.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from allocopt.report.palette import RAG_COLOURS, RAG_LIGHT, RAG_TEXT

_RAG_RULES = "\n".join(
    f".rag-{name} {{ background: {fill}; color: {RAG_TEXT[name]}; }}\n"
    f"td.band-{name} {{ background: {RAG_LIGHT[name]}; }}"
    for name, fill in RAG_COLOURS.items())

STYLE = """
body { font-family: Arial, Helvetica, sans-serif; max-width: 62em; margin: 2em auto;
       padding: 0 1em; color: #1b1b1b; line-height: 1.45; }
h1 { font-size: 1.6em; border-bottom: 3px solid #2f6db5; padding-bottom: .3em; }
h2 { font-size: 1.25em; margin-top: 1.8em; }
h3 { font-size: 1.05em; margin: 1.2em 0 .4em; }
.question { font-size: 1.1em; background: #eef3fb; padding: .8em 1em; border-left: 5px solid #2f6db5; }
.answer { font-size: 1.15em; background: #f3f8f1; padding: .8em 1em; border-left: 5px solid #2e8b57; }
.precision { font-size: .95em; color: #333; margin-top: .4em; }
.wrap { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: .4em 0 .8em; font-size: .92em; }
th, td { border: 1px solid #c8c8c8; padding: .3em .6em; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
td.text, th.text { text-align: left; }
th { background: #f0f0f0; }
figure { margin: .6em 0 1.2em; }
figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: .9em; color: #444; }
.caveats { background: #fff8e6; padding: .6em 1em; border-left: 5px solid #f0a030; }
.small { font-size: .85em; color: #555; }
.rag { display: inline-block; padding: 0 .4em; border-radius: 3px; font-weight: bold; }
.verdict-worse { color: #c8372d; font-weight: bold; }
.verdict-better { color: #2e8b57; font-weight: bold; }
.keep { break-inside: avoid; page-break-inside: avoid; }
""" + _RAG_RULES + """
@media (max-width: 820px) {
  body { margin: 1em auto; padding: 0 .6em; }
  h1 { font-size: 1.35em; }
  table { font-size: .82em; }
  th, td { padding: .25em .35em; }
}
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
  .keep, figure, tr, .answer, .question { break-inside: avoid; page-break-inside: avoid; }
  .wrap { overflow: visible; }
  figure img { max-height: 230mm; width: auto; max-width: 100%; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


@dataclass(frozen=True)
class Cell:
    """A table cell: its text, and optionally a RAG band or verdict to colour it by."""

    text: str
    band: str | None = None
    """A scheme band colour (blue, green, amber, red): the cell is tinted."""
    verdict: str | None = None
    """worse or better: the text is coloured."""


CellLike = str | Cell


@dataclass(frozen=True)
class TableBlock:
    """A small table; cells are already formatted text."""

    title: str
    header: list[str]
    rows: Sequence[Sequence[CellLike]]
    note: str = ""
    left: tuple[int, ...] = ()
    """Columns of words, aligned left (the first column always is)."""


@dataclass(frozen=True)
class Figure:
    """A plot as PNG bytes with a caption saying what to look at."""

    title: str
    png: bytes
    caption: str = ""


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[TableBlock] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


def figure_png(fig: Any, dpi: int = 110) -> bytes:
    """A matplotlib figure as PNG bytes without a timestamp or software stamp."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def rag_label(name: str, colour: str) -> str:
    """A RAG band as a coloured label that reads without colour too."""
    return f'<span class="rag rag-{html.escape(colour)}">{html.escape(name.upper())}</span>'


def _cell(c: CellLike, left: bool) -> str:
    classes = ["text"] if left else []
    if isinstance(c, str):
        c = Cell(c)
    if c.band in RAG_COLOURS:
        classes.append(f"band-{c.band}")
    if c.verdict in ("worse", "better"):
        classes.append(f"verdict-{c.verdict}")
    attr = f' class="{" ".join(classes)}"' if classes else ""
    return f"<td{attr}>{html.escape(c.text)}</td>"


def table_html(t: TableBlock) -> str:
    """A table with its title kept on the same printed page."""
    head = "".join(f'<th class="text">{html.escape(h)}</th>' if i in t.left
                   else f"<th>{html.escape(h)}</th>" for i, h in enumerate(t.header))
    body = "".join(
        "<tr>" + "".join(_cell(c, i in t.left) for i, c in enumerate(row)) + "</tr>"
        for row in t.rows)
    note = f'<p class="small">{html.escape(t.note)}</p>' if t.note else ""
    title = f"<h3>{html.escape(t.title)}</h3>" if t.title else ""
    return (f'<div class="keep">{title}<div class="wrap"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>{note}</div>")


def figure_html(f: Figure) -> str:
    """A figure with its title kept on the same printed page."""
    data = base64.b64encode(f.png).decode("ascii")
    caption = html.escape(f.caption or f.title)
    return (f'<div class="keep"><h3>{html.escape(f.title)}</h3><figure>'
            f'<img alt="{html.escape(f.title)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{caption}</figcaption></figure></div>")


def html_page(title: str, body: str) -> str:
    """A whole page around `body` (already HTML), with the shared stylesheet."""
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
        body,
        "</body></html>",
    ]) + "\n"


def html_report(
    title: str,
    question: str,
    answer: str,
    sections: list[Section],
    caveats: list[str],
    footer: str = "",
    precision: str = "",
) -> str:
    """The whole page as text: question, answer (with its precision), sections, caveats."""
    parts = [
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="question"><strong>Question.</strong> {html.escape(question)}</p>',
        f'<div class="answer"><p><strong>Answer.</strong> {html.escape(answer)}</p>'
        + (f'<p class="precision">{html.escape(precision)}</p>' if precision else "")
        + "</div>",
    ]
    for s in sections:
        lead = f"<h2>{html.escape(s.heading)}</h2>"
        paragraphs = [f"<p>{html.escape(p)}</p>" for p in s.paragraphs]
        blocks = [table_html(t) for t in s.tables] + [figure_html(f) for f in s.figures]
        # The section heading stays with its first paragraph or block when printed.
        first = paragraphs[:1] or blocks[:1]
        parts.append(f'<div class="keep">{lead}{"".join(first)}</div>')
        parts += paragraphs[1:] + (blocks if paragraphs else blocks[1:])
    if caveats:
        items = "".join(f"<li>{html.escape(c)}</li>" for c in caveats)
        parts.append(f'<div class="keep"><h2>Caveats</h2><div class="caveats"><ul>{items}'
                     "</ul></div></div>")
    if footer:
        parts.append(f'<p class="small">{html.escape(footer)}</p>')
    return html_page(title, "\n".join(parts))
