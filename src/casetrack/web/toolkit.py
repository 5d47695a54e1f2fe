"""What every page of the web dashboard acts with: the request's ``Web`` (its user's Context, the form, the
page's rendering, the one-time message after a redirect), ``endpoint`` (a route's handler wrapped with
sign-in, CSRF, body limits and the translation of a refusal into a page), the HTTP status and wording of
each error. The pages import this; ``app`` assembles them into the application."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, MutableHeaders
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..domain.guards import reasons_for_people
from ..errors import (
    BadInput,
    CaseChanged,
    CasetrackError,
    Conflict,
    DatabaseUnavailable,
    NotFound,
    NotPermitted,
    Refused,
    TooLarge,
)
from ..services import signin
from ..services.context import Actor, Context
from ..services.directory import display_names
from ..services.parsing import parse_case_id, read_date
from ..settings import Settings
from .limits import BodyTimeout, BodyTooLarge, declared_too_large
from .render import TOKYO, render

STATIC = Path(__file__).resolve().parent / "static"
SESSION_COOKIE = "casetrack_session"
LOGIN_COOKIE = "casetrack_login"  # the sign-in form's CSRF token (double submit: before any session)
log = logging.getLogger("casetrack.web")


@dataclass(frozen=True)
class WebConfig:
    db_url: str
    settings: Settings
    today: dt.date | None  # a fixed "today" (tests, --today); None: today in Asia/Tokyo
    clock: Callable[[], dt.datetime]  # the instant every request acts at: its Context's clock
    secure_cookies: bool


@dataclass
class Web:
    """What one request acts with."""

    config: WebConfig
    request: Request
    now: dt.datetime
    today: dt.date
    session: signin.WebSession | None
    form: FormData | None
    names: dict[str, str] | None = None  # the staff's display names, once read (see staff_names)

    @cached_property
    def ctx(self) -> Context:
        """The services context of the signed-in user (one per request), acting as the session's lookup
        found them where it read their councils too (no second lookup of the user)."""
        session = self.session
        assert session is not None
        ctx = Context(
            self.config.db_url, self.today, session.user, self.config.settings, clock=self.config.clock
        )
        if session.councils is not None:
            ctx.act_as(Actor(session.user, session.role, session.councils))
        return ctx

    @property
    def remembered(self) -> str | None:
        """What the signed-in user's pages remember (read with the session; None: not read)."""
        return self.session.remembered if self.session is not None else None

    def anonymous(self, user: str = "") -> Context:
        return Context(self.config.db_url, self.today, user, self.config.settings, clock=self.config.clock)

    def field(self, name: str, limit: int = 2000) -> str:
        value = self.form.get(name, "") if self.form is not None else ""
        if not isinstance(value, str):
            raise BadInput(f"フォームの項目 {name} が文字ではありません。")
        if len(value) > limit:
            raise BadInput(f"フォームの項目 {name} が長すぎます（{limit}文字まで、入力は{len(value)}文字）。")
        return value

    def version(self) -> int:
        """The version of the case the form was made from (its hidden ``version`` field). Anything but a
        whole number is a broken or forged form: bad input, and nothing is written."""
        raw = self.field("version", 20).strip()
        if not re.fullmatch(r"[0-9]{1,9}", raw):
            raise BadInput(f"フォームの版「{raw}」が正しくありません。ページを再読み込みしてください。")
        return int(raw)

    def date(self, name: str, label: str) -> dt.date | None:
        """The date field ``name`` (YYYY-MM-DD, as ``<input type="date">`` sends it); None when blank.
        ``label`` names the field in the message when it is not a date."""
        text = self.field(name, 20).strip()
        if not text:
            return None
        try:
            return read_date(text)
        except ValueError:
            raise BadInput(f"{label}「{text}」は日付ではありません（例：2026-11-25）。") from None

    def secure(self) -> bool:
        return self.config.secure_cookies or self.request.url.scheme == "https"

    def page(self, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        """Render ``name``. A form refused on a page of its own (新規案件, the record edits) is shown again
        at the form's URL with ``page_url`` (``data-page-url``: static/casetrack.js puts it in the address
        bar, so a reload shows the page and sends nothing); the case page's forms redirect instead
        (``back_to``)."""
        page_url = context.pop("page_url", None) or ""
        return HTMLResponse(
            render(
                name,
                session=self.session,
                today=self.today,
                path=self.request.url.path,
                page_url=page_url,
                staff=self.staff_names(),
                **context,
            ),
            status_code=status_code,
        )

    def back_to(
        self,
        path: str,
        *,
        error: dict[str, Any] | None = None,
        tried: dict[str, Any] | None = None,
        status: int = 422,
        query: str = "",
        **more: Any,
    ) -> RedirectResponse:
        """Post/redirect/get for a form that was refused (or that has something to show once): keep
        ``error`` (title and details), the values ``tried`` and ``more`` as the session's one-time flash
        on the server, and send the browser to ``path`` (303), which shows them once. A reload of that
        page sends nothing again and shows the page as it is; no script is needed. ``status`` is the
        refusal's HTTP status, kept for the page (``data-status`` on its alert); ``query`` is added to
        the URL (the page's own state, such as a preview's fields)."""
        assert self.session is not None
        flash = {
            "path": path,
            "status": status,
            "error": {**error, "status": status} if error else None,
            "tried": tried or {},
            **more,
        }
        signin.put_flash(self.anonymous(), self.session, json.dumps(flash, ensure_ascii=False, default=str))
        return RedirectResponse(path + (f"?{query}" if query else ""), status_code=303)

    def refused_on_case(
        self, case_id: str, status: int, error: dict[str, Any], tried: dict[str, Any]
    ) -> RedirectResponse:
        """A case's form refused: back to the case page, with why and the values typed (see back_to)."""
        return self.back_to(f"/cases/{quote(case_id, safe='')}", error=error, tried=tried, status=status)

    def take_flash(self, path: str | None = None) -> dict[str, Any] | None:
        """The one-time flash a form left for this page (``path``, default this request's path), cleared
        as it is read; None when there is none (or it was left for another page, which keeps it)."""
        if self.session is None or not self.session.flash:
            return None
        try:
            flash = json.loads(self.session.flash)
        except ValueError:
            flash = None
        if isinstance(flash, dict) and flash.get("path") != (path or self.request.url.path):
            return None
        signin.put_flash(self.anonymous(), self.session, None)
        return flash if isinstance(flash, dict) else None

    def staff_names(self) -> dict[str, str]:
        """Display names by login for the page (empty when signed out, or when the database cannot say):
        those a use case read with the page's data (``names``), else read now."""
        if self.session is None:
            return {}
        if self.names is None:
            try:
                self.names = display_names(self.ctx)
            except CasetrackError:
                return {}
        return self.names


Handler = Callable[[Web], Response]


FORM_SLACK_BYTES = 64 * 1024  # an upload's request may be this much larger than the file: the other fields


def endpoint(
    handler: Handler, *, signed_in: bool = True, upload: bool = False
) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a (synchronous) handler: read the form, find the session, send the signed-out to /login,
    check the CSRF token of every POST, and turn the services' errors into pages. With ``upload`` the
    form may carry one file, of at most ``[files] max_mb``: a request declaring or sending more is
    answered 413 before the form is read further, and nothing is written."""

    async def run(request: Request) -> Response:
        form = None
        if request.method == "POST":
            config: WebConfig = request.app.state.config
            limit = upload_limit(config.settings) if upload else config.settings.web.max_body_bytes
            refusal = file_too_large(config.settings) if upload else too_large(limit)
            if declared_too_large(request.headers, limit):
                return await run_in_threadpool(_refuse, request, 413, refusal)
            try:
                form = await request.form(max_files=1 if upload else 0, max_fields=50)
            except BodyTooLarge:
                return await run_in_threadpool(_refuse, request, 413, refusal)
            except BodyTimeout as exc:
                log.info(
                    "request body too slow on %s %s: cut off after %s s",
                    request.method,
                    request.url.path,
                    exc.seconds,
                )
                return await run_in_threadpool(
                    _refuse,
                    request,
                    408,
                    "送信が途中で止まったため、受け付けませんでした。もう一度送信してください。",
                )
            except ClientDisconnect:
                log.info(
                    "client disconnected before sending the whole request: %s %s",
                    request.method,
                    request.url.path,
                )
                return Response(status_code=400)  # no one is there to read it
        return await run_in_threadpool(_call, handler, request, form, signed_in)

    run.__name__ = handler.__name__
    return run


def too_large(limit: int) -> str:
    return f"送信された内容が大きすぎます（上限 {limit:,} バイト）。内容を減らしてから送信してください。"


def _refuse(request: Request, status: int, message: str) -> Response:
    """An error page for a request refused before its body was read (no session is looked up)."""
    config: WebConfig = request.app.state.config
    now = config.clock()
    web = Web(config, request, now, config.today or now.astimezone(TOKYO).date(), None, None)
    response = error_page(web, status, message)
    response.headers["Connection"] = "close"
    return response


def upload_limit(settings: Settings) -> int:
    """The largest request a document upload may send: the file's limit and the form's other fields."""
    return settings.files.max_bytes + FORM_SLACK_BYTES


def file_too_large(settings: Settings) -> str:
    return f"ファイルが大きすぎます（上限は {settings.files.max_mb:g} MB）。何も記録していません。"


def is_upload(scope: Scope) -> bool:
    """Whether a request is a document upload (the one route whose body may reach ``upload_limit``)."""
    return scope.get("method") == "POST" and UPLOAD_PATH.fullmatch(str(scope.get("path", ""))) is not None


UPLOAD_PATH = re.compile(r"/cases/[^/]+/documents")


def _call(handler: Handler, request: Request, form: FormData | None, signed_in: bool) -> Response:
    config: WebConfig = request.app.state.config
    now = config.clock()
    web = Web(config, request, now, config.today or now.astimezone(TOKYO).date(), None, form)
    try:
        token = request.cookies.get(SESSION_COOKIE)
        web.session = signin.resume_session(web.anonymous(), token, now=now) if token else None
        if signed_in and web.session is None:
            target = "/login"
            if request.method in ("GET", "HEAD") and request.url.path != "/":
                target += "?next=" + quote(
                    request.url.path + (f"?{request.url.query}" if request.url.query else ""), safe=""
                )
            response: Response = RedirectResponse(target, status_code=303)
            if token:
                response.delete_cookie(SESSION_COOKIE, path="/")
            return response
        if signed_in and form is not None and web.session is not None:
            submitted = form.get("csrf_token") or request.headers.get("x-csrf-token")
            if not signin.csrf_ok(web.session, submitted if isinstance(submitted, str) else None):
                return error_page(
                    web,
                    403,
                    "フォームの有効期限が切れたか、不正な送信です（CSRF トークンが一致しません）。"
                    "ページを再読み込みしてから、もう一度操作してください。",
                )
        moved = _canonical_case(request)
        if moved is not None:
            return moved
        if (
            signed_in
            and web.session is not None
            and web.session.must_change
            and request.url.path not in WHILE_TEMPORARY
        ):
            return RedirectResponse("/me", status_code=303)  # a temporary password: a new one first
        return handler(web)
    except CasetrackError as exc:
        return error_page(web, status_of(exc), message_of(exc))


WHILE_TEMPORARY = frozenset(
    {"/me", "/me/password", "/logout"}
)  # all a user with a temporary password may open


def _canonical_case(request: Request) -> Response | None:
    """A case id as offices type it (``13-2026-1``, full-width digits: services.parsing.parse_case_id): a
    page is sent on to the case's own address (308); a form acts on the case it names."""
    raw = request.path_params.get("case_id")
    if raw is None:
        return None
    case_id = parse_case_id(raw)
    if case_id == raw:
        return None
    if request.method in ("GET", "HEAD"):
        parts = request.url.path.split("/", 3)  # "", "cases", the id as typed, what follows it
        path = f"/cases/{quote(case_id, safe='')}" + (f"/{parts[3]}" if len(parts) > 3 else "")
        return RedirectResponse(
            path + (f"?{request.url.query}" if request.url.query else ""), status_code=308
        )
    request.scope["path_params"]["case_id"] = case_id
    return None


def status_of(exc: CasetrackError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, NotPermitted):
        return 403
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, DatabaseUnavailable):
        return 503
    if isinstance(exc, TooLarge):
        return 413
    if isinstance(exc, BadInput):
        return 400
    if isinstance(exc, Refused):
        return 422
    return 500


