"""Bad input, unknown things and unusable databases (CLI.md exit codes): one 'error:' line on stderr, no
traceback, the JSON error object on stdout with --format json, and nothing written."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from casetrack.cli.main import run
from tests.cli.helpers import (
    adv,
    assert_json_error,
    assert_one_error_line,
    case_count,
    doc,
    drive_early,
    history,
    open_early,
    show,
)
from tests.conftest import ADMIN, PG_ENV, TESTER, Cli, Result, World, requires_postgres

UNKNOWN_CASE = "13-2026-9999"


def bad(cli: Cli, *args: str, code: int, today: str | None = None, user: str = TESTER) -> dict[str, Any]:
    """Run with --format json; expect ``code``, one error line and the JSON error object."""
    result = cli(*args, "--format", "json", today=today, user=user)
    assert result.code == code, (result.code, result.out, result.err)
    line = assert_one_error_line(result)
    body = assert_json_error(result)
    assert body["error"] in line
    # and the same without --format json: the line, and nothing on stdout
    plain = cli(*args, today=today, user=user)
    assert plain.code == code
    assert_one_error_line(plain)
    assert plain.out == ""
    return body


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> Result:
    capsys.readouterr()
    code = run(list(argv))
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


# -- not found: exit 4 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["case", "show", UNKNOWN_CASE],
        ["case", "history", UNKNOWN_CASE],
        ["case", "events", UNKNOWN_CASE],
        ["case", "advance", UNKNOWN_CASE, "apply", "--on", "2026-04-10"],
        ["doc", "add", UNKNOWN_CASE, "plan", "--on", "2026-04-10"],
        ["fee", "claim", UNKNOWN_CASE, "plan", "--fee", "100000"],
        ["monitoring", "list", "--case", UNKNOWN_CASE],
    ],
)
def test_unknown_case(cli: Cli, world: World, args: list[str]) -> None:
    cid = open_early(cli, world)
    body = bad(cli, *args, code=4)
    assert UNKNOWN_CASE in body["error"]
    assert case_count(cli) == 1 and len(history(cli, cid)) == 1


def test_unknown_claim_and_session(cli: Cli, world: World) -> None:
    cid = drive_early(cli, world, "monitoring")  # one session (fye), one decided plan claim
    before = show(cli, cid)
    assert "999" in bad(cli, "fee", "decide", cid, "999", "--on", "2026-11-01", code=4)["error"]
    assert "7" in bad(cli, "monitoring", "record", cid, "7", "--held-on", "2027-01-10", code=4)["error"]
    after = show(cli, cid)
    assert after["version"] == before["version"] and after["monitoring"] == before["monitoring"]


@pytest.mark.parametrize(
    ("what", "needle"),
    [
        ("company", "999"),
        ("support_org", "998"),
        ("lender", "997"),
        ("council", "99"),
        ("coordinator", "nobody"),
    ],
)
def test_case_open_with_unknown_reference(cli: Cli, world: World, what: str, needle: str) -> None:
    opts = {
        "company": str(world.company),
        "support_org": str(world.tax),
        "lender": f"{world.bank_main}:main",
        "council": "13",
        "coordinator": "sato",
    }
    opts[what] = needle
    body = bad(
        cli,
        "case",
        "open",
        "--program",
        "early",
        "--council",
        opts["council"],
        "--company",
        opts["company"],
        "--support-org",
        opts["support_org"],
        "--lender",
        opts["lender"],
        "--coordinator",
        opts["coordinator"],
        "--on",
        "2026-04-01",
        code=4,
    )
    assert needle in body["error"]
    assert case_count(cli) == 0


def test_user_add_with_unknown_council(cli: Cli, world: World) -> None:
    users = cli.ok("user", "list")
    body = bad(cli, "user", "add", "tanaka", "--council", "99", code=4, user=ADMIN)
    assert "99" in body["error"]
    assert cli.ok("user", "list") == users


# -- bad input: exit 2 ------------------------------------------------------------------------------


# (2026/04/10 and 令和8年4月10日 are dates as offices type them: tests/cli/test_office_input.py)
@pytest.mark.parametrize(
    "value", ["2026-13-01", "20260410", "2026-02-30", "april", "平成31年5月1日", "R8.2.30"]
)
def test_malformed_on_date(cli: Cli, world: World, value: str) -> None:
    cid = drive_early(cli, world, "applied")
    before, rows = show(cli, cid), history(cli, cid)
    body = bad(cli, "case", "advance", cid, "accept", "--on", value, code=2, today="2026-04-20")
    assert value in body["error"]
    after = show(cli, cid)
    assert (after["state"], after["version"], after["accepted_on"]) == ("applied", before["version"], None)
    assert history(cli, cid) == rows


@pytest.mark.parametrize("value", ["2026-02-30", "yesterday", "26-04-01"])
def test_malformed_today(cli: Cli, world: World, value: str) -> None:
    body = bad(
        cli,
        "case",
        "open",
        "--program",
        "early",
        "--council",
        "13",
        "--company",
        str(world.company),
        "--support-org",
        str(world.tax),
        code=2,
        today=value,
    )
    assert value in body["error"]
    assert case_count(cli) == 0


@pytest.mark.parametrize(
    "number",
    [
        "2180301018771",  # check digit: 9 − (Σ mod 9) = 1, not 2
        "118030101877",  # 12 digits
        "11803010187712",  # 14 digits
        "118030101877X",
    ],
)
def test_bad_corporate_number(cli: Cli, world: World, number: str) -> None:
    before = cli.ok("company", "list")
    body = bad(
        cli,
        "company",
        "add",
        "--name",
        "株式会社テスト",
        "--corporate-number",
        number,
        "--fiscal-year-end-month",
        "3",
        code=2,
    )
    assert number in body["error"]
    assert cli.ok("company", "list") == before


def test_good_corporate_number_with_computed_check_digit(cli: Cli, world: World) -> None:
    # base 700110005901 (a real pattern): digits from the right alternate weights 1,2:
    # 1·1 + 0·2 + 9·1 + 5·2 + 0·1 + 0·2 + 0·1 + 1·2 + 1·1 + 0·2 + 0·1 + 7·2 = 37; 37 mod 9 = 1; 9 − 1 = 8
    row = cli.ok(
        "company",
        "add",
        "--name",
        "株式会社チェック",
        "--corporate-number",
        "8700110005901",
        "--fiscal-year-end-month",
        "3",
    )
    assert row["corporate_number"] == "8700110005901"
    bad(
        cli,
        "company",
        "add",
        "--name",
        "株式会社チェック2",
        "--corporate-number",
        "7700110005901",
        "--fiscal-year-end-month",
        "3",
        code=2,
    )


@pytest.mark.parametrize("event", ["approve", "start_negotiation", "agree", "approve_reuse", "APPLY"])
def test_unknown_event_for_the_program(cli: Cli, world: World, event: str) -> None:
    # start_negotiation / agree / approve_reuse are 405 events, unknown to early
    cid = open_early(cli, world)
    doc(cli, cid, "pre_consultation_letter", "2026-04-05")
    body = bad(cli, "case", "advance", cid, event, "--on", "2026-04-10", code=2, today="2026-04-10")
    assert event in body["error"]
    assert show(cli, cid)["state"] == "consultation" and len(history(cli, cid)) == 1


def test_unknown_document_kind(cli: Cli, world: World) -> None:
    cid = open_early(cli, world)
    before = show(cli, cid)
    body = bad(cli, "doc", "add", cid, "invoice", "--on", "2026-04-05", code=2)
    assert "invoice" in body["error"]
    after = show(cli, cid)
    assert after["documents"] == before["documents"] and after["version"] == before["version"]


@pytest.mark.parametrize("lender", ["abc", "{bank}:primary", "{bank}:main:main", ":main", "{bank};main", ""])
def test_lender_syntax(cli: Cli, world: World, lender: str) -> None:
    lender = lender.format(bank=world.bank_main)
    bad(
        cli,
        "case",
        "open",
        "--program",
        "early",
        "--council",
        "13",
        "--company",
        str(world.company),
        "--support-org",
        str(world.tax),
        "--lender",
        lender,
        code=2,
    )
    assert case_count(cli) == 0


def test_non_bank_as_lender(cli: Cli, world: World) -> None:
    body = bad(
        cli,
        "case",
        "open",
        "--program",
        "early",
        "--council",
        "13",
        "--company",
        str(world.company),
        "--support-org",
        str(world.tax),
        "--lender",
        f"{world.tax}:main",
        code=2,
    )
    assert "みなと税理士法人" in body["error"] or str(world.tax) in body["error"]
    assert case_count(cli) == 0


def test_fee_amount_not_a_number(cli: Cli, world: World) -> None:
    cid = open_early(cli, world)
    before = show(cli, cid)
    body = bad(cli, "fee", "claim", cid, "plan", "--fee", "12x", code=2)
    assert "12x" in body["error"]
    after = show(cli, cid)
    assert after["money"] == before["money"] and after["version"] == before["version"]


def test_estimate_amount_not_a_number(cli: Cli, world: World) -> None:
    body = bad(
        cli,
        "case",
        "open",
        "--program",
        "405",
        "--council",
        "13",
        "--company",
        str(world.company),
        "--support-org",
        str(world.tax),
        "--lender",
        f"{world.bank_main}:main",
        "--estimate",
        "plan=12x",
        code=2,
    )
    assert "12x" in body["error"]
    assert case_count(cli) == 0


@pytest.mark.parametrize("amount", ["1,000,000,000", "2147483648", "999999999999"])
def test_amount_too_large(cli: Cli, world: World, amount: str) -> None:
    """A whole number of yen above 999,999,999 is refused as bad input on both databases (PostgreSQL's
    integer columns stop at 2,147,483,647: it used to fail there as a database error)."""
    cid = open_early(cli, world)
    before = show(cli, cid)
    body = bad(cli, "fee", "claim", cid, "plan", "--fee", amount, code=2)
    assert amount in body["error"] and "999,999,999" in body["error"]
    body = bad(cli, "case", "estimate", cid, f"plan={amount}", code=2)
    assert amount in body["error"]
    after = show(cli, cid)
    assert after["money"] == before["money"] and after["version"] == before["version"]
    assert cli.ok("case", "estimate", cid, "plan=999,999,999")  # the largest amount taken


def test_unknown_option(cli: Cli, world: World) -> None:
    bad(cli, "case", "list", "--colour", "red", code=2)


# -- refused by a rule: exit 1 ---------------------------------------------------------------------


def test_event_not_allowed_in_current_state(cli: Cli, world: World) -> None:
    cid = open_early(cli, world)
    body = bad(cli, "case", "advance", cid, "accept", "--on", "2026-04-10", code=1, today="2026-04-10")
    # names the state and the events allowed now (early consultation: apply, withdraw)
    assert "consultation" in body["error"]
    assert "apply" in body["error"] and "withdraw" in body["error"]
    assert cid in body["error"]
    assert show(cli, cid)["state"] == "consultation" and len(history(cli, cid)) == 1


def test_event_not_allowed_in_final_state(cli: Cli, world: World) -> None:
    cid = open_early(cli, world)
    adv(cli, cid, "withdraw", "2026-04-05", "--reason", "取下げ")
    rows = history(cli, cid)
    body = bad(cli, "case", "advance", cid, "apply", "--on", "2026-04-10", code=1, today="2026-04-10")
    assert "withdrawn" in body["error"]
    assert history(cli, cid) == rows


def test_405_event_not_allowed_names_state_and_events(cli: Cli, world: World) -> None:
    from tests.cli.helpers import drive_405

    cid = drive_405(cli, world, "agreed")
    body = bad(
        cli,
        "case",
        "advance",
        cid,
        "extend",
        "--on",
        "2027-01-10",
        "--until",
        "2028-10-31",
        "--reason",
        "x",
        code=1,
        today="2027-01-10",
    )
    assert "agreed" in body["error"]
    for event in ("claim_payment", "withdraw", "lapse"):
        assert event in body["error"]


def test_event_not_allowed_lists_blocked_events_apart_from_the_allowed_ones(cli: Cli, world: World) -> None:
    """405 consultation: approve_reuse (no re-use reason recorded) and apply (plan estimate 3,300,000 >
    450,000 and no schedule chart on file) are events of the state but blocked now; only withdraw may
    happen. The refusal must not call the blocked ones allowed."""
    from tests.cli.helpers import open_405

    cid = open_405(cli, world)
    body = bad(cli, "case", "advance", cid, "accept", "--on", "2026-04-05", code=1, today="2026-04-05")
    assert body["code"] == "event_not_allowed"
    assert "state consultation" in body["error"]
    assert "allowed now: withdraw;" in body["error"]
    assert "blocked now by their conditions: approve_reuse, apply" in body["error"]
    assert body["details"] == ["withdraw"]
    assert show(cli, cid)["state"] == "consultation" and len(history(cli, cid)) == 1


# -- the database itself -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["url", "path"])
def test_sqlite_in_missing_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path, kind: str) -> None:
    target = tmp_path / "no-such-folder" / "cases.db"
    db = f"sqlite:///{target}" if kind == "url" else str(target)
    for args in (
        ["case", "list"],
        ["init"],
        ["company", "add", "--name", "x", "--fiscal-year-end-month", "3"],
    ):
        result = _run(capsys, "--db", db, *args, "--format", "json")
        assert result.code == 2, (args, result)
        assert_one_error_line(result)
        assert_json_error(result)
    assert not target.parent.exists()


def test_postgresql_on_closed_port(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql+psycopg://postgres:s3cret-pw@127.0.0.1:1/nothing"
    for args in (["case", "list"], ["init"]):
        result = _run(capsys, "--db", url, *args, "--format", "json")
        assert result.code == 2, (args, result)
        assert_one_error_line(result)
        assert_json_error(result)
        assert "s3cret-pw" not in result.out + result.err  # never echo a password
        result = _run(capsys, "--db", url, *args)
        assert result.code == 2
        assert_one_error_line(result)
        assert result.out == ""


# Only collected where a PostgreSQL server is configured (CI sets the URL): never a skip.


@requires_postgres
def test_postgresql_database_that_does_not_exist(capsys: pytest.CaptureFixture[str]) -> None:
    from sqlalchemy.engine import make_url

    url = (
        make_url(os.environ[PG_ENV])
        .set(database="casetrack_no_such_db")
        .render_as_string(hide_password=False)
    )
    result = _run(capsys, "--db", url, "case", "list", "--format", "json")
    assert result.code == 2, result
    assert_one_error_line(result)
    assert "casetrack_no_such_db" in assert_json_error(result)["error"]


def test_uninitialised_database(capsys: pytest.CaptureFixture[str], db_url: str) -> None:
    for args in (
        ["case", "list"],
        ["company", "add", "--name", "x", "--fiscal-year-end-month", "3"],
        ["case", "show", "13-2026-0001"],
    ):
        result = _run(capsys, "--db", db_url, "--today", "2026-11-25", *args, "--format", "json")
        assert result.code != 0, args
        line = assert_one_error_line(result)
        assert "casetrack init" in line
        assert "casetrack init" in assert_json_error(result)["error"]
    # after init, nothing had been written
    assert _run(capsys, "--db", db_url, "init").code == 0
    result = _run(capsys, "--db", db_url, "company", "list", "--format", "json")
    assert result.code == 0 and result.out.strip() == "[]"


def test_case_open_with_a_coordinator_of_another_council(cli: Cli, world: World) -> None:
    before = cli.ok("case", "list")
    body = bad(
        cli,
        "case",
        "open",
        "--program",
        "early",
        "--council",
        "27",
        "--company",
        str(world.company),
        "--support-org",
        str(world.tax),
        "--coordinator",
        "sato",
        "--on",
        "2026-04-01",
        code=2,
    )
    assert "sato" in body["error"] and "27" in body["error"]
    assert cli.ok("case", "list") == before
