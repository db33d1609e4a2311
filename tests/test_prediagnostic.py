"""The pre-diagnostic engine and its API, on SQLite and PostgreSQL."""

import pytest
from sqlalchemy import select

from backend.models import (
    Beneficiary,
    Consent,
    Contact,
    Event,
    Message,
    Prediagnostic,
    PrediagnosticAnswer,
    ProfessionalProject,
    SituationItem,
)
from backend.seed import DEMO_PASSWORD, DEMO_PHONE, seed
from backend.services.questionnaire.engine import Engine, Turn, summary
from channels.rendering import render


@pytest.fixture
def seeded(db):
    seed(db)
    db.commit()
    return db


def new_contact(db, address="+33611111111", channel="sms") -> Contact:
    contact = Contact(channel=channel, address=address)
    db.add(contact)
    db.commit()
    return contact


def inbound(db, contact: Contact, text: str) -> Message:
    message = Message(
        contact_id=contact.id, direction="in", channel=contact.channel, text=text, status="received"
    )
    db.add(message)
    db.commit()
    return message


def shown(turn: Turn, channel: str) -> dict:
    """The turn as the person sees it on their channel."""
    replies = render(turn.messages, channel)
    return {
        "status": turn.status,
        "question_key": turn.question_key,
        "intent": turn.intent,
        "text": "\n".join(r.text for r in replies),
        "buttons": [b for r in replies for b in r.buttons],
        "menu": replies[-1].menu if replies else None,
    }


def say(db, contact: Contact, text: str, intent=None, confidence=None) -> dict:
    message = inbound(db, contact, text)
    engine = Engine(db, contact)
    turn = engine.respond(text, intent=intent, confidence=confidence, message_id=message.id)
    db.commit()
    return shown(turn, contact.channel)


def start(db, contact: Contact) -> dict:
    engine = Engine(db, contact)
    engine.start()
    turn = engine.ask()
    db.commit()
    return shown(turn, contact.channel)


def test_unknown_number_gets_a_pending_beneficiary_and_consent_comes_first(db):
    contact = new_contact(db)
    asked = start(db, contact)
    assert asked["question_key"] == "consentement"
    assert "vos référents" in asked["text"] and "facultatif" in asked["text"]
    db.refresh(contact)
    assert contact.beneficiary.identification == "pending"
    assert db.scalars(select(PrediagnosticAnswer)).all() == []
    result = say(db, contact, "ouais")
    assert (result["status"], result["question_key"]) == ("answered", "activite")
    consent = db.scalars(select(Consent)).one()
    assert consent.given and consent.kind == "prediagnostic"
    assert consent.source_message_id is not None


def test_refused_consent_ends_without_a_question_and_a_new_start_asks_again(db):
    contact = new_contact(db)
    start(db, contact)
    result = say(db, contact, "non")
    assert result["status"] == "done"
    assert "je n'enregistre rien" in result["text"]
    assert db.scalars(select(Consent.given)).all() == [False]
    again = start(db, contact)
    assert again["question_key"] == "consentement"
    assert len(db.scalars(select(Prediagnostic)).all()) == 2


def test_answers_are_declarations_and_retour_supersedes_without_deleting(db):
    contact = new_contact(db)
    start(db, contact)
    for text in ["oui", "3", "1", "passer", "passer", "2", "4"]:
        assert say(db, contact, text)["status"] == "answered"
    assert say(db, contact, "1")["question_key"] == "impact_logement"  # freins
    say(db, contact, "1")
    assert say(db, contact, "2 3")["question_key"] == "confiance"
    items = db.scalars(select(SituationItem).order_by(SituationItem.id)).all()
    labels = [(i.theme_key, i.label, i.status) for i in items]
    assert (
        "logement",
        "Doit quitter le logement (procédure d'expulsion, ...)",
        "declared",
    ) in labels
    assert all(i.source["channel"] == "sms" and i.source["message_ids"][0] for i in items)
    # "retour": back to the housing list; the new answer drops "expulsion" by a new row.
    back = say(db, contact, "retour")
    assert back["question_key"] == "situations_logement"
    assert say(db, contact, "3")["question_key"] == "confiance"
    rows = db.scalars(select(SituationItem).order_by(SituationItem.id)).all()
    removed = [r for r in rows if r.status == "removed"]
    assert [(r.label, r.supersedes_id is not None) for r in removed] == [
        ("Doit quitter le logement (procédure d'expulsion, ...)", True)
    ]
    assert len(rows) == len(items) + 1  # nothing deleted, one row added
    prediag = db.scalars(select(Prediagnostic)).one()
    held = summary(db, prediag)
    assert held["orientation"]["contrainte_logement"] == "IMPACT_FORT_RECHERCHE_EMPLOI"
    assert held["orientation"]["situation_professionnelle"] == "PLUS_DEUX_ANS"
    answers = db.scalars(
        select(PrediagnosticAnswer.value).where(
            PrediagnosticAnswer.question_key == "situations_logement"
        )
    ).all()
    assert answers == [["expulsion", "loyer"], ["loyer"]]


