"""The headless browser the screenshot tests rely on really renders a page."""

from __future__ import annotations

from typing import Any

from tests.browser import screenshot


def test_chromium_renders_a_page_and_saves_a_screenshot(browser_page: Any) -> None:
    browser_page.set_content("<h1 id='t'>Caseloads</h1><p style='background:#c00'>red</p>")
    assert browser_page.inner_text("#t") == "Caseloads"
    path = screenshot(browser_page, "browser-support")
    assert path.stat().st_size > 1000
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
