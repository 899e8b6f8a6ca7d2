"""Settings for reading council extracts: what the local codes mean.

Case management systems and councils differ in the codes they use (the SSD's
"allocated case worker" involvement role, job titles, legal status codes) and in
geography (which local authorities are next door). These are data a council's
analyst edits, not constants: ``allocopt import settings FILE`` writes the
defaults to copy, and ``--settings FILE`` reads a copy back.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from allocopt.domain import CourtStage, Role, Status, TravelBand
from allocopt.errors import from_validation
from allocopt.io.yamlfile import read_mapping

ANNEX_A_ELIGIBILITY = {"a": "relevant child", "b": "former relevant child",
                       "c": "qualifying care leaver", "d": "eligible child"}
"""Annex A List 9's eligibility categories by the letter the list gives each."""

_STEM_END = re.compile(r"\s+(child|care leaver|young person)$")


def _category_stem(text: str) -> str:
    """'Former Relevant Child' -> 'former relevant' (how categories are compared)."""
    key = re.sub(r"[\s\u00a0]+", " ", text).strip(" .:-").casefold()
    return _STEM_END.sub("", key)


class ImportSettings(BaseModel):
    """How codes and places in an Annex A workbook or SSD extract are read."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    status_precedence: list[Status] = Field(
        default=[Status.CLA, Status.CP, Status.CARE_LEAVER, Status.SUPERVISION_ORDER, Status.CIN],
        description="Most serious first: a child current on several lists takes the first.")
    allocated_worker_roles: list[str] = Field(
        default=["CW", "ALLWKR", "ALLOCATED CASE WORKER"],
        description="SSD involvement roles (invo_professional_role_id) that mean the allocated "
                    "case worker; systems differ.")
    co_worker_roles: list[str] = Field(
        default=["COWKR", "CO-WORKER", "SECONDARY WORKER"],
        description="SSD involvement roles that mean a secondary co-worker.")
    other_roles: list[str] = Field(
        default=["IRO", "PA", "PERSONAL ADVISOR", "PERSONAL ADVISER", "TM", "TEAM MANAGER",
                 "CP CHAIR", "SUPERVISING SOCIAL WORKER", "FOSTERING SOCIAL WORKER", "STUDENT"],
        description="SSD involvement roles that are known but are not allocations (not reported).")
    care_leaver_categories: dict[str, bool] = Field(
        default={"relevant child": True, "former relevant child": True,
                 "qualifying care leaver": True, "eligible child": True,
                 "no current eligibility": False},
        description="Care leaver eligibility categories (List 9, ssd_care_leavers) and whether "
                    "the young person counts as a care leaver. Matched without case and "
                    "without a closing 'child' or 'care leaver' ('Former relevant' is 'former "
                    "relevant child'); Annex A's letters (a to d) are known too. A category "
                    "not listed is reported and not counted.")
    legal_statuses: dict[str, CourtStage | None] = Field(
        default={"C1": CourtStage.CARE_PROCEEDINGS, "C2": None, "D1": None, "E1": None,
                 "J1": None, "J2": None, "J3": None, "L1": None, "L2": None, "L3": None,
                 "V2": None, "V3": None, "V4": None},
        description="Looked-after legal status codes and the court stage each implies (C1, an "
                    "interim care order, means care proceedings are running).")
    travel_miles: dict[TravelBand, Annotated[float, Field(ge=0, le=10_000)]] = Field(
        default={TravelBand.IN_AREA: 10, TravelBand.NEIGHBOURING: 30,
                 TravelBand.ONE_TO_TWO_HOURS: 70},
        description="Upper distance (miles) of each travel band; beyond the last, over two hours.")
    unknown_distances: list[Annotated[float, Field(ge=-1e6, le=1e6)]] = Field(
        default=[999.9], description="Placement distances that mean 'not known'.")
    home_la: str | None = Field(
        default=None, description="This council's name as written in 'LA of Placement'.")
    placement_la_travel: dict[str, TravelBand] = Field(
        default_factory=dict,
        description="Travel band for a child placed in each named local authority.")
    unallocated_markers: list[str] = Field(
        default=["#N/A", "N/A", "NA", "unallocated", "not allocated", "none", "-", "TBC",
                 "TBA", "vacant", "awaiting allocation"],
        description="What a worker cell holds when no worker is allocated (blank counts too).")
    job_titles: dict[str, Role] = Field(
        default={
            "social worker": Role.SOCIAL_WORKER,
            "newly qualified social worker": Role.SOCIAL_WORKER,
            "asye social worker": Role.SOCIAL_WORKER,
            "agency social worker": Role.SOCIAL_WORKER,
            "senior social worker": Role.SENIOR,
            "senior practitioner": Role.SENIOR,
            "advanced practitioner": Role.CONSULTANT,
            "consultant social worker": Role.CONSULTANT,
            "family support worker": Role.FAMILY_SUPPORT_PRACTITIONER,
            "family support practitioner": Role.FAMILY_SUPPORT_PRACTITIONER,
            "personal adviser": Role.LEAVING_CARE_ADVISER,
            "personal advisor": Role.LEAVING_CARE_ADVISER,
            "leaving care adviser": Role.LEAVING_CARE_ADVISER,
            "student social worker": Role.STUDENT,
            "social work student": Role.STUDENT,
        },
        description="SSD job titles (prof_professional_job_title) and the role each means; a "
                    "title containing one of these (longest first) matches it.")

    def care_leaver_counts(self, label: str, letter: str | None = None) -> bool | None:
        """Whether an eligibility category counts as a care leaver; None if not known.

        `label` is the category as written ('Former relevant child', 'former relevant');
        `letter` Annex A's list letter ('b'), used when the words are not known.
        """
        by_stem = {_category_stem(k): v for k, v in self.care_leaver_categories.items()}
        stem = _category_stem(label)
        if stem in by_stem:
            return by_stem[stem]
        if letter is None and len(stem) == 1:
            letter = stem  # the letter alone
        standard = ANNEX_A_ELIGIBILITY.get(letter or "")
        return by_stem.get(_category_stem(standard)) if standard is not None else None

    def travel_for_miles(self, miles: float) -> TravelBand:
        """The travel band of a placement `miles` away."""
        for band, upper in sorted(self.travel_miles.items(), key=lambda kv: kv[1]):
            if miles <= upper:
                return band
        return TravelBand.OVER_TWO_HOURS


def read_settings(path: Path | None) -> ImportSettings:
    """The settings in `path` (YAML or JSON), or the defaults."""
    if path is None:
        return ImportSettings()
    data = read_mapping(path)
    try:
        return ImportSettings.model_validate(data)
    except ValidationError as e:
        raise from_validation(e, path) from None


def settings_yaml(settings: ImportSettings | None = None) -> str:
    """The settings as a commented YAML file to copy and edit."""
    settings = settings or ImportSettings()
    data = settings.model_dump(mode="json")
    lines = ["# allocopt import settings: what this council's extract codes mean.",
             "# Pass a copy with --settings FILE; anything left out keeps its default.", ""]
    for name, field in ImportSettings.model_fields.items():
        lines.append(f"# {field.description}")
        lines.append(yaml.safe_dump({name: data[name]}, sort_keys=False, allow_unicode=True,
                                    default_flow_style=False).rstrip())
        lines.append("")
    return "\n".join(lines)
