"""The suggested parcours in a real browser: the referent reads it with its reasons, refuses it
with a national motif and another parcours, accepts the next one; the coordinator sees how often
referents agree. Screenshots land in tests/artifacts/screenshots/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from backend.core.db import session_scope
from backend.models import Event, OrientationSuggestion
from tests.browser.conftest import screenshot, sign_in
from tests.support.prediag import awa
from tests.support.questionnaire_answers import answered_prediagnostic

pytestmark = pytest.mark.browser


def send_prediagnostic() -> tuple[int, int]:
    """Sent and already validated, so that the other browser tests' inbox counts stay as they
    are (the server is shared); a validated pre-diagnostic has its suggestion all the same."""
    with session_scope() as db:
        person = awa(db)
        prediagnostic = answered_prediagnostic(db, person, status="validated")
        return person.id, prediagnostic.id


def test_referent_reads_the_suggestion_refuses_then_accepts(page, server_db, tmp_path):
    person_id, _prediagnostic_id = send_prediagnostic()
    sign_in(page, "referente@demo.fr")
    page.goto(f"/referent/personnes/{person_id}")

    card = page.locator("section.suggestion")
    expect(card.get_by_role("heading", level=3)).to_have_text(
        "Parcours proposé : Parcours social / remobilisation (PSO)"
    )
    reasons = card.locator("ul.reasons li")
    expect(reasons).to_have_text(
        [
            "pas d'activité depuis plus de 2 ans",
            "logement : sans logement (compte comme impact fort)",
        ]
    )
    expect(card).to_contain_text("Ce n'est pas une décision")
    # Plain French everywhere on the page, codes only in the exports.
    main = page.locator("main")
    for code in ("PLUS_DEUX_ANS", "contrainte_logement", "IMPACT_FORT", "['"):
        expect(main).not_to_contain_text(code)
    expect(page.locator("dl.facts").nth(1)).to_contain_text("RSAOui")
    expect(page.locator("dl.facts").nth(1)).to_contain_text("RQTHNon renseigné")
    screenshot(page, "20-orientation-suggested")

    # "Corriger" opens on the current label and is wide enough to read it.
    logement = page.locator("section.theme", has=page.get_by_role("heading", name="Logement"))
    logement.get_by_text("Corriger").first.click()
    select_box = logement.get_by_label("Situation exacte (Logement)").first
    expect(select_box).to_have_value("Sans hébergement / rupture effective de logement")
    assert select_box.bounding_box()["width"] >= 400
    screenshot(page, "21-correct-opens-on-current-label")

    # Refuse: the motif is required (the browser says so before sending).
    card.get_by_text("Refuser la proposition").click()
    card.get_by_role("button", name="Refuser").click()
    expect(page).to_have_url(f"/referent/personnes/{person_id}")
    assert card.get_by_label("Motif du refus (liste nationale)").evaluate("e => !e.validity.valid")
    card.get_by_label("Motif du refus (liste nationale)").select_option(
        label="Appréciation différente"
    )
    card.get_by_label("Autre parcours").select_option(label="Parcours socio-professionnel")
    card.get_by_label("Commentaire").fill("Hébergée chez une amie depuis peu, cherche activement")
    screenshot(page, "22-orientation-refusing")
    card.get_by_role("button", name="Refuser").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Proposition refusée, parcours retenu : Parcours socio-professionnel."
    )
    expect(card).to_contain_text("Refusée")
    expect(card).to_contain_text("motif : Appréciation différente")
    expect(card.get_by_role("button", name="Refuser")).to_have_count(0)
    screenshot(page, "23-orientation-refused")

    # Sent again later: a new suggestion, accepted this time.
    send_prediagnostic()
    page.reload()
    page.get_by_role("button", name="Accepter la proposition").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Parcours proposé accepté : Parcours social / remobilisation."
    )
    expect(card).to_contain_text("Acceptée")
    screenshot(page, "24-orientation-accepted")

    # The API says the same, in the shape of the issue.
    token = page.request.post(
        "/api/v1/login/access-token",
        form={"username": "referente@demo.fr", "password": "demo-parcours-2026"},
    ).json()["access_token"]
    body = page.request.get(
        f"/api/v1/beneficiaries/{person_id}/orientation",
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert set(body) == {"parcours", "reasons", "rules_version", "status", "decision"}
    assert (body["parcours"], body["status"], body["decision"]["decision"]) == (
        "PSO",
        "DECIDE",
        "ACCEPTEE",
    )
    with session_scope() as db:
        decisions = db.scalars(select(Event.data).where(Event.kind == "orientation_decided")).all()
        assert [d["decision"] for d in decisions] == ["REFUSEE", "ACCEPTEE"]
        assert db.scalars(select(OrientationSuggestion.status)).all() == ["DECIDE", "DECIDE"]

    # The coordinator sees the agreement, never the person.
    page.get_by_role("button", name="Se déconnecter").click()
    sign_in(page, "coordinateur@demo.fr")
    page.get_by_role("link", name="Parcours proposés").click()
    table = page.get_by_role("table", name="Accord des référents par parcours proposé")
    expect(table.get_by_role("row", name="Parcours social / remobilisation")).to_contain_text(
        "50 %"
    )
    expect(page.get_by_text("Awa")).to_have_count(0)
    screenshot(page, "25-coordinator-agreement")
