"""Who may see whom: a referent (or admin) sees only the people of their own structure.
The one check behind the API (backend/api) and the staff pages (backend/web)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backend.models import Account, Beneficiary

from .errors import Refused


def visible_beneficiary(session: Session, beneficiary_id: int, account: Account) -> Beneficiary:
    beneficiary = session.get(Beneficiary, beneficiary_id)
    if beneficiary is None:
        raise Refused(
            404,
            "unknown beneficiary",
            "Personne introuvable",
            "Aucune personne ne porte ce numéro de dossier.",
        )
    if beneficiary.structure_id != account.structure_id:
        raise Refused(
            403,
            "this person is followed by another structure",
            "Accès refusé",
            "Cette personne est suivie par une autre structure : vous ne pouvez pas voir son dossier.",
        )
    return beneficiary
