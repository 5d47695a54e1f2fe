"""The database, councils, companies, organisations and council staff."""

from __future__ import annotations

import csv
import datetime as dt
import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from ..domain import corporate_number, policy
from ..domain.master_records import (
    Council,
    NewCompany,
    NewMasterChange,
    NewOrganisation,
    NewUser,
    UserChanges,
)
from ..errors import BadInput, Conflict, NotFound, NotPermitted, Refused
from ..resources import councils_csv
from ..store import migrate
from ..store.db import (
    grant_app_role,
    redact,
    refresh_statistics,
    setup_role,
    sqlite_file_missing,
)
from . import passwords
from .context import Context
from .parsing import clean_name

ORG_KINDS = ("bank", "tax_accountant", "cpa", "lawyer", "sme_consultant", "chamber", "other")
ROLES = policy.ROLES
TOKYO = ZoneInfo("Asia/Tokyo")


def init_db(ctx: Context, *, admin: str | None = None, app_role: str | None = None) -> dict[str, Any]:
    """Create or upgrade the database and load the councils. Once users exist only an admin may run it;
    ``admin`` also creates that user (the first admin, council 00) unless it exists; ``app_role``
    (PostgreSQL) grants the application's database role what it needs, and no more."""
    _authorize_init(ctx)
    before, after = migrate.upgrade(ctx.engine)
    rows = read_councils_csv(councils_csv())
    with ctx.write() as repo:  # every council: the set-up, or an admin (_authorize_init)
        added = repo.upsert_councils(rows)
        if admin is not None:
            _check_user_name(admin)
            existing = repo.user(admin)
            if existing is None:
                repo.insert_user(
                    NewUser(
                        name=admin, council="00", email=None, role="admin", active=True, created_at=ctx.now()
                    )
                )
            elif existing.role != "admin" or not existing.active:
                raise BadInput(
                    f"user {admin} exists and is not an active admin",
                    ja=[f"ユーザー {admin} はすでにあり、有効な管理者ではありません。"],
                )
    refresh_statistics(ctx.engine)
    result = {
        "database": redact(ctx.db_url),
        "schema_before": before,
        "schema": after,
        "councils": len(rows),
        "councils_added": added,
    }
    if app_role:
        result["app_role"] = app_role
        result["granted"] = len(grant_app_role(ctx.engine, app_role))
    return {**result, "admin": admin} if admin else result


def _authorize_init(ctx: Context) -> None:
    """`init` runs before the schema may be current, so it asks the users table directly: with no users
    (or no table yet) anyone sets the database up; afterwards only an active admin — or a trusted
    in-process caller, which acts for nobody (``Context.trusted``, as ``Context.authorize`` allows it)."""
    if not ctx.trusted and sqlite_file_missing(ctx.db_url) is None:
        anyone, role, active = setup_role(ctx.engine, ctx.user)
        if anyone and (role != "admin" or not active):
            raise NotPermitted(
                f"{ctx.user} may not upgrade the database: only an active admin may, once users exist",
                ja=[
                    f"{ctx.user} はデータベースを更新できません（ユーザーがいるときは有効な管理者だけができます）。"
                ],
            )
    ctx.authorized, ctx.scope = "system.init", None


def read_councils_csv(path: Path) -> list[Council]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            Council(
                code=r["code"],
                name=r["council"],
                prefecture=r["prefecture"] or None,
                host_organization=r["host_organization"],
                postal_code=r["postal_code"],
                address=r["address"],
                phone=r["phone"],
            )
            for r in csv.DictReader(fh)
        ]


def list_councils(ctx: Context) -> list[dict[str, Any]]:
    """Every council with all its columns (`council list`'s keys: the record's fields)."""
    ctx.authorize("registry.read")
    with ctx.read() as repo:
        return [asdict(c) for c in repo.list_councils()]


# -- registry ------------------------------------------------------------------------------------


