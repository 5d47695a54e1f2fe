"""The calendar page (GET /calendar): a council's month, Sunday first, with the monitoring sessions due
each day and the deadline items, closed days shaded with their reasons; who sees which council; bad
parameters as a 400 page; the month's reads as index range queries.

Closed days, worked out by hand (2026-12-01 is a Tuesday: 2026-01-01 is a Thursday and 1 December is
day 335, 334 = 47 × 7 + 5 days later; 2027-01-01 is a Friday):

- 2026-12: Saturdays 5, 12, 19, 26; Sundays 6, 13, 20, 27; 年末年始 29, 30, 31 (Tue–Thu); no national
  holiday (天皇誕生日 is 23 February since 2020) → 11 closed days. Grid: Sunday 11-29 to Saturday 01-02.
- 2027-01: 元日 and 年末年始 on Friday the 1st, 年末年始 Saturday 2 and Sunday 3, 成人の日 on the second
  Monday (Mondays 4, 11 → 11); Saturdays 9, 16, 23, 30; Sundays 10, 17, 24, 31 → 12 closed days.
  Grid: Sunday 2026-12-27 to Saturday 2027-02-06 (six weeks).

The fixture's ``monitoring`` case (council 13, kato, plan date 2026-06-15) has session 1 due 2026-12-15,
a Tuesday: nominal = due."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from casetrack import services
from casetrack.domain import policy
from casetrack.services import Context
from casetrack.store.calendar_page import CalendarRepo, CaseDateWindow
from casetrack.store.scope import Scope
from tests.cli.helpers import drive_405
from tests.national_statistics import load_national_statistics
from tests.web.conftest import ACTOR, COORDINATOR, HQ, OTHER_SUPERVISOR, SUPERVISOR, TODAY, Site

HEADER = [
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
DEC_CLOSED = {5, 6, 12, 13, 19, 20, 26, 27, 29, 30, 31}
JAN_CLOSED = {1, 2, 3, 9, 10, 11, 16, 17, 23, 24, 30, 31}


def _row(
    program: str,
    state: str,
    company: str,
    *,
    council: str = "13",
    coordinator: str = "",
    accepted: str = "",
    plan: str = "",
    since: str = "2026-07-01",
) -> list[str]:
    track = "regular" if program == "405" else "standard"
    return [
        "",
        program,
        track,
        council,
        company,
        "",
        "3",
        state,
        since,
        coordinator,
        "みなと税理士法人",
        "さくら銀行",
        "さくら銀行",
        "2024-01-10",
        accepted,
        plan,
    ]


def _import(site: Site, tmp_path: Path, rows: list[list[str]], user: str = SUPERVISOR) -> list[str]:
    path = tmp_path / f"import-{len(list(tmp_path.glob('import-*')))}.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    return [str(c) for c in site.cli.ok("import", "cases", str(path), user=user)["cases"]]


def _cells(html: str) -> dict[str, tuple[str, str]]:
    """Every day cell of the grid: ISO date → (the <td> tag, its content)."""
    return {
        m.group(1): (m.group(0).split(">", 1)[0], m.group(2))
        for m in re.finditer(r'<td id="day-(\d{4}-\d{2}-\d{2})"[^>]*>(.*?)</td>', html, re.S)
    }


def _classes(tag: str) -> set[str]:
    match = re.search(r'class="([^"]*)"', tag)
    return set(match.group(1).split()) if match else set()


def _closed_in_month(cells: dict[str, tuple[str, str]], month: str) -> set[int]:
    return {
        int(day[-2:])
        for day, (tag, _) in cells.items()
        if day.startswith(month) and "closed" in _classes(tag)
    }


def _reason(cell: tuple[str, str]) -> str | None:
    match = re.search(r'<span class="reason">([^<]*)</span>', cell[1])
    return match.group(1) if match else None


def _entries(cell: tuple[str, str]) -> list[str]:
    return re.findall(r'<li class="entry[^"]*">(.*?)</li>', cell[1], re.S)


def _section(html: str, ident: str) -> str | None:
    match = re.search(rf'<section id="{ident}">(.*?)</section>', html, re.S)
    return match.group(1) if match else None


# -- the grid and its closed days -------------------------------------------------------------------


def test_december_2026_grid(site: Site) -> None:
    page = site.signed_in(ACTOR["supervisor"]).get("/calendar?month=2026-12")
    assert page.status_code == 200
    html = page.text
    cells = _cells(html)
    days = list(cells)
    assert days[0] == "2026-11-29" and days[-1] == "2027-01-02" and len(days) == 35  # Sunday first, 5 weeks
    assert re.findall(r'<th scope="col" class="wd\d">(.)</th>', html) == list("日月火水木金土")
    assert _closed_in_month(cells, "2026-12") == DEC_CLOSED
    for d in ("2026-12-29", "2026-12-30", "2026-12-31"):
        assert _reason(cells[d]) == "年末年始" and 'title="休業日：年末年始"' in cells[d][0]
    assert (
        'title="休業日：土曜日"' in cells["2026-12-05"][0]
        and 'title="休業日：日曜日"' in cells["2026-12-06"][0]
    )
    assert _reason(cells["2026-12-05"]) is None  # a weekend is shaded, its name only in the title
    assert "closed" not in _classes(cells["2026-12-28"][0]) and "title=" not in cells["2026-12-28"][0]

    (entry,) = _entries(cells["2026-12-15"])
    for text in (site.cases["monitoring"], "株式会社あさひ製作所", "第1回 定期", "予定"):
        assert text in entry, text
    assert f'href="/cases/{site.cases["monitoring"]}"' in entry and "本来" not in entry
    assert sum(len(_entries(c)) for c in cells.values()) == 1
    summary = re.search(r'<p class="hint" id="calendar-summary">(.*?)</p>', html, re.S)
    assert summary and "伴走支援 1件（期限超過 0・予定 1・実施済 0・免除 0）、期限 0件" in summary.group(1)
    assert "休業日 11日" in summary.group(1)
    assert (
        'href="/calendar?council=13&amp;month=2026-11"' in html
        and 'href="/calendar?council=13&amp;month=2027-01"' in html
    )
    assert "2026年12月（令和8年12月）" in html


def test_january_2027_holidays(site: Site) -> None:
    cells = _cells(site.signed_in(ACTOR["supervisor"]).get("/calendar?month=2027-01").text)
    assert list(cells)[0] == "2026-12-27" and list(cells)[-1] == "2027-02-06" and len(cells) == 42
    assert _closed_in_month(cells, "2027-01") == JAN_CLOSED
    assert _reason(cells["2027-01-01"]) == "元日・年末年始"
    assert _reason(cells["2027-01-11"]) == "成人の日" and "holiday" in _classes(cells["2027-01-11"][0])
    assert (
        _reason(cells["2027-01-02"]) == "年末年始"
        and 'title="休業日：年末年始・土曜日"' in cells["2027-01-02"][0]
    )
    assert "closed" not in _classes(cells["2027-01-04"][0]) and "closed" not in _classes(
        cells["2027-01-12"][0]
    )
    # the days of the neighbouring months are drawn (shaded too) but carry no entries
    assert {"outside", "closed"} <= _classes(cells["2026-12-29"][0])


def test_a_session_moved_off_a_closed_day_shows_on_its_due_date(site: Site, tmp_path: Path) -> None:
    """Plan date 2026-06-13 (a Saturday), every 6 months: session 1 nominally 2026-12-13, a Sunday →
    due Monday 2026-12-14."""
    (moved,) = _import(
        site,
        tmp_path,
        [
            _row(
                "405",
                "monitoring",
                "有限会社しらかば",
                coordinator=COORDINATOR,
                accepted="2025-04-20",
                plan="2026-06-13",
            )
        ],
    )
    cells = _cells(site.signed_in(ACTOR["supervisor"]).get("/calendar?month=2026-12").text)
    (entry,) = _entries(cells["2026-12-14"])
    assert moved in entry and "本来 12/13（日曜日）から移動" in entry
    assert _entries(cells["2026-12-13"]) == []


def test_a_council_closure_is_shaded_with_its_reason_and_moves_the_session(site: Site) -> None:
    result = services.change_closure(
        Context(site.db_url, TODAY, SUPERVISOR), dt.date(2026, 12, 15), council="13", reason="創立記念日"
    )
    assert [(m["case"], m["to"]) for m in result["moved"]] == [
        (site.cases["monitoring"], dt.date(2026, 12, 16))
    ]
    cells = _cells(site.signed_in(ACTOR["supervisor"]).get("/calendar?month=2026-12").text)
    assert (
        _reason(cells["2026-12-15"]) == "創立記念日"
        and 'title="休業日：創立記念日"' in cells["2026-12-15"][0]
    )
    assert _closed_in_month(cells, "2026-12") == DEC_CLOSED | {15}
    assert _entries(cells["2026-12-15"]) == []
    (entry,) = _entries(cells["2026-12-16"])
    assert site.cases["monitoring"] in entry and "本来 12/15（創立記念日）から移動" in entry
    # council 14's calendar does not have council 13's closure
    other = _cells(site.signed_in(HQ).get("/calendar?month=2026-12&council=14").text)
    assert _closed_in_month(other, "2026-12") == DEC_CLOSED


# -- deadlines --------------------------------------------------------------------------------------


def test_claim_deadline_and_validity_fall_on_their_days(site: Site, tmp_path: Path) -> None:
    """early accepted 2025-12-10 → claim deadline 2026-12-10 (+12 months); early accepted 2025-11-20 →
    2026-11-20, five days before today: 期限超過; 405 accepted 2024-12-09 → validity 2026-12-09 (+24
    months), then extended to 2027-01-20: it leaves December for 20 January."""
    early, late, r405 = _import(
        site,
        tmp_path,
        [
            _row(
                "early",
                "drafting",
                "株式会社けやき",
                coordinator=COORDINATOR,
                accepted="2025-12-10",
                since="2025-12-10",
            ),
            _row(
                "early",
                "plan_submitted",
                "株式会社もみじ",
                accepted="2025-11-20",
                plan="2026-05-01",
                since="2026-05-01",
            ),
            _row("405", "negotiating", "株式会社いちょう", accepted="2024-12-09", since="2025-06-01"),
        ],
    )
    client = site.signed_in(ACTOR["supervisor"])
    cells = _cells(client.get("/calendar?month=2026-12").text)
    (claim,) = _entries(cells["2026-12-10"])
    assert (
        early in claim
        and "支払申請期限（利用決定から12か月）" in claim
        and "期限" in claim
        and "超過" not in claim
    )
    (validity,) = _entries(cells["2026-12-09"])
    assert r405 in validity and "利用申請の有効期限" in validity and "延長後" not in validity
    november = _cells(client.get("/calendar?month=2026-11").text)
    (passed,) = _entries(november["2026-11-20"])
    assert late in passed and "期限超過" in passed

    site.cli.ok(
        "case",
        "advance",
        r405,
        "extend",
        "--until",
        "2027-01-20",
        "--reason",
        "金融機関との調整",
        "--on",
        "2026-11-25",
    )
    assert not any(r405 in c[1] for c in _cells(client.get("/calendar?month=2026-12").text).values())
    january = _cells(client.get("/calendar?month=2027-01").text)
    (extended,) = _entries(january["2027-01-20"])
    assert r405 in extended and "利用申請の有効期限（延長後）" in extended


def test_an_open_holdback_shows_fifteen_months_after_the_plan_decision(site: Site) -> None:
    """405 plan fee 3,300,000 → subsidy 2,000,000 (cap), 1,000,000 held back at decide_payment on
    2025-09-16 → flagged from 2025-09-16 + 15 months = 2026-12-16, until a monitoring claim is decided."""
    case_id = drive_405(
        site.cli,
        site.world,
        "monitoring",
        coordinator=COORDINATOR,
        dates={
            "open": "2024-10-01",
            "apply": "2024-10-10",
            "accept": "2024-10-21",
            "start_negotiation": "2025-02-03",
            "agree": "2025-04-15",
            "claim_payment": "2025-08-01",
            "decide_payment": "2025-09-16",
        },
    )
    client = site.signed_in(ACTOR["supervisor"])
    cells = _cells(client.get("/calendar?month=2026-12").text)
    (held,) = _entries(cells["2026-12-16"])
    assert case_id in held and "留保金 1,000,000円：支払決定 2025-09-16 から15か月" in held
    site.cli.ok("monitoring", "record", case_id, "1", "--held-on", "2025-10-15", today="2025-10-15")
    site.cli.ok(
        "doc", "add", case_id, "monitoring_report", "--session", "1", "--on", "2025-10-15", today="2025-10-15"
    )
    claim = site.cli.ok(
        "fee",
        "claim",
        case_id,
        "monitoring",
        "--fee",
        "150000",
        "--session",
        "1",
        "--on",
        "2025-10-20",
        today="2025-10-20",
    )
    site.cli.ok("fee", "decide", case_id, str(claim["id"]), "--on", "2025-11-04", today="2025-11-04")
    assert _entries(_cells(client.get("/calendar?month=2026-12").text)["2026-12-16"]) == []


# -- a busy day -------------------------------------------------------------------------------------


def test_a_busy_day_shows_five_and_links_to_the_rest(site: Site, tmp_path: Path) -> None:
    """Seven more council-13 405 cases with plan date 2026-06-15: eight sessions due 2026-12-15; the
    cell shows five and 「他 3 件」, whose link lists all eight below the grid."""
    added = _import(
        site,
        tmp_path,
        [
            _row("405", "monitoring", f"株式会社テスト{i}", accepted="2025-04-20", plan="2026-06-15")
            for i in range(7)
        ],
    )
    client = site.signed_in(ACTOR["supervisor"])
    html = client.get("/calendar?month=2026-12").text
    cell = _cells(html)["2026-12-15"]
    assert len(_entries(cell)) == 5 and "他 3 件" in cell[1]
    link = re.search(r'<a class="more" href="([^"]+)">他 3 件</a>', cell[1])
    assert (
        link
        and link.group(1).replace("&amp;", "&")
        == "/calendar?council=13&month=2026-12&day=2026-12-15#day-list"
    )
    day = client.get(link.group(1).replace("&amp;", "&").split("#")[0]).text
    listing = _section(day, "day-list") or ""
    assert "8件" in listing
    assert sorted(re.findall(r'<td><a href="/cases/([^"]+)">', listing)) == sorted(
        [site.cases["monitoring"], *added]
    )


# -- who sees what ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", policy.ROLES)
def test_calendar_for_every_role(site: Site, tmp_path: Path, role: str) -> None:
    """Council 13 has the monitoring case (kato) and an unassigned one, both due 2026-12-15. A coordinator
    sees their own by default and the council's on asking; a supervisor of 13/27/01 starts at 13 (their
    home council) and may pick 27 or 01; hq picks a council; an admin (no case.read) sees closed days."""
    (unassigned,) = _import(
        site,
        tmp_path,
        [_row("405", "monitoring", "株式会社だれでも", accepted="2025-04-20", plan="2026-06-15")],
    )
    client = site.signed_in(ACTOR[role])
    page = client.get("/calendar?month=2026-12")
    assert page.status_code == 200
    cells = _cells(page.text)
    assert _closed_in_month(cells, "2026-12") == DEC_CLOSED  # everyone sees the closed days
    shown = " ".join(_entries(cells["2026-12-15"]))
    council_page = client.get("/calendar?month=2026-12&council=13")
    assert council_page.status_code == 200
    in_council = " ".join(_entries(_cells(council_page.text)["2026-12-15"]))
    if not policy.allows(role, "case.read"):
        assert shown == "" and in_council == "" and 'id="calendar-no-cases"' in page.text
    elif policy.REACH[role] == policy.ALL:
        assert shown == "" and 'id="calendar-pick"' in page.text and '<option value="47">' in page.text
        assert site.cases["monitoring"] in in_council and unassigned in in_council
    elif role == "coordinator":
        assert site.cases["monitoring"] in shown and unassigned not in shown
        whole = " ".join(
            _entries(_cells(client.get("/calendar?month=2026-12&view=council").text)["2026-12-15"])
        )
        assert site.cases["monitoring"] in whole and unassigned in whole
    else:
        assert site.cases["monitoring"] in shown and unassigned in shown and shown == in_council
        assert re.findall(r'<option value="(\d\d)"', page.text) == ["01", "13", "27"]
        assert '<option value="13" selected>' in page.text
        assert _entries(_cells(client.get("/calendar?month=2026-12&council=27").text)["2026-12-15"]) == []


def test_another_councils_entries_never_appear(site: Site, tmp_path: Path) -> None:
    """Council 14's 405 case, plan date 2026-06-15: due 2026-12-15 like the monitoring case of 13."""
    (other,) = _import(
        site,
        tmp_path,
        [
            _row(
                "405",
                "monitoring",
                "横浜みなと商事株式会社",
                council="14",
                accepted="2025-04-20",
                plan="2026-06-15",
            )
        ],
        user=OTHER_SUPERVISOR,
    )
    for user, query in ((SUPERVISOR, ""), (COORDINATOR, "&view=council"), (HQ, "&council=13")):
        html = site.signed_in(user).get(f"/calendar?month=2026-12{query}").text
        assert site.cases["monitoring"] in html and other not in html and "横浜みなと商事" not in html, user
    for user, query in ((OTHER_SUPERVISOR, ""), (HQ, "&council=14")):
        html = site.signed_in(user).get(f"/calendar?month=2026-12{query}").text
        assert other in _cells(html)["2026-12-15"][1] and site.cases["monitoring"] not in html, user
    for user in (COORDINATOR, SUPERVISOR):  # a council out of one's reach: as if it did not exist
        page = site.signed_in(user).get("/calendar?month=2026-12&council=14")
        assert (
            page.status_code == 404 and "協議会 14 は見つかりません" in page.text and other not in page.text
        )


