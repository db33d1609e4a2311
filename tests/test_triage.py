"""Unknown numbers: their requests are kept, and staff link them to a person or create one."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.models import (
    Beneficiary,
    CallbackRequest,
    Contact,
    Event,
    Message,
    Prediagnostic,
    SituationItem,
)
from backend.seed import seed
from tests.test_api import login


@pytest.fixture
def seeded(db):
    seed(db)
    db.commit()
    return db


@pytest.fixture
def stranger(seeded) -> Contact:
    """An unknown number that wrote, started a pre-diagnostic and asked to be called back."""
    contact = Contact(channel="sms", address="+33698765400")
    seeded.add(contact)
    seeded.commit()
    return contact


def bot_post(client, bot_headers, contact_id: int, path: str, **body):
    return client.post(f"/api/v1/bot/contacts/{contact_id}/{path}", json=body, headers=bot_headers)


def start_prediagnostic(seeded, contact: Contact) -> Prediagnostic:
    seeded.refresh(contact)
    seeded.add(Message(contact_id=contact.id, direction="in", channel="sms", text="bonjour",
                       status="processed"))  # fmt: skip
    prediagnostic = Prediagnostic(beneficiary_id=contact.beneficiary_id, status="in_progress")
    seeded.add(prediagnostic)
    seeded.flush()
    seeded.add(
        SituationItem(
            beneficiary_id=contact.beneficiary_id,
            prediagnostic_id=prediagnostic.id,
            theme_key="logement",
            label="Hébergé chez un tiers",
        )
    )
    seeded.commit()
    return prediagnostic


def test_an_unknown_numbers_callback_and_absence_are_kept_not_dropped(
    client, seeded, stranger, bot_headers
):
    callback = bot_post(
        client, bot_headers, stranger.id, "callback-requests", preferred_time="midi"
    )
    assert callback.status_code == 201, callback.text
    assert callback.json()["identified"] is False
    absent = bot_post(
        client, bot_headers, stranger.id, "appointments/cannot-attend", reason="malade"
    )
    assert absent.status_code == 201 and absent.json()["identified"] is False
    seeded.expire_all()
    pending = seeded.get(Contact, stranger.id).beneficiary
    assert pending.identification == "pending" and pending.structure_id is None
    kinds = seeded.scalars(
        select(CallbackRequest.kind).where(CallbackRequest.beneficiary_id == pending.id)
    ).all()
    assert sorted(kinds) == ["callback", "cannot_attend"]
    headers = login(client, "referente@demo.fr")
    [row] = client.get("/api/v1/triage", headers=headers).json()
    assert row["contacts"][0]["address"] == "+33698765400"
    assert [r["kind"] for r in row["requests"]] == ["callback", "cannot_attend"]
    assert row["requests"][0]["preferred_time"] == "midi"


def test_linking_moves_contact_prediagnostic_messages_and_requests(
    client, seeded, stranger, bot_headers
):
    bot_post(client, bot_headers, stranger.id, "callback-requests")
    prediagnostic = start_prediagnostic(seeded, stranger)
    headers = login(client, "referente@demo.fr")
    [row] = client.get("/api/v1/triage", headers=headers).json()
    assert row["prediagnostic"] == {"id": prediagnostic.id, "status": "in_progress"}
    assert row["first_message_at"] is not None
    awa = seeded.scalar(select(Beneficiary).where(Beneficiary.first_name == "Awa"))
    response = client.post(
        f"/api/v1/triage/{row['id']}/link", json={"beneficiary_id": awa.id}, headers=headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["moved"]["contacts"] == 1
    assert response.json()["moved"]["callback_requests"] == 1
    seeded.expire_all()
    contact = seeded.get(Contact, stranger.id)
    assert (contact.beneficiary_id, contact.verified) == (awa.id, True)
    assert seeded.get(Prediagnostic, prediagnostic.id).beneficiary_id == awa.id
    assert seeded.scalar(select(SituationItem.beneficiary_id)) == awa.id
    messages = client.get(f"/api/v1/beneficiaries/{awa.id}/messages", headers=headers).json()
    assert "bonjour" in [m["text"] for m in messages]
    [event] = seeded.scalars(select(Event).where(Event.kind == "triage_linked")).all()
    assert event.account_id is not None and event.data["from_beneficiary_id"] == row["id"]
    assert client.get("/api/v1/triage", headers=headers).json() == []
    # The request now waits in Awa's referent's inbox like any other.
    assert seeded.scalar(select(CallbackRequest.beneficiary_id)) == awa.id
    again = client.post(
        f"/api/v1/triage/{row['id']}/link", json={"beneficiary_id": awa.id}, headers=headers
    )
    assert again.status_code == 409


def test_creating_the_person_puts_them_in_the_structure(client, seeded, stranger, bot_headers):
    bot_post(client, bot_headers, stranger.id, "callback-requests")
    headers = login(client, "referente@demo.fr")
    [row] = client.get("/api/v1/triage", headers=headers).json()
    response = client.post(
        f"/api/v1/triage/{row['id']}/create",
        json={"first_name": "Nora", "last_name": "Ben", "birth_date": "1990-03-12"},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    seeded.expire_all()
    nora = seeded.get(Beneficiary, row["id"])
    assert (nora.identification, nora.referent.email) == ("identified", "referente@demo.fr")
    assert seeded.get(Contact, stranger.id).verified is True
    assert seeded.scalar(select(Event.kind).where(Event.kind == "triage_created"))


def test_triage_refuses_other_structures_and_bad_input(client, seeded, stranger, bot_headers):
    bot_post(client, bot_headers, stranger.id, "callback-requests")
    headers = login(client, "referente@demo.fr")
    [row] = client.get("/api/v1/triage", headers=headers).json()
    voisin = login(client, "referent.voisin@demo.fr")
    awa = seeded.scalar(select(Beneficiary).where(Beneficiary.first_name == "Awa"))
    url = f"/api/v1/triage/{row['id']}"
    assert (
        client.post(f"{url}/link", json={"beneficiary_id": awa.id}, headers=voisin).status_code
        == 404
    )
    assert client.post(f"{url}/link", json={}, headers=headers).status_code == 422
    assert client.post(f"{url}/create", json={"first_name": ""}, headers=headers).status_code == 422
    assert client.post("/api/v1/triage/99999/link", json={"beneficiary_id": awa.id},
                       headers=headers).status_code == 404  # fmt: skip
    coordinator = login(client, "coordinateur@demo.fr")
    assert client.get("/api/v1/triage", headers=coordinator).status_code == 403
