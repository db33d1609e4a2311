"""The action server as `make run` and the e2e stack start it (scripts/stack.py): loopback only
by default, and no action runs for a caller without ACTION_SERVER_TOKEN (issue 12, point 1)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest

from scripts.stack import BOT_PYTHON, ROOT, Stack, free_port

TOKEN = "action-server-token-for-tests"
# What an attacker sent: Awa's (contact 1) next appointment.
ATTACK = {
    "next_action": "action_tell_next_appointment",
    "sender_id": "1",
    "tracker": {
        "sender_id": "1",
        "slots": {},
        "latest_message": {"text": "rdv", "intent": {"name": "ask_next_appointment"}},
        "events": [],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    },
    "domain": {},
    "version": "3.6.2",
}


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on ``port`` (from /proc/net/tcp{,6})."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]  # noqa: SIM115
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if int(port_hex, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                found.add(address)
    return found


def other_addresses() -> list[str]:
    """This machine's non-loopback IPv4 addresses."""
    addresses = set()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            addresses.add(info[4][0])
    except OSError:
        pass
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: picks the outgoing interface
            addresses.add(probe.getsockname()[0])
        except OSError:
            pass
    return sorted(a for a in addresses if not a.startswith("127."))


@pytest.fixture(scope="module")
def actions(tmp_path_factory) -> Iterator[Stack]:
    stack = Stack(
        actions_port=free_port(),
        log_dir=tmp_path_factory.mktemp("actions-logs"),
        extra_env={"ACTION_SERVER_TOKEN": TOKEN, "BACKEND_URL": "http://127.0.0.1:9"},
    )
    stack.extra_env.pop("ACTIONS_HOST", None)
    stack._spawn("actions", stack.actions_command())
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{stack.actions_url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert stack.processes["actions"].poll() is None, "the action server exited"
            assert time.monotonic() < deadline, "the action server did not start"
            time.sleep(0.3)
        yield stack
    finally:
        stack.stop()


def test_an_action_call_without_the_secret_is_refused(actions):
    url = f"{actions.actions_url}/webhook"
    assert httpx.post(url, json=ATTACK, timeout=10).status_code == 401
    wrong = {"Authorization": "Bearer not-the-token"}
    assert httpx.post(url, json=ATTACK, headers=wrong, timeout=10).status_code == 401
    assert httpx.get(f"{actions.actions_url}/actions", timeout=10).status_code == 401


def test_the_secret_lets_rasa_in(actions):
    response = httpx.post(
        f"{actions.actions_url}/webhook",
        json=ATTACK,
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )
    # The action ran (the backend is unreachable here: it says so rather than answering).
    assert response.status_code == 200
    assert "events" in response.json()


def test_it_listens_on_loopback_only(actions):
    port = actions.actions_port
    # 0100007F: 127.0.0.1 in /proc/net/tcp's byte order; never 00000000 (every interface).
    assert listening_addresses(port) == {"0100007F"}
    for address in other_addresses():
        with socket.socket() as sock, pytest.raises(OSError):
            sock.settimeout(2)
            sock.connect((address, port))


def test_it_refuses_to_start_without_a_secret():
    env = {k: v for k, v in os.environ.items() if k != "ACTION_SERVER_TOKEN"}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [str(BOT_PYTHON), "-m", "bot.action_server", "--port", str(free_port())],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "ACTION_SERVER_TOKEN is not set" in done.stderr
