"""Typed settings, loaded once at the entry point from the TOML file given by ``--config``."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BadInput


@dataclass(frozen=True)
class MailSettings:
    transport: str = "file"
    dir: str = "outbox-mail"
    sender: str = "casetrack@example.jp"  # [mail] from: addr or 表示名 <addr>
    retry_hours: float = 168.0  # temporary failures are retried this long (a week: long weekends, holidays)
    reply_to: str = ""  # [mail] reply_to: where replies to mail for support orgs go without a coordinator


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    security: str = "none"
    username: str = ""


@dataclass(frozen=True)
class SchedulerSettings:
    interval_seconds: float = 60.0
    lease_seconds: float = 120.0
    multi_node: bool = False  # every scheduler delivers (claims); PostgreSQL only


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class DigestSettings:
    enabled: bool = False  # on once the settings file has a [digest] section
    weekday: int = 0  # Monday
    horizon_days: int = 14


@dataclass(frozen=True)
class WebSettings:
    """The dashboard's sign-in (`casetrack serve`)."""

    idle_minutes: float = 30.0  # a session unused this long ends
    max_age_hours: float = 12.0  # every session ends this long after sign-in
    max_failures: int = 5  # this many failed sign-ins of one user name ...
    failure_window_minutes: float = 15.0  # ... within this long ...
    lockout_minutes: float = 15.0  # ... lock it this long
    secure_cookies: bool = False  # Secure cookies even over plain http (behind a TLS proxy)
    base_url: str = ""  # e.g. https://casetrack.example.jp — the digest links to pages when set
    max_body_bytes: int = 1_000_000  # a larger request body is refused (413) before it is read
    body_timeout_seconds: float = 10.0  # a body stalled this long between two chunks is cut off (408)
    keep_alive_seconds: float = 5.0  # an idle kept-alive connection is closed after this long


@dataclass(frozen=True)
class FilesSettings:
    """Documents' files (`doc add --file`, the case page's upload), kept in the database."""

    max_mb: float = 20.0  # a larger file is refused (the web answers 413) and nothing is written

    @property
    def max_bytes(self) -> int:
        return int(self.max_mb * 1024 * 1024)


@dataclass(frozen=True)
class Settings:
    mail: MailSettings = field(default_factory=MailSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    closures: tuple[dt.date, ...] = ()
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    digest: DigestSettings = field(default_factory=DigestSettings)
    web: WebSettings = field(default_factory=WebSettings)
    files: FilesSettings = field(default_factory=FilesSettings)


def load_settings(path: str | None) -> Settings:
    if not path:
        return Settings()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadInput(
            f"cannot read settings file {path}: {exc.strerror}",
            ja=[f"設定ファイル {path} を読めません（{exc.strerror}）。"],
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(
            f"settings file {path} is not valid TOML: {exc}",
            ja=[f"設定ファイル {path} は TOML として正しくありません：{exc}"],
        ) from None
    mail = data.get("mail", {})
    smtp = data.get("smtp", {})
    sched = data.get("scheduler", {})
    digest = data.get("digest", {})
    web = data.get("web", {})
    files = data.get("files", {})
    try:
        closures = tuple(
            d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d))
            for d in data.get("calendar", {}).get("closures", [])
        )
        security = str(smtp.get("security", "none"))
        if security not in ("none", "starttls", "tls"):
            raise ValueError(f"[smtp] security must be none, starttls or tls, not {security!r}")
        if float(sched.get("interval_seconds", 60)) <= 0 or float(sched.get("lease_seconds", 120)) <= 0:
            raise ValueError("[scheduler] interval_seconds and lease_seconds must be positive")
        weekday = str(digest.get("weekday", "monday")).lower()
        if weekday not in WEEKDAYS:
            raise ValueError(f"[digest] weekday must be one of {', '.join(WEEKDAYS)}, not {weekday!r}")
        transport = str(mail.get("transport", "file"))
        if transport not in ("file", "smtp"):
            raise ValueError(f"[mail] transport must be file or smtp, not {transport!r}")
        web_settings = WebSettings(
            float(web.get("idle_minutes", 30)),
            float(web.get("max_age_hours", 12)),
            int(web.get("max_failures", 5)),
            float(web.get("failure_window_minutes", 15)),
            float(web.get("lockout_minutes", 15)),
            bool(web.get("secure_cookies", False)),
            str(web.get("base_url", "")).rstrip("/"),
            int(web.get("max_body_bytes", 1_000_000)),
            float(web.get("body_timeout_seconds", 10)),
            float(web.get("keep_alive_seconds", 5)),
        )
        if (
            min(
                web_settings.idle_minutes,
                web_settings.max_age_hours,
                web_settings.max_failures,
                web_settings.failure_window_minutes,
                web_settings.lockout_minutes,
                web_settings.max_body_bytes,
                web_settings.body_timeout_seconds,
                web_settings.keep_alive_seconds,
            )
            <= 0
        ):
            raise ValueError(
                "[web] idle_minutes, max_age_hours, max_failures, failure_window_minutes, "
                "lockout_minutes, max_body_bytes, body_timeout_seconds and keep_alive_seconds "
                "must be positive"
            )
        files_settings = FilesSettings(float(files.get("max_mb", 20)))
        if not 0 < files_settings.max_mb <= 1024:
            raise ValueError(f"[files] max_mb must be above 0 and at most 1024, not {files_settings.max_mb}")
        return Settings(
            mail=MailSettings(
                transport,
                str(mail.get("dir", "outbox-mail")),
                str(mail.get("from", "casetrack@example.jp")),
                float(mail.get("retry_hours", 168)),
                str(mail.get("reply_to", "")),
            ),
            smtp=SmtpSettings(
                str(smtp.get("host", "127.0.0.1")),
                int(smtp.get("port", 25)),
                security,
                str(smtp.get("username", "")),
            ),
            closures=closures,
            scheduler=SchedulerSettings(
                float(sched.get("interval_seconds", 60)),
                float(sched.get("lease_seconds", 120)),
                bool(sched.get("multi_node", False)),
            ),
            digest=DigestSettings(
                bool(digest.get("enabled", "digest" in data)),
                WEEKDAYS.index(weekday),
                int(digest.get("horizon_days", 14)),
            ),
            web=web_settings,
            files=files_settings,
        )
    except (ValueError, TypeError) as exc:
        raise BadInput(
            f"settings file {path}: {exc}", ja=[f"設定ファイル {path} に誤りがあります：{exc}"]
        ) from None
