"""The simulator: the real pipeline, nothing sent to a provider, replies as the channel shows them."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, Field, field_validator
from starlette.concurrency import run_in_threadpool

from backend.api.deps import Credentials, SessionDep
from backend.api.errors import Problem
from backend.api.schemas.simulate import Reply, SimulateOut
from backend.core.config import get_settings
from backend.core.safe_input import NoNul
from backend.core.security import read_token
from backend.models import Account, Role
from backend.services.staff_sessions import SESSION_COOKIE, find_session
from channels.base import Inbound
from channels.identity import InvalidAddress, normalise_address
from channels.pipeline import simulate
from channels.rasa_client import RasaUnavailable

router = APIRouter(tags=["simulator"])


class SimulateIn(BaseModel):
    contact: Annotated[str, NoNul, Field(min_length=1, max_length=100)] = Field(
        examples=["+33612345678"]
    )
    channel: Literal["sms", "whatsapp", "telegram", "web"] = "sms"
    text: Annotated[str, NoNul, Field(max_length=2000)] = Field(examples=["bonjour"])

    @field_validator("contact")
    @classmethod
    def strip_contact(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("contact is empty")
        return value


def require_tuner(request: Request, session: SessionDep, credentials: Credentials) -> None:
    """With SIMULATOR_OPEN=false, only a signed-in coordinator or admin may simulate (a web
    session from the staff pages, or a bearer token from /api/v1/login/access-token)."""
    if get_settings().simulator_open:
        return
    account = None
    subject = read_token(credentials.credentials) if credentials else None
    if subject and subject.isdigit():
        account = session.get(Account, int(subject))
    else:
        web_session = find_session(session, request.cookies.get(SESSION_COOKIE))
        account = web_session.account if web_session else None
    if account is None or not account.is_active:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in as a coordinator first")
    if account.role not in (Role.coordinator, Role.admin):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the simulator is for coordinators")


@router.post(
    "/simulate",
    response_model=SimulateOut,
    dependencies=[Depends(require_tuner)],
    responses={503: {"model": Problem, "description": "The assistant is not reachable"}},
)
async def simulate_message(body: SimulateIn) -> SimulateOut:
    try:
        address = normalise_address(body.channel, body.contact)
    except InvalidAddress as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    inbound = Inbound(channel=body.channel, address=address, text=body.text)
    try:
        replies = await run_in_threadpool(simulate, inbound)
    except RasaUnavailable as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "the assistant is not reachable, try again"
        ) from exc
    except TimeoutError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return SimulateOut(replies=[Reply(**r.as_dict()) for r in replies])
