"""case, doc, fee, monitoring."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from .options import CASE_ID, COUNCIL, DATE, Globals, pass_globals
from .output import Col, cell, emit, format_option, people_table, table, wide_option

SESSION_COLUMNS = [
    "case",
    "seq",
    "kind_label",
    "nominal_due_on",
    "due_on",
    "status_label",
    "held_on",
    "overdue_days",
]


def render_case(c: dict[str, Any]) -> str:
    lines = [
        f"{c['id']}  {c['program']}/{c['track']}  council {c['council']}  rule set {c['rule_set']}",
        f"  company      {c['company']['name']} (id {c['company']['id']}"
        + (f", 法人番号 {c['company']['corporate_number']})" if c["company"]["corporate_number"] else ")"),
        f"  state        {c['state']} ({c['state_label']}) since {c['state_since']}"
        + (f", waiting on {c['waiting_on']}" if c["waiting_on"] else ""),
        f"  coordinator  {c['coordinator'] or '-'}",
        f"  dates        opened {c['opened_on']}, accepted {c['accepted_on'] or '-'}, plan {c['plan_date'] or '-'}"
        + (f", valid until {c['validity_until']}" if c["validity_until"] else ""),
        "  support orgs "
        + "; ".join(
            f"{s['name']} ({s['id']}{', lead' if s['lead'] else ''}"
            f"{'' if s['certified'] else ', not certified'})"
            for s in c["support_orgs"]
        ),
        "  lenders      "
        + (
            "; ".join(
                f"{x['name']} ({x['id']}{', main' if x['main'] else ''}{', guaranteed' if x['guaranteed'] else ''}"
                f"{', consented ' + cell(x['consented_on']) if x['consented_on'] else ''})"
                for x in c["lenders"]
            )
            or "-"
        ),
    ]
    if c.get("agreements"):  # 金融支援 (pamphlet line 169), by label
        lines.append(
            "  金融支援     "
            + "; ".join(
                f"{a['lender']}: {a['kind_label']}" + (f"（{a['note']}）" if a["note"] else "")
                for a in c["agreements"]
            )
        )
    if c["estimates"]:
        lines.append("  estimates    " + ", ".join(f"{k} {v:,}円" for k, v in c["estimates"].items()))
    if c["documents"]:
        lines.append(
            "  documents    "
            + "; ".join(
                f"{d['label']} {d['on']}" + (f" (lender {d['lender_id']})" if d["lender_id"] else "")
                for d in c["documents"]
            )
        )
    if c["monitoring"]:
        lines.append("  monitoring")
        lines.extend("    " + line for line in table(c["monitoring"], SESSION_COLUMNS[1:]).splitlines())
        from ..domain.schedule import moved_text

        for s in c["monitoring"]:
            if s["moved_because"]:
                lines.append(
                    f"    session {s['seq']}: due {cell(s['nominal_due_on'])} moved to {cell(s['due_on'])}, "
                    f"closed {moved_text(s['moved_because'])}"
                )
    money = c["money"]
    if money["components"]:
        lines.append(
            f"  money        fee {money['fee_total']:,}円, subsidy {money['subsidy_total']:,}円, "
            f"paid {money['paid_total']:,}円, retained {money['retained_total']:,}円"
        )
    return "\n".join(lines)


@click.group()
def case() -> None:
    """Cases: open one, fire events, look at it."""


@case.command("open")
@click.option(
    "--program", required=True, metavar="PROGRAM", help="early | 405 (or the program's Japanese name)."
)
@click.option(
    "--track",
    help="early: standard | bank; 405: regular | gl, or the track's Japanese name "
    "(通常枠, 中小版GL枠…; default: the first).",
)
@click.option("--council", "council_code", type=COUNCIL, required=True, metavar="CODE")
@click.option(
    "--company",
    "company_id",
    required=True,
    metavar="ID|法人番号|NAME",
    help="The company by id, 法人番号 or exact name.",
)
@click.option(
    "--support-org",
    "support_orgs",
    multiple=True,
    required=True,
    metavar="ID|NAME",
    help="Repeatable; the first is the lead (代表). By id or exact name.",
)
@click.option(
    "--lender",
    "lenders",
    multiple=True,
    metavar="ORG[:main][:guaranteed]",
    help="Repeatable; ORG by id or exact name.",
)
@click.option("--coordinator", metavar="NAME")
@click.option("--interim-monitoring", is_flag=True, help="early: also schedule the optional interim session.")
@click.option("--monitoring-interval-months", type=int, help="405: months between sessions (1–12).")
@click.option("--estimate", "estimates", multiple=True, metavar="COMPONENT=YEN", help="Repeatable.")
@click.option("--reuse-reason", metavar="TEXT", help="Why a company with an earlier case applies again.")
@click.option(
    "--reuse-ground", metavar="ID", help="The program's re-use ground (workflow reuse.grounds, e.g. covid)."
)
@click.option("--on", type=DATE, help="Opening date (default: --today).")
@format_option
@pass_globals
def case_open(
    g: Globals,
    program: str,
    track: str | None,
    council_code: str,
    company_id: str,
    support_orgs: tuple[str, ...],
    lenders: tuple[str, ...],
    coordinator: str | None,
    interim_monitoring: bool,
    monitoring_interval_months: int | None,
    estimates: tuple[str, ...],
    reuse_reason: str | None,
    reuse_ground: str | None,
    on: dt.date | None,
    fmt: str,
) -> None:
    """Open a case in its first state (consultation).

    \b
    Example:
      casetrack case open --program 405 --council 13 --company 1 --support-org 2 \\
          --lender 3:main --lender 4:guaranteed --estimate plan=3300000 --estimate monitoring=1200000
    """
    from .. import services

    parsed_estimates: dict[str, int] = {}
    for text in estimates:
        component, amount = services.parse_estimate(text)
        if component in parsed_estimates:
            from .options import say

            raise click.BadParameter(
                say(
                    f"--estimate {component} が二度指定されています", f"--estimate {component} is given twice"
                )
            )
        parsed_estimates[component] = amount
    result = services.open_case(
        g.context(),
        program=program,
        track=track,
        council=council_code,
        company_id=company_id,
        support_orgs=list[int | str](support_orgs),
        lenders=[services.parse_lender(x) for x in lenders],
        coordinator=coordinator,
        interim_monitoring=interim_monitoring,
        interval_months=monitoring_interval_months,
        estimates=parsed_estimates,
        reuse_reason=reuse_reason,
        reuse_ground=reuse_ground,
        on=on,
    )
    from .output import told

    told(fmt, f"案件 {result['id']} を開きました（{result['company']['name']}）。")
    emit(result, fmt, render=render_case)


@case.command("advance")
@click.argument("case_id", metavar="CASE", type=CASE_ID)
@click.argument("event")
@click.option("--on", type=DATE, help="Effective date (default: --today).")
@click.option("--note", metavar="TEXT")
@click.option("--reason", metavar="TEXT", help="Required by reject, withdraw, extend, terminate_early.")
@click.option("--until", type=DATE, help="extend: the new validity end date.")
@click.option(
    "--agreement",
    "agreements",
    multiple=True,
    metavar="ORG=KIND[:NOTE]",
    help="405 agree (required for every lender; early submit_plan: optional): what lender ORG (id or "
    "exact name; * for every lender) agreed to — reschedule (リスケ), new_loan (新規融資) or other:NOTE (その他). "
    "Repeatable.",
)
@format_option
@pass_globals
def case_advance(
    g: Globals,
    case_id: str,
    event: str,
    on: dt.date | None,
    note: str | None,
    reason: str | None,
    until: dt.date | None,
    agreements: tuple[str, ...],
    fmt: str,
) -> None:
    """Fire EVENT on CASE; refused with every reason if it may not happen now.

    \b
    Example:
      casetrack case advance 13-2026-0001 accept --on 2026-04-20
      casetrack case advance 13-2026-0001 agree --agreement 3=reschedule --agreement 4=other:"金利減免"
    """
    from .. import services

    result = services.advance(
        g.context(),
        case_id,
        event,
        on=on,
        note=note,
        reason=reason,
        until=until,
        view=fmt != "table",
        agreements=[services.parse_agreement(a) for a in agreements],
    )
    if fmt == "table":
        from .options import say

        click.echo(
            say(
                f"案件 {result['id']}：{result.get('event_label') or event} を記録しました。"
                f"状態は「{result['state_label']}」になりました（{result['state']}）。",
                f"{result['id']}: {event} → {result['state']} ({result['state_label']})",
            )
        )
    else:
        emit(result, fmt, render=render_case)


@case.command("estimate")
@click.argument("case_id", metavar="CASE", type=CASE_ID)
@click.argument("estimates", nargs=-1, required=True, metavar="COMPONENT=YEN...")
@format_option
@pass_globals
def case_estimate(g: Globals, case_id: str, estimates: tuple[str, ...], fmt: str) -> None:
    """Change the fee estimates filed with the application (before apply).

    \b
    Example:
      casetrack case estimate 13-2026-0001 plan=3300000 monitoring=1200000
    """
    from .. import services

    parsed = dict(services.parse_estimate(text) for text in estimates)
    result = services.set_estimates(g.context(), case_id, parsed)
    emit({"case": case_id, "estimates": result}, fmt)


@case.command("show")
@click.argument("case_id", metavar="CASE", type=CASE_ID)
@format_option
@pass_globals
def case_show(g: Globals, case_id: str, fmt: str) -> None:
    """Show one case: parties, dates, documents, sessions, money."""
    from .. import services

    emit(services.show_case(g.context(), case_id), fmt, render=render_case)


CASE_TABLE = [
    Col("id", "案件番号"),
    Col("program_short", "事業"),
    Col("track_label", "枠", 10),
    Col("council", "協議会", wide_only=True),
    Col("state_label", "状態", 14),
    Col("company", "事業者", 24),
    Col("coordinator", "担当", 10),
    Col("state_since", "状態の開始日"),
    Col("opened_on", "受付日", wide_only=True),
    Col("accepted_on", "利用決定日", wide_only=True),
    Col("plan_date", "計画日"),
]
CASE_CSV = [
    "id",
    "program",
    "program_label",
    "track",
    "track_label",
    "council",
    "state",
    "state_label",
    "state_since",
    "company",
    "coordinator",
    "opened_on",
    "accepted_on",
    "plan_date",
]
SESSION_TABLE = [
    Col("case", "案件番号"),
    Col("council", "協議会", wide_only=True),
    Col("company", "事業者", 24),
    Col("seq", "回"),
    Col("kind_label", "種別"),
    Col("nominal_due_on", "本来の期限", wide_only=True),
    Col("due_on", "期限"),
    Col("status_label", "状態"),
    Col("held_on", "実施日"),
    Col("overdue_days", "超過日数"),
    Col("moved_because", "期限が動いた理由", wide_only=True),
]


@case.command("list")
@click.option("--council", "council_code", type=COUNCIL, metavar="CODE")
@click.option("--program", metavar="P", help="early | 405 (or the program's Japanese name).")
@click.option("--state", metavar="S", help="A state id or its Japanese name (計画策定中…).")
@click.option("--coordinator", metavar="NAME")
@click.option(
    "--q",
    "text",
    metavar="TEXT",
    help="A part of the company's name (さくら finds サクラ and ｻｸﾗ; full-width letters and digits "
    "as typed) or its 法人番号.",
)
@wide_option
@format_option
@pass_globals
def case_list(
    g: Globals,
    council_code: str | None,
    program: str | None,
    state: str | None,
    coordinator: str | None,
    text: str | None,
    wide: bool,
    fmt: str,
) -> None:
    """List cases.

    \b
    Example:
      casetrack case list --council 13 --state drafting
      casetrack case list --q サクラ
    """
    from .. import services

    if text is not None and len(text) > 100:
        from .options import say

        raise click.BadParameter(say("100文字までです", "at most 100 characters"), param_hint="--q")
    rows = services.list_cases(
        g.context(), council=council_code, program=program, state=state, coordinator=coordinator, q=text
    )
    if fmt == "json":
        emit(rows, fmt)
        return
    from ..domain.labels import PROGRAM_SHORT

    rows = [
        {**r, "company": r["company"]["name"], "program_short": PROGRAM_SHORT.get(r["program"], r["program"])}
        for r in rows
    ]
    if fmt == "csv":
        emit(rows, fmt, CASE_CSV)
    elif rows:
        click.echo(people_table(rows, CASE_TABLE, wide))
    else:
        from .output import none_line

        click.echo(none_line(), err=True)


@case.command("history")
@click.argument("case_id", metavar="CASE", type=CASE_ID)
@format_option
@pass_globals
def case_history(g: Globals, case_id: str, fmt: str) -> None:
    """The append-only history of a case."""
    from .. import services

    emit(
        services.case_history(g.context(), case_id),
        fmt,
        [
            "seq",
            "event",
            "from",
            "to",
            "effective_on",
            "recorded_at",
            "user",
            "reason",
            "note",
            "corrects",
            "rule_set",
        ],
    )


@case.command("correct")
@click.argument("case_id", metavar="CASE", type=CASE_ID)
@click.argument("seq", type=int)
@click.option("--note", required=True, help="What was wrong in row SEQ and what is right.")
@click.option(
    "--on", type=DATE, help="The corrected effective date of row SEQ (a supervisor's; not after --today)."
)
@format_option
@pass_globals
def case_correct(g: Globals, case_id: str, seq: int, note: str, on: dt.date | None, fmt: str) -> None:
    """Correct history row SEQ of CASE: appends a `correct` row that names SEQ and says what is right;
    rows are never edited. Correcting a council decision is a supervisor's. With --on the row's
    effective date was wrong: the correction carries the right one, and the case's dates that came
    from it (state since, acceptance date and rule set) follow.

    \b
    Example:
      casetrack case correct 13-2026-0001 3 --note "受理日は 2026-06-02 ではなく 2026-06-03"
      casetrack case correct 13-2026-0001 3 --on 2026-06-03 --note "9999-12-31 は入力誤り"
    """
    from .. import services

    emit(services.correct_history(g.context(), case_id, seq, note=note, on=on), fmt)


@case.command("assign")
@click.argument("case_id", metavar="CASE", type=CASE_ID)
@click.option(
    "--coordinator", required=True, metavar="NAME", help="The new coordinator (acts for the case's council)."
)
@click.option("--on", type=DATE, help="Effective date of the change (default: --today).")
@click.option("--note", metavar="TEXT")
@format_option
@pass_globals
def case_assign(
    g: Globals, case_id: str, coordinator: str, on: dt.date | None, note: str | None, fmt: str
) -> None:
    """Make NAME the coordinator of CASE: a supervisor, or the case's own coordinator handing it over.
    One history row; the case's pending reminders to the coordinator go to NAME.

    \b
    Example:
      casetrack case assign 13-2026-0001 --coordinator tanaka --on 2027-04-01 --note "4月の異動"
    """
    from .. import services

    result = services.assign(g.context(), case_id, coordinator, on=on, note=note)
    if fmt == "table":
        click.echo(
            f"{result['case']}: 担当 {result['from'] or '-'} → {result['to']} ({cell(result['on'])}); "
            f"pending mail moved: {result['mail_moved']}"
        )
    else:
        emit(result, fmt)


@case.command("reassign")
@click.option("--from", "from_", required=True, metavar="NAME", help="The departing coordinator.")
@click.option("--to", required=True, metavar="NAME", help="Who takes over (acts for the cases' councils).")
@click.option("--council", "council_code", type=COUNCIL, metavar="CODE", help="Only this council's cases.")
@click.option("--on", type=DATE, help="Effective date of the change (default: --today).")
@click.option("--note", metavar="TEXT")
@click.option("--dry-run", is_flag=True, help="List the cases that would move; change nothing.")
@format_option
@pass_globals
def case_reassign(
    g: Globals,
    from_: str,
    to: str,
    council_code: str | None,
    on: dt.date | None,
    note: str | None,
    dry_run: bool,
    fmt: str,
) -> None:
    """Move every open case of one coordinator to another in one transaction (a supervisor; the April
    staff rotation). Each case gets a history row; pending reminders and the weekly digest follow.

    \b
    Example:
      casetrack case reassign --from sato --to tanaka --council 13 --dry-run
      casetrack case reassign --from sato --to tanaka --council 13 --on 2027-04-01
    """
    from .. import services

    result = services.reassign(
        g.context(), from_=from_, to=to, council=council_code, dry_run=dry_run, on=on, note=note
    )
    if fmt == "table":
        from .options import say

        verb = "would move" if dry_run else "moved"
        click.echo(
            say(
                f"{from_} の進行中の案件 {result['moved']}件を {to} に"
                + ("移します（試行：まだ移していません）。" if dry_run else "移しました。"),
                f"{verb} {result['moved']} open case(s) from {from_} to {to}",
            )
        )
        if result["cases"]:
            click.echo(table(result["cases"], ["case", "council", "state", "from", "to", "on"]))
    elif fmt == "csv":
        emit(result["cases"], fmt, ["case", "council", "state", "from", "to", "on"])
    else:
        emit(result, fmt)


@case.command("events")
@click.argument("case_id", metavar="CASE", type=CASE_ID)
@click.option("--on", type=DATE, help="Judge as of this date (default: --today).")
@format_option
@pass_globals
def case_events(g: Globals, case_id: str, on: dt.date | None, fmt: str) -> None:
    """Events possible now, and for each blocked one every reason."""
    from .. import services

    rows = services.case_events(g.context(), case_id, on)
    if fmt == "table":
        for r in rows:
            mark = "✓" if r["allowed"] else "✗"
            click.echo(f"{mark} {r['event']} ({r['label']})")
            for detail in r["reason_details"]:
                source = f"（{detail['source_note']}）" if detail["source_note"] else ""
                click.echo(f"    - {detail['reason']}{source}")
        return
    if fmt == "csv":  # one row per reason, with its source
        rows = [
            {"event": r["event"], "label": r["label"], "allowed": r["allowed"], **d}
            for r in rows
            for d in (r["reason_details"] or [{}])
        ]
        emit(
            rows,
            fmt,
            ["event", "label", "allowed", "reason", "rule", "source", "source_label", "source_where"],
        )
        return
    emit(rows, fmt)


@click.group()
def doc() -> None:
    """Documents on a case."""


@doc.command("add")
@click.argument("case_id", metavar="CASE", type=CASE_ID)
@click.argument("kind")
@click.option(
    "--lender", type=int, metavar="ORG_ID", help="For letters from a lender (default: the main bank)."
)
@click.option("--on", type=DATE, help="Date of the document (default: --today).")
@click.option(
    "--file",
    "file_path",
    metavar="PATH",
    help="The document's file (PDF, PNG, JPEG, xlsx or docx; at most [files] max_mb, 20 MB by default): "
    "stored in the database with its SHA-256 and original name.",
)
@click.option("--session", type=int, metavar="SEQ", help="The monitoring session a monitoring_report is for.")
@format_option
@pass_globals
def doc_add(
    g: Globals,
    case_id: str,
    kind: str,
    lender: int | None,
    on: dt.date | None,
    file_path: str | None,
    session: int | None,
    fmt: str,
) -> None:
    """Record a document of KIND on CASE.

    \b
    Example:
      casetrack doc add 13-2026-0001 consent_letter --lender 3 --on 2026-10-15
      casetrack doc add 13-2026-0001 monitoring_report --session 2 --file 報告書_第2回.pdf
    """
    from .. import services
    from .output import told

    row = services.add_document(
        g.context(), case_id, kind, lender_id=lender, on=on, file=file_path, session=session
    )
    told(fmt, f"案件 {case_id} に「{row['label']}」（{cell(row['on'])}）を記録しました。")
    emit(row, fmt)


@doc.command("get")
@click.argument("case_id", metavar="CASE")
@click.argument("doc_id", type=int, metavar="DOC_ID")
@click.option("--out", required=True, metavar="PATH", help="Where to write the file.")
@format_option
@pass_globals
def doc_get(g: Globals, case_id: str, doc_id: int, out: str, fmt: str) -> None:
    """Write document DOC_ID's stored file to PATH, after checking it against its recorded SHA-256
    (a file that no longer matches is refused, exit 1, and nothing is written).

    \b
    Example:
      casetrack doc get 13-2026-0001 4 --out 事前相談書.pdf
    """
    from ..services.documents import save_document_file

    emit(save_document_file(g.context(), case_id, doc_id, out), fmt)


def _readable(rows: Any, fmt: str) -> Any:
    """Sessions for a table or CSV: why a due date moved, as one line of text (JSON keeps the list)."""
    if fmt == "json":
        return rows
    from ..domain.schedule import moved_text

    def one(r: dict[str, Any]) -> dict[str, Any]:
        return {**r, "moved_because": moved_text(r["moved_because"])}

    return [one(r) for r in rows] if isinstance(rows, list) else one(rows)


@click.group()
def monitoring() -> None:
    """Monitoring sessions (伴走支援)."""


@monitoring.command("list")
@click.option("--case", "case_id", metavar="CASE", type=CASE_ID)
@click.option("--council", "council_code", type=COUNCIL, metavar="CODE")
@click.option("--status", metavar="S", help="scheduled | held | waived.")
@click.option("--due-before", type=DATE)
@wide_option
@format_option
@pass_globals
def monitoring_list(
    g: Globals,
    case_id: str | None,
    council_code: str | None,
    status: str | None,
    due_before: dt.date | None,
    wide: bool,
    fmt: str,
) -> None:
    """List monitoring sessions."""
    from .. import services

    rows = services.list_sessions(
        g.context(), case_id=case_id, council=council_code, status=status, due_before=due_before
    )
    if fmt != "table":
        emit(
            _readable(rows, fmt),
            fmt,
            [
                "case",
                "council",
                "company",
                "seq",
                "kind",
                "kind_label",
                "nominal_due_on",
                "due_on",
                "status",
                "status_label",
                "held_on",
                "overdue_days",
                "moved_because",
            ],
        )
    elif rows:
        click.echo(people_table(_readable(rows, fmt), SESSION_TABLE, wide))
    else:
        from .output import none_line

        click.echo(none_line(), err=True)


@monitoring.command("schedule")
@click.argument("case_id", metavar="CASE", type=CASE_ID)
@click.argument("dates", nargs=-1, required=True, type=DATE, metavar="DATE...")
@format_option
@pass_globals
def monitoring_schedule(g: Globals, case_id: str, dates: tuple[dt.date, ...], fmt: str) -> None:
    """Replace a 405 case's sessions by a schedule agreed with the banks (gaps of 1–12 months, inside
    the window), before any session is held.

    \b
    Example:
      casetrack monitoring schedule 13-2026-0001 2027-01-31 2027-09-30 2028-06-30 2029-03-31
    """
    from .. import services

    emit(
        _readable(services.set_explicit_schedule(g.context(), case_id, list(dates)), fmt),
        fmt,
        [*SESSION_COLUMNS, "moved_because"],
    )


@monitoring.command("record")
@click.argument("case_id", metavar="CASE", type=CASE_ID)
@click.argument("seq", type=int)
@click.option(
    "--held-on",
    type=DATE,
    required=True,
    help="When it was held: not after --today, not before the plan date.",
)
@click.option("--note", metavar="TEXT")
@click.option(
    "--report",
    metavar="PATH",
    help="The 伴走支援報告書: recorded as a monitoring_report document "
    "dated --held-on (file fingerprinted, as doc add --file).",
)
@format_option
@pass_globals
def monitoring_record(
    g: Globals, case_id: str, seq: int, held_on: dt.date, note: str | None, report: str | None, fmt: str
) -> None:
    """Record that session SEQ of CASE was held, with its report.

    \b
    Example:
      casetrack monitoring record 13-2026-0001 1 --held-on 2027-04-12 --report 報告書_第1回.pdf
    """
    from .. import services

    emit(
        _readable(
            services.record_session(g.context(), case_id, seq, held_on=held_on, note=note, report=report), fmt
        ),
        fmt,
    )


@monitoring.command("waive")
@click.argument("case_id", metavar="CASE", type=CASE_ID)
@click.argument("seq", type=int)
@click.option("--reason", required=True, metavar="TEXT")
@format_option
@pass_globals
def monitoring_waive(g: Globals, case_id: str, seq: int, reason: str, fmt: str) -> None:
    """Waive session SEQ of CASE (with a reason)."""
    from .. import services

    emit(_readable(services.waive_session(g.context(), case_id, seq, reason=reason), fmt), fmt)


COMMANDS = [case, doc, monitoring]
