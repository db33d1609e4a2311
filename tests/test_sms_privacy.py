"""SMS carry no full name and no address unless the person asked where the appointment is
(issue 16): a phone is often shared."""

from datetime import UTC, datetime

from backend.models import Appointment, Structure
from backend.services import appointments, reminders
from backend.services.privacy import short_name


def appointment(db, mode: str = "office") -> Appointment:
    structure = Structure(name="Mission locale Test", address="3 rue des Lilas, 69001 Lyon")
    db.add(structure)
    db.flush()
    row = Appointment(
        beneficiary_id=None,
        structure_id=structure.id,
        starts_at=datetime(2031, 3, 5, 13, 30, tzinfo=UTC),
        mode=mode,
        with_whom="Claire Martin",
    )
    row.structure = structure
    return row


def test_a_reminder_names_the_structure_not_its_address_nor_a_last_name(sqlite_url):
    from backend.core.db import get_sessionmaker

    with get_sessionmaker()() as db:
        text = reminders.reminder_text(appointment(db))
    assert text.startswith("Rappel de votre RDV : mercredi 5/3 à 14h30, Mission locale Test")
    assert "rue" not in text and "Lyon" not in text
    assert "Martin" not in text and "avec Claire" in text


def test_the_address_is_given_when_the_person_asks(sqlite_url):
    from backend.core.db import get_sessionmaker

    with get_sessionmaker()() as db:
        asked = appointments.describe(appointment(db))["text"]
    assert "Mission locale Test, 3 rue des Lilas, 69001 Lyon" in asked
    assert "Martin" not in asked


def test_short_name():
    assert short_name("Claire Martin") == "Claire"
    assert short_name("  Jean-Marc  de La Tour ") == "Jean-Marc"
    assert short_name("") is None and short_name(None) is None
