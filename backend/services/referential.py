"""The national references shipped inside the project (copied from shared/reference)."""

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
