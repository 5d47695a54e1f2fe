"""Reminder e-mails: the sweep that enqueues every rung whose day has come (once, ever), and the
delivery of the outbox (DOMAIN.md §9). Both are idempotent; one sweeper at a time per database
(a lease row)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from ..calendar import BusinessCalendar
from ..domain import deadlines, labels
from ..domain.dates import add_months
from ..domain.labels import FINDING_CODES
from ..domain.reminders import (
    RungSpec,
    backoff_seconds,
    catch_up,
    due_rungs,
    earliest_lead_days,
    template_for_day,
)
from ..errors import BadInput, Conflict, NotFound, Refused
from ..notify import messages
from ..notify.render import environment, render
from ..notify.senders import PermanentFailure, Sender, TemporaryFailure, make_sender
from ..presenters import moved_because
from ..store.reminders import ReminderRepo
from ..store.repo import Repo, utcnow
from ..workflow.registry import all_workflows
from ..workflow.spec import ReminderItem, WorkflowSpec
from .closures import calendars
from .context import Context
from .filters import OUTBOX_STATUSES, check_choice

LEASE = "sweep"
SESSION_KIND_LABELS = {"interim": "期中", "fye": "決算期", "regular": "定期"}


FAULT_ENV = "CASETRACK_FAULT_INJECT"


def fault(point: str) -> None:
    """Crash-test hook: ``CASETRACK_FAULT_INJECT=<point>[:<n>][:stop]`` kills this process (SIGKILL) the
    n-th time (default 1st) it reaches ``point`` — after_enqueue, after_send (the server said 250, nothing
    committed yet), after_commit, or in_claim (multi-node claims made, not yet committed) — or, with
    ``stop``, freezes it there (SIGSTOP) as an overloaded or paused machine would. Unset in normal use;
    the crash tests set it."""
    spec = os.environ.get(FAULT_ENV)
    if not spec:
        return
    name, _, rest = spec.partition(":")
    if name != point:
        return
    nth, _, how = rest.partition(":")
    _FAULT_HITS[point] = _FAULT_HITS.get(point, 0) + 1
    if _FAULT_HITS[point] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGSTOP if how == "stop" else signal.SIGKILL)


_FAULT_HITS: dict[str, int] = {}


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


@dataclass
class Candidate:
    key: str
    case_id: str
    item: str
    item_ref: str
    rung: str
    due_on: dt.date
    send_on: dt.date
    role: str
    template: str
    context: dict[str, Any]
    to_addr: str | None
    to_name: str | None
    position: int = 0  # the rung's place in its item's list (ties between rungs on one day)

    recipient: str = ""  # the recipient's part of the key (role, or supervisor=NAME)
    key_date: str = ""  # the item's date in the key (an item moved to a new date is a new item)

    @property
    def group(self) -> tuple[str, str, str, str]:
        """The item and recipient this rung belongs to: catch-up sends one message per group."""
        return self.item, self.item_ref, self.recipient or self.role, self.key_date


def _calendar(cals: dict[str | None, BusinessCalendar], council: str) -> BusinessCalendar:
    return cals.get(council) or cals[None]


def _rungs(item: ReminderItem) -> list[RungSpec]:
    return [RungSpec(r.id, r.days, r.months) for r in item.rungs]


def _anchor(spec: WorkflowSpec, kind: str, row: dict[str, Any]) -> dt.date | None:
    return deadlines.item_date(kind, spec.rule_set(row["rule_set"]).values, accepted_on=row["accepted_on"],
                               validity_until=row.get("validity_until"), decided_on=row.get("decided_on"))


def _items(spec: WorkflowSpec, rrepo: ReminderRepo, today: dt.date) -> Iterator[tuple[str, dict[str, Any],
                                                                                      dt.date, dt.date, str]]:
    """(kind, row, anchor, key date, ref) for every open item of ``spec`` that may have a rung due."""
    for kind, item in spec.reminders.items():
        if kind == "session":
            horizon = today + dt.timedelta(days=earliest_lead_days(_rungs(item)) + 15)
            for row in rrepo.open_sessions(spec.program, item.open_in, horizon):
                yield kind, row, row["due_on"], row["nominal_due_on"], f"{row['case_id']}#{row['seq']}"
        else:
            # an item's rungs start at most `lead` days before its date: skip cases whose date is later
            horizon = today + dt.timedelta(days=earliest_lead_days(_rungs(item)) + 15)
            if kind == "holdback":
                months = min(int(r.values.get("holdback_open_warn_months", 0)) for r in spec.rule_sets)
                rows = rrepo.open_holdbacks(spec.program, item.open_in, decided_by=add_months(horizon, -months))
            elif kind == "claim_deadline":
                months = min(int(r.values["claim_deadline_months"]) for r in spec.rule_sets)
                rows = rrepo.cases_in(spec.program, item.open_in, accepted_by=add_months(horizon, -months))
            elif kind == "validity":
                months = min(int(r.values["validity_months"]) for r in spec.rule_sets)
                rows = rrepo.cases_in(spec.program, item.open_in, accepted_by=add_months(horizon, -months),
                                      until_by=horizon)
            else:
                rows = rrepo.cases_in(spec.program, item.open_in)
            for row in rows:
                anchor = _anchor(spec, kind, row)
                if anchor is not None:
                    yield kind, row, anchor, anchor, row["case_id"]


@dataclass(frozen=True)
class Recipient:
    """Who one message goes to: ``key`` tells recipients apart in the outbox key (the role, or
    ``supervisor=NAME`` for each supervisor a coordinator-less case escalates to)."""

    key: str
    role: str
    addr: str | None
    name: str | None


def mailbox(name: str | None, addr: str | None) -> str | None:
    """``表示名 <addr>`` for a header (None without an address)."""
    if not addr:
        return None
    clean = " ".join((name or "").replace("<", " ").replace(">", " ").replace('"', " ").split())
    return f"{clean} <{addr}>" if clean else addr


def recipients(role: str, row: dict[str, Any], supervisors: dict[str, list[dict[str, Any]]]) -> list[Recipient]:
    """The recipients of a rung addressed to ``role`` for the case ``row``. A case without a coordinator
    escalates to its council's supervisors (DOMAIN.md §11); without any, one dead letter says so."""
    if role == "support_org":
        return [Recipient(role, role, row["lead_email"], row["lead_name"])]
    if row["coordinator"]:
        return [Recipient(role, role, row["coordinator_email"], row["coordinator_display"] or row["coordinator"])]
    chosen = [s for s in supervisors.get(row["council"], []) if s["email"]]
    if not chosen:
        return [Recipient(role, role, None, None)]
    return [Recipient(f"supervisor={s['name']}", "supervisor", s["email"], s["display_name"] or s["name"])
            for s in chosen]


