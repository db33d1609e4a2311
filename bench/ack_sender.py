"""The webhook sender of bench/load.py's ack phase, in a process of its own.

A provider posts from another machine: its own scheduling is not part of the latency it sees.
Here the requests are built and signed beforehand by the parent (``build_requests``), then a
separate process that does nothing else sends them open loop at ``rate`` a second, each on a
new connection (raw HTTP/1.1 over asyncio: no client library between the clock and the
socket), and reports for each one:

- ``late_ms``: how late it left against its schedule (the sender's own delay; when it grows,
  the sender is not holding the rate and the figures say so);
- ``ms``: connect -> whole response read, what the provider waits for;
- ``server_ms``: the backend's own time for the request (its ``Server-Timing: app;dur=``
  header, backend/core/timing.py), so that client, proxy and queueing delay can be told apart
  from the backend's work.

    python bench/ack_sender.py < job.json > results.json
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

TIMEOUT = 15.0  # Twilio gives up after 15 s
SERVER_TIMING = re.compile(rb"server-timing:\s*app;dur=([0-9.]+)", re.IGNORECASE)


def build_request(url: str, params: dict[str, str], signature: str) -> str:
    """One signed form POST, as Twilio sends it (the bytes, latin-1 safe for JSON)."""
    parts = urlsplit(url)
    body = urlencode(params)
    head = (
        f"POST {parts.path} HTTP/1.1\r\n"
        f"Host: {parts.netloc}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"X-Twilio-Signature: {signature}\r\n"
        f"Content-Length: {len(body.encode())}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head + body


async def send_one(host: str, port: int, raw: bytes) -> tuple[int, float | None]:
    """(status, server ms) once the whole response is read."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(raw)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = re.search(rb"content-length:\s*(\d+)", head, re.IGNORECASE)
        if length:
            await reader.readexactly(int(length.group(1)))
        else:
            await reader.read()
        timing = SERVER_TIMING.search(head)
        return status, float(timing.group(1)) if timing else None
    finally:
        writer.close()


async def send_all(host: str, port: int, rate: float, requests: list[bytes]) -> list[dict]:
    results: list[dict[str, Any]] = [{} for _ in requests]

    async def one(n: int, scheduled: float) -> None:
        started = time.perf_counter()
        record = results[n]
        record["late_ms"] = (started - scheduled) * 1000
        try:
            status, server_ms = await asyncio.wait_for(send_one(host, port, requests[n]), TIMEOUT)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            record["error"] = type(exc).__name__
            return
        record["ms"] = (time.perf_counter() - started) * 1000
        record["status"] = status
        record["server_ms"] = server_ms

    tasks = []
    start = time.perf_counter() + 0.05
    for n in range(len(requests)):
        scheduled = start + n / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n, scheduled)))
    await asyncio.gather(*tasks)
    return results


def main() -> None:
    job = json.load(sys.stdin)
    requests = [raw.encode("latin-1") for raw in job["requests"]]
    results = asyncio.run(send_all(job["host"], job["port"], job["rate"], requests))
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
