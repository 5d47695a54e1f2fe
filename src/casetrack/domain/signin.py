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


def session_expired(
    created_at: dt.datetime, last_seen_at: dt.datetime, now: dt.datetime, rules: SignInRules
) -> bool:
    return now - last_seen_at > rules.idle or now - created_at > rules.max_age


IP_MAX = 45  # the longest textual IP address (IPv6 with an IPv4 tail)
AGENT_MAX = 200  # a User-Agent is kept to this many characters


def bounded(text: str | None, limit: int) -> str | None:
    """``text`` as one line of at most ``limit`` characters, control characters dropped; None if empty."""
    if text is None:
        return None
    value = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())[:limit]
    return value or None


_BROWSERS = (
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("FxiOS/", "Firefox"),
    ("Firefox/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Trident/", "Internet Explorer"),
    ("MSIE ", "Internet Explorer"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Windows", "Windows"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Macintosh", "macOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def describe_browser(agent: str | None) -> str:
    """A short description of the browser a User-Agent names, e.g. 「Chrome / Windows」: the browser
    (Edge and Opera before the Chrome they carry, Chrome before the Safari it carries) and the system
    (iPhone before the Mac OS X it claims to be like, Android before Linux). A client that is no known
    browser is named by its first product token (``curl``); nothing at all is 「不明」."""
    if not agent or not agent.strip():
        return "不明"
    browser = next((name for token, name in _BROWSERS if token in agent), None)
    if browser is None:
        first = agent.split()[0].split("/")[0]
        browser = first[:40] if first and first != "Mozilla" else "不明なブラウザ"
    system = next((name for token, name in _SYSTEMS if token in agent), None)
    return f"{browser} / {system}" if system else browser
