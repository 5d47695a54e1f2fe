"""The signed-in user's own page (GET /me): their signed-in sessions, ending any other one or all of
them, and changing their password — which ends every other session of theirs."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from ..errors import BadInput
from ..services import passwords, signin
from ..services.registry import set_password
from .app import Web

DONE = {"ended": "ほかのサインインを終了しました。", "ended-all": "ほかのサインインをすべて終了しました。",
        "password": "パスワードを変更しました。ほかのサインインはすべて終了しました。"}


def me(web: Web, *, status: int = 200, error: str | None = None) -> Response:
    assert web.session is not None
    sessions = signin.my_sessions(web.anonymous(), web.session)
    done = DONE.get(web.request.query_params.get("done", ""))
    return web.page("me.html.j2", status, sessions=sessions, done=done, error=error,
                    min_length=passwords.MIN_LENGTH)


def end_session(web: Web) -> Response:
    assert web.session is not None
    handle = web.field("session", 64).strip()
    if handle == "all":
        signin.end_my_other_sessions(web.anonymous(), web.session)
        return RedirectResponse("/me?done=ended-all", status_code=303)
    if not signin.end_my_session(web.anonymous(), web.session, handle):
        return me(web, status=404, error="そのサインインはもうありません（終了済みか、このページの表示後に切れました）。")
    return RedirectResponse("/me?done=ended", status_code=303)


def change_password(web: Web) -> Response:
    assert web.session is not None
    current, new, again = web.field("current", 1000), web.field("new", 1000), web.field("again", 1000)
    if not signin.check_password(web.anonymous(), web.session.user, current):
        return me(web, status=400, error="現在のパスワードが違います。")
    if new != again:
        return me(web, status=400, error="新しいパスワードが確認用と一致しません。")
    try:
        set_password(web.ctx, web.session.user, new, keep_session=signin.session_id(web.session))
    except BadInput as exc:
        return me(web, status=400, error=" ".join(exc.ja or [exc.message]))
    return RedirectResponse("/me?done=password", status_code=303)
