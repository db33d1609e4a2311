"""Erasure asked by chat (issue 16), checked in the store itself on SQLite and PostgreSQL: after
it, a distinctive word the person typed is found in no column of no table."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select

from backend.models import (
    Account,
    Appointment,
    Base,
    CallbackRequest,
    Consent,
    Contact,
    Event,
    Message,
    Prediagnostic,
    PrediagnosticAnswer,
    ProfessionalProject,
    SituationItem,
    SituationUpdate,
    Task,
)
from backend.seed import seed
from backend.services import erasure
from backend.services.questionnaire.engine import Engine
from backend.services.review import build_review, validate_prediagnostic, validate_remaining
from tests.support.prediag import awa
from tests.support.questionnaire_answers import AWA, answered_prediagnostic

WORD = "Zorglubia"


def found_anywhere(session, word: str) -> list[str]:
    """Every table whose rows, read as text, contain ``word`` (any case)."""
    hits = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)):
            if word.casefold() in str(tuple(row)).casefold():
                hits.append(table.name)
                break
    return hits


def typed(session, contact: Contact, words: str) -> Message:
    message = Message(
        contact_id=contact.id, direction="in", channel="sms", text=words, status="processed"
    )
    session.add(message)
    session.flush()
    return message


def erase(client, bot_headers, contact_id: int, message_id: int | None = None):
    return client.post(
        f"/api/v1/bot/contacts/{contact_id}/data-deletion",
        json={"message_id": message_id},
        headers=bot_headers,
    )


def test_pending_person_keeps_nothing_they_typed(client, db, bot_headers):
    contact = Contact(channel="sms", address="+33611110000")
    db.add(contact)
    db.commit()
    engine = Engine(db, contact)
    engine.start()
    engine.ask()
    yes = typed(db, contact, "oui")
    engine.respond("oui", message_id=yes.id)
    odd = typed(db, contact, f"je suis {WORD} de métier")
    engine.respond(odd.text, message_id=odd.id)  # not understood: a fallback event quotes it
    db.add(
        Message(
            contact_id=contact.id,
            direction="out",
            channel="sms",
            text=f"{WORD} : c'est bien ça ?",
            status="simulated",
            payload={"menu": {"raw": WORD}},
        )
    )
    person = contact.beneficiary
    person.first_name = WORD  # typed to be recognised
    db.add(CallbackRequest(beneficiary_id=person.id, contact_id=contact.id, reason=WORD))
    db.add(SituationUpdate(beneficiary_id=person.id, contact_id=contact.id, kind="autre",
                           data={"detail": WORD, "count": 2}))  # fmt: skip
    db.commit()
    assert set(found_anywhere(db, WORD)) >= {"messages", "events", "beneficiaries"}
    last = typed(db, contact, "1")
    db.commit()

    response = erase(client, bot_headers, contact.id, last.id)

    assert response.status_code == 201, response.text
    assert response.json() == {"erased": True, "kept_prediagnostic": False}
    db.expire_all()
    assert found_anywhere(db, WORD) == []
    assert db.scalars(select(Prediagnostic)).all() == []
    assert db.scalars(select(PrediagnosticAnswer)).all() == []
    assert {m.text for m in db.scalars(select(Message))} == {None}
    # The consent stays (the proof of what was agreed); the audit has counts, no words.
    assert [c.given for c in db.scalars(select(Consent))] == [True]
    [audit] = db.scalars(select(Event).where(Event.kind == "data_erased")).all()
    assert audit.data["pending"] is True and audit.data["messages"] >= 4
    assert all(isinstance(v, int | bool) for v in audit.data.values())
    assert db.scalar(select(SituationUpdate.data).where(SituationUpdate.kind == "autre")) == {
        "count": 2
    }
    # No structure: no referent's inbox to tell. Rasa's conversation goes after this turn.
    assert db.scalar(select(SituationUpdate).where(SituationUpdate.kind == "data_erased")) is None
    [task] = db.scalars(select(Task).where(Task.kind == erasure.TRACKER_TASK)).all()
    assert (task.key, task.payload) == (f"contact:{contact.id}", {"sender_id": str(contact.id)})


def test_validated_prediagnostic_and_appointments_stay(client, db, bot_headers):
    seed(db)
    db.commit()
    person = awa(db)
    referent = db.scalar(select(Account).where(Account.email == "referente@demo.fr"))
    contact = db.scalar(select(Contact).where(Contact.beneficiary_id == person.id))
    prediag = answered_prediagnostic(db, person, {**AWA, "metier": "boulangere"})
    validate_remaining(db, build_review(db, prediag), person, referent)
    validate_prediagnostic(db, prediag, person, referent)
    # Said after the validation: unvalidated, so erased.
    db.add(SituationItem(beneficiary_id=person.id, prediagnostic_id=prediag.id,
                         theme_key="logement", label="Autre", detail=WORD))  # fmt: skip
    db.add(ProfessionalProject(beneficiary_id=person.id, job_label=WORD))
    said = typed(db, contact, f"j'ai trouvé un poste de {WORD}")
    db.add(Event(kind="nlu_fallback", contact_id=contact.id, beneficiary_id=person.id,
                 message_id=said.id, data={"text": said.text, "confidence": 0.3}))  # fmt: skip
    db.flush()
    fallback = db.scalar(select(Event.id).where(Event.kind == "nlu_fallback"))
    # A coordinator's decision on it copies the text and names only the fallback.
    db.add(Event(kind="nlu_fallback_assigned", account_id=referent.id,
                 data={"fallback_event_id": fallback, "intent": "update_situation",
                       "text": said.text}))  # fmt: skip
    db.commit()
    validated = db.scalar(
        select(SituationItem.id).where(
            SituationItem.beneficiary_id == person.id, SituationItem.status == "validated"
        )
    )
    appointments = len(db.scalars(select(Appointment)).all())
    kept_projects = db.scalars(
        select(ProfessionalProject.id).where(ProfessionalProject.job_label == "boulangere")
    ).all()
    assert validated is not None and kept_projects

    response = erase(client, bot_headers, contact.id, said.id)

    assert response.status_code == 201, response.text
    assert response.json()["kept_prediagnostic"] is True
    db.expire_all()
    assert found_anywhere(db, WORD) == []
    assert db.get(Prediagnostic, prediag.id).status == "validated"
    assert db.get(SituationItem, validated) is not None
    assert (
        db.scalars(
            select(ProfessionalProject.id).where(ProfessionalProject.job_label == "boulangere")
        ).all()
        == kept_projects
    )
    raw = db.scalars(
        select(PrediagnosticAnswer.raw_text).where(
            PrediagnosticAnswer.prediagnostic_id == prediag.id
        )
    ).all()
    assert raw and set(raw) == {None}
    assert len(db.scalars(select(Appointment)).all()) == appointments
    [done] = db.scalars(select(SituationUpdate).where(SituationUpdate.kind == "data_erased")).all()
    assert (done.beneficiary_id, done.status) == (person.id, "declared")


def test_unknown_contact_or_foreign_message_is_refused(client, db, bot_headers):
    assert erase(client, bot_headers, 999999).status_code == 404
    one, other = (
        Contact(channel="sms", address="+33611110001"),
        Contact(channel="sms", address="+33611110002"),
    )
    db.add_all([one, other])
    db.commit()
    foreign = typed(db, other, "bonjour")
    db.commit()
    assert erase(client, bot_headers, one.id, foreign.id).status_code == 422


@pytest.fixture
def tracker_db(tmp_path, monkeypatch):
    """A tracker store shaped like Rasa 3.6's SQLTrackerStore (table ``events``)."""
    from backend.core import config

    path = tmp_path / "tracker.db"
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL,"
            " type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255),"
            " action_name VARCHAR(255), data TEXT)"
        )
        for sender in ("7", "7", "8"):
            connection.execute(
                "INSERT INTO events (sender_id, type_name, data) VALUES (?, 'user', ?)",
                (sender, f'{{"text": "{WORD}"}}'),
            )
    monkeypatch.setenv("RASA_TRACKER_DB", str(path))
    config.get_settings.cache_clear()
    yield path
    config.get_settings.cache_clear()


def test_tracker_task_deletes_only_that_conversation(db, tracker_db):
    from backend import worker

    erasure_task = erasure.TRACKER_TASK
    db.add(Task(kind=erasure_task, payload={"sender_id": "7"}, key="contact:7"))
    db.commit()
    assert worker.run_pending("test-worker") == 1
    with sqlite3.connect(tracker_db) as connection:
        senders = [r[0] for r in connection.execute("SELECT sender_id FROM events")]
    assert senders == ["8"]
    assert db.scalar(select(Task.status).where(Task.kind == erasure_task)) == "done"


def test_no_tracker_store_is_nothing_to_do(tmp_path, monkeypatch):
    from backend.core import config

    monkeypatch.setenv("RASA_TRACKER_DB", str(tmp_path / "never-created.db"))
    config.get_settings.cache_clear()
    try:
        assert erasure.erase_tracker("7") == 0
        assert not (tmp_path / "never-created.db").exists()
    finally:
        config.get_settings.cache_clear()


def test_scrub_keeps_identifiers_never_words():
    assert erasure.scrub(
        {"text": WORD, "question_key": "metier", "ids": [1, 2], "guess": [WORD], "n": 3}
    ) == {"question_key": "metier", "ids": [1, 2], "n": 3}
