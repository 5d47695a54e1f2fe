"""Rows loaded with their own ids (store.bulk.load: the dataset generator, the multi-node seed) leave
PostgreSQL's id sequences behind unless the loader moves them: the next `company add` / `org add`
would collide with a loaded row. After a load the next ids follow the highest loaded one."""

from __future__ import annotations

import datetime as dt

from casetrack.store.bulk import load
from casetrack.store.db import get_engine
from tests.conftest import Cli


def test_the_next_ids_follow_a_bulk_load(cli: Cli) -> None:
    now = dt.datetime.now(dt.UTC)
    load(
        get_engine(cli.db_url),
        [
            {
                "company": [
                    {
                        "id": i,
                        "name": f"株式会社{i}",
                        "corporate_number": None,
                        "fiscal_year_end_month": 3,
                        "founded_on": None,
                        "prefecture": "13",
                        "created_at": now,
                    }
                    for i in (1, 2, 7)
                ],
                "organisation": [
                    {
                        "id": 40,
                        "name": "税理士法人",
                        "kind": "tax_accountant",
                        "certified": True,
                        "email": "adviser@example.jp",
                        "is_bank": False,
                    }
                ],
            }
        ],
    )
    company = cli.ok("company", "add", "--name", "株式会社つぎ", "--fiscal-year-end-month", "3")
    org = cli.ok("org", "add", "--name", "つぎの銀行", "--kind", "bank")
    assert (company["id"], org["id"]) == (8, 41)