def candidates(ctx: Context, rrepo: ReminderRepo, today: dt.date) -> list[Candidate]:
    """Every (item, rung, recipient) whose day has come by ``today``, enqueued or not."""
    cals = calendars(ctx, rrepo)
    supervisors = rrepo.supervisors()
    out = []
    for spec in all_workflows().values():
        for kind, row, anchor, key_date, ref in _items(spec, rrepo, today):
            item = spec.reminders[kind]
            calendar = _calendar(cals, row["council"])
            due = due_rungs(anchor, _rungs(item), today, calendar.is_closed)
            by_id = {r.id: r for r in item.rungs}
            position = {r.id: i for i, r in enumerate(item.rungs)}
            for d in due:
                rung = by_id[d.rung]
                for role in rung.to:
                    for who in recipients(role, row, supervisors):
                        out.append(Candidate(
                            key=f"{kind}:{ref}:{rung.id}:{who.key}:{key_date.isoformat()}", case_id=row["case_id"],
                            item=kind, item_ref=ref, rung=rung.id, due_on=anchor, send_on=d.send_on,
                            role=who.role, template=rung.template,
                            context={"spec": spec, "row": row, "anchor": anchor, "calendar": calendar},
                            to_addr=who.addr, to_name=who.name, position=position[rung.id],
                            recipient=who.key, key_date=key_date.isoformat()))
    return out


@dataclass
class SweepPlan:
    """What one sweep does (DOMAIN.md §11 "Catch-up"): per item and recipient role, the latest rung whose
    day has come is sent (``send``, not in the outbox yet); every earlier one not in the outbox is recorded
    as skipped (``skip``: the candidate and the rung superseding it); earlier ones still pending in the
    outbox are skipped too (``supersede``: key → superseding rung) when the latest is new."""

    send: list[Candidate]
    skip: list[tuple[Candidate, str]]
    supersede: dict[str, str]


