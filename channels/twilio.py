"""SMS and WhatsApp through Twilio: signed webhooks in, the official REST client out.

One base class, two channels: ``sms`` (sender TWILIO_FROM_NUMBER) and ``whatsapp`` (sender
TWILIO_WHATSAPP_FROM, addresses ``whatsapp:+E164`` on the wire, plain E.164 in our database).
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

import requests
from fastapi import Request, Response
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from backend.core.config import Settings
from backend.core.safe_input import UnsafeInput, check_text
from backend.models import Contact, Message, utcnow

from .base import Inbound, Refused, SendResult, StatusUpdate, WebhookMethod
from .gsm7 import fold_to_gsm7
from .identity import InvalidAddress, to_e164

logger = logging.getLogger(__name__)

STATUS_PATH = "/channels/twilio/status"
INBOUND_PATH = "/channels/twilio/inbound"
WHATSAPP_PREFIX = "whatsapp:"
WHATSAPP_WINDOW = timedelta(hours=24)

# https://www.twilio.com/docs/api/errors
OPTED_OUT = {21610}  # "Attempt to send to unsubscribed recipient"
THROTTLED = {20429, 14107}  # too many requests / SMS send rate limit exceeded
# Retrying cannot help: not a valid or reachable number, region not enabled, WhatsApp session
# closed. Every other failure is retried (SEND_MAX_RETRIES), then stays visible as failed.
PERMANENT = {21211, 21214, 21408, 21612, 21614, 63016}
TWILIO_API = "https://api.twilio.com"
HTTP_TIMEOUT = 10.0
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


class RedirectingHttpClient(TwilioHttpClient):
    """The official HTTP client, with every ``https://*.twilio.com`` URL sent to ``base_url``
    instead (TWILIO_API_BASE_URL: a local fake in tests, a proxy in some deployments)."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        super().__init__(timeout=timeout)
        self.target = urlsplit(base_url.rstrip("/"))

    def request(self, method, url, *args, **kwargs):
        parts = urlsplit(url)
        if parts.hostname and parts.hostname.endswith("twilio.com"):
            url = urlunsplit(
                (
                    self.target.scheme,
                    self.target.netloc,
                    self.target.path + parts.path,
                    parts.query,
                    "",
                )
            )
        return super().request(method, url, *args, **kwargs)


def whatsapp_address(number: str) -> str:
    return number if number.startswith(WHATSAPP_PREFIX) else f"{WHATSAPP_PREFIX}{number}"


def public_url(settings: Settings, request: Request) -> str:
    """The URL Twilio called, as seen from outside (behind a proxy the host differs)."""
    url = settings.public_base_url.rstrip("/") + request.url.path
    return f"{url}?{request.url.query}" if request.url.query else url


def signature_is_valid(settings: Settings, request: Request, form: Any) -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not settings.twilio_auth_token:
        return False
    validator = RequestValidator(settings.twilio_auth_token)
    return validator.validate(public_url(settings, request), form, signature)


def classify_error(exc: Exception) -> SendResult:
    """What one failed REST call means for the message: stop, retry later, or give up."""
    if isinstance(exc, TwilioRestException):
        code = int(exc.code) if str(exc.code or "").isdigit() else None
        detail = f"HTTP {exc.status}: {exc.msg}"[:500]
        if code in OPTED_OUT:
            return SendResult(None, "failed", str(code), detail, contact_stopped=True)
        if exc.status == 429 or code in THROTTLED:
            return SendResult(None, "failed", str(code or 429), detail, retry=True, throttled=True)
        retry = code not in PERMANENT
        return SendResult(None, "failed", str(code or exc.status), detail, retry=retry)
    if isinstance(exc, requests.RequestException):
        return SendResult(None, "failed", "network", str(exc)[:500], retry=True)
    raise exc


