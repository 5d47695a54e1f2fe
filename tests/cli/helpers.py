"""Helpers for the end-to-end CLI tests: open cases, drive them along the shipped workflows with
fixed, hand-chosen dates, and check refusals (exit code, error shape, nothing written).

Every expected value in the tests is computed by hand from DOMAIN.md; nothing here reads the
program's own rules.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from tests.conftest import Cli, Result, World

COUNCIL = "13"

# -- fixed timelines (hand-chosen) ---------------------------------------------------------------

# early: accepted 2026-04-20 → claim deadline 2026-04-20 + 12 months = 2027-04-20.
EARLY_DATES = {
    "open": "2026-04-01",
    "apply": "2026-04-10",
    "accept": "2026-04-20",
    "submit_plan": "2026-08-31",
    "claim_payment": "2026-10-01",
    "decide_payment": "2026-10-20",
    "close": "2028-06-30",
}
EARLY_STATES = [
    "consultation",
    "applied",
    "drafting",
    "plan_submitted",
    "payment_claimed",
    "monitoring",
    "closed",
]

# 405: accepted 2026-04-20 → validity 2026-04-20 + 24 months = 2028-04-20. Plan date 2026-11-03.
R405_DATES = {
    "open": "2026-04-01",
    "apply": "2026-04-10",
    "accept": "2026-04-20",
    "start_negotiation": "2026-09-01",
    "agree": "2026-11-03",
    "claim_payment": "2026-12-01",
    "decide_payment": "2026-12-20",
    "close": "2029-11-30",
}
R405_STATES = [
    "consultation",
    "applied",
    "drafting",
    "negotiating",
    "agreed",
    "payment_claimed",
    "monitoring",
    "closed",
]


def day(text: str, plus_days: int = 0) -> str:
    return (dt.date.fromisoformat(text) + dt.timedelta(days=plus_days)).isoformat()


# -- thin wrappers around the CLI ----------------------------------------------------------------


def show(cli: Cli, case_id: str, today: str | None = None) -> dict[str, Any]:
    return cli.ok("case", "show", case_id, today=today)


def history(cli: Cli, case_id: str) -> list[dict[str, Any]]:
    return cli.ok("case", "history", case_id)


def case_count(cli: Cli) -> int:
    return len(cli.ok("case", "list"))


def adv(cli: Cli, case_id: str, event: str, on: str, *extra: str, user: str = "tester") -> dict[str, Any]:
    """Fire ``event`` effective ``on`` (the command also runs as of that day). ``agree`` records that every
    lender agreed to a rescheduling unless ``extra`` says what was agreed (pamphlet line 169)."""
    return cli.ok("case", "advance", case_id, event, "--on", on, *agreed(event, extra), today=on, user=user)


def agreed(event: str, extra: Sequence[str]) -> tuple[str, ...]:
    """405 agree needs what each lender agreed to: every lender a rescheduling, unless given."""
    if event == "agree" and "--agreement" not in extra:
        return (*extra, "--agreement", "*=reschedule")
    return tuple(extra)


def doc(cli: Cli, case_id: str, kind: str, on: str, lender: int | None = None) -> dict[str, Any]:
    extra = ["--lender", str(lender)] if lender is not None else []
    return cli.ok("doc", "add", case_id, kind, "--on", on, *extra, today=on)


def claim_plan(cli: Cli, case_id: str, fee: int, on: str) -> dict[str, Any]:
    return cli.ok("fee", "claim", case_id, "plan", "--fee", str(fee), "--on", on, today=on)


def fresh_company(cli: Cli, n: int, fye_month: int = 3) -> int:
    """Another company (March year end): a second case of one company is a re-use (DOMAIN.md §11)."""
    return add_company(cli, f"株式会社テスト{n:03d}", fye_month)


def add_company(cli: Cli, name: str, fye_month: int) -> int:
    return int(cli.ok("company", "add", "--name", name, "--fiscal-year-end-month", str(fye_month))["id"])


def open_case(
    cli: Cli,
    program: str,
    *,
    company: int,
    support: Sequence[int],
    lenders: Sequence[str] = (),
    on: str,
    track: str | None = None,
    interim: bool = False,
    interval: int | None = None,
    estimates: dict[str, int] | None = None,
    reuse_reason: str | None = None,
    reuse_ground: str | None = None,
    coordinator: str | None = None,
    council: str = COUNCIL,
    user: str = "tester",
    application: bool = True,
) -> dict[str, Any]:
    """Open a case; with ``application`` (the default) its 利用申請書 is filed the same day, as every
    case needs one at ``apply`` (DOMAIN.md §11)."""
    args = ["case", "open", "--program", program, "--council", council, "--company", str(company), "--on", on]
    for org in support:
        args += ["--support-org", str(org)]
    for lender in lenders:
        args += ["--lender", lender]
    if track:
        args += ["--track", track]
    if interim:
        args.append("--interim-monitoring")
    if interval is not None:
        args += ["--monitoring-interval-months", str(interval)]
    for component, amount in (estimates or {}).items():
        args += ["--estimate", f"{component}={amount}"]
    if reuse_reason is not None:
        args += ["--reuse-reason", reuse_reason]
    if reuse_ground is not None:
        args += ["--reuse-ground", reuse_ground]
    if coordinator is not None:
        args += ["--coordinator", coordinator]
    case = cli.ok(*args, today=on, user=user)
    if application:
        cli.ok("doc", "add", str(case["id"]), "application", "--on", on, today=on, user=user)
    return case


def early_lenders(w: World) -> list[str]:
    return [f"{w.bank_main}:main", str(w.bank_second)]


def r405_lenders(w: World) -> list[str]:
    return [f"{w.bank_main}:main", f"{w.bank_second}:guaranteed", str(w.bank_third)]


R405_ESTIMATES = {"plan": 3_300_000, "monitoring": 1_200_000}  # 1.2M ≤ ½ × 4.5M; plan > 450,000


def open_early(
    cli: Cli, w: World, *, on: str = EARLY_DATES["open"], company: int | None = None, **kw: Any
) -> str:
    kw.setdefault("support", [w.tax])
    kw.setdefault("lenders", early_lenders(w))
    return str(open_case(cli, "early", company=company or w.company, on=on, **kw)["id"])


def open_405(
    cli: Cli, w: World, *, on: str = R405_DATES["open"], company: int | None = None, **kw: Any
) -> str:
    kw.setdefault("support", [w.tax])
    kw.setdefault("lenders", r405_lenders(w))
    kw.setdefault("estimates", dict(R405_ESTIMATES))
    return str(open_case(cli, "405", company=company or w.company, on=on, **kw)["id"])


def _reached(states: list[str], target: str, state: str) -> bool:
    return states.index(target) >= states.index(state)


def drive_early(cli: Cli, w: World, target: str, dates: dict[str, str] | None = None, **open_kw: Any) -> str:
    """Open and drive an early case along the main path up to ``target``."""
    d = {**EARLY_DATES, **(dates or {})}
    cid = open_early(cli, w, on=d["open"], **open_kw)
    if target == "consultation":
        return cid
    doc(cli, cid, "pre_consultation_letter", d["apply"])  # defaults to the main bank
    adv(cli, cid, "apply", d["apply"])
    if target == "applied":
        return cid
    adv(cli, cid, "accept", d["accept"])
    if target == "drafting":
        return cid
    doc(cli, cid, "plan", d["submit_plan"])
    doc(cli, cid, "bank_receipt", d["submit_plan"], lender=w.bank_main)
    adv(cli, cid, "submit_plan", d["submit_plan"])
    if target == "plan_submitted":
        return cid
    claim_plan(cli, cid, 200_000, d["claim_payment"])
    doc(cli, cid, "share_transfer", d["claim_payment"])
    adv(cli, cid, "claim_payment", d["claim_payment"])
    if target == "payment_claimed":
        return cid
    adv(cli, cid, "decide_payment", d["decide_payment"])
    if target == "monitoring":
        return cid
    case = show(cli, cid)
    for s in case["monitoring"]:
        cli.ok("monitoring", "record", cid, str(s["seq"]), "--held-on", s["due_on"], today=s["due_on"])
    adv(cli, cid, "close", d["close"])
    assert target == "closed"
    return cid


def drive_405(cli: Cli, w: World, target: str, dates: dict[str, str] | None = None, **open_kw: Any) -> str:
    """Open and drive a 405 case along the main path up to ``target``."""
    d = {**R405_DATES, **(dates or {})}
    cid = open_405(cli, w, on=d["open"], **open_kw)
    if target == "consultation":
        return cid
    doc(cli, cid, "schedule_chart", d["apply"])
    adv(cli, cid, "apply", d["apply"])
    if target == "applied":
        return cid
    adv(cli, cid, "accept", d["accept"])
    if target == "drafting":
        return cid
    doc(cli, cid, "plan", d["start_negotiation"])
    adv(cli, cid, "start_negotiation", d["start_negotiation"])
    if target == "negotiating":
        return cid
    for lender in show(cli, cid)["lenders"]:
        doc(cli, cid, "consent_letter", d["agree"], lender=lender["id"])
    adv(cli, cid, "agree", d["agree"])
    if target == "agreed":
        return cid
    claim_plan(cli, cid, 3_300_000, d["claim_payment"])
    doc(cli, cid, "share_transfer", d["claim_payment"])
    adv(cli, cid, "claim_payment", d["claim_payment"])
    if target == "payment_claimed":
        return cid
    adv(cli, cid, "decide_payment", d["decide_payment"])
    if target == "monitoring":
        return cid
    for s in show(cli, cid)["monitoring"]:
        cli.ok("monitoring", "record", cid, str(s["seq"]), "--held-on", s["due_on"], today=s["due_on"])
    adv(cli, cid, "close", d["close"])
    assert target == "closed"
    return cid


# -- checks ---------------------------------------------------------------------------------------


def assert_one_error_line(result: Result) -> str:
    """stderr is exactly one line starting 'error:'; no traceback anywhere."""
    assert "Traceback" not in result.err and "Traceback" not in result.out
    lines = result.err.splitlines()
    assert len(lines) == 1, f"expected one stderr line, got {result.err!r}"
    assert lines[0].startswith("error:"), lines[0]
    return lines[0]


def assert_json_error(result: Result) -> dict[str, Any]:
    """With --format json: stdout is exactly one JSON error object."""
    body = json.loads(result.out)
    assert isinstance(body, dict), body
    assert body["ok"] is False
    assert isinstance(body["code"], str) and body["code"]
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["details"], list)
    return body


Token = str | re.Pattern[str]
Expectation = Token | Sequence[Token]


def _matches(detail: str, expectation: Expectation) -> bool:
    tokens: Iterable[Token] = [expectation] if isinstance(expectation, str | re.Pattern) else expectation
    for t in tokens:
        if isinstance(t, re.Pattern):
            if not t.search(detail):
                return False
        elif t not in detail:
            return False
    return True


def match_reasons(details: Sequence[str], expected: Sequence[Expectation]) -> None:
    """Each expectation matches its own detail (a perfect matching), and nothing else is there."""
    assert len(details) == len(expected), f"expected {len(expected)} reasons, got {len(details)}: {details}"
    candidates = [[i for i, d in enumerate(details) if _matches(d, e)] for e in expected]

    def assign(k: int, used: frozenset[int]) -> bool:
        if k == len(expected):
            return True
        return any(assign(k + 1, used | {i}) for i in candidates[k] if i not in used)

    assert assign(0, frozenset()), f"reasons {details} do not match {expected}"


def refused(
    cli: Cli,
    case_id: str,
    event: str,
    *args: str,
    today: str,
    expected: Sequence[Expectation],
    on: str | None = None,
) -> dict[str, Any]:
    """Fire ``event`` expecting a refusal by rule: exit 1, one stderr line naming every reason, the JSON
    error object with every reason in ``details``, and nothing written."""
    before = show(cli, case_id, today=today)
    hist_before = history(cli, case_id)
    on_args = ["--on", on] if on else []
    result = cli(
        "case", "advance", case_id, event, *on_args, *agreed(event, args), "--format", "json", today=today
    )
    assert result.code == 1, (result.code, result.out, result.err)
    line = assert_one_error_line(result)
    body = assert_json_error(result)
    match_reasons(body["details"], expected)
    assert case_id in body["error"]
    for reason in body["details"]:
        assert reason in line, f"stderr does not name the reason {reason!r}: {line}"
    after = show(cli, case_id, today=today)
    assert (after["state"], after["version"], after["state_since"]) == (
        before["state"],
        before["version"],
        before["state_since"],
    )
    assert after["accepted_on"] == before["accepted_on"] and after["plan_date"] == before["plan_date"]
    assert after["validity_until"] == before["validity_until"]
    assert after["monitoring"] == before["monitoring"]
    assert history(cli, case_id) == hist_before
    return body


def check_moved(
    cli: Cli,
    case_id: str,
    *,
    event: str,
    source: str,
    target: str,
    on: str,
    state_since: str,
    user: str = "tester",
    reason: str | None = None,
    rows_before: int,
) -> dict[str, Any]:
    """After a successful event: state, state_since, and exactly one new history row describing it."""
    case = show(cli, case_id, today=on)
    assert case["state"] == target
    assert case["state_since"] == state_since
    rows = history(cli, case_id)
    assert len(rows) == rows_before + 1
    last = rows[-1]
    assert last["event"] == event
    assert last["from"] == source
    assert last["to"] == target
    assert last["effective_on"] == on
    assert last["user"] == user
    assert last["reason"] == reason
    return case


def sessions(case: dict[str, Any]) -> list[tuple[int, str, str, str, str]]:
    return [(s["seq"], s["kind"], s["nominal_due_on"], s["due_on"], s["status"]) for s in case["monitoring"]]


def reject_plan_claim(cli: Cli, case_id: str, on: str) -> None:
    """Reject the case's open plan claim (`fee reject`)."""
    claim = next(
        c for c in cli.ok("fee", "list", case_id) if c["component"] == "plan" and c["status"] == "claimed"
    )
    cli.ok("fee", "reject", case_id, str(claim["id"]), "--reason", "領収書の不備", "--on", on, today=on)
