"""The national references shipped with the project, as data."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from backend.api.schemas.system import CdbReferential, OrientationCriteria
from backend.services.referential import cdb_referential, orientation_criteria

router = APIRouter(prefix="/referential", tags=["referential"])


@router.get("/carnet-de-bord", response_model=CdbReferential)
def get_cdb_referential() -> dict[str, Any]:
    return cdb_referential()


@router.get("/orientation-criteria", response_model=OrientationCriteria)
def get_orientation_criteria() -> dict[str, Any]:
    return orientation_criteria()
