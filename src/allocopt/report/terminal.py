"""Terminal views for managers: the board, one worker's breakdown, the scheme list."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from allocopt.board import TeamBoard, WorkerScore
from allocopt.domain import Caseload, Status
from allocopt.io.board_export import surplus_pct
from allocopt.schemes.model import Scheme
from allocopt.schemes.scoring import CO_WORKING_COLUMN

BAND_STYLE = {
    "blue": "bold white on blue",
    "green": "bold black on green",
    "amber": "bold black on dark_orange",
    "red": "bold white on red",
}


def band_text(name: str, colour: str) -> Text:
    """A RAG band as a coloured label, readable without colour too."""
    return Text(f" {name.upper()} ", style=BAND_STYLE.get(colour, "bold"))


def fmt(x: float, decimals: int) -> str:
    if not math.isfinite(x):
        return "n/a"
    return f"{x:,.{decimals}f}"


def pct(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{x:.1f}%"


ROLE_SHORT = {
    "social_worker": "SW",
    "senior": "Senior",
    "consultant": "Consultant",
    "family_support_practitioner": "FSP",
    "leaving_care_adviser": "LCA",
    "student": "Student",
}


def experience_short(row: WorkerScore) -> str:
    """'SW, NQSW 3m', 'Senior, 12y', 'FSP, 18m': role and experience at a glance."""
    months = row.capacity.months
    if row.capacity.nqsw:
        exp = f"NQSW {months}m"
    elif months < 36:
        exp = f"{months}m"
    else:
        exp = f"{months // 12}y"
    role = ROLE_SHORT.get(row.worker.role.value, row.worker.role.value)
    return exp if row.worker.role.value == "student" else f"{role}, {exp}"


BOARD_COLUMNS = ("Worker", "Experience", "FTE", "Bench", "Load", "Load %", "RAG", "Spare",
                 "Children", "CP", "CLA")
"""The board's columns, widest view."""

BOARD_NARROWER = (("CP", "CLA"), ("CP", "CLA", "Experience"))
"""Columns left out, in turn, where the board does not fit the terminal."""


def board_table(board: TeamBoard, width: int | None = None) -> Table:
    """One row per worker: load against benchmark and RAG band, for a terminal `width`
    columns wide (None: any width).

    No figure is ever cut: where the board is too wide, workers' names are shortened
    (the ID stays whole), then the CP and CLA counts, then experience, are left out
    and the caption says so."""
    from allocopt.report.table_fit import natural_width

    ids = _id_width(board)
    # the Worker column's width in full: its longest ID and name, up to its cap
    cap = max(WORKER_WIDTH, ids)
    names = min(max([ids, *(len(_who(r, cap)) for r in board.workers)]), cap)
    left_out: tuple[str, ...] = ()
    for step in (None, *BOARD_NARROWER):
        left_out = step or ()
        columns = [c for c in BOARD_COLUMNS if c not in left_out]
        full = _board_table(board, columns, None, left_out)
        natural = natural_width(full)
        if width is None or natural <= width:
            return full
        room = width - (natural - names)
        if room >= ids:
            return _board_table(board, columns, room, left_out)
    return _board_table(board, columns, ids, left_out)


WORKER_WIDTH = 20
"""The widest the Worker column grows for a name; a longer ID widens it, shown whole."""


def _id_width(board: TeamBoard) -> int:
    """Columns the Worker column needs for its heading and its longest ID."""
    return max([len("Worker"), *(len(r.worker.id) for r in board.workers)])


SHORTEST_NAME_SHOWN = 3
"""Letters of a name worth showing after the ID (then an ellipsis); fewer: the ID alone."""


def _who(r: WorkerScore, width: int | None = None) -> str:
    """The worker's ID, then the name if there is room for some of it."""
    if r.worker.name and (width is None
                          or width >= len(r.worker.id) + 2 + SHORTEST_NAME_SHOWN):
        return f"{r.worker.id} {r.worker.name}"
    return r.worker.id


