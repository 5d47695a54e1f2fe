"""In a real browser (Playwright over Debian's Chromium): a new company and its case from 新規案件 to
利用申請, as a coordinator does it (the picker, inline registration, the documents from the case page),
and the new pages fit a phone (390 px) and a desktop (1280 px) without sideways scrolling."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import requires_tool
from tests.web.conftest import COORDINATOR, Site
from tests.web.test_browser import browser, server, shots  # noqa: F401  (fixtures)
from tests.web.test_browser_layout import _page  # signed in, at a width

pytestmark = [pytest.mark.browser, requires_tool("chromium", "chromium fonts-ipafont-gothic")]


def test_a_new_company_and_case_from_intake_to_application(site: Site, server: str, browser: Any,  # noqa: F811
                                                           shots: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect

    w = site.world
    page = _page(browser, server, COORDINATOR, 390)
    page.click("nav >> text=新規案件")
    page.wait_for_url(f"{server}/cases/new")
    # the script shows the chosen program's tracks only: early's two, with the bank track's window
    page.select_option("#program", "405")
    assert page.locator("#track option:not([hidden])").all_inner_texts() == ["通常枠", "中小版GL枠（2022-04-15〜）"]
    page.select_option("#program", "early")
    assert page.locator("#track option:not([hidden])").all_inner_texts() == [
        "通常枠", "金融機関枠（2024-02-01〜2028-01-31）"]
    assert page.locator('div.estimates[data-program="405"]').is_hidden()
    # the picker: a look-alike search finds nothing of that name, so the company is registered here
    page.fill("#company_q", "ﾃｽﾄ商会")
    expect(page.locator("#company-results")).to_contain_text("当たる事業者はありません")
    page.fill("input[name=new_name]", "株式会社テスト商会")  # typing here picks 新しく登録する
    assert page.locator("#company-new").is_checked()
    page.fill("input[name=new_corporate_number]", "９２３４５６７８９０１２３")  # full-width, as typed in offices
    page.select_option("select[name=new_fiscal_year_end_month]", "6")
    page.select_option("select[name=new_prefecture]", "13")
    page.select_option("#support_lead", str(w.tax))
    page.select_option("select[name='lender.0']", str(w.bank_main))
    page.check("input[name=lender_main][value='0']")
    page.fill("input[name='estimate.early.plan']", "1,500,000")
    page.screenshot(path=str(shots / "intake-filled-390.png"), full_page=True)
    page.click("button.primary")
    page.wait_for_url(f"{server}/cases/13-2026-0002?done=opened")
    assert "案件を受け付けました。" in page.locator(".notice").inner_text()
    assert "株式会社テスト商会" in page.locator("main").inner_text()
    assert "事前相談" in page.locator("#header").inner_text()

    # 利用申請 needs the 利用申請書 and the main bank's 事前相談書 (workflows/early.yaml)
    for kind in ("application", "pre_consultation_letter"):
        form = page.locator("#document-form")
        form.locator("select[name=kind]").select_option(kind)
        form.locator("input[name=on]").fill("2026-11-25")
        form.locator("button[type=submit]").click()
        page.wait_for_url(f"{server}/cases/13-2026-0002?done=document.{kind}")
    assert page.locator("#checklist li.missing").count() == 0
    page.locator("form.event", has=page.locator("input[name=event][value=apply]")).locator(
        "button[type=submit]").click()
    page.wait_for_url(f"{server}/cases/13-2026-0002?done=apply")
    assert "利用申請済" in page.locator("#header").inner_text()
    page.screenshot(path=str(shots / "intake-applied-390.png"), full_page=True)
    case = site.cli.ok("case", "show", "13-2026-0002")
    assert (case["state"], case["company"]["name"], case["estimates"]) == ("applied", "株式会社テスト商会",
                                                                         {"plan": 1_500_000})
    assert [h["event"] for h in site.history("13-2026-0002")] == ["open", "apply"]

    # the company's page lists the case; its picker finds it by kana and by a part of its number
    page.goto(f"{server}/companies")
    page.fill("#q", "てすと")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    page.locator("#results a", has_text="株式会社テスト商会").click()
    assert "13-2026-0002" in page.locator("#cases").inner_text()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_new_pages_fit_the_screen(site: Site, server: str, browser: Any, shots: Path,  # noqa: F811
                                      width: int) -> None:
    w = site.world
    page = _page(browser, server, COORDINATOR, width)
    for name, path in (("intake", "/cases/new"), ("companies", "/companies"), ("company", f"/companies/{w.company}"),
                       ("company-edit", f"/companies/{w.company}/edit"),
                       ("company-history", f"/companies/{w.company}/history"), ("orgs", "/orgs"),
                       ("org", f"/orgs/{w.bank_main}"), ("org-edit", f"/orgs/{w.bank_main}/edit")):
        page.goto(f"{server}{path}")
        assert page.locator("h1").count() == 1
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
        if name == "intake":  # each part as a person sees it (the whole page is long on a phone)
            for part in ("program", "company", "support", "lender", "estimate"):
                page.locator(f"#{part}-fields").screenshot(path=str(shots / f"{name}-{part}-{width}.png"))
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner, f"{path} at {width} px is {scroll} px wide"
    # a refused intake: the reasons, at the form's own URL (a reload sends nothing)
    page.goto(f"{server}/cases/new")
    page.click("button.primary")
    page.wait_for_selector("#intake-error")
    assert "代表の支援機関を選んでください。" in page.locator("#intake-error").inner_text()
    page.wait_for_function("location.pathname === '/cases/new'")
    page.screenshot(path=str(shots / f"intake-refused-{width}.png"), full_page=True)
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.method) if r.url.endswith("/cases/new") else None)
    page.reload()
    assert sent == ["GET"] and page.locator("#intake-error").count() == 0
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner
