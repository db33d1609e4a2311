"""Retention (issue 16): after RETENTION_DAYS, transcripts and unvalidated declarations are
purged by a daily task; validated items stay. Checked in the store on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from sqlalchemy import select, update

from backend.models import (
    Account,
    CallbackRequest,
    Contact,
    Event,
    Message,
    Prediagnostic,
    ProfessionalProject,
    SituationItem,
    Task,
    utcnow,
)
from backend.seed import seed
from backend.services import erasure, retention
from backend.services.review import build_review, validate_prediagnostic, validate_remaining
from tests.support.prediag import awa
from tests.support.questionnaire_answers import AWA, answered_prediagnostic
from tests.test_erasure import found_anywhere, tracker_db  # noqa: F401 - a fixture

OLD, NEW = "Vieuxmotz", "Neufmotz"


def age_everything(db, days: int) -> None:
    old = utcnow() - timedelta(days=days)
    for model in (Message, Event, Prediagnostic, SituationItem, ProfessionalProject,
                  CallbackRequest):  # fmt: skip
        db.execute(update(model).values(created_at=old))
    db.commit()


def test_old_transcripts_and_unvalidated_declarations_go_validated_stay(db):
    seed(db)
    db.commit()
    person = awa(db)
    referent = db.scalar(select(Account).where(Account.email == "referente@demo.fr"))
    contact = db.scalar(select(Contact).where(Contact.beneficiary_id == person.id))
    kept = answered_prediagnostic(db, person, {**AWA, "metier": "boulangere"})
    validate_remaining(db, build_review(db, kept), person, referent)
    validate_prediagnostic(db, kept, person, referent)
    stale = answered_prediagnostic(db, person, {**AWA, "metier": OLD}, status="in_progress")
    db.add(Message(contact_id=contact.id, direction="in", channel="sms", text=f"je {OLD}",
                   status="processed"))  # fmt: skip
    db.add(Event(kind="nlu_fallback", contact_id=contact.id, data={"text": OLD}))
    db.add(CallbackRequest(beneficiary_id=person.id, contact_id=contact.id, reason=OLD))
    db.commit()
    age_everything(db, 200)
    db.add(Message(contact_id=contact.id, direction="in", channel="sms", text=f"je {NEW}",
                   status="processed"))  # fmt: skip
    db.add(ProfessionalProject(beneficiary_id=person.id, job_label=NEW))
    db.commit()
    stale_id = stale.id
    validated = db.scalars(
        select(SituationItem.id).where(SituationItem.status == "validated")
    ).all()

    result = retention.purge(db)
    db.commit()

    db.expire_all()
    assert found_anywhere(db, OLD) == []
    assert set(found_anywhere(db, NEW)) == {"messages", "professional_projects"}
    assert db.get(Prediagnostic, stale_id) is None
    assert db.get(Prediagnostic, kept.id).status == "validated"
    assert (
        db.scalars(select(SituationItem.id).where(SituationItem.status == "validated")).all()
        == validated
    )
    assert db.scalar(
        select(ProfessionalProject.id).where(ProfessionalProject.job_label == "boulangere")
    )
    assert result["messages"] >= 1 and result["prediagnostics"] == 1
    [audit] = db.scalars(select(Event).where(Event.kind == "retention_purged")).all()
    assert audit.data["days"] == 180


def test_nothing_younger_than_the_setting_goes(db, monkeypatch):
    from backend.core import config

    contact = Contact(channel="sms", address="+33633330000")
    db.add(contact)
    db.flush()
    db.add(Message(contact_id=contact.id, direction="in", channel="sms", text=OLD,
                   status="processed"))  # fmt: skip
    db.commit()
    age_everything(db, 20)
    monkeypatch.setenv("RETENTION_DAYS", "30")
    config.get_settings.cache_clear()
    try:
        retention.purge(db)
        db.commit()
        assert found_anywhere(db, OLD) == ["messages"]
        monkeypatch.setenv("RETENTION_DAYS", "10")
        config.get_settings.cache_clear()
        retention.purge(db)
        db.commit()
        assert found_anywhere(db, OLD) == []
    finally:
        config.get_settings.cache_clear()


def test_the_daily_task_purges_rasa_and_schedules_the_next_run(db, tracker_db):  # noqa: F811
    from backend import worker

    now = utcnow()
    with sqlite3.connect(tracker_db) as connection:
        connection.execute(
            "UPDATE events SET timestamp = ?", ((now - timedelta(days=400)).timestamp(),)
        )
        connection.execute(
            "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES ('7', 'user', ?, ?)",
            (now.timestamp(), '{"text": "hier"}'),
        )
    retention.ensure_scheduled(db)
    retention.ensure_scheduled(db)  # at each worker start: still one
    db.commit()
    assert len(db.scalars(select(Task).where(Task.kind == retention.TASK_KIND)).all()) == 1

    worker.run_pending("test-worker")  # the purge, then the tracker tasks it queued

    with sqlite3.connect(tracker_db) as connection:
        left = list(connection.execute("SELECT sender_id, data FROM events"))
    assert left == [("7", '{"text": "hier"}')]
    db.expire_all()
    done = db.scalars(select(Task).where(Task.kind == erasure.TRACKER_TASK)).all()
    assert {t.key for t in done} == {"contact:7", "contact:8"}
    [nxt] = db.scalars(
        select(Task).where(Task.kind == retention.TASK_KIND, Task.status == "pending")
    ).all()
    assert timedelta(hours=23) < nxt.run_at - now < timedelta(hours=25)
