"""Webhooks of external systems (RDV-Solidarités)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request, status

from backend.api.deps import SessionDep
from backend.core.config import get_settings
from backend.core.safe_input import UnsafeInput, load_json
from backend.services import rdv_solidarites

router = APIRouter(prefix="/integrations", tags=["integrations"])


@router.post("/rdv-solidarites/webhook")
async def rdv_solidarites_webhook(
    request: Request,
    session: SessionDep,
    x_lapin_signature: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """RDV-Solidarités notifications (rdv created/updated/destroyed), signed with
    ``X-Lapin-Signature`` (hex HMAC-SHA256 of the raw body)."""
    raw = await request.body()
    secret = get_settings().rdv_solidarites_webhook_secret
    if not secret:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "webhook secret is not configured")
    if not rdv_solidarites.signature_ok(raw, x_lapin_signature, secret):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "bad or missing X-Lapin-Signature")
    try:
        body = load_json(raw)  # strict: no NaN, no NUL, not deeply nested
    except UnsafeInput as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from exc
    if not isinstance(body, dict):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "body is not a JSON object")
    try:
        return rdv_solidarites.receive(session, raw, body)
    except rdv_solidarites.InvalidPayload as exc:
        session.rollback()
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
