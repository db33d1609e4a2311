"""`make run`'s supervisor: a process that dies is started again, with backoff and a line."""

import subprocess
import sys
import threading
import time

from supervisor import Supervisor

SLEEP = [sys.executable, "-c", "import time; time.sleep(60)"]
CRASH = [sys.executable, "-c", "raise SystemExit(3)"]


def wait_for(check, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_a_killed_process_comes_back_and_the_others_keep_running():
    lines: list[str] = []
    processes = {name: subprocess.Popen(SLEEP) for name in ("rasa", "backend")}
    supervisor = Supervisor(
        spawn=lambda name: subprocess.Popen(SLEEP), processes=processes, say=lines.append
    )
    supervisor.first_delay = 0.2
    backend = processes["backend"]
    stop = threading.Event()
    thread = threading.Thread(target=supervisor.run, args=(stop, 0.05))
    thread.start()
    try:
        first = processes["rasa"]
        first.kill()
        wait_for(lambda: processes["rasa"] is not first)
        assert processes["rasa"].poll() is None
        assert processes["backend"] is backend and backend.poll() is None
        assert lines == [
            "rasa exited (code -9); restarting it in 0 s",
            "rasa restarted (restart 1)",
        ]
    finally:
        stop.set()
        thread.join()
        for process in processes.values():
            process.kill()
            process.wait()


def test_a_process_that_keeps_crashing_waits_longer_each_time_up_to_a_ceiling():
    lines: list[str] = []
    spawned: list[float] = []

    def spawn(name: str) -> subprocess.Popen:
        process = subprocess.Popen(CRASH)
        process.wait()
        return process

    processes = {"rasa": spawn("rasa")}
    supervisor = Supervisor(spawn=spawn, processes=processes, say=lines.append, max_delay=4)
    now = 0.0
    for _ in range(200):  # a simulated clock: 0.25 s steps
        before = supervisor.restarts.get("rasa", 0)
        supervisor.check(now)
        if supervisor.restarts.get("rasa", 0) > before:
            spawned.append(now)
        now += 0.25
    gaps = [b - a for a, b in zip([0.0, *spawned], spawned, strict=False)]
    # 1, 2, 4, then the 4 s ceiling (plus the pass that notices the crash).
    assert gaps[:5] == [1.0, 2.25, 4.25, 4.25, 4.25]
    assert lines[0] == "rasa exited (code 3); restarting it in 1 s"


def test_a_process_healthy_for_a_while_starts_the_backoff_again():
    processes = {"rasa": subprocess.Popen(SLEEP)}
    supervisor = Supervisor(
        spawn=lambda name: subprocess.Popen(SLEEP),
        processes=processes,
        say=lambda line: None,
        healthy_after=10,
    )
    try:
        supervisor.check(0)
        for crash in range(3):
            processes["rasa"].kill()
            processes["rasa"].wait()
            supervisor.check(100 * crash + 1)
            supervisor.check(100 * crash + 60)  # restarted after its delay
            supervisor.check(100 * crash + 90)  # up 30 s: healthy again
        assert supervisor._states["rasa"].crashes == 0
        assert supervisor.delay(1) == 1.0
    finally:
        processes["rasa"].kill()
        processes["rasa"].wait()
