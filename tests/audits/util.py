"""Small helpers for the coordinator-view tests (`audit stalled`, `caseload`), all through the real CLI.

Every expected value in tests/audits is computed by hand from DOMAIN.md §3/§8/§9 and CLI.md; nothing
here reads the program's own rules.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.cli.helpers import add_company
from tests.conftest import ADMIN, Cli

Finding = dict[str, Any]

FINDING_KEYS = {"case", "council", "state", "code", "since", "days", "waiting_on", "message"}
CODES = {"stalled", "claim_deadline", "validity", "monitoring_overdue", "holdback_open"}
WAITING_ON = {"company", "support_org", "lenders", "council"}


def audit(cli: Cli, today: str, *args: str) -> list[Finding]:
    """`audit stalled` as of ``today`` (exit 0, one JSON array with the CLI.md keys). Every finding's
    ``days`` is counted from its ``since`` up to ``today``."""
    rows = cli.ok("audit", "stalled", *args, today=today)
    assert isinstance(rows, list), rows
    for row in rows:
        assert set(row) >= FINDING_KEYS, row
        assert row["code"] in CODES, row
        assert row["waiting_on"] in WAITING_ON, row
        assert isinstance(row["days"], int), row
        assert row["days"] == (dt.date.fromisoformat(today) - dt.date.fromisoformat(row["since"])).days, row
        assert isinstance(row["message"], str) and row["message"].strip(), row
    return rows


def of(findings: list[Finding], case: str, code: str | None = None) -> list[Finding]:
    return [f for f in findings if f["case"] == case and (code is None or f["code"] == code)]


def only(findings: list[Finding], case: str, code: str) -> Finding:
    matching = of(findings, case, code)
    assert len(matching) == 1, f"expected one {code} finding for {case}, got {matching} (all: {findings})"
    return matching[0]


def none_of(findings: list[Finding], case: str, code: str) -> None:
    assert of(findings, case, code) == [], f"unexpected {code} finding for {case}: {of(findings, case, code)}"


def brief(findings: list[Finding]) -> list[tuple[str, str, int]]:
    """(case, code, days) in output order."""
    return [(f["case"], f["code"], f["days"]) for f in findings]


def new_company(cli: Cli, name: str, fye_month: int = 3) -> int:
    """A fresh company, so the prior-use rule (§6) never interferes between cases of one fixture."""
    return add_company(cli, name, fye_month)


def users(cli: Cli) -> None:
    """Coordinators besides the `world` fixture's sato (council 13)."""
    cli.ok("user", "add", "tanaka", "--council", "13", "--email", "tanaka@council.example.jp", user=ADMIN)
    cli.ok("user", "add", "suzuki", "--council", "27", "--email", "suzuki@council.example.jp", user=ADMIN)
