"""Use cases. Each opens one transaction: state, history and every row an event causes commit
together or not at all. The CLI (and later the scheduler and the web app) call only these.

Submodules load on first use, so a command pays only for what it calls."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "audit_stalled_rows": "audits",
    "audit_verify": "verify",
    "doctor": "doctor",
    "Actor": "context",
    "Context": "context",
    "database_url": "context",
    "redact_url": "context",
    "translate_db_error": "context",
    "utc_now": "context",
    "LenderArg": "parsing",
    "AgreementArg": "parsing",
    "parse_agreement": "parsing",
    "ORG_KINDS": "directory",
    "ROLES": "directory",
    "add_company": "directory",
    "add_document": "documents",
    "add_org": "directory",
    "add_user": "directory",
    "display_names": "directory",
    "edit_user": "directory",
    "user_history": "directory",
    "advance": "cases",
    "edit_company": "master_data",
    "edit_org": "master_data",
    "master_history": "master_data",
    "assign": "assignment",
    "reassign": "assignment",
    "audit_stalled": "audits",
    "whatif": "whatif",
    "case_events": "cases",
    "case_history": "cases",
    "case_page": "dashboard",
    "correct_history": "cases",
    "caseload": "audits",
    "change_closure": "closures",
    "claim_fee": "fees",
    "decide_fee": "fees",
    "export": "exchange",
    "export_case_list": "exchange",
    "fee_statement": "fees",
    "import_cases": "importing",
    "init_db": "directory",
    "list_cases": "cases",
    "list_claims": "fees",
    "list_closures": "closures",
    "list_companies": "directory",
    "list_councils": "directory",
    "list_orgs": "directory",
    "list_sessions": "monitoring",
    "list_users": "directory",
    "list_access": "directory",
    "set_password": "directory",
    "set_user_active": "directory",
    "open_case": "cases",
    "outbox_list": "reminders",
    "outbox_retry": "reminders",
    "parse_estimate": "parsing",
    "parse_lender": "parsing",
    "parse_yen": "parsing",
    "read_councils_csv": "directory",
    "record_session": "monitoring",
    "reject_fee": "fees",
    "remind_run": "reminders",
    "set_estimates": "fees",
    "set_explicit_schedule": "monitoring",
    "search_cases": "dashboard",
    "show_case": "cases",
    "sign_in": "signin",
    "sign_out": "signin",
    "resume_session": "signin",
    "today_page": "dashboard",
    "waive_session": "monitoring",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:  # for type checkers and editors: the same names, eagerly
    from .assignment import assign, reassign  # noqa: F401
    from .audits import (  # noqa: F401
        audit_stalled,
        audit_stalled_rows,  # noqa: F401
        caseload,
    )
    from .cases import (  # noqa: F401
        advance,
        case_events,
        case_history,
        correct_history,
        list_cases,
        open_case,
        show_case,
    )
    from .closures import change_closure, list_closures  # noqa: F401
    from .context import Actor, Context, database_url, redact_url, translate_db_error, utc_now  # noqa: F401
    from .dashboard import case_page, search_cases, today_page  # noqa: F401
    from .directory import (  # noqa: F401
        ORG_KINDS,
        ROLES,
        add_company,
        add_org,
        add_user,
        display_names,
        edit_user,
        init_db,
        list_access,
        list_companies,
        list_councils,
        list_orgs,
        list_users,
        read_councils_csv,
        set_password,
        set_user_active,
        user_history,
    )
    from .doctor import doctor  # noqa: F401
    from .documents import add_document  # noqa: F401
    from .exchange import export, export_case_list  # noqa: F401
    from .fees import claim_fee, decide_fee, fee_statement, list_claims, reject_fee, set_estimates  # noqa: F401
    from .importing import import_cases  # noqa: F401
    from .master_data import (  # noqa: F401
        edit_company,
        edit_org,
        master_history,  # noqa: F401
    )
    from .monitoring import list_sessions, record_session, set_explicit_schedule, waive_session  # noqa: F401
    from .parsing import (  # noqa: F401
        AgreementArg,
        LenderArg,
        parse_agreement,
        parse_estimate,
        parse_lender,
        parse_yen,
    )
    from .reminders import outbox_list, outbox_retry, remind_run  # noqa: F401
    from .signin import resume_session, sign_in, sign_out  # noqa: F401
    from .verify import audit_verify  # noqa: F401
    from .whatif import whatif  # noqa: F401
