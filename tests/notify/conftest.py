"""Fixtures for the reminder e-mail tests: a real SMTP server (aiosmtpd) on a free loopback port that
records every message it accepts and can be told to refuse (4xx / 5xx) or be switched off and on,
and a writer for the TOML settings file pointing casetrack at it."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        msg = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        return msg

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


class Recorder:
    """The aiosmtpd handler: records every accepted message; answers the next N RCPT or DATA commands
    with a given reply when told to."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[Received] = []
        self.refused: list[tuple[str, str]] = []  # (stage, reply) of every refusal given
        self.data_commands = 0  # DATA commands seen, accepted or not
        self._failures: dict[str, list[str]] = {"rcpt": [], "data": []}

    def fail_next(self, n: int, reply: str, stage: str = "data") -> None:
        with self.lock:
            self._failures[stage].extend([reply] * n)

    def _take(self, stage: str) -> str | None:
        with self.lock:
            if self._failures[stage]:
                reply = self._failures[stage].pop(0)
                self.refused.append((stage, reply))
                return reply
        return None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        reply = self._take("rcpt")
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.data_commands += 1
        reply = self._take("data")
        if reply:
            return reply
        data = envelope.original_content or envelope.content
        with self.lock:
            self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), bytes(data)))
        return "250 Message accepted for delivery"


def _reject_every_login(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    return AuthResult(success=False, handled=False)


class SmtpServer:
    """A real SMTP server on 127.0.0.1:<port>; ``stop()``/``start()`` keep the port (SMTP down/up)."""

    def __init__(self, *, auth: bool = False) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self.handler = Recorder()
        self.auth = auth
        self._controller: Controller | None = None

    def start(self) -> None:
        assert self._controller is None
        kwargs: dict[str, Any] = {}
        if self.auth:  # advertise AUTH on the plain connection and refuse every login
            kwargs = {"authenticator": _reject_every_login, "auth_require_tls": False}
        self._controller = Controller(
            self.handler, hostname=self.host, port=self.port, ready_timeout=10, **kwargs
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    # -- what it received --------------------------------------------------------------------------
    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def fail_next(self, n: int, reply: str, stage: str = "data") -> None:
        self.handler.fail_next(n, reply, stage)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_auth_server() -> Iterator[SmtpServer]:
    """A server that advertises AUTH (PLAIN, LOGIN) without TLS and rejects every login."""
    server = SmtpServer(auth=True)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def write_settings(
    path: Path,
    *,
    transport: str = "smtp",
    server: SmtpServer | None = None,
    port: int | None = None,
    mail_dir: Path | None = None,
    username: str = "",
    sender: str = "casetrack@council.example.jp",
    lease_seconds: float | None = None,
    digest: bool = False,
    closures: tuple[str, ...] = (),
) -> Path:
    """Write a casetrack TOML settings file (CLI.md keys) and return its path. The coordinators' weekly
    digest (a project key, ``[digest] enabled``) is off unless asked for: these tests count rungs."""
    lines = [
        "[mail]",
        f'transport = "{transport}"',
        f'dir = "{(mail_dir or path.parent / "mail").as_posix()}"',
        f'from = "{sender}"',
        "",
        "[smtp]",
        'host = "127.0.0.1"',
        f"port = {port if port is not None else (server.port if server else free_port())}",
        'security = "none"',
        f'username = "{username}"',
    ]
    lines += ["", "[digest]", f"enabled = {'true' if digest else 'false'}"]
    if closures:  # council closed days (TOML dates)
        lines += ["", "[calendar]", f"closures = [{', '.join(closures)}]"]
    if lease_seconds is not None:
        lines += ["", "[scheduler]", f"lease_seconds = {lease_seconds}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def smtp_settings(tmp_path: Path, smtp_server: SmtpServer) -> Path:
    return write_settings(tmp_path / "casetrack.toml", server=smtp_server)
