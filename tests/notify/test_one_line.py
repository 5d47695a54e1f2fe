"""Header values never span lines, whatever line breaks or control characters a name carries."""

from __future__ import annotations

import email
import email.policy

from hypothesis import given, settings
from hypothesis import strategies as st

from casetrack.notify.messages import build, one_line

BREAKS = ["\r", "\n", "\r\n", "\u2028", "\u2029", "\u0085", "\x0b", "\x0c", "\x00", "\x1b"]


def test_every_line_break_becomes_a_space() -> None:
    for br in BREAKS:
        assert one_line(f"株式会社{br}Bcc: x@example.com") == "株式会社 Bcc: x@example.com"


@settings(max_examples=300, deadline=None)
@given(
    name=st.text(
        alphabet=st.sampled_from(
            [*(b for b in BREAKS if len(b) == 1), "a", "あ", ":", " ", "=", "\u202e", "@", "<", ">"]
        ),
        max_size=60,
    )
)
def test_hostile_names_add_no_header(name: str) -> None:
    msg = build(
        sender="casetrack@example.jp",
        to_addr="lead@example.jp",
        to_name=name,
        subject=f"件名 {name}",
        body="本文",
        message_id="<fixed@example.jp>",
    )
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    assert sorted(k.lower() for k in parsed.keys()) == sorted(  # noqa: SIM118 (a Message, not a dict)
        [
            "from",
            "to",
            "subject",
            "message-id",
            "date",
            "content-type",
            "content-transfer-encoding",
            "mime-version",
        ]
    )
    assert [a.addr_spec for a in parsed["to"].addresses] == ["lead@example.jp"]
