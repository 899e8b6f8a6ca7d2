"""The one rule every CSV and XLSX writer uses against formula injection."""

from __future__ import annotations

import pytest

from allocopt.io.safe_cells import defuse, defuse_row


@pytest.mark.parametrize("raw", ["=HYPERLINK(\"http://x\",\"c\")", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"])
def test_text_a_spreadsheet_would_run_is_made_inert(raw: str) -> None:
    assert defuse(raw) == "'" + raw


@pytest.mark.parametrize("value", ["R0001", "Sam Smith", "", "a=b", -3, 2.5, None, True])
def test_everything_else_passes_unchanged(value: object) -> None:
    assert defuse(value) == value


def test_a_row_is_defused_cell_by_cell() -> None:
    assert defuse_row(["=1", 4, "ok"]) == ["'=1", 4, "ok"]
