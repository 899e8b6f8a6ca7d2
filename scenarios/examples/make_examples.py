"""Make the example caseload and waiting list for scenarios/examples/team.yaml.

Run from the repository root:  python scenarios/examples/make_examples.py
Every id is made up. The output is deterministic (seed 2026).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from allocopt.domain import Caseload
from allocopt.io.caseload_writer import write_caseload
from allocopt.io.team_file import read_team
from allocopt.synthetic import make_caseload, make_waiting

HERE = Path(__file__).parent


def main() -> None:
    source = read_team(HERE / "team.yaml")
    assert source.as_of is not None
    rng = np.random.default_rng(2026)
    caseload = make_caseload(rng, source.team, 155, source.as_of)
    write_caseload(caseload, HERE / "caseload.csv")
    waiting = make_waiting(rng, 12, source.as_of)
    write_caseload(Caseload(households=waiting), HERE / "waiting.csv")
    print(f"wrote {len(caseload.households)} households, "
          f"{sum(len(h.children) for h in caseload.households)} children; "
          f"{len(waiting)} waiting households")


if __name__ == "__main__":
    main()
