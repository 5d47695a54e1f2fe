"""The pages refuse an effective date after today with the reason in Japanese and write nothing; a
case that already carries a far-future date (written straight into the database, as an unchecked
`--on 9999-12-31` once did) still shows its page."""

from __future__ import annotations

from tests.cli.test_future_dates import _accept_on_far_future
from tests.web.conftest import COORDINATOR, SUPERVISOR, Site
from tests.web.test_advance import _form, _post


def test_an_event_dated_after_today_is_refused_in_japanese(site: Site) -> None:
    case_id = site.cases["early"]
    client = site.signed_in(COORDINATOR)
    fields = _form(client.get(f"/cases/{case_id}").text, "withdraw")
    before = site.history(case_id)
    refused = _post(client, case_id, fields | {"on": "9999-12-31", "reason": "取下げ"})
    assert refused.status_code in (400, 422)
    assert "効力発生日（9999-12-31）が今日（2026-11-25）より後です。" in refused.text
    assert "内部エラー" not in refused.text
    assert site.history(case_id) == before


def test_a_document_dated_after_today_is_refused_in_japanese(site: Site) -> None:
    case_id = site.cases["early"]
    client = site.signed_in(COORDINATOR)
    page = client.get(f"/cases/{case_id}").text
    version = site.cli.ok("case", "show", case_id)["version"]
    from tests.web.conftest import csrf_of

    before = site.cli.ok("case", "show", case_id)
    refused = client.post(
        f"/cases/{case_id}/documents",
        data={"csrf_token": csrf_of(page), "version": str(version), "kind": "plan", "on": "2062-01-01"},
    )
    assert refused.status_code in (400, 422)
    assert "書類の日付（2062-01-01）が今日（2026-11-25）より後です。" in refused.text
    assert site.cli.ok("case", "show", case_id) == before


def test_the_page_of_a_case_carrying_a_far_future_date_shows(site: Site) -> None:
    cli, case_id = site.cli, site.cases["early"]
    cli.ok("doc", "add", case_id, "pre_consultation_letter", "--on", "2026-11-20")
    cli.ok("doc", "add", case_id, "application", "--on", "2026-11-20")
    cli.ok("case", "advance", case_id, "apply", "--on", "2026-11-21")
    _accept_on_far_future(cli, case_id)
    for user in (COORDINATOR, SUPERVISOR):
        client = site.signed_in(user)
        page = client.get(f"/cases/{case_id}")
        assert page.status_code == 200, page.text[:500]
        assert "9999-12-31" in page.text
        assert client.get("/").status_code == 200
        assert client.get("/cases").status_code == 200


def test_a_supervisor_corrects_the_far_future_date_on_the_page(site: Site) -> None:
    from tests.web.test_case_forms import _form as form_of

    cli, case_id = site.cli, site.cases["early"]
    cli.ok("doc", "add", case_id, "pre_consultation_letter", "--on", "2026-11-20")
    cli.ok("doc", "add", case_id, "application", "--on", "2026-11-20")
    cli.ok("case", "advance", case_id, "apply", "--on", "2026-11-21")
    _accept_on_far_future(cli, case_id)
    seq = site.history(case_id)[-1]["seq"]
    coordinator = site.signed_in(COORDINATOR).get(f"/cases/{case_id}").text
    assert 'name="on" value=""' not in coordinator.split(f'name="seq" value="{seq}"')[-1].split("</form>")[0]
    client = site.signed_in(SUPERVISOR)
    fields = form_of(client.get(f"/cases/{case_id}").text, "corrections", seq=seq)
    later = client.post(
        f"/cases/{case_id}/corrections", data=fields | {"note": "入力誤り", "on": "2026-11-26"}
    )
    assert (
        later.status_code == 400
        and "訂正後の日付（2026-11-26）が今日（2026-11-25）より後です。" in later.text
    )
    done = client.post(
        f"/cases/{case_id}/corrections", data=fields | {"note": "入力誤り", "on": "2026-11-22"}
    )
    assert done.status_code == 303, done.text[:300]
    shown = cli.ok("case", "show", case_id)
    assert (shown["state"], shown["accepted_on"]) == ("drafting", "2026-11-22")
    last = site.history(case_id)[-1]
    assert (last["event"], last["corrects"], last["effective_on"]) == ("correct", seq, "2026-11-22")
