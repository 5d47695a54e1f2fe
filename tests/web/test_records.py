"""The company and organisation pages per route × role (policy: registry.read for every role,
registry.write for coordinators and supervisors), their confidentiality (a company whose cases are all
another council's is 404, as in `company list`; an organisation's cases are the user's councils'),
search, sorting and paging, and corrections through `company edit` / `org edit` (PRG; a refusal
re-shows the form with its Japanese reasons and what was typed, and writes nothing)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa

from casetrack.domain import policy
from casetrack.store.tables import MasterChange
from tests.web.conftest import ACTOR, COORDINATOR, HQ, OTHER_SUPERVISOR, SUPERVISOR, Site, csrf_of

ROLES = ("coordinator", "supervisor", "hq", "admin")


def _changes(site: Site) -> list[dict[str, Any]]:
    engine = sa.create_engine(site.db_url)
    try:
        with engine.connect() as conn:
            t = MasterChange.__table__  # type: ignore[attr-defined]
            return [dict(r) for r in conn.execute(sa.select(t).order_by(t.c.id)).mappings()]
    finally:
        engine.dispose()


def _reasons(html: str) -> list[str]:
    block = re.search(r'<div class="error" id="edit-error".*?</div>', html, re.S)
    assert block, "no refusal on the page"
    return re.findall(r"<li>(.*?)</li>", block.group(0), re.S)


def _linked(html: str, base: str) -> list[str]:
    return re.findall(rf'<a href="/{base}/\d+">([^<]+)</a>', html)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_per_role(site: Site, role: str) -> None:
    w = site.world
    client = site.signed_in(ACTOR[role])
    writes = policy.allows(role, "registry.write")
    expected = {
        "/companies": 200,
        "/companies/new": 200 if writes else 403,
        f"/companies/{w.company}": 200,
        f"/companies/{w.company}/history": 200,
        f"/companies/{w.company}/edit": 200 if writes else 403,
        "/orgs": 200,
        f"/orgs/{w.tax}": 200,
        f"/orgs/{w.tax}/history": 200,
        f"/orgs/{w.tax}/edit": 200 if writes else 403,
        "/cases/new/orgs?part=lender&lender_q=%E9%8A%80%E8%A1%8C": 200,
    }  # the pickers: a public directory
    got = {path: client.get(path).status_code for path in expected}
    assert got == expected
    detail = client.get(f"/companies/{w.company}").text
    assert (f'href="/companies/{w.company}/edit"' in detail) == writes
    if policy.allows(role, "case.read"):
        assert f'<a href="/cases/{site.cases["early"]}">' in detail
    else:  # admin: the registry, not the cases
        assert (
            "案件の閲覧権限がないため、案件は表示しません。" in detail
            and "/cases/" not in detail.split("<main>")[1]
        )
    anonymous = site.client()
    assert anonymous.get("/companies").headers["location"] == "/login?next=%2Fcompanies"


@pytest.mark.parametrize("role", ROLES)
def test_corrections_per_role(site: Site, role: str) -> None:
    w = site.world
    client = site.signed_in(ACTOR[role])
    csrf = csrf_of(client.get("/").text)
    company = client.post(
        f"/companies/{w.company}/edit",
        data={
            "csrf_token": csrf,
            "name": "株式会社みどり工房",
            "corporate_number": "1180301018771",
            "fiscal_year_end_month": "3",
            "address": "東京都港区芝1-1",
            "representative": "",
            "email": "",
            "phone": "",
            "note": "登記簿で確認",
        },
    )
    org = client.post(
        f"/orgs/{w.tax}/edit",
        data={
            "csrf_token": csrf,
            "name": "みなと税理士法人",
            "kind": "tax_accountant",
            "email": "new@minato-tax.example.jp",
            "phone": "",
            "certified": "1",
            "note": "",
        },
    )
    if not policy.allows(role, "registry.write"):
        assert (company.status_code, org.status_code) == (403, 403)
        assert _changes(site) == []
        return
    assert (company.status_code, company.headers["location"]) == (303, f"/companies/{w.company}?done=edited")
    assert (org.status_code, org.headers["location"]) == (303, f"/orgs/{w.tax}?done=edited")
    rows = [(r["entity"], r["field"], r["before"], r["after"], r["user"], r["note"]) for r in _changes(site)]
    assert rows == [
        ("company", "address", None, "東京都港区芝1-1", ACTOR[role], "登記簿で確認"),
        (
            "organisation",
            "email",
            "office@minato-tax.example.jp",
            "new@minato-tax.example.jp",
            ACTOR[role],
            None,
        ),
    ]
    shown = client.get(company.headers["location"]).text
    assert "訂正を記録しました。" in shown and "東京都港区芝1-1" in shown
    history = client.get(f"/companies/{w.company}/history").text
    assert re.search(
        r'data-label="項目">所在地</td>.*?data-label="訂正後">東京都港区芝1-1</td>', history, re.S
    )
    assert "登記簿で確認" in history
    assert "new@minato-tax.example.jp" in client.get(f"/orgs/{w.tax}/history").text


def test_another_councils_company_is_not_found(site: Site) -> None:
    """喫茶ひまわり's only case is council 14's: not listed, not found, not corrected for council 13;
    council 14 and hq see it."""
    w = site.world
    kato = site.signed_in(COORDINATOR)
    assert "喫茶ひまわり" not in kato.get("/companies").text
    for path in (
        f"/companies/{w.company_dec}",
        f"/companies/{w.company_dec}/history",
        f"/companies/{w.company_dec}/edit",
    ):
        assert kato.get(path).status_code == 404, path
    refused = kato.post(
        f"/companies/{w.company_dec}/edit",
        data={
            "csrf_token": csrf_of(kato.get("/").text),
            "name": "喫茶ひまわり（改）",
            "fiscal_year_end_month": "12",
        },
    )
    assert refused.status_code == 404 and "喫茶ひまわり" not in refused.text
    assert _changes(site) == []
    for user in (OTHER_SUPERVISOR, HQ):
        page = site.signed_in(user).get(f"/companies/{w.company_dec}")
        assert page.status_code == 200 and f'<a href="/cases/{site.cases["other"]}">' in page.text


def test_an_organisations_cases_are_the_users_councils(site: Site) -> None:
    """東都信用金庫 lends on the imported 405 case of council 13 (guaranteed) and is the main bank of
    council 14's case: council 13 sees the first only, hq both."""
    w = site.world
    mine = site.signed_in(COORDINATOR).get(f"/orgs/{w.bank_second}").text
    assert re.findall(r'<a href="/cases/(\d[^"]+)">', mine) == [site.cases["monitoring"]]
    assert "借入先（保証付）" in mine and "株式会社あさひ製作所" in mine and "喫茶ひまわり" not in mine
    every = site.signed_in(HQ).get(f"/orgs/{w.bank_second}").text
    assert sorted(re.findall(r'<a href="/cases/(\d[^"]+)">', every)) == sorted(
        [site.cases["monitoring"], site.cases["other"]]
    )
    tax = site.signed_in(COORDINATOR).get(f"/orgs/{w.tax}").text
    assert "代表の支援機関" in tax and f'<a href="/cases/{site.cases["early"]}">' in tax


