"""Issue 6's main path end to end: a person completes the pre-diagnostic by SMS through the
simulator (real Rasa and actions), then their referent reviews, validates and exports it in
Chromium. Screenshots land in tests/artifacts/screenshots/."""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect
from sqlalchemy import select

from backend.core.db import session_scope
from backend.models import Account, Beneficiary, Contact, Prediagnostic, Structure
from tests.browser.conftest import CHROMIUM, screenshot

TRANSCRIPT = Path(__file__).resolve().parents[1] / "transcripts" / "01_complete_three_freins.yml"

pytestmark = pytest.mark.browser


@pytest.fixture
def sami(e2e_db, new_phone) -> int:
    """A person of the demo structure, known by their phone, before any pre-diagnostic."""
    with session_scope() as session:
        structure = session.scalar(select(Structure).where(Structure.name == "Mission locale Démo"))
        referent = session.scalar(select(Account).where(Account.email == "referente@demo.fr"))
        person = Beneficiary(
            first_name="Sami", last_name="Roux", birth_date=date(1990, 2, 3),
            structure_id=structure.id, referent_id=referent.id,
        )  # fmt: skip
        session.add(person)
        session.flush()
        session.add(
            Contact(beneficiary_id=person.id, channel="sms", address=new_phone, verified=True)
        )
        return person.id


def in_chromium(base_url: str, steps) -> None:
    """Run ``steps(page)`` in a fresh headless Chromium, in a thread of its own: Playwright's
    sync API refuses a thread where an asyncio loop runs (the async tests leave one)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_CHROMIUM") == "1":
            pytest.fail(f"Chromium is required (REQUIRE_CHROMIUM=1) but {CHROMIUM} is missing")
        pytest.skip(f"Chromium is not installed ({CHROMIUM})")

    def run() -> None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            context = browser.new_context(
                base_url=base_url,
                locale="fr-FR",
                viewport={"width": 1280, "height": 860},
                accept_downloads=True,
            )
            context.set_default_timeout(15_000)
            try:
                steps(context.new_page())
            finally:
                context.close()
                browser.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(run).result()


def test_prediagnostic_made_by_sms_is_reviewed_and_exported(chat, sami, stack, tmp_path):
    person = chat()
    steps = yaml.safe_load(TRANSCRIPT.read_text(encoding="utf-8"))["steps"]
    for step in steps:
        text = person.say_text(step["say"])
    assert "C'est envoyé" in text
    with session_scope() as session:
        [prediagnostic] = session.scalars(
            select(Prediagnostic).where(Prediagnostic.beneficiary_id == sami)
        ).all()
        assert prediagnostic.status == "submitted"

    path = tmp_path / "export.json"

    def review(page) -> None:
        page.goto("/connexion")
        page.get_by_label("Adresse e-mail").fill("referente@demo.fr")
        page.get_by_label("Mot de passe").fill("demo-parcours-2026")
        page.get_by_role("button", name="Se connecter").click()
        expect(page).to_have_url("/referent")
        page.get_by_role("link", name="Relire le pré-diagnostic de Sami Roux").click()
        expect(page.get_by_role("heading", name="Sami Roux", level=1)).to_be_visible()
        facts = page.locator("h3:text('Situation professionnelle') + dl.facts")
        expect(facts).to_contain_text("En recherche d'emploi")
        expect(facts).to_contain_text("CAP / BEP")
        criteria = page.locator("table.criteria")
        expect(criteria).to_contain_text("Faire face à des difficultés de logement")
        # The national criteria in plain French (the codes stay in the exports).
        expect(criteria).to_contain_text("Sans logement")
        expect(criteria).to_contain_text("Dépend des transports en commun")
        expect(criteria).not_to_contain_text("SANS_LOGEMENT")
        # A suggested parcours, with its reasons, for the referent only.
        suggestion = page.locator("section.suggestion")
        expect(suggestion).to_contain_text("Parcours proposé")
        expect(suggestion).to_contain_text("logement : sans logement (compte comme impact fort)")
        logement = page.locator("section.theme", has=page.get_by_role("heading", name="Logement"))
        expect(logement).to_contain_text("Sans hébergement / rupture effective de logement")
        expect(page.locator("#projets ~ *").first).to_contain_text("Vendeuse")
        # The conversation is there too, as the person typed it.
        expect(page.locator("#conversation ~ *").first).to_contain_text("logemant, transport")
        screenshot(page, "10-review-of-a-chat-prediagnostic")

        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Tout valider").click()
        expect(page.get_by_role("status").first).to_contain_text("validé")
        page.get_by_role("button", name="Valider le pré-diagnostic").click()
        expect(page.get_by_role("status").first).to_contain_text("Pré-diagnostic validé")
        with page.expect_download() as download_info:
            page.get_by_role("link", name="Télécharger en JSON (format Carnet de bord)").click()
        download_info.value.save_as(path)

    in_chromium(stack.backend_url, review)
    exported = json.loads(path.read_text(encoding="utf-8"))["input"]
    assert exported["workSituation"] == "recherche_emploi"
    assert exported["educationLevel"] == "NV5"
    assert ("numerique", "Absence de connexion (autre motif)") in [
        (s["themeKey"], s["situationLabel"]) for s in exported["situationsToAdd"]
    ]
    projects = {p["romeLabel"]: p for p in exported["professionalProjectsToAdd"]}
    assert set(projects) == {"Vendeuse", "caissière"}
    assert projects["Vendeuse"]["mobilityRadius"] == 20
    assert projects["Vendeuse"]["contractTypeIds"] == ["cdi", "interim"]
