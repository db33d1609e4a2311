"""The national references shipped inside the project (copied from shared/reference), and the
Carnet de bord's own labels of its codes."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parents[1] / "data"


@lru_cache
def cdb_referential() -> dict[str, Any]:
    return yaml.safe_load((DATA_DIR / "cdb_referential.yml").read_text(encoding="utf-8"))


@lru_cache
def orientation_criteria() -> dict[str, Any]:
    return yaml.safe_load((DATA_DIR / "orientation_criteria.yml").read_text(encoding="utf-8"))


def theme_situations() -> dict[str, list[str]]:
    """Theme key -> its exact situation labels."""
    return {t["key"]: list(t["situations"]) for t in cdb_referential()["personal_situation_themes"]}


def is_known_situation(theme_key: str, label: str) -> bool:
    return label in theme_situations().get(theme_key, [])


# Carnet de bord's own wording for its work-situation codes.
WORK_SITUATION_LABELS = {
    "recherche_emploi": "En recherche d'emploi",
    "recherche_formation": "En recherche de formation",
    "recherche_alternance": "En recherche d'alternance",
    "recherche_stage": "En recherche de stage",
    "emploi": "En emploi",
    "formation": "En formation",
    "stage": "En stage",
    "alternance": "En alternance",
    "service_civique": "En service civique",
    "iae": "En IAE",
    "interim": "En intérim",
    "construction_projet": "En construction de projet",
    "projet_entrepreneurial": "En projet entrepreneurial",
    "entrepreneur": "Entrepreneur",
    "etudiant": "Étudiant",
    "scolarisé": "Scolarisé",
    "enretraite": "En retraite / pré-retraite",
    "maladie": "Arrêt maladie",
    "invalidite": "En invalidité de travail",
    "conge_parental": "Congé parental",
    "au_foyer": "Au foyer",
    "autre": "Autre",
    "cdi_temps_plein": "CDI temps complet",
    "cdi_temps_partiel": "CDI temps partiel",
    "cdd_temps_plein": "CDD temps complet",
    "cdd_temps_partiel": "CDD temps partiel",
    "intermittent": "Intermittent du spectacle",
    "aidant_familial": "Aidant familial",
    "exploitant_agricole": "Exploitant agricole",
}


def education_labels() -> dict[str, str]:
    return {str(k): str(v) for k, v in cdb_referential()["education_level"].items()}
