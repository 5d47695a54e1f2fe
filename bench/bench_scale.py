"""National-size benchmarks on a generated database (bench/generate.py).

    python bench/generate.py --db /tmp/national.db --cases 100000
    python bench/bench_scale.py --db /tmp/national.db [--today 2026-11-25]

Prints, for the database given: whole-process wall time and peak memory of the CLI commands the
coordinators run, `audit stalled` against the same findings computed with hand-written SQL (raw
DBAPI, no ORM or Core) in the same run, the sweep enqueuing 10,000 rungs, and events per second
through the service layer.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

D = dt.date.fromisoformat


def day(value: dt.date | str) -> dt.date:
    """A date as the driver gives it (PostgreSQL: a date; SQLite: ISO text)."""
    return value if isinstance(value, dt.date) else D(value)


def whole_process(
    url: str, today: str, *args: str, runs: int = 3, user: str = "bench-hq"
) -> tuple[float, float]:
    """(best wall seconds, peak RSS MB) of `casetrack ARGS` in a fresh process, acting as ``user`` (the
    generator's users: bench-hq reads every council, bench supervises every council, bench-admin sweeps)."""
    exe = Path(sys.executable).with_name("casetrack")
    cmd = [
        str(exe) if exe.exists() else sys.executable,
        *([] if exe.exists() else ["-m", "casetrack"]),
        "--db",
        url,
        "--today",
        today,
        "--user",
        user,
        *args,
    ]
    times, peak = [], 0.0
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        peak = max(peak, int(done.stderr.strip().splitlines()[-1]) / 1024)
    return min(times), peak


def hand_written_findings(url: str, today: dt.date) -> list[tuple[str, str, int]]:
    """The audit's findings — (case, code, days) of every one, messages aside — with plain SQL through
    the raw DBAPI and the thresholds written out: the cases in a program's open states, their overdue
    sessions, the open holdbacks."""
    from casetrack.domain.dates import add_months
    from casetrack.store.db import get_engine
    from casetrack.workflow.catalog import all_workflows

    specs = all_workflows()
    raw = get_engine(url).raw_connection()
    cur = raw.cursor()
    p = "?" if url.startswith("sqlite") else "%s"
    found: list[tuple[str, str, int]] = []
    for spec in specs.values():
        states = list(spec.open_states)
        marks = ", ".join([p] * len(states))
        cur.execute(
            f"SELECT id, state, state_since, accepted_on, validity_until, rule_set FROM cases "
            f"WHERE program = {p} AND state IN ({marks})",
            [spec.program, *states],
        )
        claim_in = spec.reminders["claim_deadline"].open_in if "claim_deadline" in spec.reminders else ()
        validity_in = spec.reminders["validity"].open_in if "validity" in spec.reminders else ()
        for case, state, since, accepted, until, rule_set in cur.fetchall():
            info = spec.states[state]
            days = (today - day(since)).days
            if info.stall_days is not None and info.waiting_on and days > info.stall_days:
                found.append((case, "stalled", days))
            if accepted:
                accepted = day(accepted)
                rules = spec.rule_set(rule_set).values
                if state in claim_in:
                    warn = add_months(accepted, rules["claim_deadline_warn_months"])
                    if today >= warn:
                        found.append((case, "claim_deadline", (today - warn).days))
                if state in validity_in:
                    warn = (
                        add_months(day(until), rules["validity_warn_months"] - rules["validity_months"])
                        if until
                        else add_months(accepted, rules["validity_warn_months"])
                    )
                    if today >= warn:
                        found.append((case, "validity", (today - warn).days))
        cur.execute(
            f"SELECT s.case_id, s.due_on FROM monitoring_session s JOIN cases c ON c.id = s.case_id "
            f"WHERE s.status = 'scheduled' AND s.due_on < {p} AND c.program = {p} AND c.state IN ({marks})",
            [today if not url.startswith("sqlite") else today.isoformat(), spec.program, *states],
        )
        found += [(case, "monitoring_overdue", (today - day(due)).days) for case, due in cur.fetchall()]
    cur.execute(
        'SELECT l.case_id, l."on", c.rule_set, c.program FROM ledger_entry l '
        "JOIN cases c ON c.id = l.case_id WHERE l.retained > 0 AND l.retained > "
        "(SELECT coalesce(sum(r.released), 0) FROM ledger_entry r WHERE r.case_id = l.case_id) "
        "AND c.state NOT IN ('withdrawn', 'lapsed', 'rejected')"
    )
    for case, decided, rule_set, program in cur.fetchall():
        months = specs[program].rule_set(rule_set).values.get("holdback_open_warn_months")
        if months and today >= (warn := add_months(day(decided), months)):
            found.append((case, "holdback_open", (today - warn).days))
    raw.close()
    return found


def hand_written_caseload(url: str, today: dt.date) -> int:
    """`caseload --by council` as four plain SQL statements through the raw DBAPI; returns the row count."""
    from casetrack.workflow.catalog import all_workflows

    specs = all_workflows()
    open_states = sorted({s for spec in specs.values() for s in spec.open_states})
    p = "?" if url.startswith("sqlite") else "%s"
    day = (lambda d: d.isoformat()) if url.startswith("sqlite") else (lambda d: d)
    marks = ", ".join([p] * len(open_states))
    raw = __import__("casetrack.store.db", fromlist=["get_engine"]).get_engine(url).raw_connection()
    cur = raw.cursor()
    keys: set[str] = set()
    cur.execute(
        f"SELECT council, state, count(*) FROM cases WHERE state IN ({marks}) GROUP BY council, state",
        open_states,
    )
    keys |= {r[0] for r in cur.fetchall()}
    fy = today.year if today.month >= 4 else today.year - 1
    cur.execute(
        f"SELECT council, state, count(*) FROM cases WHERE state IN ({p}, {p}, {p}) AND state_since "
        f"BETWEEN {p} AND {p} GROUP BY council, state",
        ["closed", "withdrawn", "lapsed", day(dt.date(fy, 4, 1)), day(dt.date(fy + 1, 3, 31))],
    )
    keys |= {r[0] for r in cur.fetchall()}
    rules = [
        (spec.program, st.id, today - dt.timedelta(days=st.stall_days))
        for spec in specs.values()
        for st in spec.states.values()
        if st.stall_days and not st.final
    ]
    where = " OR ".join(f"(program = {p} AND state = {p} AND state_since < {p})" for _ in rules)
    cur.execute(
        f"SELECT council, count(*) FROM cases WHERE {where} GROUP BY council",
        [v for r in rules for v in (r[0], r[1], day(r[2]))],
    )
    keys |= {r[0] for r in cur.fetchall()}
    cur.execute(
        f"SELECT c.council, count(DISTINCT c.id) FROM monitoring_session s JOIN cases c ON c.id = s.case_id "
        f"WHERE s.status = 'scheduled' AND s.due_on < {p} AND c.state IN ({marks}) GROUP BY c.council",
        [day(today), *open_states],
    )
    keys |= {r[0] for r in cur.fetchall()}
    raw.close()
    return len(keys)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", required=True)
    parser.add_argument("--today", default="2026-11-25")
    args = parser.parse_args()
    from casetrack import services
    from casetrack.store.db import normalise_url

    url = normalise_url(args.db)
    today = D(args.today)
    ctx = services.Context(db_url=url, today=today, user="bench-hq")
    ctx.authorize("case.read")
    with ctx.read() as repo:
        n = repo.conn.exec_driver_sql("SELECT count(*) FROM cases").scalar()
    label = f"[{url.split(':')[0]} {n:,} cases]"

    in_process, hand_seconds = [], []
    for _ in range(3):  # alternating, best of three each (the machine is noisy)
        start = time.perf_counter()
        ours = services.audit_stalled(ctx)
        in_process.append(time.perf_counter() - start)
        start = time.perf_counter()
        hand = hand_written_findings(url, today)
        hand_seconds.append(time.perf_counter() - start)
    same = sorted(hand) == sorted((f["case"], f["code"], f["days"]) for f in ours)
    print(
        f"{label} audit stalled in process: {min(in_process):.2f} s for {len(ours):,} findings; hand-written SQL "
        f"{min(hand_seconds):.2f} s for {len(hand):,} ({'the same' if same else 'NOT the same'} case, code and "
        f"days); ratio {min(in_process) / min(hand_seconds):.1f}x (goal ≤ 3x)"
    )
    start = time.perf_counter()
    ours_caseload = services.caseload(ctx, by="council")
    caseload_seconds = time.perf_counter() - start
    start = time.perf_counter()
    hand_caseload = hand_written_caseload(url, today)
    hand_caseload_seconds = time.perf_counter() - start
    print(
        f"{label} caseload --by council in process: {caseload_seconds:.2f} s for {len(ours_caseload)} rows; "
        f"hand-written SQL {hand_caseload_seconds:.2f} s for {hand_caseload}; "
        f"ratio {caseload_seconds / hand_caseload_seconds:.1f}x"
    )
    for name, cmd in (
        ("audit stalled --format json", ("audit", "stalled", "--format", "json")),
        ("caseload --by council", ("caseload", "--by", "council", "--format", "json")),
        ("case show", ("case", "show", ours[0]["case"] if ours else "00-0000-0000", "--format", "json")),
        ("remind run --dry-run (as of 2020-01-01: nothing due)", ("remind", "run", "--dry-run")),
    ):
        as_of = "2020-01-01" if "nothing due" in name else args.today
        seconds, peak = whole_process(
            url, as_of, *cmd, user="bench-admin" if cmd[0] == "remind" else "bench-hq"
        )
        print(f"{label} {name}: {seconds:.2f} s whole process, peak {peak:,.0f} MB")
    help_times = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "casetrack", "--help"], capture_output=True, check=True)
        help_times.append(time.perf_counter() - start)
    print(f"casetrack --help: {statistics.median(help_times):.2f} s (median of 5)")
    # case advance on a copy (it changes the case)
    if url.startswith("sqlite"):
        copy = Path(tempfile.mkdtemp()) / "copy.db"
        shutil.copy(url.removeprefix("sqlite:///"), copy)
        copy_url = f"sqlite:///{copy}"
        cctx = services.Context(db_url=copy_url, today=today, user="bench")
        target = next(c["id"] for c in services.list_cases(cctx, state="consultation"))
        seconds, peak = whole_process(
            copy_url,
            args.today,
            "case",
            "advance",
            target,
            "withdraw",
            "--reason",
            "bench",
            runs=1,
            user="bench",
        )
        print(f"{label} case advance (withdraw): {seconds:.2f} s whole process, peak {peak:,.0f} MB")
        drafting = [c["id"] for c in services.list_cases(cctx, state="drafting", program="405")][:300]
        start = time.perf_counter()
        fired = 0
        for k in range(2):
            for cid in drafting:
                case = services.show_case(cctx, cid)
                end = max(case["validity_until"] or case["accepted_on"] + dt.timedelta(days=800), today)
                until = end + dt.timedelta(days=30 + k)
                services.advance(cctx, cid, "extend", on=today, reason="bench", until=until)
                fired += 1
        seconds = time.perf_counter() - start
        print(f"{label} events through the service layer (show + extend each): {fired / seconds:,.0f}/s")
    print(
        f"peak RSS of this bench process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB; "
        f"pid {os.getpid()}"
    )


if __name__ == "__main__":
    main()
