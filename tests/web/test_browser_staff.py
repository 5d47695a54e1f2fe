"""In a real browser (Playwright over Debian's Chromium), without JavaScript: an admin adds a member of
staff and gives a temporary password, shown once; the new user's first sign-in must choose a password
before any other page opens; a supervisor moves a coordinator's cases (preview, then confirm). The new
pages fit a phone (390 px) without sideways scrolling, with screenshots to look at."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import ADMIN, requires_tool
from tests.web.conftest import COORDINATOR, PASSWORD, SUPERVISOR, Shots, Site
from tests.web.test_browser import browser, server, shots  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, requires_tool("chromium", "chromium fonts-ipafont-gothic")]


def _page(browser: Any, user: str | None = None, width: int = 390) -> Any:  # noqa: F811
    context = browser.new_context(
        locale="ja-JP", viewport={"width": width, "height": 900}, java_script_enabled=False
    )
    return context.new_page()


def _sign_in(page: Any, server: str, user: str, password: str) -> None:  # noqa: F811
    page.goto(f"{server}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def _fits(page: Any, what: str) -> None:
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{what} is {scroll} px wide at {inner} px"


def test_add_staff_temporary_password_and_the_forced_change(
    site: Site,
    server: str,
    browser: Any,  # noqa: F811
    shots: Shots,
) -> None:  # noqa: F811
    admin = _page(browser)
    _sign_in(admin, server, ADMIN, PASSWORD)
    admin.goto(f"{server}/staff")
    _fits(admin, "/staff")
    shots.take(admin, "staff-390.png", full_page=True)
    form = admin.locator("#add-form")
    form.locator("input[name=name]").fill("suzuki")
    form.locator("input[name=display_name]").fill("鈴木 一郎")
    form.locator("input[name=email]").fill("suzuki@council.example.jp")
    form.locator("select[name=council]").select_option("13")
    form.locator("button[type=submit]").click()
    admin.wait_for_url(f"{server}/staff?done=added&name=suzuki")
    assert "suzuki を追加しました。" in admin.inner_text("main")
    row = admin.locator("tr", has=admin.locator("td", has_text="鈴木 一郎"))
    row.locator("button", has_text="仮のパスワードを発行").click()
    admin.wait_for_url(f"{server}/staff")
    shown = admin.locator("#temporary code").inner_text()
    assert re.fullmatch(r"[A-Za-z0-9]{16}", shown)
    shots.take(admin, "staff-temporary-390.png", full_page=True)
    admin.reload()
    assert admin.locator("#temporary").count() == 0 and shown not in admin.content()  # once

    user = _page(browser)
    _sign_in(user, server, "suzuki", shown)
    user.wait_for_url(f"{server}/me")
    assert "仮のパスワードでサインインしています" in user.inner_text("main")
    _fits(user, "/me (temporary)")
    shots.take(user, "me-temporary-390.png", full_page=True)
    user.goto(f"{server}/cases")
    assert user.url == f"{server}/me"  # nothing else opens before a new password
    new = "suzuki chose this passphrase"
    user.fill("input[name=current]", shown)
    user.fill("input[name=new]", new)
    user.fill("input[name=again]", new)
    user.locator("#password button[type=submit]").click()
    user.wait_for_url(f"{server}/me?done=password")
    user.goto(f"{server}/cases")
    assert user.url == f"{server}/cases"
    user.goto(f"{server}/me")
    _fits(user, "/me")
    shots.take(user, "me-390.png", full_page=True)


def test_a_supervisor_moves_a_coordinators_cases(
    site: Site,
    server: str,
    browser: Any,  # noqa: F811
    shots: Shots,
) -> None:  # noqa: F811
    page = _page(browser)
    _sign_in(page, server, SUPERVISOR, PASSWORD)
    page.goto(f"{server}/reassign")
    page.select_option("#preview-form select[name=from]", COORDINATOR)
    page.select_option("#preview-form select[name=to]", SUPERVISOR)
    page.select_option("#preview-form select[name=council]", "13")
    page.click("#preview-form button[type=submit]")
    page.wait_for_selector("#preview")
    assert "移す案件（2件）" in page.inner_text("#preview")
    _fits(page, "/reassign preview")
    shots.take(page, "reassign-preview-390.png", full_page=True)
    assert {c["coordinator"] for c in site.cli.ok("case", "list", "--council", "13")} == {COORDINATOR}
    page.fill("#confirm-form input[name=note]", "4月の異動")
    page.click("#confirm-form button[type=submit]")
    page.wait_for_url(f"{server}/reassign")
    assert "2 件を" in page.inner_text("#result")
    _fits(page, "/reassign result")
    shots.take(page, "reassign-done-390.png", full_page=True)
    assert {c["coordinator"] for c in site.cli.ok("case", "list", "--council", "13")} == {SUPERVISOR}
    page.reload()
    assert page.locator("#result").count() == 0  # a reload sends nothing and shows nothing again
    case_id = site.cases["early"]
    page.goto(f"{server}/cases/{case_id}")
    page.select_option("#assign-form select[name=coordinator]", COORDINATOR)
    page.click("#assign-form button[type=submit]")
    page.wait_for_url(re.compile(r".*done=assign.*"))
    _fits(page, "/cases/… after 担当替え")
    shots.take(page, "case-assign-390.png", full_page=True)
    assert site.cli.ok("case", "show", case_id)["coordinator"] == COORDINATOR
