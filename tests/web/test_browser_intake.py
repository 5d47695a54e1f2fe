"""In a real browser (Playwright over Debian's Chromium): a new company and its case from 新規案件 to
利用申請, as a coordinator does it (the pickers, inline registration, the documents from the case page),
the same form without script, /companies/new, and the new pages fit a phone (390 px) and a desktop
(1280 px) without sideways scrolling."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import requires_tool
from tests.web.conftest import ACTOR, COORDINATOR, PASSWORD, Shots, Site
from tests.web.test_browser import browser, server, shots  # noqa: F401  (fixtures)
from tests.web.test_browser_layout import _page  # signed in, at a width

pytestmark = [pytest.mark.browser, requires_tool("chromium", "chromium fonts-ipafont-gothic")]


def test_a_new_company_and_case_from_intake_to_application(
    site: Site,
    server: str,
    browser: Any,  # noqa: F811
    shots: Shots,
) -> None:  # noqa: F811
    from playwright.sync_api import expect

    w = site.world
    page = _page(browser, server, COORDINATOR, 390)
    page.click("nav >> text=新規案件")
    page.wait_for_url(f"{server}/cases/new")
    # the script shows the chosen program's tracks only: early's two, with the bank track's window
    page.select_option("#program", "405")
    assert page.locator("#track option:not([hidden])").all_inner_texts() == [
        "通常枠",
        "中小版GL枠（2022-04-15〜）",
    ]
    page.select_option("#program", "early")
    assert page.locator("#track option:not([hidden])").all_inner_texts() == [
        "通常枠",
        "金融機関枠（2024-02-01〜2028-01-31）",
    ]
    assert page.locator('div.estimates[data-program="405"]').is_hidden()
    # the picker: a look-alike search finds nothing of that name, so the company is registered here
    page.fill("#company_q", "ﾃｽﾄ商会")
    expect(page.locator("#company-results")).to_contain_text("当たる事業者はありません")
    page.fill("input[name=new_name]", "株式会社テスト商会")  # typing here picks 新しく登録する
    assert page.locator("#company-new").is_checked()
    page.fill(
        "input[name=new_corporate_number]", "９２３４５６７８９０１２３"
    )  # full-width, as typed in offices
    page.select_option("select[name=new_fiscal_year_end_month]", "6")
    page.select_option("select[name=new_prefecture]", "13")
    # the organisation pickers: found by a part of the name in half-width kana; what is ticked stays
    page.fill("#support_q", "ﾐﾅﾄ")
    expect(page.locator("#support-orgs")).to_contain_text("みなと税理士法人")
    page.check(f"input[name=support_lead][value='{w.tax}']")
    page.fill("#lender_q", "さくら")
    expect(page.locator("#lender-orgs")).to_contain_text("さくら銀行")
    assert "みなと" not in page.locator("#lender-orgs").inner_text()  # lenders are banks only
    page.check(f"input[name=lender_main][value='{w.bank_main}']")  # a メイン行 mark ticks 借入先
    assert page.locator(f"input[name=lender][value='{w.bank_main}']").is_checked()
    page.fill("#lender_q", "東都")
    expect(page.locator("#lender-orgs")).to_contain_text("東都信用金庫")
    assert page.locator(
        f"input[name=lender_main][value='{w.bank_main}']"
    ).is_checked()  # kept on a new search
    page.check(f"input[name=guaranteed][value='{w.bank_second}']")
    assert page.locator(f"input[name=lender][value='{w.bank_second}']").is_checked()
    page.fill("#support_q", "")  # a blank search keeps the lead
    expect(page.locator("#support-orgs")).not_to_contain_text("名称の一部")
    assert page.locator(f"input[name=support_lead][value='{w.tax}']").is_checked()
    page.fill("input[name='estimate.early.plan']", "1,500,000")
    shots.take(page, "intake-filled-390.png", full_page=True)
    for part in ("support", "lender"):
        shots.take(page.locator(f"#{part}-fields"), f"intake-{part}-picked-390.png")
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
        "button[type=submit]"
    ).click()
    page.wait_for_url(f"{server}/cases/13-2026-0002?done=apply")
    assert "利用申請済" in page.locator("#header").inner_text()
    shots.take(page, "intake-applied-390.png", full_page=True)
    case = site.cli.ok("case", "show", "13-2026-0002")
    assert (case["state"], case["company"]["name"], case["estimates"]) == (
        "applied",
        "株式会社テスト商会",
        {"plan": 1_500_000},
    )
    assert [(s["id"], s["lead"]) for s in case["support_orgs"]] == [(w.tax, True)]
    assert [(x["id"], x["main"], x["guaranteed"]) for x in case["lenders"]] == [
        (w.bank_main, True, False),
        (w.bank_second, False, True),
    ]
    assert [h["event"] for h in site.history("13-2026-0002")] == ["open", "apply"]

    # the company's page lists the case; its picker finds it by kana and by a part of its number
    page.goto(f"{server}/companies")
    page.fill("#q", "てすと")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    page.locator("#results a", has_text="株式会社テスト商会").click()
    assert "13-2026-0002" in page.locator("#cases").inner_text()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_new_pages_fit_the_screen(
    site: Site,
    server: str,
    browser: Any,
    shots: Shots,  # noqa: F811
    width: int,
) -> None:
    from playwright.sync_api import expect

    w = site.world
    page = _page(browser, server, COORDINATOR, width)
    for name, path in (
        ("intake", "/cases/new"),
        ("companies", "/companies"),
        ("company", f"/companies/{w.company}"),
        ("company-edit", f"/companies/{w.company}/edit"),
        ("company-history", f"/companies/{w.company}/history"),
        ("orgs", "/orgs"),
        ("org", f"/orgs/{w.bank_main}"),
        ("org-edit", f"/orgs/{w.bank_main}/edit"),
        ("company-new", "/companies/new"),
        ("today-council", "/?council=13"),
    ):
        page.goto(f"{server}{path}")
        assert page.locator("h1").count() == 1
        shots.take(page, f"{name}-{width}.png", full_page=True)
        if (
            name == "intake"
        ):  # pickers with results, each part as a person sees it (the page is long on a phone)
            page.fill("#support_q", "銀行")
            page.fill("#lender_q", "信用")
            expect(page.locator("#lender-orgs")).to_contain_text("東都信用金庫")
            expect(page.locator("#support-orgs")).to_contain_text("あおば銀行")
            for part in ("program", "company", "support", "lender", "estimate"):
                shots.take(page.locator(f"#{part}-fields"), f"{name}-{part}-{width}.png")
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner, f"{path} at {width} px is {scroll} px wide"
    # a refused intake: the reasons, at the form's own URL (a reload sends nothing)
    page.goto(f"{server}/cases/new")
    page.click("button.primary")
    page.wait_for_selector("#intake-error")
    assert "代表の支援機関を選んでください。" in page.locator("#intake-error").inner_text()
    page.wait_for_function("location.pathname === '/cases/new'")
    shots.take(page, f"intake-refused-{width}.png", full_page=True)
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.method) if r.url.endswith("/cases/new") else None)
    page.reload()
    assert sent == ["GET"] and page.locator("#intake-error").count() == 0
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner


def test_intake_without_script(site: Site, server: str, browser: Any, shots: Shots) -> None:  # noqa: F811
    """Script off: each picker's 検索 button posts the form back with its results, what was typed and
    ticked kept; the form then opens the case."""
    w = site.world
    page = browser.new_context(
        locale="ja-JP", viewport={"width": 390, "height": 900}, java_script_enabled=False
    ).new_page()
    page.goto(f"{server}/login")
    page.fill("input[name=username]", COORDINATOR)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/")
    page.goto(f"{server}/cases/new")
    page.select_option("#program", "early")
    page.select_option("#track", "standard")
    page.fill("#company_q", "みどり")
    page.fill("#support_q", "みなと")
    page.fill("input[name='estimate.early.plan']", "1,200,000")
    page.locator("#support-fields button[value=search]").click()
    page.wait_for_load_state()
    page.check(f"input[name=company_id][value='{w.company}']")
    page.check(f"input[name=support_lead][value='{w.tax}']")
    page.fill("#lender_q", "ｻｸﾗ")
    page.locator("#lender-fields button[value=search]").click()
    page.wait_for_load_state()
    assert page.locator(f"input[name=support_lead][value='{w.tax}']").is_checked()  # kept
    assert page.locator("input[name='estimate.early.plan']").input_value() == "1,200,000"
    page.check(f"input[name=lender][value='{w.bank_main}']")
    page.check(f"input[name=lender_main][value='{w.bank_main}']")
    shots.take(page, "intake-no-script-390.png", full_page=True)
    page.click("button.primary")
    page.wait_for_url(f"{server}/cases/13-2026-0002?done=opened")
    case = site.cli.ok("case", "show", "13-2026-0002")
    assert (case["program"], case["company"]["id"], case["estimates"]) == (
        "early",
        w.company,
        {"plan": 1_200_000},
    )
    assert [(x["id"], x["main"]) for x in case["lenders"]] == [(w.bank_main, True)]


def test_register_a_company_from_the_list(site: Site, server: str, browser: Any, shots: Shots) -> None:  # noqa: F811
    """事業者 → 登録する: a look-alike is refused with its reason and the input kept, then registered as
    another company with a reason; the new company's page says so."""
    site.cli.ok(
        "company", "add", "--name", "有限会社さくら堂", "--fiscal-year-end-month", "9", "--prefecture", "13"
    )
    page = _page(browser, server, ACTOR["supervisor"], 390)
    page.goto(f"{server}/companies")
    page.click("main >> text=登録する")
    page.wait_for_url(f"{server}/companies/new")
    page.fill("input[name=name]", "有限会社 さくら堂")
    page.select_option("select[name=fiscal_year_end_month]", "9")
    page.select_option("select[name=prefecture]", "13")
    page.click("form#company-form button[type=submit]")
    page.wait_for_selector("#edit-error")
    assert "法人番号なしで登録済みです" in page.locator("#edit-error").inner_text()
    assert page.locator("input[name=name]").input_value() == "有限会社 さくら堂"
    shots.take(page, "company-new-refused-390.png", full_page=True)
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner
    page.check("input[name=force]")
    page.fill("textarea[name=reason]", "所在地も代表者も異なる別会社")
    page.click("form#company-form button[type=submit]")
    page.wait_for_url("**/companies/*?done=added")
    assert "登録しました。" in page.locator(".notice").inner_text()
    assert "有限会社 さくら堂" in page.locator("h1").inner_text()
    shots.take(page, "company-added-390.png", full_page=True)


@pytest.mark.parametrize("width", [390, 1280])
def test_today_remembers_the_council(
    site: Site,
    server: str,
    browser: Any,
    shots: Shots,  # noqa: F811
    width: int,
) -> None:
    """全国本部 chooses a council on 今日; the menu's 今日 comes back to it; 条件をクリア forgets it."""
    page = _page(browser, server, ACTOR["hq"], width)
    page.select_option("#pick-council select[name=council]", "13")
    page.click("#pick-council button[type=submit]")
    page.wait_for_url(f"{server}/?council=13")
    shots.take(page, f"today-hq-council-{width}.png", full_page=True)
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner
    page.click("nav >> text=今日")
    page.wait_for_url(f"{server}/?council=13")
    assert "要対応の案件（協議会 13）" in page.locator("main").inner_text()
    page.click("#clear-filters")
    page.wait_for_url(f"{server}/")
    assert page.locator("#findings-pick").count() == 1
