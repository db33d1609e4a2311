"""Start and stop the whole stack: action server, Rasa server, backend (uvicorn), worker.

Used by `make run` (scripts/run_all.py) and by the end-to-end tests, so both exercise the
same processes with the same command lines.
"""

from __future__ import annotations

import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, os.path.dirname(__file__))
from priority import TurnPriority, turn_process_nice
from supervisor import Supervisor

ROOT = Path(__file__).resolve().parents[1]
BOT_BIN = ROOT / ".venv-bot" / "bin"
BOT_PYTHON = BOT_BIN / "python"
APP_PYTHON = ROOT / ".venv" / "bin" / "python"
# Rasa presents it to the action server; a fresh one per run unless ACTION_SERVER_TOKEN is set.
RUN_ACTION_TOKEN = secrets.token_urlsafe(32)


# Ports a server of ours may take: below the kernel's ephemeral range (32768-60999 by
# default), where the outgoing connections of the same run (to PostgreSQL, Rasa, the fake
# providers) take their local ports. A port the kernel handed out as free (bind to 0) comes
# from that range, and an outgoing connection took one between the check and the server's
# bind: "address already in use", a process that cannot start (seen in bench/load.py).
_SERVER_PORTS = (20000, 32000)
# Handed out by this process: a stack takes several before it starts any (PostgreSQL, Redis,
# the backends, the Rasa servers), so the same one must not come twice.
_handed_out: set[int] = set()


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port() -> int:
    """A loopback port nothing listens on, outside the ephemeral range when it leaves room."""
    low, high = _ephemeral_range()
    candidates = [p for p in range(*_SERVER_PORTS) if not low <= p <= high and p not in _handed_out]
    for port in random.sample(candidates, min(50, len(candidates))):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            _handed_out.add(port)
            return port
    with socket.socket() as sock:  # no room left below the range: the kernel's choice
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def current_model() -> Path:
    name = (ROOT / "models" / "CURRENT").read_text().strip()
    return ROOT / "models" / name


@dataclass
class Stack:
    backend_port: int = 8000
    rasa_port: int = 5005
    actions_port: int = 5055
    database_url: str = f"sqlite:///{ROOT / 'data' / 'parcours.db'}"
    tracker_db: str = str(ROOT / "data" / "rasa_tracker.db")
    log_dir: Path | None = None  # None: inherit the terminal
    with_worker: bool = True
    credentials: str = "bot/credentials.yml"  # Rasa's input channels (bench/load.py adds one)
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    commands: dict[str, list[str]] = field(default_factory=dict)

    @property
    def backend_url(self) -> str:
        return f"http://127.0.0.1:{self.backend_port}"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}"

    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": self.database_url,
            "RASA_URL": self.rasa_url,
            "ACTION_SERVER_URL": self.actions_url,
            "BACKEND_URL": self.backend_url,
            "RASA_TRACKER_DB": self.tracker_db,
            "RASA_TELEMETRY_ENABLED": "false",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "PYTHONWARNINGS": "ignore",
            # A turn waits for the action server and the API rather than run without them.
            "CHECK_SERVICES_BEFORE_TURN": "true",
        }
        env.setdefault("BOT_API_TOKEN", "dev-bot-token")
        env.update(self.extra_env)
        if not env.get("ACTION_SERVER_TOKEN"):
            env["ACTION_SERVER_TOKEN"] = RUN_ACTION_TOKEN
        return env

    def actions_command(self) -> list[str]:
        """Our action server (bot/action_server.py): loopback only unless ACTIONS_HOST says
        otherwise, and every call but /health must carry ACTION_SERVER_TOKEN."""
        return [str(BOT_PYTHON), "-m", "bot.action_server", "--port", str(self.actions_port)]

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        self.commands[name] = args
        output = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            output = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - kept open
        self.processes[name] = subprocess.Popen(
            args,
            cwd=ROOT,
            env=self.env(),
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            start_new_session=True,  # its own process group, so Ctrl-C is ours to relay
        )
        return self.processes[name]

    def respawn(self, name: str) -> subprocess.Popen:
        """Start one process again, same command line (the supervisor calls it)."""
        return self._spawn(name, self.commands[name])

    def supervisor(self, say: Callable[[str], None] = print) -> Supervisor:
        """Restarts what dies, with backoff (scripts/supervisor.py); run it with ``.run()``.
        A restarted turn process gets its lower priority again once it answers."""
        return Supervisor(
            spawn=self.respawn,
            processes=self.processes,
            say=say,
            ready=self.ready,
            on_ready=self.priority(say).lower,
        )

    def priority(self, say: Callable[[str], None] = print) -> TurnPriority:
        return TurnPriority(nice=turn_process_nice(self.env()), say=say)

    def health_urls(self) -> dict[str, str]:
        return {
            "backend": f"{self.backend_url}/healthz",
            "actions": f"{self.actions_url}/health",
            "rasa": f"{self.rasa_url}/status",
        }

    def ready(self, name: str) -> bool:
        """Whether the process answers (the worker has no endpoint: started is ready)."""
        url = self.health_urls().get(name)
        if url is None:
            return True
        try:
            response = httpx.get(url, timeout=2)
        except httpx.HTTPError:
            return False
        # Rasa answers /status before its model is loaded: wait for the model.
        return response.status_code == 200 and (
            name != "rasa" or bool(response.json().get("model_file"))
        )

    def kill(self, name: str) -> None:
        """SIGKILL one process and its children (fault tests)."""
        process = self.processes[name]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def start(self, model: Path | None = None) -> None:
        Path(self.tracker_db).parent.mkdir(parents=True, exist_ok=True)
        self._spawn("actions", self.actions_command())
        self._spawn(
            "rasa",
            [
                str(BOT_BIN / "rasa"),
                "run",
                "--enable-api",
                "--model",
                str(model or current_model()),
                "--endpoints",
                "bot/endpoints.yml",
                "--credentials",
                self.credentials,
                "--interface",
                "127.0.0.1",
                "--port",
                str(self.rasa_port),
            ],
        )
        self._spawn(
            "backend",
            [
                str(APP_PYTHON),
                "-m",
                "uvicorn",
                "backend.main:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.backend_port),
            ],
        )
        if self.with_worker:
            self._spawn("worker", [str(APP_PYTHON), "-m", "backend.worker"])

    def wait_ready(self, timeout: float = 180) -> None:
        """Until every process answers; each turn process is then given its lower priority."""
        priority = self.priority()
        deadline = time.monotonic() + timeout
        pending = set(self.processes)
        while pending:
            for name in sorted(pending):
                process = self.processes[name]
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with code {process.returncode}")
                if self.ready(name):
                    pending.discard(name)
                    priority.lower(name, process)
            if not pending:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"not ready after {timeout:.0f} s: {', '.join(pending)}")
            time.sleep(0.5)

    def register_telegram_webhook(self) -> None:
        """`make telegram-webhook`, when a bot token is set; a refusal is reported, not fatal."""
        if not self.env().get("TELEGRAM_BOT_TOKEN"):
            return
        subprocess.run(
            [str(APP_PYTHON), str(ROOT / "scripts" / "telegram_webhook.py")],
            cwd=ROOT,
            env=self.env(),
            timeout=60,
        )

    def stop(self, timeout: float = 15) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.processes.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()


