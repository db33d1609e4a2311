"""The scaled configuration on one machine (`make run-scaled`, README "Scaling"): PostgreSQL for
the backend and for Rasa's tracker store, Redis for Rasa's lock store, haproxy in front of two
backends and of two Rasa servers, two workers, one action server. Debian's postgresql,
redis-server and haproxy packages; everything on loopback, every process supervised.

The same code as `make run`, only other engines and more processes: what changes is the
environment (DATABASE_URL, deploy/endpoints-postgres.yml, RASA_URL and BACKEND_URL pointing at
haproxy).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, os.path.dirname(__file__))
import contextlib

from priority import TurnPriority, turn_process_nice
from stack import APP_PYTHON, BOT_BIN, ROOT, Stack, current_model, free_port
from supervisor import Supervisor

AS_POSTGRES = os.geteuid() == 0  # PostgreSQL refuses to run as root


def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    return found[-1]


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if AS_POSTGRES else command


HAPROXY_CONFIG = """\
global
    maxconn 4096
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    # A request whose server died before answering (connection refused, reset, closed without
    # a response) is sent again to the other server: webhooks are deduplicated on the
    # provider's id and a Rasa turn on the gateway's message id, so a second delivery is safe,
    # where a 502 would lose the message (Twilio does not retry). Small bodies are buffered
    # for it; an RDV-Solidarites body larger than a buffer is not retried.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response junk-response response-timeout
frontend backends
    bind 127.0.0.1:{backend_port}
    default_backend backends
backend backends
    balance roundrobin
    option httpchk GET /healthz
{backend_servers}
frontend rasa
    bind 127.0.0.1:{rasa_port}
    default_backend rasa
