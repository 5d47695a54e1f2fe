"""The signed-in user's own page (GET /me): their display name and e-mail (as `user edit` on the CLI),
their signed-in sessions, ending any other one or all of them, and changing their password with the
current one — which ends every other session of theirs. A user signed in with a temporary password (an
admin's reset) is sent here from every other page until they have chosen a new one.

Every form answers with a redirect (303) back to /me: a notice, or the refusal and the values typed
kept once on the server (Web.back_to), never the password fields."""

from __future__ import annotations

from typing import Any

from starlette.responses import RedirectResponse, Response

from ..errors import BadInput, CasetrackError
from ..services import passwords, signin
from ..services.directory import edit_user, own_profile, set_password
from .toolkit import Web, reasons_of

DONE = {
    "ended": "ほかのサインインを終了しました。",
    "ended-all": "ほかのサインインをすべて終了しました。",
    "password": "パスワードを変更しました。ほかのサインインはすべて終了しました。",
    "profile": "表示名とメールアドレスを保存しました。",
}


def me(web: Web) -> Response:
    assert web.session is not None
    sessions = signin.my_sessions(web.anonymous(), web.session)
    done = DONE.get(web.request.query_params.get("done", ""))
    flash = web.take_flash() or {}
    error = flash.get("error")
    return web.page(
        "me.html.j2",
        200,
        sessions=sessions,
        done=None if error else done,
        error=error,
        tried=flash.get("tried") or {},
        profile=own_profile(web.ctx),
        must_change=web.session.must_change,
        min_length=passwords.MIN_LENGTH,
    )


def _refused(
    web: Web, title: str, details: list[str], status: int = 400, tried: dict[str, Any] | None = None
) -> Response:
    return web.back_to("/me", error={"title": title, "details": details}, tried=tried, status=status)


def end_session(web: Web) -> Response:
    assert web.session is not None
    handle = web.field("session", 64).strip()
    if handle == "all":
        signin.end_my_other_sessions(web.anonymous(), web.session)
        return RedirectResponse("/me?done=ended-all", status_code=303)
    if not signin.end_my_session(web.anonymous(), web.session, handle):
        return _refused(
            web, "そのサインインはもうありません（終了済みか、このページの表示後に切れました）。", [], 404
        )
    return RedirectResponse("/me?done=ended", status_code=303)


def change_password(web: Web) -> Response:
    assert web.session is not None
    current, new, again = web.field("current", 1000), web.field("new", 1000), web.field("again", 1000)
    title = "パスワードを変更できませんでした。"
    if not signin.check_password(web.anonymous(), web.session.user, current):
        return _refused(web, title, ["現在のパスワードが違います。"])
    if new != again:
        return _refused(web, title, ["新しいパスワードが確認用と一致しません。"])
    if new == current:
        return _refused(web, title, ["新しいパスワードは現在のものと別にしてください。"])
    try:
        set_password(web.ctx, web.session.user, new, keep_session=signin.session_id(web.session))
    except BadInput as exc:
        return _refused(web, title, reasons_of(exc))
    return RedirectResponse("/me?done=password", status_code=303)


def edit_profile(web: Web) -> Response:
    """POST /me/profile: the user's own display name and e-mail, as `user edit NAME --display-name
    --email` (the same checks; an empty field clears it)."""
    assert web.session is not None
    tried = {"display_name": web.field("display_name", 200), "email": web.field("email", 320)}
    try:
        edit_user(
            web.ctx,
            web.session.user,
            {"display_name": tried["display_name"], "email": tried["email"].strip()},
        )
    except CasetrackError as exc:
        return _refused(web, "保存できませんでした。", reasons_of(exc), 400, tried)
    return RedirectResponse("/me?done=profile", status_code=303)
