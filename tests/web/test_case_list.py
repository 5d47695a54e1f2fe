"""The case list's `overdue` and `stalled` filters and the download of its current view
(/cases/export.csv and /cases/export.xlsx), against the site plus the cases of tests/web/listed.py (its
table says, worked by hand from DOMAIN.md §9, which case is stalled or overdue on 2026-11-25)."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from casetrack import services
from casetrack.domain import policy
from casetrack.services import Context
from casetrack.web.app import create_app
from tests.conftest import ADMIN
from tests.web.conftest import ACTOR, COORDINATOR, TODAY, Site, sign_in
from tests.web.listed import FORMULA_NAME, HEADER, add_listed_cases

ROLES = policy.ROLES


@pytest.fixture
def listed(site: Site, tmp_path: Path) -> Site:
    site.cases.update(
        site.cli.once(f"listed@{__name__}", lambda: dict(add_listed_cases(site, tmp_path).cases))
    )
    return site


def _ids(html: str) -> list[str]:
    return re.findall(r'<td[^>]*><a href="/cases/([^"]+)">', html)


def _cases(site: Site, *which: str) -> list[str]:
    return sorted(site.cases[w] for w in which)


def test_the_fixture_is_as_the_table_says(listed: Site) -> None:
    """The hand-worked table above, checked against the audit itself."""
    sessions = {
        (s["case"], s["seq"]): (s["due_on"], s["status"])
        for s in listed.cli.ok("monitoring", "list", user="honbu")
    }
    assert sessions[(listed.cases["overdue"], 1)] == ("2026-08-10", "scheduled")
    assert sessions[(listed.cases["both"], 1)] == ("2026-06-01", "scheduled")
    assert sessions[(listed.cases["closed"], 1)] == ("2026-06-01", "scheduled")
    audit = listed.cli.ok("audit", "stalled", user="honbu")
    assert sorted({f["case"] for f in audit if f["code"] == "stalled"}) == _cases(
        listed, "early", "other", "both"
    )
    assert sorted({f["case"] for f in audit if f["code"] == "monitoring_overdue"}) == _cases(
        listed, "overdue", "both"
    )


# -- the filters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "which"),
    [
        ("", ["early", "monitoring", "overdue", "both", "closed"]),
        ("stalled=1", ["early", "both"]),
        ("overdue=1", ["overdue", "both"]),
        ("overdue=1&stalled=1", ["both"]),
        ("stalled=0&overdue=", ["early", "monitoring", "overdue", "both", "closed"]),  # unticked: no filter
        ("stalled=1&program=405", []),
        ("stalled=1&program=early", ["early", "both"]),
        ("overdue=1&program=405", ["overdue"]),
        ("overdue=1&state=monitoring", ["overdue"]),
        ("overdue=1&state=closed", []),  # its session is past due, but a closed case has nothing overdue
        ("stalled=1&state=plan_submitted", ["both"]),
        (f"overdue=1&coordinator={COORDINATOR}", ["both"]),
        ("overdue=1&coordinator=sato", ["overdue"]),
        ("stalled=1&q=みどり", ["early"]),
        ("overdue=1&q=ひかり", ["overdue"]),
        ("overdue=1&q=1180301018771", []),
    ],
)
def test_overdue_and_stalled_filters(listed: Site, query: str, which: list[str]) -> None:
    page = listed.signed_in(ACTOR["supervisor"]).get(f"/cases?{query}")
    assert page.status_code == 200
    assert sorted(_ids(page.text)) == _cases(listed, *which)


def test_hq_sees_every_councils_stalled_cases(listed: Site) -> None:
    page = listed.signed_in(ACTOR["hq"]).get("/cases?stalled=1")
    assert sorted(_ids(page.text)) == _cases(listed, "early", "both", "other")
    other = listed.signed_in("yokohama").get("/cases?stalled=1")  # council 14's supervisor: its own only
    assert _ids(other.text) == [listed.cases["other"]]


def test_the_checkboxes_keep_their_state(listed: Site) -> None:
    client = listed.signed_in(ACTOR["supervisor"])
    plain = client.get("/cases").text
    assert re.search(r'<input type="checkbox" name="overdue" value="1">', plain)
    assert re.search(r'<input type="checkbox" name="stalled" value="1">', plain)
    ticked = client.get("/cases?overdue=1&stalled=0").text
    assert '<input type="checkbox" name="overdue" value="1" checked>' in ticked
    assert '<input type="checkbox" name="stalled" value="1">' in ticked


def _day_client(site: Site, day: dt.date, user: str = "honbu"):  # type: ignore[no-untyped-def]
    from starlette.testclient import TestClient

    client = TestClient(
        create_app(site.db_url, site.settings, today=day, clock=site.clock),
        base_url="http://testserver",
        follow_redirects=False,
    )
    assert sign_in(client, user).status_code == 303
    return client


@pytest.mark.parametrize(
    ("day", "stalled", "overdue"),
    [
        ("2026-10-01", ["both"], ["overdue", "both"]),  # early: 30 days in consultation, not above 30
        ("2026-10-02", ["early", "both"], ["overdue", "both"]),  # 31 days: stalled
        ("2026-08-10", ["both"], ["both"]),  # overdue's first session is due today: not overdue yet
        ("2026-08-11", ["both"], ["overdue", "both"]),  # the day after its due date: overdue
        ("2026-06-01", ["both"], []),  # FYE session due today: not yet overdue
        ("2026-06-02", ["both"], ["both"]),
        ("2025-01-31", [], []),  # plan_submitted since 2024-12-02: 60 days, not above 60
        ("2025-02-01", ["both"], []),
    ],
)
def test_thresholds_day_by_day_agree_with_the_audit(
    listed: Site, day: str, stalled: list[str], overdue: list[str]
) -> None:
    """On the boundary days the page and `audit stalled --code …` (acting on the same day) agree."""
    on = dt.date.fromisoformat(day)
    client = _day_client(listed, on)
    council13 = {c for c in listed.cases.values() if c.startswith("13-")}
    for flag, expected in (("stalled", stalled), ("overdue", overdue)):
        shown = {c for c in _ids(client.get(f"/cases?{flag}=1").text) if c in council13}
        assert sorted(shown) == _cases(listed, *expected), (day, flag)
        code = "stalled" if flag == "stalled" else "monitoring_overdue"
        audit = listed.cli.ok("audit", "stalled", "--code", code, "--council", "13", today=day, user="honbu")
        assert shown == {f["case"] for f in audit}, (day, flag)


@pytest.mark.parametrize(
    "query",
    [
        "overdue=yes%20please",
        "overdue=yes",
        "stalled=2",
        "stalled=true",
        "overdue=1&stalled=on",
        "stalled=" + "1" * 30,
        "overdue=1&program=nope",
    ],
)
def test_bad_flags_give_a_400_page(listed: Site, query: str) -> None:
    client = listed.signed_in(ACTOR["supervisor"])
    for path in ("/cases", "/cases/export.csv", "/cases/export.xlsx"):
        page = client.get(f"{path}?{query}")
        assert page.status_code == 400, (path, query)
        assert "入力に誤りがあります" in page.text and page.headers["content-type"].startswith("text/html")
        assert "content-disposition" not in page.headers


def test_paging_links_keep_the_flags(site: Site, tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    rows = [
        [
            "",
            "early",
            "standard",
            "13",
            f"株式会社停滞{i:03d}",
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
        for i in range(55)
    ]
    rows += [
        [
            "",
            "early",
            "standard",
            "13",
            f"株式会社順調{i:03d}",
            "",
            "3",
            "drafting",
            "2026-11-01",
            "",
            "みなと税理士法人",
            "さくら銀行",
            "さくら銀行",
            "2026-05-01",
            "2026-06-01",
            "",
        ]
        for i in range(5)
    ]
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    site.cli.ok("import", "cases", str(path))
    client = site.signed_in(ACTOR["supervisor"])
    first = client.get("/cases?state=drafting&stalled=1")  # early drafting: 90 days; since 06-01 is 177 days
    assert first.status_code == 200 and "55件中 1–50件" in first.text and len(_ids(first.text)) == 50
    assert 'href="/cases?state=drafting&amp;stalled=1&amp;page=2"' in first.text
    second = client.get("/cases?state=drafting&stalled=1&page=2")
    assert (
        len(_ids(second.text)) == 5 and 'href="/cases?state=drafting&amp;stalled=1&amp;page=1"' in second.text
    )
    assert 'href="/cases/export.csv?state=drafting&amp;stalled=1"' in second.text
    everything = _rows(client.get("/cases/export.csv?state=drafting&stalled=1").content)
    assert len(everything) == 55 and all(r["事業者"].startswith("株式会社停滞") for r in everything)


# -- the download -----------------------------------------------------------------------------


def _rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(codecs.BOM_UTF8)
    text = content[len(codecs.BOM_UTF8) :].decode("utf-8")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")  # every line ends in CRLF, nothing else
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_download_of_the_current_view(listed: Site) -> None:
    client = listed.signed_in(ACTOR["supervisor"])
    page = client.get("/cases?overdue=1").text
    assert 'href="/cases/export.csv?overdue=1"' in page and 'href="/cases/export.xlsx?overdue=1"' in page
    response = client.get("/cases/export.csv?overdue=1")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    assert int(response.headers["content-length"]) == len(response.content)
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=\"cases-2026-11-25.csv\"; filename*=UTF-8''")
    assert unquote(disposition.split("''", 1)[1]) == "案件一覧-2026-11-25.csv"
    rows = _rows(response.content)
    assert sorted(r["案件番号"] for r in rows) == _cases(listed, "overdue", "both")
    by_id = {r["案件番号"]: r for r in rows}
    hikari = by_id[listed.cases["overdue"]]
    assert hikari["事業者"] == "'" + FORMULA_NAME  # defused: never a formula
    assert (hikari["事業"], hikari["枠"], hikari["状態"], hikari["状態コード"]) == (
        "経営改善計画策定支援（405事業）",
        "通常枠",
        "伴走支援中",
        "monitoring",
    )
    assert (hikari["担当"], hikari["協議会"], hikari["状態の開始日"], hikari["計画日"]) == (
        "sato",
        "13",
        "2026-03-01",
        "2026-02-10",
    )
    assert hikari["代表認定支援機関"] == "みなと税理士法人" and hikari["メイン行"] == "さくら銀行"
    soyokaze = by_id[listed.cases["both"]]
    assert (soyokaze["事業者"], soyokaze["枠"], soyokaze["状態"]) == (
        "有限会社そよかぜ",
        "通常枠",
        "計画提出済",
    )


def test_download_is_every_matching_case_not_the_page(listed: Site) -> None:
    client = listed.signed_in(ACTOR["supervisor"])
    rows = _rows(client.get("/cases/export.csv").content)
    assert sorted(r["案件番号"] for r in rows) == _cases(
        listed, "early", "monitoring", "overdue", "both", "closed"
    )
    early = next(r for r in rows if r["案件番号"] == listed.cases["early"])
    assert (early["事業者"], early["法人番号"], early["状態"]) == (
        "株式会社みどり工房",
        "1180301018771",
        "事前相談",
    )
    assert listed.cases["other"] not in client.get("/cases/export.csv").text
    assert _rows(client.get("/cases/export.csv?q=ひまわり").content) == []  # council 14's company: nothing
    hq = _rows(listed.signed_in(ACTOR["hq"]).get("/cases/export.csv?stalled=1").content)
    assert sorted(r["案件番号"] for r in hq) == _cases(listed, "early", "both", "other")


def test_xlsx_download(listed: Site) -> None:
    from openpyxl import load_workbook

    response = listed.signed_in(ACTOR["supervisor"]).get("/cases/export.xlsx?stalled=1")
    assert response.status_code == 200
    assert (
        response.headers["content-type"]
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="cases-2026-11-25.xlsx"' in response.headers["content-disposition"]
    assert int(response.headers["content-length"]) == len(response.content)
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "案件" and sheet.freeze_panes == "A2"
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:5] == ["案件番号", "事業", "事業名", "枠", "協議会"] and "法人番号" in header
    data = [dict(zip(header, r, strict=True)) for r in rows[1:]]
    assert sorted(r["案件番号"] for r in data) == _cases(listed, "early", "both")
    early = next(r for r in data if r["案件番号"] == listed.cases["early"])
    assert early["状態の開始日"] == dt.datetime(2026, 9, 1)  # a real date cell
    assert early["事業者"] == "株式会社みどり工房" and early["担当"] == COORDINATOR
    formula = listed.signed_in(ACTOR["supervisor"]).get("/cases/export.xlsx?overdue=1&program=405")
    ws = load_workbook(io.BytesIO(formula.content)).active
    company = [c.value for c in ws[1]].index("事業者") + 1
    cell = ws.cell(row=2, column=company)
    assert cell.value == FORMULA_NAME and cell.data_type == "s"  # a string, not a formula
    assert ws.max_row == 2


@pytest.mark.parametrize("role", ROLES)
def test_download_for_every_role(listed: Site, role: str) -> None:
    client = listed.signed_in(ACTOR[role])
    before = len(services.list_access(listed.ctx(ADMIN), user=ACTOR[role], limit=None))
    response = client.get("/cases/export.csv?stalled=1")
    after = services.list_access(listed.ctx(ADMIN), user=ACTOR[role], limit=None)
    if not policy.allows(role, "case.export"):
        assert response.status_code == 403 and "権限がありません" in response.text
        assert "content-disposition" not in response.headers and "株式会社みどり工房" not in response.text
        assert len(after) == before
        return
    assert response.status_code == 200
    expected = 3 if policy.REACH[role] == policy.ALL else 2
    assert len(_rows(response.content)) == expected
    assert len(after) == before + 1
    entry = after[0]
    assert (entry["user"], entry["action"], entry["rows"]) == (ACTOR[role], "case.export", expected)
    assert entry["what"] == "export cases (csv, case list) stalled=1"


def test_links_shown_only_to_who_may_export_and_when_there_is_something(listed: Site) -> None:
    client = listed.signed_in(ACTOR["supervisor"])
    assert 'id="downloads"' in client.get("/cases").text
    assert 'id="downloads"' not in client.get("/cases?coordinator=nobody").text


def test_export_needs_a_signed_in_user(listed: Site) -> None:
    response = listed.client().get("/cases/export.csv?overdue=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fcases%2Fexport.csv%3Foverdue%3D1"


def test_a_coordinator_without_case_export_gets_403(listed: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """A role granted case.read but not case.export (none is today; the check must still hold)."""
    action = policy.ACTIONS["case.export"]
    monkeypatch.setitem(
        policy.ACTIONS,
        "case.export",
        policy.Action(action.id, action.ja, action.en, action.roles - {"coordinator"}),
    )
    client = listed.signed_in(COORDINATOR)
    page = client.get("/cases")
    assert page.status_code == 200 and 'id="downloads"' not in page.text
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/cases/export.{fmt}")
        assert response.status_code == 403 and "content-disposition" not in response.headers
    entries = services.list_access(listed.ctx(ADMIN), user=COORDINATOR, limit=None)
    assert not any(e["action"] == "case.export" for e in entries)


def test_unfiltered_it_is_the_cli_export(listed: Site, tmp_path: Path) -> None:
    """With no filter the download has the rows of `casetrack export cases` (plus 事業名), so it imports back."""
    from casetrack.services.exchange import export_case_list

    out = io.BytesIO()
    result = export_case_list(Context(listed.db_url, TODAY, "tester"), out, fmt="csv")
    assert listed.cli("export", "cases", "--out", str(tmp_path / "cli.csv")).code == 0
    cli_rows = _rows((tmp_path / "cli.csv").read_bytes())
    mine = _rows(out.getvalue())
    assert result["rows"] == len(mine) == len(cli_rows)
    assert [{k: v for k, v in r.items() if k != "事業名"} for r in mine] == cli_rows


@pytest.mark.parametrize(
    "role", ["coordinator", "hq"]
)  # narrowed to a council (EXISTS per case), or not (IN)
def test_the_filters_use_indexes(listed: Site, role: str) -> None:
    """No full scan of the sessions (or any big table) for the filters, the count, the page or the file."""
    from tests.store.test_query_plans import _full_scans, captured

    ctx = Context(listed.db_url, TODAY, ACTOR[role])
    with captured(listed.db_url) as statements:
        services.search_cases(ctx, overdue=True, stalled=True)
        services.search_cases(ctx, overdue=True, coordinator=COORDINATOR, text="そよかぜ")
        services.export_case_list(ctx, io.BytesIO(), fmt="csv", overdue=True, stalled=True)
    assert any("monitoring_session" in sql for sql, _params in statements)
    assert _full_scans(listed.db_url, statements) == []
