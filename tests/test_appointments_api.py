"""Staff API for appointments, reminder settings and the inbox; the bot's endpoints. Both DBs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.core.clock import now as clock_now
from backend.models import (
    Appointment,
    Beneficiary,
    CallbackRequest,
    Contact,
    Event,
    Message,
    SituationUpdate,
    Task,
)
from backend.seed import DEMO_PHONE, seed
from tests.test_api import login


@pytest.fixture
def seeded(db):
    seed(db)
    db.commit()
    return db


@pytest.fixture
def awa(seeded) -> Beneficiary:
    return seeded.scalar(select(Beneficiary).where(Beneficiary.first_name == "Awa"))


@pytest.fixture
def awa_contact(seeded) -> Contact:
    return seeded.scalar(select(Contact).where(Contact.address == DEMO_PHONE))


def in_days(days: int) -> str:
    return (clock_now() + timedelta(days=days)).replace(microsecond=0).isoformat()


def test_referent_creates_edits_and_lists_appointments(client, awa, seeded):
    headers = login(client, "referente@demo.fr")
    response = client.post(
        "/api/v1/appointments",
        json={
            "beneficiary_id": awa.id,
            "starts_at": "2031-12-02T09:00:00",  # no offset: Paris time
            "mode": "phone",
            "motif": "Point d'étape",
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["starts_at"] == "2031-12-02T08:00:00+00:00"
    assert created["with_whom"] == "Claire Martin"  # the referent who booked it
    assert created["summary"] == (
        "mardi 2/12 à 9h, RDV par téléphone : on vous appellera, avec Claire"
    )
    moved = client.patch(
        f"/api/v1/appointments/{created['id']}",
        json={"starts_at": "2031-12-03T10:15:00+01:00", "mode": "office"},
        headers=headers,
    )
    assert moved.status_code == 200
    assert moved.json()["summary"].startswith(
        "mercredi 3/12 à 10h15, Mission locale Démo, 12 rue de la République"
    )
    listed = client.get(f"/api/v1/appointments?beneficiary_id={awa.id}", headers=headers).json()
    assert [a["id"] for a in listed][-1] == created["id"] and len(listed) == 2  # + seeded one
    cancelled = client.patch(
        f"/api/v1/appointments/{created['id']}", json={"status": "revoked"}, headers=headers
    )
    assert cancelled.json()["status"] == "revoked"
    upcoming = client.get("/api/v1/appointments?upcoming=true", headers=headers).json()
    assert created["id"] not in [a["id"] for a in upcoming]
    kinds = [e.kind for e in seeded.scalars(select(Event).where(Event.beneficiary_id == awa.id))]
    assert kinds.count("appointment_updated") == 2 and "appointment_created" in kinds


def test_other_structures_and_roles_are_kept_out(client, awa, seeded):
    appointment = seeded.scalar(select(Appointment).where(Appointment.beneficiary_id == awa.id))
    other = login(client, "referent.voisin@demo.fr")
    assert client.get(f"/api/v1/appointments/{appointment.id}", headers=other).status_code == 403
    assert client.get("/api/v1/appointments", headers=other).json() == []
    body = {"beneficiary_id": awa.id, "starts_at": in_days(3)}
    assert client.post("/api/v1/appointments", json=body, headers=other).status_code == 403
    coordinator = login(client, "coordinateur@demo.fr")
    assert client.post("/api/v1/appointments", json=body, headers=coordinator).status_code == 403
    assert client.get("/api/v1/appointments").status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"starts_at": "demain"}, "starts_at"),
        ({"starts_at": "2031-12-02T09:00:00", "mode": "pigeon"}, "mode"),
        ({"starts_at": "2031-12-02T09:00:00", "duration_minutes": 0}, "duration_minutes"),
    ],
)
def test_bad_appointments_get_422_naming_the_field(client, awa, body, field):
    headers = login(client, "referente@demo.fr")
    response = client.post(
        "/api/v1/appointments", json={"beneficiary_id": awa.id, **body}, headers=headers
    )
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]


def test_coordinator_tunes_reminders_and_referents_cannot(client, seeded):
    coordinator = login(client, "coordinateur@demo.fr")
    default = client.get("/api/v1/settings/reminders", headers=coordinator).json()
    assert default == {
        "offsets_hours": [48],
        "quiet_hours": {"start": "08:00", "end": "20:00"},
        "timezone": "Europe/Paris",
    }
    changed = client.put(
        "/api/v1/settings/reminders",
        json={"offsets_hours": [2, 48], "quiet_start": "9h", "quiet_end": "19:30"},
        headers=coordinator,
    )
    assert changed.status_code == 200
    assert changed.json()["offsets_hours"] == [48, 2]
    assert changed.json()["quiet_hours"] == {"start": "09:00", "end": "19:30"}
    bad = client.put(
        "/api/v1/settings/reminders",
        json={"offsets_hours": [48], "quiet_start": "20:00", "quiet_end": "08:00"},
        headers=coordinator,
    )
    assert bad.status_code == 422 and "before" in bad.json()["detail"]
    referent = login(client, "referente@demo.fr")
    assert (
        client.put("/api/v1/settings/reminders", json=changed.json(), headers=referent).status_code
        == 403
    )
    # The seeded appointment (in 5 days) now has both reminders queued.
    offsets = {
        t.payload["offset_hours"]
        for t in seeded.scalars(select(Task).where(Task.kind == "appointment_reminder"))
    }
    assert offsets == {48, 2}


def bot_post(client, bot_headers, contact_id: int, path: str, **body):
    return client.post(f"/api/v1/bot/contacts/{contact_id}/{path}", json=body, headers=bot_headers)


def test_bot_next_appointment_only_for_a_verified_link(
    client, seeded, awa, awa_contact, bot_headers
):
    url = f"/api/v1/bot/contacts/{awa_contact.id}/appointments/next"
    body = client.get(url, headers=bot_headers).json()
    assert body["access"] == "granted" and body["referent"] == "Claire"
    assert body["appointment"]["text"].endswith(
        "à 14h30, Mission locale Démo, 12 rue de la République, 69002 Lyon, avec Claire"
    )
    stranger = Contact(channel="sms", address="+33698765432")
    seeded.add(stranger)
    seeded.flush()
    unverified = Contact(channel="telegram", address="555", beneficiary_id=awa.id)
    seeded.add(unverified)
    seeded.commit()
    for contact, state in ((stranger, "unknown"), (unverified, "verify")):
        body = client.get(
            f"/api/v1/bot/contacts/{contact.id}/appointments/next", headers=bot_headers
        ).json()
        assert body == {"access": state, "appointment": None, "referent": None}
    assert bot_post(client, bot_headers, unverified.id, "appointments/confirm").status_code == 403


def test_birth_date_check_verifies_then_locks_after_three_misses(client, seeded, awa, bot_headers):
    contact = Contact(channel="telegram", address="556", beneficiary_id=awa.id)
    other = Contact(channel="telegram", address="557", beneficiary_id=awa.id)
    seeded.add_all([contact, other])
    seeded.commit()
    wrong = bot_post(client, bot_headers, other.id, "birth-date", birth_date="1990-01-01")
    assert wrong.json() == {"verified": False, "locked": False, "attempts_left": 2}
    bot_post(client, bot_headers, other.id, "birth-date", birth_date="1990-01-02")
    third = bot_post(client, bot_headers, other.id, "birth-date", birth_date="1990-01-03")
    assert third.json() == {"verified": False, "locked": True, "attempts_left": 0}
    right_too_late = bot_post(client, bot_headers, other.id, "birth-date", birth_date="1994-05-14")
    assert right_too_late.json()["verified"] is False  # locked for the day, even the right date
    good = bot_post(client, bot_headers, contact.id, "birth-date", birth_date="1994-05-14")
    assert good.json()["verified"] is True
    seeded.expire_all()
    assert seeded.get(Contact, contact.id).verified and not seeded.get(Contact, other.id).verified
    bad = bot_post(client, bot_headers, contact.id, "birth-date", birth_date="14/05/1994")
    assert bad.status_code == 422


def test_bot_confirm_and_cannot_attend_never_cancel(client, seeded, awa_contact, bot_headers):
    confirmed = bot_post(
        client, bot_headers, awa_contact.id, "appointments/confirm", message_id=None
    )
    assert confirmed.status_code == 200 and confirmed.json()["appointment"]["confirmed"] is True
    response = bot_post(
        client, bot_headers, awa_contact.id, "appointments/cannot-attend", reason="  malade  "
    )
    assert response.status_code == 201
    body = response.json()
    assert body["referent"] == "Claire" and body["expected_by"]
    request = seeded.get(CallbackRequest, body["request_id"])
    assert (request.kind, request.reason, request.status) == ("cannot_attend", "malade", "open")
    appointment = seeded.get(Appointment, request.appointment_id)
    assert appointment.status == "unknown"
    inbox = client.get("/api/v1/inbox", headers=login(client, "referente@demo.fr")).json()
    assert [(i["type"], i["reason"]) for i in inbox] == [("cannot_attend", "malade")]


def test_callback_and_situation_updates_land_in_the_inbox(client, seeded, awa_contact, bot_headers):
    callback = bot_post(
        client, bot_headers, awa_contact.id, "callback-requests", preferred_time="lundi matin"
    )
    assert callback.status_code == 201
    job = bot_post(
        client,
        bot_headers,
        awa_contact.id,
        "situation-updates",
        kind="emploi",
        data={"contract_type": "cdd", "start_date": "2031-01-05"},
    )
    assert job.status_code == 201 and job.json()["status"] == "declared"
    move = bot_post(
        client,
        bot_headers,
        awa_contact.id,
        "situation-updates",
        kind="demenagement",
        data={"postal_code": "6900", "town": "Lyon"},
    )
    assert move.status_code == 422
    headers = login(client, "referente@demo.fr")
    inbox = client.get("/api/v1/inbox", headers=headers).json()
    assert {i["type"] for i in inbox} == {"callback", "situation_update"}
    update = next(i for i in inbox if i["type"] == "situation_update")
    assert update["data"]["contract_type"] == "cdd" and update["beneficiary_name"] == "Awa Diallo"
    reviewed = client.post(
        f"/api/v1/situation-updates/{update['id']}/review",
        json={"decision": "validated"},
        headers=headers,
    )
    assert reviewed.json()["status"] == "validated"
    again = client.post(
        f"/api/v1/situation-updates/{update['id']}/review",
        json={"decision": "rejected"},
        headers=headers,
    )
    assert again.status_code == 409
    handled = client.post(
        f"/api/v1/callback-requests/{callback.json()['request_id']}/handle", headers=headers
    )
    assert handled.json()["status"] == "handled"
    assert client.get("/api/v1/inbox", headers=headers).json() == []
    other = login(client, "referent.voisin@demo.fr")
    assert client.get("/api/v1/inbox", headers=other).json() == []


def test_new_number_is_asked_to_confirm_then_linked(client, seeded, awa, awa_contact, bot_headers):
    declared = bot_post(
        client,
        bot_headers,
        awa_contact.id,
        "situation-updates",
        kind="numero",
        data={"new_number": "07 81 23 45 67"},
    )
    assert declared.status_code == 201
    assert declared.json()["data"]["new_number"] == "+33781234567"
    new_contact = seeded.scalar(select(Contact).where(Contact.address == "+33781234567"))
    assert new_contact.beneficiary_id is None  # not linked until it answers
    [check] = seeded.scalars(select(Message).where(Message.contact_id == new_contact.id)).all()
    assert "Awa" not in check.text and "/confirm_new_number" in str(check.payload)
    confirmed = bot_post(client, bot_headers, new_contact.id, "new-number/confirm")
    assert confirmed.json()["first_name"] == "Awa"
    seeded.expire_all()
    new_contact = seeded.get(Contact, new_contact.id)
    assert (new_contact.beneficiary_id, new_contact.verified) == (awa.id, True)
    update = seeded.get(SituationUpdate, declared.json()["id"])
    assert update.data["confirmation"] == "confirmed" and update.status == "declared"
    assert bot_post(client, bot_headers, new_contact.id, "new-number/confirm").status_code == 404
    same = bot_post(
        client,
        bot_headers,
        awa_contact.id,
        "situation-updates",
        kind="numero",
        data={"new_number": DEMO_PHONE},
    )
    assert same.status_code == 422


def test_unknown_numbers_cannot_declare_for_anyone(client, seeded, bot_headers):
    stranger = Contact(channel="sms", address="+33698765431")
    seeded.add(stranger)
    seeded.commit()
    assert (
        bot_post(
            client, bot_headers, stranger.id, "situation-updates", kind="sante", data={}
        ).status_code
        == 403
    )
    # A callback request is kept for triage (tests/test_triage.py), never for someone else.
    callback = bot_post(client, bot_headers, stranger.id, "callback-requests")
    assert callback.status_code == 201 and callback.json()["identified"] is False
    seeded.expire_all()
    assert seeded.get(Contact, stranger.id).beneficiary.identification == "pending"
