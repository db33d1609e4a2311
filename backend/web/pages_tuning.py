"""Coordinator pages that tune the dialogue: questionnaire preview and reminder settings."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from backend.api.deps import SessionDep
from backend.models import Role, WebSession
from backend.services import reminders
from backend.services.questionnaire import schema
from backend.services.questionnaire.preview import questionnaire_preview

from .common import allow, check_csrf, flash, redirect, render

router = APIRouter(prefix="/coordination", include_in_schema=False)
Coordination = Depends(allow(Role.coordinator, Role.admin))


@router.get("/questionnaire")
def preview_page(request: Request, web_session: WebSession = Coordination):
    """Every question as a person sees it: the SMS (segments, encoding) and Telegram."""
    try:
        # The path is read at call time so a coordinator's edit shows at once.
        rows, error = (
            questionnaire_preview(schema.load_questionnaire(schema.QUESTIONNAIRE_PATH)),
            None,
        )
    except schema.QuestionnaireError as exc:  # a coordinator's edit broke the file: say where
        rows, error = [], str(exc)
    total = sum(row["sms"]["segments"] for row in rows)
    over_budget = [row["key"] for row in rows if row["sms"]["segments"] > 1]
    return render(
        request,
        "questionnaire.html",
        web_session,
        rows=rows,
        error=error,
        total_segments=total,
        over_budget=over_budget,
    )


@router.get("/rappels")
def reminders_page(request: Request, db: SessionDep, web_session: WebSession = Coordination):
    current = reminders.load_settings(db).as_json()
    form = {
        "offsets": ", ".join(str(h) for h in current["offsets_hours"]),
        "quiet_start": current["quiet_hours"]["start"],
        "quiet_end": current["quiet_hours"]["end"],
    }
    return render(
        request, "reminders.html", web_session, form=form, timezone=current["timezone"], error=None
    )


@router.post("/rappels")
def save_reminders(
    request: Request,
    db: SessionDep,
    offsets: str = Form(""),
    quiet_start: str = Form(""),
    quiet_end: str = Form(""),
    web_session: WebSession = Depends(check_csrf),
) -> Response:
    if web_session.account.role not in (Role.coordinator, Role.admin):
        return render(
            request,
            "error.html",
            web_session,
            status_code=403,
            title="Accès refusé",
            message="Votre rôle ne donne pas accès à cette page.",
        )
    try:
        offsets_hours = [int(part) for part in offsets.replace(";", ",").split(",") if part.strip()]
        reminders.save_settings(
            db,
            offsets_hours=offsets_hours,
            quiet_start=quiet_start.strip(),
            quiet_end=quiet_end.strip(),
            account=web_session.account,
        )
    except (ValueError, reminders.InvalidReminderSettings) as exc:
        db.rollback()
        typed = {"offsets": offsets, "quiet_start": quiet_start, "quiet_end": quiet_end}
        message = (
            str(exc)
            if isinstance(exc, reminders.InvalidReminderSettings)
            else (
                "Les délais sont des nombres d'heures séparés par des virgules, par exemple 48, 2."
            )
        )
        return render(
            request,
            "reminders.html",
            web_session,
            status_code=400,
            form=typed,
            timezone=reminders.default_settings().timezone,
            error=message,
        )
    flash(web_session, "Réglages des rappels enregistrés. Les rappels à venir sont recalculés.")
    return redirect("/coordination/rappels")
