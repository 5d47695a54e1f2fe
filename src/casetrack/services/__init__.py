"""Use cases. Each opens one transaction: state, history and every row an event causes commit
together or not at all. The CLI (and later the scheduler and the web app) call only these."""

from .cases import advance, case_events, case_history, list_cases, open_case, show_case
from .closures import change_closure, list_closures
from .context import Context
from .documents import add_document
from .exchange import export
from .fees import claim_fee, decide_fee, fee_statement, list_claims, reject_fee, set_estimates
from .importing import import_cases
from .monitoring import list_sessions, record_session, set_explicit_schedule, waive_session
from .parsing import LenderArg, parse_estimate, parse_lender, parse_yen
from .registry import (
    ORG_KINDS,
    ROLES,
    add_company,
    add_org,
    add_user,
    init_db,
    list_companies,
    list_councils,
    list_orgs,
    list_users,
    read_councils_csv,
)
from .reminders import outbox_list, remind_run
from .views import audit_stalled, caseload

__all__ = [
    "ORG_KINDS", "ROLES", "import_cases", "export", "audit_stalled", "caseload", "change_closure", "list_closures", "outbox_list", "remind_run", "Context", "LenderArg", "add_company", "add_document", "add_org", "add_user", "advance",
    "case_events", "case_history", "claim_fee", "decide_fee", "fee_statement", "list_claims", "reject_fee",
    "set_estimates", "init_db", "list_cases", "list_companies", "list_councils",
    "list_orgs", "list_sessions", "list_users", "open_case", "parse_estimate", "parse_lender", "parse_yen",
    "read_councils_csv", "record_session", "set_explicit_schedule", "show_case", "waive_session",
]
