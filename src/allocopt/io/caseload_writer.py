"""Write a caseload back out as the one-row-per-child sheet `read_caseload` reads."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from allocopt.domain import Caseload, Household, WorkItem
from allocopt.io.atomic import atomic_path, write_text
from allocopt.io.caseload_file import COLUMNS, RATING_PREFIX, format_sources
from allocopt.io.safe_cells import defuse, defuse_row


def _items(items: tuple[WorkItem, ...]) -> str:
    parts = []
    for it in items:
        text = it.kind
        if it.amount is not None:
            text += f"={it.amount:g}"
        if it.count != 1:
            text += f"*{it.count}"
        if it.start or it.end:
            text += f"@{it.start or ''}..{it.end or ''}"
        parts.append(text)
    return "; ".join(parts)


def _yes(flag: bool) -> str:
    return "yes" if flag else ""


def _household_cells(h: Household) -> dict[str, Any]:
    a = h.assessment
    return {
        "household_kind": h.kind.value if h.kind.value != "family" else "",
        "locality": h.locality or "",
        "travel": h.travel.value if h.travel.value != "in_area" else "",
        "multi_agency": _yes(h.multi_agency),
        "court": h.court.value if h.court else "",
        "assessment_kind": a.kind.value if a else "",
        "assessment_start": a.start.isoformat() if a else "",
        "assessment_completed": a.completed.isoformat() if a and a.completed else "",
        "intervention_level": h.intervention_level.value if h.intervention_level else "",
        "care_managed": _yes(h.care_managed),
        "co_working": _yes(h.co_working),
        "closes_on": h.closes_on.isoformat() if h.closes_on else "",
        "referred_on": h.referred_on.isoformat() if h.referred_on else "",
        "skills_needed": "; ".join(h.skills_needed),
        "previous_workers": "; ".join(h.previous_workers),
        "household_work_items": _items(h.work_items),
        **{RATING_PREFIX + k: f"{v:g}" for k, v in sorted(h.ratings.items())},
    }


def caseload_rows(caseload: Caseload) -> tuple[list[str], list[dict[str, Any]]]:
    """Header and rows (one per child), household fields on every row of the household."""
    lead: dict[str, tuple[str, str]] = {}
    second: dict[str, str] = {}
    for hold in caseload.holdings:
        for cid in hold.child_ids:
            if hold.role == "lead":
                lead[cid] = (hold.worker_id, hold.allocated_on.isoformat() if hold.allocated_on else "")
            else:
                second[cid] = hold.worker_id
    ratings = sorted({RATING_PREFIX + k for h in caseload.households for k in h.ratings})
    header = [c.name for c in COLUMNS] + ratings
    rows = []
    for h in caseload.households:
        hcells = _household_cells(h)
        for c in h.children:
            worker, allocated = lead.get(c.id, ("", ""))
            row = {
                "household_id": h.id,
                "child_id": c.id,
                "status": c.status.value,
                "worker_id": worker,
                "co_worker_id": second.get(c.id, ""),
                "allocated_on": allocated,
                "age": "" if c.age is None else str(c.age),
                "placement_travel": c.placement_travel.value if c.placement_travel.value != "in_area" else "",
                "high_input": _yes(c.high_input),
                "complex": _yes(c.complex),
                "disabled": _yes(c.disabled),
                "child_work_items": _items(c.work_items),
                **hcells,
                "sources": format_sources({**h.sources, **c.sources}),
            }
            rows.append(row)
    used = [col for col in header if col in {"household_id", "child_id", "status"}
            or any(r.get(col) for r in rows)]
    return used, rows


def caseload_csv(caseload: Caseload) -> str:
    header, rows = caseload_rows(caseload)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    w.writerows({k: defuse(v) for k, v in row.items()} for row in rows)
    return buf.getvalue()


def write_caseload(caseload: Caseload, path: Path) -> None:
    """Write a caseload as CSV or XLSX (by suffix), atomically."""
    if path.suffix.lower() == ".xlsx":
        import openpyxl

        header, rows = caseload_rows(caseload)
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "caseload"
        sheet.append(header)
        for r in rows:
            sheet.append(defuse_row([r.get(h, "") or None for h in header]))
        with atomic_path(path) as tmp:
            book.save(tmp)
    else:
        write_text(path, caseload_csv(caseload))
