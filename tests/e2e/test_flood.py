"""200 SMS from one number in a burst, through the real stack (worker, queue, Rasa): a bounded
number of replies, and another person texting meanwhile is answered as usual (issue 12, 7)."""

from __future__ import annotations

import threading
import time
from collections import Counter

from sqlalchemy import func, select

from backend.core.config import Settings
from backend.core.db import session_scope
from backend.models import Contact, Message
from channels.flood import NOTICE_KIND

from .test_twilio_sms import wait_for

BURST = 200


def test_a_burst_of_200_sms_gets_a_bounded_number_of_replies(stack, e2e_db, e2e_twilio):
    flooder, other = "+33765000001", "+33765000002"
    inbound = f"{stack.backend_url}/channels/twilio/inbound"
    acks: list[int] = []

    def burst(first: int) -> None:
        for n in range(first, BURST, 4):
            params = e2e_twilio.inbound_params(flooder, "Bonjour" if n % 2 else "aide")
            acks.append(e2e_twilio.post_signed(inbound, params).status_code)

    senders = [threading.Thread(target=burst, args=(i,)) for i in range(4)]
    started = time.monotonic()
    for sender in senders:
        sender.start()
    time.sleep(1)
    asked = time.monotonic()
    response = e2e_twilio.post_signed(inbound, e2e_twilio.inbound_params(other, "Bonjour"))
    assert response.status_code == 200
    wait_for(lambda: e2e_twilio.sent_to(other), timeout=30)
    other_waited = time.monotonic() - asked
    for sender in senders:
        sender.join(120)
    burst_seconds = time.monotonic() - started
    assert acks == [200] * BURST

    def settled() -> bool:
        # Every message handled, except at most the latest, waiting for the window to free.
        with session_scope() as session:
            contact_id = session.scalar(select(Contact.id).where(Contact.address == flooder))
            statuses = Counter(
                session.scalars(
                    select(Message.status).where(
                        Message.contact_id == contact_id, Message.direction == "in"
                    )
                )
            )
        return sum(statuses.values()) == BURST and statuses["received"] <= 1

    wait_for(settled, timeout=120)
    with session_scope() as session:
        contact_id = session.scalar(select(Contact.id).where(Contact.address == flooder))
        replies = session.scalars(
            select(Message).where(Message.contact_id == contact_id, Message.direction == "out")
        ).all()
        stored = session.scalar(
            select(func.count()).where(Message.contact_id == contact_id, Message.direction == "in")
        )
    turns = {r.in_reply_to_id for r in replies if (r.payload or {}).get("kind") != NOTICE_KIND}
    notices = [r for r in replies if (r.payload or {}).get("kind") == NOTICE_KIND]
    print(
        f"\nburst of {BURST} in {burst_seconds:.1f} s: {len(turns)} turns answered, "
        f"{len(notices)} notice, {len(replies)} messages; the other person waited "
        f"{other_waited:.1f} s"
    )
    assert stored == BURST
    assert len(turns) <= Settings().flood_max_replies
    assert len(notices) <= 1
    assert other_waited < 15