def plan_sweep(found: list[Candidate], existing: set[str]) -> SweepPlan:
    groups: dict[tuple[str, str, str, str], list[Candidate]] = {}
    for c in found:
        groups.setdefault(c.group, []).append(c)
    plan = SweepPlan([], [], {})
    for members in groups.values():
        by_rung = {c.rung: c for c in members}
        decision = catch_up((c.rung, c.send_on, c.position) for c in members)
        if decision is None:
            continue
        latest = by_rung[decision.send]
        fresh = latest.key not in existing
        if fresh:
            plan.send.append(latest)
        for rung in decision.superseded:
            earlier = by_rung[rung]
            if earlier.key not in existing:
                plan.skip.append((earlier, latest.rung))
            elif fresh:
                plan.supersede[earlier.key] = latest.rung
    return plan


def superseded_reason(rung: str) -> str:
    return f"superseded by {rung}"


def _render(c: Candidate, today: dt.date, councils: dict[str, dict[str, Any]]) -> tuple[str, str]:
    spec: WorkflowSpec = c.context["spec"]
    row = c.context["row"]
    council = councils.get(row["council"], {})
    rules = spec.rule_set(row["rule_set"]).values
    context = {
        "council": {"name": council.get("name", row["council"]), "short": council.get("name", row["council"]),
                    "address": council.get("address", ""), "phone": council.get("phone", "")},
        "case": {"id": row["case_id"], "company": row["company_name"], "program_label": spec.ja,
                 "track_label": spec.tracks[row["track"]].ja, "state_label": spec.states[row["state"]].ja},
        "recipient": {"name": c.to_name or "ご担当者", "role": c.role},
        "coordinator": {"name": row["coordinator_display"] or row["coordinator"] or "担当コーディネーター",
                        "email": row["coordinator_email"]},
        "today": today,
        "lead": {"name": row["lead_name"] or "—", "email": row["lead_email"]},
        "due_on": c.due_on, "days_left": (c.due_on - today).days, "days_over": (today - c.due_on).days,
        "accepted_on": row["accepted_on"],
        "months": rules.get("claim_deadline_months") if c.item == "claim_deadline"
        else rules.get("holdback_open_warn_months"),
        "session": {"seq": row.get("seq"), "kind_label": SESSION_KIND_LABELS.get(row.get("kind") or "", ""),
                    "nominal_due_on": row.get("nominal_due_on"),
                    "moved": row.get("nominal_due_on") not in (None, row.get("due_on")),
                    "moved_because": moved_because(row["nominal_due_on"], row["due_on"], c.context["calendar"])
                    if c.item == "session" else []},
        "retained": (row.get("retained") or 0) - (row.get("released") or 0), "decided_on": row.get("decided_on"),
    }
    template = template_for_day(c.template, (c.due_on - today).days)
    return messages.split_rendered(environment().get_template(f"email/{template}.txt.j2").render(**context))


def _domain(ctx: Context) -> str:
    return messages.message_domain(ctx.settings.mail.sender)


def reply_to(c: Candidate, ctx: Context) -> str | None:
    """Mail to a support org (or a lender) is answered to the case's coordinator, else to ``[mail]
    reply_to``, else to the sender; staff mail needs no Reply-To."""
    if c.role in ("coordinator", "supervisor"):
        return None
    row = c.context["row"]
    return (mailbox(row["coordinator_display"] or row["coordinator"], row["coordinator_email"])
            or ctx.settings.mail.reply_to or ctx.settings.mail.sender)


def _row(c: Candidate, ctx: Context, now: dt.datetime, **values: Any) -> dict[str, Any]:
    return {"key": c.key, "reply_to": reply_to(c, ctx) if values["status"] != "skipped" else None, "case_id": c.case_id, "item": c.item, "item_ref": c.item_ref, "rung": c.rung,
            "due_on": c.due_on, "send_on": c.send_on, "recipient_role": c.role, "to_addr": c.to_addr,
            "to_name": c.to_name, "message_id": messages.new_message_id("", _domain(ctx)),
            "attempts": 0, "next_attempt_at": now, "created_at": now, "sent_at": None, **values}


@dataclass
class Enqueued:
    """What a sweep enqueued: messages (and digests), rungs skipped as superseded, and — for a dry run —
    the messages and skipped rungs themselves."""

    enqueued: int
    skipped: int
    messages: list[dict[str, Any]]
    skipped_rungs: list[dict[str, Any]]
    dead: int = 0  # enqueued dead: no address to send to


