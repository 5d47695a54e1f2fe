"""PostgreSQL's second wall: row-level security for the application's database role, which does not own
the tables. Keyed on the councils the service layer sets per transaction (casetrack.councils), it hides
another council's rows even from a query that forgets the scope, and from a transaction that never set it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from casetrack.store.db import get_engine
from casetrack.store.repo import Repo
from casetrack.store.scope import Scope
from tests.cli.helpers import drive_405, drive_early, fresh_company
from tests.conftest import ADMIN, PG_ENV, Cli, World, requires_postgres


@pytest.fixture
def app_role(db_url: str) -> Iterator[str]:
    role = "ct_app_" + uuid.uuid4().hex[:8]
    admin = sa.create_engine(os.environ[PG_ENV], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE ROLE {role} LOGIN"))
    try:
        yield role
    finally:
        owner = sa.create_engine(
            db_url, isolation_level="AUTOCOMMIT"
        )  # its grants live in the test's database
        with owner.connect() as conn:
            conn.execute(sa.text(f"DROP OWNED BY {role}"))
        owner.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP ROLE {role}"))
        admin.dispose()


@pytest.fixture
def two_councils(cli: Cli, world: World) -> dict[str, list[str]]:
    if not cli.db_url.startswith("postgresql"):
        pytest.fail("this fixture is for PostgreSQL")
    # another company for council 27's case: a second case of a company would be a re-use
    ids = {
        "13": [drive_early(cli, world, "drafting"), drive_405(cli, world, "monitoring")],
        "27": [drive_early(cli, world, "drafting", council="27", company=fresh_company(cli, 27))],
    }
    return ids


def _as_role(url: str, role: str) -> str:
    return make_url(url).set(username=role).render_as_string(hide_password=False)


@requires_postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_unscoped_queries_see_nothing_foreign(
    cli: Cli, two_councils: dict[str, list[str]], app_role: str, db_url: str
) -> None:
    granted = cli.ok("init", "--app-role", app_role, user=ADMIN)
    assert granted["app_role"] == app_role and granted["granted"] > 10
    engine = sa.create_engine(_as_role(db_url, app_role))
    try:

        def ids(councils: str | None, sql: str) -> set[str]:
            with engine.begin() as conn:
                if councils is not None:
                    conn.execute(
                        sa.text("SELECT set_config('casetrack.councils', :c, true)"), {"c": councils}
                    )
                return set(conn.execute(sa.text(sql)).scalars())

        every = set(two_councils["13"]) | set(two_councils["27"])
        assert ids("*", "SELECT id FROM cases") == every
        assert ids("13", "SELECT id FROM cases") == set(two_councils["13"])  # no WHERE council = …
        assert ids("27", "SELECT id FROM cases") == set(two_councils["27"])
        assert ids(None, "SELECT id FROM cases") == set()  # never set: nothing at all
        assert ids("", "SELECT id FROM cases") == set()
        for table in (
            "case_history",
            "document",
            "case_lender",
            "case_support_org",
            "monitoring_session",
            "case_agreement",
        ):
            seen = ids("13", f"SELECT DISTINCT case_id FROM {table}")
            assert seen and seen <= set(two_councils["13"]), table
        assert ids("13", "SELECT council FROM case_counter") == {"13"}

        # the repository told to read every council still sees only 13
        with engine.begin() as conn:
            conn.execute(sa.text("SELECT set_config('casetrack.councils', '13', true)"))
            assert {c.id for c in Repo(conn, scope=Scope.EVERY).list_cases()} == set(two_councils["13"])

        # writes into another council are refused by the policy's check, whatever the code does: a row
        # for council 27's case, even one that names council 13 as its security column, and a row of 13
        # moved to 27's case (the trigger takes the council from the case, which 13 cannot see)
        ours, theirs = two_councils["13"][0], two_councils["27"][0]
        for sql in (
            f"INSERT INTO case_estimate (case_id, component, amount) VALUES ('{theirs}', 'dd', 1)",
            f"INSERT INTO case_estimate (case_id, component, amount, rls_council) VALUES ('{theirs}', 'dd', 1, '13')",
            f"UPDATE case_lender SET case_id = '{theirs}' WHERE case_id = '{ours}'",
        ):
            with pytest.raises(sa.exc.ProgrammingError, match="row-level security"), engine.begin() as conn:
                conn.execute(sa.text("SELECT set_config('casetrack.councils', '13', true)"))
                conn.execute(sa.text(sql))
        # and a case does not move to another council or company, not even for an actor of every council
        for change in (
            "council = '27'",
            f"company_id = (SELECT company_id FROM cases WHERE id = '{theirs}')",
        ):
            with (
                pytest.raises(sa.exc.ProgrammingError, match="council and company do not change"),
                engine.begin() as conn,
            ):
                conn.execute(sa.text("SELECT set_config('casetrack.councils', '*', true)"))
                conn.execute(sa.text(f"UPDATE cases SET {change} WHERE id = :i"), {"i": ours})

        # append-only for the application: no UPDATE privilege, and it cannot drop the trigger
        for sql in (
            "UPDATE case_history SET note = 'x'",
            "DELETE FROM ledger_entry",
            "DROP TRIGGER case_history_append_only ON case_history",
            "ALTER TABLE cases DISABLE ROW LEVEL SECURITY",
        ):
            with pytest.raises(sa.exc.ProgrammingError), engine.begin() as conn:
                conn.execute(sa.text("SELECT set_config('casetrack.councils', '*', true)"))
                conn.execute(sa.text(sql))
    finally:
        engine.dispose()


@requires_postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_the_cli_through_the_app_role(
    cli: Cli,
    two_councils: dict[str, list[str]],
    app_role: str,
    db_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The whole CLI works through the non-owner role, each user seeing their councils."""
    cli.ok("init", "--app-role", app_role, user=ADMIN)
    cli.ok("user", "add", "coord27", "--council", "27", user=ADMIN)
    cli.ok("user", "add", "honbu", "--council", "00", "--role", "hq", user=ADMIN)
    app = Cli(_as_role(db_url, app_role), capsys)
    try:
        assert {c["id"] for c in app.ok("case", "list", user="coord27")} == set(two_councils["27"])
        assert {c["id"] for c in app.ok("case", "list", user="honbu")} == (
            set(two_councils["13"]) | set(two_councils["27"])
        )
        assert app("case", "show", two_councils["13"][0], user="coord27").code == 4
        case = two_councils["27"][0]
        assert app.ok("doc", "add", case, "plan", "--on", "2026-06-01", user="coord27")["kind"] == "plan"
        assert app.ok("audit", "verify", user="honbu")["ok"] is True
    finally:
        from casetrack.store import db as store_db

        for url, engine in list(store_db._engines.items()):
            if app_role in url:
                engine.dispose()
                del store_db._engines[url]


