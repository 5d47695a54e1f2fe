"""Several schedulers on one PostgreSQL database share the delivery (claims with SKIP LOCKED):
every due rung is delivered, each once but for the one window SMTP cannot close, also when one
scheduler is killed mid-sweep and another is paused past its claims. SQLite refuses the mode."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import signal
import time
from collections import Counter
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from casetrack import services
from casetrack.domain.reminder_records import OutboxMessage
from casetrack.services import delivery
from casetrack.services.reminders import enqueue_due
from casetrack.settings import SchedulerSettings, Settings
from casetrack.store.db import get_engine
from casetrack.store.reminders import ReminderRepo
from casetrack.testing import faults
from tests.conftest import ADMIN, requires_postgres
from tests.scheduling.helpers import (
    MONITORING_PLAN,
    MONITORING_TODAY,
    Scheduler,
    multi_node_config,
    schedulers,
    seed_monitoring,
    smtp_sink,
    spawn_scheduler,
    wait_until,
)

pytestmark = pytest.mark.xdist_group("processes")  # timing-sensitive: one worker runs them in turn

PLAN = MONITORING_PLAN
TODAY = MONITORING_TODAY  # session 1 due 2026-07-15: its five rungs (−30 … +30 days) are all due
# Catch-up (DOMAIN.md §11): per case two messages go (the adviser's overdue_7, the coordinator's
# escalation_30) and the adviser's three earlier rungs are recorded as skipped.
SENT_PER_CASE, SKIPPED_PER_CASE = 2, 3


def _message_ids(folder: Path) -> list[str]:
    return [
        str(email.message_from_bytes(p.read_bytes(), policy=email.policy.default)["Message-ID"])
        for p in sorted(folder.glob("*.eml"))
    ]


def test_multi_node(db_url: str, tmp_path: Path) -> None:
    if db_url.startswith("sqlite"):
        services.init_db(services.Context(db_url=db_url, today=PLAN, user="x"))
        with smtp_sink(tmp_path / "sink") as port, schedulers() as procs:
            procs.append(
                spawn_scheduler(
                    db_url, today=TODAY, config=multi_node_config(tmp_path, port), log_dir=tmp_path
                )
            )
            assert procs[0].wait(timeout=60) == 2
            err = procs[0].stderr().strip().splitlines()
            assert len(err) == 1 and err[0].startswith("error:") and "PostgreSQL" in err[0]
        return

    cases = 300
    expected = cases * SENT_PER_CASE  # messages; besides them cases * SKIPPED_PER_CASE skipped rows
    seed_monitoring(db_url, cases)
    sink = tmp_path / "sink"
    engine = get_engine(db_url)

    def statuses() -> Counter[str]:
        with engine.connect() as conn:
            return Counter(
                dict(conn.execute(sa.text("SELECT status, count(*) FROM outbox GROUP BY status")).all())
            )

    with smtp_sink(sink, delay=0.004) as port, schedulers() as procs:
        config = multi_node_config(tmp_path, port)
        for name in ("a", "b", "c"):
            procs.append(spawn_scheduler(db_url, today=TODAY, config=config, log_dir=tmp_path, name=name))
        wait_until(lambda: len(list(sink.glob("*.eml"))) >= 200, 90, "the first deliveries")
        procs[0].kill()  # kill -9 mid-sweep
        procs[1].signal(signal.SIGSTOP)  # paused past its claims (lease_seconds = 3)
        time.sleep(5)
        procs[1].signal(signal.SIGCONT)
        wait_until(
            lambda: (
                statuses().get("pending", 0) == 0
                and sum(statuses().values()) == cases * (SENT_PER_CASE + SKIPPED_PER_CASE)
            ),
            120,
            "every rung enqueued and settled",
        )
        time.sleep(1)  # let any last delivery of the resumed process land
        for p in procs[1:]:
            p.signal(signal.SIGTERM)
        assert [p.wait(timeout=60) for p in procs[1:]] == [0, 0]

    ids = _message_ids(sink)
    counts = Counter(ids)
    duplicates = {mid: n for mid, n in counts.items() if n > 1}
    assert len(counts) == expected, f"{expected - len(counts)} rung(s) lost"  # 0 lost
    assert statuses() == Counter({"sent": expected, "skipped": cases * SKIPPED_PER_CASE})
    # the only duplicates allowed: a message sent (250) whose commit a killed or paused process never made;
    # at most one per disturbed process, and with the same Message-ID
    assert len(duplicates) <= 2 and all(n == 2 for n in duplicates.values()), duplicates
    senders = [p for p in procs[1:] if any(e.data.get("sent", 0) > 0 for e in p.of("swept"))]
    assert len(senders) == 2, "both surviving schedulers delivered part of the work"


def test_overlapping_sweeps_enqueue_each_rung_once(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two sweeps that overlap (the first outlived its lease, a second scheduler took it) both read the due
    rungs as not yet enqueued: the one committing second inserts nothing, and its tick does not fail
    (found by bench/bench_multinode.py: a UniqueViolation on outbox.key in the second enqueuer's tick)."""
    seed_monitoring(db_url, 2)
    ctx = services.Context(db_url=db_url, today=dt.date.fromisoformat(TODAY), user=ADMIN)
    assert enqueue_due(ctx, ctx.today) == 2 * SENT_PER_CASE
    # the second read the outbox before the first committed
    monkeypatch.setattr(ReminderRepo, "existing_keys", lambda self, keys: set())
    assert enqueue_due(ctx, ctx.today) == 0
    with get_engine(db_url).connect() as conn:
        assert conn.execute(sa.text("SELECT count(*), count(DISTINCT key) FROM outbox")).one() == (10, 10)


