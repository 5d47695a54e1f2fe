"""GET /calendar: a council's month of monitoring due dates and deadlines, closed days shaded."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.responses import Response

from ..services.calendar_page import calendar_page
from .toolkit import Web

PARAMS = ("month", "council", "view", "day", "week")


def calendar(web: Web) -> Response:
    params = web.request.query_params
    given = {k: params[k] for k in PARAMS if params.get(k)}
    data = calendar_page(
        web.ctx,
        month=given.get("month"),
        council=given.get("council"),
        view=given.get("view"),
        day=given.get("day"),
        week=given.get("week"),
    )
    kept = {k: v for k, v in (("council", data["council"]), ("view", given.get("view"))) if v}

    def link(**changes: str | None) -> str:
        query = {**kept, "month": None if "week" in changes else data["month_key"], **changes}
        return "/calendar?" + urlencode({k: v for k, v in query.items() if v})

    return web.page("calendar.html.j2", data=data, link=link)
