"""End to end in a real browser: Playwright driving Debian's Chromium (``apt-get install chromium``;
launched by the path of the system binary, no downloaded browser) against `casetrack serve`'s app on
uvicorn on loopback, over the same databases as every other test.

Screenshots of each page go to ``$CASETRACK_SCREENSHOTS/<test>/`` when it is set (none otherwise)."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import requires_tool
from tests.web.conftest import COORDINATOR, PASSWORD, SUPERVISOR, Shots, Site, holdback_case

pytestmark = [pytest.mark.browser, requires_tool("chromium", "chromium fonts-ipafont-gothic")]
CONFLICT = "他の人がこの案件を変更しました — 再読み込みしてください"


@pytest.fixture
def server(site: Site) -> Iterator[str]:
    """The dashboard on uvicorn in a thread, on a free loopback port."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(site.app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        uv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def browser(chromium: Any) -> Iterator[Any]:
    """The process's Chromium for one test: every context (its own cookies, its own pages) the test
    opens is closed after it, so no test sees another's session."""
    before = set(chromium.contexts)
    try:
        yield chromium
    finally:
        for context in chromium.contexts:
            if context not in before:
                context.close()


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    """The test's screenshots, in ``$CASETRACK_SCREENSHOTS/<test>/`` when that is set (see ``Shots``)."""
    base = os.environ.get("CASETRACK_SCREENSHOTS")
    if not base:
        return Shots(None)
    folder = Path(base) / request.node.name.replace("[", "-").replace("]", "")
    folder.mkdir(parents=True, exist_ok=True)
    return Shots(folder)


def _signed_in(browser: Any, server: str, user: str) -> Any:
    page = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{server}/")
    assert page.url.endswith("/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/")
    return page


def test_sign_in_and_read_every_page(site: Site, server: str, browser: Any, shots: Shots) -> None:
    from playwright.sync_api import expect

    page = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{server}/cases")
    shots.take(page, "login.png", full_page=True)
    page.fill("input[name=username]", SUPERVISOR)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/cases")  # back to the page asked for
    page.goto(f"{server}/")
    assert page.locator("h1").inner_text().startswith("今日の仕事")
    assert site.cases["early"] in page.locator("#findings").inner_text()
    assert "株式会社あさひ製作所" in page.locator("#sessions").inner_text()
    assert page.locator("#by-state svg rect").count() == 8
    shots.take(page, "today.png", full_page=True)

    page.click("nav >> text=案件一覧")
    page.wait_for_url(f"{server}/cases")
    assert page.locator("#results tbody tr").count() == 2
    page.fill("#q", "みどり")  # htmx swaps the results in without a reload
    expect(page.locator("#results tbody tr")).to_have_count(1)  # (no script of ours: the CSP forbids eval)
    assert "q=" in page.url and site.cases["early"] in page.locator("#results").inner_text()
    shots.take(page, "cases.png", full_page=True)

    page.click(f"#results >> text={site.cases['early']}")
    page.wait_for_url(f"{server}/cases/{site.cases['early']}")
    assert "の事前相談書がありません" in page.locator("#events").inner_text()
    shots.take(page, "case.png", full_page=True)
    page.goto(f"{server}/cases/{site.cases['monitoring']}")
    assert "令和8年12月15日" in page.locator("#monitoring").inner_text()
    shots.take(page, "case-monitoring.png", full_page=True)
    page.goto(f"{server}/cases/{site.cases['other']}")
    assert page.locator("h1").inner_text() == "見つかりません"
    shots.take(page, "not-found.png", full_page=True)

    page.click("nav >> text=カレンダー")  # this month (2026-11) of the supervisor's home council
    page.wait_for_url(f"{server}/calendar")
    assert page.locator("h1").inner_text().startswith("カレンダー")
    page.click("a[rel=next]")
    page.wait_for_url(f"{server}/calendar?council=13&month=2026-12")
    assert "株式会社あさひ製作所" in page.locator("#day-2026-12-15").inner_text()
    assert "年末年始" in page.locator("#day-2026-12-29").inner_text()
    # December's 11 closed days, and Sunday 11-29, 元日 and Saturday 01-02 of the neighbouring months
    assert page.locator("#calendar td.closed").count() == 14
    shots.take(page, "calendar.png", full_page=True)
    page.click("a[rel=next]")
    page.wait_for_url(f"{server}/calendar?council=13&month=2027-01")
    assert "成人の日" in page.locator("#day-2027-01-11").inner_text()
    shots.take(page, "calendar-january.png", full_page=True)

    page.click("text=サインアウト")
    page.wait_for_url(f"{server}/login")
    page.goto(f"{server}/")
    assert page.url.endswith("/login")


