"""The case page's money and monitoring forms: the same use cases as `fee claim | decide | reject`,
`monitoring record | waive` and `fee statement --format html`, per role as domain/policy.py says; a
refusal, bad input, a missing CSRF token or a change by someone else meanwhile writes nothing; another
council's case is a 404.

Every amount below is worked out by hand from DOMAIN.md §5 for the case `holdback_case` builds
(405/regular, estimates plan 3,300,000 and monitoring 1,200,000; plan claim 3,300,000 decided:
subsidy 2,000,000 of which 1,000,000 retained)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from casetrack.domain import policy
from casetrack.store import tables  # noqa: F401  (the tables' metadata)
from tests.web.conftest import ACTOR, COORDINATOR, SUPERVISOR, Site, holdback_case

CONFLICT = "他の人がこの案件を変更しました — 再読み込みしてください"
NOT_DATA = {"web_session", "login_failure", "access_log"}  # sign-in bookkeeping and the log of reads


def snapshot(site: Site) -> dict[str, list[str]]:
    """Every row of every table that holds case data, to compare before and after a refused form."""
    out = {}
    engine = sa.create_engine(site.db_url)
    try:
        with engine.connect() as conn:
            for table in SQLModel.metadata.sorted_tables:
                if table.name not in NOT_DATA:
                    out[table.name] = sorted(repr(tuple(r)) for r in conn.execute(sa.select(table)))
    finally:
        engine.dispose()
    return out


def page_of(client: Any, case_id: str) -> str:
    page = client.get(f"/cases/{case_id}")
    assert page.status_code == 200, page.text[:300]
    return page.text


def form_fields(html: str, action: str) -> dict[str, str]:
    """The hidden and pre-filled fields of the form posting to ``action``, as a browser sends them."""
    match = re.search(rf'<form method="post" action="{re.escape(action)}"[^>]*>(.*?)</form>', html, re.S)
    assert match, f"no form for {action}"
    return dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', match.group(1)))


def token_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def version_of(site: Site, case_id: str) -> str:
    return str(site.cli.ok("case", "show", case_id)["version"])


def section(html: str, ident: str) -> str:
    match = re.search(rf'<section id="{ident}">(.*?)</section>', html, re.S)
    assert match, f"no section {ident}"
    return match.group(1)


def text_of(html: str) -> str:
    """The page as read: tags dropped, whitespace folded."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def claims(site: Site, case_id: str) -> dict[int, dict[str, Any]]:
    return {c["id"]: c for c in site.cli.ok("fee", "list", case_id)}


def session(site: Site, case_id: str, seq: int) -> dict[str, Any]:
    return next(s for s in site.cli.ok("case", "show", case_id)["monitoring"] if s["seq"] == seq)


# -- the whole path: record, claim, decide; the arithmetic on the page ------------------------------


