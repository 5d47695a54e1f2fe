"""Delivery: SMTP (smtplib; none, STARTTLS or implicit TLS; optional auth) or .eml files.

A sender raises ``TemporaryFailure`` (4xx, refused or dropped connection: retried with backoff) or
``PermanentFailure`` (5xx: the message goes dead, the reply kept). The SMTP password comes from the
environment and is never printed, logged or put into an error.
"""

from __future__ import annotations

import contextlib
import os
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from ..settings import Settings

PASSWORD_ENV = "CASETRACK_SMTP_PASSWORD"


class DeliveryFailure(Exception):
    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


class TemporaryFailure(DeliveryFailure):
    pass


class PermanentFailure(DeliveryFailure):
    pass


class Sender(Protocol):
    def send(self, msg: EmailMessage, name: str) -> None: ...

    def close(self) -> None: ...


class FileSender:
    """Writes one ``.eml`` file per message (the development default)."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)

    def send(self, msg: EmailMessage, name: str) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            final = self.folder / f"{name}.eml"
            partial = final.with_suffix(".eml.part")
            partial.write_bytes(msg.as_bytes())
            os.replace(partial, final)
        except OSError as exc:
            raise TemporaryFailure(f"cannot write {self.folder}: {exc.strerror}") from None

    def close(self) -> None:
        return None


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {' '.join(text.split())}"


class SmtpSender:
    def __init__(self, settings: Settings, timeout: float = 30.0) -> None:
        self.smtp = settings.smtp
        self.timeout = timeout
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        if self._conn is not None:
            return self._conn
        s = self.smtp
        try:
            if s.security == "tls":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=self.timeout, context=ssl.create_default_context()
                )
            else:
                conn = smtplib.SMTP(s.host, s.port, timeout=self.timeout)
                if s.security == "starttls":
                    conn.starttls(context=ssl.create_default_context())
            if s.username:
                conn.login(s.username, os.environ.get(PASSWORD_ENV, ""))
        except smtplib.SMTPAuthenticationError as exc:
            # a settings problem, not the message's: keep it pending until the password is fixed
            with contextlib.suppress(OSError, smtplib.SMTPException):
                conn.quit()
            raise TemporaryFailure(
                f"authentication as {s.username} failed: {_reply(exc.smtp_code, exc.smtp_error)}"
            ) from None
        except smtplib.SMTPResponseException as exc:
            failure = TemporaryFailure if 400 <= exc.smtp_code < 500 else PermanentFailure
            raise failure(_reply(exc.smtp_code, exc.smtp_error)) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(f"cannot reach {s.host}:{s.port}: {type(exc).__name__}: {exc}") from None
        self._conn = conn
        return conn

    def send(self, msg: EmailMessage, name: str) -> None:
        conn = self._connect()
        try:
            refused = conn.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            failure = TemporaryFailure if 400 <= code < 500 else PermanentFailure
            raise failure(_reply(code, text)) from None
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:
                self._drop()
            failure = TemporaryFailure if 400 <= exc.smtp_code < 500 else PermanentFailure
            raise failure(_reply(exc.smtp_code, exc.smtp_error)) from None
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise TemporaryFailure(f"connection lost: {type(exc).__name__}: {exc}") from None
        if refused:
            code, text = next(iter(refused.values()))
            failure = TemporaryFailure if 400 <= code < 500 else PermanentFailure
            raise failure(_reply(code, text))

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.quit()
            except (OSError, smtplib.SMTPException):
                conn.close()


def make_sender(settings: Settings) -> Sender:
    if settings.mail.transport == "smtp":
        return SmtpSender(settings)
    return FileSender(settings.mail.dir)
