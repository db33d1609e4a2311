"""Provider webhooks: one route for every channel. The channel module verifies and parses
(it writes nothing), the pipeline stores, the channel says how to acknowledge."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from . import pipeline
from .base import Ignored, Refused
from .registry import for_webhook
from .setup import channels_for_webhook

router = APIRouter(prefix="/channels", tags=["channels"], include_in_schema=False)


@router.post("/{hook:path}")
async def webhook(hook: str, request: Request) -> Response:
    """Twilio's messaging webhook and status callbacks, Telegram's updates... (each channel's
    ``webhooks`` says which paths it answers)."""
    path = f"/channels/{hook}"
    found = for_webhook(path)
    if found is None:
        names = channels_for_webhook(path)
        detail = f"{' / '.join(names)} is not configured" if names else "Not Found"
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail)
    channel, method = found
    try:
        if method == "status":
            update = await channel.status(request)
            await run_in_threadpool(pipeline.accept_status, update)
            return Response(status_code=200)
        received = await channel.receive(request)
    except Refused as exc:
        return PlainTextResponse(exc.detail, status_code=exc.status_code)
    if isinstance(received, Ignored):
        return JSONResponse({"ignored": received.reason})
    await run_in_threadpool(pipeline.accept_inbound, received)
    return channel.acknowledge()