def test_advance_refused_then_allowed(site: Site, server: str, browser: Any, shots: Shots) -> None:
    case_id = site.cases["early"]
    site.cli.ok("doc", "add", case_id, "pre_consultation_letter", "--on", "2026-11-20")
    site.cli.ok("doc", "add", case_id, "application", "--on", "2026-11-20")
    page = _signed_in(browser, server, COORDINATOR)
    page.goto(f"{server}/cases/{case_id}")
    form = page.locator("form.event", has=page.locator("input[name=event][value=apply]"))
    form.locator("input[name=on]").fill("2026-11-19")  # before the letter's date: the guard refuses
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#advance-error")
    error = page.locator("#advance-error").inner_text()
    assert (
        "「利用申請」はできません" in error and "2026-11-20 付で、効力発生日 2026-11-19 より後です" in error
    )
    shots.take(page, "advance-refused.png", full_page=True)
    assert site.history(case_id)[-1]["event"] == "open"

    form = page.locator("form.event", has=page.locator("input[name=event][value=apply]"))
    form.locator("input[name=on]").fill("2026-11-25")
    form.locator("input[name=note]").fill("ブラウザから")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{server}/cases/{case_id}?done=apply")
    assert "「利用申請」を記録しました" in page.locator(".notice").inner_text()
    assert "利用申請済" in page.locator("#header").inner_text()
    shots.take(page, "advance-done.png", full_page=True)
    last = site.history(case_id)[-1]
    assert (last["event"], last["user"], last["note"]) == ("apply", COORDINATOR, "ブラウザから")


def test_conflict_between_two_browser_sessions(site: Site, server: str, browser: Any, shots: Shots) -> None:
    case_id = site.cases["early"]
    site.cli.ok("doc", "add", case_id, "pre_consultation_letter", "--on", "2026-11-20")
    site.cli.ok("doc", "add", case_id, "application", "--on", "2026-11-20")
    kato, tester = _signed_in(browser, server, COORDINATOR), _signed_in(browser, server, SUPERVISOR)
    for page in (kato, tester):
        page.goto(f"{server}/cases/{case_id}")
    withdraw = tester.locator("form.event", has=tester.locator("input[name=event][value=withdraw]"))
    withdraw.locator("input[name=reason]").fill("事業者の申出")
    withdraw.locator("button[type=submit]").click()
    tester.wait_for_url(f"{server}/cases/{case_id}?done=withdraw")
    before = site.history(case_id)

    kato.locator("form.event", has=kato.locator("input[name=event][value=apply]")).locator(
        "button[type=submit]"
    ).click()
    kato.wait_for_selector("#advance-error")
    assert CONFLICT in kato.locator("#advance-error").inner_text()
    assert "取下げ" in kato.locator("#header").inner_text()
    shots.take(kato, "conflict.png", full_page=True)
    assert site.history(case_id) == before


