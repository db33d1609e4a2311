"""Load on the real stack (`make bench-load`): signed Twilio webhooks from simulated people,
replies to the local fake Twilio; loopback only, bounded in time. Printed, not asserted.

For each configuration (the default stack: SQLite, one Rasa, one worker; then the scaled one,
scripts/scaled.py: PostgreSQL, Redis, haproxy, two backends, two workers, two Rasa servers):

1. **Ack**: webhooks at RATE per second for ACK_SECONDS, open loop, each from a new person:
   acknowledgement latency p50/p95/p99 (what Twilio waits for; it gives up at 15 s), after
   WARM_SECONDS of the same load not counted. Signed beforehand and sent by a process that
   does nothing else (bench/ack_sender.py), as a provider on another machine; printed with the
   backend's own time (its Server-Timing header) and how late the sender was.
2. **Conversations**: CONTACTS known people at once (seeded, each with an appointment), each
   sending the next message of a realistic conversation as soon as the previous one is
   answered, for TURN_SECONDS: a greeting, an appointment question, then the pre-diagnostic
   typed as people type it (CONVERSATION; LOAD_CONVERSATION=dialogue for the earlier
   four-message loop that never leaves Rasa's dialogue). End-to-end turn latency (webhook
   posted -> first reply at the fake Twilio) p50/p95, turns per second. A person who finished
   the conversation leaves; the next person takes their phone (PEOPLE_PER_PHONE each).
3. **Rasa's Twilio connector**: the same conversations, same people at once, sent as Twilio
   webhooks to Rasa's own Twilio channel (bench/rasa_twilio.py: rasa.core.channels.twilio with
   its REST calls sent to the same fake Twilio), same model, same Rasa servers: what a Rasa user
   would deploy. Its webhook answers once the whole turn is done and the replies are sent.
4. **Floor**: the same conversations straight to Rasa's HTTP channel (the one our gateway uses),
   same model, same concurrency: Rasa alone. The ratio e2e p95 / floor p95 is our overhead.
   Its people are known (seeded like phase 2's, each with an appointment) and each call carries
   what our worker sends (the contact id as sender, the contact in the metadata), so its actions
   do the same work: for an unknown sender they fail at once ("souci technique") and the
   floor would be cheaper than the turns it is compared with.
5. **Lost / duplicated**: after the load drains, every webhook must be stored once and either
   answered (each reply sent once) or batched by flood control into a later turn that was.

Ratios printed: ours against Rasa's Twilio connector (ack p99, e2e p95, turns per second) and
against the floor. The last line is the scaled run's:
``ack_p99_ms=A e2e_p95_ratio=B turns_per_s=C lost=D duplicated=E``.

    PYTHONPATH=$PWD .venv/bin/python bench/load.py [--default-only]
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))

import ack_sender  # noqa: E402
from scaled import ScaledStack  # noqa: E402
from stack import Stack, free_port  # noqa: E402

from tests.fakes.twilio import FakeTwilio  # noqa: E402
from tests.support.database import migrate, reset_caches  # noqa: E402

RATE = int(os.environ.get("LOAD_RATE", 100))  # webhooks per second, phase 1
ACK_SECONDS = float(os.environ.get("LOAD_ACK_SECONDS", 5))
# Before phase 1, the same load for this long, printed but not counted: a backend's first
# requests open its database connections and a Rasa server's first turns build its graphs
# (measured: the first second's ack p99 was 250-300 ms, the next ones' 20-35 ms).
WARM_SECONDS = float(os.environ.get("LOAD_WARM_SECONDS", 1))
CONTACTS = int(os.environ.get("LOAD_CONTACTS", 20))  # people at once, phase 2
# Each simulated phone goes through several people: one whole conversation each, then the next
# person (a finished pre-diagnostic is not typed again).
PEOPLE_PER_PHONE = 4
TURN_SECONDS = float(os.environ.get("LOAD_TURN_SECONDS", 30))
DRAIN_SECONDS = 240.0
# What a person sends, in order: dialogue turns (Rasa runs the dialogue) and questionnaire
# answers (Rasa parses, the backend's engine answers).
PREDIAGNOSTIC = [
    "Bonjour", "c'est quand mon rdv ?", "on m'a dit de remplir le questionnaire", "oui allez y",
    "oui l'annee derniere comme caissiere", "je cherche du travail", "cap", "jai le rsa",
    "oui tout de suite", "trouver un emploi", "caissiere ou vendeuse", "15 km maxi", "cdi",
    "temps plein", "rien de tout ca", "oui ca va je me debrouille", "non merci",
    "trouver un emploi", "oui c bon", "merci", "aide",
]  # fmt: skip
DIALOGUE = ["Bonjour", "Quand est mon prochain rendez-vous ?", "merci", "aide"]
CONVERSATION = DIALOGUE if os.environ.get("LOAD_CONVERSATION") == "dialogue" else PREDIAGNOSTIC


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class Acks:
    """The ack phase as the sender saw it (bench/ack_sender.py), per answered webhook."""

    ms: list[float] = field(default_factory=list)  # connect -> answer read
    server_ms: list[float] = field(default_factory=list)  # the backend's own (Server-Timing)
    late_ms: list[float] = field(default_factory=list)  # sender behind its schedule
    sids: list[str] = field(default_factory=list)
    failed: int = 0
    stack_cpu: float = 0.0  # cores used meanwhile by the stack (and this bench)...
    others_cpu: float = 0.0  # ...and by every other process on the machine

    def summary(self) -> str:
        def line(values: list[float]) -> str:
            return "/".join(f"{percentile(values, q):.1f}" for q in (0.5, 0.95, 0.99))

        return (
            f"{len(self.ms)} answered, {self.failed} failed; p50/p95/p99 ms: seen by the "
            f"sender {line(self.ms)}, backend's own {line(self.server_ms)}, sender late "
            f"{line(self.late_ms)}; cores used meanwhile: {self.stack_cpu:.2f} by the stack, "
            f"{self.others_cpu:.2f} by other work on the machine (of {os.cpu_count()})"
        )


def process_times() -> list[tuple[int, float, int]]:
    """(pid, CPU seconds used since it started, parent pid) of every process, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        found.append((int(entry.name), (int(fields[11]) + int(fields[12])) / ticks, int(fields[1])))
    return found


