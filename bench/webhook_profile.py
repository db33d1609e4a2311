"""Where the CPU of one Twilio inbound webhook goes (issue 13: acknowledgements on 2 cores).

1. CPU ms per webhook: a real backend (uvicorn, one process, fresh SQLite) gets N signed
   webhooks from N new people, one after another; its user + system CPU time (/proc) divided
   by N. The client runs in this process, not counted.
2. A profile: the same backend in this process (uvicorn in a thread), cProfile on every thread
   it starts (event loop, thread pool, the group-commit writer), the client not profiled; the
   top functions by own time and by cumulative time (the server's start-up included).

    PYTHONPATH=$PWD .venv/bin/python bench/webhook_profile.py [N] [TOP]
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from stack import APP_PYTHON, free_port  # noqa: E402

from tests.fakes.twilio import FakeTwilio  # noqa: E402
from tests.support.database import migrate  # noqa: E402

INBOUND = "/channels/twilio/inbound"


def settings_env(twilio: FakeTwilio, url: str, base: str) -> dict[str, str]:
    return {
        "DATABASE_URL": url,
        "PUBLIC_BASE_URL": base,
        "TWILIO_ACCOUNT_SID": twilio.account_sid,
        "TWILIO_AUTH_TOKEN": twilio.auth_token,
        "TWILIO_FROM_NUMBER": "+33700000000",
    }


def post_webhooks(twilio: FakeTwilio, base: str, count: int, first: int) -> None:
    with httpx.Client(timeout=30) as client:
        for n in range(first, first + count):
            params = twilio.inbound_params(f"+3361{n:07d}", "Bonjour, je cherche un emploi")
            headers = {"X-Twilio-Signature": twilio.sign(base + INBOUND, params)}
            response = client.post(base + INBOUND, data=params, headers=headers)
            assert response.status_code == 200, response.text


def wait_up(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError("backend not up")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_per_webhook(count: int) -> float:
    twilio = FakeTwilio()  # only its signing
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/profile.db"
        migrate(url)
        server = subprocess.Popen(
            [str(APP_PYTHON), "-m", "uvicorn", "backend.main:app", "--port", str(port)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **settings_env(twilio, url, base)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_up(base)
            post_webhooks(twilio, base, 30, first=0)  # warm up: imports, caches, connections
            before = cpu_seconds(server.pid)
            post_webhooks(twilio, base, count, first=1000)
            return (cpu_seconds(server.pid) - before) * 1000 / count
        finally:
            server.terminate()
            server.wait()


def profile(count: int, top: int) -> str:
    import uvicorn

    twilio = FakeTwilio()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    profiles: list[cProfile.Profile] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/profile.db"
        migrate(url)
        os.environ.update(settings_env(twilio, url, base))
        from backend.core.config import get_settings

        get_settings.cache_clear()

        def start_profiling(*_: object) -> None:
            # The first event of each new thread: cProfile takes over that thread.
            profile = cProfile.Profile(time.thread_time)  # CPU, not waiting
            profiles.append(profile)
            profile.enable()

        threading.setprofile(start_profiling)
        from backend.main import app

        server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        wait_up(base)
        # A profile runs in its own thread only: the warm-up (imports, the thread pool, the
        # first connections) is counted with the rest, small next to N webhooks.
        post_webhooks(twilio, base, count, first=1000)
        server.should_exit = True
        thread.join(10)
        threading.setprofile(None)  # type: ignore[arg-type]
    stats = pstats.Stats(*profiles, stream=(out := io.StringIO()))
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main(count: int = 300, top: int = 30) -> None:
    per = cpu_per_webhook(count)
    print(f"backend CPU per webhook: {per:.2f} ms (user + system, {count} webhooks, new people)")
    print(profile(count, top))


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
