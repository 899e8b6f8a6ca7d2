"""The import report on the terminal: what was read, and what needs the manager's attention.

Short by design: counts, then the first few of each kind of finding; the files
(import-report.md and .csv) hold everything. Children appear by id; their names
only with ``--show-names``.
"""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from allocopt.io.extracts.report import ImportReport

SHOW = 8


def _some(items: list[str], more: str = "see import-report.md") -> str:
    shown = ", ".join(items[:SHOW])
    if len(items) > SHOW:
        shown += f" ... and {len(items) - SHOW} more ({more})"
    return shown


def import_view(report: ImportReport, show_names: bool = False) -> Group:
    """Counts per list and status, then each kind of finding with its first examples."""
    r = report
    head = Text()
    head.append(f"Imported {r.children} children in {r.households} households", style="bold")
    head.append(f" from the {r.kind} at {r.on}"
                + (f" for {r.team}" if r.team else "") + f": {r.allocated_children} allocated, "
                f"{len(r.unallocated)} waiting for a worker.\n")
    lists = Table(title="Children per list", box=box.SIMPLE_HEAVY, title_justify="left")
    lists.add_column("List or table")
    for name in ("Rows", "Children", "Current"):
        lists.add_column(name, justify="right")
    lists.add_column("Note", overflow="fold")
    for c in r.lists.values():
        lists.add_row(c.name, str(c.rows), str(c.children), str(c.current), c.note)
    statuses = Table(title="Children per status", box=box.SIMPLE_HEAVY, title_justify="left")
    statuses.add_column("Status")
    statuses.add_column("Children", justify="right")
    for status, n in r.statuses.items():
        statuses.add_row(status, str(n))
    look = Table(title="For the manager to check (fix the roster or the override sheet)",
                 box=box.SIMPLE, show_header=False, title_justify="left")
    look.add_column("", style="bold", no_wrap=True)
    look.add_column("", justify="right")
    look.add_column("", overflow="fold")
    rows: list[tuple[str, int, str]] = [
        ("Unallocated children", len(r.unallocated),
         _some([r.label(u.child_id, show_names) for u in r.unallocated])),
        ("Waiting since: unknown", len(r.unknown_waits),
         _some([u.household_id for u in r.unknown_waits])
         + ("; set referred_on in the override sheet" if r.unknown_waits else "")),
        ("In the extract, not the roster", len(r.not_in_roster),
         _some([f"{w.worker} ({w.children} {'child' if w.children == 1 else 'children'})"
                for w in r.not_in_roster])),
        ("In the roster, not the extract", len(r.not_in_extract),
         _some([w.worker for w in r.not_in_extract])),
        ("Lists disagree", len(r.disagreements),
         _some([f"{r.label(d.child_id, show_names)} ({d.what})" for d in r.disagreements])),
        ("No FTE (counted full time)", len(r.missing_fte), _some(r.missing_fte)),
        ("Unknown codes or values", len(r.unknown_values),
         _some([f"{u.column} '{u.value}' x{u.count}" for u in r.unknown_values.values()])),
        ("Cells that could not be read", len(r.cell_problems),
         _some([f"{p.where} row {p.row} {p.column}" for p in r.cell_problems])),
    ]
    for label, n, text in rows:
        look.add_row(label, str(n), text if n else "none")
    parts: list[RenderableType] = [head]
    for message in r.missing_inputs:
        parts.append(Text.assemble(("Read this first: ", "bold red"), (message, "bold")))
    parts += [lists, statuses, look]
    if r.notes:
        parts.append(Text("Notes", style="bold"))
        parts += [Text(f"  - {note}") for note in r.notes]
    if r.written:
        parts.append(Text("\nWrote " + ", ".join(r.written)))
    return Group(*parts)
