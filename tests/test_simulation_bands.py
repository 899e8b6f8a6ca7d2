"""The simulator's red and amber are the scheme's own bands, found by name: a scheme
without an amber band has no amber metrics, never the band below the top renamed."""

from __future__ import annotations

import math
from dataclasses import fields
from datetime import date

from allocopt.simulation.records import (
    SERVICE,
    WeekRow,
    WorkerRow,
    band_positions,
    summarise,
    week_measure,
)


def week(n: int, workers_in: tuple[int, ...]) -> WeekRow:
    values = {f.name: 0 for f in fields(WeekRow)}
    values.update(replication=0, week=n, date=date(2027, 1, 4), team=SERVICE,
                  workers=sum(workers_in), workers_in=workers_in, load_pct=90.0)
    return WeekRow(**values)


def worker(days_in: tuple[float, ...]) -> WorkerRow:
    return WorkerRow(0, "W1", "T1", "social_worker", False, 40, False, date(2027, 1, 1), None,
                     "", sum(days_in), days_in, 0.0, 100.0)


FOUR = ("blue", "green", "amber", "red")
THREE = ("under", "at", "over")  # no band called amber or red


def test_bands_are_found_by_their_names():
    assert band_positions(FOUR) == (3, 2)
    assert band_positions(("blue", "green", "Amber", "RED", "black")) == (3, 2)
    assert band_positions(THREE) == (2, None)


def test_a_scheme_without_amber_has_no_amber_metrics():
    rows = [week(1, (2, 5, 3))]
    summary = summarise(rows, [], [worker((10.0, 20.0, 30.0))], [], bands=THREE)
    assert math.isnan(summary["amber_share_mean"]) and math.isnan(summary["amber_time_share"])
    assert summary["red_share_mean"] == 0.3  # the top band: 3 of 10 workers
    assert summary["red_time_share"] == 0.5  # 30 of 60 days
    assert math.isnan(week_measure(rows[0], "amber_share", THREE))


def test_amber_is_the_band_named_amber_wherever_it_is():
    bands = ("blue", "green", "amber", "red", "black")
    rows = [week(1, (1, 2, 3, 4, 10))]
    summary = summarise(rows, [], [worker((0.0, 0.0, 5.0, 15.0, 20.0))], [], bands=bands)
    assert summary["amber_share_mean"] == 0.15  # 3 of 20, not 'red' (second to last)
    assert summary["red_share_mean"] == 0.2
    assert summary["amber_time_share"] == 0.125 and summary["red_time_share"] == 0.375
    assert week_measure(rows[0], "amber_share", bands) == 0.15
