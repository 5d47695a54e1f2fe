"""Server time per page of the web dashboard on a generated national database (bench/generate.py).

    python bench/generate.py --db /tmp/national.db --cases 100000
    cp /tmp/national.db /tmp/national-web.db          # the bench upgrades the schema and adds a user
    python bench/bench_web.py --db /tmp/national-web.db [--today 2026-11-25] [--runs 5]
        [--roles coordinator,hq] [--only case-list|search]

Upgrades the database (``init`` as bench-admin), adds a supervisor of council 13 (bench-sup13), sets
passwords through the services, signs each role in through the real app (Starlette's TestClient,
in-process: no network) and requests every page ``--runs`` times. Prints, per page and user, the
server time the app reports (``Server-Timing``: from the request reaching the app to the response
headers, the page fully rendered) — first request and median/max of the rest — the wall time of the
request and the size of the page. Goal (issue #8): every page ≤ 300 ms server time at 100,000 cases.
``--only intake``: 新規案件 and its pickers only (issue #16: the page's size).

``--baseline URL``: the same database through another URL (PostgreSQL: the tables' owner, whom
row-level security does not hold, while ``--db`` names the application's role), requested in turn with
``--db`` page by page, so both see the same load; adds its median and the ratio ``--db`` / baseline.

    python bench/bench_web.py --db postgresql+psycopg://ct_app@host/national \
        --baseline postgresql+psycopg://owner@host/national
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import statistics
import sys
import time
from typing import Any
from urllib.parse import quote

from casetrack import services
from casetrack.services import Context
from casetrack.settings import Settings

PASSWORD = "bench password 2026"
USERS = {"coordinator": "coord13_1", "supervisor": "bench-sup13", "hq": "bench-hq", "admin": "bench-admin"}
GOAL_MS = 300.0


def prepare(url: str, today: dt.date) -> dict[str, str]:
    admin = Context(url, today, "bench-admin")
    result = services.init_db(admin)
    print(f"schema {result['schema_before']} → {result['schema']}", file=sys.stderr)
    if not any(
        u["name"] == USERS["supervisor"] for u in services.list_users(Context(url, today, "bench-admin"))
    ):
        services.add_user(
            Context(url, today, "bench-admin"),
            name=USERS["supervisor"],
            council="13",
            email=None,
            role="supervisor",
        )
    for name in USERS.values():
        services.set_password(Context(url, today, "bench-admin"), name, PASSWORD)
    hq = Context(url, today, "bench-hq")
    cases = {}
    for label, filters in (
        ("monitoring", {"state": "monitoring"}),
        ("negotiating", {"state": "negotiating"}),
        ("drafting", {"state": "drafting", "program": "early"}),
    ):
        rows = services.search_cases(hq, coordinator=USERS["coordinator"], per_page=1, **filters)["rows"]
        cases[label] = rows[0]["id"]
    number = next(
        r["corporate_number"] for r in services.search_cases(hq, per_page=50)["rows"] if r["corporate_number"]
    )
    cases["corporate_number"] = number
    cases["company"] = str(
        services.search_cases(hq, coordinator=USERS["coordinator"], per_page=1)["rows"][0]["company_id"]
    )
    cases["bank"] = str(next(o["id"] for o in services.list_orgs(hq) if o["is_bank"]))
    return cases


def pages(cases: dict[str, str]) -> list[tuple[str, str]]:
    return [
        ("Today", "/"),
        ("Today, council 13", "/?council=13"),
        ("cases, first page", "/cases"),
        ("cases, state=monitoring page 20", "/cases?state=monitoring&page=20"),
        ("cases, 405 negotiating", "/cases?program=405&state=negotiating"),
        ("cases, name search", "/cases?q=%E5%B7%A5%E6%A5%AD"),  # 工業
        ("cases, 法人番号", f"/cases?q={cases['corporate_number']}"),
        ("cases, last page", "/cases?page=2000"),
        ("case (monitoring)", f"/cases/{cases['monitoring']}"),
        ("case (405 negotiating)", f"/cases/{cases['negotiating']}"),
        ("case (early drafting)", f"/cases/{cases['drafting']}"),
        ("calendar (own council / pick one)", "/calendar?month=2026-12"),
        ("calendar, council 13", "/calendar?month=2026-12&council=13"),
        ("calendar, council 13 whole council", "/calendar?month=2026-12&council=13&view=council"),
        (
            "calendar, council 13 with a day's list",
            "/calendar?month=2026-12&council=13&view=council&day=2026-12-15",
        ),
        ("新規案件 (form)", "/cases/new"),
        ("新規案件, company picker 工業", "/cases/new/companies?company_q=%E5%B7%A5%E6%A5%AD"),
        # generate.py names them 支援機関NNNNN and 金融機関NNNN: every one matches, the most a picker counts
        ("新規案件, support picker 支援機関", f"/cases/new/orgs?part=support&support_q={quote('支援機関')}"),
        ("新規案件, lender picker 金融機関", f"/cases/new/orgs?part=lender&lender_q={quote('金融機関')}"),
        (
            "新規案件, lender picker 金融機関005",
            f"/cases/new/orgs?part=lender&lender_q={quote('金融機関005')}",
        ),
        ("companies, first page", "/companies"),
        ("companies, name search 工業", "/companies?q=%E5%B7%A5%E6%A5%AD"),
        ("companies by name, page 20", "/companies?sort=name&page=20"),
        ("company (with its cases)", f"/companies/{cases['company']}"),
        ("organisations", "/orgs"),
        ("organisation (a bank, with its cases)", f"/orgs/{cases['bank']}"),
        ("400 page", "/cases?page=x"),
    ]


SORTS = ("id", "program", "company", "corporate_number", "state", "state_since", "coordinator")


def case_list_pages() -> list[tuple[str, str]]:
    """案件一覧's search and sort (issue #16): every column both ways, folded searches, 進行中のみ, and the
    remembered filters (``/cases`` without a query answers 303 to the user's last ones)."""
    out = [(f"cases, sort={c} {o}", f"/cases?sort={c}&order={o}") for c in SORTS for o in ("asc", "desc")]
    return out + [
        ("cases, kana search ｻｸﾗ (half-width)", "/cases?q=%EF%BD%BB%EF%BD%B8%EF%BE%97"),
        ("cases, search 工業 sorted by company", "/cases?q=%E5%B7%A5%E6%A5%AD&sort=company"),
        ("cases, open only by state_since desc", "/cases?open=1&sort=state_since&order=desc"),
        (
            "cases, monitoring by coordinator desc page 5",
            "/cases?state=monitoring&sort=coordinator&order=desc&page=5",
        ),
        ("cases, remembered filters (303)", "/cases"),
    ]


def search_pages() -> list[tuple[str, str]]:
    """Every name search (issue #16: the folded-name column): no match, a folded match of 100 companies
    (full-width digits), a match of every company, the intake picker, the company and organisation pages."""
    fullwidth, every = (
        "%E4%BA%8B%E6%A5%AD%E8%80%85%EF%BC%90%EF%BC%90%EF%BC%90%EF%BC%91%EF%BC%92",
        "%E6%A0%AA%E5%BC%8F",
    )
    return [
        ("cases, name search 工業", "/cases?q=%E5%B7%A5%E6%A5%AD"),
        ("cases, kana search ｻｸﾗ (half-width)", "/cases?q=%EF%BD%BB%EF%BD%B8%EF%BE%97"),
        ("cases, search 工業 sorted by company", "/cases?q=%E5%B7%A5%E6%A5%AD&sort=company"),
        ("cases, search 事業者０００１２ (100 companies)", f"/cases?q={fullwidth}"),
        ("cases, search 株式 (every company)", f"/cases?q={every}"),
        ("新規案件, company picker 工業", "/cases/new/companies?company_q=%E5%B7%A5%E6%A5%AD"),
        ("companies, name search 工業", "/companies?q=%E5%B7%A5%E6%A5%AD"),
        ("companies, search 事業者０００１２ (100)", f"/companies?q={fullwidth}"),
        ("companies, search 株式 (every company)", f"/companies?q={every}"),
        ("organisations, search 金融機関 (600)", "/orgs?q=%E9%87%91%E8%9E%8D%E6%A9%9F%E9%96%A2"),
        ("organisations, search 工業", "/orgs?q=%E5%B7%A5%E6%A5%AD"),
    ]


def signed_in(client: Any, role: str) -> Any:
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    signed = client.post("/login", data={"username": USERS[role], "password": PASSWORD, "csrf_token": token})
    assert signed.status_code == 303, signed.text[:300]
    return client


def server_ms(response: Any) -> float:
    match = re.fullmatch(r"app;dur=([\d.]+)", response.headers.get("server-timing", ""))
    return float(match.group(1)) if match else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", required=True, help="SQLAlchemy URL or SQLite file of a generated database")
    parser.add_argument("--today", default="2026-11-25")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--roles", default="coordinator,supervisor,hq,admin")
    parser.add_argument("--baseline", help="the same database through another URL (e.g. the tables' owner)")
    parser.add_argument(
        "--only",
        choices=("all", "case-list", "intake", "search"),
        default="all",
        help="case-list: only 案件一覧's search and sort pages; intake: only 新規案件's; "
        "search: only the name searches",
    )
    args = parser.parse_args()
    from starlette.testclient import TestClient

    from casetrack.store.db import normalise_url
    from casetrack.web.app import create_app

    url = normalise_url(args.db)
    today = dt.date.fromisoformat(args.today)
    cases = prepare(url, today)
    app = create_app(url, Settings(), today=today)
    print(f"database {url}; as of {today}; {args.runs} runs per page; cases {cases}")
    extra = (" baseline median (ms) | ratio |", "---|---|") if args.baseline else ("", "")
    print(
        f"| page | role | status | first (ms) | median (ms) | max (ms) | wall median (ms) | KB | "
        f"median ≤ {GOAL_MS:.0f} ms |{extra[0]}"
    )
    print(f"|---|---|---|---|---|---|---|---|---|{extra[1]}")
    chosen = {
        "all": pages(cases) + case_list_pages(),
        "case-list": case_list_pages(),
        "search": search_pages(),
        "intake": [p for p in pages(cases) if p[1].startswith("/cases/new")],
    }[args.only]
    base_app = create_app(normalise_url(args.baseline), Settings(), today=today) if args.baseline else None
    worst = 0.0
    for role in args.roles.split(","):
        client = signed_in(TestClient(app, follow_redirects=False), role)
        base = signed_in(TestClient(base_app, follow_redirects=False), role) if base_app else None
        for name, path in chosen:
            server, wall, status, size, baseline = [], [], 0, 0, []
            for _ in range(args.runs):
                if base is not None:  # in turn, so that both meet the same load
                    baseline.append(server_ms(base.get(path)))
                start = time.perf_counter()
                response = client.get(path)
                wall.append((time.perf_counter() - start) * 1000)
                server.append(server_ms(response))
                status, size = response.status_code, len(response.content)
            rest = server[1:] or server
            worst = max(worst, statistics.median(rest)) if status < 500 else worst
            against = ""
            if baseline:
                base_median = statistics.median(baseline[1:] or baseline)
                against = f" {base_median:.0f} | {statistics.median(rest) / base_median:.2f} |"
            print(
                f"| {name} | {role} | {status} | {server[0]:.0f} | {statistics.median(rest):.0f} | {max(rest):.0f} | "
                f"{statistics.median(wall[1:] or wall):.0f} | {size / 1024:,.1f} | "
                f"{'yes' if statistics.median(rest) <= GOAL_MS else 'NO'} |{against}",
                flush=True,
            )
        if (
            role in ("coordinator", "supervisor") and args.only == "all"
        ):  # a refused event: 303 to the case page, the refusal kept once
            page = client.get(f"/cases/{cases['monitoring']}").text
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
            version = re.search(r'name="version" value="(\d+)"', page)
            server = []
            for _ in range(args.runs):
                response = client.post(
                    f"/cases/{cases['monitoring']}/advance",
                    data={
                        "csrf_token": csrf,
                        "event": "apply",
                        "version": version.group(1) if version else "1",
                    },
                )
                server.append(server_ms(response))
            rest = server[1:] or server
            worst = max(worst, statistics.median(rest))
            print(
                f"| advance refused (POST) | {role} | {response.status_code} | {server[0]:.0f} | "
                f"{statistics.median(rest):.0f} | {max(rest):.0f} | | | {'yes' if statistics.median(rest) <= GOAL_MS else 'NO'} |",
                flush=True,
            )
    print(f"worst median server time: {worst:.0f} ms (goal ≤ {GOAL_MS:.0f} ms)")


if __name__ == "__main__":
    main()
