"""The dashboard over HTTP (Starlette's TestClient) against the same real databases as the CLI tests:
a SQLite file and, with CASETRACK_TEST_POSTGRES_URL, a fresh PostgreSQL schema.

The site: council 13 with a coordinator (kato), the suite's supervisor (tester: 13/27/01), hq, the
admin, and a supervisor of council 14 (yokohama) whose case no one of council 13 may see. Cases, all
built through the real CLI:

- ``early``: an early case of council 13 (kato), in 事前相談 since 2026-09-01 (a stalled finding
  today, 2026-11-25), a plan estimate of 1,234,567円, and no 事前相談書 yet, so 利用申請 is refused;
- ``monitoring``: a 405 case of council 13 (kato) imported in 伴走支援中 with plan date 2026-06-15, so
  its first session is due 2026-12-15, inside the next 30 days;
- ``other``: an early case of council 14 (yokohama).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from casetrack import services
from casetrack.services import Context
from casetrack.settings import Settings
from casetrack.web.app import create_app
from tests.conftest import ADMIN, TESTER, Cli, World

TODAY = dt.date(2026, 11, 25)
PASSWORD = "correct horse battery staple"
COORDINATOR, SUPERVISOR, HQ, OTHER_SUPERVISOR = "kato", TESTER, "honbu", "yokohama"
ACTOR = {"coordinator": COORDINATOR, "supervisor": SUPERVISOR, "hq": HQ, "admin": ADMIN}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


STATUS = re.compile(r'role="alert" id="[a-z-]+" data-status="(\d{3})"')


class RefusalsFollowed(TestClient):
    """A client that reads a refused form as a person sees it. A refused form is answered 303 to its page
    (a URL without a query: a success always carries ``?done=…``), which shows the refusal once (kept on
    the server); this client follows that redirect and answers that page with the refusal's status (the
    ``data-status`` of its alert), so the tests of what is refused, and why, read the page the browser
    shows. A redirect whose page shows no refusal is answered as it came. The redirect itself is checked
    with a plain client (``follow_refusals=False``) in test_prg.py."""

    def post(self, url: Any, **kw: Any) -> Any:  # type: ignore[override]
        response = super().post(url, **kw)
        location = response.headers.get("location", "")
        if (
            response.status_code == 303
            and location.startswith("/")
            and "?" not in location
            and location not in ("/", "/login", "/staff", "/reassign")
        ):
            page = super().get(location)
            match = STATUS.search(page.text)
            if match:
                page.status_code = int(match.group(1))
                return page
        return response


class Clock:
    """The instant sessions are judged by; tests move it."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 25, 0, 30, tzinfo=dt.UTC)  # 09:30 in Tokyo

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@dataclass
class Site:
    cli: Cli
    world: World
    clock: Clock
    cases: dict[str, str]
    settings: Settings = field(default_factory=Settings)

    @property
    def db_url(self) -> str:
        return self.cli.db_url

    def app(self, **kw: Any) -> Any:
        return create_app(self.db_url, kw.pop("settings", self.settings), today=TODAY, clock=self.clock, **kw)

    def client(
        self, base_url: str = "http://testserver", *, follow_refusals: bool = True, **kw: Any
    ) -> TestClient:
        kind = RefusalsFollowed if follow_refusals else TestClient
        return kind(self.app(**kw), base_url=base_url, follow_redirects=False)

    def signed_in(self, user: str, **kw: Any) -> TestClient:
        client = self.client(**kw)
        response = sign_in(client, user)
        assert response.status_code == 303, response.text
        return client

    def ctx(self, user: str = ADMIN) -> Context:
        return Context(self.db_url, TODAY, user)

    def history(self, case_id: str) -> list[dict[str, Any]]:
        return list(self.cli.ok("case", "history", case_id))


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no csrf_token in the page"
    return match.group(1)


def sign_in(client: TestClient, user: str, password: str = PASSWORD) -> Any:
    form = client.get("/login")
    assert form.status_code == 200
    return client.post(
        "/login", data={"username": user, "password": password, "csrf_token": csrf_of(form.text)}
    )


def _import_monitoring_case(cli: Cli, tmp: Path) -> str:
    path = tmp / "monitoring.csv"
    header = [
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
    row = [
        "",
        "405",
        "regular",
        "13",
        "株式会社あさひ製作所",
        "",
        "3",
        "monitoring",
        "2026-07-01",
        COORDINATOR,
        "みなと税理士法人",
        "さくら銀行・東都信用金庫（保証付）",
        "さくら銀行",
        "2025-04-01",
        "2025-04-20",
        "2026-06-15",
    ]
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, row])
    (case_id,) = cli.ok("import", "cases", str(path))["cases"]
    return str(case_id)


@pytest.fixture
def site(cli: Cli, world: World, tmp_path: Path) -> Iterator[Site]:
    yield Site(cli, world, Clock(), cli.once("site", lambda: _build_site(cli, world, tmp_path)))


