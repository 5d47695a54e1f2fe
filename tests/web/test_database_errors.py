"""A database error no use case foresaw means the same on every front end, because the unit of work
translates it (store/db.py ``transaction``): a refused write (IntegrityError) is a conflict — exit 3 on
the CLI, 409 on the web — and nothing is written; any other is internal — exit 70, 500; both say the same
Japanese sentence. The failure is injected into the real repository read that both the CLI's `case show`
and the web's case page make."""

from __future__ import annotations

import html
from typing import Any

import pytest
import sqlalchemy as sa

from casetrack.store.repo import Repo
from tests.conftest import Cli, World
from tests.web.conftest import COORDINATOR, Site


def _raising(exc: Exception) -> Any:
    def fail(*_args: Any, **_kwargs: Any) -> Any:
        raise exc

    return fail


INTEGRITY = sa.exc.IntegrityError(
    "INSERT …", {}, Exception("UNIQUE constraint failed: company.corporate_number")
)
PROGRAMMING = sa.exc.ProgrammingError("SELECT …", {}, Exception("no such column: cases.nonsense"))


@pytest.mark.parametrize(
    ("error", "exit_code", "status"),
    [(INTEGRITY, 3, 409), (PROGRAMMING, 70, 500)],
    ids=["integrity", "programming"],
)
def test_the_cli_and_the_web_say_the_same(
    site: Site, monkeypatch: pytest.MonkeyPatch, error: Exception, exit_code: int, status: int
) -> None:
    case_id = site.cases["early"]
    client = site.signed_in(COORDINATOR)  # signed in before the failure is injected
    before = site.cli.ok("case", "history", case_id)
    monkeypatch.setattr(Repo, "case", _raising(error))
    shown = site.cli("--lang", "ja", "case", "show", case_id)
    assert shown.code == exit_code, (shown.code, shown.err)
    assert len(shown.err.strip().splitlines()) == 1 and "Traceback" not in shown.err
    page = client.get(f"/cases/{case_id}")
    assert page.status_code == status, page.text[:500]
    said = shown.err.strip().removeprefix("エラー: ")  # the CLI's Japanese line: the web page says the same
    assert html.escape(said, quote=False) in page.text, (said, page.text[:2000])
    monkeypatch.undo()
    assert site.cli.ok("case", "history", case_id) == before  # nothing written


def test_a_refused_write_rolls_back_and_is_a_conflict(
    cli: Cli, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The failure in the middle of a write unit of work: the company row inserted before it is gone."""
    real_insert = Repo.insert_company if hasattr(Repo, "insert_company") else None
    if real_insert is None:
        pytest.fail("Repo.insert_company is the write this test interrupts")
    names_before = {c["name"] for c in cli.ok("company", "list")}

    def insert_then_fail(self: Repo, *args: Any, **kwargs: Any) -> Any:
        real_insert(self, *args, **kwargs)
        raise INTEGRITY

    monkeypatch.setattr(Repo, "insert_company", insert_then_fail)
    result = cli("company", "add", "--name", "株式会社ためし", "--fiscal-year-end-month", "3")
    assert result.code == 3, (result.code, result.err)
    monkeypatch.undo()
    assert {c["name"] for c in cli.ok("company", "list")} == names_before