def _stopped(proc: Scheduler) -> bool:
    """True once the process froze itself (state T in /proc)."""
    stat = Path(f"/proc/{proc.proc.pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0] == "T"


@requires_postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_frozen_inside_its_claim(db_url: str, tmp_path: Path) -> None:
    """A scheduler frozen inside its claim transaction (the claims not yet committed) resumes after its
    claims' time has run out: it must treat them as lapsed and win them back before sending, never send
    them while another scheduler claims and sends them too. Frozen outside any send, it may cause no
    duplicate at all."""
    cases = 40
    expected = cases * SENT_PER_CASE
    seed_monitoring(db_url, cases)
    sink = tmp_path / "sink"
    engine = get_engine(db_url)

    def statuses() -> Counter[str]:
        with engine.connect() as conn:
            return Counter(
                dict(conn.execute(sa.text("SELECT status, count(*) FROM outbox GROUP BY status")).all())
            )

    with smtp_sink(sink, delay=0.03) as port, schedulers() as procs:  # 50 messages take 1.5 s or more
        config = multi_node_config(tmp_path, port)
        frozen = spawn_scheduler(
            db_url,
            today=TODAY,
            config=config,
            log_dir=tmp_path,
            name="frozen",
            extra_env={faults.FAULT_ENV: "in_claim:1:stop"},
        )
        procs.append(frozen)
        wait_until(lambda: _stopped(frozen), 60, "the first scheduler to freeze inside its claim")
        procs.append(spawn_scheduler(db_url, today=TODAY, config=config, log_dir=tmp_path, name="other"))
        # the other delivers all but the batch the frozen one has locked
        try:
            wait_until(lambda: statuses().get("sent", 0) >= expected - 50, 90, "the other's deliveries")
        except AssertionError as exc:
            raise AssertionError(
                f"{exc}: {statuses()}; frozen {frozen.kinds()[-4:]} {frozen.stderr()[-500:]}; "
                f"other {procs[1].kinds()[-4:]} {procs[1].stderr()[-800:]}"
            ) from None
        time.sleep(4)  # past lease_seconds = 3: the frozen claims have lapsed
        frozen.signal(signal.SIGCONT)
        wait_until(
            lambda: statuses() == Counter({"sent": expected, "skipped": cases * SKIPPED_PER_CASE}),
            90,
            "every rung settled",
        )
        for p in procs:
            p.signal(signal.SIGTERM)
        codes = [p.wait(timeout=60) for p in procs]
        assert codes == [0, 0], [(c, p.kinds()[-6:], p.stderr()) for c, p in zip(codes, procs, strict=True)]

    counts = Counter(_message_ids(sink))
    assert len(counts) == expected
    assert {mid: n for mid, n in counts.items() if n > 1} == {}


class _Recorder:
    """A sender that keeps the Message-IDs it was given, and may do something while 'sending'."""

    def __init__(self, during: Callable[[EmailMessage], None] = lambda _: None) -> None:
        self.sent: list[str] = []
        self.during = during

    def send(self, msg: EmailMessage, name: str) -> None:
        self.during(msg)
        self.sent.append(str(msg["Message-ID"]))

    def close(self) -> None:
        pass


def _claims_ctx(db_url: str, lease_seconds: float, expected: int = 6) -> services.Context:
    settings = Settings(scheduler=SchedulerSettings(lease_seconds=lease_seconds, multi_node=True))
    ctx = services.Context(db_url=db_url, today=dt.date.fromisoformat(TODAY), user=ADMIN, settings=settings)
    assert enqueue_due(ctx, ctx.today) == expected
    return ctx


def _take_over(db_url: str, outbox_id: int) -> None:
    """What another scheduler does once this one's claim has lapsed: claim the message for itself."""
    with get_engine(db_url).begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE outbox SET claimed_by = 'other', claim_until = now() + interval '1 hour' "
                "WHERE id = :id"
            ),
            {"id": outbox_id},
        )


