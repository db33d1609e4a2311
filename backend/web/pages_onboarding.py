"""Referent (and admin) pages to bring people in: import a list, invite, triage unknown numbers."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backend.api.deps import SessionDep
from backend.models import Beneficiary, Identification, Role, WebSession
from backend.services import imports, invitations, triage

from .auth import WebError
from .common import allow, check_csrf, flash, redirect, render

router = APIRouter(prefix="/referent", include_in_schema=False)
Staff = Depends(allow(Role.referent, Role.admin))

INVITATION_STATUS_LABELS = {
    "open": "Invitée, sans réponse",
    "answered": "A répondu",
    "stopped": "A demandé STOP",
    "replaced": "Relancée",
    "failed": "Échec",
}
DELIVERY_LABELS = {
    "queued": "En file d'envoi",
    "retrying": "Nouvel essai prévu",
    "sending": "Envoi en cours",
    "sent": "Envoyé",
    "delivered": "Reçu",
    "read": "Lu",
    "failed": "Non remis",
    "suppressed": "Non envoyé (STOP)",
    "simulated": "Simulé",
}
REQUEST_LABELS = {"callback": "Demande de rappel", "cannot_attend": "Ne peut pas venir au RDV"}


def _acting(web_session: WebSession):
    if web_session.account.role not in (Role.referent, Role.admin):
        raise WebError(403, "Accès refusé", "Votre rôle ne donne pas accès à cette action.")
    return web_session.account


# Import ---------------------------------------------------------------------------------------


@router.get("/import")
def import_form(request: Request, web_session: WebSession = Staff):
    return render(request, "import.html", web_session, preview=None, error=None)


def _preview(db: SessionDep, account, data: bytes) -> tuple[str, imports.Plan]:
    text = imports.decode(data)
    rows, rejected = imports.read_csv(text)
    return text, imports.plan(db, account, rows, rejected)


@router.post("/import/apercu")
def import_preview(
    request: Request,
    db: SessionDep,
    fichier: UploadFile = File(...),
    web_session: WebSession = Depends(check_csrf),
):
    account = _acting(web_session)
    # A plain def: FastAPI runs it in a worker thread, so reading and parsing stay off the loop.
    data = fichier.file.read(imports.MAX_BYTES + 1)
    try:
        text, preview = _preview(db, account, data)
    except imports.FileRejected as exc:
        return render(request, "import.html", web_session, 400, preview=None, error=str(exc))
    return render(
        request,
        "import.html",
        web_session,
        preview=preview,
        csv_text=text,
        filename=fichier.filename or "fichier.csv",
        error=None,
    )


@router.post("/import/confirmer")
def import_confirm(
    request: Request,
    db: SessionDep,
    csv_text: str = Form(...),
    web_session: WebSession = Depends(check_csrf),
) -> Response:
    account = _acting(web_session)
    try:
        _plan, counts = imports.import_csv(db, account, csv_text)
    except imports.FileRejected as exc:
        return render(request, "import.html", web_session, 400, preview=None, error=str(exc))
    except IntegrityError as exc:
        raise WebError(
            409,
            "Import interrompu",
            "Un autre import a modifié ces personnes au même moment. Rien n'a été enregistré : "
            "importez le fichier à nouveau.",
        ) from exc
    flash(
        web_session,
        f"Import terminé : {counts['created']} personne(s) créée(s), {counts['updated']} mise(s) "
        f"à jour, {len(counts['rejected'])} ligne(s) refusée(s).",
    )
    return redirect("/referent/invitations")


# Invitations ----------------------------------------------------------------------------------


@router.get("/invitations")
def invitations_page(request: Request, db: SessionDep, web_session: WebSession = Staff):
    account = web_session.account
    waiting_ids = invitations.not_yet_invited(db, account.structure_id)
    waiting = (
        list(
            db.scalars(
                select(Beneficiary)
                .where(Beneficiary.id.in_(waiting_ids))
                .order_by(Beneficiary.last_name, Beneficiary.first_name)
            )
        )
        if waiting_ids
        else []
    )
    return render(
        request,
        "invitations.html",
        web_session,
        rows=invitations.invitation_rows(db, account.structure_id),
        waiting=waiting,
        status_labels=INVITATION_STATUS_LABELS,
        delivery_labels=DELIVERY_LABELS,
        reminder_days=invitations.reminder_days(),
    )


def _flash_result(web_session: WebSession, result: invitations.InviteResult) -> None:
    parts = [f"{len(result.invited)} invitation(s) programmée(s)."]
    if result.skipped:
        reasons: dict[str, int] = {}
        for skip in result.skipped:
            reasons[skip["label"]] = reasons.get(skip["label"], 0) + 1
        parts.append(
            "Non invitées : " + ", ".join(f"{n} ({label})" for label, n in reasons.items()) + "."
        )
    flash(web_session, " ".join(parts))


@router.post("/invitations")
def invite_waiting(db: SessionDep, web_session: WebSession = Depends(check_csrf)) -> Response:
    account = _acting(web_session)
    _flash_result(web_session, invitations.invite(db, account, None))
    return redirect("/referent/invitations")


@router.post("/invitations/{beneficiary_id}/relancer")
def relaunch(
    beneficiary_id: int, db: SessionDep, web_session: WebSession = Depends(check_csrf)
) -> Response:
    account = _acting(web_session)
    _flash_result(web_session, invitations.invite(db, account, [beneficiary_id], relaunch=True))
    return redirect("/referent/invitations")


# Triage ---------------------------------------------------------------------------------------


@router.get("/triage")
def triage_page(request: Request, db: SessionDep, web_session: WebSession = Staff):
    people = list(
        db.scalars(
            select(Beneficiary)
            .where(
                Beneficiary.structure_id == web_session.account.structure_id,
                Beneficiary.identification == Identification.identified,
            )
            .order_by(Beneficiary.last_name, Beneficiary.first_name)
            .limit(1000)
        )
    )
    return render(
        request,
        "triage.html",
        web_session,
        rows=triage.pending_rows(db),
        people=people,
        request_labels=REQUEST_LABELS,
    )


def _triage_failed(exc: triage.TriageError) -> WebError:
    messages = {
        404: ("Introuvable", "Cette personne n'existe pas dans votre structure."),
        409: ("Déjà traité", "Ce numéro a déjà été identifié."),
        422: ("Formulaire incomplet", "Le prénom et le nom sont obligatoires."),
    }
    title, message = messages.get(exc.status, ("Refusé", "Cette action n'est pas possible."))
    return WebError(exc.status, title, message)


@router.post("/triage/{pending_id}/relier")
def triage_link(
    pending_id: int,
    db: SessionDep,
    beneficiary_id: int = Form(...),
    web_session: WebSession = Depends(check_csrf),
) -> Response:
    account = _acting(web_session)
    try:
        triage.link(db, pending_id, beneficiary_id, account)
    except triage.TriageError as exc:
        raise _triage_failed(exc) from exc
    target = db.get(Beneficiary, beneficiary_id)
    name = f"{target.first_name or ''} {target.last_name or ''}".strip() if target else ""
    flash(web_session, f"Numéro relié au dossier de {name}.")
    return redirect("/referent/triage")


@router.post("/triage/{pending_id}/creer")
def triage_create(
    pending_id: int,
    db: SessionDep,
    first_name: str = Form(""),
    last_name: str = Form(""),
    birth_date: str = Form(""),
    web_session: WebSession = Depends(check_csrf),
) -> Response:
    account = _acting(web_session)
    born = None
    if birth_date.strip():
        try:
            born = date.fromisoformat(birth_date.strip())
        except ValueError as exc:
            raise WebError(400, "Date incorrecte", "La date de naissance est incorrecte.") from exc
    try:
        person = triage.create(
            db, pending_id, account, first_name=first_name, last_name=last_name, birth_date=born
        )
    except triage.TriageError as exc:
        raise _triage_failed(exc) from exc
    flash(web_session, f"Dossier créé pour {person.first_name} {person.last_name}.")
    return redirect("/referent/triage")
