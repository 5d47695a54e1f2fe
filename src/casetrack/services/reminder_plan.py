"""Reminder planning (DOMAIN.md §9, §11 "Catch-up"): the open items whose rungs have come, their
recipients, the sweep's decision per item and recipient (send the latest rung, skip the earlier ones)
and the enqueueing of it all in one transaction."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import crash_points
from ..business_days import BusinessCalendar
from ..domain import deadlines
from ..domain.dates import add_months
from ..domain.reminder_records import CouncilContact, DueItem, NewMessage, SkippedRung, Supervisor
from ..domain.reminders import RungSpec, catch_up, due_rungs, earliest_lead_days, template_for_day
from ..errors import BadInput
from ..notify import messages
from ..notify.render import environment
from ..presenters import moved_because
from ..store.reminders import ReminderRepo
from ..workflow.catalog import all_workflows
from ..workflow.spec import ReminderItem, Rung, WorkflowSpec
from .closures import calendars
from .context import Context
from .digest import digest_rows

if TYPE_CHECKING:
    import jinja2

SESSION_KIND_LABELS = {"interim": "期中", "fye": "決算期", "regular": "定期"}


@dataclass(frozen=True, slots=True)
class ItemContext:
    """What the messages of one open item are written from: its program, its row and its council's
    business calendar (shared by every rung and recipient of the item)."""

    spec: WorkflowSpec
    row: DueItem
    calendar: BusinessCalendar


@dataclass(slots=True)
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
    context: ItemContext
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


def _anchor(
    spec: WorkflowSpec,
    kind: str,
    *,
    rule_set: str,
    state_since: dt.date,
    accepted_on: dt.date | None,
    validity_until: dt.date | None,
    decided_on: dt.date | None,
) -> dt.date | None:
    """The date an item's rungs count from: for a decision waiting on the council, since the case entered
    its state; for the others the deadline of DOMAIN.md §9 (None: the case has none yet)."""
    if kind == "decision":
        return state_since
    return deadlines.item_date(
        kind,
        spec.rule_set(rule_set).values,
        accepted_on=accepted_on,
        validity_until=validity_until,
        decided_on=decided_on,
    )


def _items(
    spec: WorkflowSpec, rrepo: ReminderRepo, today: dt.date
) -> Iterator[tuple[str, DueItem, dt.date, dt.date, str]]:
    """(kind, row, anchor, key date, ref) for every open item of ``spec`` that may have a rung due."""
    for kind, item in spec.reminders.items():
        if kind == "session":
            horizon = today + dt.timedelta(days=earliest_lead_days(_rungs(item)) + 15)
            for row in rrepo.open_sessions(spec.program, item.open_in, horizon):
                if row.due_on is not None and row.nominal_due_on is not None:  # a session's row carries them
                    yield kind, row, row.due_on, row.nominal_due_on, f"{row.case_id}#{row.seq}"
        else:
            # an item's rungs start at most `lead` days before its date: skip cases whose date is later
            horizon = today + dt.timedelta(days=earliest_lead_days(_rungs(item)) + 15)
            if kind == "holdback":
                months = min(int(r.values.get("holdback_open_warn_months", 0)) for r in spec.rule_sets)
                rows = rrepo.open_holdbacks(
                    spec.program, item.open_in, decided_by=add_months(horizon, -months)
                )
            elif kind == "claim_deadline":
                months = min(int(r.values["claim_deadline_months"]) for r in spec.rule_sets)
                rows = rrepo.cases_in(spec.program, item.open_in, accepted_by=add_months(horizon, -months))
            elif kind == "validity":
                months = min(int(r.values["validity_months"]) for r in spec.rule_sets)
                rows = rrepo.cases_in(
                    spec.program, item.open_in, accepted_by=add_months(horizon, -months), until_by=horizon
                )
            else:
                rows = rrepo.cases_in(spec.program, item.open_in)
            for row in rows:
                anchor = _anchor(
                    spec,
                    kind,
                    rule_set=row.rule_set,
                    state_since=row.state_since,
                    accepted_on=row.accepted_on,
                    validity_until=row.validity_until,
                    decided_on=row.decided_on,
                )
                if anchor is not None:
                    yield kind, row, anchor, anchor, row.case_id


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


def recipients(role: str, row: DueItem, supervisors: dict[str, list[Supervisor]]) -> list[Recipient]:
    """The recipients of a rung addressed to ``role`` for the case ``row``. A case without a coordinator
    escalates to its council's supervisors (DOMAIN.md §11); without any, one dead letter says so."""
    if role == "support_org":
        return [Recipient(role, role, row.lead_email, row.lead_name)]
    if role == "supervisor":  # the council's supervisors, each their own message (a decision waits on them)
        everyone = [s for s in supervisors.get(row.council, []) if s.email]
        return [
            Recipient(f"supervisor={s.name}", "supervisor", s.email, s.display_name or s.name)
            for s in everyone
        ] or [Recipient("supervisor", "supervisor", None, None)]
    if row.coordinator:
        return [Recipient(role, role, row.coordinator_email, row.coordinator_display or row.coordinator)]
    chosen = [s for s in supervisors.get(row.council, []) if s.email]
    if not chosen:
        return [Recipient(role, role, None, None)]
    return [
        Recipient(f"supervisor={s.name}", "supervisor", s.email, s.display_name or s.name) for s in chosen
    ]


