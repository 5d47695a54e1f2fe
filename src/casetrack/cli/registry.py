"""init, council, company, org, user."""

from __future__ import annotations

import datetime as dt

import click

from .main import DATE, Globals, pass_globals
from .output import emit, format_option


@click.command()
@click.option("--admin", metavar="NAME", help="Also create the first admin user (council 00).")
@format_option
@pass_globals
def init(g: Globals, admin: str | None, fmt: str) -> None:
    """Create or upgrade the database and load the council directory (idempotent).

    \b
    Example:
      casetrack --db cases.db init
    """
    from .. import services

    ctx = g.context()
    result = services.init_db(ctx)
    if admin:
        existing = {u["name"] for u in services.list_users(ctx)}
        if admin not in existing:
            services.add_user(ctx, name=admin, council="00", email=None, role="admin")
        result["admin"] = admin
    if fmt == "table":
        before = result["schema_before"] or "empty"
        click.echo(f"database {result['database']}: schema {before} → {result['schema']}; "
                   f"{result['councils']} councils ({result['councils_added']} new)"
                   + (f"; admin {admin}" if admin else ""))
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
@format_option
@pass_globals
def company_add(g: Globals, name: str, corporate_number: str | None, fiscal_year_end_month: int,
                founded: dt.date | None, prefecture: str | None, fmt: str) -> None:
    """Register a company.

    \b
    Example:
      casetrack company add --name 株式会社さくら製作所 --corporate-number 1180301018771 \\
          --fiscal-year-end-month 3 --prefecture 13
    """
    from .. import services

    row = services.add_company(g.context(), name=name, corporate_number_=corporate_number,
                               fiscal_year_end_month=fiscal_year_end_month, founded_on=founded,
                               prefecture=prefecture)
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
@click.option("--council", "council_code", required=True, metavar="CODE")
@click.option("--email", metavar="ADDR")
@click.option("--role", type=click.Choice(["coordinator", "supervisor", "hq", "admin"]), default="coordinator",
              show_default=True)
@format_option
@pass_globals
def user_add(g: Globals, name: str, council_code: str, email: str | None, role: str, fmt: str) -> None:
    """Add a council staff member.

    \b
    Example:
      casetrack user add yamada --council 13 --email yamada@council.example.jp
    """
    from .. import services

    emit(services.add_user(g.context(), name=name, council=council_code, email=email, role=role), fmt)


@user.command("list")
@format_option
@pass_globals
def user_list(g: Globals, fmt: str) -> None:
    """List council staff."""
    from .. import services

    emit(services.list_users(g.context()), fmt, ["name", "council", "role", "email", "active"])


COMMANDS = [init, council, company, org, user]