def test_projects_one_per_job_and_a_change_is_a_new_row(db):
    contact = new_contact(db)
    start(db, contact)
    for text in ["oui", "2", "1", "7", "1", "1", "1", "Cariste, magasinier", "30"]:
        say(db, contact, text)
    assert db.scalars(select(ProfessionalProject)).all() == []  # not complete yet
    say(db, contact, "2")  # CDD
    say(db, contact, "2")  # part time
    projects = db.scalars(select(ProfessionalProject).order_by(ProfessionalProject.id)).all()
    assert [
        (p.job_label, p.mobility_radius_km, p.contract_types, p.employment_type) for p in projects
    ] == [
        ("Cariste", 30, ["cdd"], "part_time"),
        ("magasinier", 30, ["cdd"], "part_time"),
    ]
    say(db, contact, "retour")
    say(db, contact, "plein")
    projects = db.scalars(select(ProfessionalProject).order_by(ProfessionalProject.id)).all()
    assert len(projects) == 4
    assert {p.supersedes_id for p in projects[2:]} == {projects[0].id, projects[1].id}
    prediag = db.scalars(select(Prediagnostic)).one()
    assert {p["employment_type"] for p in summary(db, prediag)["projects"]} == {"full_time"}


def test_unclear_twice_says_how_to_skip_or_pause_in_one_sms_then_resumes(db):
    contact = new_contact(db)
    start(db, contact)
    say(db, contact, "oui")
    first = say(db, contact, "zxqv")
    assert first["status"] == "unclear"
    assert first["text"].startswith("Je n'ai pas compris.") and "\n1 " not in first["text"]
    assert first["menu"]["kind"] == "question" and first["menu"]["show"] is False
    second = say(db, contact, "blorg")
    assert "PASSER" in second["text"] and "PLUS TARD" in second["text"]
    assert len(second["text"]) <= 160
    # The list still active is the question's: "2" answers it, it does not pause.
    assert say(db, contact, "2")["question_key"] == "situation_actuelle"
    later = say(db, contact, "plus tard")
    assert later["status"] == "paused" and "REPRENDRE" in later["text"]
    back = say(db, contact, "coucou")
    assert back["status"] == "resumed"
    assert back["text"].startswith("On reprend")
    assert back["question_key"] == "situation_actuelle"


def test_a_digression_is_not_an_answer_but_help_is_handled_here(db):
    contact = new_contact(db)
    start(db, contact)
    say(db, contact, "oui")
    result = say(db, contact, "c quand mon rdv", intent="ask_next_appointment", confidence=0.93)
    assert (result["status"], result["intent"]) == ("digression", "ask_next_appointment")
    # A weak guess is not a digression: the question is asked again.
    assert say(db, contact, "rdv ?", "ask_next_appointment", 0.4)["status"] == "unclear"
    assert say(db, contact, "2", "ask_next_appointment", 0.9)["status"] == "answered"
    helped = say(db, contact, "je comprends rien", intent="help", confidence=0.8)
    assert helped["status"] == "help" and "PASSER" in helped["text"]
    assert db.scalars(select(PrediagnosticAnswer.question_key)).all() == [
        "consentement",
        "activite",
    ]


