"""Shared fixtures: paths to the shipped example data."""

from __future__ import annotations

from pathlib import Path

import pytest

# The headless-browser fixtures (browser_page, chromium_browser) and the PostgreSQL
# server (postgres_server, record_url) for every test module.
pytest_plugins = ["tests.browser", "tests.postgres"]

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "scenarios" / "examples"


@pytest.fixture
def examples() -> Path:
    return EXAMPLES


def run_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str | Path
) -> tuple[int, str, str]:
    """Run the real console-script entry point (exit codes included); (code, stdout, stderr)."""
    from allocopt.cli import main

    monkeypatch.setattr("sys.argv", ["allocopt", *map(str, args)])
    try:
        main()
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    out, err = capsys.readouterr()
    return code, out, err