CONFLICT_MESSAGE = "他の人がこの案件を変更しました — 再読み込みしてください"


def reasons_of(exc: CasetrackError) -> list[str]:
    """Why, in Japanese, for a page: the use case's Japanese reasons (``ja``; or its ``details``, which
    the guards and the fee and monitoring use cases write in Japanese for the CLI too), else its message
    (the web layer's own refusals are written in Japanese)."""
    if isinstance(exc, NotFound | Conflict | DatabaseUnavailable):
        return [message_of(exc)]
    if any(hasattr(d, "people") for d in exc.details):
        return reasons_for_people(
            exc.details
        )  # a guard's reasons as people read them, with the rule's source
    return exc.ja or exc.details or [exc.message]


def message_of(exc: CasetrackError) -> str:
    """What went wrong, in Japanese, in one line (the error page under its heading)."""
    if isinstance(exc, NotFound):
        what = {
            "case": "案件",
            "user": "ユーザー",
            "council": "協議会",
            "company": "事業者",
            "organisation": "機関",
        }.get(exc.what, exc.what)
        return f"{what} {exc.ident} は見つかりません。"
    if isinstance(exc, CaseChanged):
        return CONFLICT_MESSAGE
    if isinstance(exc, Conflict):  # a registration's, or a write the database refused: said as on the CLI
        return " ".join(exc.ja or [exc.message])
    if isinstance(exc, DatabaseUnavailable):
        return f"データベースを利用できません（{exc.message}）。"
    return " ".join(reasons_of(exc))