def _board_table(board: TeamBoard, columns: Sequence[str], worker_width: int | None,
                 left_out: Sequence[str] = ()) -> Table:
    """The board with `columns`, the Worker column at most `worker_width` wide (None: its
    cap), saying under it which columns are `left_out`."""
    worker_width = worker_width or max(WORKER_WIDTH, _id_width(board))
    d = board.scheme.decimals
    unit = board.scheme.unit.value
    title = f"{board.team.name or board.team.id}: {board.scheme.name} ({unit}), {board.on:%d %b %Y}"
    caption = (f"Left out at this width: {' and '.join(_LEFT_OUT_WORDS[c] for c in left_out)}; "
               "a wider terminal or --format csv shows every column." if left_out else None)
    t = Table(title=title, box=box.SIMPLE_HEAVY, title_justify="left", pad_edge=False,
              collapse_padding=True, caption=caption, caption_justify="left")
    for name in columns:
        if name == "Worker":
            t.add_column(name, no_wrap=True, overflow="ellipsis", max_width=worker_width)
        elif name == "Experience":
            t.add_column(name, no_wrap=True, overflow="ellipsis", max_width=16)
        else:
            t.add_column(name, justify="center" if name == "RAG" else "right", no_wrap=True)
    for r in board.workers:
        cells: dict[str, RenderableType] = {
            "Worker": _who(r, worker_width), "Experience": experience_short(r),
            "FTE": f"{r.capacity.fte:.2f}", "Bench": fmt(r.capacity.benchmark, d),
            "Load": fmt(r.load, d), "Load %": pct(r.load_pct),
            "RAG": band_text(r.rag.name, r.rag.colour), "Spare": fmt(r.spare, d),
            "Children": str(r.counts.children),
            "CP": str(r.counts.by_status.get(Status.CP, 0)),
            "CLA": str(r.counts.by_status.get(Status.CLA, 0)),
        }
        t.add_row(*(cells[name] for name in columns))
    return t


_LEFT_OUT_WORDS = {"CP": "the CP", "CLA": "CLA counts", "Experience": "experience"}


def actions_list(board: TeamBoard) -> list[Text]:
    """What each worker's band requires, and anything to watch, for workers that need it."""
    target = acceptable_index(board)
    lines = []
    for r in board.workers:
        notes = list(r.notes)
        if r.concentrations:
            notes.append("holds a concentration of " + ", ".join(r.concentrations) + " work")
        needs_action = board.scheme.band_index(r.rag.name) > target
        if not needs_action and not notes:
            continue
        line = Text()
        line.append(f"{r.worker.id} ", style="bold")
        line.append_text(band_text(r.rag.name, r.rag.colour))
        parts = ([r.rag.action] if needs_action else []) + notes
        line.append(" " + "; ".join(parts))
        lines.append(line)
    return lines


def acceptable_index(board: TeamBoard) -> int:
    from allocopt.capacity import acceptable_band

    return board.scheme.band_index(acceptable_band(board.scheme).name)


def summary_table(board: TeamBoard) -> Table:
    """The team view: totals, averages, bands, spare capacity, concentrations."""
    s = board.summary
    d = board.scheme.decimals
    unit = board.scheme.unit.value
    t = Table(title="Team summary", box=box.SIMPLE, show_header=False, title_justify="left")
    t.add_column("", style="bold")
    t.add_column("")
    bands = Text()
    for band in board.scheme.rag:
        bands.append_text(band_text(band.name, band.colour))
        bands.append(f" {s.band_counts.get(band.name, 0)}  ")
    t.add_row("Workers", f"{s.workers} ({s.fte:.1f} FTE)")
    t.add_row("Load", f"{fmt(s.total_load, d)} of {fmt(s.total_benchmark, d)} {unit} "
                      f"({pct(s.team_load_pct)}); average worker {pct(s.average_load_pct)}")
    t.add_row("Bands", bands)
    t.add_row("Spare capacity", f"{fmt(s.spare, d)} {unit} = {s.spare_fte:.1f} FTE of an "
                                f"experienced worker (over benchmark: {fmt(s.over, d)} {unit})")
    kinds = ", ".join(f"{n} {k.value}" for k, n in sorted(s.by_status.items()))
    t.add_row("Children held", f"{s.children} in {s.households} households ({kinds or 'none'}); "
                               f"{s.long_travel} with long travel")
    # Outside the acceptable band splits two ways that need different actions.
    target = acceptable_index(board)
    outside = {r.worker.id: r for r in board.workers if r.worker.id in s.outside_band}
    above = [i for i, r in outside.items() if board.scheme.band_index(r.rag.name) > target]
    below = [i for i in outside if i not in above]
    t.add_row("Above their band", ", ".join(above) or "none")
    t.add_row("Below their band", ", ".join(below) or "none")
    conc = [f"{r.worker.id} ({', '.join(r.concentrations)})" for r in board.workers if r.concentrations]
    t.add_row("Concentrations", ", ".join(conc) or "none")
    if s.unallocated_households:
        t.add_row("Unallocated", f"{s.unallocated_households} households, {s.unallocated_children} "
                                 f"children, {fmt(s.unallocated_load, d)} {unit}")
    return t


