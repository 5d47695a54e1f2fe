"""The case page's state diagram and its forms besides the events: a document (`doc add`), the
estimates (`case estimate`) and a correction of a history row (`case correct`). Each form posts to the
same use case as the CLI on the version of the case the page showed: success writes exactly the row
expected; a refusal, bad input, a missing CSRF token or a change meanwhile writes nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from casetrack.domain import policy
from casetrack.services import diagrams
from casetrack.store.tables import Case, CaseEstimate, CaseHistory, Document
from tests.conftest import requires_tool
from tests.web.conftest import ACTOR, COORDINATOR, HQ, SUPERVISOR, Site

CONFLICT = "他の人がこの案件を変更しました — 再読み込みしてください"
EARLY_STATES = [
    "事前相談",
    "利用申請済",
    "計画策定中",
    "計画提出済",
    "支払申請済",
    "伴走支援中",
    "完了",
    "不採択",
    "取下げ",
    "失効",
]  # workflows/early.yaml
STATES_405 = [
    "事前相談",
    "利用申請済",
    "計画策定中",
    "金融機関調整中",
    "全行同意",
    "支払申請済",
    "伴走支援中",
    "完了",
    "不採択",
    "取下げ",
    "失効",
]  # workflows/405.yaml
NODE = re.compile(r'<g id="state-(\w+)" class="node state([^"]*)"')


# -- helpers ----------------------------------------------------------------------------------------


def _rows(site: Site, case_id: str) -> dict[str, list[dict[str, Any]]]:
    """Everything the three forms could write for the case: its row (version), documents, estimates,
    history."""
    out = {}
    engine = sa.create_engine(site.db_url)
    try:
        with engine.connect() as conn:
            for name, table in (
                ("case", Case),
                ("documents", Document),
                ("estimates", CaseEstimate),
                ("history", CaseHistory),
            ):
                t = table.__table__  # type: ignore[attr-defined]
                query = sa.select(t).where((t.c.id if name == "case" else t.c.case_id) == case_id)
                out[name] = [dict(r) for r in conn.execute(query.order_by(*t.primary_key.columns)).mappings()]
    finally:
        engine.dispose()
    return out


def _form(page: str, action: str, seq: int | None = None) -> dict[str, str]:
    """The hidden and filled-in fields of the page's form posting to ``action`` (for one history row)."""
    forms = re.findall(rf'<form method="post" action="[^"]+/{action}".*?</form>', page, re.S)
    if seq is not None:
        forms = [f for f in forms if f'name="seq" value="{seq}"' in f]
    assert len(forms) == 1, f"{len(forms)} forms posting to {action}"
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', forms[0]))
    fields.update(re.findall(r'<textarea name="([^"]+)"[^>]*>([^<]*)</textarea>', forms[0]))
    return fields


def _csrf(client: Any) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)  # type: ignore[union-attr]


def _expected(role: str, own: bool, action: str = "case.work") -> int:
    if not policy.allows(role, action):
        return 403
    if not own and policy.REACH[role] == policy.OWN:
        return 404
    return 303


def _svg(page: str) -> str:
    match = re.search(r'<svg class="state-diagram".*?</svg>', page, re.S)
    assert match, "no state diagram"
    return match.group(0)


@pytest.fixture
def fresh_drawings() -> Iterator[None]:
    diagrams.forget_drawings()
    yield
    diagrams.forget_drawings()


# -- the state diagram -------------------------------------------------------------------------------


@requires_tool("dot", "graphviz fonts-ipafont-gothic")
@pytest.mark.parametrize(
    ("case", "labels", "current"),
    [("early", EARLY_STATES, "consultation"), ("monitoring", STATES_405, "monitoring")],
)
def test_the_diagram_marks_the_current_state(site: Site, case: str, labels: list[str], current: str) -> None:
    page = site.signed_in(COORDINATOR).get(f"/cases/{site.cases[case]}").text
    svg = _svg(page)
    texts = set(re.findall(r"<text[^>]*>([^<]+)</text>", svg))
    assert set(labels) <= texts
    marked = [state for state, classes in NODE.findall(svg) if "current" in classes.split()]
    assert marked == [current]
    assert len(NODE.findall(svg)) == len(labels)
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page and " style=" not in page


