"""Pages name staff as people call them (issue "Reminders a council can trust": a login name never
stands where a display name is set): the header, the 担当 columns of 今日 and 案件一覧, the case page's
担当 and its history rows. A login without a display name still shows as the login."""

from __future__ import annotations

import re

from tests.conftest import ADMIN
from tests.web.conftest import COORDINATOR, SUPERVISOR, Site


def _cells(html: str, label: str) -> list[str]:
    return re.findall(rf'<td data-label="{label}">([^<]*)</td>', html)


def test_pages_show_display_names_not_logins(site: Site) -> None:
    site.cli.ok("user", "edit", COORDINATOR, "--display-name", "加藤 次郎", user=ADMIN)
    client = site.signed_in(SUPERVISOR)
    today = client.get("/").text
    assert "加藤 次郎" in _cells(today, "担当") and COORDINATOR not in _cells(today, "担当")
    cases = client.get("/cases").text
    assert set(_cells(cases, "担当")) == {"加藤 次郎"}  # both council-13 cases are kato's
    page = client.get(f"/cases/{site.cases['early']}").text
    assert "<dt>担当</dt><dd>加藤 次郎</dd>" in page
    # the supervisor has no display name: the header shows the login
    assert re.search(r'<a class="user" href="/me"[^>]*>tester（', page)
    # and the coordinator sees their own display name in the header
    own = site.signed_in(COORDINATOR).get("/").text
    assert re.search(r'<a class="user" href="/me"[^>]*>加藤 次郎（', own)


def test_a_display_name_of_another_council_is_not_looked_up(site: Site) -> None:
    """The names come from the staff of the actor's councils only."""
    site.cli.ok("user", "edit", "yokohama", "--display-name", "横浜 三郎", user=ADMIN)
    from casetrack import services
    from casetrack.services import Context
    from tests.web.conftest import TODAY

    names = services.display_names(Context(site.db_url, TODAY, COORDINATOR))
    assert "yokohama" not in names
    assert services.display_names(Context(site.db_url, TODAY, "yokohama"))["yokohama"] == "横浜 三郎"
