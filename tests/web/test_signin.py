"""Signing in and out (CLI.md "Web routes"): the form, the session cookie and its flags, wrong
passwords, the lockout, the idle timeout, CSRF on every POST, disabled users, signed-out redirects."""

from __future__ import annotations

import datetime as dt

import pytest

from casetrack import services
from casetrack.domain.signin import SignInRules, locked_until
from casetrack.services import signin
from casetrack.settings import Settings, WebSettings
from tests.conftest import ADMIN
from tests.web.conftest import COORDINATOR, PASSWORD, SUPERVISOR, Site, csrf_of, sign_in


def test_login_form_has_the_fixed_fields(site: Site) -> None:
    page = site.client().get("/login")
    assert page.status_code == 200
    for name in ("username", "password", "csrf_token"):
        assert f'name="{name}"' in page.text
    assert 'type="hidden" name="csrf_token"' in page.text
    assert 'type="password"' in page.text


def test_sign_in_sets_a_session_cookie_and_redirects_to_today(site: Site) -> None:
    client = site.client()
    response = sign_in(client, COORDINATOR)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("casetrack_session="))
    flags = [f.strip().lower() for f in cookie.split(";")]
    assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
    assert "secure" not in flags  # plain http, no --secure-cookies
    today = client.get("/")
    assert today.status_code == 200 and "今日の仕事" in today.text and COORDINATOR in today.text
    assert signin.sessions_of(site.ctx(), COORDINATOR) == 1


def _secure(response: object, name: str) -> bool:
    header = next(h for h in response.headers.get_list("set-cookie") if h.startswith(name + "="))  # type: ignore[attr-defined]
    return "secure" in [f.strip().lower() for f in header.split(";")]


def test_cookies_are_secure_over_https(site: Site) -> None:
    client = site.client(base_url="https://testserver")
    assert _secure(client.get("/login"), "casetrack_login")
    response = sign_in(client, COORDINATOR)
    assert response.status_code == 303 and _secure(response, "casetrack_session")


def test_cookies_are_secure_with_the_flag_behind_a_tls_proxy(site: Site) -> None:
    client = site.client(secure_cookies=True)  # plain http to the app; the browser spoke https to the proxy
    form = client.get("/login")
    assert _secure(form, "casetrack_login")
    client.cookies.set("casetrack_login", form.cookies["casetrack_login"], path="/login")
    response = client.post(
        "/login", data={"username": COORDINATOR, "password": PASSWORD, "csrf_token": csrf_of(form.text)}
    )
    assert response.status_code == 303 and _secure(response, "casetrack_session")


def test_session_token_is_stored_only_as_a_hash(site: Site) -> None:
    import sqlalchemy as sa

    client = site.client()
    sign_in(client, COORDINATOR)
    token = client.cookies["casetrack_session"]
    engine = sa.create_engine(site.db_url)
    with engine.connect() as conn:
        ids = list(conn.execute(sa.text("SELECT id FROM web_session")).scalars())
    engine.dispose()  # a connection left open costs the next test its database
    assert len(ids) == 1 and token not in ids[0] and len(ids[0]) == 64


def test_wrong_password_and_unknown_user_fail_alike_and_set_no_session(site: Site) -> None:
    client = site.client()
    wrong = sign_in(client, COORDINATOR, "not the password at all")
    unknown = sign_in(client, "nobody", PASSWORD)
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "ユーザー名またはパスワードが違います" in response.text
        assert not any(h.startswith("casetrack_session=") for h in response.headers.get_list("set-cookie"))
    assert client.get("/").status_code == 303
    assert signin.sessions_of(site.ctx(), COORDINATOR) == 0


def test_lockout_after_five_failures_in_fifteen_minutes(site: Site) -> None:
    client = site.client()
    for _ in range(5):
        assert sign_in(client, COORDINATOR, "wrong password 123").status_code == 401
        site.clock.advance(minutes=2)
    locked = sign_in(client, COORDINATOR)  # the right password, but locked
    assert locked.status_code == 429 and "使えません" in locked.text
    assert client.get("/").status_code == 303
    site.clock.advance(minutes=14)  # 16 minutes after the fifth failure
    assert sign_in(client, COORDINATOR).status_code == 303
    assert client.get("/").status_code == 200


def test_failures_spread_out_do_not_lock_and_success_clears_them(site: Site) -> None:
    client = site.client()
    for _ in range(4):
        assert sign_in(client, COORDINATOR, "wrong password 123").status_code == 401
    assert sign_in(client, COORDINATOR).status_code == 303  # clears the four
    for _ in range(4):
        assert sign_in(site.client(), COORDINATOR, "wrong password 123").status_code == 401
    assert sign_in(site.client(), COORDINATOR).status_code == 303


def test_lockout_rule() -> None:
    rules = SignInRules()
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    minute = dt.timedelta(minutes=1)
    five_quick = [t0 + i * minute for i in range(5)]
    assert locked_until(five_quick, t0 + 5 * minute, rules) == t0 + 4 * minute + rules.lockout
    assert locked_until(five_quick, t0 + 4 * minute + rules.lockout, rules) is None
    spread = [t0 + i * 4 * minute for i in range(5)]  # 16 minutes from first to fifth
    assert locked_until(spread, t0 + 17 * minute, rules) is None
    assert locked_until(five_quick[:4], t0 + 5 * minute, rules) is None


