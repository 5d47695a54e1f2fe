"""Reminder planning (DOMAIN.md §9, §11 "Catch-up"): the open items whose rungs have come, their
recipients, the sweep's decision per item and recipient (send the latest rung, skip the earlier ones)
and the enqueueing of it all in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .. import crash_points
from ..calendar import BusinessCalendar
from ..domain import deadlines
from ..domain.dates import add_months
from ..domain.reminders import RungSpec, catch_up, due_rungs, earliest_lead_days, template_for_day
from ..errors import BadInput
from ..notify import messages
from ..notify.render import environment
from ..presenters import moved_because
from ..store.reminders import ReminderRepo
from ..store.repo import utcnow
from ..workflow.registry import all_workflows
from ..workflow.spec import ReminderItem, WorkflowSpec
from .closures import calendars
from .context import Context
from .digest import digest_rows

SESSION_KIND_LABELS = {"interim": "期中", "fye": "決算期", "regular": "定期"}


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
    crash_points.reach("after_enqueue")
    return Enqueued(enqueued, superseded, previews, skipped_rungs, sum(r["status"] == "dead" for r in rows + digests))


def enqueue_due(ctx: Context, today: dt.date, *, dry_run: bool = False) -> int:
    """One sweep's enqueueing (see ``sweep_plan``): how many messages it enqueued (would enqueue)."""
    return sweep_plan(ctx, today, dry_run=dry_run).enqueued
