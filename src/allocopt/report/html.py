"""One self-contained HTML page (plots embedded) for a service manager.

No scripts, no external files: the page opens from an email attachment or a
shared drive. The same inputs give the same bytes.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from typing import Any

RAG_CSS = {
    "blue": "#1f5fbf",
    "green": "#2e8b57",
    "amber": "#e68a00",
    "red": "#c62828",
}

_STYLE = """
body { font-family: Arial, Helvetica, sans-serif; max-width: 60em; margin: 2em auto;
       padding: 0 1em; color: #1b1b1b; line-height: 1.45; }
h1 { font-size: 1.6em; border-bottom: 3px solid #1f5fbf; padding-bottom: .3em; }
h2 { font-size: 1.25em; margin-top: 1.8em; }
.question { font-size: 1.1em; background: #eef3fb; padding: .8em 1em; border-left: 5px solid #1f5fbf; }
.answer { font-size: 1.1em; background: #f3f8f1; padding: .8em 1em; border-left: 5px solid #2e8b57; }
table { border-collapse: collapse; margin: .8em 0; font-size: .92em; }
th, td { border: 1px solid #c8c8c8; padding: .3em .6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f0f0f0; }
figure { margin: 1em 0; }
figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: .9em; color: #444; }
.caveats { background: #fff8e6; padding: .6em 1em; border-left: 5px solid #e68a00; }
.small { font-size: .85em; color: #555; }
.rag { display: inline-block; padding: 0 .4em; color: white; border-radius: 3px; font-weight: bold; }
"""


@dataclass(frozen=True)
class TableBlock:
    """A small table; cells are already formatted text."""

    title: str
    header: list[str]
    rows: list[list[str]]
    note: str = ""


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


def _table(t: TableBlock) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in t.header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in t.rows
    )
    note = f'<p class="small">{html.escape(t.note)}</p>' if t.note else ""
    title = f"<h3>{html.escape(t.title)}</h3>" if t.title else ""
    return f"{title}<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}"


def _figure(f: Figure) -> str:
    data = base64.b64encode(f.png).decode("ascii")
    caption = html.escape(f.caption or f.title)
    return (f'<figure><img alt="{html.escape(f.title)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{caption}</figcaption></figure>")


def html_report(
    title: str,
    question: str,
    answer: str,
    sections: list[Section],
    caveats: list[str],
    footer: str = "",
) -> str:
    """The whole page as text: question, answer, sections, caveats."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="question"><strong>Question.</strong> {html.escape(question)}</p>',
        f'<p class="answer"><strong>Answer.</strong> {html.escape(answer)}</p>',
    ]
    for s in sections:
        parts.append(f"<h2>{html.escape(s.heading)}</h2>")
        parts += [f"<p>{html.escape(p)}</p>" for p in s.paragraphs]
        parts += [_table(t) for t in s.tables]
        parts += [_figure(f) for f in s.figures]
    if caveats:
        items = "".join(f"<li>{html.escape(c)}</li>" for c in caveats)
        parts.append(f'<h2>Caveats</h2><div class="caveats"><ul>{items}</ul></div>')
    if footer:
        parts.append(f'<p class="small">{html.escape(footer)}</p>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
