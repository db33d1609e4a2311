"""Liveness and readiness."""

from __future__ import annotations

import httpx
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from backend.api.schemas.system import Alive, Readiness
from backend.core.config import get_settings
from backend.core.db import get_engine

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Alive)
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


def _reachable(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code < 500
    except httpx.HTTPError:
        return False


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Something is down: ``checks`` names it"}},
)
def readyz() -> JSONResponse:
    """Database, Rasa server and action server all answer."""
    settings = get_settings()
    checks: dict[str, bool] = {}
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = True
    except Exception:
        checks["database"] = False
    checks["rasa"] = _reachable(f"{settings.rasa_url.rstrip('/')}/status")
    checks["action_server"] = _reachable(f"{settings.action_server_url.rstrip('/')}/health")
    ready = all(checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)
