"""What every staff page shares: the signed-in session, role checks, CSRF, rendering."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from backend.api.deps import SessionDep
from backend.models import Role, WebSession, utcnow
from backend.services.staff_sessions import SESSION_COOKIE, find_session

from . import labels
from .auth import LoginRequired, WebError, csrf_ok

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parents[1] / "templates"))
TEMPLATES.env.filters.update(
    datetime=labels.format_datetime,
    date=labels.format_date,
    duration=labels.format_duration,
)
TEMPLATES.env.globals.update(
    ROLE_LABELS=labels.ROLE_LABELS,
    CHANNEL_LABELS=labels.CHANNEL_LABELS,
    DECLARATION_LABELS=labels.DECLARATION_LABELS,
    PREDIAG_STATUS_LABELS=labels.PREDIAG_STATUS_LABELS,
    APPOINTMENT_STATUS_LABELS=labels.APPOINTMENT_STATUS_LABELS,
    APPOINTMENT_MODE_LABELS=labels.APPOINTMENT_MODE_LABELS,
    CONTRACT_TYPE_LABELS=labels.CONTRACT_TYPE_LABELS,
    SITUATION_UPDATE_LABELS=labels.SITUATION_UPDATE_LABELS,
    age=labels.format_age,
    is_stale=labels.is_stale,
)

# Staff pages hold personal data: not cached, not framed, no third-party resources.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
}

HOME = {Role.referent: "/referent", Role.coordinator: "/coordination", Role.admin: "/admin/comptes"}


def current_session(request: Request, db: SessionDep) -> WebSession:
    web_session = find_session(db, request.cookies.get(SESSION_COOKIE))
    if web_session is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    return web_session


def allow(*roles: Role):
    """A page dependency: signed in, with one of these roles (403 otherwise)."""

    def dependency(web_session: WebSession = Depends(current_session)) -> WebSession:
        if web_session.account.role not in roles:
            raise WebError(
                403,
                "Accès refusé",
                "Votre rôle ne donne pas accès à cette page.",
            )
        return web_session

    return dependency


async def check_csrf(
    request: Request, web_session: WebSession = Depends(current_session)
) -> WebSession:
    """Every form carries the session's CSRF token; a form without it is refused."""
    form = await request.form()
    if not csrf_ok(web_session.csrf_token, str(form.get("csrf_token") or "")):
        raise WebError(
            403,
            "Formulaire refusé",
            "Ce formulaire a expiré ou ne vient pas de cette application. Rechargez la page et "
            "recommencez.",
        )
    return web_session


def flash(web_session: WebSession, message: str) -> None:
    web_session.flash = message


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def render(
    request: Request,
    template: str,
    web_session: WebSession | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    message = None
    if web_session is not None and web_session.flash:
        message, web_session.flash = web_session.flash, None
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "me": web_session.account if web_session else None,
            "csrf_token": web_session.csrf_token if web_session else "",
            "flash": message,
            "now": utcnow(),
            "path": request.url.path,
            **context,
        },
        status_code=status_code,
    )
    response.headers.update(SECURITY_HEADERS)
    return response


def login_url(next_url: str) -> str:
    return "/connexion" + (f"?next={quote(next_url, safe='')}" if next_url not in ("", "/") else "")


def safe_next(next_url: str | None) -> str | None:
    """Only a local path: never send someone to another site after signing in."""
    if (
        next_url
        and next_url.startswith("/")
        and not next_url.startswith("//")
        and "\\" not in next_url
    ):
        return next_url
    return None
