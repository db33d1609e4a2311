"""A validated pre-diagnostic exported for the Carnet de bord.

The JSON mirrors the input of Carnet de bord's ``update_socio_pro`` action (its GraphQL
``UpdateSocioPro`` mutation): workSituation, educationLevel, rightRqth, professionalProjectsToAdd,
situationsToAdd... Carnet de bord identifies situations and ROME codes by its own UUIDs, which we
do not hold: each situation carries its theme key and exact national label instead
(``situationId`` stays null), each project the job as typed (``romeCodeId`` stays null), so the
receiving side resolves them on the referential. ``notebookId`` is the person's Carnet de bord id
when known. Carnet de bord's ``rightRqth`` is a plain boolean (false by default): a person who
did not say is sent as false (the CSV and the page say "non renseigné").

The calculOrientation JSON is the input of France Travail's orientation API: the fields and
values of backend/data/orientation_criteria.yml, codes only, as the referent has reviewed them.
The CSV carries both, with French labels next to the codes.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from backend.models import (
    Account,
    Beneficiary,
    DeclarationStatus,
    OrientationStatus,
    OrientationSuggestion,
)
from backend.services.orientation.labels import (
    DECISION_LABELS,
    FIELD_LABELS,
    MOTIF_REFUS_LABELS,
    PARCOURS_LABELS,
    STATUS_LABELS,
    value_label,
)
from backend.services.referential import cdb_referential, orientation_criteria
from backend.services.review import Review

from .labels import CONTRACT_TYPE_LABELS, DECLARATION_LABELS, employment_type_labels

KEPT = (DeclarationStatus.validated, DeclarationStatus.corrected)


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def socio_pro_json(
    review: Review, beneficiary: Beneficiary, validated_by: Account | None
) -> dict[str, Any]:
    prediagnostic = review.prediagnostic
    notebook_id = (beneficiary.external_ids or {}).get("carnet_de_bord")
    situations = [
        {
            "notebookId": notebook_id,
            "themeKey": theme.key,
            "themeLabel": theme.label,
            "situationLabel": chain.head.label,
            "situationId": None,
            "createdAt": _iso(chain.first.created_at),
        }
        for theme in review.themes
        for chain in theme.chains
        if chain.head.status in KEPT
    ]
    projects = []
    for chain in review.projects:
        project = chain.head
        if project.status not in KEPT:
            continue
        contracts = list(project.contract_types or [])
        projects.append(
            {
                "notebookId": notebook_id,
                "romeCodeId": None,
                "romeLabel": project.job_label,
                "mobilityRadius": project.mobility_radius_km,
                # Carnet de bord holds one contract type per project; several are kept below.
                "contractTypeId": contracts[0] if len(contracts) == 1 else None,
                "contractTypeIds": contracts,
                "employmentTypeId": project.employment_type,
                "hourlyRate": None,
            }
        )
    return {
        "input": {
            "id": notebook_id,
            "workSituation": review.situation.work_situation,
            "workSituationDate": None,
            "workSituationEndDate": None,
            "rightRqth": review.situation.rqth is True,
            "educationLevel": review.situation.education_level,
            "lastJobEndedAt": None,
            "professionalProjectIdsToDelete": [],
            "professionalProjectsToAdd": projects,
            "professionalProjectsToUpdate": [],
            "situationIdsToDelete": [],
            "situationsToAdd": situations,
        },
        "meta": {
            "source": "parcours-assistant",
            "referential": cdb_referential().get("source", "")[:120],
            "beneficiary": {
                "id": beneficiary.id,
                "firstName": beneficiary.first_name,
                "lastName": beneficiary.last_name,
                "dateOfBirth": _iso(beneficiary.birth_date),
            },
            "prediagnosticId": prediagnostic.id,
            "channel": prediagnostic.channel,
            "submittedAt": _iso(prediagnostic.submitted_at),
            "validatedAt": _iso(prediagnostic.validated_at),
            "validatedBy": validated_by.email if validated_by else None,
        },
    }


CSV_COLUMNS = ["rubrique", "code_theme", "theme", "code", "libelle", "statut", "precision"]


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet would run a cell starting with these as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def orientation_fields() -> list[str]:
    """calculOrientation input fields, in the order of orientation_criteria.yml."""
    criteria = orientation_criteria()["orientation_input"]
    return [f for f in criteria if f != "flags"] + list(criteria["flags"])


def calcul_orientation_json(review: Review) -> dict[str, Any]:
    """France Travail's calculOrientation input: every field, null when not known; the yes/no
    flags are false unless declared."""
    orientation = review.criteria.orientation if review.criteria else {}
    flags = orientation_criteria()["orientation_input"]["flags"]
    return {
        field: (orientation.get(field) is True) if field in flags else orientation.get(field)
        for field in orientation_fields()
    }


def socio_pro_csv(review: Review, suggestion: OrientationSuggestion | None = None) -> str:
    """Same content as the JSON, one line per element, for a spreadsheet (';' and a BOM),
    then the orientation criteria and the suggested parcours."""
    situation = review.situation
    rows: list[list[Any]] = [
        [
            "situation_professionnelle",
            "",
            "",
            situation.work_situation,
            situation.work_situation_label,
            "",
            "",
        ],
        ["niveau_formation", "", "", situation.education_level, situation.education_label, "", ""],
        [
            "rqth",
            "",
            "",
            "" if situation.rqth is None else {True: "oui", False: "non"}[situation.rqth],
            "Non renseigné"
            if situation.rqth is None
            else {True: "Oui", False: "Non"}[situation.rqth],
            "",
            "",
        ],
    ]
    contract_labels, employment = CONTRACT_TYPE_LABELS, employment_type_labels()
    for chain in review.projects:
        project = chain.head
        if project.status not in KEPT:
            continue
        details = [
            f"{project.mobility_radius_km} km" if project.mobility_radius_km is not None else "",
            ", ".join(contract_labels.get(c, c) for c in project.contract_types or []),
            employment.get(project.employment_type or "", project.employment_type or ""),
        ]
        rows.append(
            [
                "projet_professionnel",
                "",
                "",
                "",
                project.job_label,
                DECLARATION_LABELS[project.status],
                " ; ".join(d for d in details if d),
            ]
        )
    for theme in review.themes:
        for chain in theme.chains:
            item = chain.head
            if item.status in KEPT:
                rows.append(
                    [
                        "situation_personnelle",
                        theme.key,
                        theme.label,
                        "",
                        item.label,
                        DECLARATION_LABELS[item.status],
                        item.detail,
                    ]
                )
    if review.criteria is not None:
        flags = orientation_criteria()["orientation_input"]["flags"]
        for field, value in calcul_orientation_json(review).items():
            if field in flags and not value:
                continue  # only the flags declared
            code = (
                {True: "oui", False: "non"}.get(value, value) if isinstance(value, bool) else value
            )
            rows.append(
                [
                    "critere_orientation",
                    field,
                    FIELD_LABELS[field],
                    code,
                    value_label(field, value),
                    "",
                    "",
                ]
            )
    if suggestion is not None:
        reasons = " ; ".join(r["text"] for r in suggestion.reasons)
        rule = f"règle {suggestion.rule_key}, version {suggestion.rules_version}"
        rows.append(
            [
                "parcours_propose",
                "",
                "",
                suggestion.parcours,
                PARCOURS_LABELS[suggestion.parcours],
                STATUS_LABELS[suggestion.status],
                f"{reasons} ({rule})",
            ]
        )
        if suggestion.status == OrientationStatus.DECIDE:
            motif = MOTIF_REFUS_LABELS.get(suggestion.motif_refus or "")
            details = [f"motif : {motif}" if motif else "", suggestion.comment or ""]
            rows.append(
                [
                    "parcours_decide",
                    "",
                    "",
                    suggestion.decided_parcours or "",
                    PARCOURS_LABELS.get(suggestion.decided_parcours or "", "Non précisé"),
                    DECISION_LABELS[suggestion.decision or ""],
                    " ; ".join(d for d in details if d),
                ]
            )
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows([[_cell(v) for v in row] for row in rows])
    return "\ufeff" + out.getvalue()
