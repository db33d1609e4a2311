"""The web chat (/chat), as a person uses it in Chromium against the real stack: buttons are
tapped, a multi-choice answer is typed, the questionnaire moves on and stores what was meant."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from backend.core.db import session_scope
from backend.models import Contact, PrediagnosticAnswer
from backend.services.questionnaire.view import latest_prediagnostic
from tests.browser.conftest import screenshot
from tests.e2e.test_review_after_chat import in_chromium

pytestmark = pytest.mark.browser


def test_a_person_answers_with_the_buttons_and_by_typing(stack, e2e_db, new_phone):
    def chat(page) -> None:
        page.goto("/chat")
        page.locator("#contact").fill(new_phone)
        page.locator("#channel").select_option("web")
        log = page.locator("#log")

        def say(text: str) -> None:
            page.locator("#text").fill(text)
            page.locator("#text").press("Enter")

        say("je veux faire le pre diagnostic")
        expect(log).to_contain_text("On commence ?")
        log.get_by_role("button", name="Oui").last.click()
        expect(log).to_contain_text("travaillé ces 2 dernières années")
        log.get_by_role("button", name="Oui, plus maintenant").last.click()
        expect(log).to_contain_text("Aujourd'hui, vous êtes")
        log.get_by_role("button", name="En recherche d'emploi").last.click()
        expect(log).to_contain_text("niveau d'études")
        log.get_by_role("button", name="Bac", exact=True).last.click()
        expect(log).to_contain_text("RSA ou la RQTH")
        say("1 2")  # several choices, typed with the numbers the buttons show
        expect(log).to_contain_text("commencer à travailler")
        screenshot(page, "30-web-chat-questionnaire")

    in_chromium(stack.backend_url, chat)
    with session_scope() as session:
        contact = session.scalar(
            select(Contact).where(Contact.channel == "web", Contact.address == new_phone)
        )
        prediag = latest_prediagnostic(session, contact.beneficiary_id)
        answers = {
            row.question_key: row.value
            for row in session.scalars(
                select(PrediagnosticAnswer).where(
                    PrediagnosticAnswer.prediagnostic_id == prediag.id
                )
            )
        }
    assert answers["activite"] == ["deux_ans"]
    assert answers["situation_actuelle"] == ["recherche"]
    assert answers["niveau"] == ["NV4"]
    assert answers["droits"] == ["rsa", "rqth"]
