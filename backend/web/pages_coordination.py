"""Coordinator pages: questionnaire funnel and messages the bot did not understand."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from markupsafe import Markup

from backend.api.deps import SessionDep
from backend.core.safe_input import PathId
from backend.models import Role, WebSession, utcnow

from .auth import WebError
from .common import allow, check_csrf, flash, redirect, render
from .fallbacks import IGNORED, assign, intents, list_fallbacks, nlu_yaml
from .funnel import channels_svg, compute_funnel, funnel_svg
from .labels import CHANNEL_LABELS

router = APIRouter(prefix="/coordination", include_in_schema=False)
Coordination = Depends(allow(Role.coordinator, Role.admin))

PERIODS = {"7": 7, "30": 30, "90": 90, "tout": None}


@router.get("")
def funnel_page(
    request: Request, db: SessionDep, periode: str = "30", web_session: WebSession = Coordination
):
    if periode not in PERIODS:
        periode = "30"
    days = PERIODS[periode]
    funnel = compute_funnel(db, utcnow() - timedelta(days=days) if days else None)
    return render(
        request,
        "funnel.html",
        web_session,
        funnel=funnel,
        periode=periode,
        periods=PERIODS,
        # Built from numbers and escaped keys only (see funnel.py).
        funnel_chart=Markup(funnel_svg(funnel)),  # noqa: S704
        channels_chart=Markup(channels_svg(funnel, CHANNEL_LABELS)),  # noqa: S704
    )


@router.get("/incompris")
def fallbacks_page(
    request: Request, db: SessionDep, voir: str = "todo", web_session: WebSession = Coordination
):
    if voir not in ("todo", "done", "all"):
        voir = "todo"
    return render(
        request,
        "fallbacks.html",
        web_session,
        fallbacks=list_fallbacks(db, voir),
        voir=voir,
        intents=intents(),
    )


@router.post("/incompris/{event_id}")
def assign_fallback(
    event_id: PathId,
    db: SessionDep,
    intent: str = Form(""),
    voir: str = Form("todo"),
    web_session: WebSession = Depends(check_csrf),
) -> Response:
    if web_session.account.role not in (Role.coordinator, Role.admin):
        raise WebError(403, "Accès refusé", "Votre rôle ne donne pas accès à cette action.")
    try:
        assign(db, web_session.account, event_id, intent)
    except LookupError as exc:
        raise WebError(404, "Message introuvable", "Ce message n'existe pas.") from exc
    except ValueError as exc:
        raise WebError(400, "Intention inconnue", "Choisissez une intention de la liste.") from exc
    flash(
        web_session,
        "Message mis de côté." if intent == IGNORED else f"Message affecté à « {intent} ».",
    )
    target = voir if voir in ("todo", "done", "all") else "todo"
    return redirect(f"/coordination/incompris?voir={target}#liste")


@router.get("/incompris/export.yml")
def export_nlu(db: SessionDep, web_session: WebSession = Coordination) -> Response:
    return Response(
        nlu_yaml(db),
        media_type="application/x-yaml; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="coordination_examples.yml"',
            "Cache-Control": "no-store",
        },
    )
