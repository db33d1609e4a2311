"""The background worker: runs queued tasks (inbound turns, sends, reminders).

Start one or several: ``python -m backend.worker``. Tasks of one contact run in order.

Its threads do not each poll the queue: they wait at a doorbell, and each ring lets one
thread claim one task. One listener thread rings once per ``WORKER_POLL_SECONDS`` (tasks that
became due: a retry, a reminder) and, on PostgreSQL, once per task announced (``LISTEN
task_ready``, backend/services/queue.py), so a new message is started at once. A claim that
saw more ready tasks than the one it took rings again, so a backlog keeps the threads going.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from backend.core.config import check_production, get_settings
from backend.core.db import session_scope
from backend.models import Task, TaskStatus
from backend.services import queue
from backend.tasks import HANDLERS, Handler, follow_up_key
from channels.setup import configure_channels

logger = logging.getLogger("worker")


def load_handlers() -> dict[str, Handler]:
    configure_channels()  # a no-op unless the settings changed (tests switch them)
    return HANDLERS


def run_task(task: Task, worker_id: str) -> None:
    """``task``: as claim_next returned it (its session closed): neither read again at the
    start nor before it is marked done."""
    task_id, kind, payload, key = task.id, task.kind, dict(task.payload), task.key
    error: str | None = None
    retry_in: float | None = None
    count_attempt = True
    follow_up = follow_up_key(kind, key)
    try:
        with queue.runs_here(follow_up):
            HANDLERS[kind](payload)
    except Exception as exc:  # one task's failure must not stop the worker
        error = f"{exc.__class__.__name__}: {exc}"
        retry_in = getattr(exc, "retry_in", None)
        count_attempt = getattr(exc, "counts_as_attempt", True)
        # The message may quote a number or a text: the log gets the class, the task row the rest.
        logger.warning("task %s (%s) failed: %s", task_id, kind, exc.__class__.__name__)
    with session_scope() as session:
        session.add(task)  # what claim_next wrote is what the row holds: no SELECT
        if error is None:
            queue.complete(session, task, worker_id)
        else:
            queue.fail(session, task, worker_id, error, retry_in, count_attempt=count_attempt)
            if task.status == TaskStatus.failed:
                on_final_failure(kind, payload)
    if follow_up is not None:
        try:
            run_ready(worker_id, follow_up)
        except Exception:  # what is left stays queued: another pass sends it
            logger.exception("tasks of %s after task %s", follow_up, task_id)


def run_ready(worker_id: str, key: str, max_tasks: int = 20) -> int:
    """Run the ready tasks of one key now, in order, in this thread: a turn's replies are sent
    as soon as they are stored. Each is claimed and finished like any queued task, so exactly
    once holds: another worker may have claimed it first, and a send that fails is left to the
    queue's backoff (it then holds the later sends of that key back, keeping their order)."""
    done = 0
    while done < max_tasks and run_next(worker_id, key=key):
        done += 1
    return done


def on_final_failure(kind: str, payload: dict[str, Any]) -> None:
    failure = HANDLERS.get(f"{kind}:failed")
    if failure is not None:
        try:
            failure(payload)
        except Exception:  # pragma: no cover - logged, nothing else to do
            logger.exception("failure handler of %s", kind)


def run_pending(worker_id: str, max_tasks: int = 1000) -> int:
    """Run ready tasks one after another until none is left; returns how many ran."""
    load_handlers()
    done = 0
    while done < max_tasks and run_next(worker_id):
        done += 1
    return done


def run_next(
    worker_id: str, on_backlog: Callable[[], None] | None = None, key: str | None = None
) -> bool:
    """Claim and run one ready task (of one ``key`` if given); False when none was ready.
    ``on_backlog``: called before the run when the claim saw more ready tasks than the one it
    took."""
    with session_scope() as session:
        task, more = queue.claim_with_backlog(session, worker_id, set(HANDLERS), key=key)
    if task is None:
        return False
    if more and on_backlog is not None:
        on_backlog()
    run_task(task, worker_id)
    return True


class Doorbell:
    """Where idle threads wait: each ring wakes one (rings beyond the idle threads are kept,
    up to ``limit``, for the threads that finish next)."""

    def __init__(self, limit: int) -> None:
        self._condition = threading.Condition()
        self._rings = 0
        self._limit = limit

    def ring(self, count: int = 1) -> None:
        with self._condition:
            self._rings = min(self._limit, self._rings + count)
            self._condition.notify(count)

    def wait(self, timeout: float) -> bool:
        """True when rung (False: the timeout passed first)."""
        with self._condition:
            if not self._rings:
                self._condition.wait(timeout)
            if self._rings:
                self._rings -= 1
                return True
            return False


