"""init, council, company, org, user."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from .options import COUNCIL, DATE, Globals, pass_globals
from .output import Col, cell, emit, format_option, people_table, table

ORG_TABLE = [
    Col("id", "番号"),
    Col("name", "名称"),
    Col("kind_label", "種別"),
    Col("certified", "認定支援機関"),
    Col("is_bank", "金融機関"),
    Col("email", "メール"),
]


@click.command()
@click.option("--admin", metavar="NAME", help="Also create the first admin user (council 00).")
@click.option(
    "--app-role",
    metavar="ROLE",
    help="PostgreSQL: grant the application's database role (not the tables' owner) what it needs; "
    "row-level security then holds for it.",
)
@format_option
@pass_globals
def init(g: Globals, admin: str | None, app_role: str | None, fmt: str) -> None:
    """Create or upgrade the database and load the council directory (idempotent).

    The first run with --admin NAME creates the first admin; from then on every command must be run
    by an active user (--user NAME or CASETRACK_USER), and only an admin may run init again.

    \b
    Example:
      casetrack --db cases.db init --admin kanri
    """
    from .. import services

    result = services.init_db(g.context(), admin=admin, app_role=app_role)
    if fmt == "table":
        before = result["schema_before"] or "empty"
        from .options import say

        click.echo(
            say(
                f"データベース {result['database']} を準備しました（スキーマ {before} → {result['schema']}、"
                f"協議会 {result['councils']}（新規 {result['councils_added']}）"
                + (f"、管理者 {admin}" if admin else "")
                + (f"、{app_role} に権限 {result['granted']} 件" if app_role else "")
                + "）。",
                f"database {result['database']}: schema {before} → {result['schema']}; "
                f"{result['councils']} councils ({result['councils_added']} new)"
                + (f"; admin {admin}" if admin else "")
                + (f"; granted {result['granted']} privilege(s) to {app_role}" if app_role else ""),
            )
        )
    else:
        emit(result, fmt)


@click.group()
def council() -> None:
    """The 48 councils (47 prefectures and the national HQ)."""


@council.command("list")
@format_option
@pass_globals
def council_list(g: Globals, fmt: str) -> None:
    """List the councils.

    \b
    Example:
      casetrack council list --format csv
    """
    from .. import services

    emit(
        services.list_councils(g.context()), fmt, ["code", "name", "prefecture", "host_organization", "phone"]
    )


@click.group()
def company() -> None:
    """Companies (事業者)."""


@company.command("add")
@click.option("--name", required=True)
@click.option("--corporate-number", metavar="13DIGITS", help="法人番号 (checked against its check digit).")
@click.option("--fiscal-year-end-month", type=int, required=True, help="決算月, 1–12.")
@click.option("--founded", type=DATE)
@click.option("--prefecture", metavar="CODE", help="JIS prefecture code 01–47.")
@click.option(
    "--force", is_flag=True, help="Register although a company with this name (and no 法人番号) exists."
)
@click.option("--reason", metavar="TEXT", help="With --force: why this is another company (kept with it).")
@format_option
@pass_globals
def company_add(
    g: Globals,
    name: str,
    corporate_number: str | None,
    fiscal_year_end_month: int,
    founded: dt.date | None,
    prefecture: str | None,
    force: bool,
    reason: str | None,
    fmt: str,
) -> None:
    """Register a company.

    \b
    Example:
      casetrack company add --name 株式会社さくら製作所 --corporate-number 1180301018771 \\
          --fiscal-year-end-month 3 --prefecture 13
    """
    from .. import services

    row = services.add_company(
        g.context(),
        name=name,
        corporate_number_=corporate_number,
        fiscal_year_end_month=fiscal_year_end_month,
        founded_on=founded,
        prefecture=prefecture,
        force=force,
        reason=reason,
    )
    from .output import told

    told(fmt, f"会社「{row['name']}」を登録しました（id {row['id']}）。")
    emit(row, fmt)


CHANGE_COLUMNS = ["seq", "field_label", "before", "after", "effective_on", "user", "note"]


def _show_changes(result: dict[str, Any], fmt: str, what: str) -> None:
    if fmt != "table":
        emit(result, fmt)
        return
    click.echo(f"{what} {result['id']} {result['name']}: {len(result['changes'])} change(s)")
    click.echo(table(result["changes"], ["field_label", "before", "after"]))
    for m in result.get("moved", []):
        click.echo(f"  {m['case']} 第{m['seq']}回（決算期）: {cell(m['from'])} → {cell(m['to'])}")
    if result.get("mail_readdressed"):
        click.echo(f"  pending mail readdressed: {result['mail_readdressed']}")


@company.command("edit")
@click.argument("company_id", metavar="ID", type=int)
@click.option("--name")
@click.option("--corporate-number", metavar="13DIGITS", help="法人番号 (empty: remove it).")
@click.option("--fiscal-year-end-month", type=int, help="決算月, 1–12: re-plans open early cases' sessions.")
@click.option("--address")
@click.option("--representative", help="代表者.")
@click.option("--email", metavar="ADDR")
@click.option("--phone")
@click.option("--note", metavar="TEXT", help="Why (kept with each change row).")
@format_option
@pass_globals
def company_edit(g: Globals, company_id: int, note: str | None, fmt: str, **fields: Any) -> None:
    """Correct a company. Each changed field is a hash-chained change row (company history ID);
    a new 決算月 re-plans the fiscal-year-end sessions of its open early cases and lists the moves.

    \b
    Example:
      casetrack company edit 1 --name 株式会社みどり工房ホールディングス --fiscal-year-end-month 9
    """
    from .. import services

    _show_changes(services.edit_company(g.context(), company_id, fields, note=note), fmt, "company")


@company.command("history")
@click.argument("company_id", metavar="ID", type=int)
@format_option
@pass_globals
def company_history(g: Globals, company_id: int, fmt: str) -> None:
    """Every change of a company: who, when, which field, before and after."""
    _emit_history(g, "company", company_id, fmt)


@company.command("list")
@format_option
@pass_globals
def company_list(g: Globals, fmt: str) -> None:
    """List companies."""
    from .. import services

    emit(
        services.list_companies(g.context()),
        fmt,
        ["id", "name", "corporate_number", "fiscal_year_end_month", "prefecture"],
    )


@click.group()
def org() -> None:
    """Organisations: support orgs (認定支援機関) and lenders (金融機関)."""


@org.command("add")
@click.option("--name", required=True)
@click.option(
    "--kind",
    required=True,
    type=click.Choice(["bank", "tax_accountant", "cpa", "lawyer", "sme_consultant", "chamber", "other"]),
)
@click.option("--certified", is_flag=True, help="A certified support org (認定経営革新等支援機関).")
@click.option("--email", metavar="ADDR", help="Where reminders go.")
@format_option
@pass_globals
def org_add(g: Globals, name: str, kind: str, certified: bool, email: str | None, fmt: str) -> None:
    """Register an organisation.

    \b
    Example:
      casetrack org add --name 山田税理士事務所 --kind tax_accountant --certified --email yamada@example.jp
    """
    from .. import services
    from .output import told

    row = services.add_org(g.context(), name=name, kind=kind, certified=certified, email=email)
    told(fmt, f"「{row['name']}」を登録しました（id {row['id']}）。")
    emit(row, fmt)


@org.command("list")
@format_option
@pass_globals
def org_list(g: Globals, fmt: str) -> None:
    """List organisations."""
    from .. import services

    rows = services.list_orgs(g.context())
    if fmt == "table" and rows:
        shown = [
            {**r, "certified": "認定" if r["certified"] else "—", "is_bank": "はい" if r["is_bank"] else "—"}
            for r in rows
        ]
        click.echo(people_table(shown, ORG_TABLE, wide=True))
        return
    emit(rows, fmt, ["id", "name", "kind", "kind_label", "certified", "is_bank", "email"])


@org.command("edit")
@click.argument("org_id", metavar="ID", type=int)
@click.option("--name")
@click.option(
    "--kind",
    type=click.Choice(["bank", "tax_accountant", "cpa", "lawyer", "sme_consultant", "chamber", "other"]),
)
@click.option("--email", metavar="ADDR", help="Where reminders go (pending ones too; empty: remove it).")
@click.option("--phone")
@click.option("--certified/--not-certified", default=None, help="認定経営革新等支援機関 or not.")
@click.option("--note", metavar="TEXT", help="Why (kept with each change row).")
@format_option
@pass_globals
def org_edit(g: Globals, org_id: int, note: str | None, fmt: str, **fields: Any) -> None:
    """Correct an organisation. Each changed field is a hash-chained change row (org history ID); a new
    e-mail or name readdresses the pending reminders of the cases it leads.

    \b
    Example:
      casetrack org edit 1 --email office@minato-tax.example.jp --note "誤記の訂正"
    """
    from .. import services

    _show_changes(services.edit_org(g.context(), org_id, fields, note=note), fmt, "organisation")


@org.command("history")
@click.argument("org_id", metavar="ID", type=int)
@format_option
@pass_globals
def org_history(g: Globals, org_id: int, fmt: str) -> None:
    """Every change of an organisation: who, when, which field, before and after."""
    _emit_history(g, "organisation", org_id, fmt)


@click.group()
def user() -> None:
    """Council staff (coordinators, supervisors, HQ, admins)."""


@user.command("add")
@click.argument("name")
@click.option(
    "--council",
    "council_codes",
    type=COUNCIL,
    required=True,
    multiple=True,
    metavar="CODE",
    help="The user's council; repeat for further councils a coordinator or supervisor acts for.",
)
@click.option("--email", metavar="ADDR")
@click.option(
    "--display-name", metavar="TEXT", help="The name e-mails and pages show (佐藤 花子); default the login."
)
@click.option(
    "--role",
    type=click.Choice(["coordinator", "supervisor", "hq", "admin"]),
    default="coordinator",
    show_default=True,
)
@format_option
@pass_globals
def user_add(
    g: Globals,
    name: str,
    council_codes: tuple[str, ...],
    email: str | None,
    display_name: str | None,
    role: str,
    fmt: str,
) -> None:
    """Add a council staff member (an admin does). Roles: coordinator (own council: cases, documents,
    claims, adviser-side events), supervisor (also the council decisions), hq (reads every council,
    changes nothing), admin (users and settings, no case changes). See: casetrack policy show.

    \b
    Example:
      casetrack user add yamada --council 13 --email yamada@council.example.jp --display-name "山田 太郎"
      casetrack user add kimura --council 13 --role supervisor
    """
    from .. import services

    emit(
        services.add_user(
            g.context(),
            name=name,
            council=council_codes[0],
            email=email,
            role=role,
            more_councils=council_codes[1:],
            display_name=display_name,
        ),
        fmt,
    )


@user.command("edit")
@click.argument("name")
@click.option("--display-name", metavar="TEXT", help='The name e-mails and pages show ("" clears it).')
@click.option("--email", metavar="ADDR", help='Where escalations and digests go ("" clears it).')
@click.option("--role", metavar="ROLE", help="coordinator, supervisor, hq or admin (an admin only).")
@click.option(
    "--council",
    "council_codes",
    type=COUNCIL,
    multiple=True,
    metavar="CODE",
    help="The councils the user acts for, their own first; repeat; replaces the set (an admin only).",
)
@click.option("--note", metavar="TEXT", help="Why (kept with each change row).")
@format_option
@pass_globals
def user_edit(
    g: Globals,
    name: str,
    display_name: str | None,
    email: str | None,
    role: str | None,
    council_codes: tuple[str, ...],
    note: str | None,
    fmt: str,
) -> None:
    """Change a user: anyone their own display name and e-mail; an admin anyone's, and the role and
    councils. Each changed field is a hash-chained change row (user history NAME, audit verify); the
    user's next command or page already acts with the new role and councils.

    \b
    Example:
      casetrack user edit sato --display-name "佐藤 花子" --email sato@council.example.jp
      casetrack --user kanri user edit sato --role supervisor --council 13 --council 14
    """
    from .. import services

    changes: dict[str, Any] = {
        k: v for k, v in (("display_name", display_name), ("email", email), ("role", role)) if v is not None
    }
    if council_codes:
        changes["councils"] = list(council_codes)
    result = services.edit_user(g.context(), name, changes, note=note)
    if fmt == "table":
        for c in result["changes"]:
            click.echo(f"{name}: {c['field_label']} {cell(c['before'])} → {cell(c['after'])}")
        if result["open_cases_elsewhere"]:
            click.echo(
                f"{name} no longer acts for the council of open case(s) "
                f"{', '.join(result['open_cases_elsewhere'])}: casetrack case reassign --from {name} --to NAME"
            )
    else:
        emit(result, fmt)


@user.command("history")
@click.argument("name")
@format_option
@pass_globals
def user_history(g: Globals, name: str, fmt: str) -> None:
    """Every change of a user (display name, e-mail, role, councils): who, when, before and after."""
    from .. import services

    emit(
        services.user_history(g.context(), name),
        fmt,
        ["seq", "field", "before", "after", "effective_on", "recorded_at", "user", "note"],
    )


@user.command("list")
@format_option
@pass_globals
def user_list(g: Globals, fmt: str) -> None:
    """List council staff."""
    from .. import services

    emit(
        services.list_users(g.context()),
        fmt,
        ["name", "display_name", "council", "more_councils", "role", "email", "active"],
    )


@user.command("disable")
@click.argument("name")
@format_option
@pass_globals
def user_disable(g: Globals, name: str, fmt: str) -> None:
    """Disable a user: from now on they can do nothing (their history stays)."""
    from .. import services

    emit(services.set_user_active(g.context(), name, False), fmt)


@user.command("enable")
@click.argument("name")
@format_option
@pass_globals
def user_enable(g: Globals, name: str, fmt: str) -> None:
    """Enable a disabled user again."""
    from .. import services

    emit(services.set_user_active(g.context(), name, True), fmt)


@user.command("set-password")
@click.argument("name")
@format_option
@pass_globals
def user_set_password(g: Globals, name: str, fmt: str) -> None:
    """Set NAME's sign-in password (for the web dashboard), read from standard input: an admin for
    anyone, every user for themselves. At least 12 characters. Every web session of NAME ends with it.

    \b
    Example:
      casetrack --user kanri user set-password yamada < password.txt
    """
    import sys

    from .. import services

    text = (
        sys.stdin.readline()
        if not sys.stdin.isatty()
        else click.prompt("new password", hide_input=True, confirmation_prompt=True, err=True)
    )
    emit(services.set_password(g.context(), name, text.rstrip("\r\n")), fmt)


@click.group()
def policy() -> None:
    """Who may do what (roles × actions)."""


@policy.command("show")
@format_option
def policy_show(fmt: str) -> None:
    """The access policy: for each action, which roles may take it and in which councils (own: the
    user's council; all: every council; -: not at all), then which role fires each workflow event."""
    from ..domain import policy as rules
    from ..workflow.catalog import all_workflows

    rows = rules.rows()
    for program, spec in sorted(all_workflows().items()):
        for event in spec.events:
            action = rules.ACTIONS[rules.event_action(event)]
            rows.append(
                {
                    "action": f"event {program}:{event}",
                    "ja": spec.events[event].ja,
                    "what": f"fire {event} ({action.id})",
                    **{role: (rules.REACH[role] if role in action.roles else "-") for role in rules.ROLES},
                }
            )
    emit(rows, fmt, ["action", *rules.ROLES, "ja", "what"])


COMMANDS = [init, council, company, org, user, policy]


def _emit_history(g: Globals, table: str, record_id: int, fmt: str) -> None:
    """`company history` / `org history`: the record's chained changes, oldest first."""
    from .. import services

    emit(
        services.master_history(g.context(), table, record_id),
        fmt,
        ["seq", "field", "before", "after", "effective_on", "recorded_at", "user", "note"],
    )
