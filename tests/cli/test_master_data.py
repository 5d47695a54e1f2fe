"""Correcting companies and organisations: `company edit` / `org edit` write one hash-chained change
row per field (`company history` / `org history`), `audit verify` checks them and catches an edit made
behind its back; a new 決算月 re-plans open early sessions; a new adviser e-mail readdresses pending mail."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from casetrack import services
from casetrack.services.reminders import enqueue_due
from casetrack.store.db import get_engine
from tests.cli import helpers as h
from tests.conftest import ADMIN, Cli, World
from tests.notify.helpers import case_in_monitoring


def test_company_edit_writes_one_row_per_changed_field(cli: Cli, world: World) -> None:
    cli.today = "2026-12-01"
    out = cli.ok(
        "company",
        "edit",
        str(world.company),
        "--name",
        "株式会社みどり工房ホールディングス",
        "--email",
        "info@midori.example.jp",
        "--phone",
        "03-1234-5678",
        "--note",
        "登記の変更",
    )
    assert out["name"] == "株式会社みどり工房ホールディングス" and out["email"] == "info@midori.example.jp"
    assert [(c["field"], c["before"], c["after"]) for c in out["changes"]] == [
        ("name", "株式会社みどり工房", "株式会社みどり工房ホールディングス"),
        ("email", None, "info@midori.example.jp"),
        ("phone", None, "03-1234-5678"),
    ]
    history = cli.ok("company", "history", str(world.company))
    assert [(r["seq"], r["field"], r["user"], r["effective_on"], r["note"]) for r in history] == [
        (1, "name", "tester", "2026-12-01", "登記の変更"),
        (2, "email", "tester", "2026-12-01", "登記の変更"),
        (3, "phone", "tester", "2026-12-01", "登記の変更"),
    ]
    assert cli.ok("company", "list")[0]["name"] == "株式会社みどり工房ホールディングス"
    # the same value again, a bad value, an unknown company: refused, nothing written
    for args, code in (
        (["--phone", "03-1234-5678"], 2),
        (["--email", "not-an-address"], 2),
        (["--fiscal-year-end-month", "13"], 2),
        (["--corporate-number", "1234567890123"], 2),
        (["--name", "株式会社\u202eみどり"], 2),
        ([], 2),
    ):
        result = cli("company", "edit", str(world.company), *args)
        assert result.code == code, (args, result.err)
        assert len(result.err.splitlines()) == 1
    assert cli("company", "edit", "999", "--name", "x").code == 4
    assert len(cli.ok("company", "history", str(world.company))) == 3
    assert cli.ok("audit", "verify", user=ADMIN)["ok"] is True


def test_a_name_with_a_bidi_override_is_refused_naming_it(cli: Cli, world: World) -> None:
    result = cli("org", "edit", str(world.tax), "--name", "みなと\u202e税理士")
    assert result.code == 2 and "U+202E" in result.err and "character 4" in result.err


def test_new_fiscal_year_end_month_replans_open_early_sessions(cli: Cli, world: World) -> None:
    # plan date 2026-08-31, 決算月 3: first FYE at least 12 months later 2028-03-31 → due 2028-05-31 (Wed).
    cid = h.drive_early(cli, world, "plan_submitted")
    assert [(s["kind"], s["due_on"]) for s in h.show(cli, cid)["monitoring"]] == [("fye", "2028-05-31")]
    # 決算月 9: 2027-09-30 (≥ 2027-08-31) → due two month-ends later 2027-11-30 (Tue).
    out = cli.ok("company", "edit", str(world.company), "--fiscal-year-end-month", "9")
    assert out["moved"] == [
        {
            "case": cid,
            "seq": 1,
            "kind": "fye",
            "from": "2028-05-31",
            "to": "2027-11-30",
            "nominal_due_on": "2027-11-30",
        }
    ]
    assert [(s["kind"], s["due_on"]) for s in h.show(cli, cid)["monitoring"]] == [("fye", "2027-11-30")]
    table = cli("company", "edit", str(world.company), "--fiscal-year-end-month", "3")
    assert table.code == 0 and cid in table.out and "2027-11-30 → 2028-05-31" in table.out


def test_org_edit_readdresses_pending_mail(cli: Cli, world: World) -> None:
    cid = case_in_monitoring(cli, world)
    ctx = services.Context(
        db_url=cli.db_url, today=dt.date(2027, 4, 6), user=ADMIN
    )  # session 1's 30-day rung
    assert enqueue_due(ctx, ctx.today) > 0

    def pending() -> list[dict[str, object]]:
        return [
            r
            for r in cli.ok("outbox", "list", "--status", "pending", user=ADMIN, today="2027-04-06")
            if r["case_id"] == cid and r["recipient_role"] == "support_org"
        ]

    assert {r["to_addr"] for r in pending()} == {"office@minato-tax.example.jp"}
    out = cli.ok(
        "org",
        "edit",
        str(world.tax),
        "--email",
        "kanri@minato-tax.example.jp",
        "--not-certified",
        today="2027-04-06",
    )
    assert out["mail_readdressed"] == len(pending()) >= 1 and out["certified"] is False
    assert {r["to_addr"] for r in pending()} == {"kanri@minato-tax.example.jp"}
    assert [(r["field"], r["before"], r["after"]) for r in cli.ok("org", "history", str(world.tax))] == [
        ("email", "office@minato-tax.example.jp", "kanri@minato-tax.example.jp"),
        ("certified", "true", "false"),
    ]
    # a bank that lends to a case stays a bank
    assert cli("org", "edit", str(world.bank_main), "--kind", "other").code == 2


def _drop_trigger(conn: sa.Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("DROP TRIGGER master_change_no_update")
    else:
        conn.exec_driver_sql("DROP TRIGGER master_change_append_only ON master_change")


def test_audit_verify_catches_a_change_row_edited_behind_its_back(cli: Cli, world: World) -> None:
    cli.ok("org", "edit", str(world.tax), "--email", "kanri@minato-tax.example.jp")
    cli.ok("org", "edit", str(world.tax), "--phone", "03-0000-0000")
    engine = get_engine(cli.db_url)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
        conn.exec_driver_sql("UPDATE master_change SET after = 'evil@example.jp' WHERE seq = 1")
    with engine.begin() as conn:
        _drop_trigger(conn)
        conn.exec_driver_sql("UPDATE master_change SET after = 'evil@example.jp' WHERE seq = 1")
    result = cli("audit", "verify", "--format", "json", user=ADMIN)
    assert result.code == 1
    broken = result.json["broken"]
    assert {(b["record"], b["table"]) for b in broken} == {(f"organisation {world.tax}", "master_change")}
    assert any("edited" in b["reason"] for b in broken)