def _preview(c: Candidate, subject: str) -> dict[str, Any]:
    row = c.context["row"]
    return {"case": c.case_id, "company": row["company_name"], "item": c.item, "item_ref": c.item_ref,
            "rung": c.rung, "to": c.to_addr, "recipient_role": c.role, "subject": subject,
            "send_on": c.send_on, "due_on": c.due_on}


def check_mail_settings(ctx: Context) -> None:
    """Refuse to enqueue anything with mail settings no message could go out with (exit 2 naming the key)."""
    from ..notify.addresses import problems

    found = problems(ctx.settings)
    if found:
        raise BadInput("mail settings: " + "; ".join(found), details=found)


def sweep_plan(ctx: Context, today: dt.date, *, dry_run: bool = False) -> Enqueued:
    """One sweep: per item and recipient role, enqueue the latest due rung not enqueued before and record
    the earlier ones as skipped, all in one transaction (nothing written when ``dry_run``)."""
    ctx.authorize("remind.run")
    check_mail_settings(ctx)
    with ctx.read() if dry_run else ctx.write() as repo:
        rrepo = ReminderRepo(repo.conn, ctx.scope)
        found = candidates(ctx, rrepo, today)
        plan = plan_sweep(found, rrepo.existing_keys(c.key for c in found))
        digests = digest_rows(ctx, repo, today)
        councils = rrepo.council_info() if (plan.send or dry_run) else {}
        now = utcnow()
        rows, previews = [], []
        for c in plan.send:
            subject, body = _render(c, today, councils)
            dead = None if c.to_addr else (
                "no e-mail address for the lead support org" if c.role == "support_org"
                else "the case has no coordinator with an e-mail address")
            rows.append(_row(c, ctx, now, subject=subject, body=body, status="dead" if dead else "pending",
                             last_error=dead, written_on=today))
            previews.append(_preview(c, subject))
        skipped = [_row(c, ctx, now, subject="", body="", status="skipped", last_error=superseded_reason(by),
                        written_on=today)
                   for c, by in plan.skip]
        skipped_rungs = [{**_preview(c, ""), "superseded_by": by} for c, by in plan.skip]
        skipped_rungs += [{"key": key, "superseded_by": by, "pending": True} for key, by in plan.supersede.items()]
        previews += [{"case": None, "company": None, "item": "digest", "item_ref": d["item_ref"], "rung": "weekly",
                      "to": d["to_addr"], "recipient_role": "coordinator", "subject": d["subject"],
                      "send_on": d["send_on"], "due_on": d["due_on"]} for d in digests]
        if dry_run:
            return Enqueued(len(rows) + len(digests), len(skipped) + len(plan.supersede), previews, skipped_rungs,
                            sum(r["status"] == "dead" for r in rows + digests))
        enqueued = rrepo.enqueue(rows + digests)
        superseded = rrepo.enqueue(skipped) + rrepo.supersede_pending(
            {key: superseded_reason(by) for key, by in plan.supersede.items()})
    fault("after_enqueue")
    return Enqueued(enqueued, superseded, previews, skipped_rungs, sum(r["status"] == "dead" for r in rows + digests))


def enqueue_due(ctx: Context, today: dt.date, *, dry_run: bool = False) -> int:
    """One sweep's enqueueing (see ``sweep_plan``): how many messages it enqueued (would enqueue)."""
    return sweep_plan(ctx, today, dry_run=dry_run).enqueued


def _still_due(ctx: Context, repo: Repo, row: dict[str, Any]) -> bool:
    """Is the item of an outbox message still open (else the message is dropped, not sent)?"""
    if row["case_id"] is None:
        return True
    case = repo.case(row["case_id"])
    if case is None:
        return False
    spec = all_workflows().get(case["program"])
    item = spec.reminders.get(row["item"]) if spec else None
    if spec is None or item is None or case["state"] not in item.open_in:
        return False
    if row["item"] == "session":
        seq = int(row["item_ref"].rpartition("#")[2])
        return any(s["seq"] == seq and s["status"] == "scheduled" for s in repo.case_sessions(case["id"]))
    if row["item"] == "holdback":
        entries = repo.case_ledger(case["id"])
        retained: int = sum(e["retained"] for e in entries)
        released: int = sum(e["released"] for e in entries)
        return retained > released
    due_on: dt.date | None = row["due_on"]
    return _anchor(spec, row["item"], {**case, "case_id": case["id"]}) == due_on


