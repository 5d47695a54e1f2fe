"""Cases for the case list's `overdue` and `stalled` filters and its download, added to the shared site
(tests/web/conftest.py, which has no case with an overdue session) by importing three cases of council
13 through the real CLI. As of 2026-11-25 (DOMAIN.md §9: stalled = days in the state *above* its
threshold; a session is overdue from the day after its due date; only open states count):

============  =====================================  ==================================  =========  ========
case          program, state since                   sessions (due_on; all scheduled)    stalled    overdue
============  =====================================  ==================================  =========  ========
early         early consultation since 2026-09-01    none                                yes 85>30  no
monitoring    405 monitoring since 2026-07-01        #1 2026-12-15, …                    no (none)  no
other (14)    early consultation since 2026-10-01    none                                yes 55>30  no
overdue       405 monitoring since 2026-03-01, sato  #1 2026-08-10, #2 2027-02-10, …     no (none)  yes
both          early plan_submitted since 2024-12-02  FYE 2026-06-01 (05-31 is a Sunday)  yes 723>60 yes
closed        early closed since 2026-01-15          FYE 2026-06-01, never held          no         no: final
============  =====================================  ==================================  =========  ========

``overdue``'s company is named ``=1+2 合同会社ひかり``: a formula to a spreadsheet, defused in a download.
"""

from __future__ import annotations

import csv
from pathlib import Path

from tests.web.conftest import COORDINATOR, Site

HEADER = [
    "案件番号",
    "事業",
    "枠",
    "協議会",
    "事業者",
    "法人番号",
    "決算月",
    "状態コード",
    "状態の開始日",
    "担当",
    "代表認定支援機関",
    "金融機関",
    "メイン行",
    "受付日",
    "利用決定日",
    "計画日",
]
FORMULA_NAME = "=1+2 合同会社ひかり"


def add_listed_cases(site: Site, tmp_path: Path) -> Site:
    """Import the three cases; ``site.cases`` gains ``overdue``, ``both`` and ``closed``."""
    rows = [
        [
            "",
            "405",
            "regular",
            "13",
            FORMULA_NAME,
            "",
            "3",
            "monitoring",
            "2026-03-01",
            "sato",
            "みなと税理士法人",
            "さくら銀行",
            "さくら銀行",
            "2025-01-10",
            "2025-02-01",
            "2026-02-10",
        ],
        [
            "",
            "early",
            "standard",
            "13",
            "有限会社そよかぜ",
            "",
            "3",
            "plan_submitted",
            "2024-12-02",
            COORDINATOR,
            "みなと税理士法人",
            "さくら銀行",
            "さくら銀行",
            "2024-09-01",
            "2024-10-01",
            "2024-12-02",
        ],
        [
            "",
            "early",
            "standard",
            "13",
            "株式会社おわり商事",
            "",
            "3",
            "closed",
            "2026-01-15",
            COORDINATOR,
            "みなと税理士法人",
            "さくら銀行",
            "さくら銀行",
            "2024-10-01",
            "2024-11-01",
            "2025-01-15",
        ],
    ]
    path = tmp_path / "listed.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    overdue, both, closed = site.cli.ok("import", "cases", str(path))["cases"]
    site.cases.update(overdue=overdue, both=both, closed=closed)
    return site
