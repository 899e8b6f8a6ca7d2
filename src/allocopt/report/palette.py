"""One set of colours for RAG bands and verdicts: HTML pages, charts and workbooks."""

from __future__ import annotations

RAG_COLOURS: dict[str, str] = {
    "blue": "#2f6db5",
    "green": "#2e8b57",
    "amber": "#f0a030",
    "red": "#c8372d",
}
"""Fill colour of each band colour a scheme can name."""

RAG_TEXT: dict[str, str] = {"blue": "#ffffff", "green": "#ffffff", "amber": "#1b1b1b",
                            "red": "#ffffff"}
"""Text colour that reads on each fill."""

RAG_LIGHT: dict[str, str] = {"blue": "#dce8f6", "green": "#dcefe3", "amber": "#fcebcf",
                             "red": "#f6d7d4"}
"""A pale fill of each band, for whole rows and cells of workbooks."""

NOT_IN_POST = "#e6e6e6"
"""Grey for a post with nobody in it (vacant, or before a start and after a leaving)."""

MEDIAN = "#1f2d3d"
BAND = "#9fb7d5"
NEUTRAL = "#5b6b7d"
EVENT = "#6a1b9a"
"""Dates when something changes (a cut, a cohort, a new benchmark) on every chart."""

VERDICT_COLOURS: dict[str, str] = {"worse": RAG_COLOURS["red"], "better": RAG_COLOURS["green"]}


def rag_fill(colour: str) -> str:
    """The fill for a scheme's band colour (a name above, or a colour of its own)."""
    return RAG_COLOURS.get(colour, colour)
