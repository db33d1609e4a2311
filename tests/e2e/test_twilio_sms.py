"""An SMS through the real stack: Twilio webhook -> worker -> Rasa -> reply to (fake) Twilio."""

import time

from sqlalchemy import select

from backend.core.db import session_scope
from backend.models import Contact, Message
from channels.twilio import EMPTY_TWIML


def wait_for(check, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_an_sms_webhook_gets_its_reply_sent_and_delivered(stack, e2e_db, e2e_twilio, new_phone):
    params = e2e_twilio.inbound_params(new_phone, "Bonjour")
    url = f"{stack.backend_url}/channels/twilio/inbound"
    response = e2e_twilio.post_signed(url, params)
    assert response.status_code == 200 and response.text == EMPTY_TWIML

    [sent] = wait_for(lambda: e2e_twilio.sent_to(new_phone))
    assert sent["from"] == "+33700000000"
    assert sent["body"].startswith("Bonjour ! Que voulez-vous faire ?")
    assert sent["body"].endswith("Répondez 1, 2, 3 ou 4")
    assert sent["params"]["StatusCallback"] == f"{stack.backend_url}/channels/twilio/status"

    def delivered() -> Message | None:
        with session_scope() as session:
            message = session.scalar(select(Message).where(Message.provider_id == sent["sid"]))
            return message if message is not None and message.status == "delivered" else None

    outbound = wait_for(delivered, timeout=20)
    assert [d["status"] for d in outbound.payload["delivery"]] == ["sent", "delivered"]
    assert e2e_twilio.callback_errors == []
    with session_scope() as session:
        contact = session.scalar(select(Contact).where(Contact.address == new_phone))
        inbound = session.scalar(select(Message).where(Message.provider_id == params["MessageSid"]))
        assert (inbound.contact_id, inbound.status) == (contact.id, "processed")
        assert outbound.in_reply_to_id == inbound.id
        assert contact.beneficiary_id is None  # an unknown number: pending identification