class TwilioChannel:
    """Shared by SMS and WhatsApp: one REST client, one way to handle errors, one webhook."""

    name: ClassVar[str] = "sms"
    webhooks: ClassVar[dict[str, WebhookMethod]] = {INBOUND_PATH: "receive", STATUS_PATH: "status"}
    settings_prefix: ClassVar[str] = "twilio_"

    @classmethod
    def configured(cls, settings: Settings) -> bool:
        return bool(
            settings.twilio_account_sid and settings.twilio_auth_token and cls.sender(settings)
        )

    @staticmethod
    def sender(settings: Settings) -> str:
        return settings.twilio_from_number

    def __init__(self, settings: Settings, client: Client | None = None) -> None:
        self.settings = settings
        base_url = settings.twilio_api_base_url.rstrip("/")
        http_client = (
            TwilioHttpClient(timeout=HTTP_TIMEOUT)
            if base_url == TWILIO_API
            else RedirectingHttpClient(base_url, HTTP_TIMEOUT)
        )
        self.client = client or Client(
            settings.twilio_account_sid, settings.twilio_auth_token, http_client=http_client
        )

    @property
    def status_callback(self) -> str:
        return self.settings.public_base_url.rstrip("/") + STATUS_PATH

    def _create(self, **params: str) -> SendResult:
        try:
            created = self.client.messages.create(status_callback=self.status_callback, **params)
        except Exception as exc:  # classified: anything unexpected is re-raised
            return classify_error(exc)
        # Twilio's "queued" means it accepted the message: for us it is sent to the provider;
        # the status callback then records queued / sent / delivered / failed.
        return SendResult(created.sid, "sent")

    def send_sms(self, to: str, text: str) -> SendResult:
        return self._create(to=to, from_=self.settings.twilio_from_number, body=fold_to_gsm7(text))

    def send(self, contact: Contact, message: Message) -> SendResult:
        return self.send_sms(contact.address, message.text or "")

    async def _signed_form(self, request: Request) -> dict[str, str]:
        """The verified form fields. Raises Refused."""
        form = await request.form()
        if any(not isinstance(value, str) for _key, value in form.multi_items()):
            # Twilio posts plain form fields; a file part cannot even be signed.
            raise Refused(400, "file parts are not accepted")
        if not signature_is_valid(self.settings, request, form):
            raise Refused(403, "invalid or missing X-Twilio-Signature")
        fields = {key: str(value) for key, value in form.multi_items()}
        try:
            check_fields(fields)
        except UnsafeInput as exc:
            raise Refused(400, str(exc)) from exc
        return fields

    async def receive(self, request: Request) -> Inbound:
        """SMS and WhatsApp alike (the sender's prefix says which)."""
        fields = await self._signed_form(request)
        try:
            return parse_inbound(fields)
        except ValueError as exc:
            raise Refused(400, str(exc)) from exc

    def acknowledge(self) -> Response:
        return Response(EMPTY_TWIML, media_type="application/xml")  # no reply in the TwiML

    async def status(self, request: Request) -> StatusUpdate:
        fields = await self._signed_form(request)
        if not (fields.get("MessageSid") or fields.get("SmsSid")):
            raise Refused(400, "MessageSid is required")
        return parse_status(fields)


class TwilioSmsChannel(TwilioChannel):
    name = "sms"


QUICK_REPLY_MAX = 3  # WhatsApp quick-reply buttons per message
LIST_PICKER_MAX = 10  # WhatsApp list items
TITLE_MAX = 20  # WhatsApp button and item titles


def choice_template(settings: Settings, message: Message) -> tuple[str, dict[str, str]] | None:
    """The approved Content template (and its variables) that shows this message's options as
    real WhatsApp buttons, when one is configured for that many options."""
    payload = message.payload or {}
    options = [o for o in (payload.get("buttons") or []) if o.get("payload") != "more"]
    body = payload.get("body")
    if not options or body is None:
        return None
    sids = dict(
        item.split(":", 1)
        for item in settings.twilio_whatsapp_quick_reply_sids.replace(" ", "").split(",")
        if ":" in item
    )
    if len(options) <= QUICK_REPLY_MAX and sids.get(str(len(options))):
        sid = sids[str(len(options))]
    elif len(options) <= LIST_PICKER_MAX and settings.twilio_whatsapp_list_sid:
        sid = settings.twilio_whatsapp_list_sid
    else:
        return None
    variables = {"1": body}
    for index, option in enumerate(options, start=2):
        variables[str(index)] = option["title"][:TITLE_MAX]
    return sid, variables


