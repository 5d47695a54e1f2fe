"""Delivery of the outbox (DOMAIN.md §9): the sweep lease, sending each pending message and committing
its outcome, retries with back-off, and multi-node claims (PostgreSQL). Idempotent; one sweeper at a
time per database (a lease row), or many sharing the delivery by claims."""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
import uuid
from collections.abc import Callable
from functools import partial

from .. import crash_points
from ..domain.reminder_records import HeldLease, OutboxMessage, Outcome
from ..domain.reminders import backoff_seconds
from ..errors import BadInput
from ..notify import messages
from ..notify.senders import PermanentFailure, Sender, TemporaryFailure
from ..store.repo import Repo
from ..workflow.catalog import all_workflows
from .context import Context
from .reminder_plan import _anchor

LEASE = "sweep"


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def parse_holder(holder: str) -> tuple[str, int | None]:
    """(host, pid) of a lease holder named by ``holder_id``; pid None when it names none."""
    parts = holder.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return holder, None
    return parts[0], int(parts[1])


def holder_dead_here(holder: str) -> bool:
    """True when ``holder`` ran on this host and its process no longer exists. A holder on another host
    (or one whose pid is in use again) is judged by its lease's expiry instead."""
    host, pid = parse_holder(holder)
    if pid is None or host != socket.gethostname() or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # it exists (owned by someone else)
        return False
    return False


def _still_due(repo: Repo, message: OutboxMessage) -> bool:
    """Is the item of an outbox message still open (else the message is dropped, not sent)?"""
    if message.case_id is None:
        return True
    case = repo.case(message.case_id)
    if case is None:
        return False
    spec = all_workflows().get(case.program)
    item = spec.reminders.get(message.item) if spec else None
    if spec is None or item is None or case.state not in item.open_in:
        return False
    if message.item == "session":
        seq = int(message.item_ref.rpartition("#")[2])
        return any(s.seq == seq and s.status == "scheduled" for s in repo.case_sessions(case.id))
    if message.item == "holdback":
        entries = repo.case_ledger(case.id)
        retained = sum(e.retained for e in entries)
        released = sum(e.released for e in entries)
        return retained > released
    return (
        _anchor(
            spec,
            message.item,
            rule_set=case.rule_set,
            state_since=case.state_since,
            accepted_on=case.accepted_on,
            validity_until=case.validity_until,
            decided_on=None,
        )
        == message.due_on
    )


def deliver(
    ctx: Context, sender: Sender, batch: int = 200, lease: Lease | None = None, today: dt.date | None = None
) -> dict[str, int]:
    """Send every pending message whose time has come; each outcome committed right after its send.

    With a ``lease``, it is renewed as delivery goes on and checked before every send once a quarter
    of its time has passed since the last renewal: a sweep that lost it (outlived it, or was paused
    past it) stops before sending anything the new holder may send."""
    ctx.authorize("remind.run")
    now = ctx.now()
    counts = {"sent": 0, "failed": 0, "dead": 0, "dropped": 0, "skipped": 0}
    seen: set[int] = set()
    while True:
        with ctx.read() as repo:
            due = [m for m in repo.reminders.due_for_delivery(now, batch) if m.id not in seen]
        if not due:
            return counts
        for message in due:
            seen.add(message.id)
            if lease is not None and not lease.still_held():
                counts["lease_lost"] = 1
                return counts
            _deliver_one(ctx, sender, message, now, counts, today=today)


class _Claims:
    """The messages this scheduler has claimed and since when they surely are its own."""

    def __init__(self, ctx: Context, holder: str) -> None:
        self.ctx, self.holder = ctx, holder
        self.ttl = dt.timedelta(seconds=ctx.settings.scheduler.lease_seconds)
        self.mine: set[int] = set()
        self.since = 0.0  # time.monotonic() taken before the claims were last made or extended

    def claim(self, batch: int) -> list[OutboxMessage]:
        # the claim's clock starts before the claim is made: a process frozen inside the transaction
        # (paused, swapped out) commits claims that may already have lapsed, and must treat them so
        self.since = time.monotonic()
        with self.ctx.write() as repo:
            now = self.ctx.now()
            claimed = repo.reminders.claim(self.holder, now, now + self.ttl, batch)
            crash_points.reach("in_claim")
        self.mine = {m.id for m in claimed}
        return claimed

    def holds(self, outbox_id: int) -> bool:
        """True if the message is surely still ours for at least half the claims' time: claimed or
        extended less than half of it ago (extending them again when not, until an extension is quick)."""
        while time.monotonic() - self.since > self.ttl.total_seconds() / 2:
            self.since = time.monotonic()
            with self.ctx.write() as repo:
                self.mine = repo.reminders.extend_claims(
                    self.holder, sorted(self.mine), self.ctx.now() + self.ttl
                )
        return outbox_id in self.mine

    def done(self, outbox_id: int) -> None:
        self.mine.discard(outbox_id)


