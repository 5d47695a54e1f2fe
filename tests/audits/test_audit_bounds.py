"""The audit hands the database bounds on a case's dates (`finding_bounds`) so it reads only the cases
that can have a finding; every finding must still be there. Day by day across three years, the audit
with the bounds finds exactly what it finds reading every open case, for cases of both programs in
every open state, a clamped month end and an extended 405 validity — the boundary days included."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from casetrack.services import audits as audit_views
from casetrack.services.context import Context
from tests.cli.helpers import drive_405, drive_early, fresh_company
from tests.conftest import TESTER, Cli, World

CASE_CODES = ("stalled", "claim_deadline", "validity")


def _findings_by_day(cli: Cli, days: list[dt.date]) -> dict[dt.date, list[tuple[str, str, str, int, str]]]:
    """The case findings of each day, one code at a time (asked together, a case let through by one
    code's bound could hide another code's bound being too tight); every day read in one transaction
    (the fleet does not change while it is read)."""
    ctx = Context(db_url=cli.db_url, today=days[0], user=TESTER)
    ctx.authorize("case.read")
    out = {}
    with ctx.read() as repo:
        views = repo.audits
        for day in days:
            as_of = replace(ctx, today=day)
            out[day] = [
                finding
                for code in CASE_CODES
                for finding in sorted(
                    (f.case, f.code, f.since.isoformat(), f.days, f.message)
                    for f in audit_views.iter_findings(as_of, views, codes=frozenset({code}))
                )
            ]
    return out


@pytest.mark.slow
def test_bounds_drop_no_finding(cli: Cli, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # one company per case: a second case of a company would be a re-use (DOMAIN.md §11)
    for n, state in enumerate(("consultation", "applied", "drafting", "plan_submitted")):
        drive_early(cli, world, state, company=fresh_company(cli, n))
    drive_early(
        cli,
        world,
        "drafting",
        dates={"open": "2026-05-01", "apply": "2026-05-10", "accept": "2026-05-31"},
        company=fresh_company(cli, 10),
    )
    for n, state in enumerate(("drafting", "negotiating", "agreed")):
        drive_405(cli, world, state, company=fresh_company(cli, 20 + n))
    extended = drive_405(cli, world, "drafting", company=fresh_company(cli, 30))
    cli.ok(
        "case",
        "advance",
        extended,
        "extend",
        "--on",
        "2026-06-01",
        "--until",
        "2028-10-31",
        "--reason",
        "計画策定の長期化（協議会決定）",
        today="2026-06-01",
    )

    days = [dt.date(2026, 4, 1) + dt.timedelta(days=n) for n in range(0, 3 * 365)]
    bounded = _findings_by_day(cli, days)
    monkeypatch.setattr(audit_views, "finding_bounds", lambda *_a, **_k: None)  # read every open case
    unbounded = _findings_by_day(cli, days)
    differing = [day for day in days if unbounded[day] != bounded[day]]
    assert differing == []
    codes = {code for found in bounded.values() for _case, code, *_rest in found}
    assert set(CASE_CODES) <= codes  # the scan met every kind of case finding
