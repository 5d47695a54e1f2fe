"""The user's own page in a real browser (Debian's Chromium through Playwright, uvicorn on loopback):
where each session signed in — the address (a proxy `serve --forwarded-allow-ips` trusts, by default
the loopback one, gives the client's X-Forwarded-For), the browser in a few words and when — and ending
another session from there."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import COORDINATOR, PASSWORD, Shots, Site
from tests.web.test_browser import browser, server, shots  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser]


def test_the_own_page_shows_where_each_session_signed_in(
    site: Site,
    server: str,
    browser: Any,  # noqa: F811
    shots: Shots,
) -> None:  # noqa: F811
    from playwright.sync_api import expect

    pages = []
    for forwarded in ("192.0.2.10", "192.0.2.20"):  # the office, then home, through the (loopback) proxy
        context = browser.new_context(
            locale="ja-JP",
            viewport={"width": 1280, "height": 900},
            extra_http_headers={"X-Forwarded-For": forwarded},
        )
        page = context.new_page()
        page.goto(f"{server}/login")
        page.fill("input[name=username]", COORDINATOR)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{server}/")
        pages.append(page)
        site.clock.advance(minutes=5)
    office, home = pages
    home.goto(f"{server}/me")
    rows = home.locator("#sessions tbody tr")
    expect(rows).to_have_count(2)
    first, second = rows.nth(0).inner_text(), rows.nth(1).inner_text()
    assert "192.0.2.20" in first and "Chrome / Linux" in first and "この端末" in first  # headless Chromium
    assert "192.0.2.10" in second and "Chrome / Linux" in second and "2026-11-25 09:30" in second
    shots.take(home, "me.png", full_page=True)
    rows.nth(1).locator("button", has_text="終了する").click()
    home.wait_for_url(f"{server}/me?done=ended")
    expect(home.locator("#sessions tbody tr")).to_have_count(1)
    office.goto(f"{server}/")
    assert office.url.endswith("/login")