backend rasa
    balance roundrobin
    option httpchk GET /
{rasa_servers}
"""


@dataclass
class ScaledStack:
    """``backend_port`` and ``rasa_port`` are haproxy's; the processes get free ports."""

    workdir: Path = ROOT / "data" / "scaled"
    backend_port: int = 8000
    rasa_port: int = 5005
    actions_port: int = 5055
    backends: int = 2
    workers: int = 2
    rasas: int = 2
    log_dir: Path | None = None
    credentials: str = "bot/credentials.yml"  # Rasa's input channels (bench/load.py adds one)
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    commands: dict[str, tuple[list[str], dict[str, str]]] = field(default_factory=dict)
    pg_port: int = field(default_factory=free_port)
    redis_port: int = field(default_factory=free_port)

    @property
    def backend_url(self) -> str:
        return f"http://127.0.0.1:{self.backend_port}"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def database_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.pg_port}/parcours"

    def env(self) -> dict[str, str]:
        base = Stack(
            backend_port=self.backend_port,
            rasa_port=self.rasa_port,
            actions_port=self.actions_port,
            database_url=self.database_url,
            extra_env=self.extra_env,
        ).env()
        base.update(
            {
                "RASA_TRACKER_HOST": "127.0.0.1",
                "RASA_TRACKER_PORT": str(self.pg_port),
                "RASA_TRACKER_DB": "rasa_tracker",
                "RASA_TRACKER_USER": "postgres",
                "RASA_TRACKER_PASSWORD": "",
                "REDIS_HOST": "127.0.0.1",
                "REDIS_PORT": str(self.redis_port),
                # 4 threads per worker: with 10, 500 new conversations at once kept PostgreSQL
                # and the CPU busy and the webhook ack p99 went to 0.8-1.2 s; with 4 it was
                # 0.38 s for the same turns per second (13.6 against 13.2, bench/load.py).
                "WORKER_THREADS": "4",
            }
        )
        base.update(self.extra_env)
        return base

    # --- processes -------------------------------------------------------------------

    def _spawn(self, name: str, args: list[str], env: dict[str, str] | None = None) -> None:
        env = env or self.env()
        self.commands[name] = (args, env)
        output = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            output = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - kept open
        self.processes[name] = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            start_new_session=True,
        )

    def respawn(self, name: str) -> subprocess.Popen:
        args, env = self.commands[name]
        self._spawn(name, args, env)
        return self.processes[name]

    def supervisor(self, say: Callable[[str], None] = print) -> Supervisor:
        """A restarted turn process gets its lower priority again once it answers."""
        return Supervisor(
            spawn=self.respawn,
            processes=self.processes,
            say=say,
            ready=self.ready,
            on_ready=self.priority(say).lower,
        )

    def priority(self, say: Callable[[str], None] = print) -> TurnPriority:
        return TurnPriority(nice=turn_process_nice(self.env()), say=say)

    def health_url(self, name: str) -> str | None:
        """rasa1, backend2...: their own port, not haproxy's; None for what has no endpoint."""
        if name == "actions":
            return f"http://127.0.0.1:{self.actions_port}/health"
        for kind, path in (("rasa", "status"), ("backend", "healthz")):
            if name.startswith(kind) and name[len(kind) :].isdigit():
                port = self._ports[kind][int(name[len(kind) :]) - 1]
                return f"http://127.0.0.1:{port}/{path}"
        return None

    def ready(self, name: str) -> bool:
        url = self.health_url(name)
        if url is None:
            return True
        try:
            response = httpx.get(url, timeout=2)
        except httpx.HTTPError:
            return False
        # Rasa answers /status before its model is loaded: wait for the model.
        return response.status_code == 200 and (
            not name.startswith("rasa") or bool(response.json().get("model_file"))
        )

    def _start_postgres(self) -> None:
        data = self.workdir / "postgres"
        self.workdir.mkdir(parents=True, exist_ok=True)
        if AS_POSTGRES:
            info = pwd.getpwnam("postgres")
            os.chown(self.workdir, info.pw_uid, info.pw_gid)
        if not (data / "PG_VERSION").exists():
            subprocess.run(
                _as_postgres(
                    [
                        pg_bin("initdb"),
                        "-D",
                        str(data),
                        "-U",
                        "postgres",
                        "--auth=trust",
                        "-E",
                        "UTF8",
                        "--locale=C.UTF-8",
                    ]
                ),
                check=True,
                stdout=subprocess.DEVNULL,
            )
        self._spawn(
            "postgres",
            _as_postgres(
                [
                    pg_bin("postgres"),
                    "-D",
                    str(data),
                    "-p",
                    str(self.pg_port),
                    "-k",
                    str(self.workdir),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    "max_connections=300",
                ]
            ),
        )
        deadline = time.monotonic() + 60
        while subprocess.run(
            [pg_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(self.pg_port)],
            stdout=subprocess.DEVNULL,
        ).returncode:
            if time.monotonic() > deadline or self.processes["postgres"].poll() is not None:
                raise RuntimeError("PostgreSQL did not start")
            time.sleep(0.3)
        for database in ("parcours", "rasa_tracker"):
            subprocess.run(
                [
                    pg_bin("createdb"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.pg_port),
                    "-U",
                    "postgres",
                    database,
                ],
                stderr=subprocess.DEVNULL,  # "already exists" on a second run
            )

    def _write_haproxy_config(self, rasa_ports: list[int], backend_ports: list[int]) -> Path:
        def servers(ports: list[int], prefix: str) -> str:
            return "\n".join(
                f"    server {prefix}{i} 127.0.0.1:{port} check inter 1s fall 2 rise 1"
                for i, port in enumerate(ports, 1)
            )

        path = self.workdir / "haproxy.cfg"
        path.write_text(
            HAPROXY_CONFIG.format(
                backend_port=self.backend_port,
                rasa_port=self.rasa_port,
                backend_servers=servers(backend_ports, "backend"),
                rasa_servers=servers(rasa_ports, "rasa"),
            )
        )
        return path

    def start(self, model: Path | None = None) -> None:
        self._start_postgres()
        self._spawn(
            "redis",
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
        )
        env = self.env()
        subprocess.run(
            [str(ROOT / ".venv/bin/alembic"), "upgrade", "head"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        subprocess.run(
            [str(APP_PYTHON), "-m", "backend.seed"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._spawn(
            "actions",
            [str(BOT_BIN / "python"), "-m", "bot.action_server", "--port", str(self.actions_port)],
        )
        rasa_ports = [free_port() for _ in range(self.rasas)]
        backend_ports = [free_port() for _ in range(self.backends)]
        for i, port in enumerate(rasa_ports, 1):
            self._spawn(
                f"rasa{i}",
                [
                    str(BOT_BIN / "rasa"),
                    "run",
                    "--enable-api",
                    "--model",
                    str(model or current_model()),
                    "--endpoints",
                    "deploy/endpoints-postgres.yml",
                    "--credentials",
                    self.credentials,
                    "--interface",
                    "127.0.0.1",
                    "--port",
                    str(port),
                ],
            )
        for i, port in enumerate(backend_ports, 1):
            self._spawn(
                f"backend{i}",
                [
                    str(APP_PYTHON),
                    "-m",
                    "uvicorn",
                    "backend.main:app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                ],
            )
        config = self._write_haproxy_config(rasa_ports, backend_ports)
        self._spawn("haproxy", ["haproxy", "-db", "-f", str(config)])
        for i in range(1, self.workers + 1):
            self._spawn(f"worker{i}", [str(APP_PYTHON), "-m", "backend.worker"])
        self._ports = {"rasa": rasa_ports, "backend": backend_ports}

    def wait_ready(self, timeout: float = 300) -> None:
        """Until every process answers; each turn process is then given its lower priority."""
        priority = self.priority()
        pending = set(self.processes)
        deadline = time.monotonic() + timeout
        while pending:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with code {process.returncode}")
            for name in sorted(pending):
                if self.ready(name):
                    pending.discard(name)
                    priority.lower(name, self.processes[name])
            if not pending:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"not ready after {timeout:.0f} s: {', '.join(sorted(pending))}")
            time.sleep(0.5)
        # haproxy sees the servers up (its checks run every second).
        time.sleep(2)

    def stop(self, timeout: float = 20) -> None:
        # Clients first, the stores last.
        order = sorted(self.processes, key=lambda n: n in ("postgres", "redis"))
        for name in order:
            process = self.processes[name]
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
            if name in ("postgres", "redis"):
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout)
        deadline = time.monotonic() + timeout
        for process in self.processes.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()


def main() -> int:
    missing = [p for p in ("redis-server", "haproxy") if shutil.which(p) is None]
    if missing:
        print(f"missing: {', '.join(missing)} (apt-get install {' '.join(missing)})")
        return 1

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGHUP, interrupt)
    stack = ScaledStack(
        backend_port=int(os.environ.get("BACKEND_PORT", 8000)),
        rasa_port=int(os.environ.get("RASA_PORT", 5005)),
        actions_port=int(os.environ.get("ACTIONS_PORT", 5055)),
        log_dir=Path(os.environ.get("LOG_DIR", ROOT / "data" / "logs" / "scaled")),
    )
    print(
        f"starting the scaled stack (two Rasa servers load their model); logs in {stack.log_dir}/"
    )
    try:
        stack.start()
        stack.wait_ready()
        print(
            "\nScaled stack running (PostgreSQL, Redis, haproxy; 2 backends, 2 workers, 2 Rasa):\n"
            f"  web chat      {stack.backend_url}/chat (through haproxy)\n"
            f"  Rasa (haproxy) {stack.rasa_url}\n"
            f"  PostgreSQL    {stack.database_url}\n"
            "Press Ctrl-C to stop everything.\n",
            flush=True,
        )
        stack.supervisor(
            say=lambda line: print(f"[{time.strftime('%H:%M:%S')}] {line}", flush=True)
        ).run()
        return 0
    except KeyboardInterrupt:
        print("\nstopping...", flush=True)
        return 0
    except (RuntimeError, TimeoutError) as exc:
        print(f"could not start: {exc}", file=sys.stderr)
        return 1
    finally:
        stack.stop()
        print("all processes stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())
