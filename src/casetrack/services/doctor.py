"""``casetrack doctor``: is this installation healthy? The database, its schema, the workflows, the last
sweep and the outbox backlog; unhealthy when the scheduler has not swept for three intervals."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ..errors import CasetrackError, NotPermitted
from ..store import migrate
from ..store.db import redact, schema_revision, sqlite_file_missing, transaction
from ..workflow.catalog import all_workflows
from .context import Context


def doctor(ctx: Context) -> dict[str, Any]:
    checks: list[dict[str, Any]] = []

    def check(name: str, ok: bool, detail: str, warning: bool = False) -> None:
        checks.append({"check": name, "ok": ok, "detail": detail, "warning": warning})

    from ..notify.addresses import problems

    mail_problems = problems(ctx.settings)
    check(
        "mail",
        not mail_problems,
        "; ".join(mail_problems)
        if mail_problems
        else f"from {ctx.settings.mail.sender}, transport {ctx.settings.mail.transport}"
        + (
            f" ({ctx.settings.smtp.host}:{ctx.settings.smtp.port}, {ctx.settings.smtp.security})"
            if ctx.settings.mail.transport == "smtp"
            else f" ({ctx.settings.mail.dir})"
        ),
    )

    try:
        specs = all_workflows()
        check(
            "workflows",
            True,
            ", ".join(f"{p} ({len(s.rule_sets)} rule sets)" for p, s in sorted(specs.items())),
        )
    except CasetrackError as exc:
        check("workflows", False, exc.message)
    report: dict[str, Any] = {"database": redact(ctx.db_url)}
    missing = sqlite_file_missing(ctx.db_url)
    try:
        if missing:
            raise CasetrackError(
                f"database file {missing} does not exist (casetrack init creates it)",
                ja=[f"データベースファイル {missing} がありません（casetrack init で作成します）。"],
            )
        with transaction(ctx.engine, write=False) as conn:
            revision = schema_revision(conn)
            check("database", True, f"reachable ({conn.dialect.name})")
        current = revision == migrate.head()
        check(
            "schema",
            current,
            f"revision {revision or 'none'}, latest {migrate.head()}"
            + ("" if current else " — run casetrack init"),
        )
        if current:
            ctx.authorize("system.doctor")  # once the users table is there to say who acts
            with ctx.read() as repo:
                rrepo = repo.reminders
                last = rrepo.last_sweep()
                counts = rrepo.status_counts()
                oldest = rrepo.oldest_pending()
                interval = ctx.settings.scheduler.interval_seconds
                now = ctx.now()
                if last is None:
                    check("scheduler", False, "no sweep has ever run (casetrack scheduler run)")
                else:
                    age = (now - last.finished_at).total_seconds()
                    check(
                        "scheduler",
                        age <= 3 * interval,
                        f"last sweep {last.finished_at:%Y-%m-%d %H:%M:%SZ} ({age:,.0f} s ago, as of "
                        f"{last.as_of}; sent {last.sent}, failed {last.failed}); "
                        f"allowed {3 * interval:,.0f} s (3 intervals)",
                    )
                backlog = counts.get("pending", 0)
                waited = (now - oldest).total_seconds() / 3600 if oldest else 0.0
                dead = counts.get("dead", 0)
                check(
                    "outbox",
                    True,
                    f"pending {backlog}, oldest waiting {waited:.1f} h, dead {dead}, "
                    f"sent {counts.get('sent', 0)}, dropped {counts.get('dropped', 0)}, "
                    f"skipped {counts.get('skipped', 0)}"
                    + (
                        f" — {dead} dead letter(s): casetrack outbox list --status dead, then outbox retry"
                        if dead
                        else ""
                    ),
                    warning=dead > 0,
                )
                lease = rrepo.lease("sweep")
                report["lease"] = {"holder": lease.holder, "expires_at": lease.expires_at} if lease else None
                report["outbox"] = counts
                report["last_sweep"] = asdict(last) if last else None
    except NotPermitted:
        raise  # who acts is not a health finding: exit 5 like every command (an unknown or disabled user)
    except CasetrackError as exc:
        check("database", False, exc.message)
    report["checks"] = checks
    report["ok"] = all(c["ok"] for c in checks)
    report["checked_at"] = ctx.now()
    return report
