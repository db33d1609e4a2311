"""``Server-Timing: app;dur=<ms>`` on provider webhook answers: the backend's own time for the
request, from the moment the app gets it to its answer's headers.

What a provider waits for is that plus the network, the load balancer and the time the request
waited before the backend's event loop took it; bench/load.py reads the header to tell them
apart. One clock read and one header: cheap enough to stay on. Only on ``/channels/`` (the
webhooks), where the figure is a service level; other answers are left as they were.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

TIMED_PREFIX = "/channels/"


class ServerTiming:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(TIMED_PREFIX):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                ms = (time.perf_counter() - started) * 1000
                headers = [
                    *message.get("headers", []),
                    (b"server-timing", f"app;dur={ms:.1f}".encode()),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, timed_send)
