"""An admin's `user edit --role/--council` holds for the user's open web sessions at once: every request
reads the user's role and councils afresh (no sign-out needed, none is forced)."""

from __future__ import annotations

from tests.conftest import ADMIN
from tests.web.conftest import COORDINATOR, SUPERVISOR, Site
from tests.web.test_advance import _form


def test_a_moved_coordinator_no_longer_sees_the_old_councils_cases(site: Site) -> None:
    client = site.signed_in(COORDINATOR)
    case_id = site.cases["early"]
    assert client.get(f"/cases/{case_id}").status_code == 200
    assert case_id in client.get("/cases").text
    site.cli.ok("user", "edit", COORDINATOR, "--council", "27", user=ADMIN)
    assert client.get(f"/cases/{case_id}").status_code == 404  # the same session, the next request
    assert case_id not in client.get("/cases").text
    site.cli.ok("user", "edit", COORDINATOR, "--council", "27", "--council", "13", user=ADMIN)
    assert client.get(f"/cases/{case_id}").status_code == 200


def test_a_demoted_supervisor_can_no_longer_decide(site: Site) -> None:
    client = site.signed_in(SUPERVISOR)
    case_id = site.cases["early"]
    before = site.history(case_id)

    def accept() -> int:  # a council decision (not in 事前相談: refused by the workflow)
        fields = _form(client.get(f"/cases/{case_id}").text, "withdraw") | {"event": "accept"}
        return int(client.post(f"/cases/{case_id}/advance", data=fields).status_code)

    assert accept() == 422  # a supervisor may decide; the rule says no
    site.cli.ok("user", "edit", SUPERVISOR, "--role", "coordinator", user=ADMIN)
    assert accept() == 403  # the same session: no longer theirs to decide
    assert site.history(case_id) == before
