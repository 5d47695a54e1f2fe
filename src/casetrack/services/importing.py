"""``casetrack import cases FILE``: a council's existing ledger (CSV or xlsx, the layout of
``casetrack export cases`` — see templates/import/cases.csv) into cases. All or nothing: every bad
row is reported with its row number and reason and nothing is written."""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ..domain import corporate_number
from ..domain.case_rows import LenderLink, NewCase, NewHistory, SupportLink
from ..domain.dates import fiscal_year, read_date
from ..domain.labels import ORG_KINDS as ORG_KIND_LABELS
from ..domain.master_records import NewCompany, NewOrganisation
from ..domain.schedule import early_sessions, regular_sessions
from ..errors import BadInput, Problem
from ..exchange.readers import read_table
from ..store.repo import Repo
from ..store.work import Work
from ..workflow.catalog import all_workflows
from ..workflow.spec import WorkflowSpec
from .cases import _planned_sessions
from .context import Context
from .directory import ORG_KINDS, is_email
from .exchange import CASE_COLUMNS
from .parsing import clean_name, normalise, parse_case_id, resolve_label

LAYOUT = tuple(c.header for c in CASE_COLUMNS)  # the columns of `export cases` (templates/import/README.md)
REQUIRED = ("事業", "協議会", "事業者", "決算月", "状態コード", "状態の開始日", "代表認定支援機関")
PROGRAM_NAMES = {
    "early": "early",
    "405": "405",
    "早期経営改善計画策定支援": "early",
    "405事業": "405",
    "経営改善計画策定支援": "405",
}
GUARANTEED = "（保証付）"
NO_SESSIONS = ("rejected", "withdrawn", "lapsed")  # ended before a plan date mattered: no schedule
HELD_BEFORE_IMPORT = "取込前に実施済み（実施日は取込元の台帳になし）"
ID_RE = re.compile(r"\d{2}-\d{4}-\d{4,6}")


Progress = Callable[[str, int, int], None]  # (phase, done, total)


class ImportRejected(BadInput):
    slug = "import_rejected"


@dataclass
class Row:
    line: int
    case_id: str | None
    program: str
    track: str
    council: str
    company: str
    number: str | None
    fye_month: int
    state: str
    state_since: dt.date
    coordinator: str | None
    lead: str
    lenders: list[tuple[str, bool, bool]] = field(default_factory=list)  # name, main, guaranteed
    opened_on: dt.date | None = None
    accepted_on: dt.date | None = None
    plan_date: dt.date | None = None
    validity_until: dt.date | None = None
    interval: int | None = None
    interim: bool = False
    lead_email: str | None = None
    lead_kind: str | None = None
    lead_certified: bool | None = None
    sessions_held: int = 0


def _date(value: Any, what: str, problems: list[str], required: bool = False) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    if not text:
        if required:
            problems.append(Problem(f"{what} is empty", f"{what}が空です"))
        return None
    try:
        return read_date(text)
    except ValueError as exc:
        problems.append(Problem(f"{what} {exc}", f"{what}「{text}」は日付として読めません"))
    return None


def _name(text: str, what: str, problems: list[str]) -> str:
    """A name read as every name is (services.parsing.clean_name); a refusal is one problem of the row."""
    try:
        return clean_name(text, what)
    except BadInput as exc:
        problems.append(Problem(exc.message, exc.ja[0] if exc.ja else exc.message))
        return ""