def print_board(console: Console, board: TeamBoard, warnings: Sequence[str],
                alerts: Sequence[str] = ()) -> None:
    """The board, what each band requires, the team view and the warnings.

    `alerts` (also among `warnings`) change what the board means, so they come first.
    """
    for alert in alerts:
        console.print(Text.assemble(("Read this first: ", "bold red"), (alert, "bold")))
    if alerts:
        console.print()
    console.print(board_table(board, console.width))
    actions = actions_list(board)
    if actions:
        console.print(Text("Actions and notes", style="bold"))
        for line in actions:
            console.print(line)
        console.print()
    console.print(summary_table(board))
    for w in warnings:
        if w not in alerts:
            console.print(Text.assemble(("warning:", "yellow"), " ", w))


def explain_view(board: TeamBoard, row: WorkerScore, caseload: Caseload | None = None) -> Group:
    """One worker's sheet: every case by column, duties, total, benchmark, surplus, action.

    With the caseload, and where the inputs remember their sources (imported files),
    it ends with where each input came from.
    """
    scheme = board.scheme
    d = scheme.decimals
    unit = scheme.unit.value
    cap = row.capacity
    who = row.worker.id + (f" {row.worker.name}" if row.worker.name else "")
    head = Text()
    head.append(f"{who}", style="bold")
    head.append(f"  {row.worker.role.value.replace('_', ' ')}; {cap.band.label} "
                f"({cap.months} months); FTE {cap.fte:.2f}; scheme {scheme.name}; {board.on}\n")
    columns = [c for c in scheme.columns if any(c.name in case.columns for case in row.cases)]
    has_co = any(CO_WORKING_COLUMN in case.columns for case in row.cases)
    t = Table(box=box.SIMPLE_HEAVY, title=f"Cases ({unit})", title_justify="left")
    t.add_column("Case")
    t.add_column("Children")
    for c in columns:
        t.add_column(c.label, justify="right")
    if has_co:
        t.add_column("Co-working", justify="right")
    t.add_column("Total", justify="right", style="bold")
    why_lines = []
    for case in row.cases:
        cells = [fmt(case.columns[c.name], d) if c.name in case.columns else "-" for c in columns]
        if has_co:
            cells.append(fmt(case.columns.get(CO_WORKING_COLUMN, 0.0), d))
        label = case.household_id + (" (secondary)" if case.role == "secondary" else "")
        t.add_row(label, str(len(case.child_ids)), *cells, fmt(case.total, d))
        why = Text()
        why.append(f"{label}: ", style="bold")
        why.append("; ".join([ln.why for ln in case.lines] + list(case.notes)) or "no points")
        why_lines.append(why)
    tail = Table(box=box.SIMPLE, show_header=False)
    tail.add_column("", style="bold")
    tail.add_column("", justify="right")
    tail.add_column("")
    tail.add_row("Case points" if unit != "hours" else "Case-work", fmt(row.casework, d), "")
    for duty in cap.duties:
        tail.add_row(duty.label, fmt(duty.amount, d), duty.why)
    if scheme.duties_count_as == "load":
        tail.add_row("Grand total (required)", fmt(row.load, d), "cases + duties")
        tail.add_row("Benchmark (available)", fmt(cap.benchmark, d),
                     f"{fmt(cap.band_benchmark, d)} x FTE {cap.fte:.2f}")
    else:
        tail.add_row("Grand total", fmt(row.load, d), "")
        tail.add_row("Personal benchmark", fmt(cap.benchmark, d),
                     f"{fmt(cap.band_benchmark, d)} x FTE {cap.fte:.2f} - duties {fmt(cap.duties_total, d)}")
    surplus = surplus_pct(row)
    share = f"{surplus:+.1f}% of the benchmark" if math.isfinite(surplus) else "no benchmark left"
    tail.add_row("Surplus / deficit", f"{row.spare:+,.{d}f}", share)
    tail.add_row("Load", pct(row.load_pct), band_text(row.rag.name, row.rag.colour))
    tail.add_row("Action required", "", row.rag.action)
    tail.add_row("Families / children", f"{row.counts.households} / {row.counts.children}", "")
    for note in row.notes:
        tail.add_row("Note", "", note)
    why_title = Text("How each case was scored", style="bold")
    parts: list[RenderableType] = [head, t, why_title, *why_lines, Text(), tail]
    origins = sources_table(row, caseload)
    if origins is not None:
        parts += [Text(), origins]
    return Group(*parts)


