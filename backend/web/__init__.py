"""Server-rendered pages for referents, coordinators and admins (French, accessible)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend.services.errors import Refused

from .auth import LoginRequired, WebError
from .common import current_session, login_url, render
from .pages_admin import router as admin_router
from .pages_auth import router as auth_router
from .pages_coordination import router as coordination_router
from .pages_onboarding import router as onboarding_router
from .pages_referent import router as referent_router
from .pages_tuning import router as tuning_router

AsyncHandler = Callable[[Request, Any], Awaitable[Response]]

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
WEB_PREFIXES = ("/referent", "/coordination", "/admin", "/compte", "/connexion", "/deconnexion")


def install(app: FastAPI) -> None:
    """Mount the staff pages, their static files and their HTML error pages on ``app``."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in (
        auth_router,
        referent_router,
        onboarding_router,
        coordination_router,
        tuning_router,
        admin_router,
    ):
        app.include_router(router)

    @app.exception_handler(LoginRequired)
    async def login_required(_: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(login_url(exc.next_url), status_code=303)

    @app.exception_handler(WebError)
    async def web_error(request: Request, exc: WebError) -> Response:
        return await _error_page_off_loop(request, exc.status_code, exc.title, exc.message)

    # backend/main.py registers these two as async handlers.
    api_refused_handler = cast(AsyncHandler | None, app.exception_handlers.get(Refused))

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> Response:
        # A service's refusal: a page here, the API's JSON elsewhere.
        if request.url.path.startswith(WEB_PREFIXES) or api_refused_handler is None:
            return await _error_page_off_loop(request, exc.status_code, exc.title, exc.message)
        return await api_refused_handler(request, exc)

    api_validation_handler = cast(
        AsyncHandler | None, app.exception_handlers.get(RequestValidationError)
    )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        # Pages answer with a page; the API keeps its JSON errors.
        if request.url.path.startswith(WEB_PREFIXES) or api_validation_handler is None:
            return await _error_page_off_loop(
                request, 400, "Demande incomplète", "Cette adresse ou ce formulaire est incorrect."
            )
        return await api_validation_handler(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith(WEB_PREFIXES) and exc.status_code in (404, 405):
            return await _error_page_off_loop(
                request, exc.status_code, "Page introuvable", "Cette page n'existe pas."
            )
        return await http_exception_handler(request, exc)


async def _error_page_off_loop(
    request: Request, status_code: int, title: str, message: str
) -> Response:
    """The page reads the signed-in session from the database: not on the event loop."""
    return await run_in_threadpool(_error_page, request, status_code, title, message)


def _error_page(request: Request, status_code: int, title: str, message: str) -> Response:
    try:
        from backend.core.db import get_sessionmaker

        with get_sessionmaker()() as db:
            web_session = current_session(request, db)
            response = render(
                request, "error.html", web_session, status_code, title=title, message=message
            )
            db.commit()  # the flash message shown, if any, is consumed
            return response
    except LoginRequired:
        return render(request, "error.html", None, status_code, title=title, message=message)
