"""Helpers for the scheduler, closure and explicit-schedule tests: settings files, cases driven along
the shipped workflows with hand-chosen dates, real ``scheduler run`` processes, and mail sinks.

Nothing here reads the program's own rules: every expected value in the tests is worked out by hand
from DOMAIN.md §8–§9 (weekdays and holidays checked against a printed calendar).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import email
import email.policy
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from casetrack.testing import faults
from tests.conftest import ADMIN, Cli, World

COUNCIL = "13"
OTHER_COUNCIL = "27"


# -- settings -------------------------------------------------------------------------------------


def write_config(
    folder: Path,
    *,
    mail_dir: Path | None = None,
    lease_seconds: float = 3,
    interval_seconds: float = 0.5,
    smtp_port: int | None = None,
    closures: Sequence[str] = (),
) -> Path:
    """A TOML settings file: file transport into ``mail_dir`` (or SMTP to 127.0.0.1:``smtp_port``)."""
    lines = ["[mail]"]
    if smtp_port is None:
        lines += ['transport = "file"', f'dir = "{mail_dir or folder / "mail"}"']
    else:
        lines += ['transport = "smtp"']
    lines += ['from = "casetrack@council.example.jp"', ""]
    if smtp_port is not None:
        lines += ["[smtp]", 'host = "127.0.0.1"', f"port = {smtp_port}", 'security = "none"', ""]
    lines += ["[scheduler]", f"interval_seconds = {interval_seconds}", f"lease_seconds = {lease_seconds}", ""]
    # only the reminder rungs of DOMAIN.md §9 are counted here: no weekly digest
    lines += ["[digest]", "enabled = false", ""]
    if closures:
        lines += ["[calendar]", "closures = [" + ", ".join(f'"{d}"' for d in closures) + "]", ""]
    path = folder / f"casetrack-{time.monotonic_ns()}.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


# -- cases ----------------------------------------------------------------------------------------


def add_company(cli: Cli, name: str, fye_month: int) -> int:
    """One company per case: a second case of the same company would need a re-use reason (§6)."""
    return int(cli.ok("company", "add", "--name", name, "--fiscal-year-end-month", str(fye_month))["id"])


def adv(cli: Cli, case_id: str, event: str, on: str) -> dict[str, Any]:
    extra = ("--agreement", "*=reschedule") if event == "agree" else ()  # 405: what every lender agreed to
    return cli.ok("case", "advance", case_id, event, "--on", on, *extra, today=on)


def doc(cli: Cli, case_id: str, kind: str, on: str, lender: int | None = None) -> None:
    extra = ["--lender", str(lender)] if lender is not None else []
    cli.ok("doc", "add", case_id, kind, "--on", on, *extra, today=on)


EARLY_STEPS = ["consultation", "applied", "drafting", "plan_submitted", "payment_claimed", "monitoring"]
R405_STEPS = ["consultation", "applied", "drafting", "negotiating", "agreed", "payment_claimed", "monitoring"]


def early_case(
    cli: Cli,
    w: World,
    *,
    company: int,
    dates: dict[str, str],
    target: str = "monitoring",
    interim: bool = False,
    coordinator: str | None = "sato",
) -> str:
    """An early case of council 13 driven to ``target``; ``dates`` has open/apply/accept/submit_plan/
    claim_payment/decide_payment."""
    args = [
        "case",
        "open",
        "--program",
        "early",
        "--council",
        COUNCIL,
        "--company",
        str(company),
        "--support-org",
        str(w.tax),
        "--lender",
        f"{w.bank_main}:main",
        "--on",
        dates["open"],
    ]
    if interim:
        args.append("--interim-monitoring")
    if coordinator:
        args += ["--coordinator", coordinator]
    cid = str(cli.ok(*args, today=dates["open"])["id"])
    steps = EARLY_STEPS[: EARLY_STEPS.index(target) + 1]
    if "applied" in steps:
        doc(cli, cid, "pre_consultation_letter", dates["apply"])
        doc(cli, cid, "application", dates["apply"])
        adv(cli, cid, "apply", dates["apply"])
    if "drafting" in steps:
        adv(cli, cid, "accept", dates["accept"])
    if "plan_submitted" in steps:
        doc(cli, cid, "plan", dates["submit_plan"])
        doc(cli, cid, "bank_receipt", dates["submit_plan"], lender=w.bank_main)
        adv(cli, cid, "submit_plan", dates["submit_plan"])
    if "payment_claimed" in steps:
        on = dates["claim_payment"]
        cli.ok("fee", "claim", cid, "plan", "--fee", "150000", "--on", on, today=on)
        doc(cli, cid, "share_transfer", on)
        adv(cli, cid, "claim_payment", on)
    if "monitoring" in steps:
        adv(cli, cid, "decide_payment", dates["decide_payment"])
    assert show(cli, cid)["state"] == target
    return cid


def r405_case(
    cli: Cli,
    w: World,
    *,
    company: int,
    dates: dict[str, str],
    target: str = "monitoring",
    interval: int | None = None,
    council: str = COUNCIL,
    coordinator: str | None = None,
) -> str:
    """A 405 case driven to ``target``; ``dates`` has open/apply/accept/start_negotiation/agree and, as
    needed, claim_payment/decide_payment. Lenders: main bank, a guaranteed lender, a third bank."""
    args = [
        "case",
        "open",
        "--program",
        "405",
        "--council",
        council,
        "--company",
        str(company),
        "--support-org",
        str(w.tax),
        "--lender",
        f"{w.bank_main}:main",
        "--lender",
        f"{w.bank_second}:guaranteed",
        "--lender",
        str(w.bank_third),
        "--estimate",
        "plan=3300000",
        "--estimate",
        "monitoring=1200000",
        "--on",
        dates["open"],
    ]
    if interval is not None:
        args += ["--monitoring-interval-months", str(interval)]
    if coordinator:
        args += ["--coordinator", coordinator]
    cid = str(cli.ok(*args, today=dates["open"])["id"])
    steps = R405_STEPS[: R405_STEPS.index(target) + 1]
    if "applied" in steps:
        doc(cli, cid, "schedule_chart", dates["apply"])
        doc(cli, cid, "application", dates["apply"])
        adv(cli, cid, "apply", dates["apply"])
    if "drafting" in steps:
        adv(cli, cid, "accept", dates["accept"])
    if "negotiating" in steps:
        doc(cli, cid, "plan", dates["start_negotiation"])
        adv(cli, cid, "start_negotiation", dates["start_negotiation"])
    if "agreed" in steps:
        for lender in (w.bank_main, w.bank_second, w.bank_third):
            doc(cli, cid, "consent_letter", dates["agree"], lender=lender)
        adv(cli, cid, "agree", dates["agree"])
    if "payment_claimed" in steps:
        on = dates["claim_payment"]
        cli.ok("fee", "claim", cid, "plan", "--fee", "3300000", "--on", on, today=on)
        doc(cli, cid, "share_transfer", on)
        adv(cli, cid, "claim_payment", on)
    if "monitoring" in steps:
        adv(cli, cid, "decide_payment", dates["decide_payment"])
    assert show(cli, cid)["state"] == target
    return cid


def show(cli: Cli, case_id: str) -> dict[str, Any]:
    return cli.ok("case", "show", case_id)


def sessions(cli: Cli, case_id: str) -> list[tuple[int, str, str, str]]:
    """(seq, nominal_due_on, due_on, status) of every session of the case."""
    return [
        (s["seq"], s["nominal_due_on"], s["due_on"], s["status"]) for s in show(cli, case_id)["monitoring"]
    ]


def outbox(cli: Cli, config: Path) -> list[dict[str, Any]]:
    return list(cli.ok("--config", str(config), "outbox", "list"))


# -- many cases in monitoring at once (the multi-node tests and bench/bench_multinode.py) ------------

MONITORING_PLAN = dt.date(2026, 1, 15)
MONITORING_TODAY = (
    "2026-08-24"  # session 1 due 2026-07-15 (a Wednesday): its five rungs (−30 … +30 days) are all due
)


def seed_monitoring(url: str, n: int) -> None:
    """``n`` 405 cases in monitoring (plan dated MONITORING_PLAN, six half-yearly sessions), each with a
    lead support org and a coordinator that have e-mail: on MONITORING_TODAY five rungs of each are due."""
    from casetrack import services
    from casetrack.domain.dates import add_months
    from casetrack.store.bulk import load
    from casetrack.store.db import get_engine

    plan = MONITORING_PLAN
    services.init_db(services.Context(db_url=url, today=plan, user="seed"))
    now = dt.datetime.now(dt.UTC)
    cases = [
        {
            "id": f"13-2025-{i:04d}",
            "program": "405",
            "track": "regular",
            "council": "13",
            "company_id": i,
            "state": "monitoring",
            "state_since": plan,
            "coordinator": "coord",
            "rule_set": "2024-04-01",
            "opened_on": dt.date(2025, 4, 1),
            "accepted_on": dt.date(2025, 4, 20),
            "plan_date": plan,
            "validity_until": None,
            "interim_monitoring": False,
            "monitoring_interval_months": None,
            "window_months": None,
            "reuse_reason": None,
            "version": 1,
            "created_at": now,
        }
        for i in range(1, n + 1)
    ]
    load(
        get_engine(url),
        [
            {
                "organisation": [
                    {
                        "id": 1,
                        "name": "税理士法人",
                        "kind": "tax_accountant",
                        "certified": True,
                        "email": "adviser@example.jp",
                        "is_bank": False,
                    }
                ],
                "app_user": [
                    {
                        "name": "coord",
                        "council": "13",
                        "email": "coord@example.jp",
                        "role": "coordinator",
                        "active": True,
                        "created_at": now,
                    },
                    {
                        "name": ADMIN,
                        "council": "00",
                        "email": None,
                        "role": "admin",
                        "active": True,
                        "created_at": now,
                    },
                ],
                "company": [
                    {
                        "id": i,
                        "name": f"株式会社{i}",
                        "corporate_number": None,
                        "fiscal_year_end_month": 3,
                        "founded_on": None,
                        "prefecture": "13",
                    }
                    for i in range(1, n + 1)
                ],
                "cases": cases,
                "case_support_org": [
                    {"case_id": c["id"], "org_id": 1, "lead": True, "position": 0} for c in cases
                ],
                "monitoring_session": [
                    {
                        "case_id": c["id"],
                        "seq": k,
                        "kind": "regular",
                        "nominal_due_on": add_months(plan, 6 * k),
                        "due_on": add_months(plan, 6 * k),
                        "status": "scheduled",
                        "held_on": None,
                        "note": None,
                        "waive_reason": None,
                    }
                    for c in cases
                    for k in range(1, 7)
                ],
            }
        ],
    )


def multi_node_config(
    folder: Path, port: int, *, lease_seconds: float = 3, interval_seconds: float = 0.5
) -> Path:
    """Settings for multi-node schedulers sending over SMTP to 127.0.0.1:``port`` (no weekly digest)."""
    path = folder / "multi.toml"
    path.write_text(
        f'[mail]\ntransport = "smtp"\nfrom = "casetrack@council.example.jp"\n\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\n\n'
        f"[scheduler]\ninterval_seconds = {interval_seconds}\nlease_seconds = {lease_seconds}\n"
        f"multi_node = true\n\n[digest]\nenabled = false\n",
        encoding="utf-8",
    )
    return path


# -- mail -----------------------------------------------------------------------------------------


def eml_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.eml")) if folder.is_dir() else []


def parse_eml(path: Path) -> EmailMessage:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def message_ids(folder: Path) -> list[str]:
    return [str(parse_eml(p)["Message-ID"]) for p in eml_files(folder)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SinkHandler:
    """Keeps every DATA it accepts as its own numbered .eml file: a message delivered twice is two files
    (the file transport would overwrite the same file name and hide the duplicate)."""

    def __init__(self, folder: Path, delay: float = 0.0) -> None:
        self.folder = folder
        self.delay = delay
        self.lock = threading.Lock()
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd API)
        if self.delay:
            await asyncio.sleep(self.delay)  # a slow server: the reply to DATA comes late
        with self.lock:
            self.count += 1
            n = self.count
        self.folder.mkdir(parents=True, exist_ok=True)
        content = envelope.original_content or envelope.content
        (self.folder / f"{n:05d}.eml").write_bytes(
            content if isinstance(content, bytes) else content.encode()
        )
        return "250 OK"


@contextmanager
def smtp_sink(folder: Path, delay: float = 0.0, handler: SinkHandler | None = None) -> Iterator[int]:
    """A real SMTP server (aiosmtpd) on a free loopback port, answering each DATA after ``delay``
    seconds (or as ``handler`` does: a ``SinkHandler`` that also watches what arrives); yields the port."""
    from aiosmtpd.controller import Controller

    port = free_port()
    controller = Controller(
        handler or SinkHandler(folder, delay), hostname="127.0.0.1", port=port, loop=asyncio.new_event_loop()
    )
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


# -- scheduler processes --------------------------------------------------------------------------


@dataclass
class Event:
    at: float  # time.monotonic() when the line was read
    data: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.data.get("event"))


@dataclass
class Scheduler:
    """One real ``python -m casetrack … scheduler run`` process and the JSON lines it printed."""

    proc: subprocess.Popen[str]
    stderr_path: Path
    reader: threading.Thread | None = None
    events: list[Event] = field(default_factory=list)
    junk: list[str] = field(default_factory=list)  # stdout lines that are not JSON objects
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                data = json.loads(line)
            except ValueError:
                data = None
            with self._lock:
                if isinstance(data, dict):
                    self.events.append(Event(time.monotonic(), data))
                else:
                    self.junk.append(line)

    def snapshot(self) -> list[Event]:
        with self._lock:
            return list(self.events)

    def kinds(self, since: float = 0.0) -> list[str]:
        return [e.kind for e in self.snapshot() if e.at >= since]

    def of(self, kind: str, since: float = 0.0) -> list[Event]:
        return [e for e in self.snapshot() if e.kind == kind and e.at >= since]

    @property
    def holder(self) -> str:
        started = self.of("started")
        assert started, f"no 'started' event yet; stderr: {self.stderr()}"
        return str(started[0].data["holder"])

    def stderr(self) -> str:
        try:
            return self.stderr_path.read_text(encoding="utf-8", errors="replace")[-3000:]
        except OSError:
            return ""

    def wait_for(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            if self.proc.poll() is not None:
                time.sleep(0.2)  # let the reader drain
                if predicate():
                    return
                raise AssertionError(
                    f"scheduler exited {self.proc.returncode} before {what}; "
                    f"events {self.kinds()}; stderr: {self.stderr()}"
                )
            time.sleep(0.05)
        raise AssertionError(
            f"timed out after {timeout}s waiting for {what}; events {self.kinds()}; stderr: {self.stderr()}"
        )

    def signal(self, sig: signal.Signals) -> None:
        self.proc.send_signal(sig)

    def wait(self, timeout: float) -> int:
        """Wait for the exit and for the last lines to be read."""
        rc = self.proc.wait(timeout=timeout)
        if self.reader is not None:
            self.reader.join(timeout=5)
        return rc

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):  # a zombie we cannot do more about
            self.proc.wait(timeout=10)


def spawn_scheduler(
    db_url: str,
    *,
    today: str,
    config: Path,
    log_dir: Path,
    interval: float | None = 0.5,
    name: str = "s",
    extra_env: dict[str, str] | None = None,
    user: str = ADMIN,
) -> Scheduler:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASETRACK_")}
    env["CASETRACK_LANG"] = "en"  # the suite reads the CLI's English (tests/conftest.py)
    env.update(extra_env or {})
    env["PYTHONUNBUFFERED"] = "1"
    stderr_path = log_dir / f"scheduler-{name}-{time.monotonic_ns()}.err"
    # a crash point armed (CASETRACK_FAULT_INJECT) needs the test-support entry point that installs it
    program = faults.command() if faults.FAULT_ENV in env else [sys.executable, "-m", "casetrack"]
    with stderr_path.open("w") as err:
        proc = subprocess.Popen(
            [
                *program,
                "--db",
                db_url,
                "--today",
                today,
                "--config",
                str(config),
                "--user",
                user,
                "scheduler",
                "run",
                *(["--interval", str(interval)] if interval is not None else []),
            ],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            encoding="utf-8",
            env=env,
            cwd=str(log_dir),  # a relative mail folder, if any, lands in tmp
        )
    sched = Scheduler(proc, stderr_path)
    sched.reader = threading.Thread(target=sched._read, daemon=True)
    sched.reader.start()
    return sched


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


@contextmanager
def schedulers() -> Iterator[list[Scheduler]]:
    """Collects the processes a test spawns and always kills what is left of them."""
    procs: list[Scheduler] = []
    try:
        yield procs
    finally:
        for p in procs:
            p.kill()


TICK_EVENTS = ("swept", "waiting", "error")  # every tick of the scheduler reports exactly one of these


def more_ticks(proc: Scheduler, n: int, timeout: float = 30) -> None:
    """Wait until ``proc`` has ticked ``n`` more times (counted by its reports, not by the wall clock)."""

    def ticks() -> int:
        return sum(len(proc.of(kind)) for kind in TICK_EVENTS)

    target = ticks() + n
    proc.wait_for(lambda: ticks() >= target, timeout, f"{n} more ticks")