def test_record_claim_decide_and_the_holdback_is_released(site: Site) -> None:
    case_id = holdback_case(site)
    (plan_claim,) = claims(site, case_id)
    kato = site.signed_in(COORDINATOR)
    html = page_of(kato, case_id)
    assert "留保" in section(html, "money") and "1,000,000円" in section(html, "money")

    record = f"/cases/{case_id}/sessions/1/record"
    done = kato.post(
        record, data=form_fields(html, record) | {"held_on": "2026-04-20", "note": "3行合同の会議"}
    )
    assert done.status_code == 303 and done.headers["location"] == f"/cases/{case_id}?done=session_record&n=1"
    assert "第1回の伴走支援の実施を記録しました" in kato.get(done.headers["location"]).text
    held = session(site, case_id, 1)
    assert (held["status"], held["held_on"]) == ("held", "2026-04-20")
    # its 伴走支援報告書 (a monitoring claim needs the report of its session)
    site.cli.ok("doc", "add", case_id, "monitoring_report", "--session", "1", "--on", "2026-04-20")

    html = page_of(kato, case_id)
    claim_form = form_fields(html, f"/cases/{case_id}/claims")
    assert '<option value="1">第1回（定期・2026-04-20 実施）</option>' in html
    assert (
        '<option value="monitoring">伴走支援費用</option>' in html and 'value="dd"' not in html
    )  # no GL track
    done = kato.post(
        f"/cases/{case_id}/claims",
        data=claim_form | {"component": "monitoring", "fee": "165,001", "session": "1", "on": "2026-05-01"},
    )
    assert done.status_code == 303
    new_id = int(
        re.fullmatch(rf"/cases/{case_id}\?done=fee_claim&n=(\d+)", done.headers["location"]).group(1)
    )
    claim = claims(site, case_id)[new_id]
    assert (claim["component"], claim["fee"], claim["session"], claim["status"], claim["claimed_on"]) == (
        "monitoring",
        165_001,
        1,
        "claimed",
        "2026-05-01",
    )
    html = page_of(kato, case_id)
    assert f'action="/cases/{case_id}/claims/{new_id}/decide"' not in html  # a council decision
    assert "決定・却下は協議会の決定で、統括責任者・補佐が行います" in html

    tester = site.signed_in(SUPERVISOR)
    html = page_of(tester, case_id)
    decide = f"/cases/{case_id}/claims/{new_id}/decide"
    done = tester.post(decide, data=form_fields(html, decide) | {"on": "2026-05-20"})
    assert done.status_code == 303
    assert f"申請 {new_id} を決定しました" in tester.get(done.headers["location"]).text
    # by hand: eligible 165,001 (estimate left 1,200,000); 165,001 × 2/3 = 110,000.67 → 110,000 (cap left
    # 1,000,000); paid 110,000 plus the plan's 1,000,000 released; company share 165,001 − 110,000 = 55,001
    claim = claims(site, case_id)[new_id]
    assert (
        claim["status"],
        claim["eligible"],
        claim["subsidy"],
        claim["paid"],
        claim["retained"],
        claim["released"],
        claim["company_share"],
    ) == ("decided", 165_001, 110_000, 110_000, 0, 1_000_000, 55_001)
    money = site.cli.ok("case", "show", case_id)["money"]
    # fees 3,300,000 + 165,001; subsidies 2,000,000 + 110,000 = 2,110,000, all paid, nothing retained
    assert (money["fee_total"], money["subsidy_total"], money["paid_total"], money["retained_total"]) == (
        3_465_001,
        2_110_000,
        2_110_000,
        0,
    )
    assert money["components"]["plan"]["paid"] == 2_000_000 and money["components"]["plan"]["retained"] == 0
    assert plan_claim in claims(site, case_id)

    shown = text_of(section(page_of(tester, case_id), "money"))
    row = re.search(
        rf"申請 {new_id} 伴走支援費用（第1回） 決定 2026-05-20 .*?(?=申請 |制限|補助金 = )", shown
    )
    assert row, shown
    assert row.group(0).split("）", 2)[-1].split() == [
        "165,001円",
        "165,001円",
        "見積の残り",
        "1,200,000円",
        "110,000円",
        "1,000,000円",
        "上限",
        "1,000,000円",
        "110,000円",
        "110,000円",
        "0円",
        "1,000,000円",
        "55,001円",
    ], row.group(0)
    assert "帳簿の内訳は合っています" in shown
    assert "合計 3,465,001円 2,110,000円 2,110,000円 0円 1,355,001円 0円" in shown
    # the plan decision's arithmetic: 3,300,000 × 2/3 = 2,200,000, above the cap 2,000,000 by 200,000
    assert "2,200,000円" in shown and "上限の残り 2,000,000円 を 200,000円 超えるため減額" in shown


