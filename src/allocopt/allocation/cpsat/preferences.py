"""Level 5 as a model stage: which worker leads which placed household.

The preferences (continuity, skills, locality, concentrations) see households
more finely than load types do, so the stage works on *classes*: placed
households of one load type that every preference sees alike. What stays as the
incumbent has it (each worker's points per weight, their loads, or their counts
per type) keeps every fairness level at its value.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model

from allocopt.allocation.cpsat.model import CountModel
from allocopt.allocation.cpsat.solution import Candidate
from allocopt.allocation.exact import ExactProblem
from allocopt.allocation.objective import (
    concentration_limits,
    kind_added,
    kind_held,
    preference_scores,
)
from allocopt.allocation.types import LoadType, exclusions_by_household, waiting_key


@dataclass(frozen=True)
class PreferenceClass:
    """Placed households of one load type that every preference sees alike."""

    type_index: int
    households: tuple[int, ...]
    kinds: tuple[int, int, int]
    excluded: tuple[int, ...] = ()
    """Workers its households exclude (all of them exclude the same ones)."""


def preference_classes(ex: ExactProblem, types: list[LoadType],
                       placed: dict[int, list[int]]) -> list[PreferenceClass]:
    out = []
    excludes = exclusions_by_household(ex)
    for k in sorted(placed):
        groups: dict[tuple[Hashable, ...], list[int]] = {}
        for h in placed[k]:
            household = ex.households[h]
            key: tuple[Hashable, ...] = (household.locality, tuple(sorted(household.skills_needed)),
                   household.previous_workers, kind_added(ex, h))
            if h in excludes:
                key += (excludes[h],)
            groups.setdefault(key, []).append(h)
        for group in sorted(groups, key=repr):
            members = tuple(sorted(groups[group], key=lambda h: waiting_key(ex, h)))
            out.append(PreferenceClass(k, members, kind_added(ex, members[0]),
                                       excludes.get(members[0], ())))
    return out


def add_preference_stage(cm: CountModel, incumbent: Candidate, keep: str,
                         model: cp_model.CpModel | None = None) -> cp_model.LinearExprT:
    """Variables and expression of level 5, keeping the placed households of `incumbent`.

    `keep` says what else stays as the incumbent has it, so that every fairness level
    keeps its value:

    - "points": how many households of each weight each worker leads; households of
      equal weight change hands (the default; proven in milliseconds at team size);
    - "loads": each worker's new load; any households may change hands if the loads
      add up the same (better matches, but its proofs took about 1 s at 12 x 30);
    - "counts": how many households of each load type each worker leads (for the
      largest meetings, where the other two grow too large). Every count is then a
      constant, so with a `model` of its own the stage needs none of the meeting's
      variables: a model of the classes alone (at 1,000 x 5,000 a few tens of
      thousands of variables instead of fixing a quarter of a million).
    """
    free = keep in ("loads", "points")
    apart = model is not None
    assert not apart or keep == "counts", "only the counts stage stands on its own"
    ex = cm.ex
    m = model if model is not None else cm.model
    placed: dict[int, list[int]] = {}
    for h in incumbent.leads:
        placed.setdefault(cm.type_of[h], []).append(h)
    for k, t in enumerate(cm.types):
        if apart:
            break  # the counts are the incumbent's constants: no model variables needed
        n = len(placed.get(k, ()))
        leads = [cm.x[k, w] for w in t.leads if (k, w) in cm.x]
        if leads:
            m.add(cp_model.LinearExpr.sum(leads) == n)
    if apart:
        pass  # the counts are the incumbent's constants
    elif keep == "points":
        counts: dict[tuple[int, int], int] = {}
        for (k, w), n in incumbent.x.items():
            key = (w, cm.types[k].points)
            counts[key] = counts.get(key, 0) + n
        rows: dict[tuple[int, int], list[cp_model.IntVar]] = {}
        for (k, w), var in cm.x.items():
            rows.setdefault((w, cm.types[k].points), []).append(var)
        for key, group in rows.items():
            m.add(cp_model.LinearExpr.sum(group) == counts.get(key, 0))
        for key, var in cm.s.items():
            m.add(var == incumbent.s.get(key, 0))
    elif free:
        added = {w: 0 for w in cm.added}
        for (k, w), n in incumbent.x.items():
            added[w] += n * cm.types[k].points
        for (k, w), n in incumbent.s.items():
            added[w] += n * cm.types[k].secondary
        for w, var in cm.added.items():
            m.add(var == added[w])
    else:
        for (k, w), var in cm.x.items():
            m.add(var == incumbent.x.get((k, w), 0))
    cm.classes = preference_classes(ex, cm.types, placed)
    by_pair: dict[tuple[int, int], list[cp_model.IntVar]] = {}
    kind_terms: dict[tuple[int, int], list[tuple[cp_model.IntVar, int]]] = {}
    score_terms: list[tuple[cp_model.IntVar, int]] = []
    held_points = {(w, cm.types[k].points) for (k, w), n in incumbent.x.items() if n}
    # the workers each type's classes may go to: those leading the type in the incumbent
    # ("counts"), those leading its weight ("points"), or any ("loads")
    candidates: dict[int, npt.NDArray[np.int64]] = {}
    for c, cls in enumerate(cm.classes):
        k = cls.type_index
        ws = candidates.get(k)
        if ws is None:
            points = cm.types[k].points
            ws = candidates[k] = np.array(
                [w for w in cm.types[k].leads if (k, w) in cm.x_ub
                 and (free or incumbent.x.get((k, w), 0) > 0)
                 and (keep != "points" or (w, points) in held_points)], dtype=np.int64)
        members = []
        mine = ws[~np.isin(ws, cls.excluded)] if cls.excluded else ws
        scores = preference_scores(ex, cls.households[0], mine).tolist()
        for w, score in zip(mine.tolist(), scores, strict=True):
            ub = min(len(cls.households), cm.x_ub[k, w])
            var = m.new_int_var(0, ub, f"z_{c}_{w}")
            cm.z[c, w] = var
            members.append(var)
            by_pair.setdefault((k, w), []).append(var)
            if score:
                score_terms.append((var, score))
            for kind, n in enumerate(cls.kinds):
                if n:
                    kind_terms.setdefault((w, kind), []).append((var, n))
        m.add(cp_model.LinearExpr.sum(members) == len(cls.households))
    for (k, w), vars_ in by_pair.items():
        m.add(cp_model.LinearExpr.sum(vars_) == (incumbent.x[k, w] if apart else cm.x[k, w]))
    if not apart:
        for (k, w), var in cm.x.items():
            if (k, w) not in by_pair:
                m.add(var == 0)
    weight = ex.problem.policy.preferences.concentration
    limits = concentration_limits(ex)
    excess_terms = []
    if weight:
        for (w, kind), row in sorted(kind_terms.items()):
            held = kind_held(ex, w)[kind]
            most = held + sum(_upper(cm, v) * n for v, n in row)
            limit = limits[w][kind]
            if most <= limit:
                continue
            e = m.new_int_var(0, most - max(limit, 0), f"excess_{w}_{kind}")
            m.add(e >= held - limit + cp_model.LinearExpr.weighted_sum(
                [v for v, _ in row], [n for _, n in row]))
            cm.excess[w, kind] = e
            excess_terms.append(e)
    return cp_model.LinearExpr.weighted_sum(
        [v for v, _ in score_terms] + excess_terms,
        [c for _, c in score_terms] + [-weight] * len(excess_terms))


def _upper(cm: CountModel, z: cp_model.IntVar) -> int:
    domain = z.proto.domain
    return int(domain[len(domain) - 1])


def preference_hints(cm: CountModel, cand: Candidate) -> dict[cp_model.IntVar, int]:
    ex = cm.ex
    lead_of = {ex.household_index[a.household_id]: ex.worker_index[a.worker_id]
               for a in cand.assignments if a.role == "lead"}
    values: dict[cp_model.IntVar, int] = {var: 0 for var in cm.z.values()}
    kinds: dict[tuple[int, int], int] = {}
    for c, cls in enumerate(cm.classes):
        for h in cls.households:
            w = lead_of.get(h)
            if w is not None and (c, w) in cm.z:
                values[cm.z[c, w]] += 1
    for a in cand.assignments:
        if a.role == "lead":
            h, w = ex.household_index[a.household_id], ex.worker_index[a.worker_id]
            for kind, n in enumerate(kind_added(ex, h)):
                kinds[w, kind] = kinds.get((w, kind), 0) + n
    limits = concentration_limits(ex)
    for (w, kind), var in cm.excess.items():
        values[var] = max(0, kind_held(ex, w)[kind] + kinds.get((w, kind), 0) - limits[w][kind])
    return values


def constant_excess(cm: CountModel) -> int:
    """Concentration cost of workers the preference stage cannot change."""
    ex = cm.ex
    weight = ex.problem.policy.preferences.concentration
    limits = concentration_limits(ex)
    total = 0
    for w in range(len(ex.workers)):
        for kind in range(3):
            if (w, kind) not in cm.excess:
                total += max(0, kind_held(ex, w)[kind] - limits[w][kind])
    return weight * total
