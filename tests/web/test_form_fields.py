"""The fields every case form shares — the hidden ``version`` of the case the page showed and the date
fields — are read by one helper (``Web.version``, ``Web.date``): the same refusal, in the same Japanese
words, on every form, with the case shown again and nothing written."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from tests.web.conftest import SUPERVISOR, Site, csrf_of
from tests.web.test_money_forms import snapshot

# every POST on a case, with fields that would otherwise get as far as the use case
FORMS = {
    "advance": ("advance", {"event": "extend", "on": "2026-11-25", "until": "2027-03-31", "reason": "x"}),
    "claim": ("claims", {"component": "monitoring", "fee": "1000", "session": "1", "on": "2026-11-25"}),
    "decide": ("claims/1/decide", {"on": "2026-11-25"}),
    "reject": ("claims/1/reject", {"reason": "x", "on": "2026-11-25"}),
    "record": ("sessions/1/record", {"held_on": "2026-11-20", "note": ""}),
    "waive": ("sessions/1/waive", {"reason": "x"}),
    "document": ("documents", {"kind": "other", "lender": "", "on": "2026-11-25"}),
    "estimates": ("estimates", {"estimate.plan": "1000"}),
    "correction": ("corrections", {"seq": "1", "note": "x"}),
}
# the date fields of those forms, by the name the page gives them
DATES = [
    ("advance", "on", "効力発生日"),
    ("advance", "until", "新しい期限"),
    ("claim", "on", "申請日"),
    ("decide", "on", "決定日"),
    ("reject", "on", "却下日"),
    ("record", "held_on", "実施日"),
    ("document", "on", "書類の日付"),
]


def _alert(page: str) -> str:
    match = re.search(r'<div class="error" role="alert"[^>]*>(.*?)</div>', page, re.S)
    assert match, "no refusal shown"
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip())


def _post(site: Site, client: Any, form: str, change: dict[str, str]) -> Any:
    path, fields = FORMS[form]
    data = {"csrf_token": csrf_of(client.get("/").text), "version": "1"} | fields | change
    return client.post(f"/cases/{site.cases['monitoring']}/{path}", data=data)


@pytest.mark.parametrize("raw", ["abc", "", "-1", "+1", "1.0", " 1 2", "１", "1_0", "9" * 10])
def test_a_malformed_version_is_the_same_refusal_on_every_form(site: Site, raw: str) -> None:
    client = site.signed_in(SUPERVISOR)
    before = snapshot(site)
    for form in FORMS:
        response = _post(site, client, form, {"version": raw})
        assert response.status_code == 400, (form, response.status_code)
        alert = _alert(response.text)
        assert (
            f"フォームの版「{raw.strip()}」が正しくありません。ページを再読み込みしてください。" in alert
        ), (form, alert)
        assert "whole number" not in alert and "Traceback" not in response.text
        assert f"<h1>{site.cases['monitoring']}" in response.text  # the case again
    assert snapshot(site) == before


@pytest.mark.parametrize(
    "text", ["2026-13-01", "2026-02-30", "yesterday", "きのう", "2026/13/25", "20261125"]
)  # 2026/11/25 is a date as offices type it
def test_a_malformed_date_is_the_same_refusal_on_every_form(site: Site, text: str) -> None:
    client = site.signed_in(SUPERVISOR)
    before = snapshot(site)
    for form, field, label in DATES:
        response = _post(site, client, form, {field: text})
        assert response.status_code == 400, (form, field, response.status_code)
        alert = _alert(response.text)
        assert f"{label}「{text}」は日付ではありません（例：2026-11-25）。" in alert, (form, field, alert)
        assert "is not a date" not in alert and "Traceback" not in response.text
    assert snapshot(site) == before


def test_a_well_formed_version_and_date_get_through_to_the_use_case(site: Site) -> None:
    """The same fields, well formed, are not refused by the parsing: the use case answers (here: a
    session recorded on a stale version is a conflict; on the current one it is recorded)."""
    client = site.signed_in(SUPERVISOR)
    case_id = site.cases["monitoring"]
    stale = _post(site, client, "record", {"version": "0", "held_on": " 2026-11-20 "})
    assert stale.status_code == 409
    version = str(site.cli.ok("case", "show", case_id)["version"])
    done = _post(site, client, "record", {"version": f" {version} ", "held_on": "2026-11-20"})
    assert done.status_code == 303
    session = site.cli.ok("case", "show", case_id)["monitoring"][0]
    assert (session["status"], session["held_on"]) == ("held", "2026-11-20")
