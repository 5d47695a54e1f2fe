"""Where each web session signed in (client address and browser), and on PostgreSQL row-level security
for the tables that hold personal or case-derived data outside the cases: companies, organisations,
staff, the access log and the web sessions

Besides ``casetrack.councils`` (migration 0008) the service layer now sets, per transaction,
``casetrack.user`` (who acts) and, while a browser's session is looked up before anyone is known,
``casetrack.session`` (the SHA-256 its cookie names).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

TABLES = ("company", "organisation", "app_user", "access_log", "web_session")
# run as the tables' owner, so row-level security does not narrow what they count; callable only by the
# roles ``init --app-role`` grants (and, below, by those already granted)
DEFINER = (
    "casetrack_company_visible(integer)",
    "casetrack_any_user()",
    "casetrack_end_idle_sessions(timestamptz)",
)


def upgrade() -> None:
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_ip", sa.String(length=45), nullable=True))
        batch_op.add_column(sa.Column("user_agent", sa.String(length=200), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        for statement in row_level_security(
            op.get_bind().execute(sa.text("SELECT current_schema()")).scalar_one()
        ):
            op.execute(statement)


def row_level_security(schema: str) -> list[str]:
    """Policies for every role but the owner. ``casetrack.councils`` '*' is an actor of every council (hq,
    admin, the scheduler); '' (or never set) is no council at all (sign-in, before anyone is known)."""
    s = f'"{schema}"'
    definer = f"SECURITY DEFINER SET search_path = {s}, pg_temp"
    out = [
        "CREATE OR REPLACE FUNCTION casetrack_user() RETURNS text LANGUAGE sql STABLE AS $$ "
        "SELECT coalesce(current_setting('casetrack.user', true), '') $$",
        "CREATE OR REPLACE FUNCTION casetrack_reaches_all() RETURNS boolean LANGUAGE sql STABLE AS $$ "
        "SELECT coalesce(current_setting('casetrack.councils', true), '') = '*' $$",
        "CREATE OR REPLACE FUNCTION casetrack_signed_in() RETURNS boolean LANGUAGE sql STABLE AS $$ "
        "SELECT coalesce(current_setting('casetrack.councils', true), '') <> '' $$",
        # the same rule as Repo._company_scope: every council for an actor of every council; else a
        # company that has or had a case in one of the actor's councils, or that has no case anywhere yet
        # (to an actor of some council: a transaction that set none sees no company)
        f"CREATE OR REPLACE FUNCTION casetrack_company_visible(company integer) RETURNS boolean LANGUAGE sql "
        f"STABLE {definer} AS $$ "
        f"SELECT casetrack_reaches_all() "
        f"OR EXISTS (SELECT 1 FROM {s}.cases c WHERE c.company_id = company "
        f"AND c.council = ANY (string_to_array(current_setting('casetrack.councils', true), ','))) "
        f"OR (casetrack_signed_in() AND NOT EXISTS (SELECT 1 FROM {s}.cases c WHERE c.company_id = company)) $$",
        # whether the database has any user at all (the set-up before the first admin): no name is told
        f"CREATE OR REPLACE FUNCTION casetrack_any_user() RETURNS boolean LANGUAGE sql STABLE {definer} AS $$ "
        f"SELECT EXISTS (SELECT 1 FROM {s}.app_user) $$",
        # a sign-in ends every session idle too long, whoever's it is
        f"CREATE OR REPLACE FUNCTION casetrack_end_idle_sessions(seen_before timestamptz) RETURNS integer "
        f"LANGUAGE sql VOLATILE {definer} AS $$ "
        f"WITH gone AS (DELETE FROM {s}.web_session WHERE last_seen_at < seen_before RETURNING 1) "
        f"SELECT count(*)::integer FROM gone $$",
        "CREATE OR REPLACE FUNCTION casetrack_is_admin() RETURNS boolean LANGUAGE sql STABLE AS $$ "
        "SELECT EXISTS (SELECT 1 FROM app_user WHERE name = casetrack_user() AND role = 'admin' AND active) $$",
    ]
    out += [f"REVOKE ALL ON FUNCTION {f} FROM PUBLIC" for f in DEFINER]
    visible = {
        "company": "casetrack_reaches_all() OR casetrack_company_visible(id)",  # inlined first: no call per row
        # advisers and banks: public bodies, listed to every signed-in user (policy: registry.read)
        "organisation": "casetrack_signed_in()",
        # staff: of the actor's councils (their own or further ones), the actor themselves; hq and admin all
        "app_user": "casetrack_sees(council) OR name = casetrack_user() OR EXISTS (SELECT 1 FROM user_council uc "
        "WHERE uc.user_name = app_user.name AND casetrack_sees(uc.council))",
        # each user their own; hq and admin (who may read the access log) every row
        "access_log": '"user" = casetrack_user() OR casetrack_reaches_all()',
        # each user their own; a browser its own session before its user is known; an admin every one
        "web_session": "user_name = casetrack_user() OR id = current_setting('casetrack.session', true) "
        "OR casetrack_is_admin()",
    }
    # a staff row is written only within the actor's councils (their own row too: no one moves themselves
    # to another council; an admin adds, moves and disables staff)
    writable = {
        **visible,
        "app_user": "casetrack_sees(council) OR EXISTS (SELECT 1 FROM user_council uc "
        "WHERE uc.user_name = app_user.name AND casetrack_sees(uc.council))",
    }
    for table in TABLES:
        out += [
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"CREATE POLICY council_scope ON {table} USING ({visible[table]}) WITH CHECK ({writable[table]})",
        ]
    # the application roles granted before this revision may call the functions their policies call
    out.append(
        "DO $$ DECLARE r text; BEGIN FOR r IN SELECT DISTINCT grantee FROM information_schema.role_table_grants "
        "WHERE table_schema = current_schema() AND table_name = 'app_user' AND privilege_type = 'SELECT' "
        "AND grantee <> (SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() "
        "AND tablename = 'app_user') LOOP "
        + " ".join(f"EXECUTE format('GRANT EXECUTE ON FUNCTION {f} TO %I', r);" for f in DEFINER)
        + " END LOOP; END $$"
    )
    return out


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP POLICY IF EXISTS council_scope ON {table}")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        for function in (
            *DEFINER,
            "casetrack_is_admin()",
            "casetrack_signed_in()",
            "casetrack_reaches_all()",
            "casetrack_user()",
        ):
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.drop_column("user_agent")
        batch_op.drop_column("client_ip")
