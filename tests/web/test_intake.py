"""新規案件 (GET/POST /cases/new): the same use cases as `case open` and `company add`, per role; every
refusal re-shows the form with its Japanese reasons and what was typed, and writes nothing (a company
registered before the case was refused stays, and is picked); a company of another council's cases is
neither named in a refusal nor found by the picker."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa

from casetrack.store.tables import Case, Company
from tests.web.conftest import ACTOR, COORDINATOR, OTHER_SUPERVISOR, SUPERVISOR, Site, csrf_of

NEW_NUMBER = "9234567890123"  # base 234567890123: Σ P×Q = 72, 72 mod 9 = 0, check digit 9 − 0 = 9 (by hand)


def _count(site: Site, table: Any) -> int:
    engine = sa.create_engine(site.db_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(table.__table__)).scalar_one())
    finally:
        engine.dispose()


def _companies(site: Site) -> list[dict[str, Any]]:
    engine = sa.create_engine(site.db_url)
    try:
        with engine.connect() as conn:
            t = Company.__table__  # type: ignore[attr-defined]
            return [dict(r) for r in conn.execute(sa.select(t).order_by(t.c.id)).mappings()]
    finally:
        engine.dispose()


def _form(site: Site, csrf: str, **over: Any) -> dict[str, Any]:
    w = site.world
    data: dict[str, Any] = {
        "csrf_token": csrf,
        "program": "early",
        "track": "standard",
        "council": "13",
        "company_mode": "existing",
        "company_id": str(w.company),
        "support_lead": str(w.tax),
        "lender": str(w.bank_main),
        "lender_main": str(w.bank_main),
        "coordinator": COORDINATOR,
        "estimate.early.plan": "1,000,000",
        "on": "2026-11-25",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def _reasons(html: str) -> list[str]:
    block = re.search(r'<div class="error" id="intake-error".*?</div>', html, re.S)
    assert block, "no refusal on the page"
    return [re.sub(r"\s+", " ", x).strip() for x in re.findall(r"<li>(.*?)</li>", block.group(0), re.S)]


@pytest.mark.parametrize(
    ("role", "status"), [("coordinator", 200), ("supervisor", 200), ("hq", 403), ("admin", 403)]
)
def test_the_form_per_role(site: Site, role: str, status: int) -> None:
    client = site.signed_in(ACTOR[role])
    page = client.get("/cases/new")
    assert page.status_code == status
    if status == 200:
        # the user's councils only: kato 13; the suite's supervisor 13, 27 and 01 (never 00 or 14)
        councils = re.findall(r'<option value="(\d\d)"[^>]*>\d\d [^<]*協議会', page.text)
        assert councils == (["13"] if role == "coordinator" else ["01", "13", "27"])
        assert 'value="bank" data-program="early"' in page.text and "（2024-02-01〜2028-01-31）" in page.text
        assert 'name="support_lead"' not in page.text and 'name="lender"' not in page.text  # picked by search
        assert 'name="estimate.405.dd"' in page.text and 'name="estimate.early.monitoring_fye"' in page.text
    else:
        assert "案件の受付・取込" in page.text  # the refusal names the action
    assert site.client().get("/cases/new").headers["location"] == "/login?next=%2Fcases%2Fnew"


@pytest.mark.parametrize(
    ("role", "status"), [("coordinator", 303), ("supervisor", 303), ("hq", 403), ("admin", 403)]
)
def test_open_a_case_per_role(site: Site, role: str, status: int) -> None:
    client = site.signed_in(ACTOR[role])
    before = _count(site, Case)
    response = client.post("/cases/new", data=_form(site, csrf_of(client.get("/").text)))
    assert response.status_code == status
    if status != 303:
        assert _count(site, Case) == before
        return
    # the early case of 2026-09-01 is 13-2026-0001 (fiscal year 2026 runs from April): this is the next
    assert response.headers["location"] == "/cases/13-2026-0002?done=opened"
    case = site.cli.ok("case", "show", "13-2026-0002")
    assert (case["program"], case["track"], case["council"], case["state"], case["coordinator"]) == (
        "early",
        "standard",
        "13",
        "consultation",
        COORDINATOR,
    )
    assert case["company"]["id"] == site.world.company
    assert [(s["id"], s["lead"]) for s in case["support_orgs"]] == [(site.world.tax, True)]
    assert [(x["id"], x["main"], x["guaranteed"]) for x in case["lenders"]] == [
        (site.world.bank_main, True, False)
    ]
    assert case["estimates"] == {"plan": 1_000_000}
    assert site.history("13-2026-0002")[0]["user"] == ACTOR[role]
    shown = client.get(response.headers["location"])
    assert "案件を受け付けました。" in shown.text


def test_a_405_case_with_lenders_and_co_supporters(site: Site) -> None:
    w = site.world
    client = site.signed_in(SUPERVISOR)
    response = client.post(
        "/cases/new",
        data=_form(
            site,
            csrf_of(client.get("/").text),
            program="405",
            track="gl",
            **{
                "estimate.early.plan": "5",
                "estimate.405.plan": "３，３００，０００",
                "estimate.405.monitoring": "1200000",
                "estimate.405.dd": "800000",
                "lender": [str(w.bank_main), str(w.bank_second)],
                "guaranteed": str(w.bank_second),
                "interval_months": "6",
                "support_more": str(w.bank_adviser),
            },
        ),
    )
    assert response.status_code == 303, response.text
    case_id = response.headers["location"].split("?")[0].removeprefix("/cases/")
    case = site.cli.ok("case", "show", case_id)
    assert (case["program"], case["track"]) == ("405", "gl")
    assert [(s["id"], s["lead"]) for s in case["support_orgs"]] == [(w.tax, True), (w.bank_adviser, False)]
    assert [(x["id"], x["main"], x["guaranteed"]) for x in case["lenders"]] == [
        (w.bank_main, True, False),
        (w.bank_second, False, True),
    ]
    # only the chosen program's fields count: the early plan field's 5 yen is not a 405 estimate
    assert case["estimates"] == {"plan": 3_300_000, "monitoring": 1_200_000, "dd": 800_000}


def test_a_new_company_registered_inline(site: Site) -> None:
    client = site.signed_in(COORDINATOR)
    response = client.post(
        "/cases/new",
        data=_form(
            site,
            csrf_of(client.get("/").text),
            company_mode="new",
            company_id=None,
            new_name="株式会社テスト商会",
            new_corporate_number=NEW_NUMBER,
            new_fiscal_year_end_month="6",
            new_prefecture="13",
        ),
    )
    assert response.status_code == 303, response.text
    company = _companies(site)[-1]
    assert (
        company["name"],
        company["corporate_number"],
        company["fiscal_year_end_month"],
        company["prefecture"],
    ) == ("株式会社テスト商会", NEW_NUMBER, 6, "13")
    assert site.cli.ok("case", "show", "13-2026-0002")["company"]["id"] == company["id"]


def test_a_look_alike_is_refused_then_registered_with_a_reason(site: Site) -> None:
    earlier = site.cli.ok("company", "add", "--name", "有限会社さくら堂", "--fiscal-year-end-month", "9")[
        "id"
    ]
    client = site.signed_in(COORDINATOR)
    csrf = csrf_of(client.get("/").text)
    companies, cases = len(_companies(site)), _count(site, Case)
    look_alike = {
        "company_mode": "new",
        "company_id": None,
        "new_name": "有限会社 さくら堂",
        "new_fiscal_year_end_month": "9",
    }
    refused = client.post("/cases/new", data=_form(site, csrf, **look_alike))
    assert refused.status_code == 409
    assert _reasons(refused.text) == [
        f"同じ名称の事業者 {earlier}（有限会社さくら堂）が法人番号なしで登録済みです。"
        "その事業者を選ぶか、別の事業者であれば理由を書いて登録してください。"
    ]
    assert "新しい事業者を登録できませんでした。案件も受け付けていません。" in refused.text
    assert 'value="有限会社 さくら堂"' in refused.text and 'value="1,000,000"' in refused.text  # as typed
    assert f'name="company_id" value="{earlier}"' in refused.text  # offered in the picker, to pick
    assert 'data-page-url="/cases/new"' in refused.text
    no_reason = client.post("/cases/new", data=_form(site, csrf, **look_alike, new_force="1"))
    assert no_reason.status_code == 400
    assert _reasons(no_reason.text) == [
        "同名の事業者と別の事業者として登録するには、その理由を書いてください。"
    ]
    assert (len(_companies(site)), _count(site, Case)) == (companies, cases)  # nothing written
    done = client.post(
        "/cases/new",
        data=_form(site, csrf, **look_alike, new_force="1", new_reason="所在地も代表者も異なる別会社"),
    )
    assert done.status_code == 303
    added = _companies(site)[-1]
    assert (added["name"], added["duplicate_of"], added["duplicate_reason"]) == (
        "有限会社 さくら堂",
        earlier,
        "所在地も代表者も異なる別会社",
    )


def test_another_councils_company_is_not_named(site: Site) -> None:
    """喫茶ひまわり's only case is council 14's: a coordinator of 13 typing its name learns that such a
    company exists (as `company add` says) but neither its id nor, in the picker, the company."""
    client = site.signed_in(COORDINATOR)
    refused = client.post(
        "/cases/new",
        data=_form(
            site,
            csrf_of(client.get("/").text),
            company_mode="new",
            company_id=None,
            new_name="喫茶ひまわり",
            new_fiscal_year_end_month="12",
        ),
    )
    assert refused.status_code == 409
    assert str(site.world.company_dec) not in " ".join(_reasons(refused.text))
    assert "他の協議会の案件の事業者のため" in _reasons(refused.text)[0]
    assert f'name="company_id" value="{site.world.company_dec}"' not in refused.text
    assert "ひまわり" not in client.get(
        "/cases/new/companies", params={"company_q": "ひまわり"}
    ).text.replace("「ひまわり」に当たる事業者はありません", "")
    theirs = site.signed_in(OTHER_SUPERVISOR).get("/cases/new/companies", params={"company_q": "ﾋﾏﾜﾘ"})
    assert f'value="{site.world.company_dec}"' in theirs.text and "喫茶ひまわり" in theirs.text
    forced = client.post(
        "/cases/new",
        data=_form(
            site,
            csrf_of(client.get("/").text),
            company_mode="new",
            company_id=None,
            new_name="喫茶ひまわり",
            new_fiscal_year_end_month="12",
            new_force="1",
            new_reason="同名の別の店",
        ),
    )
    assert forced.status_code == 303
    page = client.get(f"/companies/{_companies(site)[-1]['id']}").text
    assert "他の協議会の事業者とは別の事業者：同名の別の店" in page
    assert f'href="/companies/{site.world.company_dec}"' not in page


def test_the_picker_folds_kana_and_finds_part_of_a_number(site: Site) -> None:
    client = site.signed_in(COORDINATOR)
    for typed in ("ﾐﾄﾞﾘ", "ミドリ", "１１８０３０１"):
        found = client.get("/cases/new/companies", params={"company_q": typed})
        assert found.status_code == 200
        assert re.findall(r'name="company_id" value="(\d+)"', found.text) == [str(site.world.company)], typed
    # without script: the form's 検索 button posts the form back with the results and writes nothing
    cases = _count(site, Case)
    shown = client.post(
        "/cases/new",
        data=_form(site, csrf_of(client.get("/").text), action="search", company_q="みどり", company_id=None),
    )
    assert shown.status_code == 200 and _count(site, Case) == cases
    assert (
        f'name="company_id" value="{site.world.company}"' in shown.text and 'value="1,000,000"' in shown.text
    )


@pytest.mark.parametrize(
    ("over", "status", "reason"),
    [
        ({"support_lead": ""}, 400, "代表の支援機関を選んでください。"),
        ({"company_id": None}, 400, "事業者を選んでください（検索して選ぶか、新しく登録します）。"),
        ({"council": "14"}, 403, "kato は協議会 14 の職員ではありません（13 のみ）。"),
        (
            {"lender_main": "5"},
            400,
            "メイン行・保証付に印を付けた金融機関に、借入先の印がありません。",
        ),  # not ticked
        ({"guaranteed": "4"}, 400, "メイン行・保証付に印を付けた金融機関に、借入先の印がありません。"),
        ({"lender": "x1", "lender_main": None}, 400, "金融機関の指定「x1」が正しくありません。"),
        (
            {"estimate.early.plan": "12万"},
            400,
            "見積（計画策定支援費用）「12万」は円単位の金額ではありません（例：1,234,567）。",
        ),
        (
            {"on": "2026-11-26"},
            400,
            "受付日（2026-11-26）が今日（2026-11-25）より後です。まだ来ていない日付は記録できません。",
        ),
        ({"interval_months": "6"}, 400, "伴走支援の間隔（月）は405事業の案件だけです。"),
        (
            {"estimate.early.plan": "1000000000"},
            400,
            "見積（計画策定支援費用）「1000000000」は大きすぎます（999,999,999円まで）。",
        ),
    ],
)
def test_refusals_keep_what_was_typed(site: Site, over: dict[str, str], status: int, reason: str) -> None:
    client = site.signed_in(COORDINATOR)
    cases = _count(site, Case)
    response = client.post("/cases/new", data=_form(site, csrf_of(client.get("/").text), **over))
    assert response.status_code == status
    assert _reasons(response.text) == [reason]
    assert _count(site, Case) == cases
    assert 'value="2026-11-2' in response.text and 'option value="early" selected' in response.text


def test_the_lenders_rules_come_from_case_open(site: Site) -> None:
    w = site.world
    client = site.signed_in(COORDINATOR)
    csrf = csrf_of(client.get("/").text)
    not_a_bank = client.post("/cases/new", data=_form(site, csrf, lender=str(w.tax), lender_main=str(w.tax)))
    assert not_a_bank.status_code == 400
    assert _reasons(not_a_bank.text) == ["みなと税理士法人 は金融機関ではないため、借入先にできません。"]
    twice = client.post("/cases/new", data=_form(site, csrf, lender=[str(w.bank_main), str(w.bank_main)]))
    assert twice.status_code == 303  # one box, sent twice: one lender
    case = site.cli.ok("case", "show", twice.headers["location"].split("?")[0].removeprefix("/cases/"))
    assert [(x["id"], x["main"]) for x in case["lenders"]] == [(w.bank_main, True)]
    other_staff = site.signed_in(SUPERVISOR)
    wrong = other_staff.post("/cases/new", data=_form(site, csrf_of(other_staff.get("/").text), council="27"))
    assert wrong.status_code == 400
    assert _reasons(wrong.text) == ["担当 kato はこの協議会（27）の職員ではありません。"]


def test_a_company_registered_before_the_case_was_refused_stays_picked(site: Site) -> None:
    client = site.signed_in(COORDINATOR)
    csrf = csrf_of(client.get("/").text)
    refused = client.post(
        "/cases/new",
        data=_form(
            site,
            csrf,
            company_mode="new",
            company_id=None,
            new_name="株式会社あとで商店",
            new_fiscal_year_end_month="3",
            interval_months="6",
        ),
    )
    assert refused.status_code == 400
    company = _companies(site)[-1]
    assert company["name"] == "株式会社あとで商店"
    assert f"事業者「株式会社あとで商店」を登録しました（番号 {company['id']}）" in refused.text
    assert re.search(rf'name="company_id" value="{company["id"]}" checked', refused.text)
    again = client.post("/cases/new", data=_form(site, csrf, company_id=str(company["id"])))
    assert again.status_code == 303
    assert len(_companies(site)) == company["id"] - _companies(site)[0]["id"] + 1  # no second company


def test_a_form_without_its_csrf_token_writes_nothing(site: Site) -> None:
    client = site.signed_in(COORDINATOR)
    cases, companies = _count(site, Case), len(_companies(site))
    response = client.post(
        "/cases/new",
        data=_form(
            site, "forged", company_mode="new", new_name="株式会社偽装", new_fiscal_year_end_month="3"
        ),
    )
    assert response.status_code == 403
    assert (_count(site, Case), len(_companies(site))) == (cases, companies)


def test_the_org_pickers_find_by_a_folded_part_of_the_name(site: Site) -> None:
    """支援機関 finds every kind (a bank may be one), 金融機関 banks only; a blank search finds none."""
    w = site.world
    client = site.signed_in(COORDINATOR)

    def found(part: str, q: str, **ticked: Any) -> list[str]:
        page = client.get("/cases/new/orgs", params={"part": part, f"{part}_q": q, **ticked})
        assert page.status_code == 200
        return re.findall(r'name="(?:support_lead|lender)" value="(\d+)"', page.text)

    assert found("support", "ﾐﾅﾄ") == [str(w.tax)]  # half-width kana finds みなと税理士法人
    assert found("support", "銀行") == [str(w.bank_adviser), str(w.bank_main)]  # by name: あおば, さくら
    assert found("lender", "みなと") == [] and found("lender", "") == []
    assert found("lender", "信用") == [str(w.bank_second)]
    # what is ticked stays first, whatever is searched; it is not listed twice
    assert found("lender", "銀行", lender=str(w.bank_second)) == [
        str(w.bank_second),
        str(w.bank_adviser),
        str(w.bank_main),
    ]
    assert found("support", "銀行", support_lead=str(w.bank_main)) == [str(w.bank_main), str(w.bank_adviser)]
    flagged = client.get("/cases/new/orgs", params={"part": "support", "support_q": "未認定"}).text
    assert "未認定コンサル<small" in flagged and "（その他・未認定）" in flagged
    none = client.get("/cases/new/orgs", params={"part": "lender", "lender_q": "みなと"}).text
    assert "「みなと」に当たる金融機関はありません。" in none
    assert client.get("/cases/new/orgs", params={"part": "company"}).status_code == 400
    assert (
        site.signed_in(ACTOR["hq"])
        .get("/cases/new/orgs", params={"part": "support", "support_q": "み"})
        .status_code
        == 200
    )  # the directory is public (registry.read)


def test_many_matches_show_the_first_by_name_and_say_how_many(site: Site) -> None:
    for n in range(25):
        site.cli.ok("org", "add", "--name", f"ミライ信用組合{n:02d}", "--kind", "bank")
    page = (
        site.signed_in(COORDINATOR)
        .get("/cases/new/orgs", params={"part": "lender", "lender_q": "みらい"})
        .text
    )
    assert len(re.findall(r'name="lender" value=', page)) == 20
    assert "ミライ信用組合00" in page and "ミライ信用組合20" not in page
    assert "「みらい」に当たる25件のうち、名称順に20件を表示しています。" in page


def test_the_org_pickers_without_script_keep_what_was_ticked(site: Site) -> None:
    """The 検索 button posts the form back: both pickers searched, the ticked organisations kept and
    ticked, nothing written; a refusal shows them ticked too."""
    w = site.world
    client = site.signed_in(COORDINATOR)
    csrf = csrf_of(client.get("/").text)
    cases = _count(site, Case)
    shown = client.post(
        "/cases/new",
        data=_form(
            site, csrf, action="search", support_q="ｱｵﾊﾞ", lender_q="東都", support_more=str(w.uncertified)
        ),
    )
    assert shown.status_code == 200 and _count(site, Case) == cases
    assert re.search(rf'name="support_lead" value="{w.tax}"[^>]*checked', shown.text)
    assert re.search(rf'name="support_more" value="{w.uncertified}"[^>]*checked', shown.text)
    assert re.search(rf'name="support_lead" value="{w.bank_adviser}"[^>]*>', shown.text)  # found, not ticked
    assert re.search(rf'name="lender_main" value="{w.bank_main}"[^>]*checked', shown.text)
    assert re.search(rf'name="lender" value="{w.bank_second}"[^>]*>', shown.text)
    assert 'value="ｱｵﾊﾞ"' in shown.text and 'value="東都"' in shown.text
    refused = client.post(
        "/cases/new",
        data=_form(
            site,
            csrf,
            lender=[str(w.bank_main), str(w.bank_second)],
            guaranteed=str(w.bank_second),
            on="2026-11-26",
        ),
    )
    assert refused.status_code == 400 and _count(site, Case) == cases
    assert re.search(rf'name="guaranteed" value="{w.bank_second}"[^>]*checked', refused.text)
    assert re.search(rf'name="lender" value="{w.bank_second}"[^>]*checked', refused.text)


def test_the_form_does_not_carry_the_directory(site: Site) -> None:
    """Organisations are searched, not listed: a hundred more add nothing to the page."""
    client = site.signed_in(COORDINATOR)
    before = len(client.get("/cases/new").content)
    for n in range(100):
        site.cli.ok("org", "add", "--name", f"テスト会計事務所{n:03d}", "--kind", "cpa")
    assert len(client.get("/cases/new").content) == before
