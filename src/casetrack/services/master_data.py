"""Correcting companies and organisations. Every changed field is an append-only, hash-chained
``master_change`` row (who, when, field, before, after) that ``audit verify`` checks; the record itself
holds the current value. Consequences follow in the same transaction: a company's new fiscal-year-end
month re-plans the fiscal-year-end sessions of its open early cases (listed), an adviser's new e-mail
or name readdresses the pending mail of the cases it leads."""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any, cast

from ..domain import corporate_number
from ..domain.case_rows import SessionMoved
from ..domain.master_records import (
    Company,
    CompanyChanges,
    MasterChange,
    NewMasterChange,
    Organisation,
    OrgChanges,
)
from ..errors import BadInput, NotFound
from ..store.repo import Repo
from ..store.work import Work
from ..workflow.catalog import workflow
from .context import Context
from .directory import ORG_KINDS, is_email

COMPANY_FIELDS = (
    "name",
    "corporate_number",
    "fiscal_year_end_month",
    "address",
    "representative",
    "email",
    "phone",
)
ORG_FIELDS = ("name", "kind", "email", "phone", "certified")
FIELD_LABELS = {
    "name": "名称",
    "corporate_number": "法人番号",
    "fiscal_year_end_month": "決算月",
    "address": "所在地",
    "representative": "代表者",
    "email": "メール",
    "phone": "電話番号",
    "kind": "種別",
    "certified": "認定支援機関",
    "display_name": "表示名",
    "role": "役割",
    "councils": "協議会",
}
_PHONE = re.compile(r"[0-9+()\- ]{6,40}")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _optional(value: str) -> str | None:
    """An optional text field: an empty value clears it."""
    return value.strip() or None


def corporate_number_ja(value: str) -> str:
    """Why ``value`` is not a 法人番号, in Japanese (domain.corporate_number says it in English)."""
    try:
        corporate_number.validate(value)
    except ValueError as exc:
        if "check digit" in str(exc):
            return f"法人番号「{value.strip()}」のチェックディジット（先頭の1桁）が合いません。"
    return f"法人番号「{value.strip()}」は13桁の数字ではありません。"


def _check_company(field: str, value: Any) -> Any:
    if field == "name":
        from .parsing import clean_name

        return clean_name(value, "company name", "事業者名")
    if field == "corporate_number":
        if not str(value).strip():
            return None
        try:
            return corporate_number.validate(str(value))
        except ValueError as exc:
            raise BadInput(str(exc), ja=[corporate_number_ja(str(value))]) from None
    if field == "fiscal_year_end_month":
        if not 1 <= int(value) <= 12:
            raise BadInput(
                f"fiscal-year-end month {value} is not 1–12", ja=[f"決算月 {value} は1〜12ではありません。"]
            )
        return int(value)
    return _check_common(field, value)


def _check_common(field: str, value: Any) -> Any:
    if field == "email":
        email = _optional(value)
        if email is not None and not is_email(email):
            raise BadInput(
                f"{email!r} is not an e-mail address",
                ja=[f"メール「{email}」はメールアドレスではありません。"],
            )
        return email
    if field == "phone":
        phone = _optional(value)
        if phone is not None and not _PHONE.fullmatch(phone):
            raise BadInput(
                f"{phone!r} is not a phone number (digits, '-', '+', '(', ')', spaces)",
                ja=[f"電話番号「{phone}」は電話番号ではありません（数字・-・+・括弧・空白で6〜40文字）。"],
            )
        return phone
    if field in ("address", "representative"):
        from .parsing import clean_name

        return None if not str(value).strip() else clean_name(value, field, FIELD_LABELS[field])
    return value


