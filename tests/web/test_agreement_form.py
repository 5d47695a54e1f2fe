"""The web's agree form collects each lender's financial support (pamphlet line 169): one row per lender
with the kinds as checkboxes and a note for その他; without them the refusal names each lender and where
the rule comes from, and nothing is written; with them the case page shows them by label."""

from __future__ import annotations

import re
from typing import Any

from tests.web.conftest import COORDINATOR, Site


def _negotiating(site: Site) -> str:
    cli, w = site.cli, site.world

    def on(day: str, *args: str) -> Any:
        return cli.ok(*args, today=day)

    case_id = str(
        on(
            "2026-04-01",
            "case",
            "open",
            "--program",
            "405",
            "--council",
            "13",
            "--company",
            str(w.company_dec),
            "--support-org",
            str(w.tax),
            "--lender",
            f"{w.bank_main}:main",
            "--lender",
            f"{w.bank_second}:guaranteed",
            "--coordinator",
            COORDINATOR,
            "--estimate",
            "plan=300000",
            "--estimate",
            "monitoring=100000",
            "--on",
            "2026-04-01",
        )["id"]
    )
    on("2026-04-01", "doc", "add", case_id, "application", "--on", "2026-04-01")
    on("2026-04-05", "case", "advance", case_id, "apply", "--on", "2026-04-05")
    on("2026-04-20", "case", "advance", case_id, "accept", "--on", "2026-04-20")
    on("2026-09-01", "doc", "add", case_id, "plan", "--on", "2026-09-01")
    on("2026-09-01", "case", "advance", case_id, "start_negotiation", "--on", "2026-09-01")
    for bank in (w.bank_main, w.bank_second):
        on("2026-11-20", "doc", "add", case_id, "consent_letter", "--lender", str(bank), "--on", "2026-11-20")
    return case_id


def _agree_form(page: str) -> str:
    match = re.search(
        r'<form method="post" action="[^"]+/advance" class="event">(?:(?!</form>).)*?'
        r'name="event" value="agree".*?</form>',
        page,
        re.S,
    )
    assert match, "no agree form"
    return match.group(0)


def _fields(form: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def test_the_agree_form_asks_each_lender(site: Site) -> None:
    case_id = _negotiating(site)
    client = site.signed_in(COORDINATOR)
    form = _agree_form(client.get(f"/cases/{case_id}").text)
    for bank, name in ((site.world.bank_main, "さくら銀行"), (site.world.bank_second, "東都信用金庫")):
        assert name in form
        for kind, label in (("reschedule", "リスケ"), ("new_loan", "新規融資"), ("other", "その他")):
            assert re.search(rf'name="agreement-{bank}" value="{kind}"> {label}', form), (bank, kind)
        assert f'name="agreement_note-{bank}"' in form
    assert "金融機関ごとに必須" in form


def test_without_support_refused_with_sources_then_recorded(site: Site) -> None:
    case_id = _negotiating(site)
    w = site.world
    client = site.signed_in(COORDINATOR)
    fields = _fields(_agree_form(client.get(f"/cases/{case_id}").text)) | {"on": "2026-11-25", "note": ""}
    before = site.history(case_id)
    refused = client.post(
        f"/cases/{case_id}/advance", data=fields | {f"agreement-{w.bank_main}": "reschedule"}
    )
    assert refused.status_code == 422
    assert "「全行同意」はできません" in refused.text
    assert "東都信用金庫 の金融支援の内容" in refused.text  # names, no ids, on a page
    assert "さくら銀行 の金融支援の内容" not in refused.text
    assert "（org " not in refused.text
    assert "（出典：パンフレット 169行）" in refused.text  # where the rule comes from
    assert 'value="reschedule" checked' in refused.text  # what was ticked stays ticked
    assert site.history(case_id) == before

    done = client.post(
        f"/cases/{case_id}/advance",
        data=fields
        | {
            f"agreement-{w.bank_main}": ["reschedule", "new_loan"],
            f"agreement-{w.bank_second}": "other",
            f"agreement_note-{w.bank_second}": "金利の減免",
            f"agreement_note-{w.bank_main}": "",
        },
    )
    assert done.status_code == 303, done.text
    case = site.cli.ok("case", "show", case_id)
    assert case["state"] == "agreed"
    assert sorted((a["lender_id"], a["kind"], a["note"]) for a in case["agreements"]) == sorted(
        [
            (w.bank_main, "reschedule", None),
            (w.bank_main, "new_loan", None),
            (w.bank_second, "other", "金利の減免"),
        ]
    )
    page = client.get(done.headers["location"]).text
    shown = re.search(r'<dd id="agreements">(.*?)</dd>', page, re.S)
    assert shown and "さくら銀行：リスケ" in shown[1] and "さくら銀行：新規融資" in shown[1]
    assert "東都信用金庫：その他（金利の減免）" in shown[1]


def test_other_without_its_note_is_bad_input(site: Site) -> None:
    case_id = _negotiating(site)
    w = site.world
    client = site.signed_in(COORDINATOR)
    fields = _fields(_agree_form(client.get(f"/cases/{case_id}").text)) | {"on": "2026-11-25", "note": ""}
    before = site.history(case_id)
    response = client.post(
        f"/cases/{case_id}/advance",
        data=fields
        | {
            f"agreement-{w.bank_main}": "reschedule",
            f"agreement-{w.bank_second}": "other",
            f"agreement_note-{w.bank_second}": " ",
        },
    )
    assert response.status_code == 400 or response.status_code == 422
    assert "「その他」には内容の記入が必要です" in response.text
    assert site.history(case_id) == before
