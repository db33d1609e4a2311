"""Engine and session factory; one engine per process, built from DATABASE_URL."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, create_engine, event, exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from .config import get_settings


def normalise_url(url: str) -> str:
    # Accept the usual postgres:// and postgresql:// forms; we ship psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# How long a SQLite write waits for another one to finish before failing. Writes take
# milliseconds, but an RDV-Solidarités rdv with 500 people holds the write lock for 3-7 s on a
# small machine; under Twilio's 15 s webhook timeout, and short enough that a stuck
# transaction shows up as an error rather than a frozen backend.
SQLITE_BUSY_TIMEOUT_SECONDS = 15


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    # Errors (and their logs) never carry statement parameters: they hold phone numbers,
    # names and message texts.
    common = {"hide_parameters": True}
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            **common,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            # WAL lets the web process read while the worker writes.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
            cursor.close()

        return engine
    engine = create_engine(url, pool_size=10, max_overflow=10, **common)
    ping_when_idle(engine, PING_AFTER_IDLE_SECONDS)
    return engine


# A pooled PostgreSQL connection is checked (a round trip) before use only when it sat idle
# this long: the restart, failover or firewall that drops connections happens while they wait.
# SQLAlchemy's pool_pre_ping checks at every checkout: about nine round trips per turn under
# load, 4% of a worker's CPU and PostgreSQL's share (bench/load.py, py-spy). A connection that
# breaks in steady use fails one statement; SQLAlchemy then drops the whole pool's connections,
# and the queue retries the task.
PING_AFTER_IDLE_SECONDS = 2.0


def ping_when_idle(engine: Engine, seconds: float) -> None:
    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("checked_in_at")  # None: a new connection, just made
        if since is None or time.monotonic() - since < seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            # The pool throws this connection away and checks out another (a new one if need be).
            raise exc.DisconnectionError("idle connection is gone") from error


@lru_cache
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


@contextmanager
def session_scope() -> Iterator[Session]:
    session = get_sessionmaker()()
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


def insert_unless_duplicate(
    session: Session, entity: type, values: dict[str, Any], unique: tuple[str, ...]
) -> Any:
    """INSERT one ``entity`` row, ``ON CONFLICT (unique) DO NOTHING`` (both engines have it):
    the new object, or None when a row with the same ``unique`` values exists (or is being
    written by another transaction, which it waits for). One statement where a savepoint, the
    INSERT, its release and a rollback after a conflict were four round trips."""
    statement = _insert_unless_duplicate(
        session.get_bind().dialect.name, entity, tuple(values), unique
    )
    return session.scalar(statement, values)


@lru_cache(maxsize=64)
def _insert_unless_duplicate(
    dialect: str, entity: type, columns: tuple[str, ...], unique: tuple[str, ...]
) -> Any:
    """Built once (building it costs more CPU than running it); values are bound at run."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(entity)
        .values({column: bindparam(column) for column in columns})
        .on_conflict_do_nothing(index_elements=list(unique))
        .returning(entity)
    )


# One SQLite write transaction at a time per process: threads queue here, in order, instead of
# in SQLite's busy handler (which sleeps 1, 2, 5... up to 100 ms between tries).
_sqlite_writes = threading.Lock()


@contextmanager
def write_transaction(session: Session) -> Iterator[None]:
    """Run the block as one transaction, committed at its end (one disk sync, not one per
    step). On SQLite the write lock is taken first (``BEGIN IMMEDIATE``): in the driver's default
    mode a SAVEPOINT outside a transaction is a transaction of its own, so each
    ``begin_nested()`` released was a commit, and each commit a sync of the file."""
    if session.get_bind().dialect.name != "sqlite":
        with _commit_or_rollback(session):
            yield
        return
    with _sqlite_writes:
        session.connection().exec_driver_sql("BEGIN IMMEDIATE")
        with _commit_or_rollback(session):
            yield


@contextmanager
def _commit_or_rollback(session: Session) -> Iterator[None]:
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