# How often the listener puts back the tasks of a worker that died mid-run (their lock expired).
RECOVER_SECONDS = 5.0
# While PostgreSQL announces new tasks, the poll only finds those that became due (a retry, a
# reminder) or one announced while the connection was lost: once a second is enough.
POLL_WHILE_LISTENING = 1.0


def listen(stop: threading.Event, bell: Doorbell, poll_seconds: float) -> None:
    """Ring the doorbell at each poll and, on PostgreSQL, at each task announced."""
    notifications = TaskNotifications.for_database(get_settings().database_url)
    recover_at = 0.0
    try:
        while not stop.is_set():
            if time.monotonic() >= recover_at:
                try:
                    with session_scope() as session:
                        queue.recover_stale(session)
                except Exception:
                    logger.exception("recovering stale tasks")
                recover_at = time.monotonic() + RECOVER_SECONDS
            try:
                listening = notifications is not None and notifications.wait(
                    max(poll_seconds, POLL_WHILE_LISTENING), bell.ring
                )
            except Exception:  # the rings must go on: without them no thread claims
                logger.exception("listening for tasks")
                listening = False
            if not listening:
                stop.wait(poll_seconds)
            bell.ring()  # the poll: tasks that became due meanwhile
    finally:
        if notifications is not None:
            notifications.close()


class TaskNotifications:
    """PostgreSQL's ``LISTEN task_ready`` on a connection of its own (autocommit). A lost
    connection is opened again later; until then the poll alone wakes the threads."""

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self.connection: Any = None
        self.retry_at = 0.0

    @classmethod
    def for_database(cls, url: str) -> TaskNotifications | None:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        if parsed.get_backend_name() != "postgresql":
            return None
        conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        return cls(conninfo)

    def wait(self, seconds: float, on_task: Callable[[], None]) -> bool:
        """Call ``on_task`` for each announcement within ``seconds``; False at once when not
        listening (no connection: the caller polls)."""
        import psycopg

        if self.connection is None and time.monotonic() >= self.retry_at:
            try:
                self.connection = psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5)
                self.connection.execute(f"LISTEN {queue.TASK_CHANNEL}")
            except psycopg.Error as exc:
                logger.warning("LISTEN %s: %s", queue.TASK_CHANNEL, exc.__class__.__name__)
                self.close()
                self.retry_at = time.monotonic() + 5
        if self.connection is None:
            return False
        try:
            for _notification in self.connection.notifies(timeout=seconds):
                on_task()
        except psycopg.Error as exc:
            logger.warning("LISTEN %s lost: %s", queue.TASK_CHANNEL, exc.__class__.__name__)
            self.close()
            self.retry_at = time.monotonic() + 1
            return False
        return True

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(Exception):  # closing a broken connection
                self.connection.close()
        self.connection = None


def warm_up() -> None:
    """Load the questionnaire and read one answer to each question before the first turn:
    about 0.3 s of CPU that the first people's turns would otherwise wait for."""
    from backend.services.questionnaire.parser import parse_answer
    from backend.services.questionnaire.schema import load_questionnaire

    for question in load_questionnaire().questions:
        if question.options:
            parse_answer(question, question.options, "oui")


def serve(threads: int = 4) -> None:
    """Run the queue's tasks with ``threads`` threads, so that contacts are served in
    parallel, woken by one listener thread (see the module's docstring)."""
    settings = get_settings()
    check_production(settings)  # the same refusal as the web process
    load_handlers()
    warm_up()
    from backend.services import retention

    with session_scope() as session:
        retention.ensure_scheduled(session)  # the daily purge (RETENTION_DAYS)
    stop = threading.Event()
    bell = Doorbell(limit=threads)
    base_id = f"{socket.gethostname()}-{os.getpid()}"

    def loop(index: int) -> None:
        worker_id = f"{base_id}-{index}"
        while not stop.is_set():
            # One claim per ring, none after a task unless the claim saw more (the backlog
            # rings): an idle worker's threads cost nothing and no claim comes back empty
            # just to find out. The timeout only lets the thread see ``stop``.
            if not bell.wait(1.0):
                continue
            try:
                run_next(worker_id, on_backlog=bell.ring)
            except Exception:
                logger.exception("worker loop")

    def shutdown(*_: Any) -> None:
        stop.set()
        bell.ring(threads)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    logger.info("worker started with %d threads", threads)
    with ThreadPoolExecutor(max_workers=threads + 1) as pool:
        pool.submit(listen, stop, bell, settings.worker_poll_seconds)
        for i in range(threads):
            pool.submit(loop, i)
        while not stop.is_set():
            time.sleep(0.2)
    logger.info("worker stopped")


if __name__ == "__main__":
    from backend.core.logs import configure_logging

    configure_logging()  # redacted, and HTTP clients quiet (httpx logs Telegram's token URL)
    serve(int(os.environ.get("WORKER_THREADS", "4")))
