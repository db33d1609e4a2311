"""Staff issue the Telegram deep link that ties a person's Telegram account to their file."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status

from backend.api.deps import SessionDep
from backend.api.routes.beneficiaries import StaffWithCases
from backend.api.schemas.beneficiaries import TelegramLinkOut
from backend.core.safe_input import PathId
from backend.models import Account
from backend.services.access import visible_beneficiary
from backend.services.events import EventKind, record_event
from channels.linking import issue_telegram_token
from channels.registry import get_channel

router = APIRouter(prefix="/beneficiaries", tags=["beneficiaries"])


@router.post(
    "/{beneficiary_id}/telegram-link",
    status_code=status.HTTP_201_CREATED,
    response_model=TelegramLinkOut,
)
def create_telegram_link(
    beneficiary_id: PathId, session: SessionDep, account: Account = StaffWithCases
) -> dict[str, Any]:
    """A single-use ``https://t.me/<bot>?start=<token>`` link, to send or show to the person;
    opening it in Telegram links their account. It expires after TELEGRAM_LINK_TTL_HOURS."""
    beneficiary = visible_beneficiary(session, beneficiary_id, account)
    channel = get_channel("telegram")
    username = getattr(channel, "username", None)
    if username is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "Telegram is not configured")
    try:
        bot_name = username()
    except Exception as exc:  # token refused, Telegram unreachable...
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "Telegram is not reachable, try again"
        ) from exc
    token, link = issue_telegram_token(session, beneficiary, account)
    record_event(
        session,
        EventKind.telegram_link_issued,
        beneficiary_id=beneficiary.id,
        account_id=account.id,
        data={"expires_at": link.expires_at.isoformat()},
    )
    return {
        "url": f"https://t.me/{bot_name}?start={token}",
        "expires_at": link.expires_at.isoformat(),
    }