def candidates(ctx: Context, rrepo: ReminderRepo, today: dt.date) -> list[list[Candidate]]:
    """Every (item, rung, recipient) whose day has come by ``today``, enqueued or not, in groups of one
    item and one recipient (``Candidate.group``: what catch-up decides for), each in the item's rung order.

    Built for the first sweep after an import (tens of thousands of items, every rung due): the rung days
    of an item are worked out once per item date and calendar, the recipients once per item and role."""
    cals = calendars(ctx, rrepo)
    supervisors = rrepo.supervisors()
    groups: dict[tuple[str, str, str, str], list[Candidate]] = {}
    due_by_day: dict[tuple[str, str, dt.date, int], list[tuple[Rung, int, dt.date]]] = {}
    for spec in all_workflows().values():
        ladders = {
            kind: (_rungs(item), {r.id: (r, i) for i, r in enumerate(item.rungs)})
            for kind, item in spec.reminders.items()
        }
        for kind, row, anchor, key_date, ref in _items(spec, rrepo, today):
            calendar = _calendar(cals, row.council)
            slot = (spec.program, kind, anchor, id(calendar))
            due = due_by_day.get(slot)
            if due is None:
                specs, by_id = ladders[kind]
                due = due_by_day[slot] = [
                    (*by_id[d.rung], d.send_on) for d in due_rungs(anchor, specs, today, calendar.is_closed)
                ]
            if not due:
                continue
            context = ItemContext(spec, row, calendar)
            day = key_date.isoformat()
            case_id = row.case_id
            whom: dict[str, list[Recipient]] = {}
            for rung, position, send_on in due:
                for role in rung.to:
                    people = whom.get(role)
                    if people is None:
                        people = whom[role] = recipients(role, row, supervisors)
                    for who in people:
                        c = Candidate(
                            f"{kind}:{ref}:{rung.id}:{who.key}:{day}",
                            case_id,
                            kind,
                            ref,
                            rung.id,
                            anchor,
                            send_on,
                            who.role,
                            rung.template,
                            context,
                            who.addr,
                            who.name,
                            position,
                            who.key,
                            day,
                        )
                        members = groups.get((kind, ref, who.key, day))
                        if members is None:
                            groups[(kind, ref, who.key, day)] = [c]
                        else:
                            members.append(c)
    return list(groups.values())


@dataclass
class SweepPlan:
    """What one sweep does (DOMAIN.md §11 "Catch-up"): per item and recipient role, the latest rung whose
    day has come is sent (``send``, not in the outbox yet); every earlier one not in the outbox is recorded
    as skipped (``skip``: the candidate and the rung superseding it); earlier ones still pending in the
    outbox are skipped too (``supersede``: key → superseding rung) when the latest is new."""

    send: list[Candidate]
    skip: list[tuple[Candidate, str]]
    supersede: dict[str, str]


def plan_sweep(groups: Iterable[list[Candidate]], existing: set[str]) -> SweepPlan:
    """The sweep's decision for each group of ``candidates`` (one item, one recipient), given the keys
    already in the outbox."""
    plan = SweepPlan([], [], {})
    for members in groups:
        decision = catch_up((c.rung, c.send_on, c.position) for c in members)
        if decision is None:
            continue
        by_rung = {c.rung: c for c in members}
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


