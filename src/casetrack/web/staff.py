"""Staff on the dashboard: 担当替え and the admin's staff pages.

- POST /cases/{id}/assign       — `case assign CASE USER` (the case's coordinator, or a supervisor)
- GET  /reassign                — 担当替え (supervisors): from → to, optional council; with both given,
                                  the preview (`case reassign --dry-run`: nothing is written)
- POST /reassign                — `case reassign --from --to [--council]`: the cases moved are listed once
- GET  /staff                   — the staff list with the add form (admins)
- POST /staff                   — `user add`
- POST /staff/{name}/active     — `user disable` (active=0) / enable again (active=1)
- POST /staff/{name}/password   — reset to a one-time temporary password, shown once; the user must
                                  choose a new one at the next sign-in

Every POST answers 303 (post/redirect/get): a notice, or the refusal and the values typed kept once on
the server with the session (Web.back_to). The services decide who may: the pages only hide the forms
a role may not use, and a request sent anyway is refused by the same check as on the CLI."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from starlette.responses import RedirectResponse, Response

from ..domain import policy
from ..domain.policy import ROLES
from ..errors import BadInput, CasetrackError, NotFound, NotPermitted
from ..services import dashboard
from ..services.assignment import assign, assignable, is_open, reassign, state_label
from ..services.directory import add_user, list_councils, list_users, reset_password, set_user_active
from .toolkit import Web, reasons_of, status_of

NAME_LIMIT = 64


def _require(web: Web, action: str) -> None:
    """The page of ``action`` opens only for the roles the policy gives it (403 for the others)."""
    assert web.session is not None
    if not policy.allows(web.session.role, action):
        raise NotPermitted(
            f"{web.session.user} may not {policy.ACTIONS[action].en}",
            ja=[policy.refusal_ja(web.session.user, web.session.role, action)],
        )


def _who(web: Web, name: str) -> str:
    names = web.staff_names()
    return f"{names[name]}（{name}）" if name in names else name


# -- one case ----------------------------------------------------------------------------------------


def assign_notice(web: Web) -> str | None:
    """The case page's notice after a reassignment (?done=assign&to=LOGIN)."""
    params = web.request.query_params
    if params.get("done") != "assign":
        return None
    to = params.get("to", "")[:NAME_LIMIT]
    return f"担当を {_who(web, to)} に変更しました。" if to else "担当を変更しました。"


def assign_form(web: Web, data: dict[str, Any]) -> dict[str, Any] | None:
    """The case page's 担当替え form, for those who may use it (a supervisor of the case's council, or
    the case's own coordinator): the staff who act for its council (read with the page's ``data``). None
    for everyone else."""
    assert web.session is not None
    role, case = web.session.role, data["case"]
    if not policy.allows(role, "case.assign") or (
        role == "coordinator" and case["coordinator"] != web.session.user
    ):
        return None
    if not is_open(case["program"], case["state"]):
        return None
    candidates = [c for c in data["assignable"] or () if c["name"] != case["coordinator"]]
    return {"candidates": candidates}


def assign_case(web: Web) -> Response:
    """POST /cases/{id}/assign: `case assign CASE USER [--note]`."""
    case_id = web.request.path_params["case_id"]
    tried = {
        "form": "assign",
        "coordinator": web.field("coordinator", NAME_LIMIT).strip(),
        "note": web.field("note"),
    }
    try:
        if not tried["coordinator"]:
            raise BadInput("新しい担当者を選んでください。")
        assign(web.ctx, case_id, tried["coordinator"], note=tried["note"].strip() or None)
    except NotFound as exc:
        if exc.what == "case":
            raise
        return _case_refused(web, case_id, BadInput(f"職員 {exc.ident} はいません。"), tried)
    except CasetrackError as exc:
        return _case_refused(web, case_id, exc, tried)
    return RedirectResponse(
        f"/cases/{quote(case_id)}?" + urlencode({"done": "assign", "to": tried["coordinator"]}),
        status_code=303,
    )


def _case_refused(web: Web, case_id: str, exc: CasetrackError, tried: dict[str, Any]) -> Response:
    dashboard.case_page(web.ctx, case_id)  # another council's case: 404, as a missing one
    title = (
        "担当を変更する権限がありません。"
        if isinstance(exc, NotPermitted)
        else "担当を変更できませんでした。"
    )
    return web.refused_on_case(case_id, status_of(exc), {"title": title, "details": reasons_of(exc)}, tried)