def _value(record: object, key: str) -> str:
    ratings = getattr(record, "ratings", {})
    if key.startswith("rating_") and key[len("rating_"):] in ratings:
        return f"{ratings[key[len('rating_'):]]:g}"
    value = getattr(record, "id" if key == "household_id" else key, None)
    if value is None or (isinstance(value, dict | tuple) and not value):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return ", ".join(str(getattr(v, "kind", v)) for v in value)
    if hasattr(value, "start") and hasattr(value, "kind"):  # an assessment
        return f"{value.kind.value} from {value.start}"
    text = str(value.value if hasattr(value, "value") else value)
    return f"{value:g}" if isinstance(value, float) else text


def _origins(record: object, sources: dict[str, str], known: dict[str, str] | None = None
             ) -> str:
    parts = []
    for key, where in sources.items():
        value = (known or {}).get(key) or _value(record, key)
        parts.append(f"{key} {value} ({where})" if value else f"{key} ({where})")
    return "; ".join(parts)


def sources_table(row: WorkerScore, caseload: Caseload | None) -> Table | None:
    """'Where the inputs came from': the worker's and each held case's recorded sources.

    None when nothing recorded a source (files typed by hand).
    """
    lines: list[tuple[str, str]] = []
    if row.worker.sources:
        lines.append((row.worker.id, _origins(row.worker, row.worker.sources)))
    if caseload is not None:
        index = {h.id: h for h in caseload.households}
        for case in row.cases:
            household = index.get(case.household_id)
            if household is None:
                continue
            if household.sources:
                lines.append((household.id, _origins(household, household.sources)))
            holder = {"worker_id" if case.role == "lead" else "co_worker_id": row.worker.id}
            for cid in case.child_ids:
                child = household.child(cid)
                if child.sources:
                    lines.append((f"  {child.id}", _origins(child, child.sources, holder)))
    if not lines:
        return None
    t = Table(box=box.SIMPLE, title="Where the inputs came from", title_justify="left")
    t.add_column("Worker / case / child", no_wrap=True)
    t.add_column("Input, value (source)")
    for who, text in lines:
        t.add_row(who, text)
    return t


def schemes_table(schemes: list[Scheme]) -> Table:
    t = Table(box=box.SIMPLE_HEAVY, title="Shipped weighting schemes", title_justify="left")
    t.add_column("Name", no_wrap=True, style="bold")
    t.add_column("Unit")
    t.add_column("What it is")
    t.add_column("Source")
    for s in schemes:
        t.add_row(s.id, s.unit.value, s.name, s.source)
    return t
