"""PostgreSQL's second wall over the tables outside the cases (migration 0018): companies, organisations,
staff, the access log and the web sessions, through the application's role (which does not own the
tables), as in test_row_level_security.py. A council-27 actor reads no company known only through a
council-13 case, no staff row of another council, no one else's session or access-log row — and the
application, signing in before it knows who acts, still works through that role."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from casetrack import services
from casetrack.services import Context
from casetrack.settings import Settings
from casetrack.web.app import create_app
from tests.cli.helpers import drive_early, fresh_company
from tests.conftest import ADMIN, TESTER, Cli, World, requires_postgres
from tests.store.test_row_level_security import _as_role, app_role  # noqa: F401  (a fixture)
from tests.web.conftest import PASSWORD, Clock, sign_in

TODAY = dt.date(2026, 11, 25)
BROWSER_27 = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


@dataclass
class People:
    companies: dict[str, int]  # "13": only a council-13 case; "27": a council-27 case; "none": no case yet
    cases: dict[str, str]
    app_url: str


@pytest.fixture
def people(cli: Cli, world: World, app_role: str, db_url: str) -> Iterator[People]:  # noqa: F811
    if not db_url.startswith("postgresql"):
        pytest.fail("this fixture is for PostgreSQL")
    c13, c27, none = fresh_company(cli, 13), fresh_company(cli, 27), fresh_company(cli, 99)
    cases = {
        "13": drive_early(cli, world, "drafting", company=c13),
        "27": drive_early(cli, world, "drafting", council="27", company=c27),
    }
    for name, council, role in (
        ("coord13", "13", "coordinator"),
        ("coord27", "27", "coordinator"),
        ("honbu", "00", "hq"),
    ):
        cli.ok("user", "add", name, "--council", council, "--role", role, user=ADMIN)
    for name in ("coord13", "coord27", "honbu", ADMIN):
        services.set_password(Context(db_url, TODAY, ADMIN), name, PASSWORD)
    assert cli.ok("init", "--app-role", app_role, user=ADMIN)["granted"] > 10
    url = _as_role(db_url, app_role)
    try:
        yield People({"13": c13, "27": c27, "none": none}, cases, url)
    finally:
        from casetrack.store import db as store_db

        for key, engine in list(store_db._engines.items()):
            if app_role in key:
                engine.dispose()
                del store_db._engines[key]


def _client(url: str, clock: Clock, **kw: object) -> TestClient:
    return TestClient(
        create_app(url, Settings(), today=TODAY, clock=clock),
        base_url="http://testserver",
        follow_redirects=False,
        **kw,
    )  # type: ignore[arg-type]


@requires_postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_council_27_actor_reads_nothing_of_council_13_through_the_app_role(
    cli: Cli, people: People, db_url: str
) -> None:
    clock = Clock()
    for user in ("coord13", "coord27"):  # a session and an access-log row each, through the app role
        assert sign_in(_client(people.app_url, clock), user).status_code == 303
    app = Cli(people.app_url, cli.capsys)
    for user in ("coord13", "coord27"):
        assert app("user", "list", "--format", "json", user=user).code == 0  # writes the access log

    engine = sa.create_engine(people.app_url)
    try:

        def rows(councils: str | None, user: str | None, sql: str) -> set[object]:
            with engine.begin() as conn:
                if councils is not None:
                    conn.execute(
                        sa.text("SELECT set_config('casetrack.councils', :c, true)"), {"c": councils}
                    )
                if user is not None:
                    conn.execute(sa.text("SELECT set_config('casetrack.user', :u, true)"), {"u": user})
                return set(conn.execute(sa.text(sql)).scalars())

        c = people.companies
        # companies: no WHERE in the query, yet council 27 sees its own and the one with no case anywhere
        seen27 = rows("27", "coord27", "SELECT id FROM company")
        assert c["27"] in seen27 and c["none"] in seen27 and c["13"] not in seen27
        seen13 = rows("13", "coord13", "SELECT id FROM company")
        assert c["13"] in seen13 and c["none"] in seen13 and c["27"] not in seen13
        assert {c["13"], c["27"], c["none"]} <= rows("*", "honbu", "SELECT id FROM company")
        assert (
            rows("", "", "SELECT id FROM company") == set()
            and rows(None, None, "SELECT id FROM company") == set()
        )
        assert rows("27", "coord27", f"SELECT name FROM company WHERE id = {c['13']}") == set()

        # organisations (the world's 2 advisers and 4 banks: public bodies) to every signed-in council, to no one else
        every_org = rows("*", ADMIN, "SELECT id FROM organisation")
        assert len(every_org) == 6 and rows("27", "coord27", "SELECT id FROM organisation") == every_org
        assert rows("", "", "SELECT id FROM organisation") == set()

        # staff: of the actor's councils (the suite's supervisor acts for 13 and 27), themselves; admin all
        assert rows("27", "coord27", "SELECT name FROM app_user") == {"coord27", TESTER}
        assert rows("13", "coord13", "SELECT name FROM app_user") == {"coord13", TESTER, "sato"}
        assert {"coord13", "coord27", "honbu", ADMIN, TESTER} <= rows("*", ADMIN, "SELECT name FROM app_user")
        assert rows("", "coord27", "SELECT name FROM app_user") == {
            "coord27"
        }  # before the councils are known
        assert rows("", "", "SELECT name FROM app_user") == set()

        # sessions and the access log: each their own; the access log all to hq and admin, sessions to admin
        assert rows("27", "coord27", "SELECT user_name FROM web_session") == {"coord27"}
        assert rows("27", "coord27", 'SELECT "user" FROM access_log') == {"coord27"}
        assert rows("*", "honbu", 'SELECT "user" FROM access_log') >= {"coord13", "coord27"}
        assert rows("*", "honbu", "SELECT user_name FROM web_session") == set()  # hq: no one else's session
        assert rows("*", ADMIN, "SELECT user_name FROM web_session") == {"coord13", "coord27"}
        assert rows("", "", "SELECT user_name FROM web_session") == set()

        # writes in someone else's name are refused by the policies' checks, whatever the code does
        for sql in (
            'INSERT INTO access_log (at, "user", action, what, rows) '
            "VALUES (now(), 'coord13', 'x', 'forged', 0)",
            "INSERT INTO web_session (id, user_name, csrf_token, created_at, last_seen_at) "
            "VALUES ('forged', 'coord13', 'x', now(), now())",
            "UPDATE app_user SET council = '13' WHERE name = 'coord27'",
        ):
            with pytest.raises(sa.exc.ProgrammingError, match="row-level security"), engine.begin() as conn:
                conn.execute(sa.text("SELECT set_config('casetrack.councils', '27', true)"))
                conn.execute(sa.text("SELECT set_config('casetrack.user', 'coord27', true)"))
                conn.execute(sa.text(sql))
        with engine.begin() as conn:  # another council's staff row, another's session: nothing to change
            conn.execute(sa.text("SELECT set_config('casetrack.councils', '27', true)"))
            conn.execute(sa.text("SELECT set_config('casetrack.user', 'coord27', true)"))
            assert (
                conn.execute(
                    sa.text("UPDATE app_user SET email = 'x@example.jp' WHERE name = 'coord13'")
                ).rowcount
                == 0
            )
            assert conn.execute(sa.text("DELETE FROM web_session WHERE user_name = 'coord13'")).rowcount == 0
            assert conn.execute(sa.text(f"UPDATE company SET name = 'x' WHERE id = {c['13']}")).rowcount == 0
    finally:
        engine.dispose()
    owner = sa.create_engine(db_url)
    try:
        with owner.connect() as conn:  # as the owner: every row is still there, untouched
            assert conn.execute(sa.text("SELECT email FROM app_user WHERE name = 'coord13'")).scalar() is None
            assert (
                conn.execute(sa.text("SELECT count(*) FROM web_session WHERE user_name = 'coord13'")).scalar()
                == 1
            )
            assert (
                conn.execute(sa.text(f"SELECT name FROM company WHERE id = {c['13']}")).scalar()
                == "株式会社テスト013"
            )
    finally:
        owner.dispose()


@requires_postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_the_application_works_through_the_app_role(
    cli: Cli, people: People, world: World, db_url: str
) -> None:
    """Sign-in (before anyone is known), the company list, a case opened and shown, the user's own page
    with where they signed in, ending another session, idle sessions of others ended at a sign-in —
    all through the role row-level security holds for."""
    clock = Clock()
    app = Cli(people.app_url, cli.capsys)
    c = people.companies
    listed = {x["id"] for x in app.ok("company", "list", user="coord27")}
    assert c["27"] in listed and c["none"] in listed and c["13"] not in listed
    assert app("company", "history", str(c["13"]), user="coord27").code == 4
    assert {u["name"] for u in app.ok("user", "list", user="coord27")} == {"coord27", TESTER}
    assert {u["name"] for u in app.ok("user", "list", user="honbu")} >= {"coord13", "coord27", ADMIN}
    opened = app.ok(
        "case",
        "open",
        "--program",
        "early",
        "--council",
        "27",
        "--company",
        str(c["none"]),
        "--support-org",
        str(world.tax),
        "--lender",
        f"{world.bank_main}:main",
        "--on",
        "2026-11-20",
        user="coord27",
    )["id"]
    assert opened.startswith("27-")
    assert app("case", "show", people.cases["13"], "--format", "json", user="coord27").code == 4
    assert c["none"] not in {x["id"] for x in app.ok("company", "list", user="coord13")}  # now 27's company
    engine = sa.create_engine(people.app_url)  # and so for the policy itself, which the trigger told
    try:
        for councils, seen in (("13", False), ("27", True), ("13,27", True)):
            with engine.begin() as conn:
                conn.execute(sa.text("SELECT set_config('casetrack.councils', :c, true)"), {"c": councils})
                found = conn.execute(
                    sa.text("SELECT id FROM company WHERE id = :i"), {"i": c["none"]}
                ).first()
            assert (found is not None) is seen, councils
    finally:
        engine.dispose()

    idle = _client(people.app_url, clock)
    assert sign_in(idle, "coord13").status_code == 303
    clock.advance(hours=2)  # past the idle time: coord27's sign-in ends coord13's session, unseen by coord27
    laptop = _client(people.app_url, clock, client=("198.51.100.7", 50000))
    assert sign_in(laptop, "coord27").status_code == 303
    phone = _client(people.app_url, clock, client=("203.0.113.9", 50001), headers={"User-Agent": BROWSER_27})
    assert sign_in(phone, "coord27").status_code == 303
    assert idle.get("/").status_code == 303
    assert services.signin.sessions_of(Context(db_url, TODAY, ADMIN), "coord13") == 0
    assert phone.get("/").status_code == 200
    cases_page = phone.get("/cases")
    assert (
        cases_page.status_code == 200
        and opened in cases_page.text
        and people.cases["13"] not in cases_page.text
    )
    assert phone.get(f"/cases/{opened}").status_code == 200
    assert phone.get(f"/cases/{people.cases['13']}").status_code == 404
    me = phone.get("/me")
    assert me.status_code == 200
    assert "198.51.100.7" in me.text and "203.0.113.9" in me.text and "Chrome / Windows" in me.text
    from tests.web.conftest import csrf_of

    ended = phone.post("/me/sessions/end", data={"csrf_token": csrf_of(me.text), "session": "all"})
    assert (
        ended.status_code == 303 and laptop.get("/").status_code == 303 and phone.get("/").status_code == 200
    )
    assert phone.post("/logout", data={"csrf_token": csrf_of(me.text)}).status_code == 303
    assert phone.get("/").status_code == 303
    assert services.signin.sessions_of(Context(db_url, TODAY, ADMIN), "coord27") == 0


@requires_postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_role_granted_before_this_revision_keeps_working(
    db_url: str,
    app_role: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A deployment whose application role was granted at revision 0017: the upgrade lets that role call
    the functions the new policies call, so the application goes on without granting again."""
    from casetrack.store import db as store_db
    from casetrack.store import migrate

    engine = store_db.get_engine(db_url)
    migrate.upgrade(engine, "0017")
    store_db.grant_app_role(engine, app_role)
    owner = Cli(db_url, capsys)
    owner.setup()  # init (0017 → head) and the first users
    owner.ok("user", "add", "coord27", "--council", "27", user=ADMIN)
    app = Cli(_as_role(db_url, app_role), capsys)
    try:
        assert {u["name"] for u in app.ok("user", "list", user="coord27")} == {"coord27", TESTER}
        assert app("user", "list", user="nobody").code == 5  # not a user: no set-up mode for a stranger
        services.set_password(Context(db_url, TODAY, ADMIN), "coord27", PASSWORD)
        assert sign_in(_client(app.db_url, Clock()), "coord27").status_code == 303
    finally:
        for key, eng in list(store_db._engines.items()):
            if app_role in key:
                eng.dispose()
                del store_db._engines[key]