def _build_site(cli: Cli, world: World, tmp_path: Path) -> dict[str, str]:
    cli.ok("user", "add", COORDINATOR, "--council", "13", "--email", "kato@council.example.jp", user=ADMIN)
    cli.ok("user", "add", HQ, "--council", "00", "--role", "hq", user=ADMIN)
    cli.ok("user", "add", OTHER_SUPERVISOR, "--council", "14", "--role", "supervisor", user=ADMIN)
    for name in (COORDINATOR, SUPERVISOR, HQ, ADMIN, OTHER_SUPERVISOR):
        services.set_password(Context(cli.db_url, TODAY, ADMIN), name, PASSWORD)
    early = cli.ok(
        "case",
        "open",
        "--program",
        "early",
        "--council",
        "13",
        "--company",
        str(world.company),
        "--support-org",
        str(world.tax),
        "--lender",
        f"{world.bank_main}:main",
        "--coordinator",
        COORDINATOR,
        "--estimate",
        "plan=1234567",
        "--on",
        "2026-09-01",
        today="2026-09-01",
    )["id"]
    other = cli.ok(
        "case",
        "open",
        "--program",
        "early",
        "--council",
        "14",
        "--company",
        str(world.company_dec),
        "--support-org",
        str(world.tax),
        "--lender",
        f"{world.bank_second}:main",
        "--on",
        "2026-10-01",
        today="2026-10-01",
        user=OTHER_SUPERVISOR,
    )["id"]
    monitoring = _import_monitoring_case(cli, tmp_path)
    return {"early": early, "other": other, "monitoring": monitoring}


# -- a 405 case with money, built through the real CLI (only for the tests that ask for it) ------------

HOLDBACK_PLAN_DATE = "2025-10-15"  # sessions every 6 months: 2026-04-15, 2026-10-15, …, 2028-04-15 (a
# Saturday: due Monday 2028-04-17), 2028-10-15 (a Sunday: due Monday 2028-10-16)


def holdback_case(site: Site, *, until: str = "decide_payment") -> str:
    """A 405/regular case of council 13 (kato) with estimates plan 3,300,000 and monitoring 1,200,000,
    plan date 2025-10-15 and a plan claim of 3,300,000. With ``until="decide_payment"`` (the default)
    the claim is decided on 2025-11-05: by hand, 3,300,000 × 2/3 = 2,200,000 > cap 2,000,000 → subsidy
    2,000,000, retained floor(2,000,000 / 2) = 1,000,000, paid 1,000,000, company share 1,300,000; the
    case is in 伴走支援中 with every session still scheduled. With ``until="claim_payment"`` it waits
    in 支払申請済 for that decision."""
    cli, w = site.cli, site.world

    def on(day: str, *args: str) -> Any:
        return cli.ok(*args, today=day)

    case_id = str(
        on(
            "2025-04-01",
            "case",
            "open",
            "--program",
            "405",
            "--track",
            "regular",
            "--council",
            "13",
            "--company",
            str(w.company),
            "--support-org",
            str(w.tax),
            "--lender",
            f"{w.bank_main}:main",
            "--lender",
            f"{w.bank_second}:guaranteed",
            "--coordinator",
            COORDINATOR,
            "--estimate",
            "plan=3300000",
            "--estimate",
            "monitoring=1200000",
            "--monitoring-interval-months",
            "6",
            "--on",
            "2025-04-01",
        )["id"]
    )
    on("2025-04-01", "doc", "add", case_id, "schedule_chart", "--on", "2025-04-01")
    on("2025-04-01", "doc", "add", case_id, "application", "--on", "2025-04-01")
    on("2025-04-05", "case", "advance", case_id, "apply", "--on", "2025-04-05")
    on("2025-04-21", "case", "advance", case_id, "accept", "--on", "2025-04-21")
    on("2025-06-02", "doc", "add", case_id, "plan", "--on", "2025-06-02")
    on("2025-06-02", "case", "advance", case_id, "start_negotiation", "--on", "2025-06-02")
    for bank in (w.bank_main, w.bank_second):
        on(
            HOLDBACK_PLAN_DATE,
            "doc",
            "add",
            case_id,
            "consent_letter",
            "--lender",
            str(bank),
            "--on",
            HOLDBACK_PLAN_DATE,
        )
    on(
        HOLDBACK_PLAN_DATE,
        "case",
        "advance",
        case_id,
        "agree",
        "--on",
        HOLDBACK_PLAN_DATE,
        "--agreement",
        "*=reschedule",
    )
    on("2025-10-20", "fee", "claim", case_id, "plan", "--fee", "3300000", "--on", "2025-10-20")
    on("2025-10-20", "doc", "add", case_id, "share_transfer", "--on", "2025-10-20")
    on("2025-10-20", "doc", "add", case_id, "guarantee_negotiation", "--on", "2025-10-20")  # for its fee
    on("2025-10-20", "case", "advance", case_id, "claim_payment", "--on", "2025-10-20")
    if until == "decide_payment":
        on("2025-11-05", "case", "advance", case_id, "decide_payment", "--on", "2025-11-05")
    return case_id


class Shots:
    """A browser test's screenshots, to look at what a page shows: taken only when ``folder`` is set
    (``$CASETRACK_SCREENSHOTS``). A full-page PNG costs Chromium ~0.3 s and the browser tests take ~40, a
    fifth of their time, for files no one opens in a run that throws its temporary folders away."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def take(self, target: Any, name: str, **kw: Any) -> None:
        """``target.screenshot`` (a page or a locator) into ``folder/name``."""
        if self.folder is not None:
            target.screenshot(path=str(self.folder / name), **kw)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One Chromium per test process, started by the first browser test (tests/web/test_browser.py
    ``browser``), instead of ~1 s of launching for each."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        assert CHROMIUM, "Debian's chromium is not installed (apt-get install chromium)"
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()
