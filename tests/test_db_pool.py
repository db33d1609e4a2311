"""PostgreSQL connections: checked before use only after they sat idle (backend/core/db.py)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from backend.core import db


@pytest.fixture
def postgres_url(postgres_factory) -> str:
    return postgres_factory.new()


def counting_pings(engine) -> list[int]:
    """Counts the dialect's pings on this engine (SQLAlchemy's own ping, still run)."""
    pings: list[int] = []
    ping = engine.dialect.do_ping

    def counted(dbapi_connection):
        pings.append(1)
        return ping(dbapi_connection)

    engine.dialect.do_ping = counted
    return pings


def backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_a_connection_in_steady_use_is_not_pinged(postgres_url, monkeypatch):
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 60.0)
    engine = db.make_engine(postgres_url)
    pings = counting_pings(engine)
    pids = {backend_pid(engine) for _ in range(20)}
    assert len(pids) == 1  # the same pooled connection each time
    assert pings == []
    engine.dispose()


def test_an_idle_connection_dropped_by_the_server_is_replaced_before_use(postgres_url, monkeypatch):
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.2)
    engine = db.make_engine(postgres_url)
    pings = counting_pings(engine)
    dropped = backend_pid(engine)
    # What a PostgreSQL restart or a firewall does to a connection waiting in the pool.
    admin = db.make_engine(postgres_url)
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
    admin.dispose()
    time.sleep(0.3)

    assert backend_pid(engine) != dropped  # no error: the ping found it gone
    assert len(pings) == 1
    engine.dispose()