def add_company(
    ctx: Context,
    *,
    name: str,
    corporate_number_: str | None,
    fiscal_year_end_month: int,
    founded_on: dt.date | None,
    prefecture: str | None,
    force: bool = False,
    reason: str | None = None,
) -> dict[str, Any]:
    """Register a company. One already registered with the same 法人番号, or — without one — with the
    same name in the same prefecture (the only address casetrack keeps), is refused as a Conflict
    naming it; ``force`` with a ``reason`` registers a look-alike anyway (never a second 法人番号) and
    keeps which company it resembles and why."""
    ctx.authorize("registry.write")
    name = clean_name(name, "company name", "事業者名")
    if force and not (reason and reason.strip()):
        raise BadInput(
            "--force needs --reason saying why this is not the company already registered",
            ja=["同名の事業者と別の事業者として登録するには、その理由を書いてください。"],
        )
    number = None
    if corporate_number_:
        try:
            number = corporate_number.validate(corporate_number_)
        except ValueError as exc:
            from .master_data import corporate_number_ja

            raise BadInput(str(exc), ja=[corporate_number_ja(corporate_number_)]) from None
    if not 1 <= fiscal_year_end_month <= 12:
        raise BadInput(
            f"fiscal-year-end month {fiscal_year_end_month} is not 1–12",
            ja=[f"決算月 {fiscal_year_end_month} は1〜12ではありません。"],
        )
    with ctx.write() as repo:
        if prefecture is not None and (repo.council(prefecture) is None or prefecture == "00"):
            raise BadInput(
                f"unknown prefecture code {prefecture!r} (01–47)",
                ja=[f"都道府県コード「{prefecture}」はありません（01〜47）。"],
            )
        if number and (other := repo.company_by_number(number)):
            if ctx.scope is None or repo.company_visible(other.id):
                raise Conflict(
                    f"corporate number {number} is already registered as company {other.id} ({other.name})",
                    ja=[
                        f"法人番号 {number} は事業者 {other.id}（{other.name}）として登録済みです。"
                        "その事業者を選んでください。"
                    ],
                )
            raise Conflict(
                f"corporate number {number} is already registered (a company of another council's "
                "case: its name and id are not shown; 全国本部 (hq) can give its id)",
                ja=[
                    f"法人番号 {number} は登録済みです（他の協議会の案件の事業者のため、名称は表示できません。"
                    "全国本部にお問い合わせください）。"
                ],
            )
        new = NewCompany(name.strip(), number, fiscal_year_end_month, founded_on, prefecture)
        if number is None:
            key = _company_key(name)
            same = next(
                (c for c in repo.companies_without_number(prefecture) if _company_key(c.name) == key), None
            )
            if same is not None and not force and ctx.scope is not None and not repo.company_visible(same.id):
                raise Conflict(
                    f"a company of this name (prefecture {prefecture or 'none'}) and no corporate number is "
                    "already registered (a company of another council's case: its id is not shown; "
                    "全国本部 (hq) can give it), or add --force --reason TEXT if this is another company",
                    ja=[
                        "同じ名称の事業者が法人番号なしで登録済みです（他の協議会の案件の事業者のため、番号は表示できません。"
                        "全国本部にお問い合わせください）。別の事業者であれば理由を書いて登録してください。"
                    ],
                )
            if same is not None and not force:
                raise Conflict(
                    f"company {same.id} ({same.name}, prefecture {prefecture or 'none'}) is "
                    "already registered with this name and no corporate number: use it, or add "
                    "--force --reason TEXT if this is another company",
                    ja=[
                        f"同じ名称の事業者 {same.id}（{same.name}）が法人番号なしで登録済みです。"
                        "その事業者を選ぶか、別の事業者であれば理由を書いて登録してください。"
                    ],
                )
            if same is not None:
                new = replace(new, duplicate_of=same.id, duplicate_reason=(reason or "").strip())
        company_id = repo.insert_company(new)
        twin = new.duplicate_of
        hidden = twin is not None and ctx.scope is not None and not repo.company_visible(twin)
    # the look-alike of another council's case stays linked (hq sees it) but is not named to this user
    return {"id": company_id, **asdict(new), **({"duplicate_of": None} if hidden else {})}


def _company_key(name: str) -> str:
    """A name as compared for duplicates: NFKC (全角/半角), no spaces."""
    return "".join(unicodedata.normalize("NFKC", name).split())


def add_org(ctx: Context, *, name: str, kind: str, certified: bool, email: str | None) -> dict[str, Any]:
    ctx.authorize("registry.write")
    name = clean_name(name, "organisation name", "名称")
    if kind not in ORG_KINDS:
        raise BadInput(
            f"unknown organisation kind {kind!r} (one of {', '.join(ORG_KINDS)})",
            ja=[f"種別「{kind}」はありません。"],
        )
    _check_email(email)
    new = NewOrganisation(name.strip(), kind, certified, email, is_bank=kind == "bank")
    with ctx.write() as repo:
        org_id = repo.insert_org(new)
    return {"id": org_id, **asdict(new)}


