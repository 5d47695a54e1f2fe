"""The coordinators' web dashboard: a Starlette application over the service layer, assembled here from
the pages (which act through ``toolkit``).

Every page is rendered on the server from ``templates/web/`` and reads without JavaScript; htmx (a
pinned copy in ``static/``) only spares a reload here and there. Routes parse the request, call one
use case and render its answer: every rule, check and refusal comes from the services, as on the CLI.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..services.context import utc_now
from ..settings import Settings
from . import account, auth, case_forms, intake, pages, records, staff
from . import money_forms as money
from .calendar_page import calendar
from .limits import BodyLimits
from .render import TOKYO
from .toolkit import (
    STATIC,
    SecurityHeaders,
    Web,
    WebConfig,
    endpoint,
    error_page,
    is_upload,
    log,
    too_large,
    upload_limit,
)


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status >= 500:
        log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    config: WebConfig = request.app.state.config
    now = config.clock()
    web = Web(config, request, now, config.today or now.astimezone(TOKYO).date(), None, None)
    message = {
        400: "送信された内容を読み取れませんでした。ページを再読み込みしてから、もう一度送信してください。",
        404: "このページはありません。",
        405: "このページはこの方法では使えません。",
        413: too_large(config.settings.web.max_body_bytes),
    }.get(status, "内部エラーが起きました。記録は変更されていません。管理者に連絡してください。")
    if status == 413 and isinstance(exc, HTTPException) and exc.detail:
        message = str(exc.detail)
    response = error_page(web, status, message)
    if isinstance(exc, HTTPException) and exc.headers:
        response.headers.update(exc.headers)  # 405: Allow
    return response


def create_app(
    db_url: str,
    settings: Settings | None = None,
    *,
    today: dt.date | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    secure_cookies: bool | None = None,
) -> Starlette:
    """The dashboard on the database at ``db_url``. ``today`` fixes the day the pages act on (default:
    today in Asia/Tokyo by ``clock``), ``clock`` the instant sessions are judged by and records are written
    at (every request's Context reads it; default the real clock), ``secure_cookies`` marks the cookies
    Secure even on plain http (behind a TLS proxy; https requests get it anyway)."""
    settings = settings or Settings()
    config = WebConfig(
        db_url,
        settings,
        today,
        clock or utc_now,
        settings.web.secure_cookies if secure_cookies is None else secure_cookies,
    )
    routes = [
        Route("/login", endpoint(auth.login_form, signed_in=False), methods=["GET"]),
        Route("/login", endpoint(auth.login, signed_in=False), methods=["POST"]),
        Route("/logout", endpoint(auth.logout), methods=["POST"]),
        Route("/", endpoint(pages.today), methods=["GET"]),
        Route("/me", endpoint(account.me), methods=["GET"]),
        Route("/me/sessions/end", endpoint(account.end_session), methods=["POST"]),
        Route("/me/password", endpoint(account.change_password), methods=["POST"]),
        *intake.routes(),  # /cases/new: before /cases/{case_id}
        *records.routes(),
        Route("/me/profile", endpoint(account.edit_profile), methods=["POST"]),
        Route("/staff", endpoint(staff.staff_list), methods=["GET"]),
        Route("/staff", endpoint(staff.add), methods=["POST"]),
        Route("/staff/{name}/active", endpoint(staff.set_active), methods=["POST"]),
        Route("/staff/{name}/password", endpoint(staff.reset), methods=["POST"]),
        Route("/reassign", endpoint(staff.reassign_page), methods=["GET"]),
        Route("/reassign", endpoint(staff.reassign_all), methods=["POST"]),
        Route("/cases", endpoint(pages.case_list), methods=["GET"]),
        Route(
            "/cases/export.csv", endpoint(pages.case_export_csv), methods=["GET"]
        ),  # before /cases/{case_id}
        Route("/cases/export.xlsx", endpoint(pages.case_export_xlsx), methods=["GET"]),
        Route("/cases/{case_id}", endpoint(pages.case), methods=["GET"]),
        Route("/cases/{case_id}/advance", endpoint(pages.advance), methods=["POST"]),
        Route("/cases/{case_id}/assign", endpoint(staff.assign_case), methods=["POST"]),
        Route("/cases/{case_id}/claims", endpoint(money.claim), methods=["POST"]),
        Route("/cases/{case_id}/claims/{claim_id:int}/decide", endpoint(money.decide), methods=["POST"]),
        Route("/cases/{case_id}/claims/{claim_id:int}/reject", endpoint(money.reject), methods=["POST"]),
        Route("/cases/{case_id}/sessions/{seq:int}/record", endpoint(money.record), methods=["POST"]),
        Route("/cases/{case_id}/sessions/{seq:int}/waive", endpoint(money.waive), methods=["POST"]),
        Route("/cases/{case_id}/statement", endpoint(money.statement), methods=["GET"]),
        Route("/calendar", endpoint(calendar), methods=["GET"]),
        Route("/cases/{case_id}/documents", endpoint(case_forms.documents, upload=True), methods=["POST"]),
        Route(
            "/cases/{case_id}/documents/{doc_id:int}/file",
            endpoint(case_forms.document_file),
            methods=["GET"],
        ),
        Route("/cases/{case_id}/estimates", endpoint(case_forms.estimates), methods=["POST"]),
        Route("/cases/{case_id}/corrections", endpoint(case_forms.corrections), methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                BodyLimits,
                max_bytes=settings.web.max_body_bytes,
                timeout=settings.web.body_timeout_seconds,
                larger=is_upload,
                larger_bytes=upload_limit(settings),
            ),
        ],
        exception_handlers={HTTPException: _http_error, Exception: _http_error},
    )
    app.state.config = config
    return app
