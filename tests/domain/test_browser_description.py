"""Where a session signed in, in a few words: the browser and the system a User-Agent names."""

from __future__ import annotations

import pytest

from casetrack.domain.signin import AGENT_MAX, bounded, describe_browser

CASES = [
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
        "Safari/537.36",
        "Chrome / Windows",
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
        "Safari/537.36 Edg/120.0.2210.91",
        "Edge / Windows",
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.1 Mobile/15E148 Safari/604.1",
        "Safari / iPhone",
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:120.0) Gecko/20100101 Firefox/120.0",
        "Firefox / macOS",
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.43 "
        "Mobile Safari/537.36",
        "Chrome / Android",
    ),
    (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 "
        "Safari/537.36",
        "Chrome / Linux",
    ),
    ("curl/8.5.0", "curl"),
    ("Mozilla/5.0 (compatible)", "不明なブラウザ"),
    ("", "不明"),
    (None, "不明"),
]


@pytest.mark.parametrize(("agent", "expected"), CASES)
def test_describe_browser(agent: str | None, expected: str) -> None:
    assert describe_browser(agent) == expected


def test_a_user_agent_is_kept_to_one_bounded_line() -> None:
    assert bounded("a" * 500, AGENT_MAX) == "a" * 200
    assert bounded("Evil\r\nSet-Cookie: x\x00  tail", AGENT_MAX) == "Evil Set-Cookie: x tail"
    assert bounded("   ", AGENT_MAX) is None and bounded(None, AGENT_MAX) is None
