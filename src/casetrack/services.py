"""Use cases. Each opens one transaction: state, history and every row an event causes commit
together or not at all. The CLI (and later the scheduler and the web app) call only these."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import presenters
from .calendar import BusinessCalendar
from .domain import corporate_number
from .domain.dates import fiscal_year
from .domain.fees import holdback, subsidy_for
from .domain.schedule import early_sessions, regular_sessions
from .errors import BadInput, Conflict, DatabaseUnavailable, NotFound, Refused
from .resources import councils_csv
from .settings import Settings
from .store import migrate
from .store.db import get_engine, redact, schema_revision, transaction
from .store.repo import Repo, utcnow
from .workflow.engine import EventArgs, engine_for
from .workflow.registry import workflow
from .workflow.spec import COMPONENTS, WorkflowSpec

if TYPE_CHECKING:
    from .store.db import Engine

ORG_KINDS = ("bank", "tax_accountant", "cpa", "lawyer", "sme_consultant", "chamber", "other")
ROLES = ("coordinator", "supervisor", "hq", "admin")


@dataclass
class Context:
    """Who acts, on which database, as of which day. Built once per command."""

    db_url: str
    today: dt.date
    user: str
    settings: Settings = field(default_factory=Settings)
    scope: frozenset[str] | None = None  # councils the actor may see; None: all (until roles land)

    @cached_property
    def engine(self) -> Engine:
        return get_engine(self.db_url)

    @cached_property
    def calendar(self) -> BusinessCalendar:
        return BusinessCalendar(self.settings.closures)

    def read(self) -> Any:
        return _UnitOfWork(self, write=False)

    def write(self) -> Any:
        return _UnitOfWork(self, write=True)


_CURRENT_SCHEMA: set[str] = set()  # databases seen at the current schema in this process


class _UnitOfWork:
    def __init__(self, ctx: Context, *, write: bool) -> None:
        self.ctx, self.write = ctx, write

    def __enter__(self) -> Repo:
        self._cm = transaction(self.ctx.engine, write=self.write)
        conn = self._cm.__enter__()
        if self.ctx.db_url not in _CURRENT_SCHEMA and schema_revision(conn) == migrate.head():
            _CURRENT_SCHEMA.add(self.ctx.db_url)
        if self.ctx.db_url not in _CURRENT_SCHEMA:
            self._cm.__exit__(None, None, None)
            raise DatabaseUnavailable(
                f"database {redact(self.ctx.db_url)} is not initialised or is out of date; run: casetrack init")
        return Repo(conn, self.ctx.scope)

    def __exit__(self, *exc: Any) -> bool | None:
        return self._cm.__exit__(*exc)


# -- database ------------------------------------------------------------------------------------

def init_db(ctx: Context) -> dict[str, Any]:
    before, after = migrate.upgrade(ctx.engine)
    rows = read_councils_csv(councils_csv())
    with transaction(ctx.engine, write=True) as conn:
        added = Repo(conn).upsert_councils(rows)
    return {"database": redact(ctx.db_url), "schema_before": before, "schema": after,
            "councils": len(rows), "councils_added": added}


def read_councils_csv(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [{
            "code": r["code"], "name": r["council"], "prefecture": r["prefecture"] or None,
            "host_organization": r["host_organization"], "postal_code": r["postal_code"],
            "address": r["address"], "phone": r["phone"],
        } for r in csv.DictReader(fh)]


def list_councils(ctx: Context) -> list[dict[str, Any]]:
    with ctx.read() as repo:
        return repo.list_councils()


# -- registry ------------------------------------------------------------------------------------

def add_company(ctx: Context, *, name: str, corporate_number_: str | None, fiscal_year_end_month: int,
                founded_on: dt.date | None, prefecture: str | None) -> dict[str, Any]:
    if not name.strip():
        raise BadInput("company name is empty")
    number = None
    if corporate_number_:
        try:
            number = corporate_number.validate(corporate_number_)
        except ValueError as exc:
            raise BadInput(str(exc)) from None
    if not 1 <= fiscal_year_end_month <= 12:
        raise BadInput(f"fiscal-year-end month {fiscal_year_end_month} is not 1–12")
    with ctx.write() as repo:
        if prefecture is not None and (repo.council(prefecture) is None or prefecture == "00"):
            raise BadInput(f"unknown prefecture code {prefecture!r} (01–47)")
        if number and (other := repo.company_by_number(number)):
            raise BadInput(f"corporate number {number} is already registered as company {other['id']} ({other['name']})")
        values = {"name": name.strip(), "corporate_number": number, "fiscal_year_end_month": fiscal_year_end_month,
                  "founded_on": founded_on, "prefecture": prefecture}
        company_id = repo.insert_company(values)
    return {"id": company_id, **values}


def add_org(ctx: Context, *, name: str, kind: str, certified: bool, email: str | None) -> dict[str, Any]:
    if not name.strip():
        raise BadInput("organisation name is empty")
    if kind not in ORG_KINDS:
        raise BadInput(f"unknown organisation kind {kind!r} (one of {', '.join(ORG_KINDS)})")
    _check_email(email)
    values = {"name": name.strip(), "kind": kind, "certified": certified, "email": email, "is_bank": kind == "bank"}
    with ctx.write() as repo:
        org_id = repo.insert_org(values)
    return {"id": org_id, **values}


def add_user(ctx: Context, *, name: str, council: str, email: str | None, role: str) -> dict[str, Any]:
    if not re.fullmatch(r"[A-Za-z0-9_.\-]{1,64}", name):
        raise BadInput(f"user name {name!r} must be 1–64 letters, digits, '.', '_' or '-'")
    if role not in ROLES:
        raise BadInput(f"unknown role {role!r} (one of {', '.join(ROLES)})")
    _check_email(email)
    with ctx.write() as repo:
        if repo.council(council) is None:
            raise NotFound("council", council)
        if repo.user(name):
            raise BadInput(f"user {name} already exists")
        values = {"name": name, "council": council, "email": email, "role": role, "active": True,
                  "created_at": utcnow()}
        repo.insert_user(values)
    return {k: v for k, v in values.items() if k != "created_at"}


def list_users(ctx: Context) -> list[dict[str, Any]]:
    with ctx.read() as repo:
        return [{k: u[k] for k in ("name", "council", "email", "role", "active")} for u in repo.list_users()]


def list_orgs(ctx: Context) -> list[dict[str, Any]]:
    with ctx.read() as repo:
        return repo.list_orgs()


def list_companies(ctx: Context) -> list[dict[str, Any]]:
    with ctx.read() as repo:
        return repo.list_companies()


def _check_email(email: str | None) -> None:
    if email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise BadInput(f"{email!r} is not an e-mail address")


# -- cases ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LenderArg:
    org_id: int
    main: bool = False
    guaranteed: bool = False


def parse_lender(text: str) -> LenderArg:
    """``ORG_ID[:main][:guaranteed]``."""
    head, *flags = text.split(":")
    if not head.isdigit() or any(f not in ("main", "guaranteed") for f in flags) or len(set(flags)) != len(flags):
        raise BadInput(f"--lender {text!r}: expected ORG_ID[:main][:guaranteed]")
    return LenderArg(int(head), "main" in flags, "guaranteed" in flags)


def parse_yen(text: str, what: str) -> int:
    cleaned = text.strip().replace(",", "").removesuffix("円")
    if not re.fullmatch(r"\d{1,12}", cleaned):
        raise BadInput(f"{what}: {text!r} is not an amount in whole yen")
    return int(cleaned)


def parse_estimate(text: str) -> tuple[str, int]:
    component, sep, amount = text.partition("=")
    if not sep:
        raise BadInput(f"--estimate {text!r}: expected COMPONENT=YEN")
    if component not in COMPONENTS:
        raise BadInput(f"--estimate {text!r}: unknown fee component {component!r} (one of {', '.join(COMPONENTS)})")
    return component, parse_yen(amount, f"--estimate {component}")


def open_case(ctx: Context, *, program: str, track: str | None, council: str, company_id: int,
              support_orgs: list[int], lenders: list[LenderArg], coordinator: str | None,
              interim_monitoring: bool, interval_months: int | None, estimates: dict[str, int],
              reuse_reason: str | None, on: dt.date | None) -> dict[str, Any]:
    spec = workflow(program)
    track = track or spec.default_track
    if track not in spec.tracks:
        raise BadInput(f"unknown track {track!r} for program {program} (one of {', '.join(spec.tracks)})")
    opened_on = on or ctx.today
    try:
        rule_set = spec.rule_set_on(opened_on)
    except LookupError as exc:
        raise BadInput(str(exc)) from None
    if not support_orgs:
        raise BadInput("a case needs its lead support org (--support-org ID)")
    if len(set(support_orgs)) != len(support_orgs):
        raise BadInput("the same --support-org is given twice")
    if len({lender.org_id for lender in lenders}) != len(lenders):
        raise BadInput("the same --lender is given twice")
    if sum(lender.main for lender in lenders) > 1:
        raise BadInput("only one lender can be the main bank")
    if interim_monitoring and program != "early":
        raise BadInput("--interim-monitoring applies to early cases only")
    if interval_months is not None:
        if program != "405":
            raise BadInput("--monitoring-interval-months applies to 405 cases only")
        if not 1 <= interval_months <= 12:
            raise BadInput(f"--monitoring-interval-months {interval_months} is not 1–12")
    caps = rule_set.caps(track)
    for component in estimates:
        if component not in caps:
            raise BadInput(f"--estimate {component}: no such fee component for {program}/{track} "
                           f"(one of {', '.join(caps)})")
    with ctx.write() as repo:
        if repo.council(council) is None:
            raise NotFound("council", council)
        company = repo.company(company_id)
        if company is None:
            raise NotFound("company", company_id)
        found = repo.orgs_by_id([*support_orgs, *(lender.org_id for lender in lenders)])
        for org_id in [*support_orgs, *(lender.org_id for lender in lenders)]:
            if org_id not in found:
                raise NotFound("organisation", org_id)
        for lender in lenders:
            if not found[lender.org_id]["is_bank"]:
                org = found[lender.org_id]
                raise BadInput(f"organisation {org['id']} ({org['name']}) is a {org['kind']}, not a bank: "
                               "it cannot be a lender")
        if coordinator is not None and repo.user(coordinator) is None:
            raise NotFound("user", coordinator)
        number = repo.next_case_number(council, fiscal_year(opened_on))
        case_id = f"{council}-{fiscal_year(opened_on)}-{number:04d}"
        repo.insert_case({
            "id": case_id, "program": program, "track": track, "council": council, "company_id": company_id,
            "state": spec.initial, "state_since": opened_on, "coordinator": coordinator, "rule_set": rule_set.id,
            "opened_on": opened_on, "interim_monitoring": interim_monitoring,
            "monitoring_interval_months": interval_months, "reuse_reason": reuse_reason or None,
            "version": 1, "created_at": utcnow(),
        })
        repo.insert_links(
            case_id,
            [{"org_id": x.org_id, "main": x.main, "guaranteed": x.guaranteed, "position": i}
             for i, x in enumerate(lenders)],
            [{"org_id": org_id, "lead": i == 0, "position": i} for i, org_id in enumerate(support_orgs)],
            estimates,
        )
        repo.insert_history({
            "case_id": case_id, "event": "open", "from_state": None, "to_state": spec.initial,
            "effective_on": opened_on, "recorded_at": utcnow(), "user": ctx.user, "note": None,
            "reason": reuse_reason or None, "until": None, "rule_set": rule_set.id,
        })
        return presenters.case_view(repo, repo.case(case_id) or {}, spec, ctx.today)


def _load_case(repo: Repo, case_id: str) -> tuple[dict[str, Any], WorkflowSpec]:
    case = repo.case(case_id)
    if case is None:
        raise NotFound("case", case_id)
    return case, workflow(case["program"])


def show_case(ctx: Context, case_id: str) -> dict[str, Any]:
    with ctx.read() as repo:
        case, spec = _load_case(repo, case_id)
        return presenters.case_view(repo, case, spec, ctx.today)


def list_cases(ctx: Context, **filters: Any) -> list[dict[str, Any]]:
    with ctx.read() as repo:
        return [presenters.case_row(c) for c in repo.list_cases(**filters)]


def case_history(ctx: Context, case_id: str) -> list[dict[str, Any]]:
    with ctx.read() as repo:
        _load_case(repo, case_id)
        return [presenters.history_row(h) for h in repo.case_history(case_id)]


def case_events(ctx: Context, case_id: str, on: dt.date | None = None) -> list[dict[str, Any]]:
    with ctx.read() as repo:
        case, spec = _load_case(repo, case_id)
        facts = repo.facts(case)
    verdicts = engine_for(spec).verdicts(facts, on or ctx.today)
    return [{"event": v.event, "label": spec.events[v.event].ja, "allowed": v.allowed, "reasons": list(v.reasons)}
            for v in verdicts]


def advance(ctx: Context, case_id: str, event_id: str, *, on: dt.date | None = None, note: str | None = None,
            reason: str | None = None, until: dt.date | None = None) -> dict[str, Any]:
    """Fire one event. Optimistic: judged on a snapshot, written only if the case is unchanged since."""
    on = on or ctx.today
    with ctx.read() as repo:
        case, spec = _load_case(repo, case_id)
        facts = repo.facts(case)
        company = repo.company(case["company_id"]) or {}
    engine = engine_for(spec)
    move = engine.fire(facts, event_id, EventArgs(on=on, reason=reason, until=until))
    event = move.event
    values: dict[str, Any] = {"state": move.target}
    if move.target != move.source:
        values["state_since"] = on
    rule_set = spec.rule_set(case["rule_set"])
    if event.sets == "accepted_on":
        rule_set = spec.rule_set_on(on)
        values.update(accepted_on=on, rule_set=rule_set.id)
    elif event.sets == "plan_date":
        values["plan_date"] = on
    if event.until_required:
        values["validity_until"] = until
    with ctx.write() as repo:
        if not repo.update_case(case_id, case["version"], values):
            raise Conflict(f"case {case_id} was changed by someone else meanwhile; nothing written — "
                           "look at it again (casetrack case show) and retry")
        repo.insert_history({
            "case_id": case_id, "event": event_id, "from_state": move.source, "to_state": move.target,
            "effective_on": on, "recorded_at": utcnow(), "user": ctx.user, "note": note,
            "reason": reason, "until": until, "rule_set": rule_set.id,
        })
        if event.sets == "plan_date":
            repo.insert_sessions(case_id, _planned_sessions(ctx, spec, case, company, rule_set.values, on))
        if event_id == "decide_payment":
            _decide_plan_claim(repo, spec, {**case, **values}, on, ctx.user)
        return presenters.case_view(repo, repo.case(case_id) or {}, spec, ctx.today)


def _planned_sessions(ctx: Context, spec: WorkflowSpec, case: dict[str, Any], company: dict[str, Any],
                      rules: Any, plan_date: dt.date) -> list[dict[str, Any]]:
    if spec.program == "early":
        planned = early_sessions(
            plan_date, company["fiscal_year_end_month"], interim=case["interim_monitoring"],
            interim_months=rules["interim_months"], lag_months=rules["fye_report_lag_months"],
            is_closed=ctx.calendar.is_closed)
    else:
        planned = regular_sessions(
            plan_date, case["monitoring_interval_months"] or rules["default_interval_months"],
            case["window_months"] or rules["window_months"], is_closed=ctx.calendar.is_closed)
    return [{"seq": s.seq, "kind": s.kind, "nominal_due_on": s.nominal_due_on, "due_on": s.due_on,
             "status": "scheduled"} for s in planned]


# -- documents -----------------------------------------------------------------------------------

def add_document(ctx: Context, case_id: str, kind: str, *, lender_id: int | None, on: dt.date | None,
                 file: str | None) -> dict[str, Any]:
    on = on or ctx.today
    file_info: dict[str, Any] = {}
    if file is not None:
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise BadInput(f"--file {file}: {exc.strerror}") from None
        file_info = {"file_path": str(path.resolve()), "file_sha256": hashlib.sha256(data).hexdigest(),
                     "file_size": len(data)}
    with ctx.write() as repo:
        case, spec = _load_case(repo, case_id)
        if kind not in spec.documents:
            raise BadInput(f"unknown document kind {kind!r} (one of {', '.join(spec.documents)})")
        doc_kind = spec.documents[kind]
        case_lenders = {r["org_id"]: r for r in repo.case_lenders(case_id)}
        if lender_id is not None:
            if not doc_kind.from_lender:
                raise BadInput(f"a {kind} document does not come from a lender; drop --lender")
            if lender_id not in case_lenders:
                raise BadInput(f"organisation {lender_id} is not a lender of case {case_id} "
                               f"(lenders: {', '.join(map(str, case_lenders)) or 'none'})")
        elif doc_kind.from_lender:
            main = next((r for r in case_lenders.values() if r["main"]), None)
            if main is None:
                raise BadInput(f"a {kind} comes from a lender: name it with --lender ORG_ID")
            lender_id = main["org_id"]
        if not repo.update_case(case_id, case["version"], {}):
            raise Conflict(f"case {case_id} was changed by someone else meanwhile; nothing written")
        values = {"case_id": case_id, "kind": kind, "lender_id": lender_id, "on": on, "recorded_at": utcnow(),
                  "user": ctx.user, **file_info}
        doc_id = repo.insert_document(values)
    return {"id": doc_id, "case": case_id, "kind": kind, "label": doc_kind.ja, "lender_id": lender_id,
            "on": on, "file": file_info.get("file_path"), "sha256": file_info.get("file_sha256")}


# -- fees (claims; the full ledger arrives with the money rules) ----------------------------------

def claim_fee(ctx: Context, case_id: str, component: str, *, fee: int, session: int | None,
              on: dt.date | None) -> dict[str, Any]:
    on = on or ctx.today
    with ctx.write() as repo:
        case, spec = _load_case(repo, case_id)
        caps = spec.rule_set(case["rule_set"]).caps(case["track"])
        if component not in COMPONENTS:
            raise BadInput(f"unknown fee component {component!r} (one of {', '.join(COMPONENTS)})")
        if component not in caps:
            raise Refused(f"{spec.program}/{case['track']} has no {component} component (one of {', '.join(caps)})")
        if spec.states[case["state"]].final:
            raise Refused(f"case {case_id} is {case['state']}: no more claims")
        if component == "plan" and any(c["component"] == "plan" and c["status"] != "rejected"
                                       for c in repo.case_claims(case_id)):
            raise Refused(f"case {case_id} already has a plan claim")
        if session is not None and not any(s["seq"] == session for s in repo.case_sessions(case_id)):
            raise NotFound("monitoring session", f"{case_id}#{session}")
        if not repo.update_case(case_id, case["version"], {}):
            raise Conflict(f"case {case_id} was changed by someone else meanwhile; nothing written")
        claim_id = repo.insert_claim({"case_id": case_id, "component": component, "fee": fee, "status": "claimed",
                                      "session_seq": session, "claimed_on": on, "recorded_at": utcnow(),
                                      "user": ctx.user})
        preview = _subsidy_now(repo, spec, case, component, fee, exclude=claim_id)
    return {"id": claim_id, "case": case_id, "component": component, "fee": fee, "status": "claimed",
            "subsidy": preview.subsidy, "company_share": preview.company_share, "limits": list(preview.limits),
            "session": session}


def _subsidy_now(repo: Repo, spec: WorkflowSpec, case: dict[str, Any], component: str, fee: int,
                 exclude: int | None = None) -> Any:
    rule_set = spec.rule_set(case["rule_set"])
    estimate = repo.case_estimates(case["id"]).get(component)
    earlier = [c for c in repo.case_claims(case["id"])
               if c["component"] == component and c["status"] == "decided" and c["id"] != exclude]
    estimate_left = None if estimate is None else estimate - sum(c["fee"] for c in earlier)
    cap_left = rule_set.caps(case["track"])[component] - sum(c["subsidy"] or 0 for c in earlier)
    return subsidy_for(fee, rule_set.rate, estimate_left, cap_left)


def _decide_plan_claim(repo: Repo, spec: WorkflowSpec, case: dict[str, Any], on: dt.date, user: str) -> None:
    claim = next(c for c in repo.case_claims(case["id"]) if c["component"] == "plan" and c["status"] == "claimed")
    result = _subsidy_now(repo, spec, case, "plan", claim["fee"], exclude=claim["id"])
    repo.update_claims(case["id"], "plan", "claimed",
                       {"status": "decided", "decided_on": on, "subsidy": result.subsidy})


def plan_holdback(spec: WorkflowSpec, case: dict[str, Any], plan_subsidy: int) -> tuple[int, int]:
    if spec.rule_set(case["rule_set"]).values.get("holdback", {}).get(case["track"]):
        return holdback(plan_subsidy)
    return plan_subsidy, 0


# -- monitoring sessions ----------------------------------------------------------------------

def list_sessions(ctx: Context, **filters: Any) -> list[dict[str, Any]]:
    with ctx.read() as repo:
        if filters.get("case_id"):
            _load_case(repo, filters["case_id"])
        return [presenters.session_row(s, ctx.today) for s in repo.list_sessions(**filters)]


def record_session(ctx: Context, case_id: str, seq: int, *, held_on: dt.date, note: str | None) -> dict[str, Any]:
    return _close_session(ctx, case_id, seq, {"status": "held", "held_on": held_on, "note": note})


def waive_session(ctx: Context, case_id: str, seq: int, *, reason: str) -> dict[str, Any]:
    if not reason.strip():
        raise BadInput("waiving a session needs a reason")
    return _close_session(ctx, case_id, seq, {"status": "waived", "waive_reason": reason})


def _close_session(ctx: Context, case_id: str, seq: int, values: dict[str, Any]) -> dict[str, Any]:
    with ctx.write() as repo:
        case, _spec = _load_case(repo, case_id)
        current = next((s for s in repo.case_sessions(case_id) if s["seq"] == seq), None)
        if current is None:
            raise NotFound("monitoring session", f"{case_id}#{seq}")
        if current["status"] != "scheduled":
            raise Refused(f"session {seq} of case {case_id} is already {current['status']}")
        if case["state"] != "monitoring":
            raise Refused(f"case {case_id} is {case['state']}, not monitoring")
        if values.get("held_on") and case["plan_date"] and values["held_on"] < case["plan_date"]:
            raise BadInput(f"--held-on {values['held_on']} is before the plan date {case['plan_date']}")
        if not repo.update_case(case_id, case["version"], {}):
            raise Conflict(f"case {case_id} was changed by someone else meanwhile; nothing written")
        repo.update_session(case_id, seq, values)
        row = next(s for s in repo.case_sessions(case_id) if s["seq"] == seq)
    return presenters.session_row({**row, "council": case["council"]}, ctx.today)
