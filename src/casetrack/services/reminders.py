"""Reminder e-mails, the use cases (DOMAIN.md §9): ``remind run`` (one sweep: enqueue what is due,
then deliver the outbox), ``outbox retry`` and ``outbox list``. The parts live beside it: planning and
catch-up in reminder_plan, delivery and the lease in delivery, the weekly digest in digest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from .. import presenters
from ..domain import labels
from ..domain.reminder_records import FinishedSweep, OutboxMessage
from ..errors import BadInput, Conflict, NotFound, Refused
from ..notify.senders import Sender, make_sender
from ..workflow.catalog import all_workflows
from .context import Context
from .delivery import (
    LEASE,
    Lease,
    check_multi_node,
    deliver,
    deliver_claimed,
    holder_id,
    lease_refusal,
)
from .digest import digest_rows
from .filters import OUTBOX_STATUSES, check_choice
from .reminder_plan import (
    SESSION_KIND_LABELS,
    Candidate,
    Enqueued,
    check_mail_settings,
    enqueue_due,
    sweep_plan,
)

__all__ = [
    "LEASE",
    "SESSION_KIND_LABELS",
    "Candidate",
    "Enqueued",
    "Lease",
    "check_mail_settings",
    "check_multi_node",
    "deliver",
    "deliver_claimed",
    "digest_rows",
    "enqueue_due",
    "outbox_list",
    "outbox_retry",
    "remind_run",
    "sweep",
    "sweep_plan",
]


def sweep(
    ctx: Context,
    today: dt.date,
    sender: Sender | None = None,
    lease: Lease | None = None,
    enqueue: bool = True,
) -> dict[str, int]:
    """Enqueue what is due as of ``today`` and deliver the outbox (the caller holds ``lease``). In
    multi-node mode the delivery is shared by claims, and only the lease holder enqueues."""
    ctx.authorize("remind.run")
    started = ctx.now()
    planned = sweep_plan(ctx, today) if enqueue else None
    enqueued = planned.enqueued if planned else 0
    own = sender is None
    sender = sender or make_sender(ctx.settings)
    try:
        if ctx.settings.scheduler.multi_node:
            counts = deliver_claimed(ctx, sender, lease.holder if lease else holder_id(), today=today)
        else:
            counts = deliver(ctx, sender, lease=lease, today=today)
    finally:
        if own:
            sender.close()
    counts["dead"] += planned.dead if planned else 0  # enqueued dead (no address): dead in this sweep too
    with ctx.write() as repo:
        repo.reminders.record_sweep(
            FinishedSweep(
                lease.holder if lease else "direct",
                today,
                started,
                ctx.now(),
                enqueued,
                counts["sent"],
                counts["failed"],
                counts["dead"],
                counts["dropped"],
            )
        )
    counts["skipped"] = counts.get("skipped", 0) + (planned.skipped if planned else 0)
    return {"enqueued": enqueued, **counts}


def remind_run(ctx: Context, *, dry_run: bool = False) -> dict[str, Any]:
    """``casetrack remind run``: one sweep as of ``--today`` under the lease."""
    ctx.authorize("remind.run")
    check_mail_settings(ctx)
    if dry_run:
        plan = sweep_plan(ctx, ctx.today, dry_run=True)
        with ctx.read() as repo:
            pending = repo.reminders.pending_count()
        return {
            "enqueued": plan.enqueued,
            "sent": 0,
            "failed": 0,
            "dropped": 0,
            "dead": 0,
            "dry_run": True,
            "pending": pending,
            "messages": plan.messages,
            "skipped": plan.skipped_rungs,
        }
    lease = Lease(ctx)
    if not lease.take():
        held = lease_refusal(lease.current())
        raise Conflict(
            held,
            ja=[f"別の送信処理が実行中のため、何もしていません。終わってからやり直してください（{held}）。"],
        )
    try:
        result = sweep(ctx, ctx.today, lease=lease)
    finally:
        lease.release()
    with ctx.read() as repo:
        result["pending"] = repo.reminders.pending_count()
    return result


def outbox_retry(
    ctx: Context, ids: list[int], *, dead: bool = False, since: dt.date | None = None
) -> dict[str, Any]:
    """``outbox retry``: put dead messages back to pending — those given by id (each must be dead), or
    with ``dead`` every dead one (with ``since``, those meant to go out on or after that day). Attempts
    and the last error stay; the retry window starts again; the Message-ID is the original. They go at
    the next sweep."""
    ctx.authorize("outbox.retry")
    if bool(ids) == dead:
        raise BadInput(
            "give message ids or --dead (not both)",
            ja=["送信記録の番号か --dead のどちらか一方を指定してください。"],
        )
    if since is not None and not dead:
        raise BadInput("--since goes with --dead", ja=["--since は --dead と一緒に指定します。"])
    check_mail_settings(ctx)  # a letter put back must be able to go this time
    with ctx.write() as repo:
        rrepo = repo.reminders
        if dead:
            chosen = rrepo.dead_ids(since)
        else:
            found = rrepo.statuses(ids)
            for outbox_id in ids:
                if outbox_id not in found:
                    raise NotFound("outbox message", str(outbox_id))
            alive = [f"{i} is {found[i]}" for i in ids if found[i] != "dead"]
            if alive:
                raise Refused(
                    "only dead messages are retried: " + ", ".join(alive),
                    [f"送信記録 {a}（再試行できるのは dead のみ）" for a in alive],
                )
            chosen = sorted(set(ids))
        retried = rrepo.revive(chosen, ctx.now())
    return {"retried": retried, "ids": chosen}


def outbox_list(ctx: Context, status: str | None) -> list[dict[str, Any]]:
    ctx.authorize("outbox.read")
    check_choice("outbox status", status, OUTBOX_STATUSES, "送信状態")
    with ctx.read() as repo:
        listed = repo.reminders.list_outbox(status)
    ctx.log_access("outbox list" + (f" --status {status}" if status else ""), len(listed))
    return outbox_rows(listed)


def outbox_rows(listed: Sequence[OutboxMessage]) -> list[dict[str, Any]]:
    """Messages as `outbox list` gives them, with their labels."""
    rungs = _rung_labels()
    return [presenters.outbox_row(m, rungs.get((m.item, m.rung), m.rung)) for m in listed]


def _rung_labels() -> dict[tuple[str, str], str]:
    """(item, rung id) → when it goes out, from the workflow files (the first program naming the pair)."""
    out: dict[tuple[str, str], str] = {}
    for spec in all_workflows().values():
        for item in spec.reminders.values():
            for rung in item.rungs:
                out.setdefault((item.kind, rung.id), labels.rung_label(rung.days, rung.months))
    return out
