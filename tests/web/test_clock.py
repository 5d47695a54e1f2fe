"""One clock on the web: a request's Context reads the app's clock, so what a page writes is stamped
with the instant the app was given (tests fix it), not the machine's."""

from __future__ import annotations

import datetime as dt

from tests.web.conftest import COORDINATOR, Site
from tests.web.test_advance import _form


def test_what_a_page_writes_is_stamped_by_the_app_clock(site: Site) -> None:
    case_id = site.cases["early"]
    site.cli.ok("doc", "add", case_id, "pre_consultation_letter", "--on", "2026-11-20")
    site.cli.ok("doc", "add", case_id, "application", "--on", "2026-11-20")
    site.clock.advance(hours=3, seconds=7)  # 2026-11-25 03:30:07 UTC, long before the machine's now
    client = site.signed_in(COORDINATOR)
    fields = _form(client.get(f"/cases/{case_id}").text, "apply")
    assert client.post(f"/cases/{case_id}/advance", data=fields).status_code == 303
    last = site.history(case_id)[-1]
    assert last["event"] == "apply"
    assert (
        dt.datetime.fromisoformat(last["recorded_at"])
        == site.clock.now
        == dt.datetime(2026, 11, 25, 3, 30, 7, tzinfo=dt.UTC)
    )
