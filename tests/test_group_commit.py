"""Group commit (backend/core/group_commit.py): the writes waiting together share one
transaction, on SQLite and PostgreSQL; each caller gets its own result or its own error."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, update

from backend.core.db import session_scope
from backend.core.group_commit import GroupCommit, _Write, write_grouped
from backend.models import Contact


def add_contact(address: str):
    def work(session) -> int:
        contact = Contact(channel="sms", address=address)
        session.add(contact)
        session.flush()
        return contact.id

    return work


def addresses() -> list[str]:
    with session_scope() as session:
        return sorted(session.scalars(select(Contact.address)))


def test_writes_at_once_are_all_committed_each_with_its_result(database_url):
    numbers = [f"+336110009{n:02d}" for n in range(40)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        ids = list(pool.map(lambda number: write_grouped(add_contact(number)), numbers))
    assert len(set(ids)) == 40
    assert addresses() == numbers


def test_a_failing_write_undoes_only_itself(database_url):
    def failing(session) -> None:
        session.add(Contact(channel="sms", address="+33611000998"))
        session.flush()
        raise ValueError("refused")

    batch = [
        _Write(add_contact("+33611000997")),
        _Write(failing),
        _Write(add_contact("+33611000999")),
    ]
    GroupCommit._write(batch)
    assert [w.done.is_set() for w in batch] == [True, True, True]
    assert isinstance(batch[1].error, ValueError)
    assert batch[0].error is None and batch[2].error is None
    assert addresses() == ["+33611000997", "+33611000999"]
    with pytest.raises(ValueError):
        write_grouped(failing)
    assert addresses() == ["+33611000997", "+33611000999"]


def test_two_groups_locking_in_opposite_orders_both_end_stored(database_url):
    """Two backends' groups, each touching the same two contacts in the opposite order:
    PostgreSQL breaks the deadlock by undoing one write, which runs again alone."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite writes one transaction at a time: no deadlock")
    with session_scope() as session:
        first, second = (
            Contact(channel="sms", address="+33611000981"),
            Contact(channel="sms", address="+33611000982"),
        )
        session.add_all([first, second])
        session.flush()
        ids = (first.id, second.id)
    both_locked_one = threading.Barrier(2, timeout=10)

    def touch(contact_id: int, wait: bool):
        def work(session) -> int:
            session.execute(update(Contact).where(Contact.id == contact_id).values(verified=True))
            if wait:
                both_locked_one.wait()
            return contact_id

        return work

    groups = [
        [_Write(touch(ids[0], True)), _Write(touch(ids[1], False))],
        [_Write(touch(ids[1], True)), _Write(touch(ids[0], False))],
    ]
    threads = [threading.Thread(target=GroupCommit._write, args=(g,)) for g in groups]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    writes = groups[0] + groups[1]
    assert all(w.done.is_set() for w in writes)
    assert [w.error for w in writes] == [None] * 4
    assert [w.result for w in writes] == [ids[0], ids[1], ids[1], ids[0]]