TITLES = {
    400: "入力に誤りがあります",
    403: "権限がありません",
    404: "見つかりません",
    405: "この方法では利用できません",
    408: "送信が途中で止まりました",
    413: "送信された内容が大きすぎます",
    409: "他の人が変更しました",
    422: "できません",
    500: "内部エラー",
    503: "データベースを利用できません",
}


def attachment(ascii_name: str, name: str) -> str:
    """Content-Disposition for a download: an ASCII ``filename`` for old clients and the real name as
    RFC 5987 ``filename*`` (UTF-8, percent-encoded)."""
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def head_only(media_type: str | None, headers: dict[str, str] | None = None) -> Response:
    """The answer to a HEAD request for a download: the status and headers its GET sends (type, file
    name) and no body. Starlette runs a GET route's endpoint for HEAD too; a download answers it from
    this without making the file, so without Content-Length (known only once the file is made)."""
    response = Response(media_type=media_type, headers=headers)
    del response.headers["content-length"]
    return response


def error_page(web: Web, status: int, message: str, details: list[str] | None = None) -> HTMLResponse:
    return web.page(
        "error.html.j2",
        status,
        title=TITLES.get(status, "エラー"),
        status=status,
        message=message,
        details=details or [],
    )


class SecurityHeaders:
    """Headers on every response: a strict CSP (no inline script or style, no other origin), no framing,
    no sniffing, no caching of pages (they hold personal data), and the server time (Server-Timing)."""

    CSP = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "content-security-policy" not in headers:  # a page may allow its own inline style by hash
                    headers["Content-Security-Policy"] = self.CSP
                headers["X-Frame-Options"] = "DENY"
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "same-origin"
                headers["Server-Timing"] = f"app;dur={(time.perf_counter() - start) * 1000:.1f}"
                if not static:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