def _parse(
    line: int,
    raw: dict[str, Any],
    specs: dict[str, WorkflowSpec],
    councils: set[str],
    users: set[str],
    today: dt.date | None = None,
) -> tuple[Row | None, list[str]]:
    problems: list[str] = []
    if "__error__" in raw:
        return None, [Problem(str(raw["__error__"]), str(raw.get("__error_ja__") or raw["__error__"]))]

    def get(key: str) -> str:
        return str(raw.get(key, "") or "").strip()

    typed_program = PROGRAM_NAMES.get(get("事業")) or resolve_label(
        get("事業"), {p: s.ja for p, s in specs.items()}, "事業"
    )
    program: str | None = typed_program if typed_program in specs else None
    if program is None:
        problems.append(
            Problem(
                f"事業 {get('事業')!r} is not early or 405",
                f"事業「{get('事業')}」は早期経営改善計画策定支援・405事業のどちらでもありません",
            )
        )
    spec = specs.get(program or "")
    track = get("枠") or (spec.default_track if spec else "")
    track = resolve_label(track, {t: x.ja for t, x in spec.tracks.items()}, "枠") if spec else track
    if spec and track not in spec.tracks:
        problems.append(
            Problem(
                f"枠 {track!r} is not a track of {program} ({', '.join(spec.tracks)})",
                f"枠「{track}」は{spec.ja}にありません（{'、'.join(t.ja for t in spec.tracks.values())}）",
            )
        )
    council = get("協議会").zfill(2) if get("協議会").isdigit() else get("協議会")
    if council not in councils:
        problems.append(
            Problem(
                f"協議会 {get('協議会')!r} is not a council code (00–47)",
                f"協議会「{get('協議会')}」は協議会の番号（00〜47）ではありません",
            )
        )
    company = _name(get("事業者"), "事業者", problems)
    number = get("法人番号") or None
    if number:
        try:
            number = corporate_number.validate(number)
        except ValueError as exc:
            problems.append(
                Problem(
                    str(exc), f"法人番号「{number}」が正しくありません（13桁で、検査用数字が合う番号です）"
                )
            )
    month_text = normalise(get("決算月"))
    fye = int(month_text) if month_text.isdigit() else 0
    if not 1 <= fye <= 12:
        problems.append(
            Problem(f"決算月 {month_text!r} is not 1–12", f"決算月「{month_text}」は1〜12ではありません")
        )
    state = get("状態コード")
    if spec and state not in spec.states:
        problems.append(
            Problem(
                f"状態コード {state!r} is not a state of {program}",
                f"状態コード「{state}」は{spec.ja}の状態ではありません",
            )
        )
    since = _date(raw.get("状態の開始日"), "状態の開始日", problems, required=True)
    coordinator = get("担当") or None
    if coordinator and coordinator not in users:
        problems.append(
            Problem(
                f"担当 {coordinator!r} is not a user (casetrack user add {coordinator} --council …)",
                f"担当「{coordinator}」は casetrack の職員として登録されていません",
            )
        )
    lead = _name(get("代表認定支援機関"), "代表認定支援機関", problems)
    lead_email = get("代表認定支援機関のメール") or None
    if lead_email and not is_email(lead_email):
        problems.append(
            Problem(
                f"代表認定支援機関のメール {lead_email!r} is not an e-mail address",
                f"代表認定支援機関のメール「{lead_email}」はメールアドレスではありません",
            )
        )
    lead_kind = (
        resolve_label(get("代表認定支援機関の種別"), ORG_KIND_LABELS, "代表認定支援機関の種別") or None
    )
    if lead_kind and lead_kind not in ORG_KINDS:
        problems.append(
            Problem(
                f"代表認定支援機関の種別 {lead_kind!r} is not one of {', '.join(ORG_KINDS)}",
                f"代表認定支援機関の種別「{lead_kind}」はありません（{'、'.join(ORG_KIND_LABELS.get(k, k) for k in ORG_KINDS)}）",
            )
        )
    certified_text = get("代表認定支援機関の認定")
    if certified_text not in ("", "はい", "いいえ"):
        problems.append(
            Problem(
                f"代表認定支援機関の認定 {certified_text!r} is はい or いいえ",
                f"代表認定支援機関の認定「{certified_text}」は「はい」か「いいえ」で書いてください",
            )
        )
    main = get("メイン行")
    lenders = []
    for part in [p.strip() for p in get("金融機関").split("・") if p.strip()]:
        guaranteed = part.endswith(GUARANTEED)
        name = part.removesuffix(GUARANTEED).strip()
        lenders.append((name, name == main, guaranteed))
    if main and not any(m for _n, m, _g in lenders):
        problems.append(
            Problem(
                f"メイン行 {main!r} is not among the 金融機関",
                f"メイン行「{main}」が金融機関の列にありません",
            )
        )
    case_id = parse_case_id(get("案件番号")) if get("案件番号") else None
    if case_id and not ID_RE.fullmatch(case_id):
        problems.append(
            Problem(
                f"案件番号 {case_id!r} is not of the form 13-2026-0001",
                f"案件番号「{case_id}」は 13-2026-0001 の形ではありません",
            )
        )
    elif case_id and council and not case_id.startswith(council + "-"):
        problems.append(
            Problem(
                f"案件番号 {case_id} does not belong to council {council}",
                f"案件番号 {case_id} は協議会 {council} の番号ではありません",
            )
        )
    opened = _date(raw.get("受付日"), "受付日", problems)
    accepted = _date(raw.get("利用決定日"), "利用決定日", problems)
    plan = _date(raw.get("計画日"), "計画日", problems)
    until = _date(raw.get("延長後の有効期限"), "延長後の有効期限", problems)
    for name, day in (
        ("受付日", opened),
        ("利用決定日", accepted),
        ("計画日", plan),
        ("状態の開始日", since),
    ):
        if today is not None and day is not None and day > today:  # effective dates are never after today
            problems.append(
                Problem(f"{name} {day} is after today ({today})", f"{name} {day} が今日（{today}）より後です")
            )
    if spec and state in spec.states and not problems:
        reached = _reached(spec, state)
        if "accepted_on" in reached and accepted is None:
            problems.append(
                Problem(
                    f"a case in {state} needs its 利用決定日",
                    f"{spec.states[state].ja}の案件には利用決定日が必要です",
                )
            )
        if "plan_date" in reached and plan is None:
            problems.append(
                Problem(
                    f"a case in {state} needs its 計画日",
                    f"{spec.states[state].ja}の案件には計画日が必要です",
                )
            )
        for name, day in (("利用決定日", accepted), ("計画日", plan)):
            if day and since and day > since:
                problems.append(
                    Problem(
                        f"{name} {day} is after 状態の開始日 {since}",
                        f"{name} {day} が状態の開始日 {since} より後です",
                    )
                )
    interval_text = get("伴走支援の間隔（月）")
    interval = int(interval_text) if interval_text.isdigit() else None
    if interval_text and (interval is None or not 1 <= interval <= 12 or program != "405"):
        problems.append(
            Problem(
                f"伴走支援の間隔（月） {interval_text!r} is 1–12, for 405 cases only",
                f"伴走支援の間隔（月）「{interval_text}」は405事業の案件だけに、1〜12で書きます",
            )
        )
    interim_text = get("期中の伴走支援")
    if interim_text not in ("", "はい", "いいえ"):
        problems.append(
            Problem(
                f"期中の伴走支援 {interim_text!r} is はい or いいえ",
                f"期中の伴走支援「{interim_text}」は「はい」か「いいえ」で書いてください",
            )
        )
    held_text = get("実施済みの伴走支援（回）")
    held = int(held_text) if held_text.isdigit() else 0
    if held_text and not held_text.isdigit():
        problems.append(
            Problem(
                f"実施済みの伴走支援（回） {held_text!r} is not a number of sessions (0, 1, 2, …)",
                f"実施済みの伴走支援（回）「{held_text}」は回数（0、1、2…）ではありません",
            )
        )
    if problems:
        return None, problems
    assert program and since
    return Row(
        line,
        case_id,
        program,
        track,
        council,
        company,
        number,
        fye,
        state,
        since,
        coordinator,
        lead,
        lenders,
        opened or accepted or since,
        accepted,
        plan,
        until,
        interval,
        interim_text == "はい",
        lead_email,
        lead_kind,
        {"はい": True, "いいえ": False}.get(certified_text),
        held,
    ), []


