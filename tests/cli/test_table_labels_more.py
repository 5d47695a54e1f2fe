"""`org list`, `caseload` and `outbox list`: their tables show labels (種別, 状態, 送信状態, 種類, 時期), never
the codes; `--format json|csv` keep the codes and add `*_label` beside them; the tables fit 120 columns."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from casetrack import services
from casetrack.cli.output import width
from casetrack.services.reminders import enqueue_due
from tests.cli import helpers as h
from tests.conftest import ADMIN, Cli, World
from tests.notify.helpers import case_in_monitoring


def _tokens(text: str, *codes: str) -> list[str]:
    return [c for c in codes if re.search(rf"(?<![A-Za-z0-9_]){c}(?![A-Za-z0-9_])", text)]


def test_org_list(cli: Cli, world: World) -> None:
    table = cli("org", "list")
    assert table.code == 0
    assert "税理士" in table.out and "金融機関" in table.out and "その他" in table.out
    assert _tokens(table.out, "tax_accountant", "bank", "other") == []
    rows = {r["id"]: r for r in cli.ok("org", "list")}
    assert (rows[world.tax]["kind"], rows[world.tax]["kind_label"]) == ("tax_accountant", "税理士")
    assert (rows[world.uncertified]["kind"], rows[world.uncertified]["kind_label"]) == ("other", "その他")
    listed = list(csv.DictReader(io.StringIO(cli("org", "list", "--format", "csv").out)))
    assert {(r["kind"], r["kind_label"]) for r in listed} == {
        ("tax_accountant", "税理士"),
        ("other", "その他"),
        ("bank", "金融機関"),
    }


def test_caseload(cli: Cli, world: World) -> None:
    h.drive_early(cli, world, "drafting")
    h.open_early(cli, world)
    by_state = cli("caseload")
    assert by_state.code == 0, by_state.err
    # two open early cases: one in 事前相談 and one in 計画策定中 (DOMAIN.md: early states)
    assert "事前相談" in by_state.out and "計画策定中" in by_state.out
    assert _tokens(by_state.out, "consultation", "drafting", "closed", "withdrawn", "lapsed") == []
    assert max(width(line) for line in by_state.out.splitlines()) <= 120
    rows = {r["key"]: r for r in cli.ok("caseload")}
    assert (rows["consultation"]["key_label"], rows["drafting"]["key_label"]) == ("事前相談", "計画策定中")
    assert rows["consultation"]["by_state"] == {"consultation": 1}
    by_program = cli("caseload", "--by", "program")
    assert "早期経営改善計画策定支援" in by_program.out and _tokens(by_program.out, "early") == []
    assert cli.ok("caseload", "--by", "program")[0]["key_label"] == "早期経営改善計画策定支援"
    by_council = cli.ok("caseload", "--by", "council")
    assert [(r["key"], r["key_label"]) for r in by_council] == [("13", "東京都中小企業活性化協議会")]


def test_outbox_list(cli: Cli, world: World) -> None:
    cid = case_in_monitoring(cli, world)
    ctx = services.Context(
        db_url=cli.db_url, today=dt.date(2027, 4, 6), user=ADMIN
    )  # session 1's 30-day rung
    assert enqueue_due(ctx, ctx.today) > 0
    table = cli("outbox", "list", user=ADMIN, today="2027-04-06")
    assert table.code == 0, table.err
    assert (
        "送信待ち" in table.out
        and "伴走支援" in table.out
        and "期限の30日前" in table.out
        and cid in table.out
    )
    assert _tokens(table.out, "pending", "session", "upcoming_30", "support_org") == []
    assert max(width(line) for line in table.out.splitlines()) <= 120
    assert "認定支援機関" in cli("outbox", "list", "--wide", user=ADMIN, today="2027-04-06").out
    row = next(
        r for r in cli.ok("outbox", "list", user=ADMIN, today="2027-04-06") if r["rung"] == "upcoming_30"
    )
    assert (
        row["status"],
        row["status_label"],
        row["item"],
        row["item_label"],
        row["rung_label"],
        row["recipient_role"],
        row["recipient_role_label"],
    ) == ("pending", "送信待ち", "session", "伴走支援", "期限の30日前", "support_org", "認定支援機関")
    header = cli("outbox", "list", "--format", "csv", user=ADMIN, today="2027-04-06").out.splitlines()[0]
    assert "status,status_label" in header and "rung,rung_label" in header