def add_user(
    ctx: Context,
    *,
    name: str,
    council: str,
    email: str | None,
    role: str,
    more_councils: Sequence[str] = (),
    display_name: str | None = None,
) -> dict[str, Any]:
    """Add a staff member of ``council`` (whose e-mail gets that council's escalations and digests);
    ``more_councils``: further councils a coordinator or supervisor acts for; ``display_name`` (佐藤 花子)
    is what e-mails and pages show instead of the login name."""
    _check_user_name(name)
    display_name = check_display_name(display_name)
    if role not in ROLES:
        raise BadInput(
            f"unknown role {role!r} (one of {', '.join(ROLES)})", ja=[f"役割「{role[:20]}」はありません。"]
        )
    _check_email(email)
    actor = ctx.authorize("user.manage")
    if actor.role is None and not ctx.trusted and role != "admin":
        raise NotPermitted(
            "the first user must be an admin, who then adds the staff: "
            "casetrack init --admin NAME (or user add NAME --council 00 --role admin)",
            ja=[
                "最初のユーザーは管理者です。管理者が職員を追加します：casetrack init --admin NAME（または user add NAME --council 00 --role admin）。"
            ],
        )
    with ctx.write() as repo:
        for code in (council, *more_councils):
            if repo.council(code) is None:
                raise NotFound("council", code)
        if repo.user(name):
            raise BadInput(f"user {name} already exists", ja=[f"ユーザー名 {name} はすでに使われています。"])
        repo.insert_user(
            NewUser(name, council, email, role, active=True, created_at=ctx.now(), display_name=display_name),
            more_councils,
        )
    return {
        "name": name,
        "council": council,
        "email": email,
        "role": role,
        "active": True,
        "display_name": display_name,
        "more_councils": sorted(set(more_councils) - {council}),
    }


# What `user edit` may change, and who may: anyone their own display name and e-mail, an admin anyone's and
# the role and councils of anyone (their own too).
SELF_EDITABLE = ("display_name", "email")
ADMIN_ONLY: tuple[str, ...] = ("role", "councils")
USER_FIELDS = ("display_name", "email", "role", "councils")


def _councils_text(own: str, more: Sequence[str]) -> str:
    """A user's councils as one history value: their own first, then the further ones in order."""
    return ",".join([own, *sorted(set(more) - {own})])


