"""The action server (rasa-sdk), served by us rather than by `rasa run actions`, which listens on
every interface and answers anyone: its actions read people's appointments with the backend
token, so an open action server is an open door to the backend.

Here it listens on ACTIONS_HOST (127.0.0.1 by default) and refuses, with 401, every call that
does not carry ``Authorization: Bearer <ACTION_SERVER_TOKEN>`` (Rasa sends it: see
bot/endpoints.yml). ``/health`` stays open for readiness checks. Run with .venv-bot's python:
``python -m bot.action_server --port 5055``.
"""

from __future__ import annotations

import argparse
import hmac
import logging
import os
import sys

from rasa_sdk.endpoint import create_app
from sanic import response

logger = logging.getLogger("bot.action_server")

OPEN_PATHS = {"/health"}


def token_ok(header: str | None, token: str) -> bool:
    scheme, _, given = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def build_app(token: str):
    if not token:
        raise SystemExit("ACTION_SERVER_TOKEN is not set: the action server refuses to start")
    # No CORS: only the Rasa server calls us, never a browser.
    app = create_app("bot.actions", cors_origins="")

    @app.middleware("request")
    async def require_token(request):  # type: ignore[no-untyped-def]
        if request.path in OPEN_PATHS:
            return None
        if not token_ok(request.headers.get("authorization"), token):
            return response.json({"error": "missing or invalid action server token"}, 401)
        return None

    @app.exception(Exception)
    async def unexpected(request, exception):  # type: ignore[no-untyped-def]
        # rasa-sdk's own handler echoes the request body (the conversation) back and logs the
        # request: ours logs the error only.
        logger.error("action failed: %s", exception.__class__.__name__)
        return response.json({"error": "action failed"}, 500)

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("ACTIONS_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTIONS_PORT", 5055)))
    args = parser.parse_args(argv)
    from backend.core.logs import configure_logging

    configure_logging()
    app = build_app(os.environ.get("ACTION_SERVER_TOKEN", ""))
    logger.info("action server on %s:%d", args.host, args.port)
    app.run(host=args.host, port=args.port, workers=1, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