def cpu_seconds() -> tuple[float, float]:
    """(CPU seconds used by this bench and every process it started, by all the others) since
    boot, from /proc: a run on a machine shared with other work says how much it got."""
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for pid, seconds, parent in process_times():
        parents[pid], used[pid] = parent, seconds

    def ours(pid: int) -> bool:
        while pid > 1:
            if pid == os.getpid():
                return True
            pid = parents.get(pid, 0)
        return False

    mine = sum(t for pid, t in used.items() if ours(pid))
    return mine, sum(used.values()) - mine


def ack_phase(base_url: str, twilio: FakeTwilio, prefix: str, seconds: float = ACK_SECONDS) -> Acks:
    """Open loop: RATE webhooks a second, whatever the answers' speed, each from a new person.

    Built and signed here before the clock starts, sent by a process of its own that does
    nothing else (bench/ack_sender.py): neither this process's threads nor the fake Twilio
    receiving the replies delay them, as they would not delay a provider on another machine."""
    url = f"{base_url}/channels/twilio/inbound"
    params = [
        twilio.inbound_params(f"+336{prefix}{n:07d}", "Bonjour") for n in range(int(RATE * seconds))
    ]
    requests = [ack_sender.build_request(url, p, twilio.sign(url, p)) for p in params]
    parts = urlsplit(base_url)
    job = {"host": parts.hostname, "port": parts.port, "rate": RATE, "requests": requests}
    before, started = cpu_seconds(), time.monotonic()
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "ack_sender.py")],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        check=True,
    )
    after, elapsed = cpu_seconds(), time.monotonic() - started
    acks = Acks(others_cpu=(after[1] - before[1]) / elapsed)
    acks.stack_cpu = (after[0] - before[0]) / elapsed  # the sender's own is not in it: ended
    for record, sent in zip(json.loads(done.stdout), params, strict=True):
        acks.late_ms.append(record["late_ms"])
        if record.get("status") != 200:
            acks.failed += 1
            continue
        acks.ms.append(record["ms"])
        if record["server_ms"] is not None:
            acks.server_ms.append(record["server_ms"])
        acks.sids.append(sent["MessageSid"])
    return acks


