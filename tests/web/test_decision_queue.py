"""The supervisor's queue on 今日: every decision waiting on the council in their councils — 利用決定・不採択
for a case in 利用申請済, 支払決定 for one in 支払申請済, 費用の決定 for an open claim decided claim by claim
— with the days it has waited, longest first. Days by hand from TODAY = 2026-11-25."""

from __future__ import annotations

import re

import pytest

from casetrack import services
from tests.cli.helpers import drive_early
from tests.web.conftest import ACTOR, OTHER_SUPERVISOR, SUPERVISOR, TODAY, Site, holdback_case


def _queue(html: str) -> list[tuple[str, str, str]]:
    """(days, case, decision) of each row of the #decisions table."""
    section = re.search(r'<section id="decisions">(.*?)</section>', html, re.S)
    assert section, "no #decisions section"
    rows = re.findall(
        r"<tr[^>]*>\s*<td[^>]*>([\d,]+)日.*?<a href=\"/cases/([^\"#]+)[^>]*>.*?</td>\s*<td[^>]*>.*?</td>"
        r"\s*<td[^>]*>(.*?)</td>",
        section.group(1),
        re.S,
    )
    return [(d, c, what) for d, c, what in rows]


def test_applied_and_payment_claimed_cases_wait_with_their_days(site: Site) -> None:
    applied = drive_early(
        site.cli,
        site.world,
        "applied",
        dates={"open": "2026-11-01", "apply": "2026-11-10"},
        company=site.world.company_dec,
    )
    claimed = holdback_case(site, until="claim_payment")  # 支払申請済 since 2025-10-20
    # council 14's own case waiting on its council: not in council 13's queue
    other = site.cases["other"]  # opened 2026-10-01 by yokohama
    site.cli.ok("doc", "add", other, "pre_consultation_letter", "--on", "2026-11-20", user=OTHER_SUPERVISOR)
    site.cli.ok("doc", "add", other, "application", "--on", "2026-11-20", user=OTHER_SUPERVISOR)
    site.cli.ok("case", "advance", other, "apply", "--on", "2026-11-20", user=OTHER_SUPERVISOR)
    page = site.signed_in(SUPERVISOR).get("/")
    assert page.status_code == 200
    # 2025-10-20 → 2026-10-20 is 365 days, → 2026-11-25 36 more: 401; 2026-11-10 → 11-25: 15
    assert _queue(page.text) == [("401", claimed, "支払決定"), ("15", applied, "利用決定・不採択")]
    assert "協議会の決定待ち" in page.text and "2件" in page.text
    theirs = site.signed_in(OTHER_SUPERVISOR).get("/")
    assert _queue(theirs.text) == [("5", other, "利用決定・不採択")]


def test_an_open_fee_claim_waits_as_its_own_decision(site: Site) -> None:
    case_id = holdback_case(site)  # plan decided 2025-11-05: in 伴走支援中
    site.cli.ok("monitoring", "record", case_id, "1", "--held-on", "2026-04-20")
    site.cli.ok("doc", "add", case_id, "monitoring_report", "--session", "1", "--on", "2026-04-20")
    claim = site.cli.ok(
        "fee", "claim", case_id, "monitoring", "--fee", "150000", "--session", "1", "--on", "2026-05-01"
    )["id"]
    page = site.signed_in(SUPERVISOR).get("/")
    # 2026-05-01 → 11-25: 31 + 30 + 31 + 31 + 30 + 31 + 24 = 208 days; 伴走支援費用 as workflows/405.yaml names it
    assert _queue(page.text) == [("208", case_id, "費用の決定（伴走支援費用・第1回、150,000円）")]
    assert f'href="/cases/{case_id}#claim-{claim}"' in page.text
    site.cli.ok("fee", "decide", case_id, str(claim), "--on", "2026-11-25")
    assert _queue(site.signed_in(SUPERVISOR).get("/").text) == []


@pytest.mark.parametrize("role", ["coordinator", "hq", "admin"])
def test_only_those_who_decide_see_the_queue(site: Site, role: str) -> None:
    holdback_case(site, until="claim_payment")
    page = site.signed_in(ACTOR[role]).get("/?council=13" if role == "hq" else "/")
    assert page.status_code == 200
    assert 'id="decisions"' not in page.text


def test_the_queue_as_data(site: Site) -> None:
    claimed = holdback_case(site, until="claim_payment")
    data = services.today_page(site.ctx(SUPERVISOR))["decisions"]
    assert data["total"] == 1
    (row,) = data["rows"]
    assert (row["case"], row["events"], row["since"], row["days"]) == (
        claimed,
        ["decide_payment"],
        TODAY.replace(year=2025, month=10, day=20),
        401,
    )
