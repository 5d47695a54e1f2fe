"""``whatif``'s reads and `audit verify`'s chain reads return frozen records (domain/whatif_records.py,
domain/chain_records.py), read the same on SQLite and PostgreSQL; a chain record hashes to the very bytes
its row was hashed from when written, and verify still catches a row edited behind its back."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from casetrack.domain import chain
from casetrack.domain.audit_records import AuditCase, OpenHoldback
from casetrack.domain.case_rows import HistoryRow, LedgerEntry
from casetrack.domain.chain_records import Chain
from casetrack.domain.master_records import MasterChange
from casetrack.domain.whatif_records import WhatIfCase, WhatIfClaim, WhatIfCompany, WhatIfSession
from casetrack.store import schema
from casetrack.store.db import get_engine
from casetrack.store.scope import Scope
from casetrack.store.work import Work
from tests.cli.helpers import drive_405
from tests.conftest import ADMIN, Cli, World

FIELDS = {
    "case_history": chain.HISTORY_FIELDS,
    "ledger_entry": chain.LEDGER_FIELDS,
    "master_change": chain.MASTER_FIELDS,
}


def test_whatif_reads_frozen_records(cli: Cli, world: World) -> None:
    case = drive_405(cli, world, "monitoring")
    with get_engine(cli.db_url).connect() as conn:
        reads = Work(conn, scope=Scope(frozenset({"13"}))).whatif
        (mine,) = [c for c in reads.open_cases(["monitoring"], None) if c.id == case]
        assert isinstance(mine, WhatIfCase)
        assert (mine.program, mine.council, mine.state, mine.company_id) == (
            "405",
            "13",
            "monitoring",
            world.company,
        )
        assert mine.plan_date is not None and mine.interim_monitoring is False
        assert mine.audit_case() == AuditCase(
            case,
            "405",
            mine.track,
            "13",
            "monitoring",
            mine.state_since,
            mine.coordinator,
            mine.rule_set,
            mine.accepted_on,
            mine.validity_until,
            mine.plan_date,
        )
        scheduled = [s for s in reads.scheduled_sessions(["monitoring"], None) if s.case_id == case]
        assert scheduled and all(isinstance(s, WhatIfSession) and s.status == "scheduled" for s in scheduled)
        every = list(reads.sessions_of([case]))
        assert sorted(s.seq for s in every) == sorted(s.seq for s in scheduled)
        assert all(isinstance(s.due_on, dt.date) and isinstance(s.nominal_due_on, dt.date) for s in every)
        company = reads.companies([world.company])[world.company]
        assert company == WhatIfCompany("株式会社みどり工房", 3)
        (held,) = [h for h in reads.open_holdbacks(None) if h.id == case]
        assert isinstance(held, OpenHoldback) and held.open > 0 and isinstance(held.decided_on, dt.date)
        claims, estimates = reads.money([case])
        (plan,) = claims[case]
        assert isinstance(plan, WhatIfClaim)
        assert (plan.case_id, plan.component, plan.fee, plan.status) == (case, "plan", 3_300_000, "decided")
        assert plan.subsidy is not None and plan.subsidy > 0 and estimates[case]
        facts = reads.facts([mine], {case})[case]
        assert (facts.id, facts.state, facts.rule_set) == (case, "monitoring", mine.rule_set)
        for record, field in (
            (mine, "state"),
            (scheduled[0], "due_on"),
            (company, "name"),
            (plan, "subsidy"),
        ):
            with pytest.raises(AttributeError):
                setattr(record, field, None)
        outside = Work(conn, scope=Scope(frozenset({"27"}))).whatif
        assert outside.open_cases(["monitoring"], None) == [] and outside.money([case]) == ({}, {})


def _chains(conn: sa.Connection) -> dict[tuple[str, str], Chain]:
    """Every chain, by (table, whose)."""
    audits = Work(conn, scope=Scope.EVERY).audits
    return {(c.table, c.owner): c for c in [*audits.chains(None), *audits.master_chains()]}


def test_verify_reads_frozen_chain_records_hashing_the_bytes_written(cli: Cli, world: World) -> None:
    case = drive_405(cli, world, "monitoring")
    cli.ok("company", "edit", str(world.company), "--representative", "山田 太郎")
    cli.ok("user", "edit", "sato", "--display-name", "佐藤 花子", user=ADMIN)
    with get_engine(cli.db_url).connect() as conn:
        found = _chains(conn)
        history = found["case_history", case]
        ledger = found["ledger_entry", case]
        company = found["master_change", f"company {world.company}"]
        user = found["master_change", "user sato"]
        assert isinstance(history, Chain) and history.links and history.head == history.links[-1].hash
        assert all(isinstance(link, HistoryRow) for link in history.links)
        assert [link.seq for link in history.links] == sorted(link.seq for link in history.links)
        assert ledger.links and all(isinstance(link, LedgerEntry) for link in ledger.links)
        assert ledger.head == ledger.links[-1].hash
        assert company.links and all(isinstance(link, MasterChange) for link in company.links)
        assert company.head == company.links[-1].hash
        assert user.head is None and [link.field for link in user.links] == ["display_name"]
        tables = {
            "case_history": schema.case_history,
            "ledger_entry": schema.ledger_entry,
            "master_change": schema.master_change,
        }
        for found_chain in (history, ledger, company, user):
            fields = FIELDS[found_chain.table]
            assert chain.verify(found_chain.links, fields, found_chain.head) == []
            table = tables[found_chain.table]
            for link in found_chain.links:
                assert set(link.hash_fields()) == set(fields)
                # the row as the store wrote and hashed it (a mapping of its columns) gives the same bytes
                row = dict(conn.execute(sa.select(table).where(table.c.id == link.id)).mappings().one())
                assert chain.canonical(link.hash_fields(), fields) == chain.canonical(row, fields)
                assert (
                    chain.link(link.prev_hash or "", link.hash_fields(), fields) == link.hash == row["hash"]
                )
        with pytest.raises(AttributeError):
            history.links[0].note = "書き換え"  # type: ignore[misc]
        with pytest.raises(AttributeError):
            history.head = None  # type: ignore[misc]


def test_a_chain_record_hashes_as_its_row_did() -> None:
    """The bytes hashed are fixed: a record hashes to what the same row hashed to before records
    (an empty ``corrects`` left out, instants in UTC with microseconds, dates in ISO form)."""
    at = dt.datetime(2026, 11, 25, 0, 30, 15, 123456, tzinfo=dt.UTC)
    row = HistoryRow(
        7, "13-2026-0001", 2, "accept", "applied", "drafting", dt.date(2026, 11, 25), at, "sato", "受理",
        None, None, "R2026", None, chain.GENESIS, None,
    )  # fmt: skip
    assert chain.canonical(row.hash_fields(), chain.HISTORY_FIELDS) == (
        '{"case_id":"13-2026-0001","effective_on":"2026-11-25","event":"accept","from_state":"applied",'
        '"note":"受理","reason":null,"recorded_at":"2026-11-25T00:30:15.123456Z","rule_set":"R2026",'
        '"seq":2,"to_state":"drafting","until":null,"user":"sato"}'
    )
    assert chain.link(chain.GENESIS, row.hash_fields(), chain.HISTORY_FIELDS) == chain.link(
        chain.GENESIS, row._asdict(), chain.HISTORY_FIELDS
    )
    corrected = row._replace(corrects=1)
    assert '"corrects":1' in chain.canonical(corrected.hash_fields(), chain.HISTORY_FIELDS)


def _drop_triggers(conn: sa.Connection) -> None:
    for table in ("case_history", "ledger_entry", "master_change"):
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(f"DROP TRIGGER {table}_no_update")
        else:
            conn.exec_driver_sql(f"DROP TRIGGER {table}_append_only ON {table}")


def test_verify_still_catches_a_tampered_row(cli: Cli, world: World) -> None:
    case = drive_405(cli, world, "monitoring")
    cli.ok("company", "edit", str(world.company), "--representative", "山田 太郎")
    assert cli.ok("audit", "verify", user=ADMIN)["ok"] is True
    with get_engine(cli.db_url).begin() as conn:
        _drop_triggers(conn)
        found = _chains(conn)
        edited = found["case_history", case].links[1].id
        paid = found["ledger_entry", case].links[0].id
        changed = found["master_change", f"company {world.company}"].links[0].id
        conn.exec_driver_sql(f"UPDATE case_history SET note = 'quietly' WHERE id = {edited}")
        conn.exec_driver_sql(f"UPDATE ledger_entry SET \"user\" = 'mallory' WHERE id = {paid}")
        conn.exec_driver_sql(f"UPDATE master_change SET after = '誰か' WHERE id = {changed}")
    with get_engine(cli.db_url).connect() as conn:
        found = _chains(conn)
        for key, row_id in (
            (("case_history", case), edited),
            (("ledger_entry", case), paid),
            (("master_change", f"company {world.company}"), changed),
        ):
            tampered = found[key]
            broken = chain.verify(tampered.links, FIELDS[tampered.table], tampered.head)
            assert broken == [(row_id, "its content does not match its hash (the row was edited)")]
    result = cli("audit", "verify", "--format", "json", user=ADMIN)
    assert result.code == 1 and result.json["ok"] is False
    assert {(b["case"], b.get("record"), b["table"], b["row"]) for b in result.json["broken"]} == {
        (case, None, "case_history", edited),
        (case, None, "ledger_entry", paid),
        (None, f"company {world.company}", "master_change", changed),
    }
