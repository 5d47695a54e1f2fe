"""PostgreSQL: row-level security decides a row by its own columns, without looking anything up per
statement or per row. Every row hanging from a case carries its case's council (``rls_council``), and
every company the councils it has or had a case in (``rls_councils``), both kept by triggers.

The policies of migrations 0008 and 0020 (``case_id IN (SELECT id FROM cases)``) built the set of every
visible case once per statement: ~50 ms for each read of one case's sessions, history or claims at
100,000 cases, a dozen of them per case page. The company policy of migration 0018 called a function per
company row (a scan of 100,000 companies to sort a council's cases by company name). Now each policy
compares the row's own council(s) with the actor's, read once per statement (``casetrack_reaches_all()``,
``casetrack_signed_in()`` and ``casetrack_council_list()`` as InitPlans): the same cost for one row and
for a million.

The columns exist on PostgreSQL only and are not in tables.py: the application never reads or writes
them (``store/rls.py`` names them; the schema comparisons leave them out). A case's council and company
never change (a trigger refuses it); a company's councils only grow ("has or had a case there").

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

# frozen here as this revision made them (store/rls.py names them for the application and the tests)
COLUMN = "rls_council"
COMPANY_COLUMN = "rls_councils"
TRIGGER_FUNCTION = "casetrack_fill_rls_council"
BY_CASE = (
    "case_lender",
    "case_support_org",
    "case_estimate",
    "document",
    "case_history",
    "fee_claim",
    "monitoring_session",
    "ledger_entry",
    "case_agreement",
    "outbox",
)


def sees(column: str) -> str:
    return f"(SELECT casetrack_reaches_all()) OR {column}::text = ANY ((SELECT casetrack_council_list())::text[])"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # the rows written so far get their columns by rewriting each table once (ALTER … TYPE … USING), not by
    # an UPDATE, which would leave a dead copy of every row behind (a table twice its size, read so by
    # every scan until a VACUUM FULL); these two functions serve the rewrite only
    op.execute(
        "CREATE FUNCTION casetrack_backfill_council(case_id varchar) RETURNS varchar LANGUAGE sql STABLE AS $$ "
        "SELECT council FROM cases WHERE id = case_id $$"
    )
    op.execute(
        "CREATE FUNCTION casetrack_backfill_councils(company integer) RETURNS varchar[] LANGUAGE sql STABLE AS $$ "
        "SELECT coalesce(array_agg(DISTINCT council ORDER BY council), '{}') FROM cases WHERE company_id = company $$"
    )
    op.execute(
        "CREATE OR REPLACE FUNCTION casetrack_council_list() RETURNS text[] LANGUAGE sql STABLE AS $$ "
        "SELECT string_to_array(nullif(current_setting('casetrack.councils', true), ''), ',') $$"
    )
    # the row's council is its case's, whatever the statement says; a case the actor cannot see gives
    # NULL, which the policy's check then refuses (as the lookup policy did)
    op.execute(
        f"CREATE OR REPLACE FUNCTION {TRIGGER_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"NEW.{COLUMN} := (SELECT c.council FROM cases c WHERE c.id = NEW.case_id); RETURN NEW; END $$"
    )
    op.execute(
        "CREATE OR REPLACE FUNCTION casetrack_case_council_fixed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION 'a case''s council and company do not change (case %)', OLD.id; END $$"
    )
    op.execute(
        "CREATE TRIGGER cases_council_fixed BEFORE UPDATE OF council, company_id ON cases FOR EACH ROW "
        "WHEN (NEW.council IS DISTINCT FROM OLD.council OR NEW.company_id IS DISTINCT FROM OLD.company_id) "
        "EXECUTE FUNCTION casetrack_case_council_fixed()"
    )
    # a company's councils: appended to, never rebuilt, so two councils opening a case of the same
    # company at once both land (the second UPDATE waits for the first and appends to its result); run
    # as the owner, since the actor may not see the company's row yet
    schema = op.get_bind().execute(sa.text("SELECT current_schema()")).scalar_one()
    op.execute(f"ALTER TABLE company ADD COLUMN {COMPANY_COLUMN} varchar[] NOT NULL DEFAULT '{{}}'")
    op.execute(
        f"ALTER TABLE company ALTER COLUMN {COMPANY_COLUMN} TYPE varchar[] USING casetrack_backfill_councils(id)"
    )
    op.execute(
        f"CREATE OR REPLACE FUNCTION casetrack_note_company_council() RETURNS trigger LANGUAGE plpgsql "
        f'SECURITY DEFINER SET search_path = "{schema}", pg_temp AS $$ BEGIN '
        f"UPDATE company SET {COMPANY_COLUMN} = array_append({COMPANY_COLUMN}, NEW.council) "
        f"WHERE id = NEW.company_id AND NOT (NEW.council = ANY ({COMPANY_COLUMN})); RETURN NULL; END $$"
    )
    op.execute("REVOKE ALL ON FUNCTION casetrack_note_company_council() FROM PUBLIC")
    op.execute(
        "CREATE TRIGGER cases_note_company_council AFTER INSERT ON cases FOR EACH ROW "
        "EXECUTE FUNCTION casetrack_note_company_council()"
    )
    company = (
        f"(SELECT casetrack_reaches_all()) OR {COMPANY_COLUMN}::text[] && (SELECT casetrack_council_list())::text[] "
        f"OR ((SELECT casetrack_signed_in()) AND {COMPANY_COLUMN} = '{{}}')"
    )
    op.execute("DROP POLICY IF EXISTS council_scope ON company")
    op.execute(f"CREATE POLICY council_scope ON company USING ({company}) WITH CHECK ({company})")
    for table in ("cases", "case_counter"):
        op.execute(f"DROP POLICY IF EXISTS council_scope ON {table}")
        op.execute(
            f"CREATE POLICY council_scope ON {table} USING ({sees('council')}) WITH CHECK ({sees('council')})"
        )
    for table in BY_CASE:
        op.execute(f"ALTER TABLE {table} ADD COLUMN {COLUMN} varchar")
        op.execute(
            f"ALTER TABLE {table} ALTER COLUMN {COLUMN} TYPE varchar USING casetrack_backfill_council(case_id)"
        )
        op.execute(
            f"CREATE TRIGGER {table}_{COLUMN} BEFORE INSERT OR UPDATE ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION {TRIGGER_FUNCTION}()"
        )
        visible = sees(COLUMN) if table != "outbox" else f"case_id IS NULL OR {sees(COLUMN)}"
        op.execute(f"DROP POLICY IF EXISTS council_scope ON {table}")
        op.execute(f"CREATE POLICY council_scope ON {table} USING ({visible}) WITH CHECK ({visible})")
    op.execute("DROP FUNCTION casetrack_backfill_council(varchar)")
    op.execute("DROP FUNCTION casetrack_backfill_councils(integer)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    lookup = "case_id IN (SELECT id FROM cases)"
    for table in BY_CASE:
        visible = lookup if table != "outbox" else f"case_id IS NULL OR {lookup}"
        op.execute(f"DROP POLICY IF EXISTS council_scope ON {table}")
        op.execute(f"CREATE POLICY council_scope ON {table} USING ({visible}) WITH CHECK ({visible})")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_{COLUMN} ON {table}")
        op.execute(f"ALTER TABLE {table} DROP COLUMN {COLUMN}")
    for table in ("cases", "case_counter"):
        op.execute(f"DROP POLICY IF EXISTS council_scope ON {table}")
        op.execute(
            f"CREATE POLICY council_scope ON {table} USING (casetrack_sees(council)) "
            f"WITH CHECK (casetrack_sees(council))"
        )
    op.execute("DROP POLICY IF EXISTS council_scope ON company")
    op.execute(
        "CREATE POLICY council_scope ON company USING (casetrack_reaches_all() OR casetrack_company_visible(id)) "
        "WITH CHECK (casetrack_reaches_all() OR casetrack_company_visible(id))"
    )
    op.execute("DROP TRIGGER IF EXISTS cases_note_company_council ON cases")
    op.execute("DROP FUNCTION IF EXISTS casetrack_note_company_council()")
    op.execute(f"ALTER TABLE company DROP COLUMN IF EXISTS {COMPANY_COLUMN}")
    op.execute("DROP TRIGGER IF EXISTS cases_council_fixed ON cases")
    op.execute("DROP FUNCTION IF EXISTS casetrack_case_council_fixed()")
    op.execute(f"DROP FUNCTION IF EXISTS {TRIGGER_FUNCTION}()")
    op.execute("DROP FUNCTION IF EXISTS casetrack_council_list()")
