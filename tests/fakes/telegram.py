"""A local fake of the Telegram Bot API (``/bot<token>/<method>``), with Telegram's JSON shapes:
``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code", "description", "parameters"}``.

Parameters are read as Telegram accepts them: query string, form fields (python-telegram-bot
sends JSON-encoded values as form fields) or a JSON body. Also builds webhook updates.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .server import ServerThread

BOT_USER = {
    "id": 7000000001,
    "is_bot": True,
    "first_name": "Parcours",
    "username": "parcours_demo_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
BLOCKED = "Forbidden: bot was blocked by the user"


def error(code: int, description: str, **parameters: Any) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return JSONResponse(body, status_code=code)


def ok(result: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


class FakeTelegram:
    def __init__(self, token: str = "7000000001:AAFakeTokenForTestsOnly_abcdefghijk") -> None:
        self.token = token
        self.lock = threading.Lock()
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.sent: list[dict[str, Any]] = []
        self.blocked: set[int] = set()
        self._failures: deque[JSONResponse] = deque()
        self.webhook: dict[str, Any] = {}
        self._message_ids = itertools.count(100)
        self._update_ids = itertools.count(int(time.time()) % 100000 * 1000)
        self.app = Starlette(
            routes=[Route("/bot{token}/{method}", self._call, methods=["GET", "POST"])]
        )
        self.server = ServerThread(self.app, "fake-telegram")

    def start(self) -> FakeTelegram:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    @property
    def url(self) -> str:
        return self.server.url

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()
            self.sent.clear()
            self.blocked.clear()
            self._failures.clear()
            self.webhook = {}

    def throttle(self, retry_after: int = 1, times: int = 1) -> None:
        with self.lock:
            for _ in range(times):
                self._failures.append(
                    error(
                        429,
                        f"Too Many Requests: retry after {retry_after}",
                        retry_after=retry_after,
                    )
                )

    def method_calls(self, method: str) -> list[dict[str, Any]]:
        with self.lock:
            return [params for name, params in self.calls if name == method]

    # --- the Bot API --------------------------------------------------------------------

    async def _params(self, request: Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query_params)
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/json"):
            params.update(await request.json())
        elif request.method == "POST":
            for key, value in (await request.form()).items():
                params[key] = value
        for key in ("reply_markup", "allowed_updates"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        return params

    async def _call(self, request: Request) -> JSONResponse:
        if request.path_params["token"] != self.token:
            return error(401, "Unauthorized")
        method = request.path_params["method"]
        params = await self._params(request)
        with self.lock:
            self.calls.append((method, params))
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            return error(404, "Not Found")
        return handler(params)

    def _getMe(self, params: dict[str, Any]) -> JSONResponse:
        return ok(BOT_USER)

    def _sendMessage(self, params: dict[str, Any]) -> JSONResponse:
        try:
            chat_id = int(params["chat_id"])
        except (KeyError, ValueError):
            return error(400, "Bad Request: chat not found")
        text = params.get("text") or ""
        if not text.strip():
            return error(400, "Bad Request: message text is empty")
        if chat_id in self.blocked:
            return error(403, BLOCKED)
        with self.lock:
            if self._failures:
                return self._failures.popleft()
        message = {
            "message_id": next(self._message_ids),
            "from": BOT_USER,
            "chat": {"id": chat_id, "first_name": "Test", "type": "private"},
            "date": int(time.time()),
            "text": text,
        }
        with self.lock:
            self.sent.append({**message, "reply_markup": params.get("reply_markup")})
        return ok(message)

    def _answerCallbackQuery(self, params: dict[str, Any]) -> JSONResponse:
        if not params.get("callback_query_id"):
            return error(400, "Bad Request: query is too old and response timeout expired")
        return ok(True)

    def _setWebhook(self, params: dict[str, Any]) -> JSONResponse:
        if not str(params.get("url", "")).startswith(("https://", "http://")):
            return error(400, "Bad Request: bad webhook: An HTTPS URL must be provided")
        self.webhook = params
        return ok(True)

    def _deleteWebhook(self, params: dict[str, Any]) -> JSONResponse:
        self.webhook = {}
        return ok(True)

    def _getWebhookInfo(self, params: dict[str, Any]) -> JSONResponse:
        return ok(
            {
                "url": self.webhook.get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": 0,
            }
        )

    # --- updates, as Telegram posts them to our webhook ---------------------------------

    def _user(self, user_id: int) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": "Awa", "language_code": "fr"}

    def message_update(self, user_id: int, text: str | None = None, **extra: Any) -> dict:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "from": self._user(user_id),
            "chat": {"id": user_id, "first_name": "Awa", "type": "private"},
            "date": int(time.time()),
            **extra,
        }
        if text is not None:
            message["text"] = text
        return {"update_id": next(self._update_ids), "message": message}

    def edited_update(self, user_id: int, text: str) -> dict:
        update = self.message_update(user_id, text, edit_date=int(time.time()))
        return {"update_id": update["update_id"], "edited_message": update["message"]}

    def callback_update(self, user_id: int, data: str) -> dict:
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": str(next(self._message_ids) * 7919),
                "from": self._user(user_id),
                "chat_instance": "-100200300",
                "data": data,
            },
        }

    def contact_update(self, user_id: int, phone: str, card_user_id: int | None) -> dict:
        contact: dict[str, Any] = {"phone_number": phone, "first_name": "Awa"}
        if card_user_id is not None:
            contact["user_id"] = card_user_id
        return self.message_update(user_id, None, contact=contact)