def test_funnel_events_follow_the_contract(db):
    contact = new_contact(db)
    start(db, contact)
    say(db, contact, "oui")
    events = db.scalars(select(Event).order_by(Event.id)).all()
    assert [e.kind for e in events] == [
        "prediag_question_asked",
        "prediag_answer_saved",
        "prediag_question_asked",
    ]
    prediag = db.scalars(select(Prediagnostic)).one()
    db.refresh(contact)
    for event in events:
        assert event.contact_id == contact.id
        assert event.beneficiary_id == contact.beneficiary_id
        assert set(event.data) == {"prediagnostic_id", "question_key", "channel"}
        assert event.data["prediagnostic_id"] == prediag.id and event.data["channel"] == "sms"
    assert [e.data["question_key"] for e in events] == ["consentement", "consentement", "activite"]


def test_telegram_gets_buttons_and_sms_numbered_lines(db):
    telegram = new_contact(db, "555", "telegram")
    start(db, telegram)
    asked = say(db, telegram, "oui")
    assert next(b["title"] for b in asked["buttons"]) == "Oui, je travaille"
    assert "1 Oui" not in asked["text"]
    sms = new_contact(db)
    start(db, sms)
    asked = say(db, sms, "oui")
    assert "\n1 Oui, je travaille\n" in asked["text"] and asked["text"].count("\n1 ") == 1
    assert asked["text"].endswith("Répondez 1, 2, 3 ou 4")


# --- API --------------------------------------------------------------------------------------


def login(client, email: str) -> dict[str, str]:
    response = client.post(
        "/api/v1/login/access-token", data={"username": email, "password": DEMO_PASSWORD}
    )
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_bot_api_starts_the_questionnaire(client, seeded, bot_headers):
    awa = seeded.scalar(select(Contact).where(Contact.address == DEMO_PHONE))
    base = f"/api/v1/bot/contacts/{awa.id}/prediagnostic"
    assert client.post(f"{base}/start", json={}).status_code == 401
    assert client.get(base, headers=bot_headers).json()["in_progress"] is False
    started = client.post(f"{base}/start", json={}, headers=bot_headers).json()
    assert started["status"] == "in_progress" and started["created"] is True
    status = client.get(base, headers=bot_headers).json()
    assert status["in_progress"] is True
    # The answers no longer go through the action server: no relay endpoints.
    assert client.post(f"{base}/answer", json={"text": "oui"}, headers=bot_headers).status_code in (
        404,
        405,
    )
    # The known beneficiary is used, no pending one is created.
    assert seeded.scalar(select(Beneficiary).where(Beneficiary.identification == "pending")) is None


def test_bot_api_refuses_bad_input_with_reasons(client, seeded, bot_headers):
    awa = seeded.scalar(select(Contact).where(Contact.address == DEMO_PHONE))
    base = f"/api/v1/bot/contacts/{awa.id}/prediagnostic"
    unknown = client.post(
        "/api/v1/bot/contacts/999999/prediagnostic/start", json={}, headers=bot_headers
    )
    assert unknown.status_code == 404
    bad_id = client.post(f"{base}/start", json={"message_id": 424242}, headers=bot_headers)
    assert bad_id.status_code == 422 and "message_id" in bad_id.json()["detail"]
    assert (
        client.post(f"{base}/start", json={"message_id": "x"}, headers=bot_headers).status_code
        == 422
    )


