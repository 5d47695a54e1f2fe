"""A password change — by an admin on the CLI, by the user on the CLI or on their own page — ends
every other signed-in session of that user; the user's own page (/me) lists their sessions and ends
any other one or all of them."""

from __future__ import annotations

import io
import re

import pytest
from starlette.testclient import TestClient

from casetrack.services import signin
from tests.conftest import ADMIN
from tests.web.conftest import COORDINATOR, PASSWORD, SUPERVISOR, Site, csrf_of, sign_in

NEW = "a much longer new passphrase"


def _sessions(site: Site, user: str) -> int:
    return signin.sessions_of(site.ctx(), user)


@pytest.mark.parametrize("actor", [ADMIN, COORDINATOR])
def test_set_password_on_the_cli_ends_every_session_of_that_user(
    site: Site, monkeypatch: pytest.MonkeyPatch, actor: str
) -> None:
    laptop, phone = site.signed_in(COORDINATOR), site.signed_in(COORDINATOR)
    other = site.signed_in(SUPERVISOR)
    assert laptop.get("/").status_code == 200 and _sessions(site, COORDINATOR) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO(NEW + "\n"))
    result = site.cli("user", "set-password", COORDINATOR, "--format", "json", user=actor)
    assert result.code == 0, result.err
    assert result.json == {"name": COORDINATOR, "password_set": True, "sessions_ended": 2}
    for client in (laptop, phone):
        page = client.get("/")
        assert page.status_code == 303 and page.headers["location"] == "/login"
    assert other.get("/").status_code == 200  # another user's session is untouched
    assert _sessions(site, COORDINATOR) == 0 and _sessions(site, SUPERVISOR) == 1


def test_the_own_page_lists_sessions_and_ends_another_one(site: Site) -> None:
    laptop = site.signed_in(COORDINATOR)
    site.clock.advance(minutes=5)
    phone = site.signed_in(COORDINATOR)
    page = phone.get("/me")
    assert page.status_code == 200
    assert "サインイン中の端末" in page.text and page.text.count(">終了する</button>") == 1
    assert "この端末" in page.text
    handle = re.search(r'name="session" value="([0-9a-f]{16})"', page.text)
    assert handle
    ended = phone.post(
        "/me/sessions/end", data={"csrf_token": csrf_of(page.text), "session": handle.group(1)}
    )
    assert ended.status_code == 303 and ended.headers["location"] == "/me?done=ended"
    assert laptop.get("/").status_code == 303  # the other session has ended
    assert phone.get("/").status_code == 200
    again = phone.post(
        "/me/sessions/end", data={"csrf_token": csrf_of(page.text), "session": handle.group(1)}
    )
    assert again.status_code == 404
    forged = phone.post("/me/sessions/end", data={"session": handle.group(1)})
    assert forged.status_code == 403


def test_a_password_change_on_the_own_page_keeps_this_session_and_ends_the_others(site: Site) -> None:
    laptop, phone = site.signed_in(COORDINATOR), site.signed_in(COORDINATOR)
    page = phone.get("/me").text
    token = csrf_of(page)
    wrong = phone.post(
        "/me/password", data={"csrf_token": token, "current": "wrong password!!", "new": NEW, "again": NEW}
    )
    assert wrong.status_code == 400 and "現在のパスワードが違います。" in wrong.text
    short = phone.post(
        "/me/password", data={"csrf_token": token, "current": PASSWORD, "new": "short", "again": "short"}
    )
    assert short.status_code == 400 and "12文字以上" in short.text
    assert _sessions(site, COORDINATOR) == 2 and laptop.get("/").status_code == 200  # nothing changed
    done = phone.post(
        "/me/password", data={"csrf_token": token, "current": PASSWORD, "new": NEW, "again": NEW}
    )
    assert done.status_code == 303 and done.headers["location"] == "/me?done=password"
    assert phone.get("/").status_code == 200
    assert laptop.get("/").status_code == 303
    assert _sessions(site, COORDINATOR) == 1
    fresh = site.client()
    assert sign_in(fresh, COORDINATOR, NEW).status_code == 303
    assert sign_in(site.client(), COORDINATOR, PASSWORD).status_code == 401


CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
FIREFOX_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:120.0) Gecko/20100101 Firefox/120.0"


def test_the_own_page_says_where_each_session_signed_in(site: Site) -> None:
    """Each session shows the address it signed in from (the connection's: an X-Forwarded-For a client
    sends itself is not believed), its browser in a few words, and when; a User-Agent is kept to 200
    characters."""
    office = TestClient(
        site.app(),
        base_url="http://testserver",
        follow_redirects=False,
        client=("198.51.100.7", 50000),
        headers={"User-Agent": CHROME_WINDOWS},
    )
    assert sign_in(office, COORDINATOR).status_code == 303
    site.clock.advance(minutes=5)
    home = TestClient(
        site.app(),
        base_url="http://testserver",
        follow_redirects=False,
        client=("203.0.113.9", 50001),
        headers={"User-Agent": FIREFOX_MAC + " x" * 200, "X-Forwarded-For": "192.0.2.66"},
    )
    assert sign_in(home, COORDINATOR).status_code == 303
    page = home.get("/me")
    assert page.status_code == 200
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td[^>]*>(.*?)</td>", page.text, re.S)
    # newest first: this one (09:35 Tokyo), then the office one (09:30)
    assert [(ip, browser) for _, ip, browser in rows] == [
        ("203.0.113.9", "Firefox / macOS"),
        ("198.51.100.7", "Chrome / Windows"),
    ]
    assert "2026-11-25 09:35" in rows[0][0] and "2026-11-25 09:30" in rows[1][0]
    assert "192.0.2.66" not in page.text
    kept = {
        s["client_ip"]: s["user_agent"] for s in signin.my_sessions(site.ctx(COORDINATOR), _session(home))
    }
    assert kept["198.51.100.7"] == CHROME_WINDOWS
    assert len(kept["203.0.113.9"]) == 200 and kept["203.0.113.9"].startswith(FIREFOX_MAC)
    # and the other one can be ended from here, as before
    handle = re.search(r'name="session" value="([0-9a-f]{16})"', page.text)
    assert handle
    ended = home.post("/me/sessions/end", data={"csrf_token": csrf_of(page.text), "session": handle.group(1)})
    assert ended.status_code == 303 and office.get("/").status_code == 303
    assert "198.51.100.7" not in home.get("/me").text


def _session(client: TestClient) -> signin.WebSession:
    token = client.cookies.get("casetrack_session")
    assert token
    return signin.WebSession(COORDINATOR, "coordinator", "", token)