def test_search_sort_and_pages(site: Site) -> None:
    client = site.signed_in(HQ)
    assert _linked(client.get("/companies", params={"q": "ﾐﾄﾞﾘ"}).text, "companies") == ["株式会社みどり工房"]
    assert _linked(client.get("/companies", params={"q": "0301018"}).text, "companies") == [
        "株式会社みどり工房"
    ]
    # 決算月 descending: 喫茶ひまわり's 12, then the two of March by id, descending too (あさひ製作所 was
    # registered by the import, after みどり工房)
    months = _linked(
        client.get("/companies", params={"sort": "fiscal_year_end_month", "order": "desc"}).text, "companies"
    )
    assert months == ["喫茶ひまわり", "株式会社あさひ製作所", "株式会社みどり工房"]
    names = _linked(
        client.get("/companies", params={"sort": "name"}).text, "companies"
    )  # the database's collation
    assert (
        names
        == _linked(client.get("/companies", params={"sort": "name", "order": "desc"}).text, "companies")[::-1]
    )
    assert sorted(names) == sorted(months)
    assert _linked(client.get("/orgs", params={"kind": "bank", "sort": "name"}).text, "orgs") == [
        "あおば銀行",
        "さくら銀行",
        "日本政策金融公庫",
        "東都信用金庫",
    ]
    assert _linked(client.get("/orgs", params={"q": "ｻｸﾗ"}).text, "orgs") == ["さくら銀行"]
    for i in range(51):  # with the world's 6: 57 organisations, pages of 50 and 7
        site.cli.ok("org", "add", "--name", f"支援機関{i:02d}", "--kind", "other")
    first = client.get("/orgs").text
    assert (
        "57件中 1–50件（1／2ページ）" in first and len(_linked(first, "orgs")) == 50 and 'rel="next"' in first
    )
    second = client.get("/orgs", params={"page": "2"}).text
    assert _linked(second, "orgs") == [f"支援機関{i}" for i in range(44, 51)] and 'rel="prev"' in second
    assert (
        _linked(client.get("/orgs", params={"sort": "id", "order": "desc"}).text, "orgs")[0] == "支援機関50"
    )
    # certified first (ties by id, descending too: あおば銀行, さくら銀行, the tax accountant), then the latest
    assert _linked(client.get("/orgs", params={"sort": "certified", "order": "desc"}).text, "orgs")[:4] == [
        "あおば銀行",
        "さくら銀行",
        "みなと税理士法人",
        "支援機関50",
    ]
    assert client.get("/companies", params={"sort": "secret"}).status_code == 400
    assert client.get("/orgs", params={"page": "x"}).status_code == 400
    assert client.get("/orgs", params={"kind": "spy"}).status_code == 400


