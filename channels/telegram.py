"""Telegram through python-telegram-bot: webhook updates in, the Bot API out.

The bot lives on its own event loop in a background thread, so the synchronous worker can
send through it and ``AIORateLimiter`` sees every call of the process (Telegram's limits are
per bot: about 30 messages a second overall, one a second per chat).
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from telegram import KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from backend.core.config import Settings
from backend.core.db import session_scope
from backend.core.safe_input import INT64_MAX, check_text, load_json
from backend.core.security import constant_time_equals
from backend.models import Contact, ContactStatus, Event, Message
from backend.services import queue
from backend.services.events import EventKind, record_event

from .base import Inbound, SendResult
from .linking import consume_telegram_token, link_by_shared_phone
from .pipeline import accept_inbound

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/channels/telegram/webhook"
ANSWER_CALLBACK_TASK = "telegram_answer_callback"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# A button with this payload asks Telegram to share the person's own phone number.
SHARE_CONTACT = "__share_contact__"
_START = re.compile(r"^/start(?:@\w+)?(?:\s+(\S+))?\s*$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_MEDIA_KINDS = (
    "photo",
    "voice",
    "audio",
    "video",
    "video_note",
    "document",
    "sticker",
    "animation",
    "location",
)

T = TypeVar("T")
# Telegram allows 4,096 characters in a message; dates are Unix times (up to year 2200).
MAX_TEXT = 4096
MAX_DATE = 7_258_118_400


@dataclass
class TelegramUpdate:
    """What the gateway needs from one update; ``inbound`` is None when it is ignored."""

    inbound: Inbound | None
    ignored: str = ""
    callback_query_id: str | None = None
    start_token: str | None = None
    shared_phone: str | None = None  # the sender's own contact card
    foreign_card: bool = False  # someone else's contact card
    extra: dict[str, Any] = field(default_factory=dict)


def _integer(value: Any, where: str, low: int = 0, high: int = INT64_MAX) -> None:
    if type(value) is not int or not low <= value <= high:  # a bool is not an id
        raise ValueError(f"{where} must be an integer from {low} to {high}")


def _user(value: Any, where: str) -> None:
    if not isinstance(value, dict):
        raise ValueError(f"{where} must be an object")
    _integer(value.get("id"), f"{where}.id", low=1)


def _optional_text(message: dict[str, Any], key: str, where: str, limit: int) -> None:
    if message.get(key) is not None:
        check_text(message[key], f"{where}.{key}", limit)


def check_update_shape(data: Any) -> None:
    """The parts of an update we read, checked before python-telegram-bot sees them: types,
    ranges that fit our columns, no NUL. Raises ValueError naming the field."""
    if not isinstance(data, dict):
        raise ValueError("not a Telegram update: update_id is missing")
    _integer(data.get("update_id"), "update_id")
    for key in ("message", "edited_message", "channel_post", "edited_channel_post"):
        message = data.get(key)
        if message is None:
            continue
        if not isinstance(message, dict):
            raise ValueError(f"{key} must be an object")
        _integer(message.get("message_id"), f"{key}.message_id")
        _integer(message.get("date"), f"{key}.date", high=MAX_DATE)
        chat = message.get("chat")
        if not isinstance(chat, dict):
            raise ValueError(f"{key}.chat must be an object")
        _integer(chat.get("id"), f"{key}.chat.id", low=-INT64_MAX)
        check_text(chat.get("type"), f"{key}.chat.type", 20)
        if message.get("from") is not None:
            _user(message["from"], f"{key}.from")
        _optional_text(message, "text", key, MAX_TEXT)
        _optional_text(message, "caption", key, MAX_TEXT)
        card = message.get("contact")
        if card is not None:
            if not isinstance(card, dict):
                raise ValueError(f"{key}.contact must be an object")
            check_text(card.get("phone_number"), f"{key}.contact.phone_number", 64)
            if card.get("user_id") is not None:
                _integer(card["user_id"], f"{key}.contact.user_id", low=1)
    query = data.get("callback_query")
    if query is not None:
        if not isinstance(query, dict):
            raise ValueError("callback_query must be an object")
        check_text(query.get("id"), "callback_query.id", 128)
        _user(query.get("from"), "callback_query.from")
        _optional_text(query, "data", "callback_query", 256)


def parse_update(data: Any) -> TelegramUpdate:
    """A webhook body -> TelegramUpdate. Raises ValueError when it is not a Telegram update."""
    check_update_shape(data)
    try:
        update = Update.de_json(data, None)
    except Exception as exc:  # garbage in a field we do not read: any error of the library
        raise ValueError(f"malformed update: {exc.__class__.__name__}") from exc
    provider_id = str(update.update_id)
    if update.edited_message or update.edited_channel_post:
        return TelegramUpdate(None, ignored="edited message")
    if update.callback_query is not None:
        query = update.callback_query
        inbound = Inbound(
            channel="telegram",
            address=str(query.from_user.id),
            text=query.data or "",
            provider_id=provider_id,
            payload={"callback": True},
        )
        return TelegramUpdate(inbound, callback_query_id=query.id)
    message = update.message
    if message is None:
        return TelegramUpdate(None, ignored="unsupported update")
    if message.chat.type != "private" or message.from_user is None:
        return TelegramUpdate(None, ignored="not a private chat")
    user_id = message.from_user.id
    text = (message.text or message.caption or "").strip()
    payload: dict[str, Any] = {}
    result = TelegramUpdate(None)
    start = _START.match(text)
    if start:
        text = "/start"  # the token never reaches the database
        token = start.group(1)
        if token and _TOKEN.match(token):
            result.start_token = token
    media = [kind for kind in _MEDIA_KINDS if getattr(message, kind, None)]
    if media:
        payload["media"] = [{"kind": kind} for kind in media]
    if message.contact is not None:
        payload["contact_card"] = True
        if message.contact.user_id == user_id:
            result.shared_phone = message.contact.phone_number
        else:
            result.foreign_card = True
    result.inbound = Inbound(
        channel="telegram",
        address=str(user_id),
        text=text,
        provider_id=provider_id,
        payload=payload,
    )
    return result


def stopped_by_block(session: Session, contact: Contact) -> bool:
    """Was the contact stopped because they blocked the bot (not because they wrote STOP)?"""
    last = session.scalar(
        select(Event)
        .where(
            Event.contact_id == contact.id,
            Event.kind.in_((EventKind.contact_opt_out, EventKind.contact_opt_in)),
        )
        .order_by(Event.id.desc())
        .limit(1)
    )
    source = str((last.data or {}).get("source", "")) if last is not None else ""
    return (
        last is not None
        and last.kind == EventKind.contact_opt_out
        and source.startswith("telegram")
    )


def accept_update(parsed: TelegramUpdate) -> int:
    """Persist the update (deduplicated on update_id), link the account when it brings a
    deep-link token or the sender's own contact card, queue its processing."""
    assert parsed.inbound is not None

    def prepare(session: Session, message: Message) -> None:
        contact = session.get(Contact, message.contact_id)
        assert contact is not None
        if contact.status == ContactStatus.stopped and stopped_by_block(session, contact):
            # Writing to a bot unblocks it: they are reachable again (a STOP stays a STOP).
            contact.status = ContactStatus.active
            contact.stopped_at = None
            record_event(
                session,
                EventKind.contact_opt_in,
                contact_id=contact.id,
                beneficiary_id=contact.beneficiary_id,
                message_id=message.id,
                data={"source": "telegram unblocked"},
            )
        payload = dict(message.payload or {})
        if parsed.start_token:
            outcome = consume_telegram_token(session, parsed.start_token, contact)
            payload["notice"] = "telegram_linked" if outcome == "linked" else "link_invalid"
        elif parsed.shared_phone:
            outcome = link_by_shared_phone(session, contact, parsed.shared_phone)
            payload["notice"] = "contact_linked" if outcome == "linked" else "contact_unknown"
            if outcome == "linked":
                payload["rasa_text"] = "/greet"  # the menu, now with their first name
        elif parsed.foreign_card:
            payload["notice"] = "contact_not_own"
        message.payload = payload

    message_id, _created = accept_inbound(parsed.inbound, prepare)
    if parsed.callback_query_id:
        with session_scope() as session:
            queue.enqueue(
                session,
                ANSWER_CALLBACK_TASK,
                {"callback_query_id": parsed.callback_query_id},
                dedupe_key=f"tg-callback:{parsed.callback_query_id}",
                max_attempts=2,
            )
    return message_id


