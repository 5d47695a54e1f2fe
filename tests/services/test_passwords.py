"""Passwords: argon2id hashes that verify, reject a wrong or empty password and a malformed hash;
set-password by the admin or by the user themselves, never by another user; nothing echoed."""

from __future__ import annotations

import subprocess
import sys

import sqlalchemy as sa

from casetrack.services.passwords import hash_password, verify_password, weakness
from casetrack.store.db import get_engine
from tests.conftest import ADMIN, Cli

SECRET = "correct horse battery staple"


def test_hash_and_verify() -> None:
    stored = hash_password(SECRET)
    assert stored.startswith("$argon2id$") and SECRET not in stored
    assert verify_password(SECRET, stored)
    assert not verify_password(SECRET + "!", stored)
    assert (
        not verify_password(SECRET, None)
        and not verify_password(SECRET, "")
        and not verify_password(SECRET, "junk")
    )
    assert hash_password(SECRET) != stored  # a salt of its own each time
    assert weakness("short") and weakness(" " + SECRET) and weakness(SECRET) is None


def _stored(cli: Cli, name: str) -> str | None:
    with get_engine(cli.db_url).connect() as conn:
        return conn.execute(
            sa.text("SELECT password_hash FROM app_user WHERE name = :n"), {"n": name}
        ).scalar()


def test_set_password_through_the_cli(cli: Cli, db_url: str) -> None:
    cli.ok("user", "add", "kobayashi", "--council", "13", user=ADMIN)
    env_db = {"CASETRACK_DB": db_url, "CASETRACK_TODAY": "2026-11-25"}

    def set_password(actor: str, name: str, password: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "casetrack", "--user", actor, "user", "set-password", name],
            input=password + "\n",
            capture_output=True,
            text=True,
            env={**env_db, "PATH": "/usr/bin:/bin"},
            timeout=60,
        )

    done = set_password(ADMIN, "kobayashi", SECRET)
    assert done.returncode == 0, done.stderr
    assert SECRET not in done.stdout + done.stderr
    stored = _stored(cli, "kobayashi")
    assert verify_password(SECRET, stored)  # made with production parameters, verified by the suite's hasher
    assert stored is not None and "$m=65536,t=3,p=4$" in stored  # outside the suite: RFC 9106 low-memory

    mine = set_password("kobayashi", "kobayashi", SECRET + " 2")  # oneself
    assert mine.returncode == 0, mine.stderr
    assert verify_password(SECRET + " 2", _stored(cli, "kobayashi"))

    before = _stored(cli, "tester")
    other = set_password("kobayashi", "tester", SECRET)  # someone else's: an admin's job
    assert other.returncode == 5 and SECRET not in other.stdout + other.stderr
    weak = set_password(ADMIN, "tester", "short")
    assert weak.returncode == 2 and "12" in weak.stderr
    assert _stored(cli, "tester") == before
    assert set_password(ADMIN, "nobody", SECRET).returncode == 4


def test_production_parameters_are_the_default() -> None:
    """Outside the test suite nothing installs another hasher: argon2id with RFC 9106's second
    recommended option (§4: t=3 passes, p=4 lanes, m=2^16 KiB = 64 MiB)."""
    probe = (
        "from casetrack.services import passwords as p; h = p.current_hasher(); "
        "print(h.type.name, h.time_cost, h.memory_cost, h.parallelism, p.hash_password('x' * 12).split('$')[3])"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["ID", "3", "65536", "4", "m=65536,t=3,p=4"]


def test_the_suite_hashes_cheaply() -> None:
    """tests/conftest.py installs argon2's cheapest parameters for the suite (same code path)."""
    assert hash_password(SECRET).split("$")[3] == "m=8,t=1,p=1"
