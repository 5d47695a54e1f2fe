"""A history no one can quietly rewrite: the database refuses UPDATE and DELETE on history and ledger,
and `audit verify` finds every edit, deletion, insertion and reordering made behind its back."""

from __future__ import annotations

import collections
import random

import pytest
import sqlalchemy as sa

from casetrack import services
from casetrack.domain import chain
from casetrack.store.audits import AuditRepo
from casetrack.store.db import get_engine
from casetrack.store.scope import Scope
from tests.conftest import Cli
from tests.services.money_helpers import (
    case_405_agreed,
    claim_and_decide,
    decide_plan,
    hold,
    new_company,
    setup,
)

pytestmark = pytest.mark.usefixtures("set_up_db")  # a set-up database: setup() need not migrate

FIELDS = {"case_history": chain.HISTORY_FIELDS, "ledger_entry": chain.LEDGER_FIELDS}


def _world(db_url: str) -> services.Context:
    ctx, p = setup(db_url)
    for n in range(3):
        cid = case_405_agreed(ctx, p, company=new_company(ctx, n + 10))
        decide_plan(ctx, cid, 3_300_000)
        hold(ctx, cid, 1)
        claim_and_decide(ctx, cid, "monitoring", 150_000, session=1)
    return ctx


def _drop_triggers(conn: sa.Connection) -> None:
    if conn.dialect.name == "sqlite":
        for name in (
            "case_history_no_update",
            "case_history_no_delete",
            "ledger_entry_no_update",
            "ledger_entry_no_delete",
        ):
            conn.exec_driver_sql(f"DROP TRIGGER {name}")
    else:
        for table in ("case_history", "ledger_entry"):
            conn.exec_driver_sql(f"DROP TRIGGER {table}_append_only ON {table}")


def _broken(conn: sa.Connection) -> list[tuple[str, object, str]]:
    return [
        (case, row, reason)
        for table, case, rows, head in AuditRepo(conn, scope=Scope.EVERY).chains(None)
        for row, reason in chain.verify(rows, FIELDS[table], head)
    ]


def test_database_refuses_update_and_delete(db_url: str) -> None:
    _world(db_url)
    engine = get_engine(db_url)
    for sql in (
        "UPDATE case_history SET note = 'x'",
        "DELETE FROM case_history",
        "UPDATE ledger_entry SET paid = paid + 1",
        "DELETE FROM ledger_entry",
    ):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
            conn.exec_driver_sql(sql)
    with engine.connect() as conn:
        assert _broken(conn) == []


def _tamper(conn: sa.Connection, rng: random.Random) -> str:
    table = rng.choice(["case_history", "ledger_entry"])
    ids = [r[0] for r in conn.exec_driver_sql(f"SELECT id FROM {table} ORDER BY id")]
    target = rng.choice(ids)
    kind = rng.choice(["update", "delete", "insert", "reorder"])
    if kind == "update":  # edits that keep the table's own CHECK constraints satisfied
        change = rng.choice(
            [
                "note = '書き換え'",
                "effective_on = '2020-01-01'",
                "\"user\" = 'mallory'",
                "to_state = 'closed'",
                "reason = 'x'",
            ]
            if table == "case_history"
            else [
                "paid = paid + 1, retained = retained - 1",
                "\"user\" = 'mallory'",
                "limits = 'x'",
                "subsidy = subsidy + 1, paid = paid + 1, company_share = company_share - 1",
                "released = released + 5",
            ]
        )
        conn.execute(sa.text(f"UPDATE {table} SET {change} WHERE id = :id"), {"id": target})
    elif kind == "delete":
        conn.execute(sa.text(f"DELETE FROM {table} WHERE id = :id"), {"id": target})
    elif kind == "insert":
        row = dict(
            conn.execute(sa.text(f"SELECT * FROM {table} WHERE id = :id"), {"id": target}).mappings().one()
        )
        row.pop("id")
        if table == "case_history":
            row["seq"] = 99 + rng.randint(0, 1000)
        else:
            claim = conn.execute(sa.text("SELECT max(claim_id) FROM ledger_entry")).scalar()
            extra = conn.execute(
                sa.text(
                    'INSERT INTO fee_claim (case_id, component, fee, status, claimed_on, recorded_at, "user") '
                    "SELECT case_id, component, fee, 'decided', claimed_on, recorded_at, \"user\" FROM fee_claim "
                    "WHERE id = :c RETURNING id"
                ),
                {"c": claim},
            ).scalar()
            row["claim_id"] = extra
        cols = ", ".join(f'"{c}"' for c in row)
        conn.execute(sa.text(f"INSERT INTO {table} ({cols}) VALUES ({', '.join(':' + c for c in row)})"), row)
    else:
        if table == "case_history":
            rows = conn.execute(
                sa.text(
                    "SELECT id, case_id, seq FROM case_history WHERE case_id = "
                    "(SELECT case_id FROM case_history WHERE id = :id) ORDER BY seq"
                ),
                {"id": target},
            ).all()
            a, b = rng.sample(rows, 2)
            conn.execute(sa.text("UPDATE case_history SET seq = -1 WHERE id = :id"), {"id": a.id})
            conn.execute(sa.text("UPDATE case_history SET seq = :s WHERE id = :id"), {"s": a.seq, "id": b.id})
            conn.execute(sa.text("UPDATE case_history SET seq = :s WHERE id = :id"), {"s": b.seq, "id": a.id})
        else:  # the ledger is ordered by id: give an entry a new, later id
            new_id = conn.execute(sa.text("SELECT max(id) + 1 FROM ledger_entry")).scalar()
            first = conn.execute(
                sa.text(
                    "SELECT min(id) FROM ledger_entry WHERE case_id = "
                    "(SELECT case_id FROM ledger_entry WHERE id = :id)"
                ),
                {"id": target},
            ).scalar()
            conn.execute(
                sa.text("UPDATE ledger_entry SET id = :n WHERE id = :id"), {"n": new_id, "id": first}
            )
    return f"{kind} {table} {target}"


def test_every_random_tampering_is_detected(db_url: str) -> None:
    _world(db_url)
    engine = get_engine(db_url)
    rng = random.Random(20261125)
    made: collections.Counter[tuple[str, str]] = collections.Counter()
    with engine.connect() as conn:
        for trial in range(1000):
            tx = conn.begin()
            try:
                _drop_triggers(conn)
                what = _tamper(conn, rng)
                assert _broken(conn), f"trial {trial}: {what} went unnoticed"
                kind, table, _ = what.split()
                made[kind, table] += 1
            finally:
                tx.rollback()  # the next trial starts from the untouched database (triggers included)
        assert _broken(conn) == []
    assert len(made) == 8, made  # update, delete, insert and reorder, on history and on the ledger


def test_audit_verify_command(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    _world(db_url)
    cli = Cli(db_url, capsys)
    clean = cli.ok("audit", "verify")
    assert clean["ok"] is True and clean["checked"] > 0 and clean["broken"] == []
    with get_engine(db_url).begin() as conn:
        _drop_triggers(conn)
        target = conn.exec_driver_sql("SELECT id, case_id FROM case_history ORDER BY id LIMIT 1").one()
        conn.exec_driver_sql(f"UPDATE case_history SET note = 'quietly' WHERE id = {target.id}")
    result = cli("audit", "verify", "--format", "json")
    assert result.code == 1
    assert result.json["ok"] is False
    assert {"case": target.case_id, "table": "case_history", "row": target.id} in [
        {k: b[k] for k in ("case", "table", "row")} for b in result.json["broken"]
    ]
    table = cli("audit", "verify")
    assert table.code == 1 and target.case_id in table.out