# -- 担当替え: every open case of one coordinator ------------------------------------------------------


def _reassign_fields(get: Any) -> dict[str, str]:
    return {
        "from": get("from", NAME_LIMIT).strip(),
        "to": get("to", NAME_LIMIT).strip(),
        "council": get("council", 10).strip(),
        "note": get("note", 2000),
    }


def _query_field(web: Web) -> Any:
    params = web.request.query_params

    def get(name: str, limit: int) -> str:
        value = params.get(name, "")
        if len(value) > limit:
            raise BadInput(f"{name} が長すぎます（{limit}文字まで）。")
        return value

    return get


def reassign_page(web: Web) -> Response:
    """GET /reassign: the form; with from and to, the preview of the cases that would move (a dry run:
    nothing is written, nothing is sent)."""
    _require(web, "case.reassign")
    fields = _reassign_fields(_query_field(web))
    flash = web.take_flash() or {}
    error, result = flash.get("error"), flash.get("result")
    if flash.get("tried"):
        fields = {**fields, **flash["tried"]}
    preview, status = None, 200
    if not error and not result and fields["from"] and fields["to"]:
        try:
            preview = reassign(
                web.ctx,
                from_=fields["from"],
                to=fields["to"],
                council=fields["council"] or None,
                dry_run=True,
            )
        except NotFound as exc:
            error, status = (
                {"title": "プレビューできません。", "details": [f"職員 {exc.ident} はいません。"]},
                404,
            )
        except CasetrackError as exc:
            error, status = (
                {"title": "プレビューできません。", "details": _reassign_reasons(exc)},
                status_of(exc),
            )
    if preview is not None:
        for c in preview["cases"]:
            c["state_label"] = state_label(c["state"])
    people = assignable(web.ctx, everyone=True)
    scope = web.ctx.actor.scope
    councils = sorted(scope) if scope is not None else sorted({c for p in people for c in p["councils"]})
    return web.page(
        "staff_reassign.html.j2",
        status,
        fields=fields,
        people=people,
        councils=councils,
        preview=preview,
        result=result,
        error=error,
    )


def _reassign_reasons(exc: CasetrackError) -> list[str]:
    """Why, in Japanese, for this page: the service's Japanese names the CLI's options (--council), so the
    refusals this page can cause are said in its own words; the rest as the service says them."""
    message = exc.message
    if "does not act for council" in message:
        return [
            f"移す先の職員は、対象の案件の協議会（{message.split('council ')[1].split(' (')[0]}）の職員ではありません。"
            "協議会を指定して、その協議会の案件だけを移してください。何も変更していません。"
        ]
    if "--from and --to are both" in message:
        return ["移す元と移す先が同じです。"]
    if "is disabled" in message:
        return ["移す先の職員は無効にされています。"]
    if "unknown council" in message:
        return ["その協議会はありません。"]
    return reasons_of(exc)


def reassign_all(web: Web) -> Response:
    """POST /reassign: every open case of from to to, in one transaction (all or nothing)."""
    _require(web, "case.reassign")
    fields = _reassign_fields(web.field)
    query = urlencode({k: v for k, v in fields.items() if k != "note" and v})
    try:
        if not fields["from"] or not fields["to"]:
            raise BadInput("移す元と移す先の職員を選んでください。")
        result = reassign(
            web.ctx,
            from_=fields["from"],
            to=fields["to"],
            council=fields["council"] or None,
            note=fields["note"].strip() or None,
        )
    except NotFound as exc:
        return web.back_to(
            "/reassign",
            error={"title": "担当替えできませんでした。", "details": [f"職員 {exc.ident} はいません。"]},
            tried=fields,
            status=404,
            query=query,
        )
    except CasetrackError as exc:
        return web.back_to(
            "/reassign",
            error={
                "title": "担当替えできませんでした。何も変更していません。",
                "details": _reassign_reasons(exc),
            },
            tried=fields,
            status=status_of(exc),
            query=query,
        )
    shown = {
        "moved": result["moved"],
        "from": result["from"],
        "to": result["to"],
        "cases": [
            {
                "case": c["case"],
                "council": c["council"],
                "state": c["state"],
                "history_seq": c["history_seq"],
                "mail_moved": c["mail_moved"],
            }
            for c in result["cases"]
        ],
    }
    return web.back_to("/reassign", result=shown, status=200)


# -- staff (admins) --------------------------------------------------------------------------------

