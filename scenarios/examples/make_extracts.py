"""Make the example Annex A workbook and SSD extract for the example team.

Run from the repository root:  python scenarios/examples/make_extracts.py

From team.yaml, caseload.csv and waiting.csv this writes what a council would
hand over for the same team, messy as real files are, plus the team's roster
and override sheet:

    annex-a/annex-a.xlsx, roster.csv, overrides.csv, import-settings.yaml
    ssd/extract/ssd_*.csv, roster.csv, overrides.csv

Importing them gives back the same board as the hand-written files (the tests
check it). Every id and name is made up. The output is deterministic (seed 2026).
"""

from __future__ import annotations

from pathlib import Path

from allocopt.io.atomic import write_text
from allocopt.io.caseload_file import read_caseload
from allocopt.io.extracts.settings import settings_yaml
from allocopt.io.extracts.writers import (
    example_settings,
    write_annex_a,
    write_overrides,
    write_roster,
    write_ssd,
)
from allocopt.io.team_file import read_team

HERE = Path(__file__).parent
SEED = 2026


def main() -> None:
    source = read_team(HERE / "team.yaml")
    assert source.as_of is not None and source.caseload and source.waiting
    team, on = source.team, source.as_of
    name = team.name or team.id
    caseload = read_caseload(source.caseload).caseload
    waiting = read_caseload(source.waiting).caseload

    annex = HERE / "annex-a"
    write_annex_a(annex / "annex-a.xlsx", team, caseload, waiting, on, team_name=name,
                  messy=True, seed=SEED)
    write_roster(annex / "roster.csv", team)
    write_overrides(annex / "overrides.csv", team, caseload, waiting, on, "annex-a")
    write_text(annex / "import-settings.yaml", settings_yaml(example_settings()))

    ssd = HERE / "ssd"
    write_ssd(ssd / "extract", team, caseload, waiting, on, team_name=name, messy=True,
              seed=SEED)
    write_roster(ssd / "roster.csv", team, hours=False)  # hours come from the SSD's FTE
    write_overrides(ssd / "overrides.csv", team, caseload, waiting, on, "ssd")
    print(f"wrote {annex} and {ssd}")


if __name__ == "__main__":
    main()
