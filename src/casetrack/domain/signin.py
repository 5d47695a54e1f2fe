"""Sign-in rules for the web dashboard (pure): when repeated failures lock a user name out, and when
an idle session ends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class SignInRules:
    idle: dt.timedelta = dt.timedelta(minutes=30)  # a session unused this long ends
    max_age: dt.timedelta = dt.timedelta(hours=12)  # and every session ends this long after sign-in
    max_failures: int = 5  # this many failed sign-ins ...
    failure_window: dt.timedelta = dt.timedelta(minutes=15)  # ... within this long ...
    lockout: dt.timedelta = dt.timedelta(minutes=15)  # ... lock the user name this long

    @property
    def lookback(self) -> dt.timedelta:
        """How far back failures can still matter."""
        return self.failure_window + self.lockout


def locked_until(failures: Sequence[dt.datetime], now: dt.datetime, rules: SignInRules) -> dt.datetime | None:
    """The end of the lockout in force at ``now``, or None. A lockout starts at the failure that makes
    ``max_failures`` within ``failure_window`` and lasts ``lockout`` (attempts during a lockout are not
    checked and do not count)."""
    times = sorted(failures)
    n = rules.max_failures
    end = None
    for i in range(n - 1, len(times)):
        if times[i] - times[i - n + 1] <= rules.failure_window:
            candidate = times[i] + rules.lockout
            end = candidate if end is None or candidate > end else end
    return end if end is not None and now < end else None


def session_expired(created_at: dt.datetime, last_seen_at: dt.datetime, now: dt.datetime,
                    rules: SignInRules) -> bool:
    return now - last_seen_at > rules.idle or now - created_at > rules.max_age
