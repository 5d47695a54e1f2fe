"""``casetrack scheduler run``: APScheduler 3 ticks the sweep; the database keeps every due date.

One static job in a memory job store (no job per due date): each tick takes or renews the
database's sweep lease and, holding it, enqueues what is due and delivers the outbox. A second
scheduler on the same database waits for the lease; when the holder dies the lease expires and the
other takes over. Because a sweep enqueues every rung whose day has come and not yet enqueued, a
scheduler that was down for any length of time sends each missed rung once.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from ..services import Context
from ..services.reminders import Lease, sweep

log = logging.getLogger("casetrack.scheduler")
TOKYO = ZoneInfo("Asia/Tokyo")


class SweepJob:
    def __init__(
        self,
        ctx: Context,
        today: Callable[[], dt.date],
        lease: Lease,
        report: Callable[[dict[str, Any]], None],
    ) -> None:
        self.ctx, self.today, self.lease, self.report = ctx, today, lease, report
        self.holding = False

    def __call__(self) -> None:
        try:
            self.ctx.forget_actor()  # a user disabled meanwhile stops sweeping at the next tick
            self.ctx.authorize("scheduler.run")
            if self.ctx.settings.scheduler.multi_node:  # everyone delivers; the lease holder also enqueues
                leader = self.lease.take()
                counts = sweep(self.ctx, self.today(), lease=self.lease, enqueue=leader)
                self.holding = leader
                self.report(
                    {"event": "swept", "today": self.today().isoformat(), "enqueuer": leader, **counts}
                )
                return
            if not self.lease.take():
                if self.holding:
                    log.warning("lost the sweep lease")
                self.holding = False
                held = self.lease.current()
                self.report(
                    {
                        "event": "waiting",
                        "holder": held.holder if held else None,
                        "until": held.expires_at if held else None,
                    }
                )
                return
            self.holding = True
            counts = sweep(self.ctx, self.today(), lease=self.lease)
            self.lease.take()  # renew after a long sweep
            self.report({"event": "swept", "today": self.today().isoformat(), **counts})
        except Exception as exc:  # a failed tick must not stop the clock; the next one retries
            log.exception("sweep failed")
            self.report({"event": "error", "error": f"{type(exc).__name__}: {exc}"})


def run(
    ctx: Context,
    *,
    interval_seconds: float,
    today: Callable[[], dt.date] | None = None,
    report: Callable[[dict[str, Any]], None] = lambda _: None,
    lease_holder: str | None = None,
) -> None:
    """Block until SIGTERM or SIGINT; sweep every ``interval_seconds``. Each tick sweeps as of ``today()``
    (default: the day in Asia/Tokyo by the context's clock, the same clock its records are written by)."""
    from ..services.reminders import check_mail_settings, check_multi_node

    ctx.authorize("scheduler.run")
    check_multi_node(ctx)
    check_mail_settings(ctx)  # exit 2 naming the key before the first tick, not an error every tick
    today_fn = today or (lambda: ctx.now().astimezone(TOKYO).date())
    lease = Lease(ctx, lease_holder)
    job = SweepJob(ctx, today_fn, lease, report)
    scheduler = BackgroundScheduler(
        timezone=TOKYO,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    scheduler.add_job(
        job,
        IntervalTrigger(seconds=interval_seconds, timezone=TOKYO),
        id="sweep",
        next_run_time=dt.datetime.now(TOKYO),
    )  # the timer runs on the machine's clock
    stopping = threading.Event()

    def stop(signum: int, _frame: Any) -> None:
        # only note it: shutting the scheduler down inside the handler would interrupt its own loop
        # (which may be submitting the next tick) and leave it half torn down
        if not stopping.is_set():
            stopping.set()
            report({"event": "stopping", "signal": signal.Signals(signum).name})

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    report({"event": "started", "holder": lease.holder, "interval_seconds": interval_seconds})
    scheduler.start()
    try:
        while not stopping.wait(0.2):
            pass
    finally:
        scheduler.shutdown(wait=True)  # lets a running sweep finish first
        for s, handler in previous.items():
            signal.signal(s, handler)
        if job.holding:
            lease.release()
        report({"event": "stopped"})
