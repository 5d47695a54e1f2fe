"""``Repo`` takes and returns what hangs from a case as frozen records (domain/case_rows.py), typed the
same on SQLite and PostgreSQL; another council's case's rows stay out of sight; and a history row or a
ledger entry written from a record hashes to the same bytes as before (tamper evidence, `audit verify`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest

from casetrack.domain import chain
from casetrack.domain.case_rows import (
    CaseAgreement,
    CaseDocument,
    CaseLender,
    CaseSupportOrg,
    FeeClaim,
    HistoryRow,
    LedgerEntry,
    ListedSession,
    MonitoringSession,
    NewHistory,
    NewLedgerEntry,
)
from casetrack.store.db import get_engine, set_council_scope, transaction
from casetrack.store.repo import Repo
from casetrack.store.scope import Scope
from casetrack.store.work import Work
from tests.cli.helpers import drive_405, show
from tests.conftest import Cli, World
from tests.records import assert_frozen, assert_typed

AT = dt.datetime(2026, 11, 25, 9, 30, 15, 123456, tzinfo=dt.UTC)


@pytest.fixture
def case(cli: Cli, world: World, tmp_path: Path) -> str:
    """A 405 case of council 13 in monitoring: lenders, a support org, agreements, documents (one with
    its file), the opening and every event in its history, the decided plan claim with its ledger entry
    (a holdback), a held session and a monitoring claim still open."""
    cid = drive_405(cli, world, "monitoring")
    first = show(cli, cid)["monitoring"][0]
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.4 report")
    held_on = first["due_on"]
    cli.ok(
        "monitoring",
        "record",
        cid,
        str(first["seq"]),
        "--held-on",
        held_on,
        "--note",
        "面談",
        "--report",
        str(tmp_path / "report.pdf"),
        today=held_on,
    )
    cli.ok(
        "fee",
        "claim",
        cid,
        "monitoring",
        "--fee",
        "100000",
        "--session",
        str(first["seq"]),
        "--on",
        held_on,
        today=held_on,
    )
    return cid


def test_a_case_s_rows_come_back_typed_and_frozen(cli: Cli, case: str) -> None:
    with get_engine(cli.db_url).connect() as conn:
        work = Work(conn, scope=Scope(frozenset({"13"})))
        reads: dict[type, list[Any]] = {
            CaseLender: work.case_lenders(case),
            CaseSupportOrg: work.case_support_orgs(case),
            CaseAgreement: work.case_agreements(case),
            CaseDocument: work.case_documents(case),
            HistoryRow: work.case_history(case),
            FeeClaim: work.case_claims(case),
            LedgerEntry: work.case_ledger(case),
            MonitoringSession: work.case_sessions(case),
            ListedSession: work.list_sessions(case_id=case),
        }
        for kind, records in reads.items():
            assert records, kind.__name__
            for record in records:
                assert type(record) is kind
                assert_typed(record)
                assert_frozen(record)
        documents = reads[CaseDocument]
        stored = next(d for d in documents if d.stored)
        assert work.document(case, stored.id) == stored
        assert {d.stored for d in documents} == {True, False}
        assert [h.seq for h in reads[HistoryRow]] == list(range(1, len(reads[HistoryRow]) + 1))
        assert reads[HistoryRow][0].event == "open" and reads[HistoryRow][0].prev_hash == chain.GENESIS
        assert {(c.component, c.status) for c in reads[FeeClaim]} == {
            ("plan", "decided"),
            ("monitoring", "claimed"),
        }
        (entry,) = reads[LedgerEntry]
        assert entry.retained > 0 and entry.paid + entry.retained == entry.subsidy
        held = [s for s in reads[MonitoringSession] if s.status == "held"]
        assert len(held) == 1 and held[0].note == "面談" and isinstance(held[0].held_on, dt.date)
        assert all(s.council == "13" for s in reads[ListedSession])
        assert all(a.position is not None for a in reads[CaseAgreement])
        assert work.history_has_event(case, "agree") and not work.history_has_event(case, "close")


def test_another_council_s_case_s_rows_stay_invisible(cli: Cli, case: str) -> None:
    with get_engine(cli.db_url).connect() as conn:
        work = Work(conn, scope=Scope(frozenset({"27"})))
        document = Work(conn, scope=Scope(frozenset({"13"}))).case_documents(case)[0].id
        assert work.case_lenders(case) == []
        assert work.case_support_orgs(case) == []
        assert work.case_agreements(case) == []
        assert work.case_documents(case) == []
        assert work.document(case, document) is None
        assert work.case_history(case) == []
        assert not work.history_has_event(case, "open")
        assert work.case_claims(case) == []
        assert work.case_ledger(case) == []
        assert work.case_sessions(case) == []
        assert work.list_sessions(case_id=case) == []
        assert all(not s.case_id.startswith("13-") for s in work.list_sessions())


# What the chain hashed for these rows before the repository took records (a dict of the given keys):
# the same bytes, or every database written so far would fail `audit verify`.
HISTORY_CANONICAL = (
    '{"case_id":"%s","effective_on":"2026-11-25","event":"correct","from_state":"monitoring",'
    '"note":"日付の訂正","reason":null,"recorded_at":"2026-11-25T09:30:15.123456Z","rule_set":"%s",'
    '"seq":%d,"to_state":"monitoring","until":null,"user":"tester"}'
)
LEDGER_CANONICAL = (
    '{"case_id":"%s","claim_id":%d,"company_share":50000,"component":"monitoring","eligible":100000,'
    '"fee":100000,"limits":"cap（上限）: 10","on":"2026-11-25","paid":50000,"recorded_at":'
    '"2026-11-25T09:30:15.123456Z","released":0,"retained":0,"subsidy":50000,"user":"tester"}'
)


def test_a_record_written_hashes_as_the_rows_before_it(cli: Cli, case: str) -> None:
    with transaction(get_engine(cli.db_url), write=True) as conn:
        set_council_scope(conn, None)
        repo = Repo(conn, scope=Scope.EVERY)
        row = repo.case(case)
        assert row is not None
        before = repo.case_history(case)
        written = repo.insert_history(
            NewHistory(
                case_id=case,
                event="correct",
                from_state="monitoring",
                to_state="monitoring",
                effective_on=dt.date(2026, 11, 25),
                recorded_at=AT,
                user="tester",
                rule_set=row.rule_set,
                note="日付の訂正",
            )
        )
        claim = next(c for c in repo.case_claims(case) if c.status == "claimed")
        last_entry = repo.case_ledger(case)[-1]
        repo.insert_ledger_entry(
            NewLedgerEntry(
                case_id=case,
                claim_id=claim.id,
                component="monitoring",
                fee=100_000,
                eligible=100_000,
                subsidy=50_000,
                paid=50_000,
                retained=0,
                released=0,
                company_share=50_000,
                limits="cap（上限）: 10",
                on=dt.date(2026, 11, 25),
                recorded_at=AT,
                user="tester",
            )
        )
        history_text = HISTORY_CANONICAL % (case, row.rule_set, len(before) + 1)
        assert written.prev_hash == before[-1].hash and written.seq == len(before) + 1
        assert written.hash == _link(before[-1].hash, history_text)
        (read,) = [h for h in repo.case_history(case) if h.id == written.id]
        assert read == written  # what insert_history returns is the row as stored
        entry = repo.case_ledger(case)[-1]
        ledger_text = LEDGER_CANONICAL % (case, claim.id)
        assert entry.prev_hash == last_entry.hash and entry.hash == _link(last_entry.hash, ledger_text)
        fresh = repo.case(case)
        assert fresh is not None and fresh.history_head == written.hash
        assert fresh.ledger_head == entry.hash
        for rows, fields, head in (
            (repo.case_history(case), chain.HISTORY_FIELDS, written.hash),
            (repo.case_ledger(case), chain.LEDGER_FIELDS, entry.hash),
        ):
            assert chain.verify(rows, fields, head) == []
        corrected = repo.insert_history(dataclasses.replace(_new(written), corrects=written.seq))
        assert f'"corrects":{written.seq}' in chain.canonical(corrected._asdict(), chain.HISTORY_FIELDS)
        assert corrected.hash == chain.link(written.hash or "", corrected._asdict(), chain.HISTORY_FIELDS)


def _new(row: HistoryRow) -> NewHistory:
    names = {f.name for f in dataclasses.fields(NewHistory)}
    return NewHistory(**{k: v for k, v in row._asdict().items() if k in names})


def _link(prev: str | None, text: str) -> str:
    return hashlib.sha256(((prev or "") + "\n" + text).encode("utf-8")).hexdigest()
