"""Limits on what a client may send (README "Running it for a region"): a request body larger than
``[web] max_body_bytes`` is refused with 413 before it is read, and a body that trickles in slower than
``[web] body_timeout_seconds`` between two chunks is cut off (408). A slow or oversized client therefore
holds no worker for long; the reverse proxy in front does the same for headers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"request body above {limit} bytes")
        self.limit = limit


class BodyTimeout(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"request body stalled for {seconds} s")
        self.seconds = seconds


class BodyLimits:
    """Wraps ``receive``: counts the body's bytes and waits at most ``timeout`` for each chunk. The
    errors surface where the route reads the body (``endpoint`` in ``app``), which answers 413 / 408.
    ``larger``: the requests allowed ``larger_bytes`` instead (document uploads)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        timeout: float,
        larger: Callable[[Scope], bool] = lambda _: False,
        larger_bytes: int = 0,
    ) -> None:
        self.app, self.max_bytes, self.timeout = app, max_bytes, timeout
        self.larger, self.larger_bytes = larger, larger_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seen = 0
        max_bytes = max(self.max_bytes, self.larger_bytes) if self.larger(scope) else self.max_bytes
        timeout = self.timeout

        async def limited() -> Message:
            nonlocal seen
            try:
                message = await asyncio.wait_for(receive(), timeout)
            except TimeoutError:
                raise BodyTimeout(timeout) from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > max_bytes:
                    raise BodyTooLarge(max_bytes)
            return message

        await self.app(scope, limited, send)


def declared_too_large(headers: dict[str, str] | object, limit: int) -> bool:
    """Whether the request's Content-Length already says it is above ``limit``."""
    value = headers.get("content-length") if hasattr(headers, "get") else None
    return bool(value) and str(value).isdigit() and int(str(value)) > limit
