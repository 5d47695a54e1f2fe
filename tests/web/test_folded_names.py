"""Each company's and organisation's folded name (``name_folded``, what every name search reads) follows
its name through every write — registration, import, a correction on the web or the CLI — so a corrected
name is found by its new spelling, as typed in any width or kana, and no longer by the old one."""

from __future__ import annotations

import re

import sqlalchemy as sa

from casetrack.domain.text import fold
from tests.web.conftest import HQ, SUPERVISOR, Site, csrf_of


def _names(site: Site) -> list[tuple[str, str, str | None]]:
    engine = sa.create_engine(site.db_url)
    try:
        with engine.connect() as conn:
            return [
                (table, row.name, row.name_folded)
                for table in ("company", "organisation")
                for row in conn.execute(sa.text(f"SELECT name, name_folded FROM {table} ORDER BY id"))
            ]
    finally:
        engine.dispose()


def _linked(html: str, base: str) -> list[str]:
    return re.findall(rf'<a href="/{base}/\d+">([^<]+)</a>', html)


def _case_ids(html: str) -> list[str]:
    return re.findall(r'<td[^>]*><a href="/cases/([^"]+)">', html)


def test_every_registered_and_imported_name_is_folded(site: Site) -> None:
    """The world: companies and organisations added on the CLI, one company registered by the import."""
    client = site.signed_in(SUPERVISOR)
    added = client.post(
        "/orgs/new",
        data={"csrf_token": csrf_of(client.get("/orgs/new").text), "name": "サンシャイン会計", "kind": "cpa"},
    )
    assert added.status_code == 303
    names = _names(site)
    assert ("company", "株式会社あさひ製作所", "株式会社あさひ製作所") in names  # by the import
    assert ("organisation", "サンシャイン会計", "さんしゃいん会計") in names  # on the web
    assert [n for _, n, folded in names if folded != fold(n)] == []


def test_a_company_corrected_on_the_web_is_found_by_its_new_name_only(site: Site) -> None:
    w, client = site.world, site.signed_in(SUPERVISOR)
    corrected = client.post(
        f"/companies/{w.company}/edit",
        data={
            "csrf_token": csrf_of(client.get("/").text),
            "name": "株式会社サクラ工房",
            "corporate_number": "1180301018771",
            "fiscal_year_end_month": "3",
            "address": "",
            "representative": "",
            "email": "",
            "phone": "",
            "note": "",
        },
    )
    assert corrected.status_code == 303
    for typed in ("ｻｸﾗ", "さくら工房", "サクラ"):
        assert _linked(client.get("/companies", params={"q": typed}).text, "companies") == [
            "株式会社サクラ工房"
        ]
        assert _case_ids(client.get("/cases", params={"q": typed}).text) == [site.cases["early"]]
        picked = client.get("/cases/new/companies", params={"company_q": typed}).text
        assert re.findall(r'name="company_id" value="(\d+)"', picked) == [str(w.company)]
    for old in ("みどり", "ﾐﾄﾞﾘ"):
        assert _linked(client.get("/companies", params={"q": old}).text, "companies") == []
        assert _case_ids(client.get("/cases", params={"q": old}).text) == []
        assert 'name="company_id"' not in client.get("/cases/new/companies", params={"company_q": old}).text


def test_an_organisation_corrected_on_the_web_is_found_by_its_new_name_only(site: Site) -> None:
    w, client = site.world, site.signed_in(SUPERVISOR)
    corrected = client.post(
        f"/orgs/{w.tax}/edit",
        data={
            "csrf_token": csrf_of(client.get("/").text),
            "name": "ミナト・アドバイザリー",
            "kind": "tax_accountant",
            "email": "office@minato-tax.example.jp",
            "phone": "",
            "certified": "1",
            "note": "名称変更",
        },
    )
    assert corrected.status_code == 303
    assert _linked(client.get("/orgs", params={"q": "ﾐﾅﾄ"}).text, "orgs") == ["ミナト・アドバイザリー"]
    assert _linked(client.get("/orgs", params={"q": "あどばいざりー"}).text, "orgs") == [
        "ミナト・アドバイザリー"
    ]
    assert _linked(client.get("/orgs", params={"q": "税理士"}).text, "orgs") == []


def test_a_company_corrected_on_the_cli_is_found_by_its_new_name_only(site: Site) -> None:
    cli, w = site.cli, site.world
    cli.ok("company", "edit", str(w.company), "--name", "アルファ工房株式会社", "--note", "商号変更")
    assert [r["id"] for r in cli.ok("case", "list", "--q", "ｱﾙﾌｧ", "--council", "13")] == [
        site.cases["early"]
    ]
    assert [r["id"] for r in cli.ok("case", "list", "--q", "あるふぁ工房", "--council", "13")] == [
        site.cases["early"]
    ]
    assert cli.ok("case", "list", "--q", "みどり", "--council", "13") == []
    cli.ok("org", "edit", str(w.tax), "--name", "ミライ税理士法人")
    assert _linked(site.signed_in(HQ).get("/orgs", params={"q": "みらい"}).text, "orgs") == [
        "ミライ税理士法人"
    ]
    assert [
        folded for table, name, folded in _names(site) if name in ("アルファ工房株式会社", "ミライ税理士法人")
    ] == ["あるふぁ工房株式会社", "みらい税理士法人"]
