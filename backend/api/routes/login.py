"""Staff sign-in for the API (OAuth2 password flow returning a signed bearer token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy import func, select

from backend.api.deps import CurrentAccount, SessionDep
from backend.api.schemas.auth import AccessToken, Me
from backend.core.safe_input import UnsafeInput, check_text
from backend.core.security import create_token, verify_password
from backend.models import Account

router = APIRouter(tags=["login"])


@router.post("/login/access-token", response_model=AccessToken)
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep
) -> dict[str, str]:
    try:  # PostgreSQL refuses a NUL in a query parameter: a 422, not a 500
        check_text(form.username, "username", 320)
        check_text(form.password, "password", 1024)
    except UnsafeInput as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, str(exc)) from exc
    account = session.scalar(
        select(Account).where(func.lower(Account.email) == form.username.lower())
    )
    if (
        account is None
        or not account.is_active
        or not verify_password(form.password, account.password_hash)
    ):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong email or password")
    return {"access_token": create_token(str(account.id)), "token_type": "bearer"}


@router.get("/me", response_model=Me)
def me(account: CurrentAccount) -> dict[str, object]:
    return {
        "id": account.id,
        "email": account.email,
        "full_name": account.full_name,
        "role": account.role,
        "structure_id": account.structure_id,
    }
