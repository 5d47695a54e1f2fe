"""Web forms read what they are typed the way the CLI reads it (services/parsing.py, issue 14): amounts
with full-width digits, commas and 円 (and Arabic-Indic digits refused, not read as yen); case ids without
their leading zeros or in full-width digits; a letter's bank by its name; document kinds and fee
components by their Japanese labels; session numbers in full-width digits; and the case list's filters
(program, track, state) by Japanese label as well as by code."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from tests.web.conftest import SUPERVISOR, Site, holdback_case
from tests.web.test_money_forms import claims, page_of, snapshot, token_of, version_of


def _post(site: Site, client: Any, case_id: str, path: str, fields: dict[str, str]) -> Any:
    html = page_of(client, case_id)
    data = {"csrf_token": token_of(html), "version": version_of(site, case_id)} | fields
    return client.post(f"/cases/{case_id}{path}", data=data)


def _estimates(site: Site, case_id: str) -> dict[str, int]:
    return dict(site.cli.ok("case", "show", case_id)["estimates"])


def test_amounts_as_offices_type_them(site: Site) -> None:
    client = site.signed_in(SUPERVISOR)
    case_id = site.cases["early"]
    done = _post(site, client, case_id, "/estimates", {"estimate.plan": " １，２００，０００円 "})
    assert done.status_code == 303, re.findall(r'role="alert".*?</div>', done.text, re.S)
    assert _estimates(site, case_id) == {"plan": 1_200_000}  # was 1,234,567 (tests/web/conftest.py)
    before = snapshot(site)
    for typed in ("٣٠٠", "１２.５", "三十万円", "-5"):  # Arabic-Indic digits are not yen; nor a fraction
        refused = _post(site, client, case_id, "/estimates", {"estimate.plan": typed})
        assert refused.status_code == 400, typed
        assert "は円の整数ではありません" in refused.text
        assert snapshot(site) == before


def test_a_case_id_without_its_zeros(site: Site) -> None:
    client = site.signed_in(SUPERVISOR)
    case_id = site.cases["early"]  # 13-2026-0001 style: council, year, number
    council, year, number = case_id.split("-")
    for typed in (
        f"{council}-{year}-{int(number)}",
        "１３－" + year.translate(str.maketrans("0123456789", "０１２３４５６７８９")) + f"－{int(number)}",
    ):
        moved = client.get(f"/cases/{quote(typed)}?done=estimates")
        assert moved.status_code == 308, typed
        assert moved.headers["location"] == f"/cases/{case_id}?done=estimates"
        assert client.get(moved.headers["location"]).status_code == 200
    short = f"{council}-{year}-{int(number)}"
    statement = client.get(f"/cases/{short}/statement")
    assert statement.status_code == 308 and statement.headers["location"] == f"/cases/{case_id}/statement"
    # a form posted to the short id acts on the case
    done = client.post(
        f"/cases/{short}/estimates",
        data={
            "csrf_token": token_of(page_of(client, case_id)),
            "version": version_of(site, case_id),
            "estimate.plan": "999,999",
        },
    )
    assert done.status_code == 303 and done.headers["location"] == f"/cases/{case_id}?done=estimates"
    assert _estimates(site, case_id)["plan"] == 999_999
    missing = client.get(f"/cases/{council}-{year}-{int(number) + 500}")
    assert missing.status_code == 308 and client.get(missing.headers["location"]).status_code == 404


def test_a_letter_by_its_kind_label_and_its_bank_by_name(site: Site) -> None:
    client = site.signed_in(SUPERVISOR)
    case_id = site.cases["early"]
    before = snapshot(site)
    unknown = _post(
        site,
        client,
        case_id,
        "/documents",
        {"kind": "事前相談書", "lender": "みずほ銀行", "on": "2026-11-20"},
    )
    assert unknown.status_code == 400
    assert (
        "金融機関「みずほ銀行」はこの案件の金融機関にありません（この案件の金融機関：さくら銀行）"
        in unknown.text
    )
    assert snapshot(site) == before
    done = _post(
        site,
        client,
        case_id,
        "/documents",
        {"kind": "事前相談書", "lender": "さくら銀行", "on": "２０２６年１１月２０日"},
    )
    assert done.status_code == 303, done.text[:500]
    assert done.headers["location"] == f"/cases/{case_id}?done=document.pre_consultation_letter"
    assert "「事前相談書」を記録しました" in client.get(done.headers["location"]).text
    (doc,) = [
        d for d in site.cli.ok("case", "show", case_id)["documents"] if d["kind"] == "pre_consultation_letter"
    ]
    assert (doc["lender_id"], doc["on"]) == (site.world.bank_main, "2026-11-20")


def test_a_claim_by_component_label_with_full_width_figures(site: Site) -> None:
    case_id = holdback_case(site)
    site.cli.ok("monitoring", "record", case_id, "1", "--held-on", "2026-04-20")
    site.cli.ok("doc", "add", case_id, "monitoring_report", "--session", "1", "--on", "2026-04-20")
    client = site.signed_in(SUPERVISOR)
    before = snapshot(site)
    refused = _post(
        site,
        client,
        case_id,
        "/claims",
        {"component": "伴走支援費用", "fee": "165,001", "session": "١", "on": "2026-05-01"},
    )
    assert refused.status_code == 400 and "伴走支援の回「١」は回の番号ではありません" in refused.text
    assert snapshot(site) == before
    done = _post(
        site,
        client,
        case_id,
        "/claims",
        {"component": "伴走支援費用", "fee": "１６５，００１円", "session": "１", "on": "2026/5/1"},
    )
    assert done.status_code == 303, re.findall(r'role="alert".*?</div>', done.text, re.S)
    new = max(claims(site, case_id).values(), key=lambda c: c["id"])
    assert (new["component"], new["fee"], new["session"], new["claimed_on"]) == (
        "monitoring",
        165_001,
        1,
        "2026-05-01",
    )


def _listed(client: Any, query: str) -> tuple[int, list[str]]:
    page = client.get("/cases?" + query)
    return page.status_code, sorted(set(re.findall(r'<td[^>]*><a href="/cases/([^"]+)">', page.text)))


def test_case_list_filters_by_label_or_code(site: Site) -> None:
    client = site.signed_in(SUPERVISOR)
    early, monitoring = site.cases["early"], site.cases["monitoring"]  # other: council 14, out of sight
    for query in ("state=consultation", f"state={quote('事前相談')}", f"state={quote(' 事前相談 ')}"):
        assert _listed(client, query) == (200, [early]), query
    assert _listed(client, f"state={quote('伴走支援中')}") == (200, [monitoring])
    for program in ("early", "早期経営改善計画策定支援", "早期経営改善"):
        assert _listed(client, "program=" + quote(program)) == (200, [early]), program
    assert _listed(client, "program=" + quote("405事業")) == (200, [monitoring])
    assert _listed(client, "track=regular") == (200, [monitoring])
    assert _listed(client, "track=" + quote("金融機関枠")) == (200, [])  # the early case is on 通常枠
    assert _listed(client, "program=early&track=" + quote("通常枠")) == (200, [early])
    assert _listed(client, "program=405&track=" + quote("通常枠")) == (200, [monitoring])
    shown = client.get("/cases?state=" + quote("事前相談")).text
    assert '<option value="consultation" selected>' in shown  # the form shows what the label chose
    ambiguous = client.get("/cases?track=" + quote("通常枠"))
    assert (
        ambiguous.status_code == 400
        and "枠「通常枠」はどの事業にもあります。事業も選んでください。" in ambiguous.text
    )
    for query, message in (
        ("state=monitorin", "状態「monitorin」はありません"),
        ("state=" + quote("伴走中"), "状態「伴走中」はありません"),
        ("program=early&state=" + quote("金融機関調整中"), "状態「金融機関調整中」は"),
        ("track=" + quote("特別枠"), "枠「特別枠」はありません"),
        ("program=" + quote("再生支援"), "事業「再生支援」はありません"),
    ):
        refused = client.get("/cases?" + query)
        assert refused.status_code == 400 and message in refused.text, query
    exported = client.get("/cases/export.csv?state=" + quote("事前相談"))
    assert exported.status_code == 200
    assert early in exported.text and monitoring not in exported.text
