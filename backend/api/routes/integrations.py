"""Webhooks of external systems (RDV-Solidarités)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request, status
from starlette.concurrency import run_in_threadpool

from backend.api.schemas.system import RdvWebhookOut
from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.core.safe_input import UnsafeInput, load_json
from backend.services import rdv_solidarites

router = APIRouter(prefix="/integrations", tags=["integrations"])


@router.post(
    "/rdv-solidarites/webhook",
    response_model=RdvWebhookOut,
    response_model_exclude_unset=True,  # each outcome has its own fields
)
async def rdv_solidarites_webhook(
    request: Request,
    x_lapin_signature: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """RDV-Solidarités notifications (rdv created/updated/destroyed), signed with
    ``X-Lapin-Signature`` (hex HMAC-SHA256 of the raw body)."""
    raw = await request.body()  # capped by RDV_SOLIDARITES_MAX_BODY_BYTES (core/body_size.py)
    # Everything else off the event loop: a 500-participant rdv is about a second of JSON,
    # validation and database work, and the database calls block.
    return await run_in_threadpool(handle_notification, raw, x_lapin_signature)


def handle_notification(raw: bytes, signature: str | None) -> dict[str, Any]:
    secret = get_settings().rdv_solidarites_webhook_secret
    if not secret:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "webhook secret is not configured")
    if not rdv_solidarites.signature_ok(raw, signature, secret):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "bad or missing X-Lapin-Signature")
    try:
        body = load_json(raw)  # strict: no NaN, no NUL, not deeply nested
    except UnsafeInput as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from exc
    if not isinstance(body, dict):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "body is not a JSON object")
    try:
        with session_scope() as session:  # rolled back when the payload is refused
            return rdv_solidarites.receive(session, raw, body)
    except rdv_solidarites.InvalidPayload as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