def deliver_claimed(
    ctx: Context, sender: Sender, holder: str, batch: int = 50, today: dt.date | None = None
) -> dict[str, int]:
    """Multi-node delivery (PostgreSQL): claim a batch nobody holds (SKIP LOCKED), send it, settle each
    message only while the claim is still ours. Claims last ``lease_seconds``; they are checked right
    before each send and extended once half of that has passed, so a scheduler paused past its claims
    — even between reading a message and sending it — finds them gone and sends nothing more of them.
    What no check can close is a pause during the send itself: the server may take the message while
    its outcome is never committed here, and another scheduler sends it again (``sent_claim_lost``)."""
    ctx.authorize("remind.run")
    now = ctx.now()
    counts = {"sent": 0, "failed": 0, "dead": 0, "dropped": 0, "skipped": 0}
    claims = _Claims(ctx, holder)
    while True:
        claimed = claims.claim(batch)
        if not claimed:
            return counts
        for message in claimed:
            if claims.holds(message.id):
                _deliver_one(
                    ctx,
                    sender,
                    message,
                    now,
                    counts,
                    claimed_by=holder,
                    still_ours=partial(claims.holds, message.id),
                    today=today,
                )
            else:
                counts["lost_claims"] = counts.get("lost_claims", 0) + 1
            claims.done(message.id)


def outdated(message: OutboxMessage, today: dt.date | None) -> str | None:
    """Why a message written for an earlier day may no longer go out (None: it may): it was written while
    its item was still ahead (or due that very day) and the item has passed since — its text would say
    "approaching" or "today" of an overdue item. The next rung tells the truth instead."""
    written = message.written_on
    if today is None or written is None or message.case_id is None or written >= today:
        return None
    due = message.due_on
    if written <= due < today:
        return f"outdated: written {written.isoformat()} before the item fell due on {due.isoformat()}"
    return None


def _deliver_one(
    ctx: Context,
    sender: Sender,
    message: OutboxMessage,
    now: dt.datetime,
    counts: dict[str, int],
    claimed_by: str | None = None,
    still_ours: Callable[[], bool] | None = None,
    today: dt.date | None = None,
) -> None:
    """Send one message and commit its outcome. With ``claimed_by``, only while the claim is that
    scheduler's: ``still_ours`` is asked right before the send (a claim lost by then: nothing sent),
    and an outcome it can no longer commit is counted apart (``lost_claims``; ``sent_claim_lost`` when
    the server had taken the message: another scheduler sends it too)."""

    def settle(outcome: Outcome) -> bool:
        with ctx.write() as repo:
            return repo.reminders.settle(message.id, outcome, claimed_by)

    def lost(key: str = "lost_claims") -> None:
        counts[key] = counts.get(key, 0) + 1

    stale = outdated(message, today)
    if stale is not None:
        if settle(Outcome("skipped", message.attempts, stale)):
            counts["skipped"] = counts.get("skipped", 0) + 1
        else:
            lost()
        return
    with ctx.read() as repo:
        due = _still_due(repo, message)
    if not due:
        if settle(Outcome("dropped", message.attempts, "the item was done before delivery")):
            counts["dropped"] += 1
        else:
            lost()
        return
    try:
        if message.to_addr is None:
            raise ValueError("no e-mail address")
        msg = messages.build(
            sender=ctx.settings.mail.sender,
            to_addr=message.to_addr,
            to_name=message.to_name,
            subject=message.subject,
            body=message.body,
            message_id=message.message_id,
            date=ctx.now(),
            reply_to=message.reply_to,
        )
    except (ValueError, TypeError, IndexError) as exc:  # an address the mail library cannot write
        if settle(Outcome("dead", message.attempts, f"cannot build the message: {exc}")):
            counts["dead"] += 1
        else:
            lost()
        return
    if still_ours is not None and not still_ours():  # lost while it was read and built: not ours to send
        lost()
        return
    try:
        sender.send(msg, f"{message.id:08d}-{message.item}-{message.rung}")
    except PermanentFailure as exc:
        if settle(Outcome("dead", message.attempts + 1, exc.reply)):
            counts["dead"] += 1
        else:
            lost()
    except TemporaryFailure as exc:
        attempts = message.attempts + 1
        giving_up = (message.retried_at or message.created_at) + dt.timedelta(
            hours=ctx.settings.mail.retry_hours
        )
        if now >= giving_up:
            done = settle(
                Outcome(
                    "dead",
                    attempts,
                    f"gave up after {attempts} attempts over "
                    f"{ctx.settings.mail.retry_hours:g} h: {exc.reply}",
                )
            )
            outcome = "dead"
        else:
            done = settle(
                Outcome(
                    "pending",
                    attempts,
                    exc.reply,
                    next_attempt_at=now + dt.timedelta(seconds=backoff_seconds(attempts)),
                )
            )
            outcome = "failed"
        if done:
            counts[outcome] += 1
        else:
            lost()
    else:
        crash_points.reach("after_send")
        done = settle(Outcome("sent", message.attempts + 1, None, sent_at=ctx.now()))
        crash_points.reach("after_commit")
        if done:
            counts["sent"] += 1
        else:  # the server took it, but the message was no longer ours to settle: sent twice
            lost("sent_claim_lost")


