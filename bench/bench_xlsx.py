"""The xlsx writer alone: the case list's download (services.exchange.LIST_COLUMNS) of ``--rows``
generated cases written to memory, as the web's /cases/export.xlsx does, ``--runs`` times. Prints the
seconds of each run, the median and the file's size; no database (the rows are made up front, shaped
like export_case_rows gives them: dates, yen, counts, Japanese names, a formula-like name here and there).

    python bench/bench_xlsx.py [--rows 10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import statistics
import time
from typing import Any

from casetrack.exchange.writers import write_xlsx
from casetrack.services.exchange import LIST_COLUMNS

NAMES = [
    "株式会社みどり工房",
    "有限会社そよかぜ",
    "喫茶ひまわり",
    "合同会社ひかり",
    "=1+2 合同会社ひかり",
    "株式会社あさひ製作所",
]
STATES = [
    ("consultation", "事前相談"),
    ("drafting", "計画策定中"),
    ("monitoring", "伴走支援中"),
    ("closed", "完了"),
]


def rows(count: int, seed: int = 2026) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    day = dt.date(2024, 4, 1)
    out = []
    for n in range(count):
        state, label = rnd.choice(STATES)
        opened = day + dt.timedelta(days=rnd.randrange(900))
        money = rnd.random() < 0.4
        subsidy = rnd.randrange(100_000, 3_000_000) if money else None
        out.append(
            {
                "id": f"{rnd.choice(['13', '14', '27'])}-{opened.year}-{n:04d}",
                "program": rnd.choice(["early", "405"]),
                "program_label": "早期経営改善計画策定支援",
                "track": "standard",
                "council": "13",
                "company_name": f"{rnd.choice(NAMES)} {n}",
                "corporate_number": f"{rnd.randrange(10**12, 10**13)}",
                "fiscal_year_end_month": rnd.randrange(1, 13),
                "state_label": label,
                "state": state,
                "state_since": opened + dt.timedelta(days=30),
                "coordinator": f"coord13_{n % 40}",
                "lead_name": "みなと税理士法人",
                "lead_email": "office@minato-tax.example.jp",
                "lead_kind": "tax_accountant",
                "lead_certified": True,
                "lenders": "さくら銀行・東都信用金庫（保証付）",
                "main_bank": "さくら銀行",
                "opened_on": opened,
                "accepted_on": opened + dt.timedelta(days=20) if rnd.random() < 0.8 else None,
                "plan_date": opened + dt.timedelta(days=120) if money else None,
                "validity_until": None,
                "monitoring_interval_months": 6 if rnd.random() < 0.5 else None,
                "interim_monitoring": rnd.random() < 0.3,
                "sessions_held": rnd.randrange(0, 6),
                "rule_set": "2024-04-01",
                "subsidy": subsidy,
                "paid": subsidy // 2 if subsidy else None,
                "retained": subsidy - subsidy // 2 if subsidy else None,
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    data = rows(args.rows)
    times = []
    size = 0
    for run in range(args.runs):
        out = io.BytesIO()
        start = time.perf_counter()
        assert write_xlsx(out, "案件", LIST_COLUMNS, iter(data)) == args.rows
        times.append(time.perf_counter() - start)
        size = len(out.getvalue())
        print(f"run {run + 1}: {times[-1]:.2f} s")
    print(
        f"{args.rows:,} rows × {len(LIST_COLUMNS)} columns: median {statistics.median(times):.2f} s, "
        f"{size / 1e6:.1f} MB"
    )


if __name__ == "__main__":
    main()
