"""French labels for codes shown on the staff pages (keys stay as the referential names them)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import overload
from zoneinfo import ZoneInfo

from backend.core.config import get_settings
from backend.services.referential import cdb_referential

ROLE_LABELS = {"referent": "Référent", "coordinator": "Coordinateur", "admin": "Administrateur"}

CHANNEL_LABELS = {"sms": "SMS", "whatsapp": "WhatsApp", "telegram": "Telegram", "web": "Web"}

DECLARATION_LABELS = {
    "declared": "Déclaré, à vérifier",
    "validated": "Validé",
    "corrected": "Corrigé",
    "removed": "Retiré",
}

PREDIAG_STATUS_LABELS = {
    "in_progress": "En cours",
    "submitted": "Envoyé, à relire",
    "validated": "Validé",
    "abandoned": "Abandonné",
}

APPOINTMENT_STATUS_LABELS = {
    key: str(label)
    for key, label in cdb_referential()["appointment_status_rdv_solidarites"].items()
}

APPOINTMENT_MODE_LABELS = {
    "office": "Sur place",
    "phone": "Par téléphone",
    "home": "À domicile",
    "video": "En visio",
}

CONTRACT_TYPE_LABELS = {
    "cdi": "CDI",
    "cdd": "CDD",
    "interim": "Intérim",
    "saisonnier": "Saisonnier",
    "liberal": "Libéral",
    "contrat_professionnalisation": "Contrat de professionnalisation",
    "apprentissage": "Apprentissage",
    "portage_salarial": "Portage salarial",
}

# Keys as the chat writes them (backend/services/referent_requests.py SITUATION_KINDS).
SITUATION_UPDATE_LABELS = {
    "emploi": "A trouvé un emploi",
    "demenagement": "A déménagé",
    "formation": "Entre en formation",
    "sante": "Problème de santé",
    "numero": "Nouveau numéro de téléphone",
    "famille": "Changement familial",
    "autre": "Autre changement",
    "data_deletion": "Demande l'effacement de ses données",
    "data_erased": "A effacé ses données par message (c'est fait, rien à faire)",
    "consent_withdrawn": "A retiré son accord : le questionnaire est arrêté",
}


def employment_type_labels() -> dict[str, str]:
    return {str(k): str(v) for k, v in cdb_referential()["employment_type"].items()}


@overload
def local(value: datetime) -> datetime: ...
@overload
def local(value: datetime | None) -> datetime | None: ...
def local(value: datetime | None) -> datetime | None:
    return value.astimezone(ZoneInfo(get_settings().timezone)) if value else None


def format_datetime(value: datetime | None) -> str:
    return local(value).strftime("%d/%m/%Y %H:%M") if value else "—"


def format_date(value) -> str:
    return value.strftime("%d/%m/%Y") if value else "—"


def format_age(value: datetime | None, now: datetime) -> str:
    """'il y a 3 h' — how long an item has been waiting."""
    if value is None:
        return "—"
    seconds = max(0, int((now - value).total_seconds()))
    if seconds < 60:
        return "à l'instant"
    if seconds < 3600:
        return f"il y a {seconds // 60} min"
    if seconds < 86400:
        return f"il y a {seconds // 3600} h"
    return f"il y a {seconds // 86400} j"


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    total = round(seconds)
    if total < 60:
        return f"{total} s"
    if total < 3600:
        minutes, rest = divmod(total, 60)
        return f"{minutes} min {rest:02d} s"
    return f"{total // 3600} h {total % 3600 // 60:02d} min"


def is_stale(value: datetime | None, now: datetime, days: int = 2) -> bool:
    return value is not None and now - value > timedelta(days=days)
