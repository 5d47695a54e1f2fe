"""serve: the web dashboard."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from .options import Globals, pass_globals

if TYPE_CHECKING:
    from ..settings import Settings


@click.command("serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (0.0.0.0: every interface of the council's network).",
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--secure-cookies",
    is_flag=True,
    help="Mark cookies Secure even on plain http (when a TLS proxy serves the dashboard; requests "
    "that arrive as https get it anyway). Also [web] secure_cookies in --config.",
)
@click.option(
    "--forwarded-allow-ips",
    default="127.0.0.1",
    show_default=True,
    metavar="IPS",
    help="Proxies whose X-Forwarded-Proto/For are believed (comma-separated, or '*').",
)
@pass_globals
def serve(g: Globals, host: str, port: int, secure_cookies: bool, forwarded_allow_ips: str) -> None:
    """Serve the coordinators' web dashboard: sign in with the password set by `user set-password`,
    the Today page, the case list and each case with its events, history, sessions and money.

    \b
    Example:
      casetrack user set-password sato          # once, as admin or as sato
      casetrack serve --host 0.0.0.0 --port 8000
    """
    import uvicorn

    from ..services import database_url, redact_url
    from ..settings import load_settings
    from ..web.app import create_app
    from ..workflow.catalog import all_workflows

    all_workflows()  # a missing or broken workflows folder stops the start (exit 2), not the first page
    _log_to_stderr()
    settings = load_settings(g.config)
    url = database_url(g.db)
    app = create_app(
        url, settings, today=g.today, secure_cookies=secure_cookies or settings.web.secure_cookies
    )
    click.echo(f"casetrack: serving {redact_url(url)} on http://{host}:{port}/ (Ctrl-C stops)", err=True)
    uvicorn.run(
        app,
        host=host,
        port=port,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        server_header=False,
        log_level="info",
        **uvicorn_limits(settings),
    )


def _log_to_stderr() -> None:
    """The dashboard's own log lines (casetrack.web: disconnects, cut-off bodies, internal errors) on
    stderr beside uvicorn's, one line each."""
    import logging

    logger = logging.getLogger("casetrack")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def uvicorn_limits(settings: Settings) -> dict[str, Any]:
    """uvicorn's own limits from [web]: idle kept-alive connections close after keep_alive_seconds, and
    a request's headers may not exceed 64 KiB (h11). The body's size and pace are the app's limits
    (web/limits.py); a reverse proxy in front bounds the headers' pace (README, deployment)."""
    return {
        "timeout_keep_alive": max(1, round(settings.web.keep_alive_seconds)),
        "h11_max_incomplete_event_size": 64 * 1024,
        "timeout_graceful_shutdown": 10,
    }


COMMANDS = [serve]