def deliver(ctx: Context, sender: Sender, now: dt.datetime | None = None, batch: int = 200,
            lease: Lease | None = None, today: dt.date | None = None) -> dict[str, int]:
    """Send every pending message whose time has come; each outcome committed right after its send.

    With a ``lease``, it is renewed as delivery goes on and checked before every send once a quarter
    of its time has passed since the last renewal: a sweep that lost it (outlived it, or was paused
    past it) stops before sending anything the new holder may send."""
    ctx.authorize("remind.run")
    now = now or utcnow()
    counts = {"sent": 0, "failed": 0, "dead": 0, "dropped": 0, "skipped": 0}
    seen: set[int] = set()
    while True:
        with ctx.read() as repo:
            rows = [r for r in ReminderRepo(repo.conn, ctx.scope).due_for_delivery(now, batch) if r["id"] not in seen]
        if not rows:
            return counts
        for row in rows:
            seen.add(row["id"])
            if lease is not None and not lease.still_held():
                counts["lease_lost"] = 1
                return counts
            _deliver_row(ctx, sender, row, now, counts, today=today)


class _Claims:
    """The messages this scheduler has claimed and since when they surely are its own."""

    def __init__(self, ctx: Context, holder: str) -> None:
        self.ctx, self.holder = ctx, holder
        self.ttl = dt.timedelta(seconds=ctx.settings.scheduler.lease_seconds)
        self.mine: set[int] = set()
        self.since = 0.0  # time.monotonic() taken before the claims were last made or extended

    def claim(self, batch: int) -> list[dict[str, Any]]:
        # the claim's clock starts before the claim is made: a process frozen inside the transaction
        # (paused, swapped out) commits claims that may already have lapsed, and must treat them so
        self.since = time.monotonic()
        with self.ctx.write() as repo:
            rows = ReminderRepo(repo.conn, self.ctx.scope).claim(self.holder, utcnow(), utcnow() + self.ttl, batch)
            fault("in_claim")
        self.mine = {r["id"] for r in rows}
        return rows

    def holds(self, outbox_id: int) -> bool:
        """True if the message is surely still ours for at least half the claims' time: claimed or
        extended less than half of it ago (extending them again when not, until an extension is quick)."""
        while time.monotonic() - self.since > self.ttl.total_seconds() / 2:
            self.since = time.monotonic()
            with self.ctx.write() as repo:
                self.mine = ReminderRepo(repo.conn).extend_claims(self.holder, sorted(self.mine),
                                                                  utcnow() + self.ttl)
        return outbox_id in self.mine

    def done(self, outbox_id: int) -> None:
        self.mine.discard(outbox_id)


def deliver_claimed(ctx: Context, sender: Sender, holder: str, now: dt.datetime | None = None,
                    batch: int = 50, today: dt.date | None = None) -> dict[str, int]:
    """Multi-node delivery (PostgreSQL): claim a batch nobody holds (SKIP LOCKED), send it, settle each
    message only while the claim is still ours. Claims last ``lease_seconds``; they are checked right
    before each send and extended once half of that has passed, so a scheduler paused past its claims
    — even between reading a message and sending it — finds them gone and sends nothing more of them.
    What no check can close is a pause during the send itself: the server may take the message while
    its outcome is never committed here, and another scheduler sends it again (``sent_claim_lost``)."""
    ctx.authorize("remind.run")
    now = now or utcnow()
    counts = {"sent": 0, "failed": 0, "dead": 0, "dropped": 0, "skipped": 0}
    claims = _Claims(ctx, holder)
    while True:
        rows = claims.claim(batch)
        if not rows:
            return counts
        for row in rows:
            if claims.holds(row["id"]):
                _deliver_row(ctx, sender, row, now, counts, claimed_by=holder,
                             still_ours=partial(claims.holds, row["id"]), today=today)
            else:
                counts["lost_claims"] = counts.get("lost_claims", 0) + 1
            claims.done(row["id"])


def outdated(row: dict[str, Any], today: dt.date | None) -> str | None:
    """Why a message written for an earlier day may no longer go out (None: it may): it was written while
    its item was still ahead (or due that very day) and the item has passed since — its text would say
    "approaching" or "today" of an overdue item. The next rung tells the truth instead."""
    written = row.get("written_on")
    if today is None or written is None or row["case_id"] is None or written >= today:
        return None
    due = row["due_on"]
    if written <= due < today:
        return f"outdated: written {written.isoformat()} before the item fell due on {due.isoformat()}"
    return None


