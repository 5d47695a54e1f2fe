"""HEAD on the downloads (/cases/export.csv, /cases/export.xlsx, /cases/{id}/statement): the status
and headers a GET gets — type, file name, the same refusals — and no body, without making the file:
no writer runs, no row is read for it and no access-log row is written (nothing was given out)."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from casetrack import services
from casetrack.domain import policy
from casetrack.services import exchange
from casetrack.web import money_forms
from tests.conftest import ADMIN
from tests.web.conftest import ACTOR, COORDINATOR, SUPERVISOR, Site

DOWNLOADS = {
    "/cases/export.csv?stalled=1": "text/csv; charset=utf-8",
    "/cases/export.xlsx?stalled=1": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files made and statements rendered, by name of the function that made them."""
    calls: list[str] = []

    def counting(module: Any, name: str) -> None:
        real = getattr(module, name)

        def wrapper(*args: Any, **kw: Any) -> Any:
            calls.append(name)
            return real(*args, **kw)

        monkeypatch.setattr(module, name, wrapper)

    counting(exchange, "write_csv")  # the names the use cases call
    counting(exchange, "write_xlsx")
    counting(money_forms, "fee_statement")
    return calls


def _log(site: Site, user: str) -> list[dict[str, Any]]:
    return services.list_access(site.ctx(ADMIN), user=user, limit=None)


@pytest.mark.parametrize("path", DOWNLOADS)
def test_head_of_an_export_makes_no_file(site: Site, made: list[str], path: str) -> None:
    client = site.signed_in(SUPERVISOR)
    before = _log(site, SUPERVISOR)
    head = client.head(path)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == DOWNLOADS[path]
    assert "content-length" not in head.headers
    assert made == [] and _log(site, SUPERVISOR) == before
    get = client.get(path)  # what a GET sends: the same type and file name, and the file
    assert get.status_code == 200 and len(get.content) == int(get.headers["content-length"]) > 0
    assert head.headers["content-disposition"] == get.headers["content-disposition"]
    assert head.headers["content-type"] == get.headers["content-type"]
    assert len(made) == 1 and len(_log(site, SUPERVISOR)) == len(before) + 1


@pytest.mark.parametrize("role", policy.ROLES)
def test_head_of_an_export_is_refused_as_a_get_is(site: Site, made: list[str], role: str) -> None:
    client = site.signed_in(ACTOR[role])
    for path in (
        "/cases/export.xlsx?overdue=1",
        "/cases/export.csv?coordinator=kato%21",
        "/cases/export.csv?overdue=2",
    ):
        head, get = client.head(path), client.get(path)
        assert head.status_code == get.status_code, (path, head.status_code, get.status_code)
        assert (
            "content-disposition" not in get.headers
            or head.headers["content-disposition"] == get.headers["content-disposition"]
        )
    may = policy.allows(role, "case.export")
    assert made == (["write_xlsx"] if may else [])  # the one good GET's, where it is allowed


def test_head_when_signed_out_is_sent_to_sign_in(site: Site, made: list[str]) -> None:
    head = site.client().head("/cases/export.csv?overdue=1")
    assert head.status_code == 303
    assert head.headers["location"] == "/login?next=%2Fcases%2Fexport.csv%3Foverdue%3D1"
    assert made == []


def test_head_of_the_statement_renders_nothing(site: Site, made: list[str]) -> None:
    case_id = site.cases["monitoring"]
    client = site.signed_in(COORDINATOR)
    head = client.head(f"/cases/{case_id}/statement")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == "text/html; charset=utf-8" and "content-length" not in head.headers
    assert made == []
    get = client.get(f"/cases/{case_id}/statement")
    assert (
        get.status_code == 200
        and "支払決定明細書" in get.text
        and get.headers["content-type"] == head.headers["content-type"]
    )
    assert made == ["fee_statement"]
    for user, target, status in (
        (SUPERVISOR, site.cases["other"], 404),
        (SUPERVISOR, "13-2026-9999", 404),
        (ACTOR["admin"], case_id, 403),
    ):
        other = site.signed_in(user)
        made.clear()
        head = other.head(f"/cases/{target}/statement")
        assert made == []
        assert head.status_code == status == other.get(f"/cases/{target}/statement").status_code, (
            user,
            target,
        )


@contextmanager
def _served(site: Site) -> Iterator[int]:
    """The dashboard on uvicorn in a thread, on a free loopback port."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(site.app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_head_over_http(site: Site, made: list[str]) -> None:
    """On a real server the answer ends where its headers do: the same connection carries the next
    request and gets its whole answer."""
    cookie = site.signed_in(SUPERVISOR).cookies.get("casetrack_session")
    assert cookie
    headers = {"Cookie": f"casetrack_session={cookie}"}
    with _served(site) as port:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("HEAD", "/cases/export.xlsx?stalled=1", headers=headers)
        head = conn.getresponse()
        assert head.status == 200 and head.read() == b""
        assert head.getheader("content-type") == DOWNLOADS["/cases/export.xlsx?stalled=1"]
        assert head.getheader("content-disposition", "").startswith(
            'attachment; filename="cases-2026-11-25.xlsx"'
        )
        assert made == []
        conn.request("GET", "/cases/export.csv?stalled=1", headers=headers)
        get = conn.getresponse()
        body = get.read()
        assert get.status == 200 and len(body) == int(get.getheader("content-length", "-1")) > 0
        conn.close()
    assert made == ["write_csv"]