def _record_changes(
    repo: Repo,
    ctx: Context,
    entity: str,
    record: Company | Organisation,
    wanted: dict[str, Any],
    note: str | None,
) -> list[dict[str, Any]]:
    """A change row for each field of ``wanted`` (fields of ``record``) whose value differs from the
    stored one, presented as ``change_row``; none at all is refused."""
    stored = asdict(record)
    changes = []
    for field, after in wanted.items():
        before = stored[field]
        if before == after:
            continue
        row = repo.insert_master_change(
            NewMasterChange(
                entity=entity,
                entity_id=record.id,
                field=field,
                before=_text(before),
                after=_text(after),
                effective_on=ctx.today,
                recorded_at=ctx.now(),
                user=ctx.user,
                note=note or None,
            )
        )
        changes.append(change_row(row))
    if not changes:
        raise BadInput(
            f"{entity} {record.id}: nothing to change (every value given is the current one)",
            ja=["変更がありません（入力はすべて今の値と同じです）。"],
        )
    return changes


def change_row(row: MasterChange) -> dict[str, Any]:
    """A change as `company history`, `org history` and `user history` give it (CLI.md keys)."""
    return {
        "seq": row.seq,
        "field": row.field,
        "field_label": FIELD_LABELS.get(row.field, row.field),
        "before": row.before,
        "after": row.after,
        "effective_on": row.effective_on,
        "recorded_at": row.recorded_at,
        "user": row.user,
        "note": row.note,
    }


def edit_company(
    ctx: Context, company_id: int, changes: dict[str, Any], *, note: str | None = None
) -> dict[str, Any]:
    ctx.authorize("registry.write")
    wanted = {f: _check_company(f, v) for f, v in changes.items() if f in COMPANY_FIELDS and v is not None}
    if not wanted:
        raise BadInput(
            "company edit: give at least one field to change (--name, --corporate-number, "
            "--fiscal-year-end-month, --address, --representative, --email, --phone)",
            ja=["変更する項目を一つ以上入力してください。"],
        )
    with ctx.write() as repo:
        company = repo.company(company_id)
        if company is None or not repo.company_visible(company_id):  # another council's: confidential
            raise NotFound("company", company_id)
        number = wanted.get("corporate_number")
        if number and number != company.corporate_number and (other := repo.company_by_number(number)):
            shown = repo.company_visible(other.id)
            raise BadInput(
                f"corporate number {number} is already registered as company {other.id} ({other.name})"
                if shown
                else f"corporate number {number} is already registered",
                ja=[
                    f"法人番号 {number} は別の事業者"
                    + (f"（{other.id} {other.name}）" if shown else "")
                    + "として登録済みです。"
                ],
            )
        rows = _record_changes(repo, ctx, "company", company, wanted, note)
        # the fields are COMPANY_FIELDS, each value checked by _check_company
        repo.update_company(company_id, cast(CompanyChanges, {r["field"]: wanted[r["field"]] for r in rows}))
        moved = []
        if any(r["field"] == "fiscal_year_end_month" for r in rows):
            moved = _replan_fye(ctx, repo, company_id, wanted["fiscal_year_end_month"])
        updated = repo.company(company_id)
    assert updated is not None  # read and seen above, in the same transaction
    shown_now = asdict(updated)
    return {"id": company_id, **{f: shown_now[f] for f in COMPANY_FIELDS}, "changes": rows, "moved": moved}


def _replan_fye(
    ctx: Context, repo: Work, company_id: int, fiscal_year_end_month: int
) -> list[dict[str, Any]]:
    """The fiscal-year-end sessions of the company's open early cases, planned again from their plan
    dates with the new month (DOMAIN.md §8); held and waived sessions stay as they are."""
    from .cases import _planned_sessions

    moved = []
    for case in repo.cases_of_company(company_id):
        spec = workflow(case.program)
        if case.program != "early" or case.plan_date is None or case.state not in spec.open_states:
            continue
        rules = spec.rule_set(case.rule_set).values
        planned = {
            s.kind: s
            for s in _planned_sessions(ctx, spec, case, fiscal_year_end_month, rules, case.plan_date, repo)
        }
        for s in repo.case_sessions(case.id):
            new = planned.get(s.kind)
            if s.kind != "fye" or s.status != "scheduled" or new is None or new.due_on == s.due_on:
                continue
            repo.update_session(case.id, s.seq, SessionMoved(new.nominal_due_on, new.due_on))
            moved.append(
                {
                    "case": case.id,
                    "seq": s.seq,
                    "kind": "fye",
                    "from": s.due_on,
                    "to": new.due_on,
                    "nominal_due_on": new.nominal_due_on,
                }
            )
    return moved


