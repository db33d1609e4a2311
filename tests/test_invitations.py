"""Invitations with a controlled clock, run by the real queue and worker code."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from backend.core import clock
from backend.core.db import session_scope
from backend.models import (
    Account,
    Beneficiary,
    Contact,
    Invitation,
    Message,
    Prediagnostic,
    Structure,
    Task,
)
from backend.seed import seed
from backend.services import invitations
from backend.worker import run_pending
from channels.base import Inbound
from channels.gsm7 import is_gsm7, segment_count
from channels.pipeline import handle_keywords, persist_inbound
from tests.test_api import login

PARIS = ZoneInfo("Europe/Paris")


def paris(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 3, day, hour, minute, tzinfo=PARIS)


@pytest.fixture
def now(database_url) -> Iterator[clock.FrozenClock]:
    """Monday 1 March 2027, 10:00 in Paris."""
    frozen = clock.FrozenClock(paris(1, 10))
    clock.set_now(frozen)
    yield frozen
    clock.reset()


@pytest.fixture
def referent(now) -> int:
    with session_scope() as session:
        seed(session)
        session.flush()
        return session.scalar(select(Account.id).where(Account.email == "referente@demo.fr"))


def person(phone: str = "+33611111111", name: str = "Lina", **contact_fields) -> int:
    with session_scope() as session:
        account = session.scalar(select(Account).where(Account.email == "referente@demo.fr"))
        beneficiary = Beneficiary(
            first_name=name, last_name="Test", structure_id=account.structure_id
        )
        session.add(beneficiary)
        session.flush()
        fields = {"verified": True, **contact_fields}
        session.add(Contact(beneficiary_id=beneficiary.id, channel="sms", address=phone, **fields))
        return beneficiary.id


def invite(*ids: int, relaunch: bool = False) -> invitations.InviteResult:
    with session_scope() as session:
        account = session.scalar(select(Account).where(Account.email == "referente@demo.fr"))
        return invitations.invite(session, account, list(ids) or None, relaunch=relaunch)


def sent(kind: str | None = None) -> list[Message]:
    with session_scope() as session:
        return [
            m
            for m in session.scalars(select(Message).where(Message.direction == "out"))
            if (m.payload or {}).get("kind", "").startswith(kind or "invitation")
        ]


def invitation(beneficiary_id: int) -> Invitation:
    with session_scope() as session:
        return session.scalars(
            select(Invitation)
            .where(Invitation.beneficiary_id == beneficiary_id)
            .order_by(Invitation.id.desc())
        ).first()


def write(phone: str, text: str) -> None:
    """A message from the person, as the gateway stores it; STOP handled as the gateway does."""
    with session_scope() as session:
        message, _ = persist_inbound(session, Inbound("sms", phone, text))
        contact = session.get(Contact, message.contact_id)
        if handle_keywords(session, message, contact) is None:
            invitations.on_inbound(session, contact)


def test_the_invitation_text_is_short_plain_gsm7_and_says_how_to_answer():
    for step in (1, 2):
        text = invitations.invitation_text(Structure(name="Conseil départemental – RSA " * 4), step)
        assert is_gsm7(text) and segment_count(text) <= 2
        assert "Conseil départemental - RSA" in text
        assert "pré-diagnostic" in text and "Répondez OUI" in text and "STOP" in text


def test_invited_at_once_inside_quiet_hours_then_reminded_at_day_3(referent, now):
    lina = person()
    assert invite().invited  # everyone of the structure not yet invited (Awa and Lina)
    run_pending("w1")
    texts = [m.text for m in sent("invitation")]
    assert len(texts) == 2 and texts[0].startswith("Bonjour, Mission locale Démo vous invite")
    assert invitation(lina).sent_at == paris(1, 10)
    now.set(paris(4, 9, 59))
    run_pending("w1")
    assert len(sent("invitation_reminder")) == 0
    now.set(paris(4, 10))
    run_pending("w1")
    reminders = sent("invitation_reminder")
    assert len(reminders) == 2 and reminders[0].text.startswith("Rappel : Mission locale Démo")
    now.set(paris(20, 10))
    run_pending("w1")
    assert len(sent()) == 4  # one reminder (INVITATION_REMINDER_DAYS=3), nothing more
    assert invitation(lina).steps_sent == 2


def test_no_text_at_night_the_invitation_waits_for_the_morning(referent, now):
    now.set(paris(1, 21, 30))
    lina = person()
    invite(lina)
    with session_scope() as session:
        [task] = session.scalars(select(Task).where(Task.kind == invitations.TASK_KIND)).all()
        assert task.run_at == paris(2, 8)
    now.set(paris(2, 7, 59))
    run_pending("w1")
    assert sent() == []
    now.set(paris(2, 8))
    run_pending("w1")
    assert len(sent()) == 1


def test_a_late_worker_does_not_text_at_night(referent, now, monkeypatch):
    monkeypatch.setenv("INVITATION_REMINDER_DAYS", "3,7")
    from backend.core.config import get_settings

    get_settings.cache_clear()
    lina = person()
    invite(lina)
    run_pending("w1")
    now.set(paris(4, 22))  # the reminder was due at 10:00; the worker was down
    run_pending("w1")
    assert len(sent()) == 1
    now.set(paris(5, 8))
    run_pending("w1")
    assert len(sent()) == 2
    now.set(paris(8, 10))  # day 7 after the invitation
    run_pending("w1")
    assert len(sent()) == 3
    get_settings.cache_clear()


def test_an_answer_stops_the_reminders_and_starts_the_prediagnostic(referent, now):
    lina = person()
    invite(lina)
    run_pending("w1")
    with session_scope() as session:
        contact = session.scalar(select(Contact).where(Contact.beneficiary_id == lina))
        assert invitations.on_inbound(session, contact) is True  # first answer: start
        assert invitations.on_inbound(session, contact) is False  # already answered
    assert (invitation(lina).status, invitation(lina).answered_at) == ("answered", paris(1, 10))
    now.set(paris(5, 10))
    run_pending("w1")
    assert len(sent()) == 1


def test_a_message_not_seen_by_on_inbound_still_stops_the_reminders(referent, now):
    lina = person()
    invite(lina)
    run_pending("w1")
    with session_scope() as session:
        persist_inbound(session, Inbound("sms", "+33611111111", "oui"))
    now.set(paris(5, 10))
    run_pending("w1")
    assert len(sent()) == 1 and invitation(lina).status == "answered"


def test_stop_stops_the_reminders_and_no_new_invitation_goes_out(referent, now):
    lina = person()
    invite(lina)
    run_pending("w1")
    write("+33611111111", "STOP")
    now.set(paris(5, 10))
    run_pending("w1")
    assert len(sent()) == 1
    assert invitation(lina).status == "stopped"
    result = invite(lina, relaunch=True)
    assert result.invited == [] and result.skipped[0]["reason"] == "opted_out"


def test_a_started_prediagnostic_stops_the_reminders(referent, now):
    lina = person()
    invite(lina)
    run_pending("w1")
    with session_scope() as session:
        session.add(Prediagnostic(beneficiary_id=lina, status="in_progress"))
    now.set(paris(5, 10))
    run_pending("w1")
    assert len(sent()) == 1 and invitation(lina).closed_reason == "prediagnostic started"


def test_nobody_is_invited_twice_but_a_relaunch_sends_again(referent, now):
    lina = person()
    invite(lina)
    again = invite(lina)
    assert again.invited == [] and again.skipped[0]["reason"] == "already_invited"
    assert invite().invited == [invitation(lina).id + 1]  # only Awa was never invited
    run_pending("w1")
    relaunched = invite(lina, relaunch=True)
    assert len(relaunched.invited) == 1
    run_pending("w1")
    with session_scope() as session:
        statuses = session.scalars(
            select(Invitation.status)
            .where(Invitation.beneficiary_id == lina)
            .order_by(Invitation.id)
        ).all()
    assert statuses == ["replaced", "open"]
    assert len([m for m in sent("invitation") if m.contact_id]) == 3  # Lina twice, Awa once
    now.set(paris(5, 10))
    run_pending("w1")
    assert len(sent("invitation_reminder")) == 2  # the replaced one is not reminded


def test_people_without_a_number_or_of_another_structure_are_skipped(referent, now):
    with session_scope() as session:
        other = session.scalar(select(Structure).where(Structure.name != "Mission locale Démo"))
        mine = session.get(Account, referent).structure_id
        stranger = Beneficiary(first_name="Autre", structure_id=other.id)
        nophone = Beneficiary(first_name="Sans", structure_id=mine)
        session.add_all([stranger, nophone])
        session.flush()
        ids = [stranger.id, nophone.id, 99999]
    reasons = [s["reason"] for s in invite(*ids).skipped]
    assert reasons == ["other_structure", "no_contact", "unknown"]


def test_the_api_invites_and_lists_who_was_invited_when(referent, now, client):
    lina = person()
    headers = login(client, "referente@demo.fr")
    response = client.post("/api/v1/invitations", json={"beneficiary_ids": [lina]}, headers=headers)
    assert response.status_code == 202 and response.json()["invited"] == 1
    run_pending("w1")
    with session_scope() as session:
        session.get(Message, invitation(lina).first_message_id).status = "delivered"
    [row] = client.get("/api/v1/invitations", headers=headers).json()
    assert (row["beneficiary_id"], row["status"], row["delivered"], row["started"]) == (
        lina, "open", True, False,
    )  # fmt: skip
    assert row["sent_at"].startswith("2027-03-01T09:00")
    bad = client.post("/api/v1/invitations", json={"beneficiary_ids": "x"}, headers=headers)
    assert bad.status_code == 422
    coordinator = login(client, "coordinateur@demo.fr")
    assert client.post("/api/v1/invitations", json={}, headers=coordinator).status_code == 403


def test_the_funnel_starts_at_invited(referent, now):
    lina, sam = person(), person("+33622222222", "Sam")
    invite(lina, sam)
    run_pending("w1")
    write("+33611111111", "oui")
    with session_scope() as session:
        session.add(Prediagnostic(beneficiary_id=lina, status="submitted"))
        session.get(Message, invitation(sam).first_message_id).status = "delivered"
        funnel = invitations.invitation_funnel(session)
    assert funnel.steps() == [
        ("Invitées", 2),
        ("Invitation reçue", 2),
        ("Ont répondu", 1),
        ("Pré-diagnostic commencé", 1),
        ("Pré-diagnostic envoyé", 1),
    ]


def test_whatsapp_when_that_is_where_the_person_writes(referent, now):
    lina = person()
    with session_scope() as session:
        session.add(
            Contact(
                beneficiary_id=lina,
                channel="whatsapp",
                address="+33611111111",
                verified=True,
                last_inbound_at=clock.now(),
            )
        )
    invite(lina)
    run_pending("w1")
    [message] = sent()
    assert message.channel == "whatsapp" and "Répondez OUI" in message.text
