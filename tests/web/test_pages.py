"""The pages: every route × every role (outcomes derived from domain/policy.py, as the CLI's access
matrix does), another council's case as 404, the Today page's sections, the case list's filters,
search and paging, the case page, and bad query parameters as a 400 page."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from casetrack.domain import policy
from casetrack.store.tables import Outbox
from tests.web.conftest import ACTOR, COORDINATOR, Site

ROLES = policy.ROLES


def _expected_read(role: str, own: bool) -> int:
    """A case page or list for ``role``: 403 without case.read; 404 for a council out of reach."""
    if not policy.allows(role, "case.read"):
        return 403
    if not own and policy.REACH[role] == policy.OWN:
        return 404
    return 200


def _dead_letter(site: Site, case_id: str) -> None:
    now = dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.UTC)
    # disposed below: a connection left open costs the next test its database
    engine = sa.create_engine(site.db_url)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(Outbox.__table__).values(
                key=f"test:{case_id}:dead",
                case_id=case_id,
                item="session",
                item_ref=f"{case_id}#1",
                rung="due",
                due_on=dt.date(2026, 11, 24),
                send_on=dt.date(2026, 11, 24),
                recipient_role="support_org",
                to_addr="office@minato-tax.example.jp",
                to_name="みなと税理士法人",
                subject="伴走支援のお知らせ",
                body="本文",
                message_id="<dead@test>",
                status="dead",
                attempts=1,
                next_attempt_at=now,
                last_error="550 5.1.1 mailbox unavailable",
                created_at=now,
            )
        )
    engine.dispose()


def _section(html: str, ident: str) -> str | None:
    match = re.search(rf'<section id="{ident}">(.*?)</section>', html, re.S)
    return match.group(1) if match else None


# -- every route × every role ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_today_for_every_role(site: Site, role: str) -> None:
    _dead_letter(site, site.cases["early"])
    client = site.signed_in(ACTOR[role])
    page = client.get("/")
    assert page.status_code == 200
    findings, dead = _section(page.text, "findings"), _section(page.text, "dead-letters")
    if policy.allows(role, "case.read"):
        if policy.REACH[role] == policy.ALL:  # every council's findings at once: one council at a time
            assert findings is None and _section(page.text, "findings-pick") is not None
            findings = _section(client.get("/?council=13").text, "findings")
        assert findings is not None and site.cases["early"] in findings and "停滞" in findings
        assert (
            "<th>事業者</th>" in findings and '<td data-label="事業者">株式会社みどり工房</td>' in findings
        )  # the early case's company
        assert "「事前相談」のまま85日経過しています" in findings
        sessions = _section(page.text, "sessions")
        assert sessions is not None and site.cases["monitoring"] in sessions
        assert (
            "2026-12-15" in sessions and "令和8年12月15日" in sessions and "株式会社あさひ製作所" in sessions
        )
        chart = _section(page.text, "by-state")
        assert chart is not None and "<svg" in chart and "事前相談" in chart and "伴走支援中" in chart
    else:
        assert findings is None and "案件の内容を閲覧できません" in page.text
    if role in ("supervisor", "admin"):
        assert dead is not None and "550 5.1.1 mailbox unavailable" in dead and "伴走支援のお知らせ" in dead
    else:
        assert dead is None and "550 5.1.1" not in page.text


def test_today_for_hq_one_council_at_a_time(site: Site) -> None:
    client = site.signed_in(ACTOR["hq"])
    page = client.get("/?council=14")
    findings = _section(page.text, "findings") or ""
    assert site.cases["other"] in findings and site.cases["early"] not in findings
    assert '<option value="14" selected>' in page.text
    assert client.get("/?council=99").status_code == 400
    assert client.get("/?council=x").status_code == 400
    assert client.get("/").headers["location"] == "/?council=14"  # the council chosen last comes back
    # the council chosen narrows the whole page, as its heading says: sessions due and counts too
    assert site.cases["monitoring"] not in (_section(page.text, "sessions") or "")
    assert site.cases["monitoring"] in (_section(client.get("/?council=13").text, "sessions") or "")
    counted = re.compile(r'<a href="/cases\?state=monitoring">[^<]* (\d+)件</a>')
    assert [counted.findall(client.get(f"/?council={c}").text) for c in ("13", "14")] == [["1"], ["0"]]
    sessions = _section(client.get("/?council=").text, "sessions") or ""  # none chosen: every council
    assert site.cases["monitoring"] in sessions


def test_today_lists_a_coordinators_own_cases_only(site: Site) -> None:
    site.cli.ok("user", "add", "suzuki", "--council", "13", user="root")
    from casetrack import services
    from tests.web.conftest import PASSWORD, TODAY

    services.set_password(site.ctx(), "suzuki", PASSWORD)
    page = site.signed_in("suzuki").get("/")  # a coordinator of council 13 with no cases of their own
    assert page.status_code == 200
    assert "要対応の案件はありません" in page.text and site.cases["early"] not in page.text
    supervisor = site.signed_in(ACTOR["supervisor"]).get("/")
    assert site.cases["early"] in (_section(supervisor.text, "findings") or "")
    assert TODAY.isoformat() in page.text


@pytest.mark.parametrize("role", ROLES)
def test_case_list_for_every_role(site: Site, role: str) -> None:
    page = site.signed_in(ACTOR[role]).get("/cases")
    assert page.status_code == _expected_read(role, own=True)
    if page.status_code == 200:
        assert site.cases["early"] in page.text and site.cases["monitoring"] in page.text
        assert (site.cases["other"] in page.text) == (policy.REACH[role] == policy.ALL)
    else:
        assert "権限がありません" in page.text and "株式会社みどり工房" not in page.text


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("own", [True, False], ids=["own-council", "other-council"])
def test_case_page_for_every_role(site: Site, role: str, own: bool) -> None:
    case_id = site.cases["early" if own else "other"]
    client = site.signed_in(ACTOR[role])
    page = client.get(f"/cases/{case_id}")
    expected = _expected_read(role, own)
    assert page.status_code == expected
    company = "株式会社みどり工房" if own else "喫茶ひまわり"
    assert (company in page.text) == (expected == 200)
    if expected == 404:  # exactly what a case id that does not exist gives
        missing = client.get("/cases/14-2026-9999")
        assert missing.status_code == 404
        assert page.text.replace(case_id, "ID") == missing.text.replace("14-2026-9999", "ID")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("own", [True, False], ids=["own-council", "other-council"])
def test_advance_for_every_role(site: Site, role: str, own: bool) -> None:
    """withdraw is adviser-side work (case.work): coordinators and supervisors in their councils."""
    case_id = site.cases["early" if own else "other"]
    client = site.signed_in(ACTOR[role])
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)  # type: ignore[union-attr]
    before = site.cli.ok("case", "history", case_id, user="honbu")
    response = client.post(
        f"/cases/{case_id}/advance",
        data={
            "csrf_token": csrf,
            "event": "withdraw",
            "version": "1",
            "on": "2026-11-25",
            "reason": "事業者の申出",
        },
    )
    if not policy.allows(role, policy.event_action("withdraw")):
        expected = 403
    elif not own and policy.REACH[role] == policy.OWN:
        expected = 404
    else:
        expected = 303
    assert response.status_code == expected, response.text[:500]
    after = site.cli.ok("case", "history", case_id, user="honbu")
    assert len(after) == len(before) + (1 if expected == 303 else 0)
    if expected == 303:
        assert after[-1]["event"] == "withdraw" and after[-1]["user"] == ACTOR[role]


# -- Today ---------------------------------------------------------------------------------------


def test_state_chart_counts_open_cases(site: Site) -> None:
    page = site.signed_in(ACTOR["supervisor"]).get("/")
    chart = _section(page.text, "by-state") or ""
    assert re.search(r"事前相談: 1件", chart) and re.search(r"伴走支援中: 1件", chart)
    assert re.search(r"利用申請済: 0件", chart)
    hq_chart = _section(site.signed_in(ACTOR["hq"]).get("/").text, "by-state") or ""
    assert re.search(r"事前相談: 2件", hq_chart)  # hq counts council 14's case too


# -- the case list -----------------------------------------------------------------------------


def _ids(html: str) -> list[str]:
    return re.findall(r'<td[^>]*><a href="/cases/([^"]+)">', html)


@pytest.mark.parametrize(
    ("query", "which"),
    [
        ("program=early", ["early"]),
        ("program=405", ["monitoring"]),
        ("state=consultation", ["early"]),
        ("state=monitoring&program=405", ["monitoring"]),
        (f"coordinator={COORDINATOR}", ["early", "monitoring"]),
        ("coordinator=nobody", []),
        ("q=みどり", ["early"]),
        ("q=あさひ製作所", ["monitoring"]),
        ("q=1180301018771", ["early"]),
        ("q=1180-3010-18771", ["early"]),
        ("q=%25", []),  # a literal %, not a wildcard
        ("q=_", []),
        ("program=&state=&q=", ["monitoring", "early"]),
    ],
)
def test_case_list_filters_and_search(site: Site, query: str, which: list[str]) -> None:
    page = site.signed_in(ACTOR["supervisor"]).get(f"/cases?{query}")
    assert page.status_code == 200
    assert sorted(_ids(page.text)) == sorted(site.cases[w] for w in which)


def test_case_list_pages_through_many_cases(site: Site, tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    header = [
        "案件番号",
        "事業",
        "枠",
        "協議会",
        "事業者",
        "法人番号",
        "決算月",
        "状態コード",
        "状態の開始日",
        "担当",
        "代表認定支援機関",
        "金融機関",
        "メイン行",
        "受付日",
        "利用決定日",
        "計画日",
    ]
    rows = [
        [
            "",
            "early",
            "standard",
            "13",
            f"株式会社テスト{i:03d}",
            "",
            "3",
            "drafting",
            "2026-06-01",
            "",
            "みなと税理士法人",
            "さくら銀行",
            "さくら銀行",
            "2026-05-01",
            "2026-06-01",
            "",
        ]
        for i in range(60)
    ]
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    site.cli.ok("import", "cases", str(path))
    client = site.signed_in(ACTOR["supervisor"])
    first = client.get("/cases?state=drafting")
    assert first.status_code == 200 and len(_ids(first.text)) == 50
    assert "60件中 1–50件" in first.text
    assert 'href="/cases?state=drafting&amp;page=2"' in first.text and 'rel="prev"' not in first.text
    second = client.get("/cases?state=drafting&page=2")
    assert len(_ids(second.text)) == 10 and "60件中 51–60件" in second.text
    assert 'rel="next"' not in second.text and 'href="/cases?state=drafting&amp;page=1"' in second.text
    assert not set(_ids(first.text)) & set(_ids(second.text))
    beyond = client.get("/cases?state=drafting&page=3")
    assert beyond.status_code == 200 and _ids(beyond.text) == []


@pytest.mark.parametrize(
    "query",
    [
        "page=x",
        "page=0",
        "page=-1",
        "page=1.5",
        "page=99999999",
        "page=" + "9" * 40,
        "program=nope",
        "state=nope",
        "program=early&state=negotiating",
        "coordinator=a%20b",
        "coordinator=" + "x" * 65,
        "q=" + "あ" * 101,
    ],
)
def test_bad_query_parameters_give_a_400_page(site: Site, query: str) -> None:
    page = site.signed_in(ACTOR["supervisor"]).get(f"/cases?{query}")
    assert page.status_code == 400
    assert "入力に誤りがあります" in page.text and "Traceback" not in page.text
    assert page.headers["content-type"].startswith("text/html")


def test_unknown_page_and_wrong_method_are_pages_too(site: Site) -> None:
    client = site.signed_in(ACTOR["supervisor"])
    page = client.get("/nowhere")
    assert page.status_code == 404 and "このページはありません" in page.text
    wrong = client.get("/logout")
    assert (
        wrong.status_code == 405 and "この方法では使えません" in wrong.text and "Traceback" not in wrong.text
    )


# -- the case page ----------------------------------------------------------------------------


def test_case_page_shows_the_whole_case(site: Site) -> None:
    client = site.signed_in(ACTOR["supervisor"])
    page = client.get(f"/cases/{site.cases['early']}")
    assert page.status_code == 200
    html = page.text
    header = _section(html, "header") or ""
    for text in (
        "早期経営改善計画策定支援／通常枠",
        "事前相談",
        "2026-09-01",
        "令和8年9月1日",
        "法人番号 1180301018771",
        "kato",
        "2022-04-01",
        "みなと税理士法人（代表）",
        "さくら銀行（メイン）",
    ):
        assert text in header, text
    events = _section(html, "events") or ""
    assert 'name="event" value="withdraw"' in events  # possible now: a form
    assert 'name="event" value="apply"' not in events  # blocked: no form, but every reason
    assert "利用申請" in events and "の事前相談書がありません" in events
    checklist = _section(html, "checklist") or ""
    assert "✗ 事前相談書（メイン行）" in checklist
    history = _section(html, "history") or ""
    assert "受付" in history and "tester" in history
    money = _section(html, "money") or ""
    assert "1,234,567円" in money and "計画策定支援費用" in money


def test_case_page_shows_monitoring_sessions(site: Site) -> None:
    page = site.signed_in(ACTOR["hq"]).get(f"/cases/{site.cases['monitoring']}")
    sessions = _section(page.text, "monitoring") or ""
    assert page.status_code == 200
    assert (
        "第1回" in sessions
        and "2026-12-15" in sessions
        and "令和8年12月15日" in sessions
        and "予定" in sessions
    )
    assert sessions.count("第") >= 6  # six sessions over 36 months
    assert "伴走支援中" in (_section(page.text, "header") or "")
    assert 'name="event"' not in page.text  # hq changes nothing: no forms


def test_reading_needs_no_javascript(site: Site) -> None:
    """Every page is complete HTML from the server; the only scripts are the pinned htmx and the
    dashboard's own casetrack.js (the address bar after a refusal), both deferred and optional."""
    client = site.signed_in(ACTOR["supervisor"])
    for path in ("/", "/cases", f"/cases/{site.cases['early']}"):
        html = client.get(path).text
        scripts = re.findall(r"<script[^>]*>", html)
        assert scripts == [
            '<script src="/static/htmx-2.0.4.min.js" defer>',
            '<script src="/static/casetrack.js" defer>',
        ]
        assert "<noscript" not in html and "http://" not in html.replace(
            'xmlns="http://www.w3.org/2000/svg"', ""
        )
    form = client.get("/cases").text
    assert '<form method="get" action="/cases"' in form  # the filters work as a plain form too