def edit_org(
    ctx: Context, org_id: int, changes: dict[str, Any], *, note: str | None = None
) -> dict[str, Any]:
    ctx.authorize("registry.write")
    wanted: dict[str, Any] = {}
    for field, value in changes.items():
        if field not in ORG_FIELDS or value is None:
            continue
        if field == "name":
            from .parsing import clean_name

            wanted[field] = clean_name(value, "organisation name", "名称")
        elif field == "kind":
            if value not in ORG_KINDS:
                raise BadInput(
                    f"unknown organisation kind {value!r} (one of {', '.join(ORG_KINDS)})",
                    ja=[f"種別「{value}」はありません。"],
                )
            wanted[field] = value
        elif field == "certified":
            wanted[field] = bool(value)
        else:
            wanted[field] = _check_common(field, value)
    if not wanted:
        raise BadInput(
            "org edit: give at least one field to change (--name, --kind, --email, --phone, "
            "--certified/--not-certified)",
            ja=["変更する項目を一つ以上入力してください。"],
        )
    with ctx.write() as repo:
        org = repo.org(org_id)
        if org is None:
            raise NotFound("organisation", org_id)
        if wanted.get("kind", "bank") != "bank" and org.is_bank and repo.org_is_lender(org_id):
            raise BadInput(
                f"organisation {org_id} ({org.name}) is a lender of a case: it stays a bank",
                ja=[f"{org.name} は案件の借入先金融機関なので、種別は金融機関のままです。"],
            )
        rows = _record_changes(repo, ctx, "organisation", org, wanted, note)
        # the fields are ORG_FIELDS, each value checked above
        values = cast(OrgChanges, {r["field"]: wanted[r["field"]] for r in rows})
        if "kind" in values:
            values["is_bank"] = values["kind"] == "bank"
        repo.update_org(org_id, values)
        readdressed = 0
        if "email" in values or "name" in values:
            readdressed = repo.reminders.readdress_pending(
                case_ids=repo.cases_led_by(org_id),
                role="support_org",
                to_addr=values.get("email", org.email),
                to_name=values.get("name", org.name),
                old_name=org.name,
            )
        updated = repo.org(org_id)
    assert updated is not None  # read above, in the same transaction
    shown = asdict(updated)
    return {
        "id": org_id,
        **{f: shown[f] for f in ORG_FIELDS},
        "is_bank": updated.is_bank,
        "changes": rows,
        "mail_readdressed": readdressed,
    }


def master_history(ctx: Context, entity: str, record_id: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = record_history(ctx, entity, record_id)["rows"]
    return rows


def record_history(ctx: Context, entity: str, record_id: int) -> dict[str, Any]:
    """A company or organisation (``entity``) and the history of its corrections, read together:
    {"record", "rows"}. A company the user may not see is not found."""
    ctx.authorize("registry.read")
    with ctx.read() as repo:
        record = repo.company(record_id) if entity == "company" else repo.org(record_id)
        if record is None or (entity == "company" and not repo.company_visible(record_id)):
            raise NotFound(
                entity,
                record_id,
                ja=[
                    f"{'会社' if entity == 'company' else '支援機関・金融機関'} {record_id} は見つかりません。"
                ],
            )
        return {"record": record, "rows": [change_row(r) for r in repo.master_history(entity, record_id)]}