def _session_count(spec: WorkflowSpec, row: Row) -> int:
    """How many sessions the schedule computed on import gives the case (closed days move sessions,
    never add or drop one, so none are looked up here)."""
    if row.plan_date is None or row.state in NO_SESSIONS:
        return 0
    rules = spec.rule_set_on(row.accepted_on or row.opened_on or row.state_since).values
    if spec.program == "early":
        return len(
            early_sessions(
                row.plan_date,
                row.fye_month,
                interim=row.interim,
                interim_months=rules["interim_months"],
                lag_months=rules["fye_report_lag_months"],
                is_closed=lambda _day: False,
                fye_min_months=rules["fye_min_months_after_plan"],
            )
        )
    return len(
        regular_sessions(
            row.plan_date,
            row.interval or rules["default_interval_months"],
            rules["window_months"],
            is_closed=lambda _day: False,
        )
    )


def _reached(spec: WorkflowSpec, state: str) -> set[str]:
    """The key dates (accepted_on, plan_date) set on every path from the first state to ``state``."""
    everything = frozenset(e.sets for e in spec.events.values() if e.sets)
    must: dict[str, frozenset[str]] = {s: everything for s in spec.states}
    must[spec.initial] = frozenset()
    changed = True
    while changed:
        changed = False
        for event in spec.events.values():
            for source in event.sources:
                target = event.target_from(source)
                if target == spec.initial:
                    continue
                incoming = must[source] | ({event.sets} if event.sets else frozenset())
                narrowed = must[target] & incoming
                if narrowed != must[target]:
                    must[target] = narrowed
                    changed = True
    return set(must[state])


