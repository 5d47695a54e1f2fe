"""E-mail messages: Japanese text in UTF-8, headers encoded by the standard library (policy SMTP).
Names and subjects lose any CR/LF first, so no value can add a header."""

from __future__ import annotations

import datetime as dt
import email.policy
import email.utils
import unicodedata
import uuid
from email.headerregistry import Address
from email.message import EmailMessage


def one_line(text: str) -> str:
    """Collapse every kind of line break (CR, LF, U+2028, U+2029, U+0085, VT, FF) and other control
    characters to single spaces: a header value stays one line."""
    cleaned = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)
    return " ".join(cleaned.split())


def new_message_id(sender: str) -> str:
    domain = sender.rpartition("@")[2] or "casetrack.invalid"
    return f"<{uuid.uuid4().hex}@{one_line(domain)}>"


def build(*, sender: str, to_addr: str, to_name: str | None, subject: str, body: str, message_id: str,
          date: dt.datetime | None = None) -> EmailMessage:
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = Address(display_name="casetrack", addr_spec=one_line(sender))
    msg["To"] = Address(display_name=one_line(to_name or ""), addr_spec=one_line(to_addr))
    msg["Subject"] = one_line(subject)
    msg["Message-ID"] = one_line(message_id)
    msg["Date"] = email.utils.format_datetime(date or dt.datetime.now(dt.UTC))
    msg.set_content(body, charset="utf-8")
    return msg


def split_rendered(text: str) -> tuple[str, str]:
    """A rendered e-mail template: the first line is the subject, the rest (after a blank line) the body."""
    subject, _, body = text.partition("\n")
    return one_line(subject), body.lstrip("\n")