def person_number(prefix: str, phone: int, turn: int, contacts: int) -> str:
    """The person a phone speaks for at this turn: one whole conversation each."""
    person = phone + contacts * min(turn // len(CONVERSATION), PEOPLE_PER_PHONE - 1)
    return f"+336{prefix}{person:07d}"


def conversation_phase(
    base_url: str, twilio: FakeTwilio, prefix: str, contacts: int = CONTACTS
) -> tuple[list[float], int, float, list[str]]:
    """Closed loop: each person sends the next message once the previous one is answered."""
    url = f"{base_url}/channels/twilio/inbound"
    latencies: list[float] = []
    by_message: dict[str, list[float]] = {}
    sids: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + TURN_SECONDS

    def person(index: int) -> None:
        client = httpx.Client(timeout=15)
        turn = 0
        while time.monotonic() < stop_at:
            number = person_number(prefix, index, turn, contacts)
            seen = len(twilio.sent_to(number))
            params = twilio.inbound_params(number, CONVERSATION[turn % len(CONVERSATION)])
            posted = time.monotonic()
            response = client.post(
                url, data=params, headers={"X-Twilio-Signature": twilio.sign(url, params)}
            )
            if response.status_code != 200:
                continue
            with lock:
                sids.append(params["MessageSid"])
            sent = twilio.wait_sent_to(number, seen, timeout=60)
            if len(sent) > seen:
                with lock:
                    latencies.append((sent[seen]["received_at"] - posted) * 1000)
                    by_message.setdefault(params["Body"], []).append(latencies[-1])
            time.sleep(0.3)  # the rest of the turn's replies, and a person's pause
            turn += 1
        client.close()

    started = time.monotonic()
    threads = [threading.Thread(target=person, args=(i,)) for i in range(contacts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    slowest = sorted(by_message.items(), key=lambda item: -percentile(item[1], 0.95))[:5]
    print(
        "  slowest messages, e2e p50/p95 ms: "
        + "; ".join(
            f"{text!r} {percentile(ms, 0.5):.0f}/{percentile(ms, 0.95):.0f}" for text, ms in slowest
        ),
        flush=True,
    )
    return latencies, len(latencies), elapsed, sids


def rasa_twilio_phase(
    rasa_url: str, twilio: FakeTwilio, prefix: str
) -> tuple[list[float], list[float], int, float]:
    """The conversations through Rasa's own Twilio connector: (acks, e2e, turns, seconds)."""
    url = f"{rasa_url}/webhooks/twilio/webhook"
    acks: list[float] = []
    latencies: list[float] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + TURN_SECONDS

    def person(index: int) -> None:
        client = httpx.Client(timeout=60)
        turn = 0
        while time.monotonic() < stop_at:
            number = person_number(prefix, index, turn, CONTACTS)
            seen = len(twilio.sent_to(number))
            params = twilio.inbound_params(number, CONVERSATION[turn % len(CONVERSATION)])
            posted = time.monotonic()
            try:
                response = client.post(url, data=params)
            except httpx.HTTPError:
                continue
            answered = time.monotonic()
            if response.is_success:  # Rasa's connector answers 204
                with lock:
                    acks.append((answered - posted) * 1000)
            sent = twilio.wait_sent_to(number, seen, timeout=60)
            if len(sent) > seen:
                with lock:
                    latencies.append((sent[seen]["received_at"] - posted) * 1000)
            time.sleep(0.3)
            turn += 1
        client.close()

    started = time.monotonic()
    threads = [threading.Thread(target=person, args=(i,)) for i in range(CONTACTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return acks, latencies, len(latencies), time.monotonic() - started


def write_credentials(workdir: Path, twilio: FakeTwilio) -> str:
    """Our gateway channel plus Rasa's Twilio connector pointed at the fake Twilio."""
    path = workdir / "credentials.yml"
    path.write_text(
        "bot.connectors.gateway.GatewayInput:\n"
        "bench.rasa_twilio.LocalTwilioInput:\n"
        f"  account_sid: {twilio.account_sid}\n"
        f"  auth_token: {twilio.auth_token}\n"
        '  twilio_number: "+33700000009"\n'
        f"  api_base_url: {twilio.url}\n"
    )
    return str(path)


def floor_phase(rasa_url: str, contact_ids: dict[str, int]) -> list[float]:
    """The same conversations straight to Rasa (its HTTP channel), same concurrency, for known
    people (``contact_ids``: phone number -> contact id, from seed_people)."""
    latencies: list[float] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + min(TURN_SECONDS, 20)

    def person(index: int) -> None:
        client = httpx.Client(timeout=30)
        turn = 0
        while time.monotonic() < stop_at:
            contact_id = contact_ids[person_number("5", index, turn, CONTACTS)]
            started = time.monotonic()
            response = client.post(
                f"{rasa_url}/webhooks/gateway/webhook",
                json={
                    "sender": str(contact_id),
                    "message": CONVERSATION[turn % len(CONVERSATION)],
                    "metadata": {"contact_id": contact_id, "channel": "sms"},
                },
            )
            if response.status_code == 200:
                with lock:
                    latencies.append((time.monotonic() - started) * 1000)
            time.sleep(0.3)
            turn += 1
        client.close()

    threads = [threading.Thread(target=person, args=(i,)) for i in range(CONTACTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def seed_people(database_url: str, prefix: str, contacts: int = CONTACTS) -> dict[str, int]:
    """Known beneficiaries, each with an appointment: phone number -> contact id."""
    os.environ["DATABASE_URL"] = database_url
    reset_caches()
    from datetime import UTC, datetime, timedelta

    from backend.core.db import session_scope
    from backend.models import Appointment, Beneficiary, Contact, Structure
    from backend.seed import seed

    contact_ids: dict[str, int] = {}
    with session_scope() as session:
        seed(session)
        structure = session.query(Structure).first()
        assert structure is not None
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5)
        for index in range(contacts * PEOPLE_PER_PHONE):
            person = Beneficiary(
                first_name=f"Personne{index}", last_name="Charge", structure_id=structure.id
            )
            session.add(person)
            session.flush()
            number = f"+336{prefix}{index:07d}"
            contact = Contact(
                beneficiary_id=person.id, channel="sms", address=number, verified=True
            )
            session.add(contact)
            session.add(
                Appointment(
                    beneficiary_id=person.id,
                    structure_id=structure.id,
                    starts_at=starts,
                    duration_minutes=45,
                    mode="office",
                    with_whom="Claire Martin",
                )
            )
            session.flush()
            contact_ids[number] = contact.id
    return contact_ids


def accounting(database_url: str, sids: list[str], twilio: FakeTwilio) -> tuple[int, int]:
    """(lost, duplicated) once the queue drained."""
    os.environ["DATABASE_URL"] = database_url
    reset_caches()
    from sqlalchemy import select

    from backend.core.db import session_scope
    from backend.models import Message

    deadline = time.monotonic() + DRAIN_SECONDS
    while True:
        with session_scope() as session:
            inbound = session.scalars(
                select(Message).where(Message.direction == "in", Message.provider_id.in_(sids))
            ).all()
            waiting = [m for m in inbound if m.status == "received"]
            out = session.scalars(select(Message).where(Message.direction == "out")).all()
            unsent = [m for m in out if m.status in ("queued", "sending", "retrying")]
        if (not waiting and not unsent) or time.monotonic() > deadline:
            break
        time.sleep(1)
    stored = Counter(m.provider_id for m in inbound)
    duplicated = sum(count - 1 for count in stored.values())
    answered = {m.in_reply_to_id for m in out if m.provider_id}
    lost = len(set(sids) - set(stored))
    lost += sum(1 for m in inbound if m.status not in ("processed", "batched"))
    lost += sum(1 for m in inbound if m.status == "processed" and m.id not in answered)
    sent = Counter(m["sid"] for m in twilio.messages)
    duplicated += sum(count - 1 for count in sent.values())
    provider_ids = Counter(m.provider_id for m in out if m.provider_id)
    duplicated += sum(count - 1 for count in provider_ids.values())
    return lost, duplicated


def family(pid: int) -> list[int]:
    """A process and its descendants (PostgreSQL's backends under runuser and the
    postmaster, a server's workers)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        with contextlib.suppress(OSError):  # gone meanwhile
            children = Path(f"/proc/{current}/task/{current}/children").read_text()
            todo += [int(p) for p in children.split()]
    return found


def cpu_by_process(processes: dict) -> dict[str, float]:
    """CPU seconds used so far by each process of the stack (and its descendants)."""
    used = {pid: seconds for pid, seconds, _parent in process_times()}
    return {
        name: sum(used.get(pid, 0.0) for pid in family(process.pid))
        for name, process in processes.items()
    }


def memory_mb(processes: dict) -> dict[str, float]:
    """Memory of each process and its descendants, from /proc: their proportional set size
    (PSS), so that pages they share (PostgreSQL's shared buffers, a forked server's code) are
    counted once, not once per process."""
    result = {}
    for name, process in processes.items():
        total = 0
        for pid in family(process.pid):
            with contextlib.suppress(OSError):  # gone meanwhile
                for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        result[name] = round(total / 1024)
    return result


def run(kind: str) -> dict[str, float]:
    twilio = FakeTwilio().start()
    backend_port = free_port()
    env = {
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{backend_port}",
        "TWILIO_ACCOUNT_SID": twilio.account_sid,
        "TWILIO_AUTH_TOKEN": twilio.auth_token,
        "TWILIO_FROM_NUMBER": "+33700000000",
        "TWILIO_API_BASE_URL": twilio.url,
        "LOG_LEVEL": "WARNING",
        "FLOOD_MAX_REPLIES": "1000",  # one person per number here: not a flood
    }
    if os.environ.get("WORKER_THREADS"):  # to compare settings; the stacks' own otherwise
        env["WORKER_THREADS"] = os.environ["WORKER_THREADS"]
    workdir = Path(tempfile.mkdtemp(prefix=f"load-{kind}-"))
    logs = ROOT / "tests" / "artifacts" / f"load-{kind}"
    if kind == "default":
        url = f"sqlite:///{workdir / 'parcours.db'}"
        migrate(url)
        stack: Stack | ScaledStack = Stack(
            backend_port=backend_port,
            rasa_port=free_port(),
            actions_port=free_port(),
            database_url=url,
            tracker_db=str(workdir / "tracker.db"),
            log_dir=logs,
            extra_env=env,
            credentials=write_credentials(workdir, twilio),
        )
    else:
        stack = ScaledStack(
            workdir=workdir,
            backend_port=backend_port,
            rasa_port=free_port(),
            actions_port=free_port(),
            log_dir=logs,
            extra_env=env,
            credentials=write_credentials(workdir, twilio),
        )
    started = time.monotonic()
    try:
        stack.start()
        stack.wait_ready(float(os.environ.get("LOAD_READY_SECONDS", 300)))
        print(f"[{kind}] ready in {time.monotonic() - started:.0f} s", flush=True)
        warm = ack_phase(stack.backend_url, twilio, "4", WARM_SECONDS)
        print(f"[{kind}] warm-up, not counted: {warm.summary()}", flush=True)
        accounting(stack.database_url, warm.sids, twilio)
        ack = ack_phase(stack.backend_url, twilio, "1")
        acks, ack_sids = ack.ms, ack.sids
        print(
            f"[{kind}] ack: {len(acks)} webhooks at {RATE}/s: p50 {percentile(acks, 0.5):.1f} ms, "
            f"p95 {percentile(acks, 0.95):.1f} ms, p99 {percentile(acks, 0.99):.1f} ms",
            flush=True,
        )
        print(f"[{kind}] ack detail: {ack.summary()}", flush=True)
        # Let the ack phase's turns drain before measuring conversations.
        accounting(stack.database_url, ack_sids, twilio)
        seed_people(stack.database_url, "2")
        cpu_before = cpu_by_process(stack.processes)
        e2e, turns, elapsed, turn_sids = conversation_phase(stack.backend_url, twilio, "2")
        cpu_after = cpu_by_process(stack.processes)
        print(
            f"[{kind}] conversations: {CONTACTS} people, {turns} turns in {elapsed:.0f} s "
            f"({turns / elapsed:.1f}/s): e2e p50 {percentile(e2e, 0.5):.0f} ms, "
            f"p95 {percentile(e2e, 0.95):.0f} ms",
            flush=True,
        )
        # Where a turn's CPU goes (a turn still running at the end is counted in part).
        per_turn = {
            name: round((cpu_after[name] - cpu_before[name]) * 1000 / max(turns, 1), 1)
            for name in cpu_after
        }
        print(
            f"[{kind}] CPU ms per turn: {per_turn}, total {sum(per_turn.values()):.0f} "
            f"({sum(cpu_after.values()) - sum(cpu_before.values()):.1f} s in {elapsed:.0f} s, "
            f"{os.cpu_count()} cores)",
            flush=True,
        )
        lost, duplicated = accounting(stack.database_url, warm.sids + ack_sids + turn_sids, twilio)
        r_acks, r_e2e, r_turns, r_elapsed = rasa_twilio_phase(stack.rasa_url, twilio, "3")
        print(
            f"[{kind}] Rasa's Twilio connector: {CONTACTS} people, {r_turns} turns in "
            f"{r_elapsed:.0f} s ({r_turns / r_elapsed:.1f}/s): webhook answered p50 "
            f"{percentile(r_acks, 0.5):.0f} ms, p99 {percentile(r_acks, 0.99):.0f} ms; e2e p50 "
            f"{percentile(r_e2e, 0.5):.0f} ms, p95 {percentile(r_e2e, 0.95):.0f} ms",
            flush=True,
        )
        cpu_before = cpu_by_process(stack.processes)
        floor = floor_phase(stack.rasa_url, seed_people(stack.database_url, "5"))
        cpu_after = cpu_by_process(stack.processes)
        ratio = percentile(e2e, 0.95) / percentile(floor, 0.95)
        floor_cpu = sum(cpu_after.values()) - sum(cpu_before.values())
        print(
            f"[{kind}] Rasa alone: {len(floor)} turns, p50 {percentile(floor, 0.5):.0f} ms, "
            f"p95 {percentile(floor, 0.95):.0f} ms, CPU {floor_cpu * 1000 / max(len(floor), 1):.0f}"
            f" ms per turn; e2e p95 ratio {ratio:.2f}",
            flush=True,
        )
        print(
            f"[{kind}] ours / Rasa's Twilio connector: e2e p95 "
            f"{percentile(e2e, 0.95) / percentile(r_e2e, 0.95):.2f}, turns per second "
            f"{(turns / elapsed) / (r_turns / r_elapsed):.2f}; webhook ack p99 at "
            f"{RATE}/s {percentile(acks, 0.99):.0f} ms vs Rasa's connector's answer p99 with "
            f"{CONTACTS} people {percentile(r_acks, 0.99):.0f} ms "
            f"({percentile(acks, 0.99) / percentile(r_acks, 0.99):.2f})",
            flush=True,
        )
        print(f"[{kind}] lost {lost}, duplicated {duplicated}", flush=True)
        print(f"[{kind}] memory (MB): {memory_mb(stack.processes)}", flush=True)
        return {
            "ack_p99_ms": percentile(acks, 0.99),
            "e2e_p95_ratio": ratio,
            "turns_per_s": turns / elapsed,
            "lost": lost,
            "duplicated": duplicated,
        }
    finally:
        stack.stop()
        twilio.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    kinds = ["default"] if "--default-only" in sys.argv else ["default", "scaled"]
    if "--scaled-only" in sys.argv:
        kinds = ["scaled"]
    results = {kind: run(kind) for kind in kinds}
    last = results[kinds[-1]]
    print(
        f"ack_p99_ms={last['ack_p99_ms']:.1f} e2e_p95_ratio={last['e2e_p95_ratio']:.2f} "
        f"turns_per_s={last['turns_per_s']:.1f} lost={last['lost']} "
        f"duplicated={last['duplicated']}"
    )


if __name__ == "__main__":
    main()
