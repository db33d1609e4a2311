"""Coordinator pages: questionnaire funnel, messages the bot did not understand, and how often
referents agree with the suggested parcours."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from markupsafe import Markup

from backend.api.deps import SessionDep
from backend.core.safe_input import PathId
from backend.models import Role, WebSession, utcnow
from backend.services.invitations import invitation_funnel
from backend.services.orientation.labels import MOTIF_REFUS_LABELS, PARCOURS_LABELS
from backend.services.orientation.rules import OrientationRulesError, load_rules
from backend.services.orientation.store import agreement_stats

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
    since = utcnow() - timedelta(days=days) if days else None
    funnel = compute_funnel(db, since)
    return render(
        request,
        "funnel.html",
        web_session,
        funnel=funnel,
        invited=invitation_funnel(db, since),
        periode=periode,
        periods=PERIODS,
        # Built from numbers and escaped keys only (see funnel.py).
        funnel_chart=Markup(funnel_svg(funnel)),
        channels_chart=Markup(channels_svg(funnel, CHANNEL_LABELS)),
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


CONDITION_LABELS = {
    "incomplet": "réponse manquante",
    "activite_recente": "activité récente",
    "peut_travailler": "peut travailler bientôt",
    "qualifie": "niveau d'études qualifiant",
    "jeune": "jeune",
    "projet": "projet",
    "freins": "freins (le plus fort)",
}


def _conditions(rule, rules) -> str:
    t = rules.thresholds
    labels = {
        **CONDITION_LABELS,
        "jeune": f"moins de {t.young_age} ans",
        "activite_recente": "activité récente"
        + (" (ces 2 dernières années)" if t.recent_activity_years else " (en ce moment)"),
    }
    parts = [f"{labels[c]} : {' ou '.join(v)}" for c, v in rule.when.items()]
    return " et ".join(parts) or "tous les autres cas"


@router.get("/orientation")
def orientation_page(
    request: Request, db: SessionDep, periode: str = "tout", web_session: WebSession = Coordination
):
    """How often referents agree with the suggested parcours, per parcours and per rule."""
    if periode not in PERIODS:
        periode = "tout"
    days = PERIODS[periode]
    since = utcnow() - timedelta(days=days) if days else None
    try:
        rules = load_rules()
    except OrientationRulesError as exc:
        return render(
            request, "orientation_stats.html", web_session, rules_error=str(exc), periode=periode,
            periods=PERIODS,
        )  # fmt: skip
    stats = agreement_stats(db, since)
    by_rule = {a.key: a for a in stats.by_rule}
    rule_rows = [(r, _conditions(r, rules), by_rule.pop(r.key, None)) for r in rules.rules]
    return render(
        request,
        "orientation_stats.html",
        web_session,
        stats=stats,
        rules=rules,
        rule_rows=rule_rows,
        old_rules=list(by_rule.values()),  # rules no longer in the file
        periode=periode,
        periods=PERIODS,
        rules_error=None,
        PARCOURS_LABELS=PARCOURS_LABELS,
        MOTIF_REFUS_LABELS=MOTIF_REFUS_LABELS,
    )
