"""A real headless browser for the tests that look at what people see.

Debian's chromium, driven by Playwright through `executable_path` (no browser
download). `.ci/run` installs chromium and sets ALLOCOPT_REQUIRE_BROWSER=1, so in CI
a missing browser fails the run instead of skipping. Screenshots go to
out/screenshots/ (git-ignored) so a person can open them after the run.

The fixtures are registered for every module by conftest.py; use them by name::

    from tests.browser import screenshot

    def test_board(browser_page): ...
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "out" / "screenshots"

# The flags the machine's own probe used: no background traffic on a closed network.
_CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str | None:
    """Where the system chromium is, or None."""
    explicit = os.environ.get("ALLOCOPT_CHROMIUM")
    if explicit:
        return explicit
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("ALLOCOPT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests required but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Any]:
    """One headless chromium for the whole session."""
    path = chromium_path()
    if path is None:
        _unavailable("no chromium on this machine (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install '.[test]')")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=_CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium_browser: Any) -> Iterator[Any]:
    """A fresh page (A4-ish desktop viewport) in its own context."""
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def screenshot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG of `page` as out/screenshots/<name>.png and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