def test_refused_corrections_keep_what_was_typed(site: Site) -> None:
    w = site.world
    client = site.signed_in(SUPERVISOR)
    csrf = csrf_of(client.get("/").text)
    base = {
        "csrf_token": csrf,
        "name": "株式会社みどり工房",
        "corporate_number": "1180301018771",
        "fiscal_year_end_month": "3",
        "address": "",
        "representative": "",
        "email": "",
        "phone": "",
        "note": "",
    }
    cases = [
        (
            {"corporate_number": "1180301018772"},
            "法人番号「1180301018772」のチェックディジット（先頭の1桁）が合いません。",
        ),
        ({}, "変更がありません（入力はすべて今の値と同じです）。"),
        ({"email": "not-an-address"}, "メール「not-an-address」はメールアドレスではありません。"),
        ({"name": " "}, "事業者名が空です。"),
    ]
    for over, reason in cases:
        response = client.post(f"/companies/{w.company}/edit", data={**base, **over})
        assert response.status_code == 400, over
        assert _reasons(response.text) == [reason]
        for value in over.values():
            assert f'value="{value}"' in response.text
        assert f'data-page-url="/companies/{w.company}/edit"' in response.text
    lender = client.post(
        f"/orgs/{w.bank_main}/edit",
        data={
            "csrf_token": csrf,
            "name": "さくら銀行",
            "kind": "tax_accountant",
            "email": "",
            "phone": "",
            "certified": "1",
        },
    )
    assert lender.status_code == 400
    assert _reasons(lender.text) == ["さくら銀行 は案件の借入先金融機関なので、種別は金融機関のままです。"]
    assert _changes(site) == []
    forged = client.post(
        f"/orgs/{w.tax}/edit", data={"csrf_token": "forged", "name": "乗っ取り", "kind": "other"}
    )
    assert forged.status_code == 403 and _changes(site) == []


@pytest.mark.parametrize("role", ROLES)
def test_register_an_organisation_per_role(site: Site, role: str) -> None:
    client = site.signed_in(ACTOR[role])
    writes = policy.allows(role, "registry.write")
    assert client.get("/orgs/new").status_code == (200 if writes else 403)
    assert ('href="/orgs/new"' in client.get("/orgs").text) == writes
    csrf = csrf_of(client.get("/").text)
    added = client.post(
        "/orgs/new",
        data={"csrf_token": csrf, "name": "ひかり信用組合", "kind": "bank", "email": "", "certified": "1"},
    )
    listed = {o["name"]: o for o in site.cli.ok("org", "list")}
    if not writes:
        assert added.status_code == 403 and "ひかり信用組合" not in listed
        return
    org = listed["ひかり信用組合"]
    assert (org["kind"], org["certified"], org["is_bank"], org["email"]) == ("bank", True, True, None)
    assert (added.status_code, added.headers["location"]) == (303, f"/orgs/{org['id']}?done=added")
    assert "登録しました。" in client.get(added.headers["location"]).text
    refused = client.post(
        "/orgs/new", data={"csrf_token": csrf, "name": "みらい会計", "kind": "cpa", "email": "not-an-address"}
    )
    assert refused.status_code == 400
    assert _reasons(refused.text) == ["メール「not-an-address」はメールアドレスではありません。"]
    assert 'value="みらい会計"' in refused.text and "みらい会計" not in {
        o["name"] for o in site.cli.ok("org", "list")
    }


NEW_NUMBER = "9234567890123"  # base 234567890123: Σ P×Q = 72, 72 mod 9 = 0, check digit 9 − 0 = 9 (by hand)


def _companies(site: Site) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in site.cli.ok("company", "list")}