class Lease:
    """The database's sweep lease, held for the duration of one sweep (or renewed by the scheduler)."""

    def __init__(self, ctx: Context, holder: str | None = None) -> None:
        self.ctx = ctx
        self.holder = holder or holder_id()
        self._renewed: float | None = None  # time.monotonic() of the last successful take

    def take(self) -> bool:
        """Take or renew the lease. A lease whose holder ran on this host and is no longer alive is
        taken over at once (a crashed sweep blocks no one for the rest of its lease time)."""
        started = (
            time.monotonic()
        )  # before the lease's expiry is computed: a freeze mid-take counts against it
        with self.ctx.write() as repo:
            ttl = dt.timedelta(seconds=self.ctx.settings.scheduler.lease_seconds)
            rrepo = repo.reminders
            got = rrepo.take_lease(LEASE, self.holder, self.ctx.now(), ttl)
            if not got:
                held = rrepo.lease(LEASE)
                if held is not None and holder_dead_here(held.holder):
                    got = rrepo.take_over_lease(LEASE, held.holder, self.holder, self.ctx.now(), ttl)
        self._renewed = started if got else None
        return got

    def still_held(self) -> bool:
        """True if the lease is surely ours now: renewed within a quarter of its time, or renewed again."""
        quarter = self.ctx.settings.scheduler.lease_seconds / 4
        if self._renewed is not None and time.monotonic() - self._renewed < quarter:
            return True
        return self.take()

    def release(self) -> None:
        with self.ctx.write() as repo:
            repo.reminders.release_lease(LEASE, self.holder)

    def current(self) -> HeldLease | None:
        with self.ctx.read() as repo:
            return repo.reminders.lease(LEASE)


def check_multi_node(ctx: Context) -> None:
    if ctx.settings.scheduler.multi_node and ctx.engine.dialect.name != "postgresql":
        raise BadInput(
            "[scheduler] multi_node needs PostgreSQL: SQLite is a single machine's database "
            "(run one scheduler, or move to PostgreSQL)",
            ja=[
                "[scheduler] multi_node には PostgreSQL が必要です（SQLite は一台のコンピューターのデータベースです）。スケジューラーを一つにするか、PostgreSQL に移してください。"
            ],
        )


def lease_refusal(held: HeldLease | None) -> str:
    """Why a sweep could not start: who holds the lease, and when it is taken over if that holder has
    stopped (a holder on this host that has died is taken over at once, so this names a live one or one
    on another host; None: it was released meanwhile)."""
    holder = held.holder if held else ""
    host, pid = parse_holder(holder)
    until = held.expires_at.strftime("%Y-%m-%d %H:%M:%S UTC") if held else "None"
    who = f"{holder}: host {host}, pid {pid}" if pid is not None else str(holder or None)
    if host == socket.gethostname():
        return (
            f"another sweep is running on this host ({who}); nothing done — try again when it has finished "
            f"(its lease runs until {until})"
        )
    return (
        f"another sweep holds this database ({who}); nothing done — if it has stopped, the lease is taken "
        f"over at {until}, when it expires; if it is still running, try again when it has finished"
    )