def test_money_and_monitoring_in_the_browser(site: Site, server: str, browser: Any, shots: Shots) -> None:
    """The coordinator records session 1 held and claims its fee; the supervisor decides it; the money
    section shows the arithmetic and the plan's holdback released. By hand (DOMAIN.md §5): 165,001 ×
    2/3 = 110,000.67 → 110,000; released 1,000,000; company share 55,001."""
    case_id = holdback_case(site)
    kato = _signed_in(browser, server, COORDINATOR)
    kato.goto(f"{server}/cases/{case_id}")
    row = kato.locator("#session-1")
    row.locator("summary", has_text="実施を記録").click()
    row.locator("input[name=held_on]").fill("2026-04-20")
    row.locator("input[name=note]").fill("3行合同のモニタリング会議")
    row.get_by_role("button", name="第1回の実施を記録する").click()
    kato.wait_for_url(f"{server}/cases/{case_id}?done=session_record&n=1")
    assert "第1回の伴走支援の実施を記録しました" in kato.locator(".notice").inner_text()
    assert "実施済" in kato.locator("#session-1").inner_text()
    # its 伴走支援報告書, which the monitoring claim needs (DOMAIN.md §11); the page is read again
    site.cli.ok("doc", "add", case_id, "monitoring_report", "--session", "1", "--on", "2026-04-20")
    kato.reload()

    form = kato.locator("form.claim")
    form.locator("select[name=component]").select_option("monitoring")
    form.locator("input[name=fee]").fill("12.5")
    form.locator("select[name=session]").select_option("1")
    form.locator("button[type=submit]").click()
    kato.wait_for_selector("#advance-error")
    assert "費用「12.5」は円単位の金額ではありません" in kato.locator("#advance-error").inner_text()
    assert site.cli.ok("fee", "list", case_id)[-1]["component"] == "plan"  # nothing written
    form = kato.locator("form.claim")
    assert form.locator("select[name=session]").input_value() == "1"  # what was chosen is kept
    form.locator("input[name=fee]").fill("165,001")
    form.locator("input[name=on]").fill("2026-05-01")
    form.locator("button[type=submit]").click()
    kato.wait_for_url(re.compile(r".*\?done=fee_claim&n=\d+$"))
    claim_id = int(kato.url.rsplit("=", 1)[1])
    assert f"費用の支払申請（申請 {claim_id}）を記録しました" in kato.locator(".notice").inner_text()
    shots.take(kato, "money-claimed.png", full_page=True)

    tester = _signed_in(browser, server, SUPERVISOR)
    tester.goto(f"{server}/cases/{case_id}")
    claim_row = tester.locator(f"#claim-{claim_id}")
    assert "110,000円" in claim_row.inner_text() and "今決定した場合" in claim_row.inner_text()
    claim_row.locator("form.money input[name=on]").first.fill("2026-05-20")
    claim_row.get_by_role("button", name="決定", exact=True).click()
    tester.wait_for_url(f"{server}/cases/{case_id}?done=fee_decide&n={claim_id}")
    money = tester.locator("#money")
    arithmetic = money.locator("table.arithmetic tbody tr", has_text=f"申請 {claim_id}").inner_text().split()
    assert arithmetic[-9:] == [
        "110,000円",
        "1,000,000円",
        "上限",
        "1,000,000円",
        "110,000円",
        "110,000円",
        "0円",
        "1,000,000円",
        "55,001円",
    ], arithmetic
    total = money.locator("table.totals tr.total").inner_text().split()
    assert total == ["合計", "3,465,001円", "2,110,000円", "2,110,000円", "0円", "1,355,001円", "0円"], total
    assert "帳簿の内訳は合っています" in money.inner_text()
    money.scroll_into_view_if_needed()
    shots.take(tester, "money-decided.png", full_page=True)
    claimed = site.cli.ok("fee", "list", case_id)[-1]
    assert (claimed["status"], claimed["subsidy"], claimed["released"]) == ("decided", 110_000, 1_000_000)

    tester.click("text=支払決定明細書（HTML）を開く")
    tester.wait_for_url(f"{server}/cases/{case_id}/statement")
    assert "留保分の支払（本決定で解除）" in tester.locator("body").inner_text()
    # the statement's own stylesheet is allowed by its hash: amounts are right-aligned
    assert tester.locator("td.yen").first.evaluate("e => getComputedStyle(e).textAlign") == "right"
    shots.take(tester, "statement.png", full_page=True)