def _deliver_row(ctx: Context, sender: Sender, row: dict[str, Any], now: dt.datetime, counts: dict[str, int],
                 claimed_by: str | None = None, still_ours: Callable[[], bool] | None = None,
                 today: dt.date | None = None) -> None:
    """Send one message and commit its outcome. With ``claimed_by``, only while the claim is that
    scheduler's: ``still_ours`` is asked right before the send (a claim lost by then: nothing sent),
    and an outcome it can no longer commit is counted apart (``lost_claims``; ``sent_claim_lost`` when
    the server had taken the message: another scheduler sends it too)."""
    def settle(values: dict[str, Any]) -> bool:
        with ctx.write() as repo:
            return ReminderRepo(repo.conn).settle(row["id"], values, claimed_by)

    def lost(key: str = "lost_claims") -> None:
        counts[key] = counts.get(key, 0) + 1

    stale = outdated(row, today)
    if stale is not None:
        if settle({"status": "skipped", "last_error": stale}):
            counts["skipped"] = counts.get("skipped", 0) + 1
        else:
            lost()
        return
    with ctx.read() as repo:
        due = _still_due(ctx, repo, row)
    if not due:
        if settle({"status": "dropped", "last_error": "the item was done before delivery"}):
            counts["dropped"] += 1
        else:
            lost()
        return
    try:
        msg = messages.build(sender=ctx.settings.mail.sender, to_addr=row["to_addr"], to_name=row["to_name"],
                             subject=row["subject"], body=row["body"], message_id=row["message_id"],
                             reply_to=row.get("reply_to"))
    except (ValueError, TypeError, IndexError) as exc:  # an address the mail library cannot write
        if settle({"status": "dead", "attempts": row["attempts"],
                   "last_error": f"cannot build the message: {exc}"}):
            counts["dead"] += 1
        else:
            lost()
        return
    if still_ours is not None and not still_ours():  # lost while it was read and built: not ours to send
        lost()
        return
    try:
        sender.send(msg, f"{row['id']:08d}-{row['item']}-{row['rung']}")
    except PermanentFailure as exc:
        if settle({"status": "dead", "attempts": row["attempts"] + 1, "last_error": exc.reply}):
            counts["dead"] += 1
        else:
            lost()
    except TemporaryFailure as exc:
        attempts = row["attempts"] + 1
        giving_up = (row.get("retried_at") or row["created_at"]) + dt.timedelta(hours=ctx.settings.mail.retry_hours)
        if now >= giving_up:
            done = settle({"status": "dead", "attempts": attempts,
                           "last_error": f"gave up after {attempts} attempts over "
                                         f"{ctx.settings.mail.retry_hours:g} h: {exc.reply}"})
            outcome = "dead"
        else:
            done = settle({"attempts": attempts, "last_error": exc.reply,
                           "next_attempt_at": now + dt.timedelta(seconds=backoff_seconds(attempts))})
            outcome = "failed"
        if done:
            counts[outcome] += 1
        else:
            lost()
    else:
        fault("after_send")
        done = settle({"status": "sent", "attempts": row["attempts"] + 1, "sent_at": utcnow(), "last_error": None})
        fault("after_commit")
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
        started = time.monotonic()  # before the lease's expiry is computed: a freeze mid-take counts against it
        with self.ctx.write() as repo:
            ttl = dt.timedelta(seconds=self.ctx.settings.scheduler.lease_seconds)
            rrepo = ReminderRepo(repo.conn)
            got = rrepo.take_lease(LEASE, self.holder, utcnow(), ttl)
            if not got:
                held = rrepo.lease(LEASE)
                if held is not None and holder_dead_here(held["holder"]):
                    got = rrepo.take_over_lease(LEASE, held["holder"], self.holder, utcnow(), ttl)
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
            ReminderRepo(repo.conn).release_lease(LEASE, self.holder)

    def current(self) -> dict[str, Any] | None:
        with self.ctx.read() as repo:
            return ReminderRepo(repo.conn).lease(LEASE)


def check_multi_node(ctx: Context) -> None:
    if ctx.settings.scheduler.multi_node and ctx.engine.dialect.name != "postgresql":
        raise BadInput("[scheduler] multi_node needs PostgreSQL: SQLite is a single machine's database "
                       "(run one scheduler, or move to PostgreSQL)")