def _outbox(db_url: str) -> dict[str, tuple[str, str | None]]:
    with get_engine(db_url).connect() as conn:
        return {
            mid: (status, by)
            for mid, status, by in conn.execute(sa.text("SELECT message_id, status, claimed_by FROM outbox"))
        }


@requires_postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_paused_between_reading_and_sending(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A scheduler paused after it checked its claim but before the send (reading whether the item is
    still open, building the message) resumes after another scheduler took the message over: it must
    not send it (found by bench/bench_multinode.py: sent twice, the second copy begun after SIGCONT)."""
    seed_monitoring(db_url, 3)  # six messages
    ctx = _claims_ctx(db_url, lease_seconds=1)
    taken: list[int] = []
    still_due = delivery._still_due

    def paused(repo: Any, message: OutboxMessage) -> bool:
        if not taken:
            taken.append(message.id)
            time.sleep(1.2)  # paused past its claims (lease_seconds = 1) ...
            _take_over(db_url, message.id)  # ... which another scheduler claimed meanwhile
        return still_due(repo, message)

    monkeypatch.setattr(delivery, "_still_due", paused)
    sender = _Recorder()
    counts = delivery.deliver_claimed(ctx, sender, "me")
    outbox = _outbox(db_url)
    lost = [mid for mid, (status, by) in outbox.items() if by == "other"]
    assert len(lost) == 1 and outbox[lost[0]] == ("pending", "other")
    assert lost[0] not in sender.sent and len(sender.sent) == 5
    assert counts["sent"] == 5 and counts["lost_claims"] == 1 and "sent_claim_lost" not in counts


@requires_postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_claim_lost_during_the_send_is_not_counted_as_sent(db_url: str) -> None:
    """Paused during the send itself (the window no check closes), the scheduler finds on resuming that
    the message is another's: it commits nothing, and its counts say so instead of 'sent'."""
    seed_monitoring(db_url, 3)  # six messages
    ctx = _claims_ctx(db_url, lease_seconds=60)
    first: list[str] = []

    def taken_over(msg: EmailMessage) -> None:
        if not first:
            first.append(str(msg["Message-ID"]))
            with get_engine(db_url).connect() as conn:
                outbox_id = conn.execute(
                    sa.text("SELECT id FROM outbox WHERE message_id = :m"), {"m": first[0]}
                ).scalar_one()
            _take_over(db_url, outbox_id)

    sender = _Recorder(taken_over)
    counts = delivery.deliver_claimed(ctx, sender, "me")
    assert len(sender.sent) == 6  # the server took all six
    assert _outbox(db_url)[first[0]] == ("pending", "other")  # the other's to settle
    assert counts["sent"] == 5 and counts["sent_claim_lost"] == 1


@requires_postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_claim_takes_one_batch_whatever_the_plan(db_url: str) -> None:
    """A claim takes at most one batch however PostgreSQL plans it. As ``id IN (SELECT … LIMIT n FOR
    UPDATE SKIP LOCKED)`` a nested-loop semi-join re-ran the subquery for every outbox row, each run
    skipping what the statement had just claimed: one scheduler claimed the whole outbox and the others
    swept empty-handed (found by bench/bench_multinode.py: one scheduler sent 9,350 of 10,000 in one
    sweep while the other two claimed nothing for minutes). The settings below force that plan."""
    seed_monitoring(db_url, 40)
    ctx = _claims_ctx(db_url, lease_seconds=60, expected=40 * SENT_PER_CASE)
    now = dt.datetime.now(dt.UTC)
    with get_engine(db_url).connect() as conn:
        for setting in (
            "enable_hashagg",
            "enable_hashjoin",
            "enable_mergejoin",
            "enable_material",
            "enable_sort",
        ):
            conn.execute(sa.text(f"SET LOCAL {setting} = off"))
        rows = ReminderRepo(conn, scope=ctx.reach).claim("me", now, now + dt.timedelta(minutes=1), 10)
        claimed = conn.execute(sa.text("SELECT count(*) FROM outbox WHERE claimed_by = 'me'")).scalar_one()
        conn.rollback()
    assert len(rows) == 10 and claimed == 10
    assert [r.id for r in rows] == sorted(r.id for r in rows)
