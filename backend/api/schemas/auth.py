"""Staff sign-in for the API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from backend.models import Role


class AccessToken(BaseModel):
    access_token: str
    token_type: Literal["bearer"]


class Me(BaseModel):
    id: int
    email: str
    full_name: str
    role: Role
    structure_id: int