def test_filter_the_list_and_download_it(
    site: Site, server: str, browser: Any, shots: Shots, tmp_path: Path
) -> None:
    """A coordinator ticks 伴走支援の遅れ, then 停滞 (htmx swaps the results, the address keeps the
    filters), downloads the view as CSV and as Excel, and gets exactly the cases on the screen."""
    import codecs
    import csv
    import io

    from openpyxl import load_workbook
    from playwright.sync_api import expect

    from tests.web.listed import FORMULA_NAME, add_listed_cases

    add_listed_cases(site, tmp_path)
    page = _signed_in(browser, server, COORDINATOR)
    page.goto(f"{server}/cases")
    expect(page.locator("#results tbody tr")).to_have_count(5)  # council 13's cases
    page.check("input[name=overdue]")
    expect(page.locator("#results tbody tr")).to_have_count(2)
    assert "overdue=1" in page.url
    shown = sorted(page.locator("#results tbody tr td:first-child").all_inner_texts())
    assert shown == sorted([site.cases["overdue"], site.cases["both"]])
    shots.take(page, "cases-overdue.png", full_page=True)

    with page.expect_download() as info:
        page.click("#downloads >> text=CSV")
    download = info.value
    assert download.suggested_filename == "案件一覧-2026-11-25.csv"
    content = Path(download.path()).read_bytes()
    assert content.startswith(codecs.BOM_UTF8) and b"\r\n" in content
    rows = list(csv.DictReader(io.StringIO(content[3:].decode("utf-8"), newline="")))
    assert sorted(r["案件番号"] for r in rows) == shown
    assert {r["事業者"] for r in rows} == {"'" + FORMULA_NAME, "有限会社そよかぜ"}
    assert site.cases["other"].encode() not in content and site.cases["early"].encode() not in content

    page.check("input[name=stalled]")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    assert "overdue=1" in page.url and "stalled=1" in page.url
    with page.expect_download() as info:
        page.click("#downloads >> text=Excel")
    assert info.value.suggested_filename == "案件一覧-2026-11-25.xlsx"
    sheet = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).active  # (the path has no suffix)
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [site.cases["both"]]
    shots.take(page, "cases-overdue-stalled.png", full_page=True)


def test_record_a_document_then_advance(site: Site, server: str, browser: Any, shots: Shots) -> None:
    """The early case needs the main bank's 事前相談書 to apply: recorded from the page's form, the
    checklist ticks it, 利用申請 goes through, and the diagram moves its highlight (the 利用申請書 is
    on file already)."""
    case_id = site.cases["early"]
    site.cli.ok("doc", "add", case_id, "application", "--on", "2026-11-20")
    page = _signed_in(browser, server, COORDINATOR)
    page.goto(f"{server}/cases/{case_id}")
    current = page.locator("svg.state-diagram g.state.current")
    assert current.count() == 1 and "事前相談" in (current.text_content() or "")
    # the stylesheet (not a style attribute: the CSP forbids them) colours the current state's box
    assert current.locator("path").first.evaluate("e => getComputedStyle(e).fill") == "rgb(255, 224, 138)"
    assert page.locator("#checklist li.missing", has_text="事前相談書").count() == 1
    shots.take(page, "case-diagram.png", full_page=True)

    form = page.locator("#document-form")
    form.locator("select[name=kind]").select_option("pre_consultation_letter")
    form.locator("input[name=on]").fill("2026-11-20")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{server}/cases/{case_id}?done=document.pre_consultation_letter")
    assert "「事前相談書」を記録しました。" in page.locator(".notice").inner_text()
    assert page.locator("#checklist li.ok", has_text="事前相談書").count() == 1
    assert page.locator("#checklist li.missing").count() == 0
    shots.take(page, "document-recorded.png", full_page=True)
    (_, doc) = site.cli.ok("case", "show", case_id)["documents"]
    assert (doc["kind"], doc["lender_id"], doc["on"]) == (
        "pre_consultation_letter",
        site.world.bank_main,
        "2026-11-20",
    )

    page.locator("form.event", has=page.locator("input[name=event][value=apply]")).locator(
        "button[type=submit]"
    ).click()
    page.wait_for_url(f"{server}/cases/{case_id}?done=apply")
    assert "利用申請済" in page.locator("#header").inner_text()
    assert "利用申請済" in (page.locator("svg.state-diagram g.state.current").text_content() or "")
    assert "事前相談" in (page.locator("svg.state-diagram g.state.visited").text_content() or "")
    shots.take(page, "case-applied.png", full_page=True)
    last = site.history(case_id)[-1]
    assert (last["event"], last["user"], last["to"]) == ("apply", COORDINATOR, "applied")