STAFF_DONE = {
    "added": "{name} を追加しました。",
    "disabled": "{name} を無効にしました（サインイン中の端末もすべて終了しました）。",
    "enabled": "{name} を有効に戻しました。",
}


def staff_list(web: Web) -> Response:
    _require(web, "user.manage")
    flash = web.take_flash() or {}
    params = web.request.query_params
    template = STAFF_DONE.get(params.get("done", ""))
    done = (
        template.format(name=params.get("name", "")[:NAME_LIMIT])
        if template and not flash.get("error")
        else None
    )
    return web.page(
        "staff.html.j2",
        users=list_users(web.ctx),
        councils=list_councils(web.ctx),
        roles=ROLES,
        done=done,
        error=flash.get("error"),
        tried=flash.get("tried") or {},
        temporary=flash.get("temporary"),
    )


def add(web: Web) -> Response:
    """POST /staff: `user add NAME --council C [--council …] --role R --email E --display-name D`."""
    _require(web, "user.manage")
    more = [
        m for m in (web.form.getlist("more_councils") if web.form is not None else []) if isinstance(m, str)
    ]
    tried: dict[str, Any] = {
        "name": web.field("name", NAME_LIMIT).strip(),
        "display_name": web.field("display_name", 200),
        "email": web.field("email", 320).strip(),
        "role": web.field("role", 20).strip(),
        "council": web.field("council", 10).strip(),
        "more_councils": more[:60],
    }
    try:
        if not tried["name"]:
            raise BadInput("ユーザー名を入力してください。")
        if not tried["council"]:
            raise BadInput("所属の協議会を選んでください。")
        add_user(
            web.ctx,
            name=tried["name"],
            council=tried["council"],
            email=tried["email"] or None,
            role=tried["role"] or "coordinator",
            more_councils=[m for m in more if m != tried["council"]],
            display_name=tried["display_name"],
        )
    except CasetrackError as exc:
        return web.back_to(
            "/staff",
            error={"title": "職員を追加できませんでした。", "details": _staff_reasons(exc)},
            tried=tried,
            status=status_of(exc),
        )
    return RedirectResponse("/staff?" + urlencode({"done": "added", "name": tried["name"]}), status_code=303)


def _staff_reasons(exc: CasetrackError) -> list[str]:
    if isinstance(exc, NotFound):
        return [
            f"協議会 {exc.ident} はありません。"
            if exc.what == "council"
            else f"職員 {exc.ident} はいません。"
        ]
    return reasons_of(exc)


def set_active(web: Web) -> Response:
    """POST /staff/{name}/active: active=0 disables (`user disable`), active=1 enables again."""
    _require(web, "user.manage")
    name = web.request.path_params["name"]
    raw = web.field("active", 1)
    try:
        if raw not in ("0", "1"):
            raise BadInput("active は 0 か 1 です。")
        if raw == "0" and web.session is not None and name == web.session.user:
            raise BadInput("自分自身は無効にできません。")
        set_user_active(web.ctx, name, raw == "1")
    except CasetrackError as exc:
        details = (
            ["最後の有効な管理者は無効にできません。先にほかの管理者を追加してください。"]
            if "last active admin" in exc.message
            else _staff_reasons(exc)
        )
        return web.back_to(
            "/staff",
            error={"title": f"{name[:NAME_LIMIT]} を変更できませんでした。", "details": details},
            status=status_of(exc),
        )
    return RedirectResponse(
        "/staff?" + urlencode({"done": "enabled" if raw == "1" else "disabled", "name": name}),
        status_code=303,
    )


def reset(web: Web) -> Response:
    """POST /staff/{name}/password: a one-time temporary password, shown once on the staff page (kept in
    the session's one-time flash on the server until that page is shown, only its hash in the user's
    row). The user's every session ends, and at the next sign-in they must choose a new password."""
    _require(web, "user.manage")
    name = web.request.path_params["name"]
    try:
        result = reset_password(web.ctx, name)
    except CasetrackError as exc:
        return web.back_to(
            "/staff",
            error={
                "title": f"{name[:NAME_LIMIT]} のパスワードを再設定できませんでした。",
                "details": _staff_reasons(exc),
            },
            status=status_of(exc),
        )
    return web.back_to(
        "/staff",
        status=200,
        temporary={
            "name": name,
            "password": result["temporary_password"],
            "sessions_ended": result["sessions_ended"],
        },
    )
