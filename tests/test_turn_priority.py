"""Turn processes (Rasa, action server, workers) run at TURN_PROCESS_NICE once they answer;
the backends, haproxy and the stores keep our priority (scripts/priority.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from priority import (
    TurnPriority,
    autogroup_niceness,
    autogroup_path,
    is_turn_process,
    parse_autogroup,
    turn_process_nice,
)
from scaled import ScaledStack
from stack import Stack, free_port
from supervisor import Supervisor

OURS = os.getpriority(os.PRIO_PROCESS, 0)
SLEEP = [sys.executable, "-c", "import time; time.sleep(60)"]
# Answers every GET with Rasa's /status body once the file given as second argument exists
# (a model "loading" until then), 503 before.
SERVER = """
import json, os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        up = len(sys.argv) < 3 or os.path.exists(sys.argv[2])
        body = json.dumps({"model_file": "m"}).encode()
        self.send_response(200 if up else 503)
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


def nice(process: subprocess.Popen) -> int:
    # /proc/<pid>/stat, field 19: what `ps -o ni` shows.
    stat = Path(f"/proc/{process.pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[16])


def spawn(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen(args, start_new_session=True)


def server(port: int, gate: Path | None = None) -> subprocess.Popen:
    return spawn([sys.executable, "-c", SERVER, str(port), *([str(gate)] if gate else [])])


def stop_all(processes: dict[str, subprocess.Popen]) -> None:
    for process in processes.values():
        process.kill()
        process.wait()


def test_names_and_setting():
    assert all(map(is_turn_process, ["rasa", "rasa2", "actions", "worker", "worker1"]))
    assert not any(map(is_turn_process, ["backend", "backend1", "haproxy", "postgres", "redis"]))
    assert turn_process_nice({}) == 10  # on unless set to 0
    assert turn_process_nice({"TURN_PROCESS_NICE": "0"}) == 0
    with pytest.raises(ValueError):
        turn_process_nice({"TURN_PROCESS_NICE": "20"})


def test_the_stack_lowers_its_turn_processes_once_they_answer(tmp_path):
    loaded = tmp_path / "model-loaded"
    stack = Stack(
        backend_port=free_port(),
        rasa_port=free_port(),
        actions_port=free_port(),
        extra_env={"TURN_PROCESS_NICE": "10"},
    )
    stack.processes = {
        "rasa": server(stack.rasa_port, gate=loaded),
        "actions": server(stack.actions_port),
        "backend": server(stack.backend_port),
        "worker": spawn(SLEEP),
    }
    thread = threading.Thread(target=stack.wait_ready, args=(30,))
    try:
        thread.start()
        time.sleep(2)
        # Rasa still loading its model: it keeps our priority meanwhile.
        assert thread.is_alive()
        assert nice(stack.processes["rasa"]) == OURS
        loaded.touch()
        thread.join(30)
        assert not thread.is_alive()
        assert {name: nice(p) for name, p in stack.processes.items()} == {
            "rasa": max(OURS, 10),
            "actions": max(OURS, 10),
            "worker": max(OURS, 10),
            "backend": OURS,
        }
    finally:
        loaded.touch()
        thread.join()
        stop_all(stack.processes)


@pytest.mark.skipif(autogroup_path(os.getpid()) is None, reason="kernel without autogroups")
def test_the_autogroup_of_a_turn_process_is_lowered_too_never_ours():
    """Each process leads its own session, so its own autogroup: the CPU is shared between
    autogroups first, and a niceness given only to the process would change nothing."""
    # None when this test runs in the root autogroup (CI's jobs do): no niceness of its own.
    ours = autogroup_niceness(os.getpid())
    priority = TurnPriority(nice=10, say=lambda line: None)
    worker, backend = spawn(SLEEP), spawn(SLEEP)
    in_our_session = subprocess.Popen(SLEEP)
    try:
        # A new session is a new autogroup, at niceness 0 wherever we run.
        assert autogroup_niceness(worker.pid) == autogroup_niceness(backend.pid) == 0
        priority.lower("worker", worker)
        priority.lower("backend", backend)
        priority.lower("worker2", in_our_session)
        assert autogroup_niceness(worker.pid) == 10
        assert autogroup_niceness(backend.pid) == 0
        # Not a session leader: its autogroup is ours (and the backends'), left alone.
        assert autogroup_niceness(in_our_session.pid) == ours
        assert autogroup_niceness(os.getpid()) == ours
    finally:
        stop_all({"worker": worker, "backend": backend, "other": in_our_session})


def test_the_root_autogroup_has_no_niceness_to_read():
    """init's file, and that of every process whose session was never its own, is empty."""
    assert parse_autogroup("/autogroup-117102 nice 0\n") == 0
    assert parse_autogroup("/autogroup-7 nice -5\n") == -5
    assert parse_autogroup("") is None
    init = autogroup_path(1)
    if init is not None and os.access(init, os.R_OK):
        assert autogroup_niceness(1) == parse_autogroup(init.read_text())


def test_zero_leaves_every_process_alone():
    stack = Stack(
        backend_port=free_port(),
        rasa_port=free_port(),
        actions_port=free_port(),
        extra_env={"TURN_PROCESS_NICE": "0"},
    )
    stack.processes = {
        "rasa": server(stack.rasa_port),
        "actions": server(stack.actions_port),
        "backend": server(stack.backend_port),
        "worker": spawn(SLEEP),
    }
    try:
        stack.wait_ready(30)
        assert {nice(p) for p in stack.processes.values()} == {OURS}
    finally:
        stop_all(stack.processes)


def test_the_scaled_stack_lowers_rasa_actions_and_workers_not_the_rest():
    stack = ScaledStack(actions_port=free_port(), extra_env={"TURN_PROCESS_NICE": "10"})
    stack._ports = {"rasa": [free_port(), free_port()], "backend": [free_port(), free_port()]}
    stack.processes = {
        "postgres": spawn(SLEEP),
        "redis": spawn(SLEEP),
        "haproxy": spawn(SLEEP),
        "actions": server(stack.actions_port),
        "rasa1": server(stack._ports["rasa"][0]),
        "rasa2": server(stack._ports["rasa"][1]),
        "backend1": server(stack._ports["backend"][0]),
        "backend2": server(stack._ports["backend"][1]),
        "worker1": spawn(SLEEP),
        "worker2": spawn(SLEEP),
    }
    try:
        stack.wait_ready(30)
        lowered = {name for name, p in stack.processes.items() if nice(p) == max(OURS, 10)}
        if OURS < 10:
            assert lowered == {"actions", "rasa1", "rasa2", "worker1", "worker2"}
    finally:
        stop_all(stack.processes)


def test_a_restarted_turn_process_is_lowered_again_once_ready(tmp_path):
    loaded = tmp_path / "model-loaded"
    port = free_port()
    processes = {"rasa": server(port), "backend": spawn(SLEEP)}
    priority = TurnPriority(nice=10)
    for name, process in processes.items():
        priority.lower(name, process)
    first_rasa = processes["rasa"]
    answered = {"rasa": lambda: loaded.exists(), "backend": lambda: True}
    supervisor = Supervisor(
        spawn=lambda name: server(port, gate=loaded) if name == "rasa" else spawn(SLEEP),
        processes=processes,
        say=lambda line: None,
        ready=lambda name: answered[name](),
        on_ready=priority.lower,
        first_delay=0.1,
    )
    stop = threading.Event()
    thread = threading.Thread(target=supervisor.run, args=(stop, 0.05))
    thread.start()
    try:
        assert nice(first_rasa) == max(OURS, 10)
        first_rasa.kill()
        first_rasa.wait()
        deadline = time.monotonic() + 10
        while processes["rasa"] is first_rasa and time.monotonic() < deadline:
            time.sleep(0.05)
        restarted = processes["rasa"]
        assert restarted is not first_rasa
        time.sleep(0.5)
        assert nice(restarted) == OURS  # still loading
        loaded.touch()
        deadline = time.monotonic() + 10
        while nice(restarted) != max(OURS, 10) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert nice(restarted) == max(OURS, 10)
        assert nice(processes["backend"]) == OURS
    finally:
        stop.set()
        thread.join()
        stop_all(processes)
