"""The backend under mixed load stays responsive, on SQLite and PostgreSQL (issue 12, point 3).

A real uvicorn on 127.0.0.1; for a bounded time: 4 threads of bot-API events, RDV-Solidarités
webhooks in a loop (one with 500 participants) and one signed Twilio SMS every 0.5 s. No
request fails or takes more than a few seconds, every SMS is stored, and the event loop never
stalls (a request answered on the loop itself stays fast while the big webhooks are applied).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from scripts.stack import free_port
from tests.fakes.twilio import FakeTwilio

ROOT = Path(__file__).resolve().parents[1]
RDV_SECRET = "lapin-secret-for-load"
BOT_TOKEN = "bot-token-for-load"
DURATION = 8.0
# Seconds, for any request. On SQLite the one 500-person rdv holds the database's write lock
# for 4-7 s on a small machine (ORM work for 500 beneficiaries, contacts, appointments and
# reminders): the other writes queue behind it, up to about 9 s here, and none fails (busy
# timeout 15 s, under Twilio's webhook timeout). More than "a few seconds": what would bring it
# down is a faster apply of big rdvs (fewer flushes, reminder settings read once), not done yet.
# With one or two people per rdv (most rdvs), every request stays under a second or two.
SLOWEST_ALLOWED = 12.0
SLOWEST_ON_POSTGRES = 4.0  # row locks, no database-wide write lock
# Seconds, for a request the event loop answers by itself. Not zero: the loop shares the GIL
# with the threads doing the work. Blocked, it stalled for the whole 500-person rdv (3-12 s).
LOOP_STALL_ALLOWED = 1.5
# The 500-person rdv itself may take long (3-12 s here, mostly ORM work); it must not fail.
BIG_RDV_ALLOWED = 30.0


@pytest.fixture
def backend(database_url) -> Iterator[tuple[str, FakeTwilio]]:
    twilio = FakeTwilio()  # not started: only its credentials and its signatures are used
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "PUBLIC_BASE_URL": url,
        "BOT_API_TOKEN": BOT_TOKEN,
        "RDV_SOLIDARITES_WEBHOOK_SECRET": RDV_SECRET,
        "TWILIO_ACCOUNT_SID": twilio.account_sid,
        "TWILIO_AUTH_TOKEN": twilio.auth_token,
        "TWILIO_FROM_NUMBER": "+33700000000",
        "TWILIO_API_BASE_URL": "http://127.0.0.1:9",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "backend.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stderr=open(ROOT / "tests" / "artifacts" / "concurrency-backend.log", "w"),  # noqa: SIM115
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, "the backend exited"
            assert time.monotonic() < deadline, "the backend did not start"
            time.sleep(0.2)
        yield url, twilio
    finally:
        process.terminate()
        process.wait(15)


def rdv_body(rdv_id: int, people: int) -> bytes:
    users = [
        {
            "id": rdv_id * 1000 + i,
            "first_name": f"P{i}",
            "last_name": f"R{rdv_id}",
            "phone_number_formatted": f"+3367{rdv_id % 1000:03d}{i:04d}",
        }
        for i in range(people)
    ]
    body = {
        "data": {
            "id": rdv_id,
            "starts_at": "2031-06-10 14:30:00 +0200",
            "duration_in_min": 30,
            "status": "unknown",
            "organisation": {"id": 1, "name": "Structure de charge"},
            "users": users,
            "agents": [],
        },
        "meta": {"model": "Rdv", "event": "created", "timestamp": "2031-01-01 10:00:00 +0100"},
    }
    return json.dumps(body).encode()


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.results: dict[str, list[tuple[int, float]]] = {}

    def timed(self, kind: str, call) -> httpx.Response | None:
        started = time.monotonic()
        try:
            response = call()
            status = response.status_code
        except httpx.HTTPError:
            response, status = None, 0
        with self.lock:
            self.results.setdefault(kind, []).append((status, time.monotonic() - started))
        return response


def test_mixed_load_neither_fails_nor_stalls(backend, db, database_url):
    from backend.models import Contact, Message

    url, twilio = backend
    contact = Contact(channel="sms", address="+33611111111")
    db.add(contact)
    db.commit()
    stop_at = time.monotonic() + DURATION
    recorder = Recorder()
    sms_sids: list[str] = []

    def bot_events(index: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            n = 0
            while time.monotonic() < stop_at:
                n += 1
                recorder.timed(
                    "bot",
                    lambda n=n: client.post(
                        f"/api/v1/bot/contacts/{contact.id}/events",
                        json={"kind": "load_test", "data": {"thread": index, "n": n}},
                        headers={"Authorization": f"Bearer {BOT_TOKEN}"},
                    ),
                )

    def rdv_webhooks() -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            rdv_id = 0
            while time.monotonic() < stop_at:
                rdv_id += 1
                # Mostly one or two people per rdv (as most are), and one collective rdv of 500:
                # about a second of JSON and validation, seconds of writes on SQLite.
                raw = rdv_body(rdv_id, 500 if rdv_id == 3 else 1 + rdv_id % 2)
                signature = hmac.new(RDV_SECRET.encode(), raw, hashlib.sha256).hexdigest()
                recorder.timed(
                    "big rdv" if rdv_id == 3 else "rdv",
                    lambda raw=raw, signature=signature: client.post(
                        "/api/v1/integrations/rdv-solidarites/webhook",
                        content=raw,
                        headers={"X-Lapin-Signature": signature},
                    ),
                )

    def one_sms(n: int) -> None:
        params = twilio.inbound_params("+33622222222", f"message {n}")
        with recorder.lock:
            sms_sids.append(params["MessageSid"])
        recorder.timed("sms", lambda: twilio.post_signed(f"{url}/channels/twilio/inbound", params))

    def sms() -> None:
        # Twilio posts each message on its own, whether the previous one was answered or not.
        senders = []
        while time.monotonic() < stop_at:
            senders.append(threading.Thread(target=one_sms, args=(len(senders),)))
            senders[-1].start()
            time.sleep(0.5)
        for sender in senders:
            sender.join(60)

    def loop_probe() -> None:
        # A 404 outside the staff pages is answered by the event loop alone.
        with httpx.Client(base_url=url, timeout=30) as client:
            while time.monotonic() < stop_at:
                recorder.timed("loop", lambda: client.get("/api/v1/no-such-thing"))
                time.sleep(0.05)

    threads = [threading.Thread(target=bot_events, args=(i,)) for i in range(4)]
    threads += [threading.Thread(target=f) for f in (rdv_webhooks, sms, loop_probe)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    results = recorder.results
    figures = {
        kind: (len(rows), round(max(s for _, s in rows), 2)) for kind, rows in results.items()
    }
    print(f"\nrequests (count, slowest s): {figures}")
    expected = {"bot": 201, "rdv": 200, "big rdv": 200, "sms": 200, "loop": 404}
    for kind, status in expected.items():
        failed = [row for row in results[kind] if row[0] != status]
        assert not failed, f"{kind}: {len(failed)} failed, e.g. {failed[:3]}"
        slowest = max(seconds for _, seconds in results[kind])
        slowest_allowed = SLOWEST_ALLOWED if "sqlite" in database_url else SLOWEST_ON_POSTGRES
        limit = {"loop": LOOP_STALL_ALLOWED, "big rdv": BIG_RDV_ALLOWED}.get(kind, slowest_allowed)
        assert slowest < limit, f"{kind}: a request took {slowest:.2f} s"
    assert len(results["rdv"]) >= 2 and len(results["sms"]) == len(sms_sids) >= DURATION / 0.5
    db.expire_all()
    stored = db.scalar(
        select(func.count()).select_from(Message).where(Message.provider_id.in_(sms_sids))
    )
    assert stored == len(sms_sids)
