"""再利用承認 in the supervisor's queue (今日): a 405 re-use case opened under a rule set that asks for the
council's approval (2024-04-01: reuse_needs_council_approval) waits for approve_reuse, with its days
waiting, until a supervisor gives it; a coordinator's Today has no queue."""

from __future__ import annotations

from tests.web.conftest import COORDINATOR, SUPERVISOR, Site


def _reuse_case(site: Site) -> tuple[str, str]:
    cli, w = site.cli, site.world
    first = str(
        cli.ok(
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
            "plan=300000",
            "--estimate",
            "monitoring=100000",
            "--on",
            "2025-04-01",
            today="2025-04-01",
        )["id"]
    )
    cli.ok("doc", "add", first, "application", "--on", "2025-04-01", today="2025-04-01")
    cli.ok("case", "advance", first, "apply", "--on", "2025-04-05", today="2025-04-05")
    cli.ok("case", "advance", first, "accept", "--on", "2025-04-21", today="2025-04-21")
    cli.ok(
        "case",
        "advance",
        first,
        "withdraw",
        "--reason",
        "事業者の申出",
        "--on",
        "2025-05-01",
        today="2025-05-01",
    )
    again = str(
        cli.ok(
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
            "plan=300000",
            "--estimate",
            "monitoring=100000",
            "--reuse-ground",
            "covid",
            "--reuse-reason",
            "コロナ禍で売上が半減",
            "--on",
            "2026-11-05",
            today="2026-11-05",
        )["id"]
    )
    return first, again


def test_a_reuse_case_waits_for_the_councils_approval(site: Site) -> None:
    _first, again = _reuse_case(site)
    supervisor = site.signed_in(SUPERVISOR)
    queue = supervisor.get("/").text.split('id="decisions"')[1].split("</section>")[0]
    row = next(r for r in queue.split("<tr") if again in r)
    assert "再利用承認" in row and "20日" in row  # 2026-11-05 → 2026-11-25 (TODAY), counted by hand
    assert "事前相談" in row
    assert 'id="decisions"' not in site.signed_in(COORDINATOR).get("/").text
    site.cli.ok("case", "advance", again, "approve_reuse", "--on", "2026-11-25")
    queue = supervisor.get("/").text.split('id="decisions"')[1].split("</section>")[0]
    assert again not in queue
