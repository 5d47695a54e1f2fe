"""GET /login, POST /login, POST /logout (CLI.md "Web routes")."""

from __future__ import annotations

import hmac
import secrets

from starlette.responses import RedirectResponse, Response

from ..services import signin
from .render import local_time
from .toolkit import LOGIN_COOKIE, SESSION_COOKIE, Web, error_page


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only (never another host)."""
    if not target:
        return "/"
    if (
        not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 32 for c in target)
    ):
        return "/"
    return target


def _form(
    web: Web, status: int = 200, *, error: str | None = None, username: str = "", next_: str = "/"
) -> Response:
    token = secrets.token_urlsafe(32)
    response = web.page("login.html.j2", status, csrf_token=token, error=error, username=username, next=next_)
    response.set_cookie(
        LOGIN_COOKIE, token, path="/login", httponly=True, samesite="strict", secure=web.secure()
    )
    return response


def login_form(web: Web) -> Response:
    if web.session is not None:
        return RedirectResponse("/", status_code=303)
    return _form(web, next_=safe_next(web.request.query_params.get("next")))


def login(web: Web) -> Response:
    expected = web.request.cookies.get(LOGIN_COOKIE, "")
    submitted = web.field("csrf_token", 200)
    if not expected or not hmac.compare_digest(expected.encode(), submitted.encode()):
        return error_page(
            web,
            403,
            "サインインのフォームが古いか、不正な送信です（CSRF トークンが一致しません）。"
            "サインインのページを開き直してください。",
        )
    username, password, next_ = (
        web.field("username", 200).strip(),
        web.field("password", 1000),
        safe_next(web.field("next", 500)),
    )
    try:
        client = web.request.client  # behind a proxy `serve --forwarded-allow-ips` trusts: X-Forwarded-For
        session = signin.sign_in(
            web.anonymous(username),
            password,
            now=web.now,
            client_ip=client.host if client else None,
            user_agent=web.request.headers.get("user-agent"),
        )
    except signin.LockedOut as exc:
        return _form(
            web,
            429,
            username=username,
            next_=next_,
            error=f"サインインの失敗が続いたため、このユーザー名は {local_time(exc.until)} まで使えません。",
        )
    except signin.UserDisabled:
        return _form(
            web,
            401,
            username=username,
            next_=next_,
            error="このユーザーは無効にされています。管理者に連絡してください。",
        )
    except signin.SignInRefused:
        return _form(web, 401, username=username, next_=next_, error="ユーザー名またはパスワードが違います。")
    old = web.request.cookies.get(SESSION_COOKIE)
    if old:
        signin.sign_out(web.anonymous(), old)  # a new session, never the one the browser came with
    response = RedirectResponse("/me" if session.must_change else next_, status_code=303)
    response.set_cookie(
        SESSION_COOKIE, session.token, path="/", httponly=True, samesite="lax", secure=web.secure()
    )
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


def logout(web: Web) -> Response:
    signin.sign_out(web.anonymous(), web.request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=web.secure())
    return response
