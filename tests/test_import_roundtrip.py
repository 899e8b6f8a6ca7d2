"""Round trip: a team written by hand, and the same team as an Annex A workbook and as SSD
tables, score to the same board (the allocopt.score/1 JSON)."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest

from allocopt.board import score_team
from allocopt.domain import Caseload, Holding
from allocopt.io.board_export import board_dict
from allocopt.io.caseload_file import read_caseload
from allocopt.io.caseload_writer import write_caseload
from allocopt.io.extracts.build import ImportOptions, run_import
from allocopt.io.extracts.writers import (
    example_settings,
    write_annex_a,
    write_overrides,
    write_roster,
    write_ssd,
)
from allocopt.io.inputs import load_inputs
from allocopt.io.schemes import load_scheme
from allocopt.io.team_file import read_team

from .conftest import EXAMPLES

TEAM = "North long-term team"


def board_of(team_file: Path) -> dict:
    inputs = load_inputs(team_file)
    board = score_team(inputs.scheme, inputs.team.team, inputs.caseload.caseload, inputs.on)
    return board_dict(board, inputs.warnings)


def options(on: date) -> ImportOptions:
    return ImportOptions(on=on, team=TEAM, team_id="north-lt", scheme="tower-hamlets")


def without_sources(caseload: Caseload) -> Caseload:
    households = tuple(
        h.model_copy(update={"sources": {}, "children": tuple(
            c.model_copy(update={"sources": {}}) for c in h.children)})
        for h in caseload.households)
    holdings = tuple(h.model_copy(update={"allocated_on": None}) for h in caseload.holdings)
    return Caseload(households=households, holdings=holdings)


@pytest.fixture(scope="module")
def hand():
    source = read_team(EXAMPLES / "team.yaml")
    return (source, read_caseload(EXAMPLES / "caseload.csv").caseload,
            read_caseload(EXAMPLES / "waiting.csv").caseload, board_of(EXAMPLES / "team.yaml"))


@pytest.fixture(scope="module")
def shipped(tmp_path_factory, hand):
    source = hand[0]
    out = tmp_path_factory.mktemp("shipped")
    annex = EXAMPLES / "annex-a"
    run_import("annex-a", annex / "annex-a.xlsx", out / "annex-a", options(source.as_of),
               roster=annex / "roster.csv", overrides=annex / "overrides.csv",
               settings=annex / "import-settings.yaml")
    ssd = EXAMPLES / "ssd"
    run_import("ssd", ssd / "extract", out / "ssd", options(source.as_of),
               roster=ssd / "roster.csv", overrides=ssd / "overrides.csv")
    return out


@pytest.mark.parametrize("kind", ["annex-a", "ssd"])
def test_shipped_examples_score_to_the_hand_written_board(shipped, hand, kind):
    assert board_of(shipped / kind / "team.yaml") == hand[3]


@pytest.mark.parametrize("kind", ["annex-a", "ssd"])
def test_shipped_examples_give_back_the_caseload_and_waiting_list(shipped, hand, kind):
    _, caseload, waiting, _ = hand
    imported = read_caseload(shipped / kind / "caseload.csv").caseload
    assert without_sources(imported) == without_sources(caseload)
    assert without_sources(read_caseload(shipped / kind / "waiting.csv").caseload) == \
        without_sources(waiting)


def test_the_ssd_round_trip_keeps_allocation_dates(shipped, hand):
    imported = read_caseload(shipped / "ssd" / "caseload.csv").caseload
    assert [h.allocated_on for h in imported.holdings] == \
        [h.allocated_on for h in hand[1].holdings]


def test_the_example_workbook_is_messy_as_promised():
    with zipfile.ZipFile(EXAMPLES / "annex-a" / "annex-a.xlsx") as z:
        xml = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/"))
    assert b"<f>DATE(" in xml and b"</f><v>" in xml  # formulas with saved results
    assert b"DATEDIF" in xml  # and one without, which the import reports
    assert "\u00a0".encode() in xml  # a non-breaking space inside a worker's name
    assert b"#N/A" in xml and b"Former relevant" not in xml  # no care leavers in this team
    assert b"E1: Placement order" in xml and b"f) U6: Foster placement - not FFA" in xml


@pytest.mark.parametrize("messy", [False, True])
@pytest.mark.parametrize("seed", [1, 7])
def test_any_team_round_trips_through_both_shapes(tmp_path, hand, messy, seed):
    """A co-worked household and a disabled child too: the files carry everything scored."""
    source, caseload, waiting, _ = hand
    co = caseload.holdings[seed]
    lead = co.worker_id
    other = next(w.id for w in source.team.workers if w.id != lead)
    caseload = Caseload(households=caseload.households, holdings=(
        *caseload.holdings,
        Holding(worker_id=other, household_id=co.household_id, child_ids=co.child_ids,
                role="secondary", allocated_on=co.allocated_on)))
    household = caseload.households[seed + 1]
    child = household.children[0].model_copy(update={"disabled": True})
    household = household.model_copy(update={"children": (child, *household.children[1:])})
    caseload = Caseload(households=tuple(household if h.id == household.id else h
                                         for h in caseload.households),
                        holdings=caseload.holdings)
    on, team = source.as_of, source.team
    # as written by hand: through the caseload file, whose row order is the holdings' order
    write_caseload(caseload, tmp_path / "hand.csv")
    by_hand = read_caseload(tmp_path / "hand.csv").caseload
    expected = board_dict(score_team(load_scheme("tower-hamlets"), team, by_hand, on), [])
    assert any(c["role"] == "secondary" for w in expected["workers"] for c in w["cases"])
    write_annex_a(tmp_path / "a.xlsx", team, caseload, waiting, on, team_name=TEAM,
                  messy=messy, seed=seed)
    write_roster(tmp_path / "roster.csv", team)
    write_overrides(tmp_path / "over-a.csv", team, caseload, waiting, on, "annex-a")
    run_import("annex-a", tmp_path / "a.xlsx", tmp_path / "out-a", options(on),
               roster=tmp_path / "roster.csv", overrides=tmp_path / "over-a.csv",
               settings=example_settings())
    write_ssd(tmp_path / "ssd", team, caseload, waiting, on, team_name=TEAM, messy=messy,
              seed=seed, other_roles=1)
    write_roster(tmp_path / "roster-ssd.csv", team, hours=False)
    write_overrides(tmp_path / "over-s.csv", team, caseload, waiting, on, "ssd")
    run_import("ssd", tmp_path / "ssd", tmp_path / "out-s", options(on),
               roster=tmp_path / "roster-ssd.csv", overrides=tmp_path / "over-s.csv")
    for out in ("out-a", "out-s"):
        got = board_of(tmp_path / out / "team.yaml")
        assert got == expected, out


def test_importing_twice_gives_the_same_bytes(tmp_path, shipped):
    annex = EXAMPLES / "annex-a"
    run_import("annex-a", annex / "annex-a.xlsx", tmp_path, options(date(2026, 12, 1)),
               roster=annex / "roster.csv", overrides=annex / "overrides.csv",
               settings=annex / "import-settings.yaml")
    for name in ("team.yaml", "caseload.csv", "waiting.csv", "import-report.csv"):
        assert (tmp_path / name).read_bytes() == (shipped / "annex-a" / name).read_bytes()


def test_the_shipped_example_files_are_what_the_generator_makes(tmp_path, hand):
    source, caseload, waiting, _ = hand
    write_annex_a(tmp_path / "annex-a.xlsx", source.team, caseload, waiting, source.as_of,
                  team_name=TEAM, messy=True, seed=2026)
    assert (tmp_path / "annex-a.xlsx").read_bytes() == \
        (EXAMPLES / "annex-a" / "annex-a.xlsx").read_bytes()
