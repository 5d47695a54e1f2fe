"""A refusal a web user can meet is explained in Japanese under its Japanese heading — never the CLI's
English message — and writes nothing; the CLI still says the same thing in the same words (CLI.md
fixes its error line and its JSON error object: the Japanese reasons are not in them)."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from casetrack.domain import policy
from tests.web.conftest import ACTOR, COORDINATOR, HQ, SUPERVISOR, Site, csrf_of
from tests.web.test_money_forms import snapshot

ENGLISH = re.compile(r"[A-Za-z]{2,}(?:[ ,:;'-]+[A-Za-z]{2,}){2,}")  # three English words in a row


def _alert(page: str) -> str:
    """The refusal as read: the alert box of the case page or of the error page."""
    match = re.search(r'<div class="error" role="alert"[^>]*>(.*?)</div>', page, re.S)
    assert match, "no refusal shown"
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip())


def _japanese(response: Any, status: int, *expected: str) -> str:
    assert response.status_code == status, (response.status_code, response.text[:400])
    alert = _alert(response.text)
    for text in expected:
        assert text in alert, (text, alert)
    assert not ENGLISH.search(alert), alert
    assert "Traceback" not in response.text
    return alert


def _post(site: Site, client: Any, case_id: str, path: str, fields: dict[str, str]) -> Any:
    version = str(site.cli.ok("case", "show", case_id)["version"])
    data = {"csrf_token": csrf_of(client.get("/").text), "version": version} | fields
    return client.post(f"/cases/{case_id}/{path}", data=data)


def _apply(site: Site, case_id: str) -> None:
    site.cli.ok("doc", "add", case_id, "pre_consultation_letter", "--on", "2026-11-20")
    site.cli.ok("doc", "add", case_id, "application", "--on", "2026-11-20")
    site.cli.ok("case", "advance", case_id, "apply", "--on", "2026-11-21")


# -- the case page's forms -------------------------------------------------------------------------


def test_events(site: Site) -> None:
    case_id = site.cases["early"]
    kato = site.signed_in(COORDINATOR)
    before = snapshot(site)
    _japanese(
        _post(
            site,
            kato,
            case_id,
            "advance",
            {"event": "withdraw", "reason": "事業者の申出", "on": "2026-11-25", "until": "2027-03-31"},
        ),
        400,
        "「取下げ」の入力に誤りがあります。",
        "「取下げ」には新しい期限を付けません",
    )
    _japanese(
        _post(site, kato, case_id, "advance", {"event": "fly_to_the_moon", "on": "2026-11-25"}),
        400,
        "手続き「fly_to_the_moon」は早期経営改善計画策定支援にはありません。",
    )
    _japanese(
        _post(site, kato, case_id, "advance", {"event": "apply", "on": "2026-11-25"}),
        422,
        "「利用申請」はできません。",
        "メイン行（さくら銀行）の事前相談書がありません",
    )
    _japanese(
        _post(site, kato, case_id, "advance", {"event": "close", "on": "2026-11-25"}),
        422,
        "「完了」は今の状態（事前相談）ではできません。",
    )
    assert snapshot(site) == before
    _apply(site, case_id)
    before = snapshot(site)
    _japanese(
        _post(site, kato, case_id, "advance", {"event": "accept", "on": "2026-11-25"}),
        403,
        "「利用決定」を記録する権限がありません。",
        "kato（担当者）には「協議会の決定」の権限がありません（統括責任者・補佐の操作です）。",
    )
    assert snapshot(site) == before


def test_documents(site: Site) -> None:
    w, case_id = site.world, site.cases["early"]
    no_main = site.cli.ok(
        "case",
        "open",
        "--program",
        "early",
        "--council",
        "13",
        "--company",
        str(w.company_dec),
        "--support-org",
        str(w.tax),
        "--lender",
        str(w.bank_second),
        "--coordinator",
        COORDINATOR,
        "--on",
        "2026-11-02",
    )["id"]
    kato = site.signed_in(COORDINATOR)
    before = snapshot(site)
    for target, fields, expected in [
        (
            case_id,
            {"kind": "plan", "lender": str(w.bank_main)},
            "「経営改善計画書」は金融機関からの書類ではありません。金融機関を選ばずに記録してください。",
        ),
        (
            case_id,
            {"kind": "consent_letter", "lender": str(w.bank_third)},
            f"指定の金融機関（{w.bank_third}）はこの案件の金融機関ではありません（この案件の金融機関：さくら銀行）。",
        ),
        (
            no_main,
            {"kind": "consent_letter", "lender": ""},
            "「同意書」は金融機関からの書類です。どの金融機関からかを選んでください（この案件にはメイン行がありません）。",
        ),
        (
            case_id,
            {"kind": "business_plan", "lender": ""},
            "書類の種類「business_plan」は早期経営改善計画策定支援にはありません。",
        ),
    ]:
        response = _post(site, kato, target, "documents", fields | {"on": "2026-11-24"})
        _japanese(response, 400, "書類を記録できませんでした。", expected)
    honbu = site.signed_in(HQ)
    _japanese(
        _post(site, honbu, case_id, "documents", {"kind": "plan", "lender": "", "on": "2026-11-24"}),
        403,
        "書類を記録する権限がありません。",
        "honbu（全国本部）には「支援機関側の記録」の権限がありません（担当者、統括責任者・補佐の操作です）。",
    )
    assert snapshot(site) == before


def test_estimates(site: Site) -> None:
    case_id = site.cases["early"]
    kato = site.signed_in(COORDINATOR)
    before = snapshot(site)
    _japanese(
        _post(site, kato, case_id, "estimates", {"estimate.dd": "300000"}),
        422,
        "見積を変更できませんでした。",
        "早期経営改善計画策定支援／通常枠には費用「dd」がありません。この案件の費用は 「計画策定支援費用」、",
    )
    assert snapshot(site) == before
    _apply(site, case_id)
    before = snapshot(site)
    _japanese(
        _post(site, kato, case_id, "estimates", {"estimate.plan": "150000"}),
        422,
        "見積は利用申請とともに出すもので、事前相談の間だけ変更できます（この案件は利用申請済）。",
    )
    assert snapshot(site) == before


def test_a_correction_of_a_council_decision(site: Site) -> None:
    case_id = site.cases["early"]
    _apply(site, case_id)
    site.cli.ok("case", "advance", case_id, "accept", "--on", "2026-11-24")
    before = snapshot(site)
    _japanese(
        _post(site, site.signed_in(COORDINATOR), case_id, "corrections", {"seq": "3", "note": "日付の誤り"}),
        403,
        "第3項の訂正を記録する権限がありません",
        "kato（担当者）には「協議会の決定」の権限がありません（統括責任者・補佐の操作です）。",
    )
    assert snapshot(site) == before


def test_money_and_sessions(site: Site) -> None:
    case_id = site.cases["monitoring"]
    kato = site.signed_in(COORDINATOR)
    before = snapshot(site)
    decision = "kato（担当者）には「協議会の決定」の権限がありません（統括責任者・補佐の操作です）。"
    _japanese(_post(site, kato, case_id, "claims/1/decide", {"on": "2026-11-25"}), 403, decision)
    _japanese(
        _post(site, kato, case_id, "claims/1/reject", {"reason": "x", "on": "2026-11-25"}), 403, decision
    )
    _japanese(_post(site, kato, case_id, "sessions/1/waive", {"reason": "x"}), 403, decision)
    _japanese(
        _post(site, kato, case_id, "sessions/1/record", {"held_on": "2026-11-26"}),
        400,
        "実施日 2026-11-26 が今日（2026-11-25）より後です。",
    )
    _japanese(
        _post(site, kato, case_id, "sessions/1/record", {"held_on": "2026-06-14"}),
        400,
        "実施日 2026-06-14 が計画日 2026-06-15 より前です。",
    )
    _japanese(
        _post(
            site,
            kato,
            case_id,
            "claims",
            {"component": "monitoring", "fee": "1000", "session": "1", "on": "2026-11-25"},
        ),
        422,
        "第1回の伴走支援はまだ実施が記録されていません。",
    )
    _japanese(
        _post(
            site,
            kato,
            case_id,
            "claims",
            {"component": "monitoring", "fee": "1000", "session": "7", "on": "2026-11-25"},
        ),
        404,
        "この案件にその伴走支援の回はありません。",
    )
    _japanese(
        _post(
            site,
            kato,
            case_id,
            "claims",
            {"component": "monitoring", "fee": "1000000000000", "session": "1", "on": "2026-11-25"},
        ),
        400,
        "費用「1000000000000」は円単位の金額ではありません。",
    )
    assert snapshot(site) == before


def test_a_field_too_long(site: Site) -> None:
    case_id = site.cases["early"]
    before = snapshot(site)
    _japanese(
        _post(
            site,
            site.signed_in(COORDINATOR),
            case_id,
            "advance",
            {"event": "withdraw", "reason": "x" * 2001, "on": "2026-11-25"},
        ),
        400,
        "フォームの項目 reason が長すぎます（2000文字まで、入力は2001文字）。",
    )
    assert snapshot(site) == before


# -- pages and downloads ---------------------------------------------------------------------------

PAGES = [
    (
        ACTOR["admin"],
        "/cases/{early}",
        403,
        "root（管理者）には「案件の閲覧」の権限がありません（担当者、統括責任者・補佐、全国本部の操作です）。",
    ),
    (ACTOR["admin"], "/cases/export.csv", 403, "root（管理者）には「案件の書出し」の権限がありません"),
    (ACTOR["admin"], "/cases/{early}/statement", 403, "root（管理者）には「案件の閲覧」の権限がありません"),
    (SUPERVISOR, "/cases?coordinator=kato%21", 400, "担当「kato!」はユーザー名ではありません"),
    (SUPERVISOR, "/cases/export.xlsx?coordinator=kato%21", 400, "担当「kato!」はユーザー名ではありません"),
    (SUPERVISOR, "/cases?q=" + "あ" * 101, 400, "検索する文字は100文字までです。"),
    (SUPERVISOR, "/cases?program=999", 400, "事業「999」はありません。"),
    (
        SUPERVISOR,
        "/cases?program=early&state=agreed",
        400,
        "状態「agreed」は早期経営改善計画策定支援にありません。",
    ),
    (SUPERVISOR, "/cases?page=0", 400, "ページ 0 はありません（1〜"),
    (SUPERVISOR, "/cases?page=x", 400, "ページ「x」は番号ではありません。"),
    (SUPERVISOR, "/cases?overdue=yes", 400, "overdue=yes は 1 か空です。"),
    (SUPERVISOR, "/?council=1", 400, "協議会「1」は協議会コード（2桁の数字）ではありません。"),
    (HQ, "/?council=98", 400, "協議会「98」はありません。"),
]


@pytest.mark.parametrize(("user", "path", "status", "expected"), PAGES, ids=[p[1][:40] for p in PAGES])
def test_pages(site: Site, user: str, path: str, status: int, expected: str) -> None:
    before = snapshot(site)
    response = site.signed_in(user).get(path.format(early=site.cases["early"]))
    _japanese(response, status, expected)
    assert "content-disposition" not in response.headers
    assert snapshot(site) == before


def test_every_role_refused_a_page_reads_why(site: Site) -> None:
    """The role matrix, from the refusing side: every 403 of a case page names the role and the action."""
    for role in policy.ROLES:
        if policy.allows(role, "case.read"):
            continue
        response = site.signed_in(ACTOR[role]).get(f"/cases/{site.cases['early']}")
        _japanese(response, 403, f"（{policy.ROLE_LABELS[role]}）には「案件の閲覧」の権限がありません")


# -- the CLI says it as before ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "user", "code", "slug", "error"),
    [
        (
            ["doc", "add", "{early}", "plan", "--lender", "{bank_main}"],
            SUPERVISOR,
            2,
            "bad_input",
            "a plan document does not come from a lender; drop --lender",
        ),
        (
            ["case", "advance", "{early}", "withdraw", "--reason", "x", "--until", "2027-03-31"],
            SUPERVISOR,
            2,
            "bad_input",
            "withdraw takes no --until (only events that set a new date do)",
        ),
        (
            ["case", "advance", "{early}", "accept"],
            COORDINATOR,
            5,
            "not_permitted",
            "kato (coordinator) may not make council decisions (accept, approve_reuse, decide_payment, extend, lapse, "
            "reject; fee decide and reject; waive a session)",
        ),
        (
            ["case", "estimate", "{early}", "dd=300000"],
            SUPERVISOR,
            1,
            "refused",
            "early/standard has no dd component (one of plan, monitoring_interim, monitoring_fye, guarantee_release)",
        ),
        (
            ["doc", "add", "{early}", "consent_letter", "--lender", "{bank_third}"],
            SUPERVISOR,
            2,
            "bad_input",
            "organisation {bank_third} is not a lender of case {early} (lenders: {bank_main})",
        ),
    ],
)
def test_the_cli_error_is_unchanged(
    site: Site, args: list[str], user: str, code: int, slug: str, error: str
) -> None:
    w = site.world
    ids = {"early": site.cases["early"], "bank_main": w.bank_main, "bank_third": w.bank_third}
    result = site.cli(*(a.format(**ids) for a in args), "--format", "json", user=user)
    error = error.format(**ids)
    assert result.code == code, result.err
    assert result.json == {"ok": False, "code": slug, "error": error, "details": []}
    assert result.err.strip() == f"error: {error}"