def sweep(ctx: Context, today: dt.date, sender: Sender | None = None, lease: Lease | None = None,
          enqueue: bool = True) -> dict[str, int]:
    """Enqueue what is due as of ``today`` and deliver the outbox (the caller holds ``lease``). In
    multi-node mode the delivery is shared by claims, and only the lease holder enqueues."""
    ctx.authorize("remind.run")
    started = utcnow()
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
        ReminderRepo(repo.conn).record_sweep({
            "holder": lease.holder if lease else "direct", "as_of": today, "started_at": started,
            "finished_at": utcnow(), "enqueued": enqueued, **{k: counts[k] for k in ("sent", "failed", "dead",
                                                                                     "dropped")}})
    counts["skipped"] = counts.get("skipped", 0) + (planned.skipped if planned else 0)
    return {"enqueued": enqueued, **counts}


def remind_run(ctx: Context, *, dry_run: bool = False) -> dict[str, Any]:
    """``casetrack remind run``: one sweep as of ``--today`` under the lease."""
    ctx.authorize("remind.run")
    check_mail_settings(ctx)
    if dry_run:
        plan = sweep_plan(ctx, ctx.today, dry_run=True)
        with ctx.read() as repo:
            pending = ReminderRepo(repo.conn, ctx.scope).pending_count()
        return {"enqueued": plan.enqueued, "sent": 0, "failed": 0, "dropped": 0, "dead": 0, "dry_run": True,
                "pending": pending, "messages": plan.messages, "skipped": plan.skipped_rungs}
    lease = Lease(ctx)
    if not lease.take():
        raise Conflict(lease_refusal(lease.current() or {}))
    try:
        result = sweep(ctx, ctx.today, lease=lease)
    finally:
        lease.release()
    with ctx.read() as repo:
        result["pending"] = ReminderRepo(repo.conn, ctx.scope).pending_count()
    return result


def outbox_retry(ctx: Context, ids: list[int], *, dead: bool = False,
                 since: dt.date | None = None) -> dict[str, Any]:
    """``outbox retry``: put dead messages back to pending — those given by id (each must be dead), or
    with ``dead`` every dead one (with ``since``, those meant to go out on or after that day). Attempts
    and the last error stay; the retry window starts again; the Message-ID is the original. They go at
    the next sweep."""
    ctx.authorize("outbox.retry")
    if bool(ids) == dead:
        raise BadInput("give message ids or --dead (not both)")
    if since is not None and not dead:
        raise BadInput("--since goes with --dead")
    check_mail_settings(ctx)  # a letter put back must be able to go this time
    with ctx.write() as repo:
        rrepo = ReminderRepo(repo.conn, ctx.scope)
        if dead:
            chosen = rrepo.dead_ids(since)
        else:
            found = rrepo.outbox_rows(ids)
            for outbox_id in ids:
                if outbox_id not in found:
                    raise NotFound("outbox message", str(outbox_id))
            alive = [f"{i} is {found[i]['status']}" for i in ids if found[i]["status"] != "dead"]
            if alive:
                raise Refused("only dead messages are retried: " + ", ".join(alive),
                              [f"送信記録 {a}（再試行できるのは dead のみ）" for a in alive])
            chosen = sorted(set(ids))
        retried = rrepo.revive(chosen, utcnow())
    return {"retried": retried, "ids": chosen}


def lease_refusal(held: dict[str, Any]) -> str:
    """Why a sweep could not start: who holds the lease, and when it is taken over if that holder has
    stopped (a holder on this host that has died is taken over at once, so this names a live one or one
    on another host)."""
    host, pid = parse_holder(str(held.get("holder") or ""))
    expires = held.get("expires_at")
    until = expires.strftime("%Y-%m-%d %H:%M:%S UTC") if isinstance(expires, dt.datetime) else str(expires)
    who = f"{held.get('holder')}: host {host}, pid {pid}" if pid is not None else str(held.get("holder"))
    if host == socket.gethostname():
        return (f"another sweep is running on this host ({who}); nothing done — try again when it has finished "
                f"(its lease runs until {until})")
    return (f"another sweep holds this database ({who}); nothing done — if it has stopped, the lease is taken "
            f"over at {until}, when it expires; if it is still running, try again when it has finished")


