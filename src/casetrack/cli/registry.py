"""init, council, company, org, user."""

from __future__ import annotations

import datetime as dt

import click

from .main import DATE, Globals, pass_globals
from .output import emit, format_option


@click.command()
@click.option("--admin", metavar="NAME", help="Also create the first admin user (council 00).")
@click.option("--app-role", metavar="ROLE",
              help="PostgreSQL: grant the application's database role (not the tables' owner) what it needs; "
                   "row-level security then holds for it.")
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
        click.echo(f"database {result['database']}: schema {before} → {result['schema']}; "
                   f"{result['councils']} councils ({result['councils_added']} new)"
                   + (f"; admin {admin}" if admin else "")
                   + (f"; granted {result['granted']} privilege(s) to {app_role}" if app_role else ""))
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

    emit(services.list_councils(g.context()), fmt, ["code", "name", "prefecture", "host_organization", "phone"])


@click.group()
def company() -> None:
    """Companies (事業者)."""


@company.command("add")
@click.option("--name", required=True)
@click.option("--corporate-number", metavar="13DIGITS", help="法人番号 (checked against its check digit).")
@click.option("--fiscal-year-end-month", type=int, required=True, help="決算月, 1–12.")
@click.option("--founded", type=DATE)
@click.option("--prefecture", metavar="CODE", help="JIS prefecture code 01–47.")
@click.option("--force", is_flag=True, help="Register although a company with this name (and no 法人番号) exists.")
@click.option("--reason", metavar="TEXT", help="With --force: why this is another company (kept with it).")
@format_option
@pass_globals
def company_add(g: Globals, name: str, corporate_number: str | None, fiscal_year_end_month: int,
                founded: dt.date | None, prefecture: str | None, force: bool, reason: str | None, fmt: str) -> None:
    """Register a company.

    \b
    Example:
      casetrack company add --name 株式会社さくら製作所 --corporate-number 1180301018771 \\
          --fiscal-year-end-month 3 --prefecture 13
    """
    from .. import services

    row = services.add_company(g.context(), name=name, corporate_number_=corporate_number,
                               fiscal_year_end_month=fiscal_year_end_month, founded_on=founded,
                               prefecture=prefecture, force=force, reason=reason)
    emit(row, fmt)


@company.command("list")
@format_option
@pass_globals
def company_list(g: Globals, fmt: str) -> None:
    """List companies."""
    from .. import services

    emit(services.list_companies(g.context()), fmt,
         ["id", "name", "corporate_number", "fiscal_year_end_month", "prefecture"])


@click.group()
def org() -> None:
    """Organisations: support orgs (認定支援機関) and lenders (金融機関)."""


@org.command("add")
@click.option("--name", required=True)
@click.option("--kind", required=True,
              type=click.Choice(["bank", "tax_accountant", "cpa", "lawyer", "sme_consultant", "chamber", "other"]))
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

    emit(services.add_org(g.context(), name=name, kind=kind, certified=certified, email=email), fmt)


@org.command("list")
@format_option
@pass_globals
def org_list(g: Globals, fmt: str) -> None:
    """List organisations."""
    from .. import services

    emit(services.list_orgs(g.context()), fmt, ["id", "name", "kind", "certified", "is_bank", "email"])


@click.group()
def user() -> None:
    """Council staff (coordinators, supervisors, HQ, admins)."""


@user.command("add")
@click.argument("name")
@click.option("--council", "council_codes", required=True, multiple=True, metavar="CODE",
              help="The user's council; repeat for further councils a coordinator or supervisor acts for.")
@click.option("--email", metavar="ADDR")
@click.option("--role", type=click.Choice(["coordinator", "supervisor", "hq", "admin"]), default="coordinator",
              show_default=True)
@format_option
@pass_globals
def user_add(g: Globals, name: str, council_codes: tuple[str, ...], email: str | None, role: str, fmt: str) -> None:
    """Add a council staff member (an admin does). Roles: coordinator (own council: cases, documents,
    claims, adviser-side events), supervisor (also the council decisions), hq (reads every council,
    changes nothing), admin (users and settings, no case changes). See: casetrack policy show.

    \b
    Example:
      casetrack user add yamada --council 13 --email yamada@council.example.jp
      casetrack user add kimura --council 13 --role supervisor
    """
    from .. import services

    emit(services.add_user(g.context(), name=name, council=council_codes[0], email=email, role=role,
                           more_councils=council_codes[1:]), fmt)


@user.command("list")
@format_option
@pass_globals
def user_list(g: Globals, fmt: str) -> None:
    """List council staff."""
    from .. import services

    emit(services.list_users(g.context()), fmt, ["name", "council", "more_councils", "role", "email", "active"])


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
    anyone, every user for themselves. At least 12 characters.

    \b
    Example:
      casetrack --user kanri user set-password yamada < password.txt
    """
    import sys

    from .. import services

    text = sys.stdin.readline() if not sys.stdin.isatty() else click.prompt(
        "new password", hide_input=True, confirmation_prompt=True, err=True)
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
    from ..workflow.registry import all_workflows

    rows = rules.rows()
    for program, spec in sorted(all_workflows().items()):
        for event in spec.events:
            action = rules.ACTIONS[rules.event_action(event)]
            rows.append({"action": f"event {program}:{event}", "ja": spec.events[event].ja,
                         "what": f"fire {event} ({action.id})",
                         **{role: (rules.REACH[role] if role in action.roles else "-") for role in rules.ROLES}})
    emit(rows, fmt, ["action", *rules.ROLES, "ja", "what"])


COMMANDS = [init, council, company, org, user, policy]