def import_cases(
    ctx: Context, path: str, *, dry_run: bool = False, progress: Progress | None = None
) -> dict[str, Any]:
    """Check every row, then (unless ``dry_run``) write them all in one transaction. ``progress`` is
    called as (phase, done, total) for the phases "validating" and "writing", up to done == total."""
    ctx.authorize("case.open")
    headers, records = read_table(path, LAYOUT)
    if not set(headers) & set(LAYOUT):
        found = ", ".join(repr(h) for h in headers[:5]) + (", …" if len(headers) > 5 else "")
        raise ImportRejected(
            f"{path}: the header row (row 1) does not match the layout of templates/import/cases.csv "
            f"(found {found}; is the file in another encoding?); expected the headers {', '.join(LAYOUT)} "
            f"(required: {', '.join(REQUIRED)})",
            [f"row 1: unknown header {h!r}" for h in headers],
            ja=[
                f"{path} の見出し行（1行目：{found}）が取込用の様式（templates/import/cases.csv）と合いません。文字コードが違う可能性があります。何も取り込んでいません。"
            ],
        )
    missing = [h for h in REQUIRED if h not in headers]
    if missing:
        raise ImportRejected(
            f"{path}: missing column(s) {', '.join(missing)} (see templates/import/cases.csv)",
            [f"missing column {h}" for h in missing],
            ja=[
                f"{path} に必要な列がありません：{'、'.join(missing)}（templates/import/cases.csv を参照）。何も取り込んでいません。"
            ],
        )
    specs = all_workflows()
    with ctx.read() if dry_run else ctx.write() as repo:
        councils = {c.code for c in repo.list_councils()}
        users = {u.name for u in repo.list_users()}
        rows: list[Row] = []
        errors: list[str] = []
        errors_ja: list[str] = []  # the same, said in Japanese (the CLI's default language, the pages)
        seen_ids: dict[str, int] = {}
        for n, (line, raw) in enumerate(records, start=1):
            row, problems = _parse(line, raw, specs, councils, users, ctx.today)
            if row and ctx.scope is not None and row.council not in ctx.scope:
                problems.append(
                    Problem(
                        f"協議会 {row.council}: {ctx.user} acts for council "
                        f"{', '.join(sorted(ctx.scope))} only",
                        f"協議会 {row.council}：{ctx.user} は協議会 {'、'.join(sorted(ctx.scope))} の職員です",
                    )
                )
            if row and row.sessions_held:
                count = _session_count(specs[row.program], row)
                if row.sessions_held > count:
                    problems.append(
                        Problem(
                            f"実施済みの伴走支援（回） {row.sessions_held}: the case has "
                            + (
                                f"only {count} session(s) from 計画日 {row.plan_date}"
                                if count
                                else f"no monitoring sessions in {row.state}"
                            ),
                            f"実施済みの伴走支援（回） {row.sessions_held}：この案件の伴走支援は"
                            + (
                                f"計画日 {row.plan_date} から {count} 回までです"
                                if count
                                else "今の状態ではありません"
                            ),
                        )
                    )
            if row and row.case_id:
                if row.case_id in seen_ids:
                    problems.append(
                        Problem(
                            f"案件番号 {row.case_id} is also on row {seen_ids[row.case_id]}",
                            f"案件番号 {row.case_id} は{seen_ids[row.case_id]}行目にもあります",
                        )
                    )
                elif repo.case(row.case_id) is not None:
                    problems.append(
                        Problem(
                            f"案件番号 {row.case_id} already exists",
                            f"案件番号 {row.case_id} はすでにあります",
                        )
                    )
                seen_ids[row.case_id] = line
            errors.extend(f"row {line}: {p}" for p in problems)
            errors_ja.extend(f"{line}行目：{getattr(p, 'ja', p)}" for p in problems)
            if row and not problems:
                rows.append(row)
            if progress:
                progress("validating", n, len(records))
        if errors:
            raise ImportRejected(
                f"{path}: {len(errors)} problem(s) in {len({e.split(':')[0] for e in errors})} "
                f"row(s); nothing imported: "
                + "; ".join(errors[:20])
                + (f"; … {len(errors) - 20} more" if len(errors) > 20 else ""),
                errors,
                ja=[
                    f"{path} の{len({e.split(':')[0] for e in errors})}行に{len(errors)}件の誤りがあるため、何も取り込んでいません："
                    + "、".join(errors_ja[:20])
                    + (f"、ほか{len(errors) - 20}件" if len(errors) > 20 else "")
                ],
            )
        if dry_run:
            return {"file": path, "rows": len(rows), "imported": 0, "dry_run": True}
        _advance_counters(repo, rows)
        orgs = _Orgs(repo)
        ids = []
        for n, row in enumerate(rows, start=1):
            ids.append(_write(ctx, repo, specs[row.program], row, path, orgs))
            if progress:
                progress("writing", n, len(rows))
    return {"file": path, "rows": len(rows), "imported": len(ids), "cases": ids, "dry_run": False}