def edit_user(ctx: Context, name: str, changes: dict[str, Any], *, note: str | None = None) -> dict[str, Any]:
    """Change a user's ``changes`` (keys from SELF_EDITABLE + ADMIN_ONLY; an empty string clears the display
    name or e-mail; ``councils`` replaces the set, the first being the user's own). ``open_cases_elsewhere``:
    the open cases the user still coordinates but no longer may (another council, or a role that works
    no case), to hand over with `case reassign`. Every value is checked
    before anything is written; each changed field is an append-only, hash-chained ``master_change`` row
    (entity ``user``) that ``audit verify`` checks. The user's next command or page acts with the new
    role and councils (both are read afresh for every command and every web request)."""
    unknown = sorted(set(changes) - set(SELF_EDITABLE) - set(ADMIN_ONLY))
    if unknown:
        raise BadInput(
            f"cannot edit {', '.join(unknown)} of a user",
            ja=[f"ユーザーの{'、'.join(unknown)}はここでは変更できません。"],
        )
    if not changes:
        raise BadInput(
            "nothing to change: give --display-name, --email, --role or --council",
            ja=["変更する項目がありません。表示名・メール・役割・協議会のいずれかを指定してください。"],
        )
    values: dict[str, Any] = {}
    if "display_name" in changes:
        values["display_name"] = check_display_name(changes["display_name"])
    if "email" in changes:
        values["email"] = (changes["email"] or "").strip() or None
        _check_email(values["email"])
    if "role" in changes and changes["role"] not in ROLES:
        raise BadInput(
            f"unknown role {changes['role']!r} (one of {', '.join(ROLES)})",
            ja=[
                f"役割「{str(changes['role'])[:20]}」はありません（{'、'.join(policy.ROLE_LABELS.get(r, r) for r in ROLES)}）。"
            ],
        )
    councils: list[str] = list(dict.fromkeys(changes.get("councils") or ()))
    if "councils" in changes and not councils:
        raise BadInput("--council: give at least one council", ja=["協議会を一つ以上指定してください。"])
    self_only = name == ctx.user and not set(changes) & set(ADMIN_ONLY)
    ctx.authorize("user.self" if self_only else "user.manage")
    with ctx.write() as repo:
        user = repo.user(name)
        if user is None:
            raise NotFound("user", name)
        if councils:
            known = {c.code for c in repo.list_councils()}
            if bad := [c for c in councils if c not in known]:
                raise BadInput(
                    f"unknown council {', '.join(bad)} (one of {', '.join(sorted(known))})",
                    ja=[
                        f"協議会 {'、'.join(bad)} はありません（{'、'.join(sorted(known))} のいずれかです）。"
                    ],
                )
        wanted: dict[str, Any] = dict(values)
        if "role" in changes:
            wanted["role"] = changes["role"]
            if (
                user.role == "admin"
                and changes["role"] != "admin"
                and user.active
                and repo.active_admins() == [name]
            ):
                raise Refused(
                    f"{name} is the last active admin; add another admin first",
                    ja=[f"{name} は最後の有効な管理者です。先に別の管理者を登録してください。"],
                )
        if councils:
            wanted["councils"] = _councils_text(councils[0], councils[1:])
        record: dict[str, str | None] = {
            "display_name": user.display_name,
            "email": user.email,
            "role": user.role,
            "councils": _councils_text(user.council, sorted(repo.councils_of(name))),
        }
        rows = [
            repo.insert_master_change(
                NewMasterChange(
                    entity="user",
                    entity_id=user.id,
                    field=field,
                    before=record[field],
                    after=after,
                    effective_on=ctx.today,
                    recorded_at=ctx.now(),
                    user=ctx.user,
                    note=note or None,
                )
            )
            for field, after in wanted.items()
            if record[field] != after
        ]
        changed = {r.field for r in rows}
        update: UserChanges = {}
        if "display_name" in changed:
            update["display_name"] = wanted["display_name"]
        if "email" in changed:
            update["email"] = wanted["email"]
        if "role" in changed:
            update["role"] = wanted["role"]
        if "councils" in changed:
            update["council"] = councils[0]
        if update:  # a value given as it already is: no row, nothing written
            repo.update_user(name, update)
        if "councils" in changed:
            repo.set_more_councils(name, councils[1:])
        user = repo.user(name)
        assert user is not None  # read above, in the same transaction
        now = repo.councils_of(name)
        works = policy.allows(user.role, "case.work")  # an hq or admin coordinates nothing
        elsewhere = (
            [
                c.id
                for c in repo.open_cases_of(name, _all_open_states(), None)
                if c.council not in now or not works
            ]
            if changed & {"councils", "role"}
            else []
        )
    from .master_data import change_row

    return {
        "name": user.name,
        "display_name": user.display_name,
        "email": user.email,
        "council": user.council,
        "role": user.role,
        "active": user.active,
        "more_councils": sorted(now - {user.council}),
        "changes": [change_row(r) for r in rows],
        "open_cases_elsewhere": elsewhere,
    }


def _all_open_states() -> dict[str, tuple[str, ...]]:
    from ..workflow.catalog import all_workflows

    return {program: spec.open_states for program, spec in all_workflows().items()}


def user_history(ctx: Context, name: str) -> list[dict[str, Any]]:
    """Every change of a user's display name, e-mail, role and councils (an admin's, or the user's own)."""
    from .master_data import change_row

    ctx.authorize("user.self" if name == ctx.user else "user.manage")
    with ctx.read() as repo:
        user = repo.user(name)
        if user is None:
            raise NotFound("user", name)
        return [change_row(r) for r in repo.master_history("user", user.id)]


def own_profile(ctx: Context) -> dict[str, Any]:
    """The acting user's own name, display name, e-mail, council and role (their page)."""
    ctx.authorize("user.self")
    with ctx.read() as repo:
        user = repo.user(ctx.user)
    if user is None:
        raise NotFound("user", ctx.user)
    return {
        "name": user.name,
        "display_name": user.display_name,
        "email": user.email,
        "council": user.council,
        "role": user.role,
    }


