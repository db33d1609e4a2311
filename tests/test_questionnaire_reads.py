"""A turn reads the person's pre-diagnostic and answers once per transaction, and still sees
its own writes and, after a commit, other processes' (backend/services/questionnaire/view.py)."""

from __future__ import annotations

from sqlalchemy import delete, event

from backend.core.db import get_sessionmaker
from backend.models import PrediagnosticAnswer
from backend.services import consent
from backend.services.questionnaire.engine import Engine
from backend.services.questionnaire.view import latest_answers, latest_prediagnostic
from tests.test_prediagnostic import inbound, new_contact, start


def reads_of(db, table: str) -> list[str]:
    """SELECTs on ``table`` this session sends from now on."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("SELECT") and f"FROM {table}" in statement:
            seen.append(statement)

    event.listen(db.get_bind(), "before_cursor_execute", record)
    return seen


def test_one_answer_reads_the_prediagnostic_and_its_answers_once(db):
    contact = new_contact(db)
    start(db, contact)
    prediag_reads = reads_of(db, "prediagnostics")
    answer_reads = reads_of(db, "prediagnostic_answers")
    message = inbound(db, contact, "oui")
    engine = Engine(db, contact)
    assert engine.in_progress()  # what the router asks first
    turn = engine.respond("oui", message_id=message.id)  # consent given, next question asked
    db.commit()

    assert turn.status == "answered"
    assert len(prediag_reads) == 1
    assert len(answer_reads) == 1


def test_an_answer_recorded_in_the_transaction_is_in_the_next_read(db):
    contact = new_contact(db)
    start(db, contact)
    prediag = latest_prediagnostic(db, contact.beneficiary_id)
    assert latest_answers(db, prediag) == {}
    Engine(db, contact).respond("oui", message_id=inbound(db, contact, "oui").id)

    answers = latest_answers(db, prediag)
    assert list(answers) == ["consentement"]
    # The next question is asked, not the one just answered.
    assert Engine(db, contact).pending_question().key != "consentement"


def test_after_a_commit_what_another_session_wrote_is_read(db):
    contact = new_contact(db)
    start(db, contact)
    prediag = latest_prediagnostic(db, contact.beneficiary_id)
    assert latest_answers(db, prediag) == {}
    db.commit()
    with get_sessionmaker()() as other:  # another process: a referent's page, the bot's API
        other.add(
            PrediagnosticAnswer(
                prediagnostic_id=prediag.id, question_key="consentement", value=["oui"]
            )
        )
        other.commit()

    assert list(latest_answers(db, prediag)) == ["consentement"]


def test_an_answer_rolled_back_with_its_savepoint_is_not_read(db):
    contact = new_contact(db)
    start(db, contact)
    message_id = inbound(db, contact, "oui").id
    prediag = latest_prediagnostic(db, contact.beneficiary_id)
    savepoint = db.begin_nested()
    Engine(db, contact).respond("oui", message_id=message_id)
    assert list(latest_answers(db, prediag)) == ["consentement"]
    savepoint.rollback()

    assert latest_answers(db, prediag) == {}


def test_a_row_added_by_any_code_in_the_transaction_is_in_the_next_read(db):
    contact = new_contact(db)
    start(db, contact)
    prediag = latest_prediagnostic(db, contact.beneficiary_id)
    assert latest_answers(db, prediag) == {}
    db.add(PrediagnosticAnswer(prediagnostic_id=prediag.id, question_key="consentement"))
    db.flush()

    assert list(latest_answers(db, prediag)) == ["consentement"]


def test_a_refusal_forgotten_in_the_transaction_is_not_read_again(db):
    contact = new_contact(db)
    start(db, contact)
    Engine(db, contact).respond("non", message_id=inbound(db, contact, "non").id)
    prediag = latest_prediagnostic(db, contact.beneficiary_id)
    assert latest_answers(db, prediag)  # the refusal

    assert consent.forget_refused(db, prediag.id)  # a bulk DELETE of answers, then the row

    assert latest_prediagnostic(db, contact.beneficiary_id) is None


def test_a_bulk_delete_of_answers_drops_the_memo(db):
    contact = new_contact(db)
    start(db, contact)
    Engine(db, contact).respond("oui", message_id=inbound(db, contact, "oui").id)
    prediag = latest_prediagnostic(db, contact.beneficiary_id)
    assert latest_answers(db, prediag)
    db.execute(
        delete(PrediagnosticAnswer).where(PrediagnosticAnswer.prediagnostic_id == prediag.id),
        execution_options={"synchronize_session": False},
    )

    assert latest_answers(db, prediag) == {}


def test_a_pre_diagnostic_deleted_in_the_transaction_is_not_read_again(db):
    contact = new_contact(db)
    start(db, contact)
    prediag = latest_prediagnostic(db, contact.beneficiary_id)
    db.delete(prediag)
    db.flush()

    assert latest_prediagnostic(db, contact.beneficiary_id) is None
