"""Reminder benchmarks: the sweep with nothing due (whole `remind run --dry-run` process), the sweep
enqueuing 10,000 due rungs, and delivery rates (.eml files; SMTP to aiosmtpd on loopback).

    python bench/bench_reminders.py [--cases 2000] [--pg URL]

Cases are seeded in bulk through SQLAlchemy Core (405 cases in monitoring, six sessions each, the
first one overdue by 40 days so all five of its rungs are due).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time

import sqlalchemy as sa
from scratch import scratch_database

from casetrack import services
from casetrack.domain.dates import add_months
from casetrack.services.reminders import deliver, enqueue_due
from casetrack.settings import MailSettings, Settings, SmtpSettings
from casetrack.store import repo as t
from casetrack.store.db import get_engine

D = dt.date.fromisoformat
PLAN = D("2026-01-15")


def seed(url: str, n: int) -> None:
    ctx = services.Context(db_url=url, today=D("2026-01-01"), user="bench")
    services.init_db(ctx)
    engine = get_engine(url)
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(t.orgs),
            [
                {
                    "id": 1,
                    "name": "ベンチ税理士法人",
                    "kind": "tax_accountant",
                    "certified": True,
                    "email": "adviser@example.jp",
                    "is_bank": False,
                }
            ],
        )
        conn.execute(
            sa.insert(t.users),
            [
                {
                    "name": "coord",
                    "council": "13",
                    "email": "coord@example.jp",
                    "role": "coordinator",
                    "active": True,
                    "created_at": now,
                },
                {
                    "name": "bench",
                    "council": "00",
                    "email": None,  # sweeps: an admin
                    "role": "admin",
                    "active": True,
                    "created_at": now,
                },
            ],
        )
        conn.execute(
            sa.insert(t.companies),
            [{"id": i, "name": f"ベンチ{i}株式会社", "fiscal_year_end_month": 3} for i in range(1, n + 1)],
        )
        cases = [
            {
                "id": f"13-2025-{i:06d}",
                "program": "405",
                "track": "regular",
                "council": "13",
                "company_id": i,
                "state": "monitoring",
                "state_since": PLAN,
                "coordinator": "coord",
                "rule_set": "2024-04-01",
                "opened_on": D("2025-04-01"),
                "accepted_on": D("2025-04-20"),
                "plan_date": PLAN,
                "interim_monitoring": False,
                "version": 1,
                "created_at": now,
            }
            for i in range(1, n + 1)
        ]
        conn.execute(sa.insert(t.cases), cases)
        conn.execute(
            sa.insert(t.support),
            [{"case_id": c["id"], "org_id": 1, "lead": True, "position": 0} for c in cases],
        )
        conn.execute(
            sa.insert(t.sessions),
            [
                {
                    "case_id": c["id"],
                    "seq": k,
                    "kind": "regular",
                    "nominal_due_on": add_months(PLAN, 6 * k),
                    "due_on": add_months(PLAN, 6 * k),
                    "status": "scheduled",
                }
                for c in cases
                for k in range(1, 7)
            ],
        )


def timed(label: str, fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    seconds = time.perf_counter() - start
    print(f"{label}: {seconds:.3f} s")
    return seconds


def run(url: str, label: str, cases: int) -> None:
    seed(url, cases)
    env = {**os.environ, "CASETRACK_DB": url}
    cmd = [sys.executable, "-m", "casetrack", "--today", "2026-02-01", "remind", "run", "--dry-run"]
    times = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    print(
        f"[{label}] remind run --dry-run with nothing due ({cases:,} cases in monitoring), whole process: "
        f"{min(times):.2f} s (best of 3)"
    )

    folder = tempfile.mkdtemp()
    settings = Settings(mail=MailSettings(transport="file", dir=folder))
    ctx = services.Context(db_url=url, today=D("2026-08-24"), user="bench", settings=settings)
    # session 1 is due 2026-07-15: on 2026-08-24 (+40 days) its five rungs are due
    count = {}
    seconds = timed(
        f"[{label}] sweep enqueuing the due rungs", lambda: count.setdefault("n", enqueue_due(ctx, ctx.today))
    )
    print(f"[{label}]   enqueued {count['n']:,} rungs ({count['n'] / seconds:,.0f}/s)")
    from aiosmtpd.controller import Controller

    from casetrack.notify.senders import FileSender, SmtpSender
    from casetrack.store.reminders import outbox

    start = time.perf_counter()
    files = deliver(ctx, FileSender(folder))["sent"]
    seconds = time.perf_counter() - start
    print(f"[{label}] delivered {files:,} as .eml files in {seconds:.2f} s = {files / seconds:,.0f}/s")

    with get_engine(url).begin() as conn:  # the same messages once more, over SMTP
        conn.execute(sa.update(outbox).values(status="pending", attempts=0, sent_at=None))

    class Sink:
        received = 0

        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
            Sink.received += 1
            return "250 OK"

    import socket

    with socket.socket() as probe:  # a free loopback port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        sender = SmtpSender(
            Settings(mail=MailSettings(transport="smtp"), smtp=SmtpSettings(host="127.0.0.1", port=port))
        )
        start = time.perf_counter()
        sent = deliver(ctx, sender)["sent"]
        sender.close()
        seconds = time.perf_counter() - start
        print(
            f"[{label}] delivered {sent:,} over SMTP (aiosmtpd on loopback, one connection) in {seconds:.2f} s "
            f"= {sent / seconds:,.0f}/s; the server received {Sink.received:,}"
        )
    finally:
        controller.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=2000, help="cases in monitoring (5 due rungs each)")
    parser.add_argument("--pg", help="also run on this PostgreSQL URL (a fresh schema)")
    args = parser.parse_args()
    with scratch_database(prefix="reminders") as url:
        run(url, "sqlite", args.cases)
    if args.pg:
        with scratch_database(args.pg) as url:
            run(url, "postgresql", args.cases)


if __name__ == "__main__":
    main()
