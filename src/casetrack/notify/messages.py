"""E-mail messages: Japanese text in UTF-8, headers encoded by the standard library (policy SMTP).
Names and subjects lose any CR/LF first and are then always RFC 2047-encoded, so no value can add a
header or an address."""

from __future__ import annotations

import datetime as dt
import email.policy
import email.utils
import os
import re
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage

POLICY = email.policy.SMTP.clone(refold_source="none")  # headers set raw (To, Subject) go out as written


# Unicode categories Cc (U+0000–001F, U+007F–009F), Zl (U+2028) and Zp (U+2029), as one character class
_BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """Collapse every kind of line break (CR, LF, U+2028, U+2029, U+0085, VT, FF) and other control
    characters to single spaces: a header value stays one line."""
    # Already one line — most values, and a sweep's templates print hundreds of thousands: printable
    # text has no control, line or paragraph separator and no whitespace but the plain space
    if text.isprintable() and "  " not in text and not text.startswith(" ") and not text.endswith(" "):
        return text
    return " ".join(_BREAKS.sub(" ", text).split())


def message_domain(sender: str) -> str:
    """The domain of ``[mail] from`` (``addr`` or ``表示名 <addr>``) for Message-IDs."""
    return one_line(sender.strip().rstrip(">").rpartition("@")[2]) or "casetrack.invalid"


def new_message_id(sender: str, domain: str | None = None) -> str:
    """A Message-ID in the sender's domain (pass ``domain`` from ``message_domain`` when making many)."""
    return f"<{os.urandom(16).hex()}@{domain or message_domain(sender)}>"  # 128 random bits, as uuid4 has 122


def _encoded(text: str, header: str) -> str:
    """Free text as RFC 2047 encoded words (UTF-8; ``email.header.Header``, lines within 78 characters)."""
    return Header(text, "utf-8", header_name=header).encode(linesep="\n")


def _to(name: str, addr_spec: str, header: str = "To") -> str:
    addr = Address(addr_spec=addr_spec).addr_spec  # refuses what is not an address
    return f"{_encoded(name, header)}\n <{addr}>" if name else addr


def build(
    *,
    sender: str,
    to_addr: str,
    to_name: str | None,
    subject: str,
    body: str,
    message_id: str,
    date: dt.datetime | None = None,
    reply_to: str | None = None,
) -> EmailMessage:
    """The recipient's name and the subject are encoded here and written as they are. ``EmailMessage``'s
    own folding (CPython 3.11) decodes text shaped like an encoded word and writes it back raw (a name
    ``=?utf-8?q?=0D=0ABcc:_x=40y?=`` added a Bcc header), drops the quotes around a name longer than a
    line (one with a comma went out as two addresses) and glues encoded words to plain text."""
    from .addresses import parse_mailbox

    msg = EmailMessage(policy=POLICY)
    origin = parse_mailbox(
        one_line(sender)
    )  # `[mail] from`: addr or 表示名 <addr> (checked before enqueueing)
    name = one_line(origin.display_name or "casetrack")
    msg.set_raw(
        "From",
        f"{name} <{origin.addr_spec}>"
        if re.fullmatch(r"[A-Za-z0-9]+( [A-Za-z0-9]+)*", name)
        else _to(name, origin.addr_spec, "From"),
    )
    msg.set_raw("To", _to(one_line(to_name or ""), one_line(to_addr)))
    if reply_to:
        answer = parse_mailbox(one_line(reply_to))
        msg.set_raw("Reply-To", _to(one_line(answer.display_name), answer.addr_spec, "Reply-To"))
    msg.set_raw("Subject", _encoded(one_line(subject), "Subject"))
    msg["Message-ID"] = one_line(message_id)
    msg["Date"] = email.utils.format_datetime(date or dt.datetime.now(dt.UTC))
    msg.set_content(body, charset="utf-8")
    return msg


def split_rendered(text: str) -> tuple[str, str]:
    """A rendered e-mail template: the first line is the subject, the rest (after a blank line) the body."""
    subject, _, body = text.partition("\n")
    return one_line(subject), body.lstrip("\n")