def test_a_second_monitoring_claim_is_held_to_the_estimate_left(site: Site) -> None:
    case_id = holdback_case(site)
    for seq, held_on in ((1, "2026-04-20"), (2, "2026-10-20")):
        site.cli.ok("monitoring", "record", case_id, str(seq), "--held-on", held_on)
        site.cli.ok("doc", "add", case_id, "monitoring_report", "--session", str(seq), "--on", held_on)
    first = site.cli.ok("fee", "claim", case_id, "monitoring", "--fee", "165001", "--session", "1")["id"]
    site.cli.ok("fee", "decide", case_id, str(first))
    kato, tester = site.signed_in(COORDINATOR), site.signed_in(SUPERVISOR)
    html = page_of(kato, case_id)
    assert '<option value="1">' not in html and '<option value="2">第2回' in html  # session 1 has its claim
    done = kato.post(
        f"/cases/{case_id}/claims",
        data=form_fields(html, f"/cases/{case_id}/claims")
        | {"component": "monitoring", "fee": "１２０００００", "session": "2"},
    )  # full-width digits, as the CLI reads them
    assert done.status_code == 303, done.text[:500]
    second = int(done.headers["location"].rsplit("=", 1)[1])
    decide = f"/cases/{case_id}/claims/{second}/decide"
    assert tester.post(decide, data=form_fields(page_of(tester, case_id), decide)).status_code == 303
    # by hand: estimate left 1,200,000 − 165,001 = 1,034,999 → eligible 1,034,999; × 2/3 = 689,999.33 →
    # 689,999; cap left 1,000,000 − 110,000 = 890,000 → subsidy 689,999; nothing left to release;
    # company share 1,200,000 − 689,999 = 510,001
    claim = claims(site, case_id)[second]
    assert (
        claim["fee"],
        claim["claimed_on"],
        claim["eligible"],
        claim["subsidy"],
        claim["paid"],
        claim["released"],
        claim["company_share"],
    ) == (1_200_000, "2026-11-25", 1_034_999, 689_999, 689_999, 0, 510_001)
    shown = text_of(section(page_of(kato, case_id), "money"))
    assert "見積の残り 1,034,999円" in shown and "上限 1,000,000円" in shown and "890,000円" in shown
    assert "費用が申請時見積の残り 1,034,999円 を 165,001円 超えるため" in shown


# -- every form × every role, as the policy says ---------------------------------------------------


