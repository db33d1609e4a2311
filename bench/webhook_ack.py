"""How fast the Twilio inbound webhook acknowledges: verify signature, persist, queue, answer.

Starts the backend (uvicorn, one process) on a fresh migrated SQLite file and posts N signed
inbound SMS (distinct senders and MessageSids), one after another, as Twilio would. Prints
p50 / p95 / max of the acknowledgement latency seen by the client. Twilio gives up after 15 s.

    PYTHONPATH=$PWD .venv/bin/python bench/webhook_ack.py [N] [RATE]

With RATE (webhooks per second), the N requests are sent open loop at that rate from many
threads, as providers do under load (the backend alone: no worker, no Rasa).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from stack import APP_PYTHON, free_port  # noqa: E402

from tests.fakes.twilio import FakeTwilio  # noqa: E402
from tests.support.database import migrate  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(count: int = 200, rate: float = 0) -> None:
    twilio = FakeTwilio()  # only its signing: nothing is sent during the bench
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        migrate(url)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": url,
            "PUBLIC_BASE_URL": base,
            "TWILIO_ACCOUNT_SID": twilio.account_sid,
            "TWILIO_AUTH_TOKEN": twilio.auth_token,
            "TWILIO_FROM_NUMBER": "+33700000000",
        }
        server = subprocess.Popen(
            [str(APP_PYTHON), "-m", "uvicorn", "backend.main:app", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            limits = httpx.Limits(max_connections=200)
            with httpx.Client(base_url=base, timeout=15, limits=limits) as client:
                deadline = time.monotonic() + 30
                while True:
                    try:
                        client.get("/healthz")
                        break
                    except httpx.HTTPError:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.1)
                latencies: list[float] = []
                lock = threading.Lock()

                def one(i: int) -> None:
                    params = twilio.inbound_params(f"+336{10000000 + i:08d}", "bonjour")
                    signature = twilio.sign(f"{base}/channels/twilio/inbound", params)
                    start = time.perf_counter()
                    response = client.post(
                        "/channels/twilio/inbound",
                        data=params,
                        headers={"X-Twilio-Signature": signature},
                    )
                    elapsed = (time.perf_counter() - start) * 1000
                    assert response.status_code == 200, response.text
                    if i >= 10:
                        with lock:
                            latencies.append(elapsed)

                for i in range(10):  # warm up
                    one(i)
                if not rate:
                    for i in range(10, count + 10):
                        one(i)
                else:
                    begin = time.perf_counter()
                    with ThreadPoolExecutor(max_workers=64) as pool:
                        for i in range(10, count + 10):
                            delay = begin + (i - 10) / rate - time.perf_counter()
                            if delay > 0:
                                time.sleep(delay)
                            pool.submit(one, i)
        finally:
            server.terminate()
            server.wait(10)
    how = f"at {rate:g}/s" if rate else "one after another"
    print(f"Twilio inbound webhook ack latency, {count} signed requests {how} (SQLite, 1 process):")
    print(
        f"  p50 {statistics.median(latencies):.1f} ms   p95 {percentile(latencies, 0.95):.1f} ms"
        f"   p99 {percentile(latencies, 0.99):.1f} ms   max {max(latencies):.1f} ms"
    )


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 200,
        float(sys.argv[2]) if len(sys.argv) > 2 else 0,
    )
