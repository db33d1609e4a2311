"""The background worker: runs queued tasks (inbound turns, sends, reminders).

Start one or several: ``python -m backend.worker``. Tasks of one contact run in order.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
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
    try:
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
    follow_up = follow_up_key(kind, key)
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
    while done < max_tasks:
        with session_scope() as session:
            task = queue.claim_next(session, worker_id, set(HANDLERS), key=key)
        if task is None:
            break
        run_task(task, worker_id)
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
    while done < max_tasks:
        with session_scope() as session:
            task = queue.claim_next(session, worker_id, set(HANDLERS))
        if task is None:
            return done
        run_task(task, worker_id)
        done += 1
    return done


def warm_up() -> None:
    """Load the questionnaire and read one answer to each question before the first turn:
    about 0.3 s of CPU that the first people's turns would otherwise wait for."""
    from backend.services.questionnaire.parser import parse_answer
    from backend.services.questionnaire.schema import load_questionnaire

    for question in load_questionnaire().questions:
        if question.options:
            parse_answer(question, question.options, "oui")


def serve(threads: int = 4) -> None:
    """Poll the queue; several threads so that contacts are served in parallel."""
    settings = get_settings()
    check_production(settings)  # the same refusal as the web process
    load_handlers()
    warm_up()
    from backend.services import retention

    with session_scope() as session:
        retention.ensure_scheduled(session)  # the daily purge (RETENTION_DAYS)
    stop = threading.Event()
    base_id = f"{socket.gethostname()}-{os.getpid()}"

    def loop(index: int) -> None:
        worker_id = f"{base_id}-{index}"
        while not stop.is_set():
            try:
                if index == 0:
                    with session_scope() as session:
                        queue.recover_stale(session)
                ran = run_pending(worker_id, max_tasks=50)
            except Exception:
                logger.exception("worker loop")
                ran = 0
            if not ran:
                stop.wait(settings.worker_poll_seconds)

    def shutdown(*_: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    logger.info("worker started with %d threads", threads)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for i in range(threads):
            pool.submit(loop, i)
        while not stop.is_set():
            time.sleep(0.2)
    logger.info("worker stopped")


if __name__ == "__main__":
    from backend.core.logs import configure_logging

    configure_logging()  # redacted, and HTTP clients quiet (httpx logs Telegram's token URL)
    serve(int(os.environ.get("WORKER_THREADS", "4")))
