"""The mail settings as offices write them, checked before anything is enqueued (DOMAIN.md §11):
``[mail] from`` and ``reply_to`` are ``addr`` or ``表示名 <addr>``; the SMTP values must be usable.
Pure (stdlib ``email``); the checks never connect to anything."""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address

from ..errors import Problem
from ..settings import Settings

_HOST = re.compile(r"^[A-Za-z0-9._-]+$|^\[[0-9A-Fa-f:.]+\]$")


@dataclass(frozen=True)
class Mailbox:
    display_name: str
    addr_spec: str

    @property
    def domain(self) -> str:
        return self.addr_spec.rpartition("@")[2]


def parse_mailbox(text: str) -> Mailbox:
    """``addr`` or ``表示名 <addr>`` (the name may be quoted); ValueError naming what is wrong. The address
    must be plain ASCII ``local@domain`` (an SMTP server without SMTPUTF8 refuses anything else)."""
    value = text.strip()
    if not value:
        raise ValueError("is empty")
    if any(ch in value for ch in "\r\n"):
        raise ValueError("has a line break")
    if "<" in value or ">" in value:
        match = re.fullmatch(r"(.*?)\s*<([^<>]*)>", value)
        if match is None:
            raise ValueError(f"{value!r} is not 表示名 <addr>")
        name, addr = match.group(1).strip(), match.group(2).strip()
        if len(name) >= 2 and name[0] == name[-1] == '"':
            name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    else:
        name, addr = "", value
    if not addr.isascii() or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", addr):
        raise ValueError(f"{addr!r} is not an e-mail address (local@domain, ASCII)")
    try:
        checked = Address(addr_spec=addr).addr_spec
    except (ValueError, IndexError, HeaderParseError) as exc:
        raise ValueError(f"{addr!r} is not an e-mail address ({exc})") from None
    if email.utils.parseaddr(checked)[1] != checked:
        raise ValueError(f"{addr!r} is not an e-mail address")
    return Mailbox(name, checked)


def problems(settings: Settings) -> list[str]:
    """Every problem of the mail settings, each naming its key (empty: usable); each a ``Problem``
    that says it in Japanese too."""
    out: list[str] = []
    mail, smtp = settings.mail, settings.smtp
    try:
        parse_mailbox(mail.sender)
    except ValueError as exc:
        out.append(
            Problem(
                f"[mail] from {exc}",
                f"[mail] from「{mail.sender}」はメールアドレス（表示名 <addr> も可）ではありません",
            )
        )
    if mail.reply_to:
        try:
            parse_mailbox(mail.reply_to)
        except ValueError as exc:
            out.append(
                Problem(
                    f"[mail] reply_to {exc}",
                    f"[mail] reply_to「{mail.reply_to}」はメールアドレスではありません",
                )
            )
    if mail.retry_hours <= 0:
        out.append(
            Problem("[mail] retry_hours must be positive", "[mail] retry_hours は正の数にしてください")
        )
    if mail.transport == "file" and not mail.dir.strip():
        out.append(
            Problem(
                '[mail] dir is empty (transport = "file" writes .eml files there)',
                '[mail] dir が空です（transport = "file" はそこに .eml を書きます）',
            )
        )
    if mail.transport == "smtp":
        if not _HOST.match(smtp.host):
            out.append(
                Problem(
                    f"[smtp] host {smtp.host!r} is not a host name or address",
                    f"[smtp] host「{smtp.host}」はホスト名でもアドレスでもありません",
                )
            )
        if not 1 <= smtp.port <= 65535:
            out.append(
                Problem(
                    f"[smtp] port {smtp.port} is not 1–65535",
                    f"[smtp] port {smtp.port} は1〜65535ではありません",
                )
            )
        if smtp.security not in ("none", "starttls", "tls"):
            out.append(
                Problem(
                    f"[smtp] security must be none, starttls or tls, not {smtp.security!r}",
                    f"[smtp] security は none・starttls・tls のいずれかです（「{smtp.security}」は不可）",
                )
            )
        if any(ch.isspace() for ch in smtp.username):
            out.append(
                Problem(
                    f"[smtp] username {smtp.username!r} has white space",
                    f"[smtp] username「{smtp.username}」に空白があります",
                )
            )
    return out
