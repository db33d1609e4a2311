"""How idle worker threads are woken (backend/worker.py): a doorbell rung by one listener, and
on PostgreSQL by the task announced at the commit that stores it (backend/services/queue.py)."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from backend.core.db import session_scope
from backend.models import Task
from backend.services import queue
from backend.worker import Doorbell, TaskNotifications
from tests.support.worker import start_worker

ROOT = Path(__file__).resolve().parents[1]


def test_each_ring_wakes_one_waiting_thread():
    bell = Doorbell(limit=4)
    woken: list[bool] = []
    threads = [threading.Thread(target=lambda: woken.append(bell.wait(5))) for _ in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    bell.ring()
    time.sleep(0.2)
    assert woken == [True]  # one ring, one thread: the others still wait
    bell.ring(2)
    for thread in threads:
        thread.join(5)
    assert woken == [True, True, True]
    assert bell.wait(0.05) is False  # nothing left: the timeout


def test_rings_while_every_thread_is_busy_are_kept_up_to_the_limit():
    bell = Doorbell(limit=2)
    bell.ring(5)
    assert [bell.wait(0) for _ in range(3)] == [True, True, False]


def listener(url: str) -> psycopg.Connection:
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = psycopg.connect(conninfo, autocommit=True)
    connection.execute(f"LISTEN {queue.TASK_CHANNEL}")
    return connection


def announcements(connection: psycopg.Connection) -> int:
    return sum(1 for _ in connection.notifies(timeout=0.3))


def test_a_task_due_now_is_announced_at_commit_and_not_on_rollback(database_url):
    if not database_url.startswith("postgresql"):
        assert TaskNotifications.for_database(database_url) is None  # SQLite: polled
        return
    connection = listener(database_url)
    try:
        with session_scope() as session:
            queue.enqueue(session, "turn", {}, key="contact:1")
            assert announcements(connection) == 0  # not before the commit
            session.commit()
        assert announcements(connection) == 1
        with session_scope() as session:
            queue.enqueue(session, "turn", {}, key="contact:2")
            session.rollback()
        assert announcements(connection) == 0
        # Later, or left to the thread that runs the key next: not announced.
        with session_scope() as session:
            from backend.models import utcnow

            queue.enqueue(session, "reminder", {}, run_at=utcnow())
            with queue.runs_here("send:3"):
                queue.enqueue(session, "send_message", {}, key="send:3")
                queue.enqueue(session, "erase", {}, key="other")
            session.commit()
        assert announcements(connection) == 1  # the "other" one only
    finally:
        connection.close()


@pytest.mark.skipif(not (ROOT / ".venv").exists(), reason="no app virtual environment")
def test_on_postgresql_a_worker_starts_a_new_task_without_waiting_for_its_poll(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no announcements: its workers poll")
    worker = start_worker(
        {
            "DATABASE_URL": database_url,
            "WORKER_POLL_SECONDS": "30",  # a poll that would come far too late
        }
    )
    try:
        time.sleep(4)  # started, its first poll done, listening
        with session_scope() as session:
            # The daily purge, due now: a kind every worker knows, no provider involved.
            task = queue.enqueue(session, "retention_purge", {})
            session.commit()
            task_id = task.id
        queued = time.monotonic()
        while time.monotonic() - queued < 10:
            with session_scope() as session:
                status = session.scalar(select(Task.status).where(Task.id == task_id))
            if status == "done":
                break
            time.sleep(0.05)
        assert status == "done"
        assert time.monotonic() - queued < 5  # far before the 30 s poll
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
