"""Sign in, sign out, change one's own password."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from backend.api.deps import SessionDep
from backend.core.security import hash_password, verify_password
from backend.models import WebSession
from backend.services.events import EventKind, record_event
from backend.services.staff_sessions import (
    SESSION_COOKIE,
    SESSION_LIFETIME,
    close_all_sessions,
    close_session,
    find_session,
    open_session,
)

from .auth import (
    LOGIN_CSRF_COOKIE,
    attempt_login,
    client_ip,
    cookie_is_secure,
    csrf_ok,
    format_wait,
)
from .common import HOME, check_csrf, current_session, flash, redirect, render, safe_next

router = APIRouter(include_in_schema=False)

MIN_PASSWORD_LENGTH = 12


def _login_page(
    request: Request,
    next_url: str | None,
    error: str | None = None,
    status_code: int = 200,
    email: str = "",
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        None,
        status_code,
        login_csrf=token,
        next_url=next_url or "",
        error=error,
        email=email,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=cookie_is_secure(),
        max_age=3600,
        path="/connexion",
    )
    response.headers.update(headers or {})
    return response


@router.get("/connexion")
def login_form(request: Request, db: SessionDep, next: str | None = None) -> Response:
    web_session = find_session(db, request.cookies.get(SESSION_COOKIE))
    if web_session is not None:
        return redirect(safe_next(next) or HOME[web_session.account.role])
    return _login_page(request, safe_next(next))


@router.post("/connexion")
def login(
    request: Request,
    db: SessionDep,
    email: str = Form("", max_length=254),
    password: str = Form("", max_length=200),
    csrf_token: str = Form(""),
    next: str = Form(""),
) -> Response:
    next_url = safe_next(next)
    if not csrf_ok(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
        return _login_page(
            request,
            next_url,
            "Le formulaire a expiré. Saisissez à nouveau vos identifiants.",
            403,
            email,
        )
    if not email.strip() or not password:
        return _login_page(
            request, next_url, "Saisissez votre adresse e-mail et votre mot de passe.", 400, email
        )
    if "\x00" in email or "\x00" in password:  # PostgreSQL refuses it in a query: no 500
        return _login_page(request, next_url, "Adresse e-mail ou mot de passe incorrect.", 400, "")
    result = attempt_login(db, email, password, client_ip(request))
    if result.wait_seconds:
        return _login_page(
            request,
            next_url,
            f"Trop de tentatives échouées. Réessayez dans {format_wait(result.wait_seconds)}.",
            429,
            email,
            {"Retry-After": str(result.wait_seconds)},
        )
    if result.account is None:
        message = "Adresse e-mail ou mot de passe incorrect."
        headers = None
        if result.next_wait_seconds:
            message += (
                " Trop de tentatives échouées : attendez "
                f"{format_wait(result.next_wait_seconds)} avant de réessayer."
            )
            headers = {"Retry-After": str(result.next_wait_seconds)}
        return _login_page(request, next_url, message, 401, email, headers)
    account = result.account
    token = open_session(db, account, client_ip(request))
    record_event(db, EventKind.staff_login, account_id=account.id, data={"ip": client_ip(request)})
    response = RedirectResponse(next_url or HOME[account.role], status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=cookie_is_secure(),
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/connexion")
    return response


@router.post("/deconnexion")
def logout(
    request: Request, db: SessionDep, web_session: WebSession = Depends(check_csrf)
) -> Response:
    close_session(db, request.cookies.get(SESSION_COOKIE))
    response = redirect("/connexion")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
def home(web_session: WebSession = Depends(current_session)) -> Response:
    return redirect(HOME[web_session.account.role])


@router.get("/compte/mot-de-passe")
def password_form(request: Request, web_session: WebSession = Depends(current_session)) -> Response:
    return render(request, "password.html", web_session)


@router.post("/compte/mot-de-passe")
def change_password(
    request: Request,
    db: SessionDep,
    current: str = Form("", max_length=200),
    new: str = Form("", max_length=200),
    confirm: str = Form("", max_length=200),
    web_session: WebSession = Depends(check_csrf),
) -> Response:
    account = web_session.account
    error = None
    if not verify_password(current, account.password_hash):
        error = "Le mot de passe actuel est incorrect."
    elif len(new) < MIN_PASSWORD_LENGTH:
        error = f"Le nouveau mot de passe doit faire au moins {MIN_PASSWORD_LENGTH} caractères."
    elif new != confirm:
        error = "Les deux saisies du nouveau mot de passe sont différentes."
    if error:
        return render(request, "password.html", web_session, 400, error=error)
    account.password_hash = hash_password(new)
    # Other browsers signed in with the old password are signed out; this one stays.
    close_all_sessions(db, account.id)
    token = open_session(db, account, client_ip(request))
    record_event(db, EventKind.staff_password_changed, account_id=account.id, data={})
    db.flush()
    new_session = find_session(db, token)
    assert new_session is not None  # opened and flushed just above
    flash(new_session, "Votre mot de passe a été changé.")
    response = redirect(HOME[account.role])
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=cookie_is_secure(),
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
    )
    return response
