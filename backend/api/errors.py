"""The shapes of our error answers, declared in the OpenAPI schema so that clients (and
schemathesis' response checks) know what a 4xx looks like."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Problem(BaseModel):
    """Every HTTPException we raise: one sentence saying what is wrong."""

    detail: str = Field(examples=["sign in first"])


class FieldProblem(BaseModel):
    field: str = Field(examples=["contact_id"])
    problem: str = Field(examples=["Input should be less than or equal to 2147483647"])


class InvalidRequest(BaseModel):
    """A 422: from a route (``detail`` only) or from validation (each field named)."""

    detail: str = Field(examples=["invalid request"])
    errors: list[FieldProblem] = Field(default_factory=list)


def _problem(description: str, model: type[BaseModel] = Problem) -> dict[str, Any]:
    return {"model": model, "description": description}


# What any API route may answer besides its success: declared once on the API router.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _problem("Malformed request (a body that is not what it claims to be)"),
    401: _problem("Not signed in, or the token is missing or invalid"),
    403: _problem("Signed in, but not allowed to do this"),
    404: _problem("No such resource"),
    409: _problem("Conflicts with the current state (already done, busy)"),
    413: _problem("Request body too large"),
    422: _problem("Invalid input: each field and what is wrong", InvalidRequest),
}
