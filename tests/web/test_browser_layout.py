"""In a real browser (Playwright over Debian's Chromium): every main page fits a phone (390 px) and a
desktop (1280 px) without sideways scrolling — the page's scroll width is at most the viewport's — with
screenshots of each to look at; the supervisor's queue and the folded search as a person sees them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import requires_tool
from tests.web.conftest import COORDINATOR, PASSWORD, SUPERVISOR, Shots, Site, holdback_case
from tests.web.test_browser import browser, server, shots  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, requires_tool("chromium", "chromium fonts-ipafont-gothic")]


def _page(browser: Any, server: str, user: str, width: int) -> Any:  # noqa: F811
    page = browser.new_context(locale="ja-JP", viewport={"width": width, "height": 900}).new_page()
    page.goto(f"{server}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/")
    return page


@pytest.mark.parametrize("width", [390, 1280])
def test_main_pages_fit_the_screen(
    site: Site,
    server: str,
    browser: Any,
    shots: Shots,  # noqa: F811
    width: int,
) -> None:
    money = holdback_case(site, until="claim_payment")  # a case page with money, and a queue on 今日
    page = _page(browser, server, SUPERVISOR, width)
    for name, path in (
        ("today", "/"),
        ("cases", "/cases"),
        ("case", f"/cases/{site.cases['early']}"),
        ("case-money", f"/cases/{money}"),
        ("calendar", "/calendar?month=2026-12"),
        ("statement", f"/cases/{money}/statement"),
    ):
        page.goto(f"{server}{path}")
        shots.take(page, f"{name}-{width}.png", full_page=True)
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner, f"{path} at {width} px is {scroll} px wide"


def test_the_supervisors_queue_and_kana_search(
    site: Site,
    server: str,
    browser: Any,  # noqa: F811
    shots: Shots,
) -> None:  # noqa: F811
    claimed = holdback_case(site, until="claim_payment")
    page = _page(browser, server, SUPERVISOR, 1280)
    queue = page.locator("#decisions")
    assert "協議会の決定待ち" in queue.inner_text()
    first = queue.locator("tbody tr").first
    assert (
        claimed in first.inner_text() and "支払決定" in first.inner_text() and "401日" in first.inner_text()
    )
    first.locator("a").click()
    page.wait_for_url(f"{server}/cases/{claimed}#events")
    page.goto(f"{server}/cases")
    page.fill("#q", "ﾐﾄﾞﾘ")  # half-width katakana finds 株式会社みどり工房
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/cases?*q=*")
    rows = page.locator("#results tbody tr")
    found = {rows.nth(i).locator("a").first.inner_text() for i in range(rows.count())}
    assert found == {site.cases["early"], claimed}  # both of 株式会社みどり工房; not あさひ製作所's
    assert all("株式会社みどり工房" in rows.nth(i).inner_text() for i in range(rows.count()))
    shots.take(page, "kana-search.png", full_page=True)


def test_a_refused_form_leaves_the_case_pages_url_and_a_reload_sends_nothing(  # noqa: F811
    site: Site, server: str, browser: Any, shots: Shots
) -> None:  # noqa: F811
    case_id = site.cases["early"]
    site.cli.ok(
        "doc", "add", case_id, "pre_consultation_letter", "--on", "2026-11-20"
    )  # 利用申請 before it: refused
    site.cli.ok("doc", "add", case_id, "application", "--on", "2026-11-20")
    page = _page(browser, server, COORDINATOR, 390)
    page.goto(f"{server}/cases/{case_id}")
    date = page.locator("form.event", has=page.locator("input[name=event][value=apply]")).locator(
        "input[name=on]"
    )
    assert (
        date.get_attribute("type") == "text" and date.input_value() == "2026-11-25"
    )  # not the browser's locale
    date.fill("2026-11-19")
    responses: list[Any] = []
    page.on("response", lambda r: responses.append((r.request.method, r.status, r.url)))
    page.locator("form.event", has=page.locator("input[name=event][value=apply]")).locator(
        "button[type=submit]"
    ).click()
    page.wait_for_selector("#advance-error")
    assert ("POST", 303, f"{server}/cases/{case_id}/advance") in responses  # redirected by the server
    assert ("GET", 200, f"{server}/cases/{case_id}") in responses
    assert page.locator("#advance-error").get_attribute("data-status") == "422"
    assert page.url == f"{server}/cases/{case_id}"
    shots.take(page, "refused-390.png", full_page=True)
    responses.clear()
    page.reload()
    assert [(m, s) for m, s, u in responses if u.endswith(case_id)] == [("GET", 200)]
    assert site.history(case_id)[-1]["event"] == "open"
