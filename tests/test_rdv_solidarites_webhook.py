"""RDV-Solidarités webhook: real HMAC signatures, payloads shaped like theirs, both databases."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json

import pytest
from sqlalchemy import select

from backend.models import (
    Appointment,
    Beneficiary,
    Contact,
    Structure,
    Task,
    WebhookReceipt,
)
from backend.seed import DEMO_PHONE

SECRET = "lapin-secret-for-tests"
URL = "/api/v1/integrations/rdv-solidarites/webhook"

RDV = {
    "data": {
        "id": 4242,
        "uuid": "966f9fb3-3d9d-4548-b1b8-feaf08548d9e",
        "address": "",
        "agents": [
            {
                "id": 7,
                "email": "martine@demo.rdv-solidarites.fr",
                "first_name": "Martine",
                "last_name": "Validay",
            }
        ],
        "duration_in_min": 45,
        "motif": {"id": 3, "location_type": "public_office", "name": "Premier RDV RSA"},
        "lieu": {"id": 10, "name": "MDS Lyon Nord", "address": "5 rue Lanterne, 69001 Lyon"},
        "organisation": {"id": 1, "departement": "69", "name": "Mission locale Démo"},
        "starts_at": "2031-06-10 14:30:00 +0200",
        "status": "unknown",
        "users": [
            {
                "id": 901,
                "address": None,
                "birth_date": "1994-05-14",
                "email": None,
                "first_name": "Awa",
                "last_name": "Diallo",
                "phone_number": "06 12 34 56 78",
                "phone_number_formatted": "+33612345678",
                "responsible": None,
            },
            {
                "id": 902,
                "address": None,
                "birth_date": "1988-02-03",
                "email": None,
                "first_name": "Yanis",
                "last_name": "Benoit",
                "phone_number": "07 55 44 33 22",
                "phone_number_formatted": "+33755443322",
                "responsible": None,
            },
        ],
    },
    "meta": {"model": "Rdv", "event": "created", "timestamp": "2031-06-01 10:46:03 +0200"},
}


@pytest.fixture
def hook(client, db, monkeypatch):
    from backend.core.config import get_settings

    monkeypatch.setenv("RDV_SOLIDARITES_WEBHOOK_SECRET", SECRET)
    get_settings.cache_clear()
    # The demo structure and Awa, without the (slow to hash) staff accounts of the seed.
    structure = Structure(name="Mission locale Démo", kind="ml")
    db.add(structure)
    db.flush()
    awa = Beneficiary(first_name="Awa", last_name="Diallo", structure_id=structure.id)
    db.add(awa)
    db.flush()
    db.add(Contact(beneficiary_id=awa.id, channel="sms", address=DEMO_PHONE, verified=True))
    db.commit()

    def post(body: dict, *, secret: str = SECRET, signature: str | None = None):
        raw = json.dumps(body, ensure_ascii=False).encode()
        sign = signature or hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
        return client.post(
            URL,
            content=raw,
            headers={"X-Lapin-Signature": sign, "Content-Type": "application/json"},
        )

    return post


def event(kind: str, timestamp: str, **data_changes) -> dict:
    body = copy.deepcopy(RDV)
    body["meta"].update(event=kind, timestamp=timestamp)
    body["data"].update(data_changes)
    return body


def rdv_appointments(db) -> list[Appointment]:
    db.expire_all()
    return list(
        db.scalars(
            select(Appointment)
            .where(Appointment.external_id == "4242")
            .order_by(Appointment.beneficiary_id)
        )
    )


def test_created_links_participants_by_phone_and_creates_unknown_ones(hook, db):
    response = hook(RDV)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "applied"
    awa, yanis = rdv_appointments(db)
    awa_person = db.get(Beneficiary, awa.beneficiary_id)
    assert (awa_person.first_name, awa_person.external_ids) == ("Awa", {"rdv_solidarites": "901"})
    assert db.scalar(select(Contact).where(Contact.address == DEMO_PHONE)).beneficiary_id == (
        awa_person.id
    )
    created = db.get(Beneficiary, yanis.beneficiary_id)
    assert (created.first_name, created.last_name, str(created.birth_date)) == (
        "Yanis",
        "Benoit",
        "1988-02-03",
    )
    contact = db.scalar(select(Contact).where(Contact.address == "+33755443322"))
    assert (contact.beneficiary_id, contact.verified, contact.channel) == (created.id, True, "sms")
    assert created.structure_id == awa_person.structure_id  # "Mission locale Démo"
    assert (awa.mode, awa.duration_minutes, awa.with_whom, awa.motif) == (
        "office",
        45,
        "Martine Validay",
        "Premier RDV RSA",
    )
    assert awa.place == "MDS Lyon Nord, 5 rue Lanterne, 69001 Lyon"
    assert awa.starts_at.isoformat() == "2031-06-10T12:30:00+00:00"
    assert awa.external_source == "rdv_solidarites"
    # Reminders were queued for both participants.
    reminder_tasks = db.scalars(select(Task).where(Task.kind == "appointment_reminder")).all()
    assert {t.payload["appointment_id"] for t in reminder_tasks} == {awa.id, yanis.id}


def test_the_same_event_twice_changes_nothing(hook, db):
    assert hook(RDV).json()["status"] == "applied"
    before = [(a.id, a.updated_at) for a in rdv_appointments(db)]
    people = db.scalars(select(Beneficiary)).all()
    again = hook(RDV)
    assert again.status_code == 200 and again.json() == {"status": "duplicate"}
    assert [(a.id, a.updated_at) for a in rdv_appointments(db)] == before
    assert len(db.scalars(select(Beneficiary)).all()) == len(people)
    assert len(db.scalars(select(WebhookReceipt)).all()) == 1


def test_updated_moves_the_appointment_and_its_reminders(hook, db):
    hook(RDV)
    moved = event("updated", "2031-06-02 09:00:00 +0200", starts_at="2031-06-12 09:00:00 +0200")
    moved["data"]["motif"]["location_type"] = "phone"
    assert hook(moved).json()["status"] == "applied"
    awa, _ = rdv_appointments(db)
    assert awa.starts_at.isoformat() == "2031-06-12T07:00:00+00:00" and awa.mode == "phone"
    tasks = db.scalars(
        select(Task).where(Task.kind == "appointment_reminder", Task.status == "pending")
    ).all()
    assert any(t.payload["starts_at"] == "2031-06-12T07:00:00+00:00" for t in tasks)


def test_an_older_event_arriving_late_does_not_win(hook, db):
    hook(RDV)
    newer = event("updated", "2031-06-03 09:00:00 +0200", status="revoked")
    older = event("updated", "2031-06-02 09:00:00 +0200", starts_at="2031-06-11 09:00:00 +0200")
    assert hook(newer).json()["status"] == "applied"
    assert hook(older).json()["status"] == "stale"
    awa, _ = rdv_appointments(db)
    assert (awa.status, awa.starts_at.isoformat()) == ("revoked", "2031-06-10T12:30:00+00:00")


def test_destroyed_cancels_without_deleting(hook, db):
    hook(RDV)
    assert hook(event("destroyed", "2031-06-04 09:00:00 +0200")).json()["status"] == "applied"
    assert [a.status for a in rdv_appointments(db)] == ["revoked", "revoked"]


def test_a_participant_removed_loses_the_appointment(hook, db):
    hook(RDV)
    solo = event("updated", "2031-06-02 09:00:00 +0200")
    solo["data"]["users"] = solo["data"]["users"][:1]
    hook(solo)
    assert [a.status for a in rdv_appointments(db)] == ["unknown", "revoked"]


def test_bad_or_missing_signature_is_403_and_nothing_is_stored(hook, db, client):
    assert hook(RDV, secret="wrong").status_code == 403
    assert hook(RDV, signature="00" * 32).status_code == 403
    response = client.post(URL, json=RDV)
    assert response.status_code == 403 and "X-Lapin-Signature" in response.json()["detail"]
    assert db.scalars(select(WebhookReceipt)).all() == []
    assert rdv_appointments(db) == []


def test_without_a_configured_secret_everything_is_refused(client, monkeypatch):
    from backend.core.config import get_settings

    monkeypatch.setenv("RDV_SOLIDARITES_WEBHOOK_SECRET", "")
    get_settings.cache_clear()
    raw = json.dumps(RDV).encode()
    sign = hmac.new(b"", raw, hashlib.sha256).hexdigest()
    response = client.post(URL, content=raw, headers={"X-Lapin-Signature": sign})
    assert response.status_code == 403 and "not configured" in response.json()["detail"]


def test_other_models_are_acknowledged_and_ignored(hook, db):
    plage = {
        "data": {"id": 568, "title": "test", "first_day": "2031-07-17"},
        "meta": {
            "model": "PlageOuverture",
            "event": "created",
            "timestamp": "2031-07-17 10:55:43 +0200",
        },
    }
    response = hook(plage)
    assert response.status_code == 200 and response.json()["status"] == "ignored"


@pytest.mark.parametrize(
    "body",
    [
        {"data": {"id": 1}},
        {"data": {"id": 1, "users": []}, "meta": {"model": "Rdv", "event": "created"}},
        event("created", "2031-06-01 10:46:03 +0200", starts_at="le 10 juin"),
    ],
    ids=["no-meta", "no-starts-at", "bad-date"],
)
def test_malformed_payloads_get_a_422_with_a_reason(hook, body):
    response = hook(body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]


def test_not_json_is_a_400(hook, client):
    raw = b"not json"
    sign = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    response = client.post(URL, content=raw, headers={"X-Lapin-Signature": sign})
    assert response.status_code == 400


def test_a_landline_creates_no_sms_contact(hook, db):
    body = event("created", "2031-06-01 10:46:03 +0200")
    body["data"]["id"] = 77
    body["data"]["users"] = [
        {"id": 903, "first_name": "Jo", "last_name": "Fixe", "phone_number": "04 72 00 00 01"}
    ]
    assert hook(body).json()["status"] == "applied"
    jo = db.scalar(select(Beneficiary).where(Beneficiary.last_name == "Fixe"))
    assert jo is not None and jo.contacts == []