# -- bad parameters ---------------------------------------------------------------------------------

BAD_QUERIES = [
    "month=2026-13",
    "month=2026-00",
    "month=abc",
    "month=2026-1",
    "month=202612",
    "month=2026-12-01",
    "month=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96-12",  # full-width digits
    "month=1948-12",
    "month=3001-01",
    "month=9999-12",
    "month=0000-01",
    "council=99",
    "council=x",
    "council=1",
    "council=013",
    "view=all",
    "month=2026-12&day=2026-11-30",
    "month=2026-12&day=abc",
    "month=2026-12&day=2026-12-32",
]


def test_bad_parameters_give_a_400_page(site: Site) -> None:
    client = site.signed_in(ACTOR["supervisor"])
    for query in BAD_QUERIES:  # one site for all of them: each is a request, not a new database
        page = client.get(f"/calendar?{query}")
        assert page.status_code == 400, query
        assert "入力に誤りがあります" in page.text and "Traceback" not in page.text, query
        assert page.headers["content-type"].startswith("text/html"), query


def test_far_years_say_what_the_calendar_covers(site: Site) -> None:
    client = site.signed_in(ACTOR["supervisor"])
    for month in ("1948-12", "3001-01"):
        assert (
            "休日の暦は 1949年から3000年までしか分かりません" in client.get(f"/calendar?month={month}").text
        )
    first, last = client.get("/calendar?month=1949-01"), client.get("/calendar?month=3000-12")
    assert first.status_code == 200 and last.status_code == 200
    assert 'rel="prev"' not in first.text and 'rel="next"' in first.text
    assert 'rel="next"' not in last.text and 'rel="prev"' in last.text


