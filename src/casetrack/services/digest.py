"""The weekly digest (DOMAIN.md §9): one e-mail per coordinator with open cases, once per ISO week."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from ..domain.labels import FINDING_CODES
from ..domain.reminder_records import NewMessage
from ..notify import messages
from ..notify.render import render
from ..store.work import Work
from ..workflow.catalog import all_workflows
from .context import Context


def digest_rows(ctx: Context, repo: Work, today: dt.date) -> list[NewMessage]:
    """The weekly digest: one e-mail per coordinator with open cases, once per ISO week, from the
    configured weekday on (a scheduler down that day sends it the next)."""
    from .audits import iter_findings, overdue_rules

    settings = ctx.settings.digest
    if not settings.enabled or today.weekday() < settings.weekday:
        return []
    year, week, _ = today.isocalendar()
    week_day = today - dt.timedelta(days=today.weekday() - settings.weekday)
    audits = repo.audits
    open_counts: dict[str, int] = {}
    for spec in all_workflows().values():
        for case in audits.cases_in_states(spec.open_states, program=spec.program):
            if case.coordinator:
                open_counts[case.coordinator] = open_counts.get(case.coordinator, 0) + 1
    if not open_counts:
        return []
    rrepo = repo.reminders
    keys = {name: f"digest:{name}:{year}-W{week:02d}" for name in open_counts}
    existing = rrepo.existing_keys(keys.values())
    todo = [name for name in sorted(open_counts) if keys[name] not in existing]
    if not todo:
        return []
    from ..domain.findings import urgency

    findings: dict[str, list[Any]] = {}
    for f in iter_findings(replace(ctx, today=today), audits):
        if f.coordinator:
            findings.setdefault(f.coordinator, []).append(f)
    upcoming = rrepo.sessions_due_between(
        today, today + dt.timedelta(days=settings.horizon_days), overdue_rules()
    )
    users = {u.name: u for u in repo.list_users()}
    listed = sorted({f.case for name in todo for f in findings.get(name, [])})
    companies = {
        k: v for i in range(0, len(listed), 500) for k, v in audits.company_names(listed[i : i + 500]).items()
    }
    now = ctx.now()
    rows = []
    for name in todo:
        user = users.get(name)
        mine = sorted(findings.get(name, []), key=urgency)
        text = render(
            "email/weekly_digest.txt.j2",
            recipient={"name": (user.display_name if user else None) or name, "login": name},
            today=today,
            base_url=ctx.settings.web.base_url,
            week_label=f"{year}年第{week}週",
            open_cases=open_counts[name],
            findings=mine,
            upcoming=[s for s in upcoming if s.coordinator == name],
            horizon_days=settings.horizon_days,
            companies=companies,
            codes=FINDING_CODES,
        )
        subject, body = messages.split_rendered(text)
        addr = user.email if user and user.active else None
        rows.append(
            NewMessage(
                key=keys[name],
                case_id=None,
                item="digest",
                item_ref=name,
                rung="weekly",
                due_on=week_day,
                send_on=today,
                recipient_role="coordinator",
                to_addr=addr,
                to_name=name,
                subject=subject,
                body=body,
                message_id=messages.new_message_id(ctx.settings.mail.sender),
                status="pending" if addr else "dead",
                last_error=None if addr else "the coordinator has no e-mail address or is disabled",
                reply_to=None,
                written_on=today,
                next_attempt_at=now,
                created_at=now,
            )
        )
    return rows