@pytest.mark.parametrize("role", policy.ROLES)
def test_each_form_for_each_role(site: Site, role: str) -> None:
    """Allowed: done, exactly as asked. Not allowed: 403 and not one row changed. The forms a role may
    not use are not on its page."""
    case_id = holdback_case(site)
    client = site.signed_in(ACTOR[role])
    csrf = token_of(client.get("/").text)
    work, decide = policy.allows(role, "case.work"), policy.allows(role, "case.decide")
    page = client.get(f"/cases/{case_id}")
    assert page.status_code == (200 if policy.allows(role, "case.read") else 403)
    if page.status_code == 200:
        assert (f'action="/cases/{case_id}/sessions/1/record"' in page.text) is work
        assert (f'action="/cases/{case_id}/sessions/1/waive"' in page.text) is decide
        assert (f'action="/cases/{case_id}/claims"' in page.text) is work

    def attempt(path: str, fields: dict[str, str], allowed: bool) -> None:
        before = snapshot(site)
        response = client.post(path, data={"csrf_token": csrf, "version": version_of(site, case_id)} | fields)
        if allowed:
            assert response.status_code == 303, (path, response.text[:500])
        else:
            assert response.status_code == 403, (path, response.status_code)
            assert "権限がありません" in response.text and "Traceback" not in response.text
            assert snapshot(site) == before, path

    attempt(f"/cases/{case_id}/sessions/1/record", {"held_on": "2026-04-20", "note": ""}, work)
    if not work:
        site.cli.ok("monitoring", "record", case_id, "1", "--held-on", "2026-04-20")
    site.cli.ok("doc", "add", case_id, "monitoring_report", "--session", "1", "--on", "2026-04-20")
    assert session(site, case_id, 1)["held_on"] == "2026-04-20"

    attempt(
        f"/cases/{case_id}/claims",
        {"component": "monitoring", "fee": "150000", "session": "1", "on": "2026-05-01"},
        work,
    )
    if not work:
        site.cli.ok(
            "fee", "claim", case_id, "monitoring", "--fee", "150000", "--session", "1", "--on", "2026-05-01"
        )
    monitoring_claim = max(claims(site, case_id))
    assert claims(site, case_id)[monitoring_claim]["fee"] == 150_000
    guarantee = site.cli.ok("fee", "claim", case_id, "guarantee_release", "--fee", "90000")["id"]

    attempt(f"/cases/{case_id}/claims/{monitoring_claim}/decide", {"on": "2026-05-20"}, decide)
    attempt(
        f"/cases/{case_id}/claims/{guarantee}/reject", {"reason": "対象外の業務", "on": "2026-11-25"}, decide
    )
    attempt(f"/cases/{case_id}/sessions/2/waive", {"reason": "業績好調のため"}, decide)
    now = claims(site, case_id)
    if decide:
        # 150,000 × 2/3 = 100,000 (estimate and cap far off); the plan's 1,000,000 released with it
        assert (
            now[monitoring_claim]["status"],
            now[monitoring_claim]["subsidy"],
            now[monitoring_claim]["released"],
            now[monitoring_claim]["company_share"],
        ) == ("decided", 100_000, 1_000_000, 50_000)
        assert (now[guarantee]["status"], now[guarantee]["subsidy"], now[guarantee]["reason"]) == (
            "rejected",
            0,
            "対象外の業務",
        )
        waived = session(site, case_id, 2)
        assert (waived["status"], waived["waive_reason"]) == ("waived", "業績好調のため")
    else:
        assert now[monitoring_claim]["status"] == now[guarantee]["status"] == "claimed"
        assert session(site, case_id, 2)["status"] == "scheduled"


# -- refusals and bad input: the case page again with a Japanese reason, nothing written -------------


