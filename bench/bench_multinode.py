"""Multi-node delivery at full size (PostgreSQL): several real `casetrack scheduler run` processes on
one database share 10,000 due rungs while one is killed (`kill -9`) mid-sweep and another is paused
(`SIGSTOP`) past its claims, then resumed; then one scheduler alone, no faults, on the same amount of
work, for comparison. tests/scheduling/test_multi_node.py is the scaled-down version run in CI.

    python bench/bench_multinode.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        [--cases 2000] [--schedulers 3]

Run from the repository root. Each run gets a fresh schema (dropped afterwards), seeded as the test
seeds it: N 405 cases in monitoring whose session 1 has all five rungs due. A sweep sends only the latest
due rung per item and recipient and records the earlier ones as skipped (DOMAIN.md §11 "Catch-up"): what
it must send and skip is worked out before the schedulers start, by a dry run of the same sweep on the
seeded database (at the shipped workflow: 2 messages and 3 skipped rungs per case). The mail
goes over SMTP to aiosmtpd on loopback, which answers each DATA after a small delay (a slow server)
and notes, for every message, which scheduler sent it (the client socket's owner in /proc) and when
its MAIL and DATA arrived.

A Message-ID received twice is allowed only in the window SMTP cannot close: a message the killed
or paused scheduler was sending when the signal came (its MAIL command arrived before the signal),
which the server accepted while that scheduler never committed it as sent, so another scheduler
sent it again once the claim had lapsed. Anything else — a rung lost, a duplicate of another kind,
a survivor not exiting 0 on SIGTERM, a rung not settled in time — makes the exit status non-zero.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.scheduling, run from anywhere

import sqlalchemy as sa  # noqa: E402
from scratch import scratch_database  # noqa: E402
from tests.conftest import ADMIN  # noqa: E402
from tests.scheduling.helpers import (  # noqa: E402
    MONITORING_TODAY,
    Scheduler,
    SinkHandler,
    message_ids,
    multi_node_config,
    schedulers,
    seed_monitoring,
    smtp_sink,
    spawn_scheduler,
)

from casetrack.store.db import get_engine  # noqa: E402

_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)


# -- the sink: who sent what, when ----------------------------------------------------------------


@dataclass
class Copy:
    message_id: str
    sender: str  # the scheduler's name, or "?" when its socket could not be traced
    mail_at: float  # time.monotonic() when the MAIL command arrived
    data_at: float  # … when the whole DATA had arrived (before the server's delay and its 250)


class TracingSink(SinkHandler):
    """The tests' sink (one .eml file per DATA accepted), noting for each message the scheduler whose
    socket sent it and the times of its MAIL and DATA."""

    def __init__(self, folder: Path, delay: float) -> None:
        super().__init__(folder, delay)
        self.pids: dict[int, str] = {}  # scheduler pid → name, filled as they are spawned
        self.copies: list[Copy] = []
        self.sink_port = 0

    def _owner(self, session: Any) -> str:
        owner = getattr(session, "casetrack_owner", None)
        if owner is None:
            owner = socket_owner(int(session.peer[1]), self.sink_port, self.pids) or "?"
            session.casetrack_owner = owner
        return str(owner)

    async def handle_MAIL(
        self,
        server: Any,
        session: Any,
        envelope: Any,
        address: str,  # noqa: N802
        mail_options: list[str],
    ) -> str:
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        envelope.casetrack_mail_at = time.monotonic()
        self._owner(session)  # traced at the connection's first message, long before any signal
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd API)
        data_at = time.monotonic()
        content = envelope.original_content or envelope.content
        raw = content if isinstance(content, bytes) else content.encode()
        head = raw.split(b"\r\n\r\n", 1)[0]
        found = _MESSAGE_ID.search(head)
        with self.lock:
            self.copies.append(
                Copy(
                    found.group(1).decode() if found else "?",
                    self._owner(session),
                    getattr(envelope, "casetrack_mail_at", data_at),
                    data_at,
                )
            )
        return await super().handle_DATA(server, session, envelope)

    def received(self) -> int:
        with self.lock:
            return len(self.copies)


def socket_owner(peer_port: int, sink_port: int, pids: dict[int, str]) -> str | None:
    """The name of the scheduler holding the client socket 127.0.0.1:peer_port → sink_port (Linux /proc)."""
    inode = None
    with open("/proc/net/tcp", encoding="ascii") as table:
        next(table)
        for line in table:
            cols = line.split()
            local, remote = cols[1].split(":"), cols[2].split(":")
            if int(local[1], 16) == peer_port and int(remote[1], 16) == sink_port:
                inode = cols[9]
                break
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for pid, name in list(pids.items()):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    return name
            except OSError:
                continue
    return None


# -- one run --------------------------------------------------------------------------------------


@dataclass
class Fault:
    kind: str  # "killed" or "paused"
    scheduler: Scheduler
    name: str
    at: float  # time.monotonic() of SIGKILL / SIGSTOP
    claims: int  # pending messages it had claimed at that moment
    resumed_at: float | None = None  # SIGCONT
    in_flight: Copy | None = None  # the message it was sending when the signal came, if any


@dataclass
class Outcome:
    label: str
    expected: int = 0  # messages to deliver (the latest due rung of each item and recipient)
    skipped: int = 0  # rungs to record as skipped (superseded by a later one)
    seconds: float = 0.0
    t0: float = 0.0  # time.monotonic() when the schedulers were started: the times printed count from it
    failures: list[str] = field(default_factory=list)


def _statuses(engine: sa.Engine) -> Counter[str]:
    with engine.connect() as conn:
        return Counter(
            {
                s: int(n)
                for s, n in conn.execute(sa.text("SELECT status, count(*) FROM outbox GROUP BY status"))
            }
        )


def _claims_of(engine: sa.Engine, holder: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.text("SELECT count(*) FROM outbox WHERE status = 'pending' AND claimed_by = :h"),
                {"h": holder},
            ).scalar_one()
        )


def _state(engine: sa.Engine, by_name: dict[str, Scheduler], t0: float) -> str:
    """Who holds how many claims, and each scheduler's last events: what a failure report needs."""
    with engine.connect() as conn:
        held = dict(
            conn.execute(
                sa.text(
                    "SELECT claimed_by, count(*) FROM outbox WHERE status = 'pending' "
                    "AND claim_until > now() GROUP BY claimed_by"
                )
            ).all()
        )
    parts = []
    for name, p in by_name.items():
        holder = p.holder if p.of("started") else "?"
        last = [
            (round(e.at - t0, 1), {k: v for k, v in e.data.items() if v and k not in ("today", "holder")})
            for e in p.snapshot()[-3:]
        ]
        parts.append(f"{name}: {held.get(holder, 0)} claim(s) held, last events {last}")
    return "; ".join(parts)


