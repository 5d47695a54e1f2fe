"""The current month (and the current week) carries the sessions overdue since earlier months into its
期限超過; the week view lists Sunday to Saturday around a day. TODAY = 2026-11-25 (a Wednesday)."""

from __future__ import annotations

import re

from tests.web.conftest import ACTOR, Site, holdback_case


def test_overdue_sessions_of_earlier_months_are_carried_into_this_month(site: Site) -> None:
    case_id = holdback_case(site)  # sessions due 2026-04-15 and 2026-10-15, both still scheduled
    client = site.signed_in(ACTOR["supervisor"])
    page = client.get("/calendar?council=13")
    section = re.search(r'<section id="carried">(.*?)</section>', page.text, re.S)
    assert section, "no carried section in the current month"
    assert "2件" in section.group(1)
    assert section.group(1).count(f'href="/cases/{case_id}"') == 2
    assert "2026-04-15" in section.group(1) and "2026-10-15" in section.group(1)
    # the summary counts them as 期限超過 (the imported case's 2026-12-15 session is next month)
    assert "期限超過 2・" in page.text
    # another month carries nothing: October shows its own 10-15 session only
    october = client.get("/calendar?council=13&month=2026-10")
    assert 'id="carried"' not in october.text
    # a session held is no longer carried
    site.cli.ok("monitoring", "record", case_id, "1", "--held-on", "2026-04-20")
    again = re.search(r'<section id="carried">(.*?)</section>', client.get("/calendar?council=13").text, re.S)
    assert again and "1件" in again.group(1) and "2026-04-15" not in again.group(1)


def test_the_week_view(site: Site) -> None:
    client = site.signed_in(ACTOR["supervisor"])
    page = client.get(
        "/calendar?council=13&week=2026-12-16"
    )  # a Wednesday: the week of Sun 12-13 … Sat 12-19
    assert page.status_code == 200
    days = re.findall(r'<div id="day-([0-9-]+)" class="week-day', page.text)
    assert days == [f"2026-12-{d}" for d in range(13, 20)]
    monitoring = site.cases["monitoring"]  # first session due 2026-12-15 (a Tuesday)
    day15 = page.text.split('id="day-2026-12-15"')[1].split('<div id="day-')[0]
    assert f'href="/cases/{monitoring}"' in day15
    assert 'href="/calendar?council=13&amp;week=2026-12-06"' in page.text  # 前の週
    assert 'id="carried"' not in page.text  # not the current week
    crossing = client.get("/calendar?council=13&week=2026-12-31")  # Sun 12-27 … Sat 2027-01-02
    assert re.findall(r'<div id="day-([0-9-]+)" class="week-day', crossing.text)[-1] == "2027-01-02"
    assert "元日" in crossing.text
    assert client.get("/calendar?week=2026-13-01").status_code == 400