def test_idle_session_ends_and_activity_keeps_it(site: Site) -> None:
    client = site.signed_in(COORDINATOR)
    for _ in range(3):  # 3 × 20 minutes of use: never idle for 30
        site.clock.advance(minutes=20)
        assert client.get("/cases").status_code == 200
    site.clock.advance(minutes=31)
    response = client.get("/cases")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert signin.sessions_of(site.ctx(), COORDINATOR) == 0


def test_idle_timeout_comes_from_the_settings(site: Site) -> None:
    client = site.signed_in(COORDINATOR, settings=Settings(web=WebSettings(idle_minutes=5)))
    site.clock.advance(minutes=6)
    assert client.get("/").status_code == 303


def test_sign_out_ends_the_session_even_for_a_copied_cookie(site: Site) -> None:
    client = site.signed_in(COORDINATOR)
    token = client.cookies["casetrack_session"]
    page = client.get("/")
    response = client.post("/logout", data={"csrf_token": csrf_of(page.text)})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    thief = site.client()
    thief.cookies.set("casetrack_session", token)
    assert thief.get("/").status_code == 303
    assert signin.sessions_of(site.ctx(), COORDINATOR) == 0


def test_post_without_the_right_csrf_token_is_refused(site: Site) -> None:
    client = site.signed_in(COORDINATOR)
    for data in ({}, {"csrf_token": "forged"}):
        response = client.post("/logout", data=data)
        assert response.status_code == 403 and "CSRF" in response.text
    assert signin.sessions_of(site.ctx(), COORDINATOR) == 1  # still signed in: the logout did not happen
    other = site.signed_in(SUPERVISOR)  # another session's token does not do either
    stolen = csrf_of(other.get("/").text)
    assert client.post("/logout", data={"csrf_token": stolen}).status_code == 403


def test_login_post_needs_the_form_token(site: Site) -> None:
    client = site.client()
    client.get("/login")
    response = client.post("/login", data={"username": COORDINATOR, "password": PASSWORD, "csrf_token": "x"})
    assert response.status_code == 403
    fresh = site.client()  # no cookie from the form at all
    response = fresh.post("/login", data={"username": COORDINATOR, "password": PASSWORD, "csrf_token": "x"})
    assert response.status_code == 403
    assert signin.sessions_of(site.ctx(), COORDINATOR) == 0


def test_signing_in_again_replaces_the_old_session(site: Site) -> None:
    client = site.signed_in(COORDINATOR)
    first = client.cookies["casetrack_session"]
    assert client.get("/login").headers["location"] == "/"  # a signed-in browser is sent on to Today
    form = site.client().get("/login")  # the form's token, as a second tab would have it
    client.cookies.set("casetrack_login", form.cookies["casetrack_login"], path="/login")
    response = client.post(
        "/login", data={"username": COORDINATOR, "password": PASSWORD, "csrf_token": csrf_of(form.text)}
    )
    assert response.status_code == 303 and client.cookies["casetrack_session"] != first
    assert signin.sessions_of(site.ctx(), COORDINATOR) == 1


def test_disabled_user_cannot_sign_in_and_their_sessions_end(site: Site) -> None:
    client = site.signed_in(COORDINATOR)
    assert client.get("/").status_code == 200
    services.set_user_active(site.ctx(ADMIN), COORDINATOR, False)
    assert signin.sessions_of(site.ctx(), COORDINATOR) == 0  # ended at once, not at the next request
    response = client.get("/")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert signin.sessions_of(site.ctx(), COORDINATOR) == 0
    refused = sign_in(site.client(), COORDINATOR)
    assert refused.status_code == 401 and "無効" in refused.text


@pytest.mark.parametrize("path", ["/", "/cases", "/cases/13-2026-0001", "/cases?state=drafting"])
def test_signed_out_requests_go_to_login(site: Site, path: str) -> None:
    response = site.client().get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_after_sign_in_the_page_asked_for_opens(site: Site) -> None:
    client = site.client()
    case_id = site.cases["early"]
    response = client.get(f"/cases/{case_id}")
    form = client.get(response.headers["location"])
    assert f'value="/cases/{case_id}"' in form.text
    signed = client.post(
        "/login",
        data={
            "username": COORDINATOR,
            "password": PASSWORD,
            "csrf_token": csrf_of(form.text),
            "next": f"/cases/{case_id}",
        },
    )
    assert signed.status_code == 303 and signed.headers["location"] == f"/cases/{case_id}"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "\\\\evil"])
def test_next_never_leaves_the_site(site: Site, target: str) -> None:
    client = site.client()
    form = client.get("/login")
    signed = client.post(
        "/login",
        data={
            "username": COORDINATOR,
            "password": PASSWORD,
            "csrf_token": csrf_of(form.text),
            "next": target,
        },
    )
    assert signed.status_code == 303 and signed.headers["location"] == "/"


def test_signed_in_post_without_session_redirects_and_writes_nothing(site: Site) -> None:
    case_id = site.cases["early"]
    before = site.history(case_id)
    response = site.client().post(
        f"/cases/{case_id}/advance", data={"event": "withdraw", "version": "1", "reason": "x"}
    )
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert site.history(case_id) == before


def test_a_session_of_a_user_disabled_directly_in_the_database_ends_at_its_next_request(site: Site) -> None:
    import sqlalchemy as sa

    client = site.signed_in(COORDINATOR)
    engine = sa.create_engine(site.db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE app_user SET active = false WHERE name = :n"), {"n": COORDINATOR})
    engine.dispose()  # a connection left open costs the next test its database
    assert signin.sessions_of(site.ctx(), COORDINATOR) == 1
    assert client.get("/").status_code == 303
    assert signin.sessions_of(site.ctx(), COORDINATOR) == 0
