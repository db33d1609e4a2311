"""Group commit: webhooks that arrive together are written in one transaction.

On SQLite every commit is a sync of the file to disk (5-15 ms on a small machine), and only one
write happens at a time: one commit per webhook caps the rate near 70 a second and queues the
rest. Here one writer thread takes every write waiting, runs each in its own savepoint (a
failing one does not undo the others), commits once, then answers each caller. A caller is
answered only after the commit: what it was told is stored is on disk.

PostgreSQL already groups concurrent commits in its write-ahead log: there each call is its own
transaction.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from .db import get_engine, session_scope, write_transaction

logger = logging.getLogger(__name__)

MAX_BATCH = 64


@dataclass
class _Write:
    work: Callable[[Session], Any]
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None


class GroupCommit:
    def __init__(self) -> None:
        self._pending: queue.SimpleQueue[_Write] = queue.SimpleQueue()
        self._started = False
        self._start_lock = threading.Lock()

    def run(self, work: Callable[[Session], Any]) -> Any:
        """``work(session)`` inside the next group's transaction; its result once committed."""
        self._start()
        write = _Write(work)
        self._pending.put(write)
        write.done.wait()
        if write.error is not None:
            raise write.error
        return write.result

    def _start(self) -> None:
        with self._start_lock:
            if not self._started:
                threading.Thread(target=self._loop, name="group-commit", daemon=True).start()
                self._started = True

    def _loop(self) -> None:
        while True:
            batch = [self._pending.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._pending.get_nowait())
                except queue.Empty:
                    break
            self._write(batch)

    @staticmethod
    def _write(batch: list[_Write]) -> None:
        if len(batch) == 1:
            GroupCommit._write_alone(batch[0])
            return
        try:
            with session_scope() as session, write_transaction(session):
                for write in batch:
                    try:
                        with session.begin_nested():
                            write.result = write.work(session)
                    except Exception as exc:  # this write only; the others go on
                        write.error = exc
        except BaseException as exc:  # the commit failed: nothing of the group is stored
            logger.exception("group commit of %d writes failed", len(batch))
            for write in batch:
                write.error = write.error or exc
        finally:
            for write in batch:
                write.done.set()

    @staticmethod
    def _write_alone(write: _Write) -> None:
        """A group of one: its transaction is its own, no savepoint needed (two round trips
        less on PostgreSQL)."""
        try:
            with session_scope() as session, write_transaction(session):
                write.result = write.work(session)
        except BaseException as exc:
            write.error = exc
        finally:
            write.done.set()


_group = GroupCommit()


def write_grouped(work: Callable[[Session], Any]) -> Any:
    """Run ``work(session)`` in a committed transaction: grouped with others on SQLite, its own
    transaction on PostgreSQL. Returns its result once it is on disk."""
    if get_engine().dialect.name == "sqlite":
        return _group.run(work)
    with session_scope() as session, write_transaction(session):
        return work(session)