def test_bad_input_and_refusals_write_nothing(site: Site) -> None:
    case_id = holdback_case(site)
    site.cli.ok("monitoring", "record", case_id, "1", "--held-on", "2026-04-20")
    site.cli.ok("doc", "add", case_id, "monitoring_report", "--session", "1", "--on", "2026-04-20")
    decided = site.cli.ok(
        "fee", "claim", case_id, "monitoring", "--fee", "150000", "--session", "1", "--on", "2026-05-01"
    )["id"]
    site.cli.ok("fee", "decide", case_id, str(decided), "--on", "2026-05-20")
    open_claim = site.cli.ok(
        "fee", "claim", case_id, "guarantee_release", "--fee", "90000", "--on", "2026-06-01"
    )["id"]
    tester = site.signed_in(SUPERVISOR)
    csrf = token_of(page_of(tester, case_id))
    claim = f"/cases/{case_id}/claims"
    good_claim = {"component": "guarantee_release", "fee": "50000", "session": "", "on": "2026-11-25"}
    cases: list[tuple[str, dict[str, str], int, str]] = [
        (claim, good_claim | {"fee": "-5"}, 400, "費用「-5」は円単位の金額ではありません"),
        (claim, good_claim | {"fee": "12.5"}, 400, "費用「12.5」は円単位の金額ではありません"),
        (claim, good_claim | {"fee": "十万円"}, 400, "1以上の整数で入力してください（例：1,234,567）"),
        (claim, good_claim | {"fee": "0"}, 400, "費用は1円以上の金額で入力してください"),
        (claim, good_claim | {"on": "2026-02-30"}, 400, "申請日「2026-02-30」は日付ではありません"),
        (
            claim,
            good_claim | {"component": "dd"},
            422,
            "経営改善計画策定支援（405事業）／通常枠には費用「dd」がありません",
        ),
        (claim, good_claim | {"component": "monitoring_fye"}, 422, "には費用「monitoring_fye」がありません"),
        (claim, good_claim | {"component": "travel"}, 400, "費用の種類「travel」はありません"),
        (
            claim,
            good_claim | {"component": "monitoring", "session": "2"},
            422,
            "第2回の伴走支援はまだ実施が記録されていません",
        ),
        (
            claim,
            good_claim | {"component": "monitoring", "session": "1"},
            422,
            "第1回の伴走支援にはすでに支払申請があります",
        ),
        (
            claim,
            good_claim | {"component": "monitoring", "session": ""},
            400,
            "どの回の費用かを選んでください",
        ),
        (
            claim,
            good_claim | {"component": "monitoring", "session": "99"},
            404,
            "その伴走支援の回はありません",
        ),
        (claim, good_claim | {"session": "1"}, 400, "回を選ばずに申請してください"),
        (
            claim,
            good_claim | {"component": "plan"},
            422,
            "「DD・計画策定支援費用」の支払申請は 全行同意、支払申請済 の案件でできます",
        ),
        (claim, good_claim | {"version": "abc"}, 400, "ページを再読み込みしてください"),
        (f"/cases/{case_id}/claims/{decided}/decide", {"on": "2026-11-25"}, 422, "すでに決定済みです"),
        (
            f"/cases/{case_id}/claims/{open_claim}/decide",
            {"on": "2026-05-31"},
            400,
            "決定日 2026-05-31 が申請日 2026-06-01 より前です",
        ),
        (f"/cases/{case_id}/claims/999/decide", {"on": "2026-11-25"}, 404, "この案件にその申請はありません"),
        (
            f"/cases/{case_id}/claims/{open_claim}/reject",
            {"reason": "  ", "on": ""},
            400,
            "却下するには理由を入力してください",
        ),
        (
            f"/cases/{case_id}/claims/{decided}/reject",
            {"reason": "誤り", "on": ""},
            422,
            "すでに決定済みです",
        ),
        (
            f"/cases/{case_id}/sessions/2/record",
            {"held_on": "2025-10-01"},
            400,
            "実施日 2025-10-01 が計画日 2025-10-15 より前です",
        ),
        (f"/cases/{case_id}/sessions/2/record", {"held_on": ""}, 400, "実施日を入力してください"),
        (
            f"/cases/{case_id}/sessions/1/record",
            {"held_on": "2026-11-25"},
            422,
            "第1回の伴走支援はすでに実施済みです",
        ),
        (f"/cases/{case_id}/sessions/2/waive", {"reason": ""}, 400, "免除するには理由を入力してください"),
        (f"/cases/{case_id}/sessions/1/waive", {"reason": "x"}, 422, "第1回の伴走支援はすでに実施済みです"),
        (f"/cases/{case_id}/sessions/9/waive", {"reason": "x"}, 404, "その伴走支援の回はありません"),
    ]
    before = snapshot(site)
    version = version_of(site, case_id)
    for path, fields, status, message in cases:
        response = tester.post(path, data={"csrf_token": csrf, "version": version} | fields)
        assert response.status_code == status, (path, fields, response.status_code, response.text[:400])
        assert message in response.text, (
            path,
            fields,
            re.findall(r'role="alert".*?</div>', response.text, re.S),
        )
        assert "Traceback" not in response.text
        assert section(response.text, "money") and section(response.text, "monitoring")  # the case page again
        assert snapshot(site) == before, (path, fields)
    # what was typed is still in the form
    again = tester.post(claim, data={"csrf_token": csrf, "version": version} | good_claim | {"fee": "12.5"})
    assert 'name="fee" inputmode="numeric" placeholder="1,234,567" value="12.5"' in again.text


