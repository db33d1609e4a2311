"""The staff pages in a real browser: a referent reviews and exports, a coordinator reads the
funnel, a referent of another structure is refused. Screenshots land in tests/artifacts/."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from backend.core.db import session_scope
from backend.models import Event, Prediagnostic, SituationItem
from tests.browser.conftest import screenshot, sign_in
from tests.support.prediag import awa, submitted_prediagnostic

pytestmark = pytest.mark.browser


@pytest.fixture
def prediag(server_db) -> tuple[int, int]:
    """A submitted pre-diagnostic for Awa (the chat engine's output, written to the store)."""
    with session_scope() as db:
        person = awa(db)
        prediagnostic = submitted_prediagnostic(db, person)
        return person.id, prediagnostic.id


def test_referent_reviews_validates_and_exports(page, prediag, server_db, tmp_path):
    person_id, prediagnostic_id = prediag
    page.goto("/referent")
    expect(page).to_have_url("/connexion?next=%2Freferent")
    screenshot(page, "01-login")
    expect(page.get_by_label("Adresse e-mail")).to_be_focused()

    page.get_by_label("Adresse e-mail").fill("referente@demo.fr")
    page.get_by_label("Mot de passe").fill("demo-parcours-2026")
    page.get_by_label("Mot de passe").press("Enter")
    expect(page).to_have_url("/referent")
    expect(page.get_by_role("heading", name="Nouveaux pré-diagnostics (1)")).to_be_visible()
    screenshot(page, "02-inbox")
    # Keyboard: the first Tab reaches the skip link, visibly focused, and it leads to the content.
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_text("Aller au contenu")
    assert skip.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    page.get_by_role("link", name="Relire le pré-diagnostic de Awa Diallo").click()
    expect(page).to_have_url(f"/referent/personnes/{person_id}#prediagnostic")
    expect(page.get_by_role("heading", name="Awa Diallo", level=1)).to_be_visible()
    expect(page.get_by_text("5 élément(s) à vérifier.")).to_be_visible()
    expect(page.get_by_role("button", name="Valider le pré-diagnostic")).to_be_disabled()
    screenshot(page, "03-beneficiary-before-review")

    # Validate one situation, correct another to an exact label of the same theme, remove one.
    page.get_by_role("button", name="Valider « Permis B »").click()
    expect(page.get_by_role("status").first).to_contain_text("Situation « Permis B » validée.")
    logement = page.locator("section.theme", has=page.get_by_role("heading", name="Logement"))
    logement.get_by_text("Corriger").click()
    logement.get_by_label("Situation exacte (Logement)").select_option("Locataire du parc social")
    logement.get_by_role("button", name="Enregistrer la correction").click()
    expect(page.get_by_role("status").first).to_contain_text("corrigée")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role(
        "button", name="Retirer « Couverture sociale / mutuelle à mettre à jour »"
    ).click()
    expect(page.get_by_role("status").first).to_contain_text("retirée")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Tout valider").click()
    expect(page.get_by_role("status").first).to_contain_text("2 élément(s) validé(s).")
    page.get_by_role("button", name="Valider le pré-diagnostic").click()
    expect(page.get_by_role("status").first).to_contain_text("Pré-diagnostic validé")
    screenshot(page, "04-beneficiary-validated")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger en JSON (format Carnet de bord)").click()
    path = tmp_path / "export.json"
    download_info.value.save_as(path)
    data = json.loads(path.read_text(encoding="utf-8"))["input"]
    assert data["workSituation"] == "recherche_emploi" and data["educationLevel"] == "NV4"
    assert [(s["themeKey"], s["situationLabel"]) for s in data["situationsToAdd"]] == [
        ("logement", "Locataire du parc social"),
        ("mobilite", "Permis B"),
        ("mobilite", "Dépendant des transports en commun"),
    ]
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger en CSV (tableur)").click()
    path = tmp_path / "export.csv"
    download_info.value.save_as(path)
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    assert rows[0][0] == "rubrique" and len(rows) == 1 + 3 + 1 + 3

    with session_scope() as db:
        assert db.get(Prediagnostic, prediagnostic_id).status == "validated"
        statuses = db.scalars(
            select(SituationItem.status).where(SituationItem.prediagnostic_id == prediagnostic_id)
        ).all()
        assert sorted(statuses).count("declared") == 4  # originals untouched
        reads = db.scalars(
            select(Event).where(Event.kind == "audit_read", Event.beneficiary_id == person_id)
        ).all()
        whats = {e.data["what"] for e in reads}
        assert {"beneficiary_page", "export_json", "export_csv"} <= whats

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url("/connexion")
    page.goto(f"/referent/personnes/{person_id}")
    expect(page).to_have_url(f"/connexion?next=%2Freferent%2Fpersonnes%2F{person_id}")


def test_coordinator_reads_the_funnel_and_sorts_fallbacks(page, prediag, server_db):
    with session_scope() as db:
        contact_id = awa(db).contacts[0].id
        db.add(
            Event(
                kind="nlu_fallback",
                contact_id=contact_id,
                data={"text": "g pa recu le msg", "best_guess": "help", "confidence": 0.38},
            )
        )
    sign_in(page, "coordinateur@demo.fr")
    expect(page).to_have_url("/coordination")
    expect(page.get_by_role("img", name="Entonnoir du questionnaire")).to_be_visible()
    table = page.get_by_role(
        "table", name="Entonnoir par question, dans l'ordre où elles sont posées"
    )
    expect(table.get_by_role("row").nth(1)).to_contain_text("work_situation")
    expect(table).to_contain_text("20 s")
    expect(page.get_by_text("Awa")).to_have_count(0)
    screenshot(page, "05-coordinator-funnel")

    page.get_by_role("link", name="Messages non compris").click()
    expect(page.get_by_role("table")).to_contain_text("« g pa recu le msg »")
    page.get_by_label("Intention pour « g pa recu le msg »").select_option("help")
    screenshot(page, "06-coordinator-fallbacks")
    page.get_by_role("button", name="Affecter « g pa recu le msg »").click()
    expect(page.get_by_role("status").first).to_contain_text("Message affecté à « help ».")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exporter les exemples affectés (YAML Rasa)").click()
    text = Path(download_info.value.path()).read_text(encoding="utf-8")
    assert "- intent: help\n  examples: |\n    - g pa recu le msg" in text

    # A coordinator never opens a person's file.
    person_id, _ = prediag
    response = page.goto(f"/referent/personnes/{person_id}")
    assert response.status == 403


def test_referent_of_another_structure_gets_403(page, prediag):
    person_id, prediagnostic_id = prediag
    sign_in(page, "referent.voisin@demo.fr")
    expect(page).to_have_url("/referent")
    expect(page.get_by_text("Awa")).to_have_count(0)
    response = page.goto(f"/referent/personnes/{person_id}")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Accès refusé")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("autre structure")
    screenshot(page, "07-other-structure-403")
    response = page.request.get(
        f"/referent/personnes/{person_id}/prediagnostics/{prediagnostic_id}/export.json"
    )
    assert response.status == 403


def test_admin_creates_an_account(page):
    sign_in(page, "admin@demo.fr")
    expect(page).to_have_url("/admin/comptes")
    page.get_by_label("Nom et prénom").fill("Léa Nouvelle")
    page.get_by_label("Adresse e-mail").fill("lea.nouvelle@demo.fr")
    page.get_by_label("Rôle").select_option("referent")
    page.get_by_role("button", name="Créer le compte").click()
    expect(page.get_by_text("Mot de passe provisoire de Léa Nouvelle")).to_be_visible()
    password = page.locator(".secret").inner_text()
    screenshot(page, "08-admin-accounts")
    page.get_by_role("button", name="Se déconnecter").click()
    sign_in(page, "lea.nouvelle@demo.fr", password)
    expect(page).to_have_url("/referent")