def _advance_counters(repo: Repo, rows: list[Row]) -> None:
    """Move each (council, fiscal year) counter past the highest 案件番号 the file brings, before any
    row without one is numbered, so neither those rows nor a later `case open` reuse a number."""
    highest: dict[tuple[str, int], int] = {}
    for row in rows:
        if row.case_id:
            council, year_text, number_text = row.case_id.split("-")
            key = (council, int(year_text))
            highest[key] = max(highest.get(key, 0), int(number_text))
    for (council, year), number in sorted(highest.items()):
        repo.advance_case_counter(council, year, number)


class _Orgs:
    """Organisations by name, looked up once per import and extended as rows create new ones."""

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self.advisers: dict[str, int] = {}
        self.banks: dict[str, int] = {}
        for org in repo.list_orgs():
            (self.banks if org.is_bank else self.advisers).setdefault(org.name, org.id)

    def get(self, name: str, *, bank: bool) -> int:
        """A lender by name; a new name is registered as an uncertified bank without e-mail."""
        if name in self.banks:
            return self.banks[name]
        return self._insert(
            self.banks, NewOrganisation(name, "bank", certified=False, email=None, is_bank=True)
        )

    def lead(self, row: Row) -> int:
        """The lead support org by name (an adviser first, then a bank: in the early bank track a bank
        is the support org). A new name is registered with the row's e-mail, kind and certified flag
        (by default: kind other, certified); a registered organisation is used as it is."""
        if row.lead in self.advisers:
            return self.advisers[row.lead]
        if row.lead in self.banks:
            return self.banks[row.lead]
        kind = row.lead_kind or "other"
        return self._insert(
            self.banks if kind == "bank" else self.advisers,
            NewOrganisation(
                row.lead,
                kind,
                certified=True if row.lead_certified is None else row.lead_certified,
                email=row.lead_email,
                is_bank=kind == "bank",
            ),
        )

    def _insert(self, known: dict[str, int], org: NewOrganisation) -> int:
        org_id = self.repo.insert_org(org)
        known[org.name] = org_id
        return org_id