def _render(
    c: Candidate,
    today: dt.date,
    councils: dict[str, CouncilContact],
    templates: dict[str, jinja2.Template] | None = None,
) -> tuple[str, str]:
    """The subject and body of ``c``'s message as of ``today`` (``templates``: the sweep's loaded templates,
    filled as they are first needed)."""
    spec, row = c.context.spec, c.context.row
    council = councils.get(row.council) or CouncilContact(row.council, "", "")
    rules = spec.rule_set(row.rule_set).values
    context = {
        "council": {
            "name": council.name,
            "short": council.name,
            "address": council.address,
            "phone": council.phone,
        },
        "case": {
            "id": row.case_id,
            "company": row.company_name,
            "program_label": spec.ja,
            "track_label": spec.tracks[row.track].ja,
            "state_label": spec.states[row.state].ja,
        },
        "recipient": {"name": c.to_name or "ご担当者", "role": c.role},
        "coordinator": {
            "name": row.coordinator_display or row.coordinator or "担当コーディネーター",
            "email": row.coordinator_email,
        },
        "today": today,
        "lead": {"name": row.lead_name or "—", "email": row.lead_email},
        "due_on": c.due_on,
        "days_left": (c.due_on - today).days,
        "days_over": (today - c.due_on).days,
        "accepted_on": row.accepted_on,
        "months": rules.get("claim_deadline_months")
        if c.item == "claim_deadline"
        else rules.get("holdback_open_warn_months"),
        "session": {
            "seq": row.seq,
            "kind_label": SESSION_KIND_LABELS.get(row.kind or "", ""),
            "nominal_due_on": row.nominal_due_on,
            "moved": row.nominal_due_on not in (None, row.due_on),
            "moved_because": moved_because(row.nominal_due_on, row.due_on, c.context.calendar)
            if c.item == "session" and row.nominal_due_on and row.due_on
            else [],
        },
        "retained": row.retained,
        "decided_on": row.decided_on,
        "decision": _waiting_for(spec, row.state) if c.item == "decision" else "",
    }
    name = f"email/{template_for_day(c.template, (c.due_on - today).days)}.txt.j2"
    if templates is None:
        return messages.split_rendered(environment().get_template(name).render(**context))
    template = templates.get(name)
    if template is None:
        template = templates[name] = environment().get_template(name)
    return messages.split_rendered(template.render(**context))


def _waiting_for(spec: WorkflowSpec, state: str) -> str:
    """The council decisions a case in ``state`` waits for, in Japanese (利用決定・不採択)."""
    from .decisions import waiting_states

    events = waiting_states().get(spec.program, {}).get(state, [])
    return "・".join(spec.events[e].ja for e in events) or "協議会の決定"


def reply_to(c: Candidate, ctx: Context) -> str | None:
    """Mail to a support org (or a lender) is answered to the case's coordinator, else to ``[mail]
    reply_to``, else to the sender; staff mail needs no Reply-To."""
    if c.role in ("coordinator", "supervisor"):
        return None
    row = c.context.row
    return (
        mailbox(row.coordinator_display or row.coordinator, row.coordinator_email)
        or ctx.settings.mail.reply_to
        or ctx.settings.mail.sender
    )


def _message(
    c: Candidate, ctx: Context, today: dt.date, now: dt.datetime, domain: str, subject: str, body: str
) -> NewMessage:
    """The message of ``c`` to enqueue (``domain``: of its Message-ID); dead when it has no address."""
    dead = (
        None
        if c.to_addr
        else (
            "no e-mail address for the lead support org"
            if c.role == "support_org"
            else "the case has no coordinator with an e-mail address"
        )
    )
    return NewMessage(
        key=c.key,
        case_id=c.case_id,
        item=c.item,
        item_ref=c.item_ref,
        rung=c.rung,
        due_on=c.due_on,
        send_on=c.send_on,
        recipient_role=c.role,
        to_addr=c.to_addr,
        to_name=c.to_name,
        subject=subject,
        body=body,
        message_id=messages.new_message_id("", domain),
        status="dead" if dead else "pending",
        last_error=dead,
        reply_to=reply_to(c, ctx),
        written_on=today,
        next_attempt_at=now,
        created_at=now,
    )


