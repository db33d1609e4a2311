"""Provider webhooks: thin routes onto the channel modules (which verify, persist, answer)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status

from .registry import get_channel

router = APIRouter(prefix="/channels", tags=["channels"], include_in_schema=False)


def _channel(*names: str):
    for name in names:
        channel = get_channel(name)
        if channel is not None:
            return channel
    raise HTTPException(status.HTTP_404_NOT_FOUND, f"{' / '.join(names)} is not configured")


@router.post("/twilio/inbound")
async def twilio_inbound(request: Request) -> Response:
    """Inbound SMS and WhatsApp messages (Twilio's messaging webhook)."""
    return await _channel("sms", "whatsapp").receive(request)


@router.post("/twilio/status")
async def twilio_status(request: Request) -> Response:
    """Delivery status callbacks of the messages we sent."""
    return await _channel("sms", "whatsapp").status(request)


@router.post("/telegram/webhook")
async def telegram_webhook(request: Request) -> Response:
    return await _channel("telegram").receive(request)