def _write(ctx: Context, repo: Work, spec: WorkflowSpec, row: Row, path: str, orgs: _Orgs) -> str:
    company = repo.company_by_number(row.number) if row.number else None
    if company is None:
        company_id = repo.insert_company(
            NewCompany(row.company, row.number, row.fye_month, founded_on=None, prefecture=None)
        )
        fye_month = row.fye_month
    else:
        company_id, fye_month = company.id, company.fiscal_year_end_month
    opened = row.opened_on or row.state_since
    case_id = row.case_id or (
        f"{row.council}-{fiscal_year(opened)}-{repo.next_case_number(row.council, fiscal_year(opened)):04d}"
    )
    rule_set = spec.rule_set_on(row.accepted_on or opened)
    repo.insert_case(
        NewCase(
            id=case_id,
            program=row.program,
            track=row.track,
            council=row.council,
            company_id=company_id,
            state=row.state,
            state_since=row.state_since,
            coordinator=row.coordinator,
            rule_set=rule_set.id,
            opened_on=opened,
            accepted_on=row.accepted_on,
            plan_date=row.plan_date,
            validity_until=row.validity_until,
            interim_monitoring=row.interim,
            monitoring_interval_months=row.interval,
            created_at=ctx.now(),
        )
    )
    lead = orgs.lead(row)
    repo.insert_links(
        case_id,
        [
            LenderLink(orgs.get(name, bank=True), main=main, guaranteed=g, position=i)
            for i, (name, main, g) in enumerate(row.lenders)
        ],
        [SupportLink(lead, lead=True, position=0)],
        {},
    )
    repo.insert_history(
        NewHistory(
            case_id=case_id,
            event="import",
            from_state=None,
            to_state=row.state,
            effective_on=row.state_since,
            recorded_at=ctx.now(),
            user=ctx.user,
            note=f"imported from {path} row {row.line}",
            rule_set=rule_set.id,
        )
    )
    if row.plan_date and row.state not in NO_SESSIONS:
        case = repo.case(case_id)
        assert case is not None  # inserted above, in the importer's council
        planned = _planned_sessions(ctx, spec, case, fye_month, rule_set.values, row.plan_date, repo)
        held = row.sessions_held  # the first ones held before the import (no date known)
        repo.insert_sessions(
            case_id,
            [
                replace(s, status="held", note=HELD_BEFORE_IMPORT) if n < held else s
                for n, s in enumerate(planned)
            ],
        )
    return case_id


def tty_progress(phase: str, done: int, total: int) -> None:
    """A bar per phase on stderr, only when stderr is a terminal."""
    if sys.stderr.isatty() and (done == total or done % 200 == 0):
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\r{phase:<10} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()