def reply_markup(buttons: list[dict[str, str]]) -> ReplyKeyboardMarkup | None:
    """Options as a reply keyboard, one per row: a tap sends the title, which the pipeline
    maps back to the payload (``rendering.resolve_choice``)."""
    if not buttons:
        return None
    rows = [
        [KeyboardButton(b["title"], request_contact=b.get("payload") == SHARE_CONTACT or None)]
        for b in buttons
    ]
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramChannel:
    name = "telegram"

    def __init__(self, settings: Settings, timeout: float = 20.0) -> None:
        self.settings = settings
        self.timeout = timeout
        self.bot = ExtBot(
            settings.telegram_bot_token,
            base_url=f"{settings.telegram_api_base_url.rstrip('/')}/bot",
            base_file_url=f"{settings.telegram_api_base_url.rstrip('/')}/file/bot",
            request=HTTPXRequest(connection_pool_size=8, connect_timeout=5, read_timeout=10),
            rate_limiter=AIORateLimiter(max_retries=0),  # 429s are retried by our task queue
        )
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="telegram-bot", daemon=True
        )
        self._thread.start()
        self._init_lock = threading.Lock()

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(self.timeout)

    async def _ready(self) -> ExtBot:
        await self.bot.initialize()  # once: getMe checks the token and caches the username
        return self.bot

    def close(self) -> None:
        try:
            self._run(self.bot.shutdown())
        except Exception:  # pragma: no cover - closing is best effort
            logger.exception("closing the Telegram bot")
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    # --- webhook ------------------------------------------------------------------------

    async def receive(self, request: Request) -> Response:
        secret = self.settings.telegram_webhook_secret
        given = request.headers.get(SECRET_HEADER, "")
        if not secret or not constant_time_equals(given, secret):
            return PlainTextResponse(f"invalid or missing {SECRET_HEADER}", status_code=403)
        try:
            parsed = parse_update(load_json(await request.body()))
        except ValueError as exc:  # also invalid, deep or NUL-carrying JSON
            return PlainTextResponse(str(exc), status_code=400)
        if parsed.inbound is None:
            return JSONResponse({"ignored": parsed.ignored})
        await run_in_threadpool(accept_update, parsed)
        return Response(status_code=200)

    async def status(self, request: Request) -> Response:  # Telegram has no delivery receipts
        return Response(status_code=404)

    # --- calls the rest of the gateway makes --------------------------------------------

    def username(self) -> str:
        async def call() -> str:
            return (await self._ready()).username

        return self._run(call())

    def send(self, contact: Contact, message: Message) -> SendResult:
        buttons = list((message.payload or {}).get("buttons") or [])

        async def call() -> Any:
            bot = await self._ready()
            return await bot.send_message(
                chat_id=int(contact.address),
                text=message.text or "",
                reply_markup=reply_markup(buttons),
            )

        try:
            sent = self._run(call())
        except Forbidden as exc:  # blocked by the user, or the account is gone
            return SendResult(None, "failed", "403", str(exc)[:500], contact_stopped=True)
        except RetryAfter as exc:
            wait = _seconds(exc.retry_after)
            return SendResult(
                None, "failed", "429", str(exc), retry=True, throttled=True, retry_in=wait
            )
        except (BadRequest, InvalidToken) as exc:  # ours to fix: retrying changes nothing
            return SendResult(None, "failed", exc.__class__.__name__, str(exc)[:500])
        except (TelegramError, TimeoutError) as exc:  # network trouble, Telegram's 5xx
            return SendResult(None, "failed", "network", str(exc)[:500] or "timeout", retry=True)
        return SendResult(f"{sent.chat.id}:{sent.message_id}", "sent")

    def answer_callback(self, callback_query_id: str) -> None:
        """Stop the button's spinner; an expired query (too late) is not worth a retry."""

        async def call() -> None:
            bot = await self._ready()
            await bot.answer_callback_query(callback_query_id)

        try:
            self._run(call())
        except BadRequest as exc:
            logger.info("callback query %s not answered: %s", callback_query_id, exc)

    def set_webhook(self, url: str, secret: str) -> bool:
        async def call() -> bool:
            bot = await self._ready()
            return await bot.set_webhook(
                url,
                secret_token=secret or None,
                allowed_updates=["message", "edited_message", "callback_query"],
            )

        return self._run(call())
