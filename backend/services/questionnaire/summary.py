"""What a referent or an export needs from a pre-diagnostic: answers, declarations and the
national orientation criteria they fill."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import (
    Prediagnostic,
    ProfessionalProject,
    SituationItem,
)

from .declarations import _live
from .schema import Questionnaire, load_questionnaire
from .view import View, chosen, latest_answers


def freins_from(view: View) -> list[dict[str, Any]]:
    """The eight freins: chosen or not, impact (FORT/MOYEN/AUCUNE) and situations declared."""
    from backend.services import referential

    freins_question = next(
        (q for q in view.q.questions if any(o.frein for o in q.options) and q.type == "multi"),
        None,
    )
    picked = (
        chosen(view.answers, freins_question.key)
        if freins_question and view.applicable(freins_question)
        else None
    )
    answered = picked is not None
    result = []
    for frein in referential.orientation_criteria()["freins"]:
        theme = frein["cdb_theme"]
        option = (
            next((o for o in freins_question.options if o.frein == theme), None)
            if freins_question
            else None
        )
        selected = bool(option and picked and option.key in picked)
        impact, impact_label = (None, None)
        for question in view.q.questions:
            if question.frein == theme and view.applicable(question):
                for chosen_option in view.selected_options(question):
                    if chosen_option.impact:
                        impact, impact_label = chosen_option.impact, chosen_option.sms
        if answered and not selected:
            impact = "AUCUNE"
        result.append(
            {
                "theme": theme,
                "code": frein["code"],
                "label": frein["label"],
                "short": option.sms if option else theme,
                "orientation_field": frein["orientation_field"],
                "selected": selected,
                "impact": impact,
                "impact_label": impact_label,
            }
        )
    return result


def orientation_from(view: View) -> dict[str, Any]:
    """The calculOrientation input fields the answers give (None: not known)."""
    from backend.services import referential

    criteria = referential.orientation_criteria()["orientation_input"]
    values: dict[str, Any] = {}
    blocking: dict[str, Any] = {}
    for question, row in view.given():
        if row.skipped:
            continue
        selected = view.selected_options(question)
        if question.type == "multi":
            # A yes/no flag of an option left unchosen is a no ("RSA" alone: no RQTH).
            for option in question.options:
                if option not in selected:
                    for field, value in option.sets.items():
                        if value is True:
                            values.setdefault(field, False)
        for option in selected:
            for field, value in option.sets.items():
                if option.blocking:
                    blocking.setdefault(field, value)
                else:
                    values[field] = value
    values.update(blocking)
    for frein in freins_from(view):
        field = frein["orientation_field"]
        if frein["impact"] == "AUCUNE" and field not in blocking:
            values[field] = "AUCUNE"
    fields = [f for f in criteria if f != "flags"] + list(criteria["flags"])
    return {field: values.get(field) for field in fields}


def summary(
    session: Session, prediag: Prediagnostic, questionnaire: Questionnaire | None = None
) -> dict[str, Any]:
    """Everything a referent (or an export) needs: answers, declarations, orientation fields."""
    q = questionnaire or load_questionnaire()
    view = View(q, latest_answers(session, prediag))
    extra: dict[str, Any] = {}
    for question, row in view.given():
        if row.skipped:
            continue
        for option in view.selected_options(question):
            extra.update(option.sets)
    items = list(
        session.scalars(
            select(SituationItem)
            .where(SituationItem.prediagnostic_id == prediag.id)
            .order_by(SituationItem.id)
        )
    )
    projects = list(
        session.scalars(
            select(ProfessionalProject)
            .where(ProfessionalProject.prediagnostic_id == prediag.id)
            .order_by(ProfessionalProject.id)
        )
    )
    priorities_question = q.question("priorites")
    missing = [
        question.key
        for question in q.questions
        if view.applicable(question) and not view.answered(question)
    ]
    return {
        "id": prediag.id,
        "beneficiary_id": prediag.beneficiary_id,
        "status": prediag.status,
        "channel": prediag.channel,
        "questionnaire_version": prediag.questionnaire_version,
        "created_at": prediag.created_at.isoformat(),
        "submitted_at": prediag.submitted_at.isoformat() if prediag.submitted_at else None,
        "orientation": orientation_from(view),
        "work_situation": extra.get("work_situation"),
        "pouvoir_d_agir": {
            "confiance": extra.get("pouvoir_agir_confiance"),
            "besoin_accompagnement": extra.get("pouvoir_agir_accompagnement"),
        },
        "freins": [
            {k: v for k, v in f.items() if k not in ("short", "impact_label")}
            for f in freins_from(view)
        ],
        "priorities": chosen(view.answers, "priorites") or [] if priorities_question else [],
        "situations": [
            {
                "id": r.id,
                "theme_key": r.theme_key,
                "label": r.label,
                "detail": r.detail,
                "status": r.status,
                "source": r.source,
                "created_at": r.created_at.isoformat(),
            }
            for r in _live(items)
        ],
        "projects": [
            {
                "id": p.id,
                "job_label": p.job_label,
                "mobility_radius_km": p.mobility_radius_km,
                "contract_types": p.contract_types,
                "employment_type": p.employment_type,
                "status": p.status,
            }
            for p in _live(projects)
        ],
        "answers": [
            {
                "question_key": question.key,
                "section": question.section,
                "question": question.text,
                "value": row.value,
                "labels": [o.sms for o in view.selected_options(question)],
                "skipped": row.skipped,
                "raw_text": row.raw_text,
                "source_message_id": row.source_message_id,
                "at": row.created_at.isoformat(),
            }
            for question, row in view.given()
        ],
        "missing": missing,
        "history": {
            "answers": len(prediag.answers),
            "situation_rows": len(items),
        },
    }
