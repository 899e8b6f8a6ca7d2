"""The board as JSON (schema ``allocopt.score/1``) and CSV.

The JSON schema is documented in docs/score-json.md. Version 1 is stable: fields
may be added, none removed or renamed without a new version.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from json.encoder import encode_basestring
from typing import Any

from allocopt.board import TeamBoard, WorkerScore
from allocopt.io.json_stream import INDENT, Encoded, flat_text, json_text, write_json
from allocopt.io.safe_cells import defuse_row
from allocopt.schemes.scoring import CaseScore

SCORE_SCHEMA = "allocopt.score/1"


def _num(x: float) -> float | None:
    """Round away float noise (0.30000000000000004); infinity becomes null."""
    if not math.isfinite(x):
        return None
    value = round(x, 6)
    return value + 0.0  # no negative zero


def surplus_pct(row: WorkerScore) -> float:
    """Spare as a percent of the personal benchmark (the annex's 'as a % of the benchmark')."""
    bench = row.capacity.benchmark
    return round(row.spare / bench * 100, 9) if bench > 0 else -math.inf


def case_dict(case: CaseScore) -> dict[str, Any]:
    return {
        "household_id": case.household_id,
        "child_ids": list(case.child_ids),
        "role": case.role,
        "columns": {k: _num(v) for k, v in case.columns.items()},
        "total": _num(case.total),
        "lines": [{"rule": ln.rule, "column": ln.column, "points": _num(ln.points), "why": ln.why}
                  for ln in case.lines],
        "notes": list(case.notes),
    }


def case_text(case: CaseScore, level: int) -> Encoded:
    """:func:`case_dict`'s JSON text at nesting `level`, made without the dict: a large
    caseload's cases are most of its board, and the case dict's own level written here
    in one pass takes a third of the time the general writer does."""
    inner = "\n" + " " * (INDENT * (level + 1))
    key = "," + inner + '"'
    total = _num(case.total)
    line = "\n" + " " * (INDENT * (level + 2))
    lines = ("[" + line + ("," + line).join(
        flat_text({"rule": ln.rule, "column": ln.column, "points": _num(ln.points),
                   "why": ln.why}, level + 2) for ln in case.lines)
             + inner + "]") if case.lines else "[]"
    return Encoded("".join((
        "{", inner, '"household_id": ', encode_basestring(case.household_id),
        key, 'child_ids": ', flat_text(list(case.child_ids), level + 1),
        key, 'role": ', encode_basestring(case.role),
        key, 'columns": ', flat_text({k: _num(v) for k, v in case.columns.items()}, level + 1),
        key, 'total": ', "null" if total is None else float.__repr__(total),
        key, 'lines": ', lines,
        key, 'notes": ', flat_text(list(case.notes), level + 1),
        "\n", " " * (INDENT * level), "}")))


def worker_dict(row: WorkerScore, with_cases: bool = True) -> dict[str, Any]:
    cap = row.capacity
    out: dict[str, Any] = {
        "id": row.worker.id,
        "name": row.worker.name,
        "role": row.worker.role.value,
        "experience_months": cap.months,
        "experience_band": cap.band.name,
        "nqsw": cap.nqsw,
        "fte": _num(cap.fte),
        "band_benchmark": _num(cap.band_benchmark),
        "duties": [{"kind": d.kind, "label": d.label, "amount": _num(d.amount), "why": d.why}
                   for d in cap.duties],
        "benchmark": _num(cap.benchmark),
        "optimum": [_num(cap.optimum[0]), _num(cap.optimum[1])] if cap.optimum else None,
        "casework": _num(row.casework),
        "load": _num(row.load),
        "load_pct": _num(row.load_pct),
        "rag": row.rag.name,
        "action": row.rag.action,
        "spare": _num(row.spare),
        "surplus_pct": _num(surplus_pct(row)),
        "children": row.counts.children,
        "households": row.counts.households,
        "by_status": {s.value: n for s, n in sorted(row.counts.by_status.items())},
        "long_travel": row.counts.long_travel,
        "outside_band": row.outside_band,
        "concentrations": list(row.concentrations),
        "caps": {k: _num(v) for k, v in row.cap_use.items()},
        "notes": list(row.notes),
    }
    if with_cases:
        out["cases"] = [case_dict(c) for c in row.cases]
    return out


def board_dict(board: TeamBoard, warnings: list[str] | None = None) -> dict[str, Any]:
    """The board as the allocopt.score/1 document (plain dicts and lists)."""
    document = _board_document(board, warnings, written=False)
    document["workers"] = list(document["workers"])
    document["unallocated"] = list(document["unallocated"])
    return document


CASE_LEVEL = {"worker": 4, "unallocated": 2}
"""Nesting of a case in the document: the document, its workers (or unallocated) list,
a worker, its cases list, a case."""


def _written_worker(row: WorkerScore) -> dict[str, Any]:
    out = worker_dict(row, with_cases=False)
    out["cases"] = [case_text(c, CASE_LEVEL["worker"]) for c in row.cases]
    return out


def _board_document(board: TeamBoard, warnings: list[str] | None, written: bool = True
                    ) -> dict[str, Any]:
    """The allocopt.score/1 document with its workers and unallocated cases as iterators,
    made one at a time as they are written (`written`: the cases as their text)."""
    s = board.summary
    workers = map(_written_worker if written else worker_dict, board.workers)
    unallocated = (map(lambda c: case_text(c, CASE_LEVEL["unallocated"]), board.unallocated)
                   if written else map(case_dict, board.unallocated))
    return {
        "schema": SCORE_SCHEMA,
        "date": board.on.isoformat(),
        "scheme": {"id": board.scheme.id, "name": board.scheme.name, "unit": board.scheme.unit.value},
        "team": {"id": board.team.id, "name": board.team.name, "type": board.team.type.value},
        "workers": workers,
        "unallocated": unallocated,
        "summary": {
            "workers": s.workers,
            "fte": _num(s.fte),
            "total_load": _num(s.total_load),
            "total_benchmark": _num(s.total_benchmark),
            "team_load_pct": _num(s.team_load_pct),
            "average_load_pct": _num(s.average_load_pct),
            "band_counts": s.band_counts,
            "outside_band": list(s.outside_band),
            "spare": _num(s.spare),
            "over": _num(s.over),
            "spare_fte": _num(s.spare_fte),
            "net_fte": _num(s.net_fte),
            "children": s.children,
            "households": s.households,
            "by_status": {k.value: v for k, v in sorted(s.by_status.items())},
            "long_travel": s.long_travel,
            "unallocated_households": s.unallocated_households,
            "unallocated_children": s.unallocated_children,
            "unallocated_load": _num(s.unallocated_load),
        },
        "warnings": list(warnings or []),
    }


def board_json(board: TeamBoard, warnings: list[str] | None = None) -> str:
    """The board as allocopt.score/1 JSON text."""
    return json_text(_board_document(board, warnings))


def write_board_json(write: Callable[[str], object], board: TeamBoard,
                     warnings: list[str] | None = None) -> None:
    """:func:`board_json`'s text through `write`, a worker at a time: a large caseload's
    board is never whole in memory, as a dict or as text."""
    write_json(write, _board_document(board, warnings))


CSV_FIELDS = ("worker_id", "name", "role", "experience_band", "fte", "benchmark", "casework",
              "load", "load_pct", "rag", "spare", "children", "households", "cp", "cla",
              "long_travel", "outside_band", "concentrations", "action", "notes")


def board_csv(board: TeamBoard) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_FIELDS)
    for r in board.workers:
        d = worker_dict(r, with_cases=False)
        w.writerow(defuse_row([
            r.worker.id, r.worker.name or "", d["role"], d["experience_band"], d["fte"],
            d["benchmark"], d["casework"], d["load"], d["load_pct"], d["rag"], d["spare"],
            d["children"], d["households"], d["by_status"].get("CP", 0),
            d["by_status"].get("CLA", 0), d["long_travel"], d["outside_band"],
            "; ".join(d["concentrations"]), d["action"], "; ".join(d["notes"])]))
    return buf.getvalue()