def _wait(predicate: Any, timeout: float, what: str, poll: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(poll)


def run(
    server_url: str,
    *,
    label: str,
    cases: int,
    n_schedulers: int,
    faults: bool,
    args: argparse.Namespace,
) -> Outcome:
    out = Outcome(label)
    print(
        f"\n[{label}] {n_schedulers} scheduler(s), {cases:,} cases in monitoring, "
        f"{'kill -9 of one and SIGSTOP/SIGCONT of another' if faults else 'no faults'}"
    )
    with scratch_database(server_url, prefix="multinode") as url, tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        started = time.perf_counter()
        seed_monitoring(url, cases)
        print(f"[{label}] seeded {cases:,} cases in {time.perf_counter() - started:.1f} s")
        out.expected, out.skipped = _expectations(url, cases)
        rows = out.expected + out.skipped  # the outbox rows once every rung has settled
        engine = get_engine(url)
        sink = TracingSink(tmp / "sink", args.delay)
        faults_done: list[Fault] = []
        codes: dict[str, int | None] = {}
        names = [chr(ord("a") + i) for i in range(n_schedulers)]
        with smtp_sink(tmp / "sink", handler=sink) as port, schedulers() as procs:
            sink.sink_port = port
            config = multi_node_config(tmp, port, lease_seconds=args.lease, interval_seconds=args.interval)
            print(
                f"[{label}] the sweep must send {out.expected:,} messages and skip {out.skipped:,} rungs "
                f"(a dry run of it)"
            )
            t0 = out.t0 = time.monotonic()
            for name in names:
                proc = spawn_scheduler(
                    url, today=MONITORING_TODAY, config=config, log_dir=tmp, name=name, interval=None
                )
                sink.pids[proc.proc.pid] = name
                procs.append(proc)
            by_name = dict(zip(names, procs, strict=True))
            settled_at = None
            try:
                for p in procs:
                    p.wait_for(lambda p=p: bool(p.of("started")), 60, "its start")
                if faults:
                    _faults(engine, sink, procs, names, out.expected, faults_done, args)
                _wait(
                    lambda: (s := _statuses(engine)).get("pending", 0) == 0 and sum(s.values()) >= rows,
                    args.timeout,
                    "every rung enqueued and settled",
                    poll=0.2,
                )
                settled_at = time.monotonic()
            except (TimeoutError, AssertionError) as exc:
                out.failures.append(f"{exc}; outbox {dict(_statuses(engine))}; {_state(engine, by_name, t0)}")
            out.seconds = (settled_at or time.monotonic()) - t0
            time.sleep(args.lease)  # let every sweep find nothing more to claim and report (swept)
            gone = {f.name for f in faults_done if f.kind == "killed"}
            survivors = [n for n in names if n not in gone]
            for n in survivors:
                by_name[n].signal(signal.SIGTERM)
            for n in survivors:
                try:
                    codes[n] = by_name[n].wait(timeout=120)
                except subprocess.TimeoutExpired:  # a hang on SIGTERM: reported below as exit code None
                    codes[n] = None
            for n in gone:
                codes[n] = by_name[n].wait(timeout=30)
        _report(out, engine, sink, tmp / "sink", by_name, faults_done, codes, names)
        engine.dispose()
    return out


def _expectations(url: str, cases: int) -> tuple[int, int]:
    """(messages, skipped rungs) the first sweep of the seeded database makes, from a dry run of it (the
    settings the schedulers run with: no digest)."""
    from casetrack import services
    from casetrack.services.reminder_plan import sweep_plan
    from casetrack.settings import DigestSettings, Settings

    ctx = services.Context(
        db_url=url,
        today=dt.date.fromisoformat(MONITORING_TODAY),
        user=ADMIN,
        settings=Settings(digest=DigestSettings(enabled=False)),
    )
    plan = sweep_plan(ctx, ctx.today, dry_run=True)
    if plan.enqueued < cases or plan.dead:
        raise SystemExit(
            f"the seeded database would send {plan.enqueued} messages ({plan.dead} dead) for "
            f"{cases} cases: not the catch-up this benchmark is about"
        )
    return plan.enqueued, plan.skipped


def _faults(
    engine: sa.Engine,
    sink: TracingSink,
    procs: list[Scheduler],
    names: list[str],
    expected: int,
    done: list[Fault],
    args: argparse.Namespace,
) -> None:
    """kill -9 one scheduler holding claims once a good part is delivered; later pause another holding
    claims for longer than the lease, then resume it."""
    victim, sleeper = procs[0], procs[1 % len(procs)]

    def holding(p: Scheduler) -> bool:
        return _claims_of(engine, p.holder) > 0

    _wait(lambda: sink.received() >= args.kill_at * expected, args.timeout, "deliveries before the kill")
    _wait(lambda: holding(victim), 60, "the scheduler to kill to hold claims (mid-sweep)", poll=0.01)
    claims = _claims_of(engine, victim.holder)
    victim.proc.kill()
    done.append(Fault("killed", victim, names[0], time.monotonic(), claims))
    if sleeper is victim:
        return
    _wait(lambda: sink.received() >= args.stop_at * expected, args.timeout, "deliveries before the pause")
    _wait(lambda: holding(sleeper), 60, "the scheduler to pause to hold claims (mid-sweep)", poll=0.01)
    claims = _claims_of(engine, sleeper.holder)
    sleeper.signal(signal.SIGSTOP)
    fault = Fault("paused", sleeper, names[1], time.monotonic(), claims)
    done.append(fault)
    time.sleep(args.pause)
    sleeper.signal(signal.SIGCONT)
    fault.resumed_at = time.monotonic()


def _explain(copies: list[Copy], faults: list[Fault]) -> tuple[str, str] | None:
    """(the disturbed scheduler, why) for a Message-ID received twice, or None when it is not the allowed
    kind: the message a killed or paused scheduler was sending when the signal came (its MAIL had
    arrived), which the server took while that scheduler never committed it, sent again by another
    scheduler after the claim lapsed."""
    if len(copies) != 2 or copies[0].sender == copies[1].sender or "?" in (c.sender for c in copies):
        return None
    for f in faults:
        mine = [c for c in copies if c.sender == f.name]
        other = [c for c in copies if c.sender != f.name]
        if len(mine) == 1 and mine[0] is f.in_flight and other[0].mail_at > f.at:
            lag = other[0].mail_at - f.at
            if f.kind == "killed":
                return f.name, (
                    f"{f.name} (killed) was sending it (its last MAIL, stamped "
                    f"{mine[0].mail_at - f.at:+.3f} s from SIGKILL); {other[0].sender} sent it again "
                    f"{lag:.1f} s after the kill"
                )
            assert f.resumed_at is not None
            when = (
                "before SIGSTOP"
                if mine[0].data_at < f.at
                else f"{mine[0].data_at - f.resumed_at:+.3f} s from SIGCONT"
            )
            return f.name, (
                f"{f.name} (paused) was sending it (its last MAIL before SIGCONT, stamped "
                f"{mine[0].mail_at - f.at:+.3f} s from SIGSTOP; DATA complete {when}); "
                f"{other[0].sender} sent it again {lag:.1f} s after the pause"
            )
    return None


def _report(
    out: Outcome,
    engine: sa.Engine,
    sink: TracingSink,
    folder: Path,
    by_name: dict[str, Scheduler],
    faults: list[Fault],
    codes: dict[str, int | None],
    names: list[str],
) -> None:
    label, expected = out.label, out.expected
    for f in faults:
        # the sink stamps a command when its event loop gets to it, a few ms late on a busy machine; but a
        # killed scheduler sends nothing more, nor a paused one before SIGCONT: its last MAIL till then was
        # sent before the signal
        until = f.resumed_at if f.resumed_at is not None else float("inf")
        before = [c for c in sink.copies if c.sender == f.name and c.mail_at < until]
        f.in_flight = max(before, key=lambda c: c.mail_at) if before else None
    ids = Counter(message_ids(folder))
    by_mid: dict[str, list[Copy]] = defaultdict(list)
    for c in sink.copies:
        by_mid[c.message_id].append(c)
    statuses = _statuses(engine)
    enqueued = sum(statuses.values())
    with engine.connect() as conn:
        outbox_ids = set(
            conn.execute(sa.text("SELECT message_id FROM outbox WHERE status <> 'skipped'")).scalars()
        )
    lost = expected - len(ids)
    missing = len(outbox_ids - set(ids))
    strangers = len(set(ids) - outbox_ids)
    duplicates = {mid: n for mid, n in ids.items() if n > 1}
    rate = len(ids) / out.seconds if out.seconds else 0.0
    print(f"[{label}] messages expected: {expected:,} (+ {out.skipped:,} rungs skipped as superseded)")
    print(f"[{label}] enqueued (outbox rows): {enqueued:,}")
    print(
        f"[{label}] delivered (distinct Message-IDs in the sink): {len(ids):,} "
        f"({sum(ids.values()):,} messages received; {missing:,} outbox rows never received, "
        f"{strangers:,} received Message-IDs not in the outbox)"
    )
    print(f"[{label}] lost (expected − distinct): {lost:,}")
    with engine.connect() as conn:
        attempts = dict(
            conn.execute(sa.text("SELECT attempts, count(*) FROM outbox GROUP BY attempts")).all()
        )
    print(
        f"[{label}] outbox statuses at the end: {dict(sorted(statuses.items()))}; attempts per message: "
        f"{dict(sorted(attempts.items()))}"
    )
    print(f"[{label}] wall time from start to all settled: {out.seconds:.1f} s")
    print(f"[{label}] delivery rate: {rate:,.0f} messages/s overall")
    per_fault: Counter[str] = Counter()
    for mid, n in sorted(duplicates.items()):
        found = _explain(by_mid.get(mid, []), faults)
        why = found[1] if found else None
        if found:
            per_fault[found[0]] += 1
        senders = ", ".join(
            f"{c.sender} MAIL t={c.mail_at - out.t0:.3f} DATA t={c.data_at - out.t0:.3f}" for c in by_mid[mid]
        )
        print(
            f"[{label}]   duplicate {mid} ×{n} [{senders}]: "
            f"{why or 'NOT EXPLAINED by the window a killed/paused scheduler leaves'}"
        )
    explained = sum(per_fault.values())
    print(
        f"[{label}] duplicates (Message-IDs received twice): {len(duplicates):,}, explained by the "
        f"send-then-no-commit window: {explained:,}"
        + (f" ({', '.join(f'{k}: {v}' for k, v in sorted(per_fault.items()))})" if per_fault else "")
    )
    for f in faults:
        extra = (
            f", resumed after {f.resumed_at - f.at:.1f} s (t={f.resumed_at - out.t0:.3f})"
            if f.resumed_at
            else ""
        )
        print(
            f"[{label}] {f.kind}: scheduler {f.name} at t={f.at - out.t0:.3f} s, {sink_count_at(sink, f.at):,} "
            f"delivered, "
            f"holding {f.claims} claim(s){extra}"
        )
    sent_by = Counter(c.sender for c in sink.copies)
    print(
        f"[{label}] work split (messages the sink received from each / sent and committed, from its swept "
        f"events / sent but no longer its own to commit (sent_claim_lost) / claims found lost before the send "
        f"/ sweeps / errors):"
    )
    for name in names:
        p = by_name[name]
        swept = p.of("swept")
        role = next((f.kind for f in faults if f.name == name), "")
        committed = sum(int(e.data.get("sent", 0)) for e in swept)
        lost_claims = sum(int(e.data.get("lost_claims", 0)) for e in swept)
        unsettled = sum(int(e.data.get("sent_claim_lost", 0)) for e in swept)
        enq = sum(int(e.data.get("enqueued", 0)) for e in swept)
        retried = sum(int(e.data.get("failed", 0)) for e in swept)
        note = ""
        if (
            role == "killed"
        ):  # it reports nothing after the kill: what it committed is what the others did not
            others = sum(
                int(e.data.get("sent", 0)) for n in names if n != name for e in by_name[n].of("swept")
            )
            committed = statuses.get("sent", 0) - others
            note = " (derived: sent rows − the others' commits; no swept event after the kill)"
        print(
            f"[{label}]   {name}{' ' + role if role else ''}: {sent_by.get(name, 0):,} / {committed:,}{note} / "
            f"{unsettled} / {lost_claims} / {len(swept)} / {len(p.of('error'))}"
            + (f"; enqueued {enq:,}" if enq else "")
            + (f"; failed (retry later) {retried:,}" if retried else "")
        )
    if sent_by.get("?"):
        print(f"[{label}]   untraced sender: {sent_by['?']:,}")
    survivors = {
        n: c for n, c in codes.items() if not any(f.name == n and f.kind == "killed" for f in faults)
    }
    print(
        f"[{label}] exit codes of the survivors after SIGTERM: "
        + ", ".join(f"{n}={c}" for n, c in sorted(survivors.items()))
    )
    if faults and faults[0].kind == "killed":
        print(f"[{label}] exit code of the killed one: {codes.get(faults[0].name)}")
    gaps = sorted(c.data_at - c.mail_at for c in sink.copies)
    if gaps:
        print(f"[{label}] MAIL → end of DATA at the sink: median {statistics.median(gaps) * 1000:.1f} ms")

    if lost:
        out.failures.append(f"{lost} rung(s) lost")
    if missing:
        out.failures.append(f"{missing} outbox message(s) never received")
    if enqueued != expected + out.skipped:
        out.failures.append(f"{enqueued} outbox rows, {expected} messages + {out.skipped} skipped expected")
    if statuses != Counter({"sent": expected, "skipped": out.skipped}):
        out.failures.append(f"outbox not as expected (all sent but the skipped rungs): {dict(statuses)}")
    if explained != len(duplicates):
        out.failures.append(f"{len(duplicates) - explained} duplicate(s) not of the allowed kind")
    if any(c != 0 for c in survivors.values()):
        out.failures.append(f"survivors' exit codes {survivors}")
    for name in names:
        for e in by_name[name].of("error")[:3]:
            out.failures.append(f"scheduler {name} reported an error: {str(e.data.get('error'))[:300]}")


def sink_count_at(sink: TracingSink, at: float) -> int:
    with sink.lock:
        return sum(1 for c in sink.copies if c.data_at <= at)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--pg", required=True, help="PostgreSQL URL (a fresh schema is made and dropped per run)"
    )
    parser.add_argument(
        "--cases", type=int, default=2000, help="cases in monitoring (5 due rungs each: 2 sent)"
    )
    parser.add_argument("--schedulers", type=int, default=3)
    parser.add_argument("--delay", type=float, default=0.004, help="seconds the sink waits before each 250")
    parser.add_argument("--lease", type=float, default=3, help="[scheduler] lease_seconds")
    parser.add_argument("--interval", type=float, default=0.5, help="[scheduler] interval_seconds")
    parser.add_argument("--kill-at", type=float, default=0.25, help="kill -9 once this share is delivered")
    parser.add_argument("--stop-at", type=float, default=0.5, help="SIGSTOP once this share is delivered")
    parser.add_argument("--pause", type=float, default=None, help="seconds paused (default: twice the lease)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds allowed for every rung to settle")
    parser.add_argument("--no-baseline", action="store_true", help="skip the single-scheduler run")
    args = parser.parse_args()
    if args.pause is None:
        args.pause = 2 * args.lease
    if args.pause <= args.lease:
        parser.error("--pause must be longer than --lease")
    if not args.pg.startswith("postgresql"):
        parser.error("multi-node needs PostgreSQL")

    outcomes = [
        run(
            args.pg,
            label="multi-node",
            cases=args.cases,
            n_schedulers=args.schedulers,
            faults=args.schedulers >= 2,
            args=args,
        )
    ]
    if not args.no_baseline:
        outcomes.append(
            run(args.pg, label="baseline", cases=args.cases, n_schedulers=1, faults=False, args=args)
        )
        multi, single = outcomes
        if multi.seconds and single.seconds:
            print(
                f"\nmulti-node ({args.schedulers} schedulers, with the faults) vs one scheduler: "
                f"{multi.seconds:.1f} s vs {single.seconds:.1f} s, rate ratio "
                f"{(multi.expected / multi.seconds) / (single.expected / single.seconds):.2f}×"
            )
    failed = [f"[{o.label}] {f}" for o in outcomes for f in o.failures]
    for f in failed:
        print(f"FAIL {f}")
    print("OK" if not failed else f"{len(failed)} failure(s)")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
