"""Walk cases to the money states through the service layer (fast), on any test database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from casetrack import services

D = dt.date.fromisoformat


@dataclass
class Parties:
    company: int
    adviser: int
    bank_main: int
    bank_other: int


def setup(url: str) -> tuple[services.Context, Parties]:
    ctx = services.Context(
        db_url=url, today=D("2030-01-01"), user="money-test", trusted=True
    )  # business rules, not access
    services.init_db(ctx)
    company = services.add_company(
        ctx,
        name="株式会社試算",
        corporate_number_=None,
        fiscal_year_end_month=3,
        founded_on=None,
        prefecture="13",
    )["id"]
    adviser = services.add_org(ctx, name="認定税理士", kind="tax_accountant", certified=True, email=None)[
        "id"
    ]
    bank_main = services.add_org(ctx, name="主力銀行", kind="bank", certified=True, email=None)["id"]
    bank_other = services.add_org(ctx, name="信用金庫", kind="bank", certified=False, email=None)["id"]
    return ctx, Parties(company, adviser, bank_main, bank_other)


def new_company(ctx: services.Context, n: int) -> int:
    return int(
        services.add_company(
            ctx,
            name=f"試算{n}株式会社",
            corporate_number_=None,
            fiscal_year_end_month=3,
            founded_on=None,
            prefecture="13",
        )["id"]
    )


def case_405_agreed(
    ctx: services.Context,
    p: Parties,
    *,
    track: str = "regular",
    estimates: dict[str, int] | None = None,
    company: int | None = None,
    opened: str = "2025-04-01",
) -> str:
    """A 405 case in ``agreed`` (plan date 2025-10-15): ready for its plan claim."""
    est = estimates if estimates is not None else {"plan": 3_300_000, "monitoring": 1_200_000}
    case = services.open_case(
        ctx,
        program="405",
        track=track,
        council="13",
        company_id=company or p.company,
        support_orgs=[p.adviser],
        lenders=[
            services.LenderArg(p.bank_main, main=True),
            services.LenderArg(p.bank_other, guaranteed=True),
        ],
        coordinator=None,
        interim_monitoring=False,
        interval_months=6,
        estimates=est,
        reuse_reason=None,
        on=D(opened),
    )
    cid = str(case["id"])
    start = D(opened)
    services.add_document(ctx, cid, "schedule_chart", lender_id=None, on=start, file=None)
    services.add_document(ctx, cid, "application", lender_id=None, on=start, file=None)
    services.advance(ctx, cid, "apply", on=start + dt.timedelta(days=5))
    services.advance(ctx, cid, "accept", on=start + dt.timedelta(days=20))
    services.add_document(ctx, cid, "plan", lender_id=None, on=start + dt.timedelta(days=60), file=None)
    services.advance(ctx, cid, "start_negotiation", on=start + dt.timedelta(days=60))
    for lender in (p.bank_main, p.bank_other):
        services.add_document(
            ctx, cid, "consent_letter", lender_id=lender, on=start + dt.timedelta(days=197), file=None
        )
    services.advance(
        ctx,
        cid,
        "agree",
        on=start + dt.timedelta(days=197),
        agreements=[services.AgreementArg("*", "reschedule")],
    )
    return cid


def decide_plan(ctx: services.Context, cid: str, fee: int, on: str = "2025-11-01") -> dict:  # type: ignore[type-arg]
    services.claim_fee(ctx, cid, "plan", fee=fee, session=None, on=D(on))
    services.add_document(ctx, cid, "share_transfer", lender_id=None, on=D(on), file=None)
    services.advance(ctx, cid, "claim_payment", on=D(on))
    return services.advance(ctx, cid, "decide_payment", on=D(on) + dt.timedelta(days=10))


def hold(ctx: services.Context, cid: str, seq: int) -> None:
    session = next(s for s in services.show_case(ctx, cid)["monitoring"] if s["seq"] == seq)
    services.record_session(ctx, cid, seq, held_on=session["due_on"], note=None)
    services.add_document(
        ctx, cid, "monitoring_report", lender_id=None, on=session["due_on"], file=None, session=seq
    )  # its 伴走支援報告書: a monitoring claim needs it


def claim_and_decide(
    ctx: services.Context,
    cid: str,
    component: str,
    fee: int,
    session: int | None = None,
    on: str = "2029-12-01",
) -> dict:  # type: ignore[type-arg]
    claim = services.claim_fee(ctx, cid, component, fee=fee, session=session, on=D(on))
    return services.decide_fee(ctx, cid, claim["id"], on=D(on))


def case_early_submitted(
    ctx: services.Context,
    p: Parties,
    *,
    track: str = "standard",
    estimates: dict[str, int] | None = None,
    interim: bool = True,
    opened: str = "2025-04-01",
) -> str:
    """An early case in ``plan_submitted`` (plan date 2025-09-01)."""
    lead = p.bank_main if track == "bank" else p.adviser
    case = services.open_case(
        ctx,
        program="early",
        track=track,
        council="13",
        company_id=p.company,
        support_orgs=[lead],
        lenders=[services.LenderArg(p.bank_main, main=True)],
        coordinator=None,
        interim_monitoring=interim,
        interval_months=None,
        estimates=estimates or {},
        reuse_reason=None,
        on=D(opened),
    )
    cid = str(case["id"])
    services.add_document(ctx, cid, "pre_consultation_letter", lender_id=None, on=D(opened), file=None)
    services.add_document(ctx, cid, "application", lender_id=None, on=D(opened), file=None)
    services.advance(ctx, cid, "apply", on=D(opened) + dt.timedelta(days=3))
    services.advance(ctx, cid, "accept", on=D(opened) + dt.timedelta(days=10))
    services.add_document(ctx, cid, "plan", lender_id=None, on=D("2025-09-01"), file=None)
    services.add_document(ctx, cid, "bank_receipt", lender_id=None, on=D("2025-09-01"), file=None)
    services.advance(ctx, cid, "submit_plan", on=D("2025-09-01"))
    return cid
