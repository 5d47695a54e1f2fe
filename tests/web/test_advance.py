"""POST /cases/{id}/advance: the same rules as `case advance` — a refusal shows the case again with
every reason and writes nothing; a change by someone else since the page was loaded writes nothing and
says 「他の人がこの案件を変更しました — 再読み込みしてください」; a council decision is a supervisor's."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web.conftest import COORDINATOR, SUPERVISOR, Site

CONFLICT = "他の人がこの案件を変更しました — 再読み込みしてください"


def _form(page: str, event: str = r"[a-z_]+") -> dict[str, str]:
    """The fields of the page's form for ``event`` (any event's, by default), as a browser sends them."""
    match = re.search(
        rf'<form method="post" action="[^"]+/advance" class="event">(?:(?!</form>).)*?'
        rf'name="event" value="{event}".*?</form>',
        page,
        re.S,
    )
    assert match, f"no form for {event}"
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', match.group(0)))
    return fields


def _state(site: Site, case_id: str) -> str:
    return str(site.cli.ok("case", "show", case_id)["state"])


def _post(client: Any, case_id: str, data: dict[str, str]) -> Any:
    return client.post(f"/cases/{case_id}/advance", data=data)


def test_refused_then_allowed(site: Site) -> None:
    case_id = site.cases["early"]
    client = site.signed_in(COORDINATOR)
    page = client.get(f"/cases/{case_id}").text
    fields = _form(page, "withdraw") | {
        "event": "apply",
        "on": "2026-11-25",
    }  # apply has no form yet: post anyway
    before = site.history(case_id)
    refused = _post(client, case_id, fields)
    assert refused.status_code == 422
    assert "「利用申請」はできません" in refused.text
    assert "メイン行（さくら銀行）の事前相談書がありません" in refused.text
    assert "利用申請書がありません" in refused.text
    assert site.history(case_id) == before and _state(site, case_id) == "consultation"

    site.cli.ok("doc", "add", case_id, "pre_consultation_letter", "--on", "2026-11-20")
    site.cli.ok("doc", "add", case_id, "application", "--on", "2026-11-20")
    page = client.get(f"/cases/{case_id}").text
    fields = _form(page, "apply")
    assert fields["version"] == "3" and fields["on"] == "2026-11-25"  # two documents since opening
    done = _post(client, case_id, fields | {"note": "面談済み"})
    assert done.status_code == 303 and done.headers["location"] == f"/cases/{case_id}?done=apply"
    shown = client.get(done.headers["location"])
    assert "「利用申請」を記録しました" in shown.text and "利用申請済" in shown.text
    last = site.history(case_id)[-1]
    assert (last["event"], last["user"], last["effective_on"], last["note"]) == (
        "apply",
        COORDINATOR,
        "2026-11-25",
        "面談済み",
    )
    assert _state(site, case_id) == "applied"


def test_a_change_meanwhile_is_a_conflict_and_writes_nothing(site: Site) -> None:
    case_id = site.cases["early"]
    site.cli.ok("doc", "add", case_id, "pre_consultation_letter", "--on", "2026-11-20")
    site.cli.ok("doc", "add", case_id, "application", "--on", "2026-11-20")
    mine, theirs = site.signed_in(COORDINATOR), site.signed_in(SUPERVISOR)
    my_form = _form(mine.get(f"/cases/{case_id}").text, "apply")
    their_form = _form(theirs.get(f"/cases/{case_id}").text, "withdraw")
    assert _post(theirs, case_id, their_form | {"reason": "事業者の申出"}).status_code == 303
    before = site.history(case_id)
    conflict = _post(mine, case_id, my_form)
    assert conflict.status_code == 409
    assert CONFLICT in conflict.text
    assert site.history(case_id) == before and _state(site, case_id) == "withdrawn"
    assert "取下げ" in conflict.text  # the page shown with the message is the case as it is now


def test_a_stale_version_conflicts_even_when_the_event_would_pass(site: Site) -> None:
    case_id = site.cases["early"]
    site.cli.ok("doc", "add", case_id, "pre_consultation_letter", "--on", "2026-11-20")
    site.cli.ok("doc", "add", case_id, "application", "--on", "2026-11-20")
    client = site.signed_in(COORDINATOR)
    fields = _form(client.get(f"/cases/{case_id}").text, "apply")
    site.cli.ok("doc", "add", case_id, "other", "--on", "2026-11-24")  # someone files a document meanwhile
    before = site.history(case_id)
    response = _post(client, case_id, fields)
    assert response.status_code == 409 and CONFLICT in response.text
    assert site.history(case_id) == before and _state(site, case_id) == "consultation"
    again = _form(response.text, "apply")  # the page shown carries the current version: retrying works
    assert int(again["version"]) == int(fields["version"]) + 1
    assert _post(client, case_id, again).status_code == 303
    assert _state(site, case_id) == "applied"


def test_a_council_decision_is_a_supervisors(site: Site) -> None:
    case_id = site.cases["early"]
    site.cli.ok("doc", "add", case_id, "pre_consultation_letter", "--on", "2026-11-20")
    site.cli.ok("doc", "add", case_id, "application", "--on", "2026-11-20")
    site.cli.ok("case", "advance", case_id, "apply", "--on", "2026-11-21")
    coordinator = site.signed_in(COORDINATOR)
    page = coordinator.get(f"/cases/{case_id}").text
    assert 'name="event" value="accept"' not in page and "統括責任者・補佐が決定します" in page
    version = _form(page, "withdraw")["version"]
    csrf = _form(page, "withdraw")["csrf_token"]
    before = site.history(case_id)
    refused = _post(
        coordinator, case_id, {"csrf_token": csrf, "event": "accept", "version": version, "on": "2026-11-25"}
    )
    assert refused.status_code == 403 and "「利用決定」を記録する権限がありません" in refused.text
    assert site.history(case_id) == before
    supervisor = site.signed_in(SUPERVISOR)
    fields = _form(supervisor.get(f"/cases/{case_id}").text, "accept")
    assert _post(supervisor, case_id, fields).status_code == 303
    assert _state(site, case_id) == "drafting"


@pytest.mark.parametrize(
    ("change", "status", "text"),
    [
        ({"on": "2026-13-01"}, 400, "効力発生日「2026-13-01」は日付ではありません"),
        ({"on": "yesterday"}, 400, "効力発生日「yesterday」は日付ではありません"),
        ({"version": "abc"}, 400, "フォームの版「abc」が正しくありません"),
        (
            {"event": "fly_to_the_moon"},
            400,
            "手続き「fly_to_the_moon」は早期経営改善計画策定支援にはありません",
        ),
        ({"event": "accept"}, 403, "権限がありません"),
        ({"reason": ""}, 422, "理由"),
        ({"on": "2026-08-01"}, 422, "より前です"),  # before the state began
        ({"note": "x" * 2001}, 400, "が長すぎます（2000文字まで"),
    ],
)
def test_bad_or_refused_input_writes_nothing(
    site: Site, change: dict[str, str], status: int, text: str
) -> None:
    case_id = site.cases["early"]
    client = site.signed_in(COORDINATOR)
    fields = _form(client.get(f"/cases/{case_id}").text, "withdraw") | {"reason": "事業者の申出"}
    before = site.history(case_id)
    response = _post(client, case_id, fields | change)
    assert response.status_code == status, response.text[:300]
    assert text in response.text and "Traceback" not in response.text
    assert site.history(case_id) == before


def test_an_event_of_another_state_is_refused(site: Site) -> None:
    case_id = site.cases["monitoring"]
    client = site.signed_in(SUPERVISOR)
    fields = _form(client.get(f"/cases/{case_id}").text) | {"event": "apply"}
    response = _post(client, case_id, fields)
    assert response.status_code == 422 and "今の状態（伴走支援中）ではできません" in response.text
    assert _state(site, case_id) == "monitoring"


def test_another_councils_case_is_not_found(site: Site) -> None:
    client = site.signed_in(SUPERVISOR)
    csrf = _form(client.get(f"/cases/{site.cases['early']}").text, "withdraw")["csrf_token"]
    other = site.cases["other"]
    response = _post(client, other, {"csrf_token": csrf, "event": "withdraw", "version": "1", "reason": "x"})
    assert response.status_code == 404 and "喫茶ひまわり" not in response.text
    assert site.cli.ok("case", "show", other, user="yokohama")["state"] == "consultation"


def test_advance_needs_the_csrf_token(site: Site) -> None:
    case_id = site.cases["early"]
    client = site.signed_in(COORDINATOR)
    fields = _form(client.get(f"/cases/{case_id}").text, "withdraw") | {"reason": "x"}
    for token in ("", "forged"):
        response = _post(client, case_id, fields | {"csrf_token": token})
        assert response.status_code == 403
    assert _state(site, case_id) == "consultation"