class TwilioWhatsAppChannel(TwilioChannel):
    name = "whatsapp"

    @staticmethod
    def sender(settings: Settings) -> str:
        return settings.twilio_whatsapp_from

    def send(self, contact: Contact, message: Message) -> SendResult:
        text = message.text or ""
        sender = whatsapp_address(self.settings.twilio_whatsapp_from)
        to = whatsapp_address(contact.address)
        last = contact.last_inbound_at
        if last is not None and utcnow() - last < WHATSAPP_WINDOW:
            template = choice_template(self.settings, message)
            if template is not None:  # a tap sends the option's title back, like typing it
                result = self._create(
                    to=to,
                    from_=sender,
                    content_sid=template[0],
                    content_variables=json.dumps(template[1], ensure_ascii=False),
                )
                result.sent_as = "buttons"
                return result
            return self._create(to=to, from_=sender, body=text)
        # Outside the 24 h session WhatsApp only delivers approved templates.
        if self.settings.twilio_whatsapp_outside_window == "sms":
            if not self.settings.twilio_from_number:
                return SendResult(
                    None,
                    "failed",
                    "no_sms_sender",
                    "outside the WhatsApp 24 h window, no SMS sender",
                )
            result = self.send_sms(contact.address, text)
            result.sent_as = "sms"
            return result
        if not self.settings.twilio_whatsapp_template_sid:
            return SendResult(
                None, "failed", "no_template", "outside the WhatsApp 24 h window, no template set"
            )
        result = self._create(
            to=to,
            from_=sender,
            content_sid=self.settings.twilio_whatsapp_template_sid,
            content_variables=json.dumps({"1": text}, ensure_ascii=False),
        )
        result.sent_as = "template"
        return result


# --- Webhooks ------------------------------------------------------------------------------

# Twilio's message statuses, in the order a message moves through them; ours is coarser.
STATUS_MAP = {
    "accepted": "sent",
    "scheduled": "sent",
    "queued": "sent",
    "sending": "sent",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "failed",
    "failed": "failed",
    "canceled": "failed",
}


# Longest value we take per field (a WhatsApp body is at most 4,096 characters); the ids and
# codes we store have columns of their own.
MAX_FIELD = 4096
FIELD_LIMITS = {"MessageSid": 64, "SmsSid": 64, "From": 64, "ErrorCode": 50}


def check_fields(form: dict[str, str]) -> None:
    """Every field a string with no NUL that fits where it is stored. Raises UnsafeInput."""
    for key, value in form.items():
        check_text(key, "a field name", 100)
        check_text(value, key, FIELD_LIMITS.get(key, MAX_FIELD))


def parse_inbound(form: dict[str, str]) -> Inbound:
    """A Twilio inbound message webhook -> Inbound. Raises ValueError on a malformed one."""
    sid = form.get("MessageSid") or form.get("SmsSid")
    sender = form.get("From")
    if not sid or not sender:
        raise ValueError("MessageSid and From are required")
    channel = "whatsapp" if sender.startswith(WHATSAPP_PREFIX) else "sms"
    try:
        address = to_e164(sender)
    except InvalidAddress as exc:
        raise ValueError(str(exc)) from exc
    payload: dict[str, object] = {"to": form.get("To", "")}
    try:
        num_media = int(form.get("NumMedia") or 0)
    except ValueError:
        num_media = 0
    if num_media:
        payload["media"] = [
            {"content_type": form.get(f"MediaContentType{i}", ""), "url": form.get(f"MediaUrl{i}")}
            for i in range(min(num_media, 10))
        ]
    text = (form.get("Body") or "").strip()
    # A tap on a WhatsApp quick-reply button carries the button's payload.
    if not text and form.get("ButtonPayload"):
        text = form["ButtonPayload"]
    return Inbound(channel=channel, address=address, text=text, provider_id=sid, payload=payload)


def parse_status(form: dict[str, str]) -> StatusUpdate:
    """A Twilio status callback -> StatusUpdate (applied by the pipeline)."""
    twilio_status = (form.get("MessageStatus") or form.get("SmsStatus") or "").lower()
    error_code = form.get("ErrorCode") or None
    return StatusUpdate(
        provider="twilio",
        channels=("sms", "whatsapp"),
        provider_id=form.get("MessageSid") or form.get("SmsSid") or "",
        provider_status=twilio_status,
        status=STATUS_MAP.get(twilio_status),
        error_code=error_code,
        error_detail=f"Twilio error {error_code} ({twilio_status})" if error_code else None,
        contact_stopped=bool(error_code and error_code.isdigit() and int(error_code) in OPTED_OUT),
        raw=dict(form),
    )