def stack_from_env() -> Stack:
    stack = Stack(
        backend_port=int(os.environ.get("BACKEND_PORT", 8000)),
        rasa_port=int(os.environ.get("RASA_PORT", 5005)),
        actions_port=int(os.environ.get("ACTIONS_PORT", 5055)),
    )
    if os.environ.get("DATABASE_URL"):
        stack.database_url = os.environ["DATABASE_URL"]
    return stack


def log_tail(stack: Stack, name: str, lines: int = 25) -> str:
    path = (stack.log_dir or ROOT) / f"{name}.log"
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    # A closed terminal (SIGHUP) or a `kill` (SIGTERM) stops everything, like Ctrl-C: the
    # servers run in their own sessions and would otherwise outlive us.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    stack = stack_from_env()
    # Each process logs to its own file; the terminal keeps only what a person needs.
    stack.log_dir = Path(os.environ.get("LOG_DIR", ROOT / "data" / "logs"))
    print(f"starting (Rasa loads its model in about 20 s); logs in {stack.log_dir}/", flush=True)
    stack.start()
    try:
        try:
            stack.wait_ready()
        except (RuntimeError, TimeoutError) as exc:
            print(f"could not start: {exc}", file=sys.stderr)
            for name in stack.processes:
                tail = log_tail(stack, name)
                if tail:
                    print(f"--- last lines of {name}.log ---\n{tail}", file=sys.stderr)
            return 1
        stack.register_telegram_webhook()
        print(
            "\nParcours assistant is running:\n"
            f"  web chat (try the bot)   {stack.backend_url}/chat\n"
            f"  API docs (OpenAPI)       {stack.backend_url}/api/v1/docs\n"
            f"  readiness                {stack.backend_url}/readyz\n"
            f"  Rasa server              {stack.rasa_url}\n"
            f"  action server            {stack.actions_url}\n"
            "Press Ctrl-C to stop everything.\n",
            flush=True,
        )
        # A process that dies is started again (a line here, its log in LOG_DIR); webhooks
        # keep being accepted meanwhile and the worker retries the turns it could not run.
        stack.supervisor(
            say=lambda line: print(f"[{time.strftime('%H:%M:%S')}] {line}", flush=True)
        ).run()
        return 0
    except KeyboardInterrupt:
        print("\nstopping...", flush=True)
        return 0
    finally:
        stack.stop()
        print("all processes stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())