@requires_tool("dot", "graphviz fonts-ipafont-gothic")
def test_the_diagram_marks_the_states_passed(site: Site) -> None:
    case_id = site.cases["early"]
    site.cli.ok("doc", "add", case_id, "pre_consultation_letter", "--on", "2026-11-20")
    site.cli.ok("doc", "add", case_id, "application", "--on", "2026-11-20")
    site.cli.ok("case", "advance", case_id, "apply", "--on", "2026-11-21")
    site.cli.ok("case", "advance", case_id, "accept", "--on", "2026-11-24")
    svg = _svg(site.signed_in(COORDINATOR).get(f"/cases/{case_id}").text)
    classes = {state: set(c.split()) for state, c in NODE.findall(svg)}
    assert {s for s, c in classes.items() if "current" in c} == {"drafting"}
    assert {s for s, c in classes.items() if "visited" in c} == {"consultation", "applied"}


def test_the_diagram_is_drawn_once_per_program(
    site: Site, fresh_drawings: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from casetrack.workflow import diagram

    drawn: list[str] = []
    real = diagram.svg

    def counting(spec: Any, highlight: str | None = None, **kw: Any) -> str:
        drawn.append(spec.program)
        return real(spec, highlight, **kw)

    monkeypatch.setattr(diagram, "svg", counting)
    client = site.signed_in(SUPERVISOR)
    for case in ("early", "monitoring", "early", "monitoring"):
        assert "state-diagram" in client.get(f"/cases/{site.cases[case]}").text
    assert drawn == ["early", "405"]


def test_without_graphviz_the_states_are_a_list(
    site: Site, fresh_drawings: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one stand-in of this file: where the server looks for graphviz's dot."""
    from casetrack.workflow import diagram

    monkeypatch.setattr(diagram, "dot_program", lambda: None)
    page = site.signed_in(COORDINATOR).get(f"/cases/{site.cases['monitoring']}")
    assert page.status_code == 200 and "<svg" not in page.text.split('id="diagram"')[1].split("</section>")[0]
    items = re.findall(
        r"<li([^>]*)>(.*?)</li>", page.text.split('<ol class="state-list">')[1].split("</ol>")[0]
    )
    assert [re.sub(r"<[^>]+>|（.*?）", "", text) for _attrs, text in items] == STATES_405
    assert [text for attrs, text in items if 'class="current"' in attrs] == [
        "<strong>伴走支援中</strong>（現在）"
    ]


# -- documents -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", policy.ROLES)
@pytest.mark.parametrize("own", [True, False], ids=["own-council", "other-council"])
def test_document_for_every_role(site: Site, role: str, own: bool) -> None:
    case_id = site.cases["early" if own else "other"]
    client = site.signed_in(ACTOR[role])
    before = _rows(site, case_id)
    response = client.post(
        f"/cases/{case_id}/documents",
        data={"csrf_token": _csrf(client), "version": "1", "kind": "application", "on": "2026-11-24"},
    )
    expected = _expected(role, own)
    assert response.status_code == expected, response.text[:500]
    after = _rows(site, case_id)
    if expected != 303:
        assert after == before
        return
    assert response.headers["location"] == f"/cases/{case_id}?done=document.application"
    (new,) = [d for d in after["documents"] if d not in before["documents"]]
    assert (new["kind"], new["lender_id"], new["on"].isoformat(), new["user"]) == (
        "application",
        None,
        "2026-11-24",
        ACTOR[role],
    )
    assert len(after["documents"]) == len(before["documents"]) + 1
    assert after["history"] == before["history"] and after["estimates"] == before["estimates"]
    assert after["case"][0]["version"] == 2


def test_a_document_fills_the_checklist(site: Site) -> None:
    """The early case cannot apply without the main bank's 事前相談書; recorded from the page (the
    lender left to its default, the main bank), the checklist shows it and 利用申請 becomes possible
    (the 利用申請書 is on file already)."""
    case_id = site.cases["early"]
    site.cli.ok("doc", "add", case_id, "application", "--on", "2026-11-20")
    client = site.signed_in(COORDINATOR)
    page = client.get(f"/cases/{case_id}").text
    assert re.search(r'<li class="missing">✗ 事前相談書（メイン行）', page)
    assert 'name="event" value="apply"' not in page
    assert '<option value="pre_consultation_letter">事前相談書（金融機関から）</option>' in page
    fields = _form(page, "documents")
    assert (fields["version"], fields["on"]) == ("2", "2026-11-25")
    done = client.post(
        f"/cases/{case_id}/documents",
        data=fields | {"kind": "pre_consultation_letter", "lender": "", "on": "2026-11-20"},
    )
    assert done.status_code == 303
    page = client.get(done.headers["location"]).text
    assert "「事前相談書」を記録しました。" in page
    assert re.search(r'<li class="ok">✓ 事前相談書（メイン行）', page)
    assert 'name="event" value="apply"' in page
    (_, doc) = site.cli.ok("case", "show", case_id)["documents"]
    assert (doc["kind"], doc["lender_id"], doc["on"]) == (
        "pre_consultation_letter",
        site.world.bank_main,
        "2026-11-20",
    )


@pytest.mark.parametrize(
    ("change", "status", "text"),
    [
        (
            {"kind": "business_plan"},
            400,
            "書類の種類「business_plan」は早期経営改善計画策定支援にはありません",
        ),
        ({"kind": ""}, 400, "書類の種類を選んでください"),
        ({"on": "2026-13-01"}, 400, "書類の日付「2026-13-01」は日付ではありません"),
        ({"on": "きのう"}, 400, "は日付ではありません"),
        (
            {"kind": "plan", "lender": "MAIN"},
            400,
            "金融機関「MAIN」はこの案件の金融機関にありません",
        ),  # a name, as typed
        (
            {"kind": "plan", "lender": "{bank_main}"},
            400,
            "「経営改善計画書」は金融機関からの書類ではありません",
        ),
        ({"kind": "consent_letter", "lender": "{bank_third}"}, 400, "はこの案件の金融機関ではありません"),
        ({"version": "x"}, 400, "フォームの版"),
    ],
)
def test_a_bad_document_writes_nothing(site: Site, change: dict[str, str], status: int, text: str) -> None:
    case_id = site.cases["early"]
    client = site.signed_in(COORDINATOR)
    fields = _form(client.get(f"/cases/{case_id}").text, "documents") | {"kind": "plan", "on": "2026-11-24"}
    change = {
        k: v.format(bank_main=site.world.bank_main, bank_third=site.world.bank_third)
        for k, v in change.items()
    }
    before = _rows(site, case_id)
    response = client.post(f"/cases/{case_id}/documents", data=fields | change)
    assert response.status_code == status, response.text[:300]
    assert "書類を記録できませんでした。" in response.text and text in response.text
    assert "Traceback" not in response.text and f"<h1>{case_id}" in response.text  # the case, shown again
    assert _rows(site, case_id) == before


def test_hq_may_read_but_not_record_a_document(site: Site) -> None:
    case_id = site.cases["early"]
    client = site.signed_in(HQ)
    page = client.get(f"/cases/{case_id}").text
    assert 'action="/cases/' + case_id + '/documents"' not in page  # no form for a role that may not
    before = _rows(site, case_id)
    response = client.post(
        f"/cases/{case_id}/documents",
        data={"csrf_token": _csrf(client), "version": "1", "kind": "plan", "on": "2026-11-24"},
    )
    assert response.status_code == 403 and "書類を記録する権限がありません。" in response.text
    assert _rows(site, case_id) == before


def test_a_document_on_a_changed_case_is_a_conflict(site: Site) -> None:
    case_id = site.cases["early"]
    client = site.signed_in(COORDINATOR)
    fields = _form(client.get(f"/cases/{case_id}").text, "documents") | {"kind": "plan", "on": "2026-11-24"}
    site.cli.ok("doc", "add", case_id, "other", "--on", "2026-11-23")  # someone else, meanwhile
    before = _rows(site, case_id)
    response = client.post(f"/cases/{case_id}/documents", data=fields)
    assert response.status_code == 409 and CONFLICT in response.text
    assert _rows(site, case_id) == before
    again = _form(response.text, "documents")  # the page shown is the case now: its form works
    assert again["version"] == "2"  # 1 when the page was made, 2 after the document meanwhile
    assert client.post(f"/cases/{case_id}/documents", data=again | {"kind": "plan"}).status_code == 303
    assert [d["kind"] for d in site.cli.ok("case", "show", case_id)["documents"]] == ["other", "plan"]


# -- estimates -------------------------------------------------------------------------------------


def test_estimates_change_before_apply(site: Site) -> None:
    """The early case was opened with plan=1,234,567. The form offers the four components of
    early/standard; the ones filled in are set, the others stay as they are."""
    case_id = site.cases["early"]
    client = site.signed_in(COORDINATOR)
    page = client.get(f"/cases/{case_id}").text
    fields = _form(page, "estimates")
    assert {k: v for k, v in fields.items() if k.startswith("estimate.")} == {
        "estimate.plan": "1,234,567",
        "estimate.monitoring_interim": "",
        "estimate.monitoring_fye": "",
        "estimate.guarantee_release": "",
    }
    assert "計画策定支援費用（円）" in page
    before = _rows(site, case_id)
    done = client.post(
        f"/cases/{case_id}/estimates",
        data=fields | {"estimate.plan": "180,000", "estimate.guarantee_release": "100000円"},
    )
    assert done.status_code == 303 and done.headers["location"] == f"/cases/{case_id}?done=estimates"
    assert "「見積」を記録しました。" in client.get(done.headers["location"]).text
    assert site.cli.ok("case", "show", case_id)["estimates"] == {"plan": 180000, "guarantee_release": 100000}
    after = _rows(site, case_id)
    assert after["history"] == before["history"] and after["documents"] == before["documents"]


@pytest.mark.parametrize("role", policy.ROLES)
@pytest.mark.parametrize("own", [True, False], ids=["own-council", "other-council"])
def test_estimates_for_every_role(site: Site, role: str, own: bool) -> None:
    case_id = site.cases["early" if own else "other"]
    client = site.signed_in(ACTOR[role])
    before = _rows(site, case_id)
    response = client.post(
        f"/cases/{case_id}/estimates",
        data={"csrf_token": _csrf(client), "version": "1", "estimate.plan": "150000"},
    )
    expected = _expected(role, own)
    assert response.status_code == expected, response.text[:500]
    after = _rows(site, case_id)
    if expected == 303:
        assert [(e["component"], e["amount"]) for e in after["estimates"]] == [("plan", 150000)]
        assert after["case"][0]["version"] == before["case"][0]["version"] + 1
    else:
        assert after == before


@pytest.mark.parametrize(
    ("change", "status", "text"),
    [
        ({"estimate.plan": "12万"}, 400, "見積の金額「12万」は円の整数ではありません"),
        ({"estimate.plan": "-5"}, 400, "円の整数ではありません"),
        ({"estimate.plan": ""}, 400, "見積の金額を一つ以上入力してください"),
        (
            {"estimate.dd": "300000"},
            422,
            "には費用「dd」がありません",
        ),  # the GL track's component, not early's
    ],
)
def test_bad_estimates_write_nothing(site: Site, change: dict[str, str], status: int, text: str) -> None:
    case_id = site.cases["early"]
    client = site.signed_in(COORDINATOR)
    fields = _form(client.get(f"/cases/{case_id}").text, "estimates")
    before = _rows(site, case_id)
    response = client.post(f"/cases/{case_id}/estimates", data=fields | change)
    assert response.status_code == status, response.text[:300]
    assert "見積を変更できませんでした。" in response.text and text in response.text
    assert "Traceback" not in response.text
    assert _rows(site, case_id) == before
    if status == 400:  # what was entered is shown again
        assert re.search(
            r'name="estimate.plan"[^>]*value="' + re.escape(change.get("estimate.plan", "1,234,567")),
            response.text,
        )


def test_estimates_are_closed_after_apply(site: Site) -> None:
    case_id = site.cases["early"]
    client = site.signed_in(COORDINATOR)
    stale_form = _form(client.get(f"/cases/{case_id}").text, "estimates")
    site.cli.ok("doc", "add", case_id, "pre_consultation_letter", "--on", "2026-11-20")
    site.cli.ok("doc", "add", case_id, "application", "--on", "2026-11-20")
    site.cli.ok("case", "advance", case_id, "apply", "--on", "2026-11-21")
    page = client.get(f"/cases/{case_id}").text
    assert 'id="estimates"' not in page and "/estimates" not in page
    before = _rows(site, case_id)
    conflict = client.post(f"/cases/{case_id}/estimates", data=stale_form)  # the page of before the apply
    assert conflict.status_code == 409 and CONFLICT in conflict.text
    current = stale_form | {"version": str(before["case"][0]["version"])}
    refused = client.post(f"/cases/{case_id}/estimates", data=current)
    assert refused.status_code == 422 and "事前相談の間だけ変更できます" in refused.text
    assert _rows(site, case_id) == before
    assert 'id="estimates"' not in client.get(f"/cases/{site.cases['monitoring']}").text


# -- corrections -----------------------------------------------------------------------------------


def test_correct_a_history_row(site: Site) -> None:
    case_id = site.cases["early"]
    client = site.signed_in(COORDINATOR)
    page = client.get(f"/cases/{case_id}").text
    fields = _form(page, "corrections", seq=1)
    assert (fields["seq"], fields["version"], fields["note"]) == ("1", "1", "")
    before = _rows(site, case_id)
    done = client.post(f"/cases/{case_id}/corrections", data=fields | {"note": "受付日は 2026-09-02"})
    assert done.status_code == 303 and done.headers["location"] == f"/cases/{case_id}?done=correct"
    shown = client.get(done.headers["location"]).text
    assert "「訂正」を記録しました。" in shown and "<small>第1項の訂正</small>" in shown
    history = site.history(case_id)
    assert len(history) == len(before["history"]) + 1
    last = history[-1]
    assert (
        last["seq"],
        last["event"],
        last["corrects"],
        last["note"],
        last["user"],
        last["effective_on"],
        last["from"],
        last["to"],
    ) == (2, "correct", 1, "受付日は 2026-09-02", COORDINATOR, "2026-11-25", "consultation", "consultation")
    after = _rows(site, case_id)
    assert after["documents"] == before["documents"] and after["estimates"] == before["estimates"]
    assert site.cli.ok("audit", "verify")["ok"] is True  # the chain still holds


def test_a_council_decision_is_corrected_by_a_supervisor(site: Site) -> None:
    """Rows: 1 open, 2 apply (adviser-side), 3 accept (a council decision)."""
    case_id = site.cases["early"]
    site.cli.ok("doc", "add", case_id, "pre_consultation_letter", "--on", "2026-11-20")
    site.cli.ok("doc", "add", case_id, "application", "--on", "2026-11-20")
    site.cli.ok("case", "advance", case_id, "apply", "--on", "2026-11-21")
    site.cli.ok("case", "advance", case_id, "accept", "--on", "2026-11-24")
    coordinator = site.signed_in(COORDINATOR)
    page = coordinator.get(f"/cases/{case_id}").text
    assert _form(page, "corrections", seq=2)["seq"] == "2"
    assert (
        'name="seq" value="3"' not in page
        and "第3項（協議会の決定）の訂正は統括責任者・補佐が行います" in page
    )
    fields = _form(page, "corrections", seq=2) | {"seq": "3", "note": "利用決定日は 2026-11-25"}
    before = _rows(site, case_id)
    refused = coordinator.post(f"/cases/{case_id}/corrections", data=fields)
    assert refused.status_code == 403 and "第3項の訂正を記録する権限がありません" in refused.text
    assert _rows(site, case_id) == before

    supervisor = site.signed_in(SUPERVISOR)
    fields = _form(supervisor.get(f"/cases/{case_id}").text, "corrections", seq=3)
    done = supervisor.post(f"/cases/{case_id}/corrections", data=fields | {"note": "利用決定日は 2026-11-25"})
    assert done.status_code == 303
    last = site.history(case_id)[-1]
    assert (last["event"], last["corrects"], last["user"]) == ("correct", 3, SUPERVISOR)


@pytest.mark.parametrize("role", policy.ROLES)
@pytest.mark.parametrize("own", [True, False], ids=["own-council", "other-council"])
def test_correction_for_every_role(site: Site, role: str, own: bool) -> None:
    """Row 1 is the opening: correcting it needs what opening work needs, case.work."""
    case_id = site.cases["early" if own else "other"]
    client = site.signed_in(ACTOR[role])
    before = _rows(site, case_id)
    response = client.post(
        f"/cases/{case_id}/corrections",
        data={"csrf_token": _csrf(client), "version": "1", "seq": "1", "note": "受付日の訂正"},
    )
    expected = _expected(role, own)
    assert response.status_code == expected, response.text[:500]
    after = _rows(site, case_id)
    if expected == 303:
        assert [(h["seq"], h["event"], h["corrects"], h["user"]) for h in after["history"]][-1] == (
            2,
            "correct",
            1,
            ACTOR[role],
        )
        assert len(after["history"]) == len(before["history"]) + 1
    else:
        assert after == before


@pytest.mark.parametrize(
    ("change", "status", "text"),
    [
        ({"note": "   "}, 400, "訂正の内容（何が誤りで、何が正しいか）を書いてください"),
        ({"seq": "99"}, 400, "第99項はこの案件の経過にありません"),
        ({"seq": "x"}, 400, "訂正する項目の番号「x」が正しくありません"),
        ({"version": "0"}, 409, CONFLICT),
        ({"note": "x" * 2001}, 400, "が長すぎます（2000文字まで"),
    ],
)
def test_a_bad_correction_writes_nothing(site: Site, change: dict[str, str], status: int, text: str) -> None:
    case_id = site.cases["early"]
    client = site.signed_in(COORDINATOR)
    fields = _form(client.get(f"/cases/{case_id}").text, "corrections", seq=1) | {"note": "受付日の訂正"}
    before = _rows(site, case_id)
    response = client.post(f"/cases/{case_id}/corrections", data=fields | change)
    assert response.status_code == status, response.text[:300]
    assert text in response.text and "Traceback" not in response.text
    assert _rows(site, case_id) == before


# -- every form ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "fields"),
    [
        ("documents", {"kind": "plan", "on": "2026-11-24"}),
        ("estimates", {"estimate.plan": "150000"}),
        ("corrections", {"seq": "1", "note": "受付日の訂正"}),
    ],
)
def test_every_form_needs_the_csrf_token(site: Site, action: str, fields: dict[str, str]) -> None:
    case_id = site.cases["early"]
    client = site.signed_in(COORDINATOR)
    before = _rows(site, case_id)
    for token in (None, "", "forged"):
        data = fields | {"version": "1"} | ({} if token is None else {"csrf_token": token})
        response = client.post(f"/cases/{case_id}/{action}", data=data)
        assert response.status_code == 403 and "CSRF" in response.text
    assert _rows(site, case_id) == before


@pytest.mark.parametrize(
    ("action", "fields"),
    [
        ("documents", {"kind": "plan", "on": "2026-11-24"}),
        ("documents", {"kind": "plan", "on": "bad date"}),
        ("estimates", {"estimate.plan": "150000"}),
        ("estimates", {"estimate.plan": "bad"}),
        ("corrections", {"seq": "1", "note": "受付日の訂正"}),
        ("corrections", {"seq": "1", "note": ""}),
    ],
)
def test_another_councils_case_is_the_same_404_as_a_missing_one(
    site: Site, action: str, fields: dict[str, str]
) -> None:
    client = site.signed_in(SUPERVISOR)  # councils 13, 27, 01
    data = fields | {"csrf_token": _csrf(client), "version": "1"}
    other, missing = site.cases["other"], "14-2026-9999"
    before = _rows(site, other)
    hidden = client.post(f"/cases/{other}/{action}", data=data)
    absent = client.post(f"/cases/{missing}/{action}", data=data)
    assert hidden.status_code == absent.status_code == 404
    assert hidden.text.replace(other, "ID") == absent.text.replace(missing, "ID")
    assert "喫茶ひまわり" not in hidden.text
    assert _rows(site, other) == before