@pytest.mark.parametrize("role", ROLES)
def test_register_a_company_per_role(site: Site, role: str) -> None:
    """/companies/new is `company add` (registry.write): linked from 事業者 for whom may use it; PRG to the
    new company's page with a message."""
    client = site.signed_in(ACTOR[role])
    writes = policy.allows(role, "registry.write")
    assert client.get("/companies/new").status_code == (200 if writes else 403)
    assert ('href="/companies/new"' in client.get("/companies").text) == writes
    csrf = csrf_of(client.get("/").text)
    added = client.post(
        "/companies/new",
        data={
            "csrf_token": csrf,
            "name": "株式会社テスト商会",
            "corporate_number": "９２３４５６７８９０１２３",
            "fiscal_year_end_month": "6",
            "prefecture": "13",
            "reason": "",
        },
    )
    if not writes:
        assert added.status_code == 403 and "株式会社テスト商会" not in _companies(site)
        return
    company = _companies(site)["株式会社テスト商会"]
    assert (company["corporate_number"], company["fiscal_year_end_month"], company["prefecture"]) == (
        NEW_NUMBER,
        6,
        "13",
    )
    assert (added.status_code, added.headers["location"]) == (303, f"/companies/{company['id']}?done=added")
    shown = client.get(added.headers["location"]).text
    assert "登録しました。" in shown and "株式会社テスト商会" in shown


@pytest.mark.parametrize(
    ("fields", "status", "reason"),
    [
        ({"name": "  "}, 400, "事業者の名称を入力してください。"),
        ({"fiscal_year_end_month": ""}, 400, "決算月を選んでください。"),
        ({"fiscal_year_end_month": "13"}, 400, "決算月 13 は1〜12ではありません。"),
        (
            {"corporate_number": "1234567890123"},
            400,
            "法人番号「1234567890123」のチェックディジット（先頭の1桁）が合いません。",
        ),
        ({"prefecture": "00"}, 400, "都道府県コード「00」はありません（01〜47）。"),
        (
            {"corporate_number": "1180301018771"},
            409,
            "法人番号 1180301018771 は事業者 1（株式会社みどり工房）として登録済みです。その事業者を選んでください。",
        ),
    ],
)
def test_a_refused_company_keeps_what_was_typed(
    site: Site, fields: dict[str, str], status: int, reason: str
) -> None:
    client = site.signed_in(COORDINATOR)
    before = _companies(site)
    data = {
        "csrf_token": csrf_of(client.get("/").text),
        "name": "株式会社かきくけ",
        "corporate_number": "",
        "fiscal_year_end_month": "3",
        "prefecture": "13",
        "reason": "入力の理由",
    } | fields
    refused = client.post("/companies/new", data=data)
    assert refused.status_code == status
    assert _reasons(refused.text) == [reason]
    assert f'value="{data["name"]}"' in refused.text and ">入力の理由</textarea>" in refused.text
    assert 'data-page-url="/companies/new"' in refused.text
    assert _companies(site) == before


def test_a_look_alike_company_needs_the_override_and_a_reason(site: Site) -> None:
    """Without a 法人番号, the same name in the same prefecture is refused naming the one registered;
    ticking 別の事業者 needs a reason; with one it is registered and keeps which company it resembles."""
    earlier = site.cli.ok(
        "company", "add", "--name", "有限会社さくら堂", "--fiscal-year-end-month", "9", "--prefecture", "13"
    )["id"]
    client = site.signed_in(COORDINATOR)
    form = {
        "csrf_token": csrf_of(client.get("/").text),
        "name": "有限会社 さくら堂",
        "corporate_number": "",
        "fiscal_year_end_month": "9",
        "prefecture": "13",
        "reason": "",
    }
    refused = client.post("/companies/new", data=form)
    assert refused.status_code == 409
    assert _reasons(refused.text) == [
        f"同じ名称の事業者 {earlier}（有限会社さくら堂）が法人番号なしで登録済みです。"
        "その事業者を選ぶか、別の事業者であれば理由を書いて登録してください。"
    ]
    no_reason = client.post("/companies/new", data=form | {"force": "1"})
    assert no_reason.status_code == 400 and 'name="force" value="1" checked' in no_reason.text
    assert _reasons(no_reason.text) == [
        "同名の事業者と別の事業者として登録するには、その理由を書いてください。"
    ]
    done = client.post("/companies/new", data=form | {"force": "1", "reason": "所在地も代表者も異なる別会社"})
    assert done.status_code == 303
    added = _companies(site)["有限会社 さくら堂"]
    page = client.get(done.headers["location"]).text
    assert "所在地も代表者も異なる別会社" in page and added["id"] != earlier
