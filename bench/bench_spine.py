"""Spine benchmarks: events applied per second through the service layer (persisted, one
transaction each) against a bare UPDATE of the state column in the same run; time to open 10,000
cases; `casetrack --help` wall time.

    python bench/bench_spine.py                       # SQLite in a temporary folder
    python bench/bench_spine.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from scratch import scratch_database

from casetrack import services
from casetrack.store.db import get_engine

D = dt.date.fromisoformat


def _registry(ctx: services.Context) -> dict[str, int]:
    """The database, its admin, and the supervisor of council 13 the bench acts as (``ctx.user``)."""
    from dataclasses import replace

    services.init_db(replace(ctx, user="bench-admin"), admin="bench-admin")
    services.add_user(
        replace(ctx, user="bench-admin"), name=ctx.user, council="13", email=None, role="supervisor"
    )
    company = services.add_company(
        ctx,
        name="ベンチ株式会社",
        corporate_number_=None,
        fiscal_year_end_month=3,
        founded_on=None,
        prefecture="13",
    )["id"]
    adviser = services.add_org(
        ctx, name="ベンチ税理士法人", kind="tax_accountant", certified=True, email=None
    )["id"]
    bank_a = services.add_org(ctx, name="ベンチ銀行", kind="bank", certified=False, email=None)["id"]
    bank_b = services.add_org(ctx, name="ベンチ信用金庫", kind="bank", certified=False, email=None)["id"]
    return {"company": company, "adviser": adviser, "bank_a": bank_a, "bank_b": bank_b}


def _open(ctx: services.Context, reg: dict[str, int], n: int, on: dt.date) -> tuple[list[str], float]:
    """Open ``n`` cases, each for a company of its own (as in real life), timing only the opening."""
    companies = [reg["company"]] + [
        services.add_company(
            ctx,
            name=f"ベンチ{i}株式会社",
            corporate_number_=None,
            fiscal_year_end_month=1 + i % 12,
            founded_on=None,
            prefecture="13",
        )["id"]
        for i in range(1, n)
    ]
    ids = []
    start = time.perf_counter()
    for company in companies:
        case = services.open_case(
            ctx,
            program="405",
            track="regular",
            council="13",
            company_id=company,
            support_orgs=[reg["adviser"]],
            lenders=[
                services.LenderArg(reg["bank_a"], main=True),
                services.LenderArg(reg["bank_b"], guaranteed=True),
            ],
            coordinator=None,
            interim_monitoring=False,
            interval_months=None,
            estimates={"plan": 400000, "monitoring": 200000},
            reuse_reason=None,
            on=on,
        )
        ids.append(case["id"])
    return ids, time.perf_counter() - start


def bench(url: str, label: str, events_cases: int, open_cases: int) -> dict[str, float]:
    ctx = services.Context(db_url=url, today=D("2026-11-25"), user="bench")
    reg = _registry(ctx)
    opened, open_seconds = _open(ctx, reg, open_cases, D("2026-04-01"))
    print(
        f"[{label}] open {open_cases:,} cases: {open_seconds:.2f} s ({open_cases / open_seconds:,.0f} cases/s)"
    )

    ids = opened[:events_cases]
    start = time.perf_counter()
    fired = 0
    for cid in ids:
        services.advance(ctx, cid, "apply", on=D("2026-04-05"), view=False)
        services.advance(ctx, cid, "accept", on=D("2026-04-20"), view=False)
        for k in range(3):
            services.advance(
                ctx,
                cid,
                "extend",
                on=D("2026-05-01"),
                reason="bench",
                until=D("2028-05-01") + dt.timedelta(days=k),
                view=False,
            )
        fired += 5
    engine_seconds = time.perf_counter() - start
    engine_rate = fired / engine_seconds

    engine = get_engine(url)
    start = time.perf_counter()
    for i in range(fired):
        cid = ids[i % len(ids)]
        with engine.connect() as conn, conn.execution_options(casetrack_write=True).begin():
            conn.execute(
                sa.text("UPDATE cases SET state = :s, version = version + 1 WHERE id = :id"),
                {"s": "drafting", "id": cid},
            )
    bare_seconds = time.perf_counter() - start
    bare_rate = fired / bare_seconds
    print(
        f"[{label}] events through the service layer: {fired:,} in {engine_seconds:.2f} s = "
        f"{engine_rate:,.0f} events/s"
    )
    print(
        f"[{label}] bare UPDATE of the state column:   {fired:,} in {bare_seconds:.2f} s = "
        f"{bare_rate:,.0f} updates/s"
    )
    print(f"[{label}] engine overhead ratio (bare rate / engine rate): {bare_rate / engine_rate:.1f}x")
    engine.dispose()
    return {"events_per_s": engine_rate, "bare_per_s": bare_rate, "open_s": open_seconds}


def help_wall_time(runs: int = 7) -> float:
    exe = Path(sys.executable).with_name("casetrack")
    cmd = [str(exe), "--help"] if exe.exists() else [sys.executable, "-m", "casetrack", "--help"]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pg", help="also run on this PostgreSQL URL (a fresh schema is made and dropped)")
    parser.add_argument("--events-cases", type=int, default=400, help="cases walked (5 events each)")
    parser.add_argument("--open-cases", type=int, default=10_000)
    args = parser.parse_args()

    with scratch_database() as url:
        bench(url, "sqlite", args.events_cases, args.open_cases)
    if args.pg:
        with scratch_database(args.pg) as url:
            bench(url, "postgresql", args.events_cases, args.open_cases)
    print(f"casetrack --help wall time (median of 7): {help_wall_time() * 1000:.0f} ms")


if __name__ == "__main__":
    main()
