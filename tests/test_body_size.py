"""Bodies over MAX_BODY_BYTES (RDV_SOLIDARITES_MAX_BODY_BYTES for its webhook) are refused with
413 before they are read: by their Content-Length, or while they stream in (chunked)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest

from tests.fakes.server import ServerThread

SIMULATE = "/api/v1/simulate"
RDV = "/api/v1/integrations/rdv-solidarites/webhook"


@pytest.fixture
def server(database_url, monkeypatch) -> Iterator[ServerThread]:
    monkeypatch.setenv("RASA_URL", "http://127.0.0.1:9")  # no Rasa: an accepted turn is a 503
    monkeypatch.setenv("RDV_SOLIDARITES_WEBHOOK_SECRET", "rdv-secret")
    monkeypatch.setenv("MAX_BODY_BYTES", "1000000")
    monkeypatch.setenv("RDV_SOLIDARITES_MAX_BODY_BYTES", "5000000")
    from backend.core.config import get_settings
    from backend.main import create_app

    get_settings.cache_clear()
    running = ServerThread(create_app(), "backend").start()
    yield running
    running.stop()


def read_response(sock: socket.socket) -> tuple[int, dict]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    status = int(head.split()[1])
    return status, json.loads(body) if body else {}


def declared(port: int, path: str, length: int) -> tuple[int, dict, float]:
    """Announce ``length`` bytes and send none: only a check of the header can answer."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n\r\n".encode()
        )
        status, body = read_response(sock)
    return status, body, time.monotonic() - started


def chunked(port: int, path: str, total: int, chunk_size: int = 65536) -> tuple[int, dict]:
    """Stream ``total`` bytes without a Content-Length, as long as the server reads them."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n".encode()
        )
        sent = 0
        piece = b"[" + b"1," * (chunk_size // 2 - 1) + b"1"
        try:
            while sent < total:
                sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                sent += len(piece)
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed mid-upload
        return read_response(sock)


def test_a_100_mb_simulator_body_is_refused_from_its_content_length(server):
    status, body, seconds = declared(server.port, SIMULATE, 100_000_000)
    assert status == 413
    assert "MAX_BODY_BYTES" in body["detail"] and "1000000" in body["detail"]
    assert seconds < 2


def test_a_chunked_simulator_body_is_refused_once_past_the_cap(server):
    status, body = chunked(server.port, SIMULATE, total=3_000_000)
    assert status == 413
    assert "MAX_BODY_BYTES" in body["detail"]


def test_a_twilio_webhook_body_is_capped_too(server):
    status, _body, _ = declared(server.port, "/channels/twilio/inbound", 2_000_000)
    assert status == 413


def test_a_small_body_goes_through(server):
    import httpx

    response = httpx.post(
        f"{server.url}{SIMULATE}", json={"contact": "+33612345678", "text": "x"}, timeout=20
    )
    assert response.status_code == 503  # let in; no Rasa here


def test_rdv_solidarites_has_a_larger_cap_of_its_own(server):
    import httpx

    # 3 MB: over the general cap, under the webhook's: it reaches the signature check.
    big = json.dumps({"data": {"id": 1, "pad": "x" * 3_000_000}, "meta": {}}).encode()
    response = httpx.post(
        f"{server.url}{RDV}", content=big, headers={"X-Lapin-Signature": "00"}, timeout=20
    )
    assert response.status_code == 403
    status, body, _ = declared(server.port, RDV, 6_000_000)
    assert status == 413 and "RDV_SOLIDARITES_MAX_BODY_BYTES" in body["detail"]
    status, body = chunked(server.port, RDV, total=6_000_000)
    assert status == 413 and "RDV_SOLIDARITES_MAX_BODY_BYTES" in body["detail"]


def test_a_content_length_that_is_not_a_number_is_a_400(server):
    status, _body, _ = declared(server.port, SIMULATE, 0)
    assert status == 422  # an empty body: the usual validation error
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"POST /api/v1/simulate HTTP/1.1\r\nHost: x\r\nContent-Length: 12a\r\n\r\n")
        data = sock.recv(65536)
    assert data.split()[1] == b"400"