def test_default_month_is_the_current_one_and_no_script_or_inline_style(site: Site) -> None:
    page = site.signed_in(ACTOR["supervisor"]).get("/calendar")
    assert page.status_code == 200 and "2026年11月（令和8年11月）" in page.text  # TODAY is 2026-11-25
    assert "today" in _classes(_cells(page.text)["2026-11-25"][0])
    assert re.findall(r"<script[^>]*>", page.text) == [
        '<script src="/static/htmx-2.0.4.min.js" defer>',
        '<script src="/static/casetrack.js" defer>',
    ]
    assert "style=" not in page.text and "<style" not in page.text
    assert '<a href="/calendar" aria-current="page">カレンダー</a>' in page.text


def test_signed_out_goes_to_login(site: Site) -> None:
    response = site.client().get("/calendar?month=2026-12")
    assert (
        response.status_code == 303
        and response.headers["location"] == "/login?next=%2Fcalendar%3Fmonth%3D2026-12"
    )


# -- the queries ------------------------------------------------------------------------------------


def _plan(conn: sa.Connection, query: sa.Select) -> str:  # type: ignore[type-arg]
    sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    if conn.dialect.name == "sqlite":
        return "\n".join(row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # tiny tables: ask whether an index path exists
    return "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + sql))


def test_the_months_reads_are_index_ranges(site: Site) -> None:
    first, last = dt.date(2026, 12, 1), dt.date(2026, 12, 31)
    engine = sa.create_engine(site.db_url)
    with engine.begin() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            load_national_statistics(conn)
        reads = CalendarRepo(conn, scope=Scope({"13"}))
        plan = _plan(conn, reads.sessions_due_query("13", first, last))
        if sqlite:
            assert "SEARCH monitoring_session USING INDEX ix_session_due (due_on>? AND due_on<?)" in plan, (
                plan
            )
            assert "SCAN" not in plan, plan
        else:
            assert "ix_session_due" in plan and "Seq Scan" not in plan, plan
        windows = [
            CaseDateWindow(
                "early", ("drafting", "plan_submitted"), ((dt.date(2025, 12, 1), dt.date(2025, 12, 31)),)
            ),
            CaseDateWindow(
                "405",
                ("drafting", "negotiating", "agreed"),
                ((dt.date(2024, 12, 1), dt.date(2024, 12, 31)),),
                (first, last),
            ),
        ]
        dated = reads.dated_cases_query("13", windows)
        holdbacks = reads.open_holdbacks_query(
            "13", "405", ("monitoring", "closed"), ((dt.date(2025, 9, 1), dt.date(2025, 9, 30)),)
        )
        assert dated is not None and holdbacks is not None
        for query, index in ((dated, "ix_cases_council_state"), (holdbacks, "ix_cases_council_state")):
            plan = _plan(conn, query)
            if sqlite:  # planned with the national statistics: the index by council and state
                assert index in plan, plan
            else:  # tiny tables, no statistics: an index range by council (either index leading with it)
                assert re.search(r"Index (Only )?Scan using ix_cases_council_\w+ on cases", plan), plan
            assert not re.search(
                r"SCAN (cases|monitoring_session|ledger_entry)\b|Seq Scan on (cases|ledger_entry)", plan
            ), plan
        conn.rollback()
    engine.dispose()
