"""API routes: health, sign-in, scoping by structure, the bot's endpoints, bad input."""

import pytest
from sqlalchemy import select

from backend.models import Beneficiary, Contact, Event, Message
from backend.seed import DEMO_PASSWORD, seed


@pytest.fixture
def seeded(db):
    seed(db)
    db.commit()
    return db


def login(client, email: str) -> dict[str, str]:
    response = client.post(
        "/api/v1/login/access-token", data={"username": email, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_healthz_and_readyz_names_what_is_down(client, monkeypatch):
    assert client.get("/healthz").json() == {"status": "ok"}
    from backend.core.config import get_settings

    monkeypatch.setenv("RASA_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("ACTION_SERVER_URL", "http://127.0.0.1:9")
    get_settings.cache_clear()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": True, "rasa": False, "action_server": False}


def test_openapi_is_versioned(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/simulate" in spec["paths"]


def test_wrong_password_is_refused(client, seeded):
    response = client.post(
        "/api/v1/login/access-token", data={"username": "referente@demo.fr", "password": "nope"}
    )
    assert response.status_code == 401


def test_referent_sees_only_their_structure(client, seeded):
    headers = login(client, "referente@demo.fr")
    people = client.get("/api/v1/beneficiaries", headers=headers).json()
    assert [p["first_name"] for p in people] == ["Awa"]
    awa = people[0]["id"]
    assert client.get(f"/api/v1/beneficiaries/{awa}", headers=headers).status_code == 200
    other = login(client, "referent.voisin@demo.fr")
    refused = client.get(f"/api/v1/beneficiaries/{awa}", headers=other)
    # The check the staff pages share answers the API in JSON, not with a page.
    assert refused.status_code == 403
    assert refused.json() == {"detail": "this person is followed by another structure"}
    unknown = client.get("/api/v1/beneficiaries/999999", headers=headers)
    assert unknown.status_code == 404 and unknown.json() == {"detail": "unknown beneficiary"}
    assert client.get("/api/v1/beneficiaries").status_code == 401
    coordinator = login(client, "coordinateur@demo.fr")
    assert client.get(f"/api/v1/beneficiaries/{awa}", headers=coordinator).status_code == 403


def test_bot_endpoints_need_the_bot_token(client, seeded, bot_headers):
    contact = seeded.scalar(select(Contact).where(Contact.address == "+33612345678"))
    url = f"/api/v1/bot/contacts/{contact.id}"
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
    body = client.get(url, headers=bot_headers).json()
    assert body["beneficiary"]["first_name"] == "Awa"
    assert "last_name" not in body["beneficiary"]
    assert client.get("/api/v1/bot/contacts/999999", headers=bot_headers).status_code == 404


def test_bot_records_an_event(client, seeded, bot_headers):
    contact = seeded.scalar(select(Contact).where(Contact.address == "+33612345678"))
    response = client.post(
        f"/api/v1/bot/contacts/{contact.id}/events",
        json={"kind": "nlu_fallback", "data": {"text": "blabla"}},
        headers=bot_headers,
    )
    assert response.status_code == 201
    event = seeded.get(Event, response.json()["id"])
    assert (event.kind, event.beneficiary_id) == ("nlu_fallback", contact.beneficiary_id)
    bad = client.post(
        f"/api/v1/bot/contacts/{contact.id}/events",
        json={"kind": "DROP TABLE"},
        headers=bot_headers,
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "kind"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"contact": "+33612345678", "channel": "fax", "text": "bonjour"}, "channel"),
        ({"contact": "+33612345678", "channel": "sms"}, "text"),
        ({"contact": "", "channel": "sms", "text": "x"}, "contact"),
        ({"contact": "+33612345678", "channel": "sms", "text": "x" * 2001}, "text"),
    ],
)
def test_simulator_rejects_bad_input_with_a_reason(client, body, field):
    response = client.post("/api/v1/simulate", json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_simulator_rejects_a_number_that_is_not_a_phone(client):
    response = client.post(
        "/api/v1/simulate", json={"contact": "12", "channel": "sms", "text": "bonjour"}
    )
    assert response.status_code == 422
    assert "phone" in response.json()["detail"]


def test_simulator_keeps_the_message_when_rasa_is_down(client, db, monkeypatch):
    from backend.core.config import get_settings

    monkeypatch.setenv("RASA_URL", "http://127.0.0.1:9")
    get_settings.cache_clear()
    response = client.post(
        "/api/v1/simulate", json={"contact": "06 12 34 56 78", "channel": "sms", "text": "allo"}
    )
    assert response.status_code == 503
    [message] = db.scalars(select(Message)).all()
    assert (message.text, message.status, message.direction) == ("allo", "failed", "in")
    contact = db.get(Contact, message.contact_id)
    assert contact.address == "+33612345678"  # stored in E.164
    assert db.scalar(select(Beneficiary)) is None  # nobody invented


def test_a_closed_simulator_is_for_coordinators_only(client, seeded, monkeypatch):
    from backend.core.config import get_settings

    monkeypatch.setenv("SIMULATOR_OPEN", "false")
    monkeypatch.setenv("RASA_URL", "http://127.0.0.1:9")  # no Rasa: 503 once past the check
    get_settings.cache_clear()
    body = {"contact": "+33612345678", "channel": "sms", "text": "c quand mon rdv"}
    assert client.post("/api/v1/simulate", json=body).status_code == 401
    referent = login(client, "referente@demo.fr")
    assert client.post("/api/v1/simulate", json=body, headers=referent).status_code == 403
    coordinator = login(client, "coordinateur@demo.fr")
    assert client.post("/api/v1/simulate", json=body, headers=coordinator).status_code == 503
