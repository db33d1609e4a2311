"""Referent pages: inbox, people of the structure, one person's pre-diagnostic and exports."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy import or_, select

from backend.api.deps import SessionDep
from backend.core.safe_input import PathId
from backend.models import (
    Account,
    Appointment,
    Beneficiary,
    CallbackRequest,
    Contact,
    Message,
    OrientationSuggestion,
    Prediagnostic,
    PrediagnosticStatus,
    RequestKind,
    RequestStatus,
    Role,
    SituationUpdate,
    SituationUpdateStatus,
    WebSession,
    utcnow,
)
from backend.services import my_data
from backend.services.access import visible_beneficiary
from backend.services.events import EventKind, record_event
from backend.services.orientation.labels import (
    MOTIF_REFUS_LABELS,
    PARCOURS_LABELS,
)
from backend.services.orientation.rules import OrientationRulesError
from backend.services.orientation.store import (
    DecisionError,
    decide,
    ensure_suggestion,
    latest_suggestion,
)
from backend.services.review import (
    audit_read,
    build_review,
    current_prediagnostic,
    review_project,
    review_situation,
    validate_prediagnostic,
    validate_remaining,
)

from .auth import WebError
from .common import allow, check_csrf, flash, redirect, render, safe_next
from .export import calcul_orientation_json, socio_pro_csv, socio_pro_json

router = APIRouter(prefix="/referent", include_in_schema=False)
Referent = Depends(allow(Role.referent))

TRANSCRIPT_LIMIT = 300

# Inbox kinds that are "marked as handled" here; new pre-diagnostics leave by being validated.
FOLLOW_UPS = {
    "situation": (SituationUpdate, None, EventKind.situation_update_handled),
    "absence": (CallbackRequest, "cannot_attend", EventKind.callback_request_handled),
    "rappel": (CallbackRequest, "callback", EventKind.callback_request_handled),
}


def _in_structure(query, account: Account, mine: bool):
    query = query.where(Beneficiary.structure_id == account.structure_id)
    return query.where(Beneficiary.referent_id == account.id) if mine else query


@router.get("")
def inbox(request: Request, db: SessionDep, moi: bool = False, web_session: WebSession = Referent):
    account = web_session.account
    prediagnostics = db.execute(
        _in_structure(
            select(Prediagnostic, Beneficiary)
            .join(Beneficiary, Beneficiary.id == Prediagnostic.beneficiary_id)
            .where(Prediagnostic.status == PrediagnosticStatus.submitted),
            account,
            moi,
        ).order_by(Prediagnostic.submitted_at, Prediagnostic.id)
    ).all()
    updates = db.execute(
        _in_structure(
            select(SituationUpdate, Beneficiary)
            .join(Beneficiary, Beneficiary.id == SituationUpdate.beneficiary_id)
            .where(SituationUpdate.status == SituationUpdateStatus.declared),
            account,
            moi,
        ).order_by(SituationUpdate.id)
    ).all()
    requests = db.execute(
        _in_structure(
            select(CallbackRequest, Beneficiary)
            .join(Beneficiary, Beneficiary.id == CallbackRequest.beneficiary_id)
            .where(CallbackRequest.status == RequestStatus.open),
            account,
            moi,
        ).order_by(CallbackRequest.id)
    ).all()
    appointments = {
        a.id: a
        for a in db.scalars(
            select(Appointment).where(
                Appointment.id.in_([r.appointment_id for r, _ in requests if r.appointment_id])
            )
        )
    }
    sections = [
        {
            "key": "prediagnostics",
            "title": "Nouveaux pré-diagnostics",
            "rows": [(p, b, p.submitted_at or p.created_at) for p, b in prediagnostics],
        },
        {
            "key": "situation",
            "title": "Changements de situation",
            "rows": [(u, b, u.created_at) for u, b in updates],
        },
        {
            "key": "absence",
            "title": "Absences annoncées",
            "rows": [
                (r, b, r.created_at) for r, b in requests if r.kind == RequestKind.cannot_attend
            ],
        },
        {
            "key": "rappel",
            "title": "Demandes de rappel",
            "rows": [(r, b, r.created_at) for r, b in requests if r.kind == RequestKind.callback],
        },
    ]
    return render(
        request, "inbox.html", web_session, sections=sections, mine=moi, appointments=appointments
    )


@router.post("/suivis/{kind}/{row_id}/traite")
def mark_handled(
    kind: str,
    row_id: PathId,
    db: SessionDep,
    next: str = Form(""),
    web_session: WebSession = Depends(check_csrf),
) -> Response:
    account = web_session.account
    if account.role != Role.referent:
        raise WebError(403, "Accès refusé", "Votre rôle ne donne pas accès à cette action.")
    if kind not in FOLLOW_UPS:
        raise WebError(404, "Introuvable", "Ce type de demande n'existe pas.")
    model, request_kind, event_kind = FOLLOW_UPS[kind]
    # One of FOLLOW_UPS' models: mypy sees their union as Base, they share these columns.
    row: Any = db.get(model, row_id)
    if row is None or (request_kind and row.kind != request_kind) or row.beneficiary_id is None:
        raise WebError(404, "Introuvable", "Cette demande n'existe pas.")
    visible_beneficiary(db, row.beneficiary_id, account)
    if row.handled_at is not None:
        flash(web_session, "Cette demande était déjà traitée.")
    else:
        row.status = "handled"
        row.handled_at = utcnow()
        row.handled_by_id = account.id
        record_event(
            db,
            event_kind,
            beneficiary_id=row.beneficiary_id,
            account_id=account.id,
            data={"id": row.id, "kind": kind},
        )
        flash(web_session, "Demande marquée comme traitée.")
    return redirect(safe_next(next) or "/referent")


@router.get("/personnes")
def people(request: Request, db: SessionDep, q: str = "", web_session: WebSession = Referent):
    query = select(Beneficiary).where(Beneficiary.structure_id == web_session.account.structure_id)
    if q.strip():
        pattern = f"%{q.strip()[:100]}%"
        query = query.where(
            or_(Beneficiary.first_name.ilike(pattern), Beneficiary.last_name.ilike(pattern))
        )
    rows = list(
        db.scalars(query.order_by(Beneficiary.last_name, Beneficiary.first_name).limit(200))
    )
    statuses = {}
    for prediagnostic in db.scalars(
        select(Prediagnostic)
        .where(Prediagnostic.beneficiary_id.in_([b.id for b in rows]))
        .order_by(Prediagnostic.id)
    ):
        statuses[prediagnostic.beneficiary_id] = prediagnostic.status
    return render(request, "people.html", web_session, people=rows, statuses=statuses, q=q)


@router.get("/personnes/{beneficiary_id}")
def person(
    beneficiary_id: PathId, request: Request, db: SessionDep, web_session: WebSession = Referent
):
    account = web_session.account
    beneficiary = visible_beneficiary(db, beneficiary_id, account)
    prediagnostic = current_prediagnostic(db, beneficiary)
    review = build_review(db, prediagnostic) if prediagnostic else None
    suggestion, rules_error = None, None
    if prediagnostic is not None:
        try:
            suggestion = ensure_suggestion(db, prediagnostic, beneficiary)
        except OrientationRulesError as exc:  # a coordinator's edit broke the rules file
            rules_error = str(exc)
    audit_read(
        db,
        account,
        beneficiary,
        "beneficiary_page",
        prediagnostic_id=prediagnostic.id if prediagnostic else None,
    )
    now = utcnow()
    appointments = list(
        db.scalars(
            select(Appointment)
            .where(
                Appointment.beneficiary_id == beneficiary.id,
                Appointment.starts_at >= now - timedelta(hours=2),
            )
            .order_by(Appointment.starts_at)
            .limit(5)
        )
    )
    messages = list(
        db.scalars(
            select(Message)
            .join(Contact, Contact.id == Message.contact_id)
            .where(Contact.beneficiary_id == beneficiary.id)
            .order_by(Message.id.desc())
            .limit(TRANSCRIPT_LIMIT)
        )
    )[::-1]
    open_updates = list(
        db.scalars(
            select(SituationUpdate).where(
                SituationUpdate.beneficiary_id == beneficiary.id,
                SituationUpdate.status == SituationUpdateStatus.declared,
            )
        )
    )
    open_requests = list(
        db.scalars(
            select(CallbackRequest).where(
                CallbackRequest.beneficiary_id == beneficiary.id,
                CallbackRequest.status == RequestStatus.open,
            )
        )
    )
    names = dict(db.execute(select(Account.id, Account.full_name)).all())
    return render(
        request,
        "person.html",
        web_session,
        person=beneficiary,
        prediagnostic=prediagnostic,
        review=review,
        appointments=appointments,
        messages=messages,
        transcript_limit=TRANSCRIPT_LIMIT,
        open_updates=open_updates,
        open_requests=open_requests,
        names=names,
        suggestion=suggestion,
        rules_error=rules_error,
        PARCOURS_LABELS=PARCOURS_LABELS,
        MOTIF_REFUS_LABELS=MOTIF_REFUS_LABELS,
    )


def _person_url(beneficiary_id: int, anchor: str = "") -> str:
    return f"/referent/personnes/{beneficiary_id}" + (f"#{anchor}" if anchor else "")


def _referent_acting(web_session: WebSession) -> Account:
    if web_session.account.role != Role.referent:
        raise WebError(403, "Accès refusé", "Votre rôle ne donne pas accès à cette action.")
    return web_session.account


@router.post("/personnes/{beneficiary_id}/situations/{item_id}")
def act_on_situation(
    beneficiary_id: PathId,
    item_id: PathId,
    db: SessionDep,
    action: str = Form(...),
    label: str = Form(""),
    web_session: WebSession = Depends(check_csrf),
) -> Response:
    account = _referent_acting(web_session)
    beneficiary = visible_beneficiary(db, beneficiary_id, account)
    row = review_situation(db, beneficiary, account, item_id, action, label or None)
    done = {"validate": "validée", "correct": "corrigée", "remove": "retirée"}[action]
    flash(web_session, f"Situation « {row.label} » {done}.")
    return redirect(_person_url(beneficiary.id, f"theme-{row.theme_key}"))


@router.post("/personnes/{beneficiary_id}/projets/{project_id}")
def act_on_project(
    beneficiary_id: PathId,
    project_id: PathId,
    db: SessionDep,
    action: str = Form(...),
    web_session: WebSession = Depends(check_csrf),
) -> Response:
    account = _referent_acting(web_session)
    beneficiary = visible_beneficiary(db, beneficiary_id, account)
    row = review_project(db, beneficiary, account, project_id, action)
    done = {"validate": "validé", "remove": "retiré"}[action]
    flash(web_session, f"Projet « {row.job_label or 'sans intitulé'} » {done}.")
    return redirect(_person_url(beneficiary.id, "projets"))


@router.post("/personnes/{beneficiary_id}/orientation/{suggestion_id}")
def decide_orientation(
    beneficiary_id: int,
    suggestion_id: int,
    db: SessionDep,
    decision: str = Form(""),
    parcours: str = Form(""),
    motif: str = Form(""),
    comment: str = Form("", max_length=2000),
    web_session: WebSession = Depends(check_csrf),
) -> Response:
    account = _referent_acting(web_session)
    beneficiary = visible_beneficiary(db, beneficiary_id, account)
    suggestion = db.get(OrientationSuggestion, suggestion_id)
    if suggestion is None or suggestion.beneficiary_id != beneficiary.id:
        raise WebError(404, "Proposition introuvable", "Cette proposition n'existe pas.")
    try:
        decide(db, suggestion, account, decision, parcours or None, motif or None, comment)
    except DecisionError as exc:
        raise WebError(exc.status, "Décision impossible", exc.message) from exc
    if decision == "ACCEPTEE":
        done = f"Parcours proposé accepté : {PARCOURS_LABELS[suggestion.parcours]}."
    else:
        done = "Proposition refusée" + (
            f", parcours retenu : {PARCOURS_LABELS[parcours]}." if parcours else "."
        )
    flash(web_session, done)
    return redirect(_person_url(beneficiary.id, "orientation"))


def _prediagnostic(
    db: SessionDep, beneficiary: Beneficiary, prediagnostic_id: int
) -> Prediagnostic:
    prediagnostic = db.get(Prediagnostic, prediagnostic_id)
    if prediagnostic is None or prediagnostic.beneficiary_id != beneficiary.id:
        raise WebError(404, "Pré-diagnostic introuvable", "Ce pré-diagnostic n'existe pas.")
    return prediagnostic


@router.post("/personnes/{beneficiary_id}/prediagnostics/{prediagnostic_id}/tout-valider")
def validate_all_items(
    beneficiary_id: PathId,
    prediagnostic_id: PathId,
    db: SessionDep,
    web_session: WebSession = Depends(check_csrf),
) -> Response:
    account = _referent_acting(web_session)
    beneficiary = visible_beneficiary(db, beneficiary_id, account)
    prediagnostic = _prediagnostic(db, beneficiary, prediagnostic_id)
    count = validate_remaining(db, build_review(db, prediagnostic), beneficiary, account)
    flash(web_session, f"{count} élément(s) validé(s).")
    return redirect(_person_url(beneficiary.id, "prediagnostic"))


@router.post("/personnes/{beneficiary_id}/prediagnostics/{prediagnostic_id}/valider")
def validate(
    beneficiary_id: PathId,
    prediagnostic_id: PathId,
    db: SessionDep,
    web_session: WebSession = Depends(check_csrf),
) -> Response:
    account = _referent_acting(web_session)
    beneficiary = visible_beneficiary(db, beneficiary_id, account)
    prediagnostic = _prediagnostic(db, beneficiary, prediagnostic_id)
    validate_prediagnostic(db, prediagnostic, beneficiary, account)
    flash(web_session, "Pré-diagnostic validé. Vous pouvez l'exporter vers le Carnet de bord.")
    return redirect(_person_url(beneficiary.id, "prediagnostic"))


def _export(db: SessionDep, beneficiary_id: int, prediagnostic_id: int, account: Account, fmt: str):
    beneficiary = visible_beneficiary(db, beneficiary_id, account)
    prediagnostic = _prediagnostic(db, beneficiary, prediagnostic_id)
    if prediagnostic.status != PrediagnosticStatus.validated:
        raise WebError(
            409,
            "Pré-diagnostic non validé",
            "Validez le pré-diagnostic avant de l'exporter : seul un pré-diagnostic vérifié part "
            "vers le Carnet de bord.",
        )
    review = build_review(db, prediagnostic)
    audit_read(db, account, beneficiary, f"export_{fmt}", prediagnostic_id=prediagnostic.id)
    return beneficiary, prediagnostic, review


@router.get("/personnes/{beneficiary_id}/donnees.json")
def personal_data(beneficiary_id: PathId, db: SessionDep, web_session: WebSession = Referent):
    """Everything stored about the person (right of access), for the referent to hand over."""
    beneficiary = visible_beneficiary(db, beneficiary_id, web_session.account)
    body = json.dumps(my_data.export(db, beneficiary), ensure_ascii=False, indent=2)
    audit_read(db, web_session.account, beneficiary, "personal_data_export")
    return Response(
        body,
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="donnees-{beneficiary.id}.json"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/personnes/{beneficiary_id}/prediagnostics/{prediagnostic_id}/export.json")
def export_json(
    beneficiary_id: PathId,
    prediagnostic_id: PathId,
    db: SessionDep,
    web_session: WebSession = Referent,
) -> Response:
    beneficiary, prediagnostic, review = _export(
        db, beneficiary_id, prediagnostic_id, web_session.account, "json"
    )
    validator = (
        db.get(Account, prediagnostic.validated_by_id) if prediagnostic.validated_by_id else None
    )
    body = json.dumps(socio_pro_json(review, beneficiary, validator), ensure_ascii=False, indent=2)
    return Response(
        body,
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="prediagnostic-{prediagnostic.id}.json"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/personnes/{beneficiary_id}/prediagnostics/{prediagnostic_id}/export.csv")
def export_csv(
    beneficiary_id: PathId,
    prediagnostic_id: PathId,
    db: SessionDep,
    web_session: WebSession = Referent,
) -> Response:
    _, prediagnostic, review = _export(
        db, beneficiary_id, prediagnostic_id, web_session.account, "csv"
    )
    return Response(
        socio_pro_csv(review, latest_suggestion(db, prediagnostic)),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="prediagnostic-{prediagnostic.id}.csv"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/personnes/{beneficiary_id}/prediagnostics/{prediagnostic_id}/orientation.json")
def export_orientation(
    beneficiary_id: int, prediagnostic_id: int, db: SessionDep, web_session: WebSession = Referent
) -> Response:
    """The criteria as France Travail's calculOrientation input (codes, reviewed)."""
    _, prediagnostic, review = _export(
        db, beneficiary_id, prediagnostic_id, web_session.account, "orientation_json"
    )
    if review.criteria is None:
        raise WebError(
            409,
            "Pas de critères d'orientation",
            "Ce pré-diagnostic n'a pas été rempli avec le questionnaire : ses critères "
            "d'orientation ne sont pas connus.",
        )
    body = json.dumps(calcul_orientation_json(review), ensure_ascii=False, indent=2)
    return Response(
        body,
        media_type="application/json",
        headers={
            "Content-Disposition": (
                f'attachment; filename="calcul-orientation-{prediagnostic.id}.json"'
            ),
            "Cache-Control": "no-store",
        },
    )
