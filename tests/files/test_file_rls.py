"""PostgreSQL: document files sit behind the document's row-level security — the application's role,
scoped to council 13, sees council 13's files only, even by a query with no WHERE at all; and the CLI
stores and returns files through that role."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import ADMIN, Cli, requires_postgres
from tests.store.test_row_level_security import _as_role, app_role, two_councils  # noqa: F401  (fixtures)

PDF = b"%PDF-1.7\nrow-level security\n"


@requires_postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_files_are_seen_only_in_their_council(
    cli: Cli,
    two_councils: dict[str, list[str]],  # noqa: F811
    app_role: str,
    db_url: str,
    tmp_path: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    cli.ok("init", "--app-role", app_role, user=ADMIN)
    cli.ok("user", "add", "coord27", "--council", "27", user=ADMIN)
    source = tmp_path / "a.pdf"
    source.write_bytes(PDF)
    app = Cli(_as_role(db_url, app_role), capsys)
    case13, case27 = two_councils["13"][0], two_councils["27"][0]
    doc13 = app.ok("doc", "add", case13, "plan", "--file", str(source))["id"]
    doc27 = app.ok("doc", "add", case27, "plan", "--file", str(source), user="coord27")["id"]
    out = tmp_path / "back.pdf"
    app.ok("doc", "get", case27, str(doc27), "--out", str(out), user="coord27")
    assert out.read_bytes() == PDF
    assert app("doc", "get", case13, str(doc13), "--out", str(out), user="coord27").code == 4
    engine = sa.create_engine(_as_role(db_url, app_role))
    try:

        def seen(councils: str | None) -> set[int]:
            with engine.begin() as conn:
                if councils is not None:
                    conn.execute(
                        sa.text("SELECT set_config('casetrack.councils', :c, true)"), {"c": councils}
                    )
                return set(conn.execute(sa.text("SELECT document_id FROM document_file")).scalars())

        assert seen("13") == {doc13}
        assert seen("27") == {doc27}
        assert seen("*") == {doc13, doc27}
        assert seen(None) == set()
        # a file cannot be put beside another council's document
        with pytest.raises(sa.exc.ProgrammingError, match="row-level security"), engine.begin() as conn:
            conn.execute(sa.text("SELECT set_config('casetrack.councils', '13', true)"))
            conn.execute(sa.text("DELETE FROM document_file WHERE document_id = :d"), {"d": doc13})
            conn.execute(
                sa.text("INSERT INTO document_file (document_id, data) VALUES (:d, 'x')"), {"d": doc27}
            )
    finally:
        engine.dispose()
        from casetrack.store import db as store_db

        for url, cached in list(store_db._engines.items()):  # the app role's engines, before DROP OWNED
            if app_role in url:
                cached.dispose()
                del store_db._engines[url]
