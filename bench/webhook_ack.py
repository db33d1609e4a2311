"""How fast the Twilio inbound webhook acknowledges: verify signature, persist, queue, answer.

Starts the backend (uvicorn, one process) on a fresh migrated SQLite file and posts N signed
inbound SMS (distinct senders and MessageSids), one after another, as Twilio would. Prints
p50 / p95 / max of the acknowledgement latency seen by the client. Twilio gives up after 15 s.

    PYTHONPATH=$PWD .venv/bin/python bench/webhook_ack.py [N]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
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


def main(count: int = 200) -> None:
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
            with httpx.Client(base_url=base, timeout=15) as client:
                deadline = time.monotonic() + 30
                while True:
                    try:
                        client.get("/healthz")
                        break
                    except httpx.HTTPError:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.1)
                latencies = []
                for i in range(count + 10):  # the first 10 warm up
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
                        latencies.append(elapsed)
        finally:
            server.terminate()
            server.wait(10)
    print(f"Twilio inbound webhook ack latency over {count} signed requests (SQLite, 1 process):")
    print(
        f"  p50 {statistics.median(latencies):.1f} ms   p95 {percentile(latencies, 0.95):.1f} ms"
        f"   max {max(latencies):.1f} ms"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
