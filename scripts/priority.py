"""Turns run at a lower CPU priority than the web backends.

A webhook's acknowledgement is what Twilio waits for (it gives up after 15 s); a turn can wait
a little. On a small machine the Rasa servers, the action server and the workers would take the
CPU from the backends while webhooks arrive, so they are given a niceness of
TURN_PROCESS_NICE (backend/core/config.py; 0 leaves them alone). It is applied once the
process answers: a Rasa server loading its model at low priority on a busy machine took
minutes. The stores (PostgreSQL, Redis) and haproxy keep the normal priority.

The niceness is given twice: to the process group (setpriority) and to its session's
autogroup (/proc/<pid>/autogroup). Every process here starts its own session, and where the
kernel groups sessions (``kernel.sched_autogroup_enabled=1``, most desktop and many server
kernels) the CPU is shared first between autogroups, equally: a process's own niceness only
counts against the processes of its session. With setpriority alone, niceness 10 or 19 left
the webhook ack p99 as it was (bench/load.py, 2 cores: 240-360 ms); with the autogroup's too,
it fell to about 35 ms.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

DEFAULT_NICE = 10  # backend/core/config.py Settings.turn_process_nice
TURN_PROCESSES = frozenset({"rasa", "actions", "worker"})


def turn_process_nice(environ: dict[str, str] | os._Environ[str] = os.environ) -> int:
    raw = environ.get("TURN_PROCESS_NICE", "").strip()
    if not raw:
        return DEFAULT_NICE
    value = int(raw)
    if not 0 <= value <= 19:
        raise ValueError(f"TURN_PROCESS_NICE must be between 0 and 19, not {value}")
    return value


def is_turn_process(name: str) -> bool:
    """ "rasa", "rasa2", "worker1"...: the name without its number."""
    return re.sub(r"\d+$", "", name) in TURN_PROCESSES


def niceness(pid: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, pid)


def autogroup_path(pid: int) -> Path | None:
    """The file that holds the niceness of the autogroup ``pid`` belongs to; None when the
    kernel has no autogroups (or they are off: its niceness then means nothing)."""
    path = Path(f"/proc/{pid}/autogroup")
    enabled = Path("/proc/sys/kernel/sched_autogroup_enabled")
    if not path.exists() or (enabled.exists() and enabled.read_text().strip() == "0"):
        return None
    return path


def parse_autogroup(text: str) -> int | None:
    """``/autogroup-42 nice 10`` -> 10. A process in the root autogroup (one whose session
    was never its own, such as init's, or a job started by a service without setsid) reads
    an empty file: it has no niceness of its own to give."""
    found = re.fullmatch(r"/autogroup-\d+ nice (-?\d+)", text.strip())
    return int(found.group(1)) if found else None


def autogroup_niceness(pid: int) -> int | None:
    path = autogroup_path(pid)
    return None if path is None else parse_autogroup(path.read_text())


@dataclass
class TurnPriority:
    nice: int = DEFAULT_NICE
    say: Callable[[str], None] = print

    def lower(self, name: str, process: subprocess.Popen) -> None:
        """Every process of its group (started with start_new_session: the group is its pid)
        gets the niceness; children started later inherit it."""
        if not self.nice or not is_turn_process(name) or process.poll() is not None:
            return
        try:
            os.setpriority(os.PRIO_PGRP, process.pid, self.nice)
        except OSError as exc:  # already lower than asked (an unprivileged user cannot raise)
            self.say(f"{name}: niceness left as is ({exc.strerror})")
        # Only a process that leads its own session (start_new_session): another one shares
        # its autogroup with us, the backends included.
        path = autogroup_path(process.pid)
        if path is None or os.getsid(process.pid) != process.pid:
            return
        try:
            path.write_text(str(self.nice))
        except OSError as exc:
            self.say(f"{name}: autogroup niceness left as is ({exc.strerror})")