def test_referent_reads_the_prediagnostic_of_their_structure_only(client, seeded, bot_headers):
    awa = seeded.scalar(select(Contact).where(Contact.address == DEMO_PHONE))
    start(seeded, awa)
    for text in ["oui", "1", "1", "7"]:
        say(seeded, awa, text)
    prediag = seeded.scalars(select(Prediagnostic)).one()
    url = f"/api/v1/prediagnostics/{prediag.id}"
    body = client.get(url, headers=login(client, "referente@demo.fr")).json()
    assert body["status"] == "in_progress"
    assert body["orientation"]["situation_professionnelle"] == "EN_ACTIVITE"
    assert body["orientation"]["niveau_etude"] == "NV4"
    assert body["missing"][0] == "droits"
    assert [a["question_key"] for a in body["answers"]] == [
        "consentement",
        "activite",
        "emploi_actuel",
        "niveau",
    ]
    assert client.get(url, headers=login(client, "referent.voisin@demo.fr")).status_code == 403
    assert client.get(url, headers=login(client, "coordinateur@demo.fr")).status_code == 403
    assert (
        client.get(
            "/api/v1/prediagnostics/999999", headers=login(client, "referente@demo.fr")
        ).status_code
        == 404
    )
    listed = client.get(
        f"/api/v1/beneficiaries/{awa.beneficiary_id}/prediagnostics",
        headers=login(client, "referente@demo.fr"),
    ).json()
    assert [p["id"] for p in listed] == [prediag.id]
    reads = seeded.scalars(select(Event).where(Event.kind == "prediagnostic_read")).all()
    assert len(reads) == 1 and reads[0].account_id is not None
    preview = client.get(
        "/api/v1/questionnaire/preview", headers=login(client, "coordinateur@demo.fr")
    )
    assert preview.status_code == 200 and preview.json()[0]["key"] == "consentement"


def test_the_summary_wording_comes_from_the_questionnaire_file():
    """A coordinator changes the summary's words in bot/questionnaire.yml; health stays hidden."""
    from types import SimpleNamespace

    from backend.services.questionnaire.schema import load_questionnaire
    from backend.services.questionnaire.view import View

    base = load_questionnaire()
    q = base.model_copy(
        update={
            "messages": base.messages.model_copy(
                update={"summary_freins": "Difficultés: {freins}", "summary_private": "le reste"}
            )
        }
    )
    answers = {
        "freins": SimpleNamespace(
            question_key="freins", value=["transport", "sante"], skipped=False
        )
    }
    text = Engine(None, None, q)._summary_text(View(q, answers))  # type: ignore[arg-type]
    assert "Difficultés: transport, le reste" in text
    assert "santé" not in text.lower()
    default = Engine(None, None, base)._summary_text(View(base, answers))  # type: ignore[arg-type]
    assert "Freins: transport, autres: à voir avec votre conseiller" in default


def test_an_answer_said_again_is_taken_even_if_it_read_as_a_digression(db):
    """A job like 'surveillant de parking' may read as an appointment question: the first time
    it digresses, but the person who writes the same words again is answering; no loop."""
    contact = new_contact(db)
    start(db, contact)
    result = say(db, contact, "oui")
    for _ in range(12):  # the first option of every question, until the job is asked
        if result["question_key"] == "metier":
            break
        result = say(db, contact, "1")
    assert result["question_key"] == "metier"
    job = "Agent de sécurité, gardien d'immeuble, ou surveillant de parking"
    first = say(db, contact, job, intent="appointment_question", confidence=0.9)
    assert first["status"] == "digression"
    again = say(db, contact, job, intent="appointment_question", confidence=0.9)
    assert again["status"] == "answered"
    stored = db.scalar(
        select(PrediagnosticAnswer.value).where(PrediagnosticAnswer.question_key == "metier")
    )
    assert stored == job


def test_a_question_asked_back_then_answered_is_an_answer(db):
    """'un professionnel c est qui ? bon je ne sais pas encore': a plain answer after the
    question stands (a persona looped on the main menu the help digression showed instead)."""
    contact = new_contact(db)
    start(db, contact)
    # A reason after the question is not the answer "Non".
    reason = say(db, contact, "c qd mon rdv dja? jpe pa le mardi", "ask_next_appointment", 0.95)
    assert reason["status"] == "digression"
    result = say(db, contact, "c'est quoi ce questionnaire ? oui allez y", "help", 0.9)
    assert result["status"] == "answered"
    # A topic word after the question is not an answer: "... je travaille" stays a digression
    # (as "... je dois savoir pour le petit" is not the answer "Famille").
    asked = say(db, contact, "c quand mon rdv ? je travaille", "ask_next_appointment", 0.95)
    assert asked["status"] == "digression"
    assert db.scalars(select(PrediagnosticAnswer.question_key)).all() == ["consentement"]
