"""A local fake of Twilio's Programmable Messaging REST API and of Twilio calling our webhooks.

Wire format as documented: ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``,
form-encoded, HTTP basic auth (AccountSid:AuthToken), answering 201 with the JSON Message
resource, or an error ``{"code", "message", "more_info", "status"}``. Callbacks to our
webhooks are signed like Twilio signs them (``X-Twilio-Signature``, computed by the official
``RequestValidator``).
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import threading
import time
from collections import deque
from email.utils import formatdate
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from .server import ServerThread

API_VERSION = "2010-04-01"


def new_sid(prefix: str = "SM") -> str:
    return f"{prefix}{secrets.token_hex(16)}"


def twilio_error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status_code=status,
    )


class FakeTwilio:
    def __init__(self, account_sid: str | None = None, auth_token: str | None = None) -> None:
        self.account_sid = account_sid or new_sid("AC")
        self.auth_token = auth_token or secrets.token_hex(16)
        self.lock = threading.Lock()
        self.messages: list[dict[str, Any]] = []  # every accepted message, in order
        # The same, by recipient, and a signal for each new one: bench/load.py's 20 people wait
        # on it (scanning every message a hundred times a second took the CPU from the stack).
        self._by_to: dict[str, list[dict[str, Any]]] = {}
        self._new_message = threading.Condition(self.lock)
        self.attempts = 0  # every create call, accepted or not
        # (wall, monotonic) time of each create call: retry tests measure the gaps on both clocks
        self.attempt_times: list[tuple[float, float]] = []
        self.opted_out: set[str] = set()  # E.164 numbers that texted STOP to Twilio
        self._failures: deque[tuple[int, int, str]] = deque()
        self._holds: deque[float] = deque()  # accept, then answer only after this many seconds
        # Statuses posted to the StatusCallback after each accepted message (e2e: a real
        # backend is listening); empty: tests post them with ``status_callback``.
        self.auto_callbacks: list[str] = []
        self.callback_errors: list[str] = []
        self.app = Starlette(
            routes=[
                Route(
                    "/2010-04-01/Accounts/{sid}/Messages.json",
                    self._create_message,
                    methods=["POST"],
                ),
                Route(
                    "/2010-04-01/Accounts/{sid}/Messages/{message_sid}.json",
                    self._fetch_message,
                    methods=["GET"],
                ),
            ]
        )
        self.server = ServerThread(self.app, "fake-twilio")

    # --- test controls ----------------------------------------------------------------

    def start(self) -> FakeTwilio:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    @property
    def url(self) -> str:
        return self.server.url

    def reset(self) -> None:
        with self.lock:
            self.messages.clear()
            self._by_to.clear()
            self.attempts = 0
            self.attempt_times.clear()
            self.opted_out.clear()
            self._failures.clear()
            self._holds.clear()
            self.auto_callbacks = []
            self.callback_errors.clear()

    def fail_next(self, status: int, code: int, message: str, times: int = 1) -> None:
        with self.lock:
            self._failures.extend([(status, code, message)] * times)

    def hold_next(self, seconds: float, times: int = 1) -> None:
        """Accept the next messages but answer late: a sender killed meanwhile never learns
        that they went out."""
        with self.lock:
            self._holds.extend([seconds] * times)

    def throttle(self, times: int = 1) -> None:
        self.fail_next(429, 20429, "Too Many Requests", times)

    def server_error(self, times: int = 1) -> None:
        self.fail_next(500, 20500, "Internal Server Error", times)

    def sent_to(self, to: str) -> list[dict[str, Any]]:
        with self.lock:
            return list(self._by_to.get(to, ()))

    def wait_sent_to(self, to: str, count: int, timeout: float) -> list[dict[str, Any]]:
        """The messages sent to ``to`` once there are more than ``count`` (or at ``timeout``)."""
        with self._new_message:
            self._new_message.wait_for(lambda: len(self._by_to.get(to, ())) > count, timeout)
            return list(self._by_to.get(to, ()))

    # --- the REST API -----------------------------------------------------------------

    def _authorised(self, request: Request, sid: str) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return user == self.account_sid == sid and password == self.auth_token

    async def _create_message(self, request: Request) -> JSONResponse:
        sid = request.path_params["sid"]
        if not self._authorised(request, sid):
            return twilio_error(401, 20003, "Authenticate")
        form = {k: str(v) for k, v in (await request.form()).items()}
        with self.lock:
            self.attempts += 1
            self.attempt_times.append((time.time(), time.monotonic()))
            failure = self._failures.popleft() if self._failures else None
        to, sender = form.get("To", ""), form.get("From", "")
        if not to:
            return twilio_error(400, 21604, "A 'To' phone number is required.")
        if not sender and not form.get("MessagingServiceSid"):
            return twilio_error(400, 21603, "A 'From' phone number is required.")
        if not form.get("Body") and not form.get("ContentSid") and not form.get("MediaUrl"):
            return twilio_error(400, 21602, "Message body is required.")
        if to.removeprefix("whatsapp:") in self.opted_out:
            return twilio_error(400, 21610, "Attempt to send to unsubscribed recipient")
        if failure is not None:
            return twilio_error(*failure)
        resource = self._resource(form)
        with self.lock:
            # received_at: when the message reached "Twilio" (bench/load.py's end of a turn).
            message = {**resource, "params": form, "received_at": time.monotonic()}
            self.messages.append(message)
            self._by_to.setdefault(message["to"], []).append(message)
            self._new_message.notify_all()
            hold = self._holds.popleft() if self._holds else 0.0
        if hold:
            await asyncio.sleep(hold)
        if self.auto_callbacks and form.get("StatusCallback"):
            threading.Thread(
                target=self._auto_callbacks, args=(resource["sid"],), daemon=True
            ).start()
        return JSONResponse(resource, status_code=201)

    async def _fetch_message(self, request: Request) -> JSONResponse:
        if not self._authorised(request, request.path_params["sid"]):
            return twilio_error(401, 20003, "Authenticate")
        with self.lock:
            for message in self.messages:
                if message["sid"] == request.path_params["message_sid"]:
                    return JSONResponse(
                        {k: v for k, v in message.items() if k not in ("params", "received_at")}
                    )
        return twilio_error(404, 20404, "The requested resource was not found")

    def _resource(self, form: dict[str, str]) -> dict[str, Any]:
        sid = new_sid("SM")
        now = formatdate(usegmt=True)  # Twilio dates are RFC 2822
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": form.get("Body", ""),
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {
                "media": f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}/Media.json"
            },
            "to": form.get("To"),
            "uri": f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}.json",
        }

    # --- Twilio calling us ------------------------------------------------------------

    def sign(self, url: str, params: dict[str, str]) -> str:
        return RequestValidator(self.auth_token).compute_signature(url, params)

    def post_signed(
        self, url: str, params: dict[str, str], client: httpx.Client | None = None
    ) -> httpx.Response:
        headers = {"X-Twilio-Signature": self.sign(url, params)}
        if client is not None:  # a TestClient, say
            return client.post(url, data=params, headers=headers)
        return httpx.post(url, data=params, headers=headers, timeout=10)

    def message(self, sid: str) -> dict[str, Any]:
        with self.lock:
            return next(m for m in self.messages if m["sid"] == sid)

    def status_params(
        self, sid: str, status: str, error_code: int | None = None
    ) -> tuple[str, dict[str, str]]:
        message = self.message(sid)
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "From": message["from"],
            "MessageSid": sid,
            "MessageStatus": status,
            "SmsSid": sid,
            "SmsStatus": status,
            "To": message["to"],
        }
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        return message["params"]["StatusCallback"], params

    def status_callback(
        self,
        sid: str,
        status: str,
        error_code: int | None = None,
        client: httpx.Client | None = None,
    ) -> httpx.Response:
        url, params = self.status_params(sid, status, error_code)
        return self.post_signed(url, params, client)

    def _auto_callbacks(self, sid: str) -> None:
        for status in self.auto_callbacks:
            time.sleep(0.2)  # Twilio reports after its API answered; let our commit land
            try:
                response = self.status_callback(sid, status)
                if response.status_code != 200:
                    self.callback_errors.append(f"{status}: HTTP {response.status_code}")
            except httpx.HTTPError as exc:
                self.callback_errors.append(f"{status}: {exc}")

    def inbound_params(
        self,
        from_: str,
        body: str,
        to: str = "+33700000000",
        sid: str | None = None,
        media: list[str] | None = None,
    ) -> dict[str, str]:
        """A messaging webhook as Twilio posts it (the fields we use and a few others)."""
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "Body": body,
            "From": from_,
            "MessageSid": sid or new_sid("SM"),
            "NumMedia": str(len(media or [])),
            "NumSegments": "1",
            "SmsMessageSid": "",
            "SmsStatus": "received",
            "To": to,
            "FromCountry": "FR",
        }
        params["SmsMessageSid"] = params["SmsSid"] = params["MessageSid"]
        for i, content_type in enumerate(media or []):
            params[f"MediaContentType{i}"] = content_type
            params[f"MediaUrl{i}"] = f"{self.url}/media/{params['MessageSid']}/{i}"
        return params