def test_a_change_meanwhile_is_a_conflict_and_writes_nothing(site: Site) -> None:
    case_id = holdback_case(site)
    kato, tester = site.signed_in(COORDINATOR), site.signed_in(SUPERVISOR)
    mine = page_of(kato, case_id)
    theirs = page_of(tester, case_id)
    waive = f"/cases/{case_id}/sessions/2/waive"
    assert tester.post(waive, data=form_fields(theirs, waive) | {"reason": "業績好調"}).status_code == 303
    before = snapshot(site)
    record = f"/cases/{case_id}/sessions/1/record"
    conflict = kato.post(record, data=form_fields(mine, record) | {"held_on": "2026-04-20"})
    assert (
        conflict.status_code == 409 and CONFLICT in conflict.text and "何も記録していません" in conflict.text
    )
    assert snapshot(site) == before and session(site, case_id, 1)["status"] == "scheduled"
    assert "業績好調" in section(conflict.text, "monitoring")  # the page shown is the case as it is now
    retry = kato.post(record, data=form_fields(conflict.text, record) | {"held_on": "2026-04-20"})
    assert retry.status_code == 303 and session(site, case_id, 1)["status"] == "held"


def test_every_form_needs_the_csrf_token(site: Site) -> None:
    case_id = holdback_case(site)
    site.cli.ok("fee", "claim", case_id, "guarantee_release", "--fee", "90000")
    tester = site.signed_in(SUPERVISOR)
    html = page_of(tester, case_id)
    before = snapshot(site)
    claim_id = max(claims(site, case_id))
    for path, extra in (
        (f"/cases/{case_id}/claims", {"component": "guarantee_release", "fee": "1000"}),
        (f"/cases/{case_id}/claims/{claim_id}/decide", {}),
        (f"/cases/{case_id}/claims/{claim_id}/reject", {"reason": "x"}),
        (f"/cases/{case_id}/sessions/1/record", {"held_on": "2026-04-20"}),
        (f"/cases/{case_id}/sessions/1/waive", {"reason": "x"}),
    ):
        fields = form_fields(html, path) | extra
        for token in ("", "forged"):
            response = tester.post(path, data=fields | {"csrf_token": token})
            assert response.status_code == 403 and "CSRF" in response.text, path
    assert snapshot(site) == before


def test_another_councils_case_is_not_found(site: Site) -> None:
    case_id = holdback_case(site)
    for user, target in ((SUPERVISOR, site.cases["other"]), ("yokohama", case_id)):
        client = site.signed_in(user)
        csrf = token_of(client.get("/").text)
        before = snapshot(site)
        for path, fields in (
            (f"/cases/{target}/claims", {"component": "guarantee_release", "fee": "1000"}),
            (f"/cases/{target}/claims/1/decide", {}),
            (f"/cases/{target}/claims/1/reject", {"reason": "x"}),
            (f"/cases/{target}/sessions/1/record", {"held_on": "2026-04-20"}),
            (f"/cases/{target}/sessions/1/waive", {"reason": "x"}),
            (f"/cases/{target}/claims", {"fee": "-1"}),
        ):  # bad input too: still 404
            response = client.post(path, data={"csrf_token": csrf, "version": "1"} | fields)
            assert response.status_code == 404, (user, path, response.status_code)
            assert "見つかりません" in response.text and "喫茶ひまわり" not in response.text
            assert "株式会社みどり工房" not in response.text
        statement = client.get(f"/cases/{target}/statement")
        assert statement.status_code == 404 and "支払決定明細書" not in statement.text
        assert snapshot(site) == before


# -- the plan claim, the statement, the sessions' due dates ----------------------------------------


