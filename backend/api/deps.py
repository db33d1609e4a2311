"""Injected dependencies: database session, the bot service, the signed-in staff account."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from backend.core.config import get_settings
from backend.core.db import session_scope
from backend.core.security import constant_time_equals, read_token
from backend.models import Account, Role

bearer = HTTPBearer(auto_error=False)


def get_db() -> Iterator[Session]:
    with session_scope() as session:
        yield session


# scope="function": commit before the response is sent (the default, "request", commits after
# it, so a client could act on a 2xx whose write then failed, or read before it landed).
SessionDep = Annotated[Session, Depends(get_db, scope="function")]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def require_bot(credentials: Credentials) -> None:
    """The action server authenticates with the shared BOT_API_TOKEN."""
    token = credentials.credentials if credentials else ""
    if not token or not constant_time_equals(token, get_settings().bot_api_token):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "bot token missing or invalid")


def get_current_account(session: SessionDep, credentials: Credentials) -> Account:
    subject = read_token(credentials.credentials) if credentials else None
    account = session.get(Account, int(subject)) if subject and subject.isdigit() else None
    if account is None or not account.is_active:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in first")
    return account


CurrentAccount = Annotated[Account, Depends(get_current_account)]


def require_role(*roles: Role):
    def checker(account: CurrentAccount) -> Account:
        if account.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "your role cannot do this")
        return account

    return checker
