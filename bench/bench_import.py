"""Import benchmark: export N cases from a generated database, then time `import cases` of that file
into a fresh database (validation and writing), beside the export itself.

    python bench/bench_import.py --db /tmp/national.db [--rows 10000]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import tempfile
import time
from pathlib import Path

from scratch import scratch_database

from casetrack import services
from casetrack.store.db import normalise_url


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", required=True, help="a generated database to export from")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--pg", help="import into a scratch schema on this PostgreSQL instead of SQLite")
    args = parser.parse_args()
    source = services.Context(db_url=normalise_url(args.db), today=dt.date(2026, 11, 25), user="bench-hq")
    folder = Path(tempfile.mkdtemp())
    full = folder / "all.csv"
    start = time.perf_counter()
    exported = services.export(source, "cases", fmt="csv", out=str(full))["rows"]
    print(f"export cases: {exported:,} rows in {time.perf_counter() - start:.2f} s")
    with full.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1 : args.rows + 1]
    part = folder / "part.csv"
    with part.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows([header, *body])
    coordinators = sorted({r[header.index("担当")] for r in body if r[header.index("担当")]})
    with scratch_database(args.pg, prefix="import") as url:
        admin = services.Context(db_url=url, today=dt.date(2026, 11, 25), user="bench-admin")
        services.init_db(admin, admin="bench-admin")
        for name in coordinators:
            services.add_user(
                admin, name=name, council=name.removeprefix("coord")[:2], email=None, role="coordinator"
            )
        councils = sorted({r[header.index("協議会")] for r in body})
        services.add_user(
            admin,
            name="bench",
            council=councils[0],
            email=None,
            role="supervisor",
            more_councils=councils[1:],
        )
        ctx = services.Context(db_url=url, today=dt.date(2026, 11, 25), user="bench")
        start = time.perf_counter()
        services.import_cases(ctx, str(part), dry_run=True)
        dry = time.perf_counter() - start
        start = time.perf_counter()
        result = services.import_cases(ctx, str(part))
        seconds = time.perf_counter() - start
    label = "postgresql" if args.pg else "sqlite"
    print(f"[{label}] import cases --dry-run of {len(body):,} rows: {dry:.2f} s")
    print(
        f"[{label}] import cases of {len(body):,} rows: {seconds:.2f} s = {result['imported'] / seconds:,.0f} rows/s "
        f"(with schedules for the cases past their plan date)"
    )


if __name__ == "__main__":
    main()
