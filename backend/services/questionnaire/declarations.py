"""Answers turned into declarations: Carnet de bord situations and professional projects,
appended, never overwritten (a situation no longer declared gets a new 'removed' row)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import (
    DeclarationStatus,
    Prediagnostic,
    ProfessionalProject,
    SituationItem,
)
from backend.services.chains import heads

from .view import View

OTHER_LABEL = "Autre"  # situation label of an "other" free text (the text is the item's detail)


def _live(rows: list[Any]) -> list[Any]:
    return [r for r in heads(rows) if r.status != DeclarationStatus.removed]


def situations_from(view: View) -> list[tuple[str, str, str | None, str]]:
    """(theme, exact label, detail, question key) the current answers declare."""
    wanted: list[tuple[str, str, str | None, str]] = []
    for question, row in view.given():
        if row.skipped:
            continue
        if question.stores_text and isinstance(row.value, str):
            label = question.stores_text.situation or OTHER_LABEL
            wanted.append((question.stores_text.theme, label, row.value, question.key))
        for option in view.selected_options(question):
            for store in option.stores:
                wanted.append((store.theme, store.situation, None, question.key))
    unique: dict[tuple[str, str, str | None], tuple[str, str, str | None, str]] = {}
    for item in wanted:
        unique.setdefault(item[:3], item)
    return list(unique.values())


def sync_situations(
    session: Session, prediag: Prediagnostic, view: View, source: dict[str, Any]
) -> None:
    rows = list(
        session.scalars(
            select(SituationItem)
            .where(SituationItem.prediagnostic_id == prediag.id)
            .order_by(SituationItem.id)
        )
    )
    live = {(r.theme_key, r.label, r.detail): r for r in _live(rows)}
    wanted = {item[:3]: item for item in situations_from(view)}
    for key, (theme, label, detail, question_key) in wanted.items():
        if key not in live:
            session.add(
                SituationItem(
                    beneficiary_id=prediag.beneficiary_id,
                    prediagnostic_id=prediag.id,
                    theme_key=theme,
                    label=label,
                    detail=detail,
                    status=DeclarationStatus.declared,
                    source={**source, "question_key": question_key},
                )
            )
    for key, row in live.items():
        if key not in wanted:  # the person changed their answer: a new row says so
            session.add(
                SituationItem(
                    beneficiary_id=prediag.beneficiary_id,
                    prediagnostic_id=prediag.id,
                    theme_key=row.theme_key,
                    label=row.label,
                    detail=row.detail,
                    status=DeclarationStatus.removed,
                    source={**source, "reason": "answer changed by the person"},
                    supersedes_id=row.id,
                )
            )
    session.flush()


def projects_from(view: View) -> list[dict[str, Any]] | None:
    """The professional projects the answers describe (one per job typed); None while the
    project questions are still being answered."""
    fields: dict[str, Any] = {}
    for question in view.q.questions:
        if not question.project_field or not view.applicable(question):
            continue
        row = view.answers.get(question.key)
        if row is None:
            return None  # still being asked
        if row.skipped:
            continue
        if question.project_field in ("job_label", "mobility_radius_km"):
            fields[question.project_field] = row.value
        elif question.project_field == "contract_types":
            values: list[str] = []
            for option in view.selected_options(question):
                values += option.value if isinstance(option.value, list) else [option.value]
            fields["contract_types"] = list(dict.fromkeys(values))
        elif question.project_field == "employment_type":
            options = view.selected_options(question)
            fields["employment_type"] = options[0].value if options else None
    jobs = [j.strip() for j in re.split(r"[,;]+", fields.get("job_label") or "") if j.strip()]
    return [
        {
            "job_label": job[:300],
            "mobility_radius_km": fields.get("mobility_radius_km"),
            "contract_types": fields.get("contract_types", []),
            "employment_type": fields.get("employment_type"),
        }
        for job in jobs
    ]


def sync_projects(
    session: Session, prediag: Prediagnostic, view: View, source: dict[str, Any]
) -> None:
    wanted = projects_from(view)
    if wanted is None:
        return
    rows = list(
        session.scalars(
            select(ProfessionalProject)
            .where(ProfessionalProject.prediagnostic_id == prediag.id)
            .order_by(ProfessionalProject.id)
        )
    )
    live = {r.job_label.casefold(): r for r in _live(rows) if r.job_label}
    for project in wanted:
        current = live.pop(project["job_label"].casefold(), None)
        same = current is not None and (
            current.mobility_radius_km == project["mobility_radius_km"]
            and list(current.contract_types or []) == project["contract_types"]
            and current.employment_type == project["employment_type"]
            and current.job_label == project["job_label"]
        )
        if same:
            continue
        session.add(
            ProfessionalProject(
                beneficiary_id=prediag.beneficiary_id,
                prediagnostic_id=prediag.id,
                status=DeclarationStatus.declared,
                source=source,
                supersedes_id=current.id if current else None,
                **project,
            )
        )
    for row in live.values():
        session.add(
            ProfessionalProject(
                beneficiary_id=prediag.beneficiary_id,
                prediagnostic_id=prediag.id,
                job_label=row.job_label,
                mobility_radius_km=row.mobility_radius_km,
                contract_types=list(row.contract_types or []),
                employment_type=row.employment_type,
                status=DeclarationStatus.removed,
                source={**source, "reason": "answer changed by the person"},
                supersedes_id=row.id,
            )
        )
    session.flush()