def _skipped(skips: list[tuple[Candidate, str]], domain: str) -> list[SkippedRung]:
    reasons: dict[str, str] = {}
    rungs = []
    for c, by in skips:
        reason = reasons.get(by)
        if reason is None:
            reason = reasons[by] = superseded_reason(by)
        rungs.append(
            SkippedRung(
                c.key,
                c.case_id,
                c.item,
                c.item_ref,
                c.rung,
                c.due_on,
                c.send_on,
                c.role,
                c.to_addr,
                c.to_name,
                messages.new_message_id("", domain),
                reason,
            )
        )
    return rungs


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
    row = c.context.row
    return {
        "case": c.case_id,
        "company": row.company_name,
        "item": c.item,
        "item_ref": c.item_ref,
        "rung": c.rung,
        "to": c.to_addr,
        "recipient_role": c.role,
        "subject": subject,
        "send_on": c.send_on,
        "due_on": c.due_on,
    }


def check_mail_settings(ctx: Context) -> None:
    """Refuse to enqueue anything with mail settings no message could go out with (exit 2 naming the key)."""
    from ..notify.addresses import problems

    found = problems(ctx.settings)
    if found:
        raise BadInput(
            "mail settings: " + "; ".join(found),
            details=found,
            ja=["メールの設定に誤りがあります：" + "、".join(getattr(p, "ja", p) for p in found)],
        )


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Cyclic garbage collection paused while a sweep builds its rows: a catch-up makes hundreds of
    thousands of small objects (none in a cycle, all freed by reference counting), which would otherwise
    set off full collections again and again — a tenth of such a sweep's time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def sweep_plan(ctx: Context, today: dt.date, *, dry_run: bool = False) -> Enqueued:
    """One sweep: per item and recipient role, enqueue the latest due rung not enqueued before and record
    the earlier ones as skipped, all in one transaction (nothing written when ``dry_run``)."""
    ctx.authorize("remind.run")
    check_mail_settings(ctx)
    with _no_cycle_collection(), ctx.read() if dry_run else ctx.write() as repo:
        rrepo = repo.reminders
        groups = candidates(ctx, rrepo, today)
        plan = plan_sweep(groups, rrepo.existing_keys(c.key for members in groups for c in members))
        digests = digest_rows(ctx, repo, today)
        councils = rrepo.council_info() if (plan.send or dry_run) else {}
        now = ctx.now()
        domain = messages.message_domain(ctx.settings.mail.sender)
        templates: dict[str, jinja2.Template] = {}
        new: list[NewMessage] = []
        previews = []
        for c in plan.send:
            subject, body = _render(c, today, councils, templates)
            new.append(_message(c, ctx, today, now, domain, subject, body))
            if dry_run:
                previews.append(_preview(c, subject))
        new += digests
        dead_count = sum(m.status == "dead" for m in new)
        if dry_run:
            skipped_rungs = [{**_preview(c, ""), "superseded_by": by} for c, by in plan.skip]
            skipped_rungs += [
                {"key": key, "superseded_by": by, "pending": True} for key, by in plan.supersede.items()
            ]
            previews += [
                {
                    "case": None,
                    "company": None,
                    "item": "digest",
                    "item_ref": d.item_ref,
                    "rung": "weekly",
                    "to": d.to_addr,
                    "recipient_role": "coordinator",
                    "subject": d.subject,
                    "send_on": d.send_on,
                    "due_on": d.due_on,
                }
                for d in digests
            ]
            return Enqueued(
                len(new), len(plan.skip) + len(plan.supersede), previews, skipped_rungs, dead_count
            )
        enqueued = rrepo.enqueue(new)
        superseded = rrepo.enqueue_skipped(_skipped(plan.skip, domain), written_on=today, now=now)
        superseded += rrepo.supersede_pending(
            {key: superseded_reason(by) for key, by in plan.supersede.items()}
        )
    crash_points.reach("after_enqueue")
    return Enqueued(enqueued, superseded, [], [], dead_count)


def enqueue_due(ctx: Context, today: dt.date, *, dry_run: bool = False) -> int:
    """One sweep's enqueueing (see ``sweep_plan``): how many messages it enqueued (would enqueue)."""
    return sweep_plan(ctx, today, dry_run=dry_run).enqueued
