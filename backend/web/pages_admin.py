"""Admin pages: the accounts of the admin's structure (create, deactivate, reset password)."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from backend.api.deps import SessionDep
from backend.core.safe_input import PathId
from backend.core.security import hash_password
from backend.models import Account, Role, WebSession
from backend.services.events import EventKind, record_event
from backend.services.staff_sessions import close_all_sessions

from .auth import WebError
from .common import allow, check_csrf, flash, redirect, render

router = APIRouter(prefix="/admin", include_in_schema=False)
Admin = Depends(allow(Role.admin))


def temporary_password() -> str:
    # 4 groups of 4 from an alphabet without look-alikes: easy to read out on the phone.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def _accounts(db: SessionDep, admin: Account) -> list[Account]:
    return list(
        db.scalars(
            select(Account)
            .where(Account.structure_id == admin.structure_id)
            .order_by(Account.is_active.desc(), Account.full_name)
        )
    )


def _page(request, db, web_session, status_code=200, **context):
    return render(
        request,
        "accounts.html",
        web_session,
        status_code,
        accounts=_accounts(db, web_session.account),
        roles=list(Role),
        **context,
    )


@router.get("/comptes")
def accounts_page(request: Request, db: SessionDep, web_session: WebSession = Admin):
    return _page(request, db, web_session)


def _admin(web_session: WebSession) -> Account:
    if web_session.account.role != Role.admin:
        raise WebError(403, "Accès refusé", "Votre rôle ne donne pas accès à cette action.")
    return web_session.account


def _managed(db: SessionDep, admin: Account, account_id: int) -> Account:
    account = db.get(Account, account_id)
    if account is None or account.structure_id != admin.structure_id:
        raise WebError(404, "Compte introuvable", "Ce compte n'existe pas dans votre structure.")
    return account


@router.post("/comptes")
def create_account(
    request: Request,
    db: SessionDep,
    email: str = Form("", max_length=254),
    full_name: str = Form("", max_length=200),
    role: str = Form(""),
    web_session: WebSession = Depends(check_csrf),
) -> Response:
    admin = _admin(web_session)
    email, full_name = email.strip().lower(), full_name.strip()
    error = None
    if "@" not in email or "." not in email.rsplit("@", 1)[-1] or " " in email:
        error = "Saisissez une adresse e-mail valide."
    elif not full_name:
        error = "Saisissez le nom de la personne."
    elif role not in {r.value for r in Role}:
        error = "Choisissez un rôle."
    elif db.scalar(select(Account.id).where(func.lower(Account.email) == email)):
        error = "Un compte existe déjà avec cette adresse e-mail."
    if error:
        return _page(
            request,
            db,
            web_session,
            400,
            error=error,
            form={"email": email, "full_name": full_name, "role": role},
        )
    password = temporary_password()
    account = Account(
        email=email,
        full_name=full_name,
        role=Role(role),
        structure_id=admin.structure_id,
        password_hash=hash_password(password),
    )
    db.add(account)
    db.flush()
    record_event(
        db,
        EventKind.account_created,
        account_id=admin.id,
        data={"target_account_id": account.id, "role": role},
    )
    return _page(request, db, web_session, 201, new_password=(account, password))


@router.post("/comptes/{account_id}/{action}")
def account_action(
    request: Request,
    account_id: PathId,
    action: str,
    db: SessionDep,
    web_session: WebSession = Depends(check_csrf),
) -> Response:
    admin = _admin(web_session)
    account = _managed(db, admin, account_id)
    if action == "desactiver":
        if account.id == admin.id:
            raise WebError(
                400, "Action impossible", "Vous ne pouvez pas désactiver votre propre compte."
            )
        account.is_active = False
        close_all_sessions(db, account.id)
        message = f"Compte de {account.full_name} désactivé : ses sessions sont fermées."
    elif action == "reactiver":
        account.is_active = True
        message = f"Compte de {account.full_name} réactivé."
    elif action == "mot-de-passe":
        if account.id == admin.id:
            raise WebError(
                400, "Action impossible", "Changez votre propre mot de passe depuis « Mon compte »."
            )
        password = temporary_password()
        account.password_hash = hash_password(password)
        close_all_sessions(db, account.id)
        record_event(
            db,
            EventKind.account_password_reset,
            account_id=admin.id,
            data={"target_account_id": account.id},
        )
        # Shown once, on this page only (never stored in clear, never in a redirect).
        return _page(request, db, web_session, new_password=(account, password))
    else:
        raise WebError(404, "Action inconnue", "Cette action n'existe pas.")
    kind = {
        "desactiver": EventKind.account_deactivated,
        "reactiver": EventKind.account_reactivated,
    }[action]
    record_event(db, kind, account_id=admin.id, data={"target_account_id": account.id})
    flash(web_session, message)
    return redirect("/admin/comptes")