CASE_FILTERS_MAX = 2000
TODAY_COUNCIL = "today.council"  # the Today page's council, kept in the same query string as the case list's


def _stored(ctx: Context, known: str | None) -> str:
    """What the acting user's pages remember (``app_user.case_filters``: a query string; empty: nothing):
    ``known`` when the caller read it already (the web's session lookup reads it with the user)."""
    if known is not None:
        return known
    ctx.authorize("user.self")
    with ctx.read() as repo:
        user = repo.user(ctx.user)
    return (user.case_filters if user else None) or ""


def _remember(ctx: Context, pairs: list[tuple[str, str]], known: str | None) -> None:
    """Keep ``pairs`` for the acting user (none: forget). Written only when it changed."""
    value = urlencode(pairs)[:CASE_FILTERS_MAX]
    if _stored(ctx, known) == value:
        return  # the usual case (paging, reloading): no write
    ctx.authorize("user.self")
    with ctx.write() as repo:
        repo.update_user(ctx.user, {"case_filters": value or None})


def saved_case_filters(ctx: Context, known: str | None = None) -> str:
    """The acting user's last filters and sort of the case list (a query string; empty: none). ``known``:
    what the user's pages remember, when the caller has read it."""
    return urlencode([(k, v) for k, v in parse_qsl(_stored(ctx, known)) if k != TODAY_COUNCIL])


def save_case_filters(ctx: Context, query: str, known: str | None = None) -> None:
    """Remember ``query`` (the case list's filters and sort, already checked by the list) for the acting
    user; an empty one forgets them. The Today page's council stays as it is."""
    stored = _stored(ctx, known)
    _remember(ctx, parse_qsl(query) + [(k, v) for k, v in parse_qsl(stored) if k == TODAY_COUNCIL], stored)


def saved_today_council(ctx: Context, known: str | None = None) -> str | None:
    """The council the acting user last chose on the Today page (None: none)."""
    return next((v for k, v in parse_qsl(_stored(ctx, known)) if k == TODAY_COUNCIL), None)


def save_today_council(ctx: Context, council: str | None, known: str | None = None) -> None:
    """Remember the Today page's council (already checked by the page) for the acting user; None forgets
    it. The case list's filters stay as they are."""
    stored = _stored(ctx, known)
    kept = [(k, v) for k, v in parse_qsl(stored) if k != TODAY_COUNCIL]
    _remember(ctx, kept + ([(TODAY_COUNCIL, council)] if council else []), stored)


def display_names(ctx: Context) -> dict[str, str]:
    """The display names of the staff of the actor's councils, by login (for pages that name a
    coordinator or the signed-in user; a login without a display name stands as it is). Only names:
    read for the page as it is rendered, not an action of the user's."""
    scope = ctx.actor.scope
    reader = Context(ctx.db_url, ctx.today, ctx.user, ctx.settings, trusted=True, clock=ctx.clock)
    reader.authorize("user.names")
    reader.scope = scope
    with reader.read() as repo:
        return {u.name: u.display_name for u in repo.list_users() if u.display_name}


def check_display_name(text: str | None) -> str | None:
    """A display name is one line of at most 100 characters (NFKC; empty: none)."""
    if text is None:
        return None
    value = " ".join(unicodedata.normalize("NFKC", text).split())
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise BadInput("--display-name has a control character", ja=["表示名に制御文字は使えません。"])
    if len(value) > 100:
        raise BadInput(
            f"--display-name is {len(value)} characters (at most 100)",
            ja=[f"表示名は100文字までです（入力は{len(value)}文字）。"],
        )
    return value or None


def set_user_active(ctx: Context, name: str, active: bool) -> dict[str, Any]:
    """Disable (or enable again) a user: a disabled user can do nothing, and stays in the history."""
    ctx.authorize("user.manage")
    with ctx.write() as repo:
        user = repo.user(name)
        if user is None:
            raise NotFound("user", name)
        if not active and user.role == "admin" and repo.active_admins() == [name]:
            raise Refused(
                f"{name} is the last active admin; add another admin first",
                ja=[f"{name} は最後の有効な管理者です。先に別の管理者を追加してください。"],
            )
        repo.update_user(name, {"active": active})
        if not active:  # and signed out of the dashboard everywhere, at once
            repo.signin.end_sessions_of(name)
    return {"name": name, "active": active}


