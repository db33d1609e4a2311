"""The persistent task queue, on SQLite and PostgreSQL."""

import threading
from datetime import timedelta

from sqlalchemy import event, select

from backend.core.db import session_scope
from backend.models import Task, utcnow
from backend.services import queue


def test_dedupe_key_queues_a_job_once(db):
    assert queue.enqueue(db, "reminder", {"a": 1}, dedupe_key="rdv:1:48h") is not None
    assert queue.enqueue(db, "reminder", {"a": 1}, dedupe_key="rdv:1:48h") is None
    db.commit()
    assert len(db.scalars(select(Task)).all()) == 1


def test_without_a_lookup_the_insert_itself_refuses_a_duplicate(db):
    """``look_first=False`` (a webhook's task): no SELECT, the INSERT skips a key already
    queued, and the transaction goes on (nothing to roll back)."""
    task = queue.enqueue(db, "reminder", {"a": 1}, dedupe_key="rdv:2:48h", look_first=False)
    assert task is not None and task.id is not None and task.payload == {"a": 1}
    assert queue.enqueue(db, "reminder", {"a": 2}, dedupe_key="rdv:2:48h", look_first=False) is None
    queue.enqueue(db, "reminder", {"a": 3}, dedupe_key="rdv:3:48h", look_first=False)
    db.commit()
    rows = db.scalars(select(Task).order_by(Task.id)).all()
    assert [(t.dedupe_key, t.payload, t.status) for t in rows] == [
        ("rdv:2:48h", {"a": 1}, "pending"),
        ("rdv:3:48h", {"a": 3}, "pending"),
    ]


def test_tasks_of_one_key_run_in_order_and_one_at_a_time(db):
    for n in range(3):
        queue.enqueue(db, "turn", {"n": n}, key="contact:1")
    queue.enqueue(db, "turn", {"n": 9}, key="contact:2")
    db.commit()
    first = queue.claim_next(db, "w1")
    assert first.payload == {"n": 0}
    # While contact 1's first task runs, another worker gets contact 2, never contact 1.
    second = queue.claim_next(db, "w2")
    assert second.payload == {"n": 9}
    assert queue.claim_next(db, "w3") is None
    queue.complete(db, first, "w1")
    assert queue.claim_next(db, "w3").payload == {"n": 1}


def test_failure_retries_with_backoff_then_gives_up(db):
    task = queue.enqueue(db, "send", {}, max_attempts=2)
    db.commit()
    claimed = queue.claim_next(db, "w")
    queue.fail(db, claimed, "w", "timeout")
    db.refresh(task)
    assert task.status == "pending" and task.run_at > utcnow()
    assert queue.claim_next(db, "w") is None  # not before its retry time
    task.run_at = utcnow() - timedelta(seconds=1)
    db.commit()
    claimed = queue.claim_next(db, "w")
    queue.fail(db, claimed, "w", "timeout again")
    db.refresh(task)
    assert (task.status, task.attempts, task.last_error) == ("failed", 2, "timeout again")


def test_a_later_task_waits_for_an_earlier_one_being_retried(db):
    first = queue.enqueue(db, "turn", {"n": 0}, key="contact:7")
    queue.enqueue(db, "turn", {"n": 1}, key="contact:7")
    db.commit()
    claimed = queue.claim_next(db, "w")
    queue.fail(db, claimed, "w", "rasa down")
    assert queue.claim_next(db, "w") is None
    db.refresh(first)
    assert first.status == "pending"


def test_stale_running_tasks_are_recovered(db):
    task = queue.enqueue(db, "send", {})
    db.commit()
    claimed = queue.claim_next(db, "dead-worker")
    claimed.locked_until = utcnow() - timedelta(seconds=1)
    db.commit()
    assert queue.recover_stale(db) == 1
    db.refresh(task)
    assert task.status == "pending"


def test_concurrent_workers_never_run_a_task_twice(database_url):
    with session_scope() as session:
        for n in range(40):
            queue.enqueue(session, "job", {"n": n}, key=f"contact:{n % 5}")
    seen: list[int] = []
    lock = threading.Lock()

    def work(worker_id: str) -> None:
        while True:
            with session_scope() as session:
                task = queue.claim_next(session, worker_id)
                if task is None:
                    if not session.scalar(select(Task).where(Task.status != "done")):
                        return
                    continue
                with lock:
                    seen.append(task.payload["n"])
                queue.complete(session, task, worker_id)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(seen) == list(range(40))
    for key in range(5):  # each contact's tasks ran in their own order
        order = [n for n in seen if n % 5 == key]
        assert order == sorted(order)


def test_a_task_put_back_for_later_while_another_worker_read_it_is_not_claimed(database_url):
    """Worker B reads a due task; before B claims it, worker A claims it, fails, and puts it
    back for a minute (a provider's 500). B must not take it now: on SQLite B's read is no
    snapshot, and B once claimed it at once, so a retry came 20 ms after a failure instead
    of after its backoff (tests/faults/test_sending.py)."""
    from backend.core.db import get_engine

    with session_scope() as session:
        queue.enqueue(session, "send", {"n": 1})
    b_thread = threading.get_ident()
    a_claimed: list[bool] = []

    def worker_a() -> None:
        with session_scope() as session:
            task = queue.claim_next(session, "a")
            a_claimed.append(task is not None)
            if task is not None:
                queue.fail(session, task, "a", "HTTP 500", retry_in=60)

    def before_claim(_conn, _cursor, statement, *_args) -> None:
        # B's claim, after its read (on PostgreSQL B holds the row's lock: A skips it).
        if (
            threading.get_ident() == b_thread
            and statement.startswith("UPDATE tasks SET status")
            and not a_claimed
        ):
            a = threading.Thread(target=worker_a)
            a.start()
            a.join(timeout=30)

    event.listen(get_engine(), "before_cursor_execute", before_claim)
    try:
        with session_scope() as session:
            b_claimed = queue.claim_next(session, "b") is not None
    finally:
        event.remove(get_engine(), "before_cursor_execute", before_claim)
    assert a_claimed and a_claimed[0] != b_claimed  # one of them, never both
    with session_scope() as session:
        task = session.scalars(select(Task)).one()
        assert task.attempts == 1
        if a_claimed[0]:
            assert task.status == "pending" and task.run_at > utcnow() + timedelta(seconds=50)


def test_a_held_lease_is_refused_and_an_expired_one_taken_over(db):
    from backend.models import KeyLease

    assert queue.acquire_lease(db, "contact:7", "a")
    assert not queue.acquire_lease(db, "contact:7", "b")  # held: refused, no error
    assert queue.acquire_lease(db, "contact:8", "b")  # another key is free
    lease = db.get(KeyLease, "contact:7")
    lease.expires_at = utcnow() - timedelta(seconds=1)  # "a" died with it
    db.commit()
    assert queue.acquire_lease(db, "contact:7", "b")
    queue.release_lease(db, "contact:7", "a")  # a late release by the dead owner: not theirs
    db.expire_all()
    assert db.get(KeyLease, "contact:7").owner == "b"
    assert not queue.acquire_lease(db, "contact:7", "c")
