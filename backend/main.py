"""The web process: parcours API, channel webhooks, web chat and staff pages."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates

from backend.api.main import api_router
from backend.api.routes import health
from backend.core.body_size import BodySizeLimit
from backend.core.config import check_production, get_settings
from backend.core.logs import install_redaction
from backend.core.timing import ServerTiming
from backend.services.errors import Refused
from backend.web import install as install_web_pages
from channels.routes import router as channels_router
from channels.setup import configure_channels

logger = logging.getLogger(__name__)

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def create_app() -> FastAPI:
    install_redaction()  # no phone number or bot token in any log line of this process
    check_production(get_settings())  # a public (https) deployment never runs on demo secrets
    app = FastAPI(
        title="Parcours assistant backend",
        version="1.0",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
    )
    configure_channels()  # the channels whose credentials are set
    # The provider webhooks first: routes are tried in order, and a webhook's acknowledgement
    # is what Twilio waits for (matching ~50 API routes first cost more than its signature).
    app.include_router(channels_router)
    app.include_router(health.router)
    app.include_router(api_router)

    @app.get("/chat", response_class=HTMLResponse, include_in_schema=False)
    def chat(request: Request) -> HTMLResponse:
        return TEMPLATES.TemplateResponse(request, "chat.html", {})

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        # A program sending bad input gets a 422 naming each field and what is wrong.
        errors = [
            {"field": ".".join(str(p) for p in e["loc"][1:]) or "body", "problem": e["msg"]}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": "invalid request", "errors": errors}, status_code=422)

    @app.exception_handler(Refused)
    async def refused(_: Request, exc: Refused) -> JSONResponse:
        # A service said no (backend/services/errors.py): its one English sentence.
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def unexpected_error(_: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error")
        return JSONResponse({"detail": "internal error, it was logged"}, status_code=500)

    # Referent, coordinator and admin pages (after the API handlers, which they delegate to).
    install_web_pages(app)
    # Outermost: a body over its cap is refused before any handler reads it.
    app.add_middleware(BodySizeLimit)
    # Outside it: a webhook's answer says how long the backend itself took (bench/load.py).
    app.add_middleware(ServerTiming)
    return app


app = create_app()