def test_the_plan_claim_is_decided_by_the_event(site: Site) -> None:
    case_id = holdback_case(site, until="claim_payment")
    (plan_claim,) = claims(site, case_id)
    tester = site.signed_in(SUPERVISOR)
    html = page_of(tester, case_id)
    assert "この申請は手続き「支払決定」で決定します" in section(html, "money")
    assert f"/claims/{plan_claim}/decide" not in html  # no second path: the event's form decides it
    assert f"/claims/{plan_claim}/reject" in html  # rejecting it is the CLI's `fee reject`
    assert 'name="event" value="decide_payment"' in section(html, "events")
    before = snapshot(site)
    refused = tester.post(
        f"/cases/{case_id}/claims/{plan_claim}/decide",
        data={"csrf_token": token_of(html), "version": version_of(site, case_id)},
    )
    assert (
        refused.status_code == 422
        and "「DD・計画策定支援費用」の申請は手続き「支払決定」で決定します" in refused.text
    )
    assert snapshot(site) == before


def test_the_statement_page(site: Site) -> None:
    case_id = holdback_case(site)
    site.cli.ok("monitoring", "record", case_id, "1", "--held-on", "2026-04-20")
    site.cli.ok("doc", "add", case_id, "monitoring_report", "--session", "1", "--on", "2026-04-20")
    claim = site.cli.ok("fee", "claim", case_id, "monitoring", "--fee", "165001", "--session", "1")["id"]
    site.cli.ok("fee", "decide", case_id, str(claim))
    link = f'<a href="/cases/{case_id}/statement">'
    assert link in page_of(site.signed_in(COORDINATOR), case_id)
    for role in policy.ROLES:
        response = site.signed_in(ACTOR[role]).get(f"/cases/{case_id}/statement")
        if not policy.allows(role, "case.read"):
            assert response.status_code == 403 and "支払決定明細書" not in response.text
            continue
        assert response.status_code == 200
        cli = site.cli("fee", "statement", case_id, "--format", "html")
        assert cli.code == 0 and response.text == cli.out  # the same template, the same day
        shown = text_of(response.text)
        for expected in (
            "支払決定明細書（経営改善計画策定支援（405事業））",
            "上限額（補助） 2,000,000円",
            "費用 3,300,000円",
            "留保額（補助額の1/2、円未満切捨て） 1,000,000円",
            "費用 165,001円",
            "2,110,000円",
            "留保分の支払（本決定で解除） 1,000,000円",
            "事業者負担額 55,001円",
            "検算：補助額 2,110,000円 ＝ 支払済み 2,110,000円 ＋ 留保中 0円 — 一致",
        ):
            assert expected in shown, expected
        csp = response.headers["content-security-policy"]
        (style,) = re.findall(r"<style>(.*?)</style>", response.text, re.S)
        import base64
        import hashlib

        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert f"style-src 'self' 'sha256-{digest}';" in csp and "script-src 'self';" in csp
        assert "unsafe-inline" not in csp


def test_sessions_show_why_a_due_date_moved(site: Site) -> None:
    case_id = holdback_case(site)
    sessions = text_of(section(page_of(site.signed_in(ACTOR["hq"]), case_id), "monitoring"))
    # 2025-10-15 + 30 months = 2028-04-15, a Saturday → Monday 2028-04-17; + 36 months = 2028-10-15, a
    # Sunday → Monday 2028-10-16; the others fall on weekdays and stay
    assert (
        "第5回 定期 2028-04-17 （令和10年4月17日） 本来 2028-04-15 （令和10年4月15日） が土曜日のため翌開庁日に移動"
        in sessions
    )
    assert (
        "第6回 定期 2028-10-16 （令和10年10月16日） 本来 2028-10-15 （令和10年10月15日） が日曜日のため翌開庁日に移動"
        in sessions
    )
    assert sessions.count("翌開庁日に移動") == 2
    assert (
        "第1回 定期 2026-04-15 （令和8年4月15日） 予定" in sessions and "224日" in sessions
    )  # overdue since 04-15
    assert "実施を記録" not in sessions and "免除" not in sessions.replace(
        "免除は協議会の決定", ""
    )  # hq: reading only