def test_app_role_is_for_postgresql_only(cli: Cli, db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        assert cli("init", "--app-role", "no_such_role_here", user=ADMIN).code == 4  # the role must exist
        return
    result = cli("init", "--app-role", "casetrack_app", user=ADMIN)
    assert result.code == 2 and "PostgreSQL" in result.err


@requires_postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_every_row_of_a_case_carries_the_case_s_council(
    cli: Cli, two_councils: dict[str, list[str]], db_url: str
) -> None:
    """The policies compare ``rls_council`` (migration 0023): the trigger fills it from the case on every
    write, and the migration fills the rows written before it (here: down to 0022 and up again)."""
    from casetrack.store import migrate, rls

    def mismatches(conn: sa.Connection) -> dict[str, tuple[int, int]]:
        out = {}
        for table in rls.BY_CASE:
            rows, wrong = conn.execute(
                sa.text(
                    f"SELECT count(*), count(*) FILTER (WHERE t.{rls.COLUMN} IS DISTINCT FROM c.council) "
                    f"FROM {table} t LEFT JOIN cases c ON c.id = t.case_id"
                )
            ).one()
            out[table] = (rows, wrong)
        return out

    cli("remind", "run", user=ADMIN, today="2027-06-01")  # the reminders due by then, into the outbox
    engine = get_engine(db_url)
    with engine.connect() as conn:
        before = mismatches(conn)
    # written by the application's own use cases: sessions, history, claims, ledger, mail …
    assert [t for t, (rows, _) in before.items() if rows == 0] == [], before
    assert {table: wrong for table, (_, wrong) in before.items()} == dict.fromkeys(rls.BY_CASE, 0)

    migrate.downgrade(engine, "0022")
    with engine.connect() as conn:
        columns = conn.execute(
            sa.text("SELECT count(*) FROM information_schema.columns WHERE column_name = :c"),
            {"c": rls.COLUMN},
        ).scalar_one()
    assert columns == 0
    migrate.upgrade(engine, "head")
    with engine.connect() as conn:
        assert mismatches(conn) == before
        policies = dict(
            conn.execute(
                sa.text("SELECT tablename, qual FROM pg_policies WHERE policyname = 'council_scope'")
            ).all()
        )
    assert all(rls.COLUMN in policies[table] for table in rls.BY_CASE), policies