def outbox_list(ctx: Context, status: str | None) -> list[dict[str, Any]]:
    ctx.authorize("outbox.read")
    check_choice("outbox status", status, OUTBOX_STATUSES, "送信状態")
    with ctx.read() as repo:
        rows = ReminderRepo(repo.conn, ctx.scope).list_outbox(status)
    ctx.log_access("outbox list" + (f" --status {status}" if status else ""), len(rows))
    rungs = _rung_labels()
    return [{**{k: r[k] for k in ("id", "status", "case_id", "item", "item_ref", "rung", "due_on", "send_on",
                                  "recipient_role", "to_addr", "subject", "message_id", "attempts", "last_error",
                                  "created_at", "sent_at")},
             "status_label": labels.label(labels.OUTBOX_STATUS, r["status"]),
             "item_label": labels.label(labels.REMINDER_ITEMS, r["item"]),
             "rung_label": rungs.get((r["item"], r["rung"]), r["rung"]),
             "recipient_role_label": labels.label(labels.RECIPIENT_ROLES, r["recipient_role"])} for r in rows]


def _rung_labels() -> dict[tuple[str, str], str]:
    """(item, rung id) → when it goes out, from the workflow files (the first program naming the pair)."""
    out: dict[tuple[str, str], str] = {}
    for spec in all_workflows().values():
        for item in spec.reminders.values():
            for rung in item.rungs:
                out.setdefault((item.kind, rung.id), labels.rung_label(rung.days, rung.months))
    return out


def digest_rows(ctx: Context, repo: Repo, today: dt.date) -> list[dict[str, Any]]:
    """The weekly digest: one e-mail per coordinator with open cases, once per ISO week, from the
    configured weekday on (a scheduler down that day sends it the next)."""
    from ..store.views import ViewRepo
    from .views import iter_findings, overdue_rules

    settings = ctx.settings.digest
    if not settings.enabled or today.weekday() < settings.weekday:
        return []
    year, week, _ = today.isocalendar()
    week_day = today - dt.timedelta(days=today.weekday() - settings.weekday)
    views = ViewRepo(repo.conn, ctx.scope)
    open_counts: dict[str, int] = {}
    for spec in all_workflows().values():
        for case in views.cases_in_states(spec.open_states, program=spec.program):
            if case["coordinator"]:
                open_counts[case["coordinator"]] = open_counts.get(case["coordinator"], 0) + 1
    if not open_counts:
        return []
    rrepo = ReminderRepo(repo.conn, ctx.scope)
    keys = {name: f"digest:{name}:{year}-W{week:02d}" for name in open_counts}
    existing = rrepo.existing_keys(keys.values())
    todo = [name for name in sorted(open_counts) if keys[name] not in existing]
    if not todo:
        return []
    from ..domain.findings import urgency

    findings: dict[str, list[Any]] = {}
    for f in iter_findings(replace(ctx, today=today), views):
        if f.coordinator:
            findings.setdefault(f.coordinator, []).append(f)
    upcoming = rrepo.sessions_due_between(today, today + dt.timedelta(days=settings.horizon_days), overdue_rules())
    users = {u["name"]: u for u in repo.list_users()}
    listed = sorted({f.case for name in todo for f in findings.get(name, [])})
    companies = {k: v for i in range(0, len(listed), 500) for k, v in views.company_names(listed[i:i + 500]).items()}
    now = utcnow()
    rows = []
    for name in todo:
        user = users.get(name, {})
        mine = sorted(findings.get(name, []), key=urgency)
        text = render("email/weekly_digest.txt.j2", recipient={"name": user.get("display_name") or name, "login": name},
                      today=today, base_url=ctx.settings.web.base_url,
                      week_label=f"{year}年第{week}週", open_cases=open_counts[name], findings=mine,
                      upcoming=[s for s in upcoming if s["coordinator"] == name],
                      horizon_days=settings.horizon_days, companies=companies, codes=FINDING_CODES)
        subject, body = messages.split_rendered(text)
        addr = user.get("email") if user.get("active", True) else None
        rows.append({
            "key": keys[name], "case_id": None, "item": "digest", "item_ref": name, "rung": "weekly",
            "due_on": week_day, "send_on": today, "recipient_role": "coordinator", "to_addr": addr, "to_name": name,
            "subject": subject, "body": body, "message_id": messages.new_message_id(ctx.settings.mail.sender),
            "status": "pending" if addr else "dead", "attempts": 0, "next_attempt_at": now,
            "last_error": None if addr else "the coordinator has no e-mail address or is disabled",
            "created_at": now, "sent_at": None, "written_on": today, "reply_to": None,
        })
    return rows
