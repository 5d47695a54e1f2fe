"""fee claim | decide | reject | list | statement."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from .options import CASE_ID, DATE, Globals, pass_globals
from .output import emit, format_option

CLAIM_COLUMNS = [
    "id",
    "component",
    "session",
    "fee",
    "status",
    "eligible",
    "subsidy",
    "paid",
    "retained",
    "released",
    "company_share",
    "limits",
]


def _render_claim(c: dict[str, Any]) -> str:
    head = (
        f"claim {c['id']} of {c['case']}: {c['component']}"
        + (f" (session {c['session']})" if c.get("session") else "")
        + f", fee {c['fee']:,}円 → subsidy {c['subsidy']:,}円 [{c['status']}]"
    )
    lines = [head]
    if c.get("company_share") is not None:
        lines.append(f"  company share {c['company_share']:,}円")
    if c.get("paid") is not None and c["status"] == "decided":
        lines.append(
            f"  paid now {c['paid']:,}円"
            + (f", retained {c['retained']:,}円" if c.get("retained") else "")
            + (f", holdback released {c['released']:,}円" if c.get("released") else "")
        )
    lines.extend(f"  limited by {limit}" for limit in c.get("limits", []))
    return "\n".join(lines)


@click.group()
def fee() -> None:
    """Fee claims, decisions and the statement (DOMAIN.md §5)."""


@fee.command("claim")
@click.argument("case_id", metavar="CASE", type=CASE_ID)
@click.argument("component")
@click.option(
    "--fee", "fee_text", required=True, metavar="YEN", help="What the support org bills (tax included)."
)
@click.option("--session", type=int, metavar="SEQ", help="The monitoring session the claim is for.")
@click.option("--on", type=DATE, help="Date of the claim (default: --today).")
@format_option
@pass_globals
def fee_claim(
    g: Globals, case_id: str, component: str, fee_text: str, session: int | None, on: dt.date | None, fmt: str
) -> None:
    """Record what the support org bills for COMPONENT; shows the subsidy as it would be decided now.

    \b
    Example:
      casetrack fee claim 13-2026-0001 plan --fee 3300000
      casetrack fee claim 13-2026-0001 monitoring --fee 150000 --session 1
    """
    from .. import services

    amount = services.parse_yen(fee_text, "--fee")
    result = services.claim_fee(g.context(), case_id, component, fee=amount, session=session, on=on)
    from .output import told

    told(
        fmt,
        f"案件 {case_id} の支払申請 {result['id']} を記録しました（{result.get('component_label') or result['component']}"
        + (f"・第{result['session']}回" if result.get("session") else "")
        + f"、費用 {result['fee']:,}円、補助 {result['subsidy']:,}円）。",
    )
    emit(result, fmt, render=_render_claim)


@fee.command("decide")
@click.argument("case_id", metavar="CASE", type=CASE_ID)
@click.argument("claim_id", type=int, metavar="CLAIM_ID")
@click.option("--on", type=DATE, help="Date of the decision (default: --today).")
@format_option
@pass_globals
def fee_decide(g: Globals, case_id: str, claim_id: int, on: dt.date | None, fmt: str) -> None:
    """Decide a claim: fix its subsidy, pay it, release an open holdback with the first monitoring claim.

    The plan claim is decided by the decide_payment event instead.

    \b
    Example:
      casetrack fee decide 13-2026-0001 2 --on 2027-05-10
    """
    from .. import services

    emit(services.decide_fee(g.context(), case_id, claim_id, on=on), fmt, render=_render_claim)


@fee.command("reject")
@click.argument("case_id", metavar="CASE", type=CASE_ID)
@click.argument("claim_id", type=int, metavar="CLAIM_ID")
@click.option("--reason", required=True, metavar="TEXT")
@click.option("--on", type=DATE)
@format_option
@pass_globals
def fee_reject(g: Globals, case_id: str, claim_id: int, reason: str, on: dt.date | None, fmt: str) -> None:
    """Reject a claim (with a reason); a rejected claim pays nothing and cannot change."""
    from .. import services

    emit(services.reject_fee(g.context(), case_id, claim_id, reason=reason, on=on), fmt)


@fee.command("list")
@click.argument("case_id", metavar="CASE", type=CASE_ID)
@format_option
@pass_globals
def fee_list(g: Globals, case_id: str, fmt: str) -> None:
    """Every claim of CASE with its arithmetic."""
    from .. import services

    emit(services.list_claims(g.context(), case_id), fmt, CLAIM_COLUMNS)


@fee.command("statement")
@click.argument("case_id", metavar="CASE", type=CASE_ID)
@click.option("--format", "fmt", type=click.Choice(["md", "html"]), default="md", show_default=True)
@pass_globals
def fee_statement(g: Globals, case_id: str, fmt: str) -> None:
    """The Japanese fee statement of CASE (each component's arithmetic), for a payment decision.

    \b
    Example:
      casetrack fee statement 13-2026-0001 --format html > statement.html
    """
    from .. import services

    click.echo(services.fee_statement(g.context(), case_id, fmt), nl=False)


COMMANDS = [fee]
