"""Allocation policy files (YAML or JSON): hard rules, ceiling, tiers, pins, preferences.

A policy is data a team can copy and edit (scenarios/examples/policy.yaml is a
commented example; docs/allocation.md lists every field). Fields left out keep
their defaults; ``eligibility`` entries are merged over the defaults role by
role, so a file may change one role without restating the others. A file may
start from another with ``extends: other.yaml``.

Errors name the file and field. Bands, tiers, pins and exclusions are also
checked against the scheme, the team and the waiting list of the meeting.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from allocopt.allocation.problem import DEFAULT_ELIGIBILITY, Policy
from allocopt.errors import InputError, Problems, from_validation
from allocopt.io.yamlfile import read_with_extends
from allocopt.schemes.model import Scheme

KNOWN_TIERS = ("S47", "CP", "court", "CLA", "care_leaver", "CIN")
"""Tier names a policy may order (allocation.problem.tier_of recognises these)."""


def _resolve(name: str, folder: Path) -> Path:
    path = (folder / name).resolve()
    if not path.exists():
        raise InputError(path, "file not found", expected="a policy file next to this one")
    return path


def read_policy(path: Path) -> Policy:
    """Read and validate a policy file (no cross-checks; see :func:`check_policy`)."""
    data: dict[str, Any] = read_with_extends(path, _resolve)
    eligibility = data.get("eligibility")
    if isinstance(eligibility, dict):
        merged: dict[str, Any] = {role.value: [s.value for s in statuses]
                                  for role, statuses in DEFAULT_ELIGIBILITY.items()}
        merged.update(eligibility)
        data["eligibility"] = merged
    try:
        return Policy.model_validate(data)
    except ValidationError as e:
        raise from_validation(e, path) from None


def check_policy(policy: Policy, scheme: Scheme, worker_ids: Iterable[str],
                 household_ids: Iterable[str] | None, path: Path | None) -> None:
    """Raise if the policy names bands, tiers, workers or households the meeting lacks.

    `household_ids` None skips the household check (rebalancing has no waiting list).
    """
    bands = [b.name for b in scheme.rag]
    errors: list[InputError] = []

    def band(field: str, value: str) -> None:
        if value not in bands:
            errors.append(InputError(path, f"unknown band in scheme {scheme.id}", field=field,
                                     found=value, expected="one of " + ", ".join(bands)))

    band("ceiling_band", policy.ceiling_band)
    band("rebalancing.target_band", policy.rebalancing.target_band)
    band("rebalancing.receive_up_to", policy.rebalancing.receive_up_to)
    for i, tier in enumerate(policy.tiers):
        if tier not in KNOWN_TIERS:
            errors.append(InputError(path, "unknown priority tier", field=f"tiers.{i}",
                                     found=tier, expected="some of " + ", ".join(KNOWN_TIERS)))
    workers = set(worker_ids)
    households = set(household_ids) if household_ids is not None else None
    named: list[tuple[str, int, str, str]] = [
        ("pins", i, p.worker, p.household) for i, p in enumerate(policy.pins)]
    named += [("exclusions", i, e.worker, e.household) for i, e in enumerate(policy.exclusions)]
    for kind, i, worker, household in named:
        if worker not in workers:
            errors.append(InputError(path, "unknown worker", field=f"{kind}.{i}.worker",
                                     found=worker, expected="a worker of the team"))
        if households is not None and household not in households:
            errors.append(InputError(path, "household is not on the waiting list",
                                     field=f"{kind}.{i}.household", found=household,
                                     expected="a household waiting for allocation"))
    if errors:
        raise Problems(errors)
