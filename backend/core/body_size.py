"""Refuse request bodies over a size cap before reading them (413 with a reason).

A declared ``Content-Length`` over the cap is refused before the app runs; a body without one
(chunked) is counted as it streams in and refused as soon as it passes the cap, so no handler
ever holds more than the cap in memory. The RDV-Solidarités webhook gets its own, larger cap.
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.core.config import Settings, get_settings

RDV_SOLIDARITES_WEBHOOK = "/api/v1/integrations/rdv-solidarites/webhook"


class BodyTooLarge(HTTPException):
    """Raised from ``receive``: FastAPI and Starlette pass HTTPExceptions through to their
    handler, which answers 413 with this detail."""

    def __init__(self, limit: int, setting: str) -> None:
        super().__init__(413, f"request body larger than {limit} bytes ({setting})")


def limit_for(path: str, settings: Settings) -> tuple[int, str]:
    if path == RDV_SOLIDARITES_WEBHOOK:
        return settings.rdv_solidarites_max_body_bytes, "RDV_SOLIDARITES_MAX_BODY_BYTES"
    return settings.max_body_bytes, "MAX_BODY_BYTES"


def _find(exc: BaseException) -> BodyTooLarge | None:
    """The BodyTooLarge in ``exc``, also inside an exception group (anyio task groups)."""
    if isinstance(exc, BodyTooLarge):
        return exc
    for inner in getattr(exc, "exceptions", ()):  # an ExceptionGroup (Python 3.11)
        if isinstance(inner, BaseException):
            found = _find(inner)
            if found is not None:
                return found
    return None


async def _refuse(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodySizeLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, setting = limit_for(scope["path"], get_settings())
        declared = [v for k, v in scope["headers"] if k == b"content-length"]
        if declared:
            try:
                length = int(declared[0])
            except ValueError:
                await _refuse(send, 400, "Content-Length is not a number")
                return
            if length > limit:
                await _refuse(send, 413, BodyTooLarge(limit, setting).detail)
                return

        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit, setting)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except Exception as exc:
            too_large = _find(exc)
            if too_large is None or started:
                raise
            await _refuse(send, 413, too_large.detail)
