"""Keep a set of processes running: one that dies is started again, after a growing delay.

`make run` (scripts/stack.py) uses it so that a crashed Rasa server comes back on its own
instead of taking the whole stack down; the worker retries the turns that found it away.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# A process that stayed up this long was healthy: its next crash starts the backoff again.
HEALTHY_AFTER_SECONDS = 60.0
FIRST_DELAY_SECONDS = 1.0
MAX_DELAY_SECONDS = 30.0


@dataclass
class _State:
    started_at: float
    crashes: int = 0  # in a row, reset once the process stays up HEALTHY_AFTER_SECONDS
    restart_at: float | None = None  # set while the process waits to be started again


@dataclass
class Supervisor:
    """``spawn(name)`` starts the named process and returns it; ``say`` prints one line.

    ``on_ready(name, process)`` is called once a restarted process answers ``ready(name)``
    (scripts/priority.py lowers a turn process's priority then, as at the first start)."""

    spawn: Callable[[str], subprocess.Popen]
    processes: dict[str, subprocess.Popen]
    say: Callable[[str], None] = print
    ready: Callable[[str], bool] = lambda name: True
    on_ready: Callable[[str, subprocess.Popen], None] | None = None
    first_delay: float = FIRST_DELAY_SECONDS
    max_delay: float = MAX_DELAY_SECONDS
    healthy_after: float = HEALTHY_AFTER_SECONDS
    restarts: dict[str, int] = field(default_factory=dict)
    _states: dict[str, _State] = field(default_factory=dict)
    _starting: set[str] = field(default_factory=set)  # restarted, not yet ready

    def delay(self, crashes: int) -> float:
        return min(self.first_delay * 2 ** (crashes - 1), self.max_delay)

    def check(self, now: float | None = None) -> None:
        """One pass: notice the dead, start again those whose delay is over."""
        now = time.monotonic() if now is None else now
        for name, process in list(self.processes.items()):
            state = self._states.setdefault(name, _State(started_at=now))
            if state.restart_at is None:
                code = process.poll()
                if code is None:
                    if now - state.started_at >= self.healthy_after:
                        state.crashes = 0
                    continue
                state.crashes += 1
                wait = self.delay(state.crashes)
                state.restart_at = now + wait
                self.say(f"{name} exited (code {code}); restarting it in {wait:.0f} s")
            if now >= state.restart_at:
                self.processes[name] = self.spawn(name)
                self.restarts[name] = self.restarts.get(name, 0) + 1
                state.restart_at, state.started_at = None, now
                self.say(f"{name} restarted (restart {self.restarts[name]})")
                if self.on_ready is not None:
                    self._starting.add(name)
        self._notice_ready()

    def _notice_ready(self) -> None:
        for name in list(self._starting):
            process = self.processes[name]
            if process.poll() is not None:
                self._starting.discard(name)  # died again: the next restart waits again
            elif self.ready(name):
                self._starting.discard(name)
                assert self.on_ready is not None
                self.on_ready(name, process)

    def run(self, stop: threading.Event | None = None, interval: float = 0.5) -> None:
        """Until ``stop`` is set (or forever: Ctrl-C raises KeyboardInterrupt through it)."""
        stop = stop or threading.Event()
        while not stop.is_set():
            self.check()
            stop.wait(interval)
