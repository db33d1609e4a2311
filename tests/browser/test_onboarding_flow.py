"""A referent imports a list in a real browser: upload -> preview -> confirm -> invite."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from backend.core.db import session_scope
from backend.models import Beneficiary, Invitation, Task
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

CSV = (
    "Nom;Prénom;Date de naissance;Téléphone;Numéro allocataire\n"
    "Lefèvre;Hélène;12/03/1990;06 12 34 56 71;7000001\n"
    "Garnier;Théo;1990-03-12;+33 6 12 34 56 72;7000002\n"
    "Sans;Portable;01/01/1990;01 44 55 66 77;7000003\n"
)


def test_upload_preview_confirm_invite(page, server_db, tmp_path):
    path = tmp_path / "liste-rsa.csv"
    path.write_bytes(CSV.encode("cp1252"))  # as Excel saves "CSV (séparateur : point-virgule)"
    sign_in(page, "referente@demo.fr")
    page.get_by_role("link", name="Importer une liste").click()
    expect(page.get_by_role("heading", name="Importer une liste de personnes")).to_be_visible()
    page.get_by_label("Fichier CSV").set_input_files(str(path))
    page.get_by_role("button", name="Voir l'aperçu").click()

    expect(page.get_by_text("Aperçu de « liste-rsa.csv »")).to_be_visible()
    expect(page.get_by_role("heading", name="À créer (2)")).to_be_visible()
    expect(page.get_by_role("cell", name="Lefèvre Hélène")).to_be_visible()
    expect(page.get_by_role("heading", name="Lignes refusées (1)")).to_be_visible()
    expect(page.get_by_role("cell", name="pas un numéro de portable", exact=False)).to_be_visible()
    screenshot(page, "20-import-preview")
    with session_scope() as db:  # nothing written before the confirmation
        assert db.scalar(select(Beneficiary).where(Beneficiary.caf_number == "7000001")) is None

    page.get_by_role("button", name="Confirmer l'import").click()
    expect(page).to_have_url("/referent/invitations")
    expect(page.get_by_role("status")).to_contain_text("2 personne(s) créée(s)")
    invite = page.get_by_role("button", name="Inviter ces", exact=False)
    expect(invite).to_be_visible()
    screenshot(page, "21-invitations-before")
    invite.click()
    expect(page.get_by_role("status")).to_contain_text("invitation(s) programmée(s)")
    expect(page.get_by_role("cell", name="Lefèvre Hélène", exact=False)).to_be_visible()
    expect(page.get_by_text("envoi programmé").first).to_be_visible()  # the worker sends it
    screenshot(page, "22-invitations-after")
    with session_scope() as db:
        helene = db.scalar(select(Beneficiary).where(Beneficiary.caf_number == "7000001"))
        [invitation] = db.scalars(
            select(Invitation).where(Invitation.beneficiary_id == helene.id)
        ).all()
        assert invitation.status == "open"
        task = db.scalar(select(Task).where(Task.dedupe_key == f"invitation:{invitation.id}:1"))
        assert task is not None and task.status == "pending"