def set_password(
    ctx: Context, name: str, password: str, *, keep_session: str | None = None, temporary: bool = False
) -> dict[str, Any]:
    """Set a user's sign-in password: an admin for anyone, every user for themselves. Every web session
    of the user ends with it (a session stolen before the change must not outlive it), except
    ``keep_session`` (the id of the session the user changed it from on the web). A ``temporary``
    password (an admin's reset) must be changed at the user's next sign-in; any other clears that."""
    ctx.authorize("user.self" if name == ctx.user and not temporary else "user.manage")
    problem = passwords.weakness(password)
    if problem:
        raise BadInput(problem, ja=[_weakness_ja(problem)])
    with ctx.write() as repo:
        if repo.user(name) is None:
            raise NotFound("user", name)
        repo.update_user(
            name, {"password_hash": passwords.hash_password(password), "must_change_password": temporary}
        )
        ended = repo.signin.end_sessions_but(name, keep_session)
    return {"name": name, "password_set": True, "sessions_ended": ended}


TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/l/I
TEMPORARY_LENGTH = 16


def reset_password(ctx: Context, name: str) -> dict[str, Any]:
    """An admin resets ``name``'s password to a random one-time temporary password, returned once (it is
    stored only as its hash): every session of the user ends, and the user must choose a new password at
    the next sign-in before any other page opens."""
    temporary = "".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(TEMPORARY_LENGTH))
    if name == ctx.user:
        raise BadInput(
            "reset your own password with user set-password (or on your own page)",
            ja=["自分のパスワードは「自分のアカウント」で変更してください。"],
        )
    result = set_password(ctx, name, temporary, temporary=True)
    return {**result, "temporary_password": temporary}


def _weakness_ja(problem: str) -> str:
    if "white space" in problem:
        return "パスワードの先頭と末尾に空白は使えません。"
    return f"パスワードは{passwords.MIN_LENGTH}文字以上にしてください。"


def list_users(ctx: Context) -> list[dict[str, Any]]:
    ctx.authorize("user.read")
    with ctx.read() as repo:
        rows = [
            {
                "name": u.name,
                "display_name": u.display_name,
                "council": u.council,
                "more_councils": list(u.more_councils),
                "email": u.email,
                "role": u.role,
                "active": u.active,
            }
            for u in repo.list_users()
        ]
    ctx.log_access("user list", len(rows))
    return rows


def list_orgs(ctx: Context) -> list[dict[str, Any]]:
    from ..domain.labels import ORG_KINDS as KIND_LABELS
    from ..domain.labels import label

    ctx.authorize("registry.read")
    with ctx.read() as repo:
        return [{**asdict(org), "kind_label": label(KIND_LABELS, org.kind)} for org in repo.list_orgs()]


def list_companies(ctx: Context) -> list[dict[str, Any]]:
    """Every company the user may see with all its columns (`company list`'s keys: the record's fields)."""
    ctx.authorize("registry.read")
    with ctx.read() as repo:
        companies = repo.list_companies()
    seen = {c.id for c in companies}
    # a look-alike of a company the user may not see is not named by its id either
    return [
        {**asdict(c), "duplicate_of": c.duplicate_of if c.duplicate_of in seen else None} for c in companies
    ]


def _check_user_name(name: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9_.\-]{1,64}", name):
        raise BadInput(
            f"user name {name!r} must be 1–64 letters, digits, '.', '_' or '-'",
            ja=[f"ユーザー名「{name[:64]}」は半角英数字と . _ - の1〜64文字にしてください。"],
        )


def is_email(text: str) -> bool:
    return (
        bool(re.fullmatch(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+", text))
        and "=?" not in text
    )


def _check_email(email: str | None) -> None:
    if email is not None and not is_email(email):
        raise BadInput(
            f"{email!r} is not an e-mail address",
            ja=[f"メール「{email[:100]}」はメールアドレスではありません。"],
        )


def list_access(
    ctx: Context, *, user: str | None = None, since: dt.date | None = None, limit: int | None = 200
) -> list[dict[str, Any]]:
    """The access log, newest first."""
    ctx.authorize("access.read")
    start = dt.datetime.combine(since, dt.time(), TOKYO).astimezone(dt.UTC) if since else None
    with ctx.read() as repo:
        return [
            {"at": r.at, "user": r.user, "action": r.action, "what": r.what, "rows": r.rows}
            for r in repo.access_entries(user, start, limit)
        ]
