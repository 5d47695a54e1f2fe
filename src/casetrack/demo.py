"""The guided tour behind ``casetrack demo``: realistic cases of both programs, walked through
their states on a throw-away SQLite file, through the same services the CLI uses."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from . import services
from .domain.guards import reasons_for_people
from .errors import CasetrackError
from .settings import MailSettings, Settings
from .store.db import normalise_url

D = dt.date.fromisoformat
DEMO_TODAY = D("2030-01-15")  # the tour plays out over 2025–2029 and looks back from here


def run_demo(echo: Callable[[str], None], keep: bool = False, db: str | None = None) -> None:
    folder = Path(tempfile.mkdtemp(prefix="casetrack-demo-"))
    url = normalise_url(str(folder / "demo.db"))
    settings = Settings(
        mail=MailSettings(
            transport="file",
            dir=str(folder / "outbox-mail"),
            sender="casetrack 協議会 <casetrack@kyogikai.example.jp>",
        )
    )
    ctx = services.Context(db_url=url, today=DEMO_TODAY, user="kanri", settings=settings)
    try:
        _tour(ctx, echo, folder)
    finally:
        ctx.engine.dispose()
        if keep:
            echo(f"\nThe demo database is kept: casetrack --db {folder / 'demo.db'} case list")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def _tour(admin: services.Context, echo: Callable[[str], None], folder: Path) -> None:
    from dataclasses import replace

    from .domain.policy import event_action
    from .domain.schedule import moved_text

    info = services.init_db(admin, admin="kanri")
    echo(
        f"casetrack demo — a throw-away database with {info['councils']} councils (schema {info['schema']})."
    )
    echo(f"Everything below is judged as of {admin.today}.\n")
    staff = (
        ("sato", "13", "coordinator", "sato@tokyo-kyogikai.example.jp", "佐藤 花子"),
        ("yamada", "13", "supervisor", "yamada@tokyo-kyogikai.example.jp", "山田 太郎"),
        ("tanaka", "27", "supervisor", "tanaka@osaka-kyogikai.example.jp", "田中 一郎"),
        ("kato", "00", "hq", "kato@hq-kyogikai.example.jp", "加藤 恵"),
    )
    for name, council, role, email, display_name in staff:
        services.add_user(
            admin, name=name, council=council, email=email, role=role, display_name=display_name
        )
    echo(
        "Staff (added by the admin kanri): "
        + ", ".join(f"{n} {d} ({r}, council {c})" for n, c, r, _, d in staff)
        + "\n"
    )
    people = {name: replace(admin, user=name) for name, *_ in staff}
    ctx = people["sato"]  # Tokyo's coordinator does the case work there; yamada decides; tanaka runs Osaka

    def actor(case_id: str, event: str | None = None) -> services.Context:
        if case_id.startswith("27-"):
            return people["tanaka"]
        return people["yamada"] if event and event_action(event) == "case.decide" else people["sato"]

    def step(case_id: str, event: str, on: str, **kw: object) -> None:
        try:
            result = services.advance(actor(case_id, event), case_id, event, on=D(on), **kw)  # type: ignore[arg-type]
            echo(f"  {on}  {event:<18} → {result['state']} ({result['state_label']})")
        except CasetrackError as exc:
            echo(f"  {on}  {event:<18} ✗ refused:")
            # a rule's refusal says where the rule comes from (出典：パンフレット…, 協議会の運用, 本システムの既定値)
            for reason in reasons_for_people(exc.details) or [exc.message]:
                echo(f"      - {reason}")

    def doc(case_id: str, kind: str, on: str, lender: int | None = None) -> None:
        services.add_document(actor(case_id), case_id, kind, lender_id=lender, on=D(on), file=None)
        echo(f"  {on}  + document {kind}" + (f" from lender {lender}" if lender else ""))

    tax = services.add_org(
        ctx,
        name="みなと税理士法人",
        kind="tax_accountant",
        certified=True,
        email="office@minato-tax.example.jp",
    )["id"]
    sme = services.add_org(
        ctx,
        name="中小企業診断士 鈴木事務所",
        kind="sme_consultant",
        certified=True,
        email="suzuki@example.jp",
    )["id"]
    bank_a = services.add_org(
        ctx, name="さくら銀行", kind="bank", certified=True, email="loan@sakura.example.jp"
    )["id"]
    bank_b = services.add_org(ctx, name="東都信用金庫", kind="bank", certified=True, email=None)["id"]
    bank_c = services.add_org(ctx, name="日本政策金融公庫", kind="bank", certified=False, email=None)["id"]
    kobo = services.add_company(
        ctx,
        name="株式会社みどり工房",
        corporate_number_="1180301018771",
        fiscal_year_end_month=3,
        founded_on=D("1987-06-01"),
        prefecture="13",
    )["id"]
    seika = services.add_company(
        ctx,
        name="浪速精密工業株式会社",
        corporate_number_="7010001008844",
        fiscal_year_end_month=9,
        founded_on=D("1972-04-10"),
        prefecture="27",
    )["id"]
    cafe = services.add_company(
        ctx,
        name="喫茶ひまわり（個人事業主）",
        corporate_number_=None,
        fiscal_year_end_month=12,
        founded_on=None,
        prefecture="13",
    )["id"]

    echo("1) early/standard — 株式会社みどり工房 (Tokyo) all the way to closed")
    c1 = services.open_case(
        ctx,
        program="early",
        track=None,
        council="13",
        company_id=kobo,
        support_orgs=[tax],
        lenders=[services.LenderArg(bank_a, main=True)],
        coordinator="sato",
        interim_monitoring=True,
        interval_months=None,
        estimates={"plan": 180000},
        reuse_reason=None,
        on=D("2025-05-12"),
    )["id"]
    echo(f"  2025-05-12  opened {c1} in consultation")
    doc(c1, "application", "2025-05-12")
    step(c1, "apply", "2025-05-20")
    doc(c1, "pre_consultation_letter", "2025-05-21", bank_a)
    step(c1, "apply", "2025-05-22")
    step(c1, "accept", "2025-06-02")
    doc(c1, "plan", "2025-09-10")
    doc(c1, "bank_receipt", "2025-09-12", bank_a)
    step(c1, "submit_plan", "2025-09-12")
    services.claim_fee(ctx, c1, "plan", fee=200000, session=None, on=D("2025-09-30"))
    echo("  2025-09-30  + plan fee claim 200,000円 (estimate 180,000円: eligible 180,000 → subsidy 120,000)")
    doc(c1, "share_transfer", "2025-09-30")
    step(c1, "claim_payment", "2025-09-30")
    step(c1, "decide_payment", "2025-10-15")
    shown = services.show_case(ctx, c1)
    for s in shown["monitoring"]:
        moved = (
            f" (nominal {s['nominal_due_on']}, closed {moved_text(s['moved_because'])})"
            if s["moved_because"]
            else ""
        )
        echo(f"      session {s['seq']} {s['kind']:<8} due {s['due_on']}{moved}")
    step(c1, "close", "2026-04-01")
    services.record_session(ctx, c1, 1, held_on=D("2026-03-10"), note="期中の進捗確認")
    services.record_session(ctx, c1, 2, held_on=D("2027-05-20"), note="決算確定後の面談")
    echo("  2027-05-20  sessions 1 (interim) and 2 (fiscal-year end) held")
    step(c1, "close", "2027-05-25")

    echo("\n2) 405/regular — 浪速精密工業 (Osaka): three lenders, holdback, six sessions")
    osaka = people["tanaka"]
    c2 = services.open_case(
        osaka,
        program="405",
        track="regular",
        council="27",
        company_id=seika,
        support_orgs=[sme],
        lenders=[
            services.LenderArg(bank_a, main=True),
            services.LenderArg(bank_b, guaranteed=True),
            services.LenderArg(bank_c),
        ],
        coordinator="tanaka",
        interim_monitoring=False,
        interval_months=6,
        estimates={"plan": 3300000, "monitoring": 1200000},
        reuse_reason=None,
        on=D("2025-04-01"),
    )["id"]
    echo(f"  2025-04-01  opened {c2} in consultation")
    doc(c2, "application", "2025-04-01")
    step(c2, "apply", "2025-04-10")
    doc(c2, "schedule_chart", "2025-04-10")
    step(c2, "apply", "2025-04-11")
    step(c2, "accept", "2025-04-20")
    doc(c2, "plan", "2025-08-01")
    step(c2, "start_negotiation", "2025-08-01")
    step(c2, "extend", "2025-12-01", reason="公庫の審査に時間を要するため", until=D("2027-10-31"))
    doc(c2, "consent_letter", "2026-01-20", bank_a)
    doc(c2, "consent_letter", "2026-02-02", bank_b)
    step(c2, "agree", "2026-02-02", agreements=[services.AgreementArg(bank_a, "reschedule")])
    doc(c2, "consent_letter", "2026-02-16", bank_c)
    step(
        c2,
        "agree",
        "2026-02-16",
        agreements=[
            services.AgreementArg(bank_a, "reschedule"),
            services.AgreementArg(bank_b, "reschedule"),
            services.AgreementArg(bank_c, "new_loan"),
        ],
    )
    services.claim_fee(osaka, c2, "plan", fee=3300000, session=None, on=D("2026-03-01"))
    doc(c2, "share_transfer", "2026-03-01")
    step(c2, "claim_payment", "2026-03-01")
    step(c2, "decide_payment", "2026-03-20")
    money = services.show_case(osaka, c2)["money"]
    echo(
        f"      plan subsidy {money['subsidy_total']:,}円: paid {money['paid_total']:,}円, "
        f"retained {money['retained_total']:,}円 until the first monitoring claim"
    )
    step(c2, "close", "2026-04-01")
    services.record_session(osaka, c2, 1, held_on=D("2026-08-20"), note="3行合同のモニタリング会議")
    services.add_document(
        osaka, c2, "monitoring_report", lender_id=None, on=D("2026-08-25"), file=None, session=1
    )
    echo(
        "  2026-08-25  + document monitoring_report for session 1 (a monitoring claim needs its session's report)"
    )
    claim = services.claim_fee(osaka, c2, "monitoring", fee=150000, session=1, on=D("2026-08-31"))
    decided = services.decide_fee(osaka, c2, claim["id"], on=D("2026-09-15"))
    echo(
        f"  2026-09-15  monitoring claim (session 1) 150,000円 decided: subsidy {decided['subsidy']:,}円 "
        f"+ holdback released {decided['released']:,}円"
    )
    money = services.show_case(osaka, c2)["money"]
    echo(
        f"      now paid {money['paid_total']:,}円 of {money['subsidy_total']:,}円, retained "
        f"{money['retained_total']:,}円; ledger balanced: {money['balanced']}"
    )
    closure = services.change_closure(osaka, D("2027-08-16"), council="27", reason="夏季休業")
    echo(f"  calendar closure 2027-08-16 for council 27 (夏季休業): {len(closure['moved'])} session(s) moved")
    for s in services.show_case(osaka, c2)["monitoring"]:
        if s["moved_because"]:
            echo(
                f"      session {s['seq']} due {s['due_on']} (nominal {s['nominal_due_on']}, "
                f"closed {moved_text(s['moved_because'])})"
            )

    echo("\n3) 405 refused at apply — one lender and no guarantee-backed loans")
    c3 = services.open_case(
        ctx,
        program="405",
        track=None,
        council="13",
        company_id=cafe,
        support_orgs=[bank_a],
        lenders=[services.LenderArg(bank_a, main=True)],
        coordinator="sato",
        interim_monitoring=False,
        interval_months=None,
        estimates={"plan": 400000},
        reuse_reason=None,
        on=D("2025-07-01"),
    )["id"]
    doc(c3, "application", "2025-07-01")
    step(c3, "apply", "2025-07-08")
    step(c3, "withdraw", "2025-07-15", reason="早期経営改善計画策定支援に切り替え")

    echo("\n4) early — the 12-month claim deadline passes")
    c4 = services.open_case(
        ctx,
        program="early",
        track=None,
        council="13",
        company_id=cafe,
        support_orgs=[tax],
        lenders=[services.LenderArg(bank_b, main=True)],
        coordinator="sato",
        interim_monitoring=False,
        interval_months=None,
        estimates={},
        reuse_reason=None,
        on=D("2025-07-20"),
    )["id"]
    doc(c4, "application", "2025-07-20")
    doc(c4, "pre_consultation_letter", "2025-07-25", bank_b)
    step(c4, "apply", "2025-07-25")
    step(c4, "accept", "2025-08-01")
    step(c4, "lapse", "2026-06-01")
    step(c4, "lapse", "2026-08-03")

    echo("\nWhere things stand (as kato, hq: every council, read only):")
    for row in services.list_cases(people["kato"]):
        echo(f"  {row['id']}  {row['program']:<5} {row['state']:<16} {row['company']['name']}")
    echo("\nWho may do what (casetrack policy show):")
    seen = [row["id"] for row in services.list_cases(ctx)]
    echo(f"  sato (coordinator, 13) sees {len(seen)} case(s): {', '.join(seen)}")
    attempts: tuple[tuple[str, Callable[[services.Context], object]], ...] = (
        ("sato", lambda c: services.advance(c, c3, "accept")),
        ("sato", lambda c: services.show_case(c, c2)),
        ("kato", lambda c: services.advance(c, c2, "close")),
        ("kanri", lambda c: services.show_case(c, c2)),
    )
    for who, call in attempts:
        try:
            call(people.get(who, admin))
        except CasetrackError as exc:
            echo(f"  {who}: ✗ exit {exc.exit_code}: {exc.message}")
    _reminders(admin, echo, c2)
    events = services.case_events(osaka, c2)
    echo(f"\nWhat may happen next on {c2}:")
    for e in events:
        echo(
            f"  {'✓' if e['allowed'] else '✗'} {e['event']} ({e['label']})"
            + "".join(f"\n      - {r}" for r in e["reasons"])
        )
    _later_tools(people, echo, c2, folder)


def _later_tools(
    people: dict[str, services.Context], echo: Callable[[str], None], case_id: str, folder: Path
) -> None:
    """The statement, the audit, the caseload, and a round trip through a spreadsheet."""
    import csv

    from .services.importing import ImportRejected

    statement = services.fee_statement(people["tanaka"], case_id, "md")
    echo(f"\nFee statement of {case_id} (casetrack fee statement), its totals:")
    for line in statement[statement.index("## 合計") :].splitlines()[1:]:
        if line.strip() and not line.startswith(("|---", "| |")):
            echo(f"  {line}")

    hq = people["kato"]
    findings = services.audit_stalled(hq)
    echo(
        f"\nAudit as of {hq.today} (casetrack audit stalled): {len(findings)} finding(s), most urgent first:"
    )
    for f in findings[:3]:
        echo(
            f"  {f['case']}  {f['code']:<18} {f['days']:>4} days, waiting on {f['waiting_on']}: {f['message']}"
        )

    echo("\nCaseload by state (casetrack caseload --by state):")
    for row in services.caseload(hq, by="state"):
        ended = ", ".join(f"{k} {v}" for k, v in row["ended_this_fiscal_year"].items() if v)
        echo(
            f"  {row['key']:<12} open {row['open']}, overdue monitoring {row['overdue_monitoring']}, "
            f"stalled {row['stalled']}"
            + (f"; ended in fiscal {row['fiscal_year']}: {ended}" if ended else "")
        )

    tokyo = people["sato"]
    echo("\nExport and import (casetrack export cases / import cases --dry-run), council 13:")
    for fmt in ("csv", "xlsx"):
        out = folder / f"cases-13.{fmt}"
        done = services.export(tokyo, "cases", fmt=fmt, out=str(out), council="13")
        echo(f"  export cases --format {fmt}: {done['rows']} row(s) → {out.name}")
    try:
        services.import_cases(tokyo, str(folder / "cases-13.xlsx"), dry_run=True)
    except ImportRejected as exc:
        echo(
            f"  import cases cases-13.xlsx --dry-run ✗ exit {exc.exit_code}: {len(exc.details)} problem(s), "
            f"nothing imported; first: {exc.details[0]}"
        )
    with (folder / "cases-13.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    ledger = folder / "ledger-13.csv"
    with ledger.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({**r, "案件番号": ""} for r in rows)
    dry = services.import_cases(tokyo, str(ledger), dry_run=True)
    echo(
        f"  the same rows without 案件番号 (a ledger kept elsewhere): import cases {ledger.name} --dry-run "
        f"would import {dry['rows']} case(s)"
    )


def _reminders(ctx: services.Context, echo: Callable[[str], None], case_id: str) -> None:
    from dataclasses import replace

    from .services.reminders import remind_run

    as_of = D("2027-03-20")
    echo(
        f"\nReminders as of {as_of} — the first sweep ever, weeks after some rungs' days. Catch-up: per item and "
        "recipient only the latest rung goes; the earlier ones are skipped, never sent later:"
    )
    preview = remind_run(replace(ctx, today=as_of), dry_run=True)
    echo(f"  remind run --dry-run: {len(preview['messages'])} to send, {len(preview['skipped'])} to skip")
    result = remind_run(replace(ctx, today=as_of))
    echo(
        f"  enqueued {result['enqueued']}, sent {result['sent']}, skipped {result['skipped']}, dead {result['dead']}"
    )
    for row in services.outbox_list(ctx, None):  # the admin sees every council's outbox
        if row["case_id"] == case_id:
            what = row["subject"] if row["status"] != "skipped" else f"({row['last_error']})"
            echo(
                f"  {row['send_on']}  #{row['item_ref'].rpartition('#')[2]} {row['rung']:<13} {row['status']:<7} "
                f"→ {row['recipient_role']:<11} {what}"
            )
    again = remind_run(replace(ctx, today=as_of))
    echo(
        f"  the same sweep again: enqueued {again['enqueued']}, sent {again['sent']} (each rung goes out once)"
    )
