"""The planner statistics of the 100,000-case database (``bench/generate.py --seed 1``, after ANALYZE), for
tests that check a query plan on a tiny SQLite test database: with them, SQLite plans as it does at
national scale (227,000 sessions, ~136 due a day; ~2,084 cases a council; ~3,050 claims waiting)."""

from __future__ import annotations

import sqlalchemy as sa

NATIONAL_STATISTICS = {  # sqlite_stat1 rows: table → index → stat
    "cases": {
        "ix_cases_company_id": "100000 1",
        "ix_cases_coordinator": "100000 695",
        "ix_cases_council_state": "100000 2084 174",
        "ix_cases_council_company": "100000 2084 1",
        "ix_cases_state_since_council": "100000 8334 7 2",
        "sqlite_autoindex_cases_1": "100000 1",
    },
    "company": {"ix_company_name_folded": "100000 1", "sqlite_autoindex_company_1": "100000 1"},
    "fee_claim": {"ix_fee_claim_waiting": "3050 3 1", "ix_fee_claim_case_id": "156937 3"},
    "ledger_entry": {
        "ix_ledger_entry_case_id": "153887 3",
        "ix_ledger_holdback": "26700 1",
        "sqlite_autoindex_ledger_entry_1": "153887 1",
    },
    "monitoring_session": {
        "ix_monitoring_session_case_id": "226927 4",
        "ix_session_due": "226927 136",
        "ix_session_open_due": "90259 55",
        "sqlite_autoindex_monitoring_session_1": "226927 4 1",
    },
}


def load_national_statistics(conn: sa.Connection) -> None:
    """Give a SQLite test database the national statistics (its other tables keep their own)."""
    conn.exec_driver_sql("ANALYZE")
    for table, indexes in NATIONAL_STATISTICS.items():
        conn.exec_driver_sql("DELETE FROM sqlite_stat1 WHERE tbl = ?", (table,))
        for index, stat in indexes.items():
            conn.exec_driver_sql(
                "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", (table, index, stat)
            )
    conn.exec_driver_sql("ANALYZE sqlite_schema")  # reload the statistics into the planner
