"""The sweep lease of a holder that died on this host is taken over at once (its pid no longer
exists); a live holder here, or any holder on another host, is refused with a message saying who
holds it and — for another host — when it is taken over (the lease's expiry)."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys

from casetrack.services.reminders import LEASE
from casetrack.store.db import get_engine, set_council_scope, transaction
from casetrack.store.reminders import ReminderRepo
from casetrack.store.scope import Scope
from tests.conftest import ADMIN, Cli

EXPIRES = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.UTC)  # far ahead: only a takeover frees it


def _hold(cli: Cli, holder: str) -> None:
    now = EXPIRES - dt.timedelta(seconds=120)
    with transaction(get_engine(cli.db_url), write=True) as conn:
        set_council_scope(conn, None)
        assert ReminderRepo(conn, scope=Scope.EVERY).take_lease(LEASE, holder, now, EXPIRES - now)


def _holder(cli: Cli) -> str | None:
    with transaction(get_engine(cli.db_url), write=False) as conn:
        set_council_scope(conn, None)
        row = ReminderRepo(conn, scope=Scope.EVERY).lease(LEASE)
    return None if row is None else row.holder


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_lease_of_a_dead_holder_on_this_host_is_taken_over_at_once(cli: Cli) -> None:
    _hold(cli, f"{socket.gethostname()}:{_dead_pid()}:deadbeef")
    result = cli("remind", "run", "--format", "json", user=ADMIN)
    assert result.code == 0, result.err
    assert result.json["enqueued"] == 0
    assert _holder(cli) is None  # taken over, swept, released


def test_a_live_holder_on_this_host_is_waited_for(cli: Cli) -> None:
    holder = f"{socket.gethostname()}:{os.getpid()}:cafe0001"  # this very process: alive
    _hold(cli, holder)
    result = cli("remind", "run", user=ADMIN)
    assert result.code == 3
    assert result.err.strip() == (
        f"error: another sweep is running on this host ({holder}: host "
        f"{socket.gethostname()}, pid {os.getpid()}); nothing done — try again when it has finished "
        "(its lease runs until 2030-01-02 03:04:05 UTC)"
    )
    assert _holder(cli) == holder


def test_a_holder_on_another_host_is_taken_over_when_its_lease_expires(cli: Cli) -> None:
    holder = "other-host.example:4242:cafe0002"
    _hold(cli, holder)
    result = cli("remind", "run", user=ADMIN)
    assert result.code == 3
    assert result.err.strip() == (
        "error: another sweep holds this database (other-host.example:4242:cafe0002: host "
        "other-host.example, pid 4242); "
        "nothing done — if it has stopped, the lease is taken over at 2030-01-02 "
        "03:04:05 UTC, when it expires; if it is still running, try again when it has "
        "finished"
    )
    assert _holder(cli) == holder
