"""Shared fixtures. Backend tests run on SQLite and on a real PostgreSQL (started here).

Set REQUIRE_POSTGRES=1 (CI does) to fail rather than skip when PostgreSQL is missing.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from tests.support.database import (  # noqa: E402
    PostgresFactory,
    SqliteFactory,
    reset_caches,
    use_database,
)
from tests.support.postgres import PostgresServer, find_bin_dir  # noqa: E402


@pytest.fixture(scope="session")
def sqlite_factory(tmp_path_factory) -> SqliteFactory:
    return SqliteFactory(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture(scope="session")
def postgres_factory() -> Iterator[PostgresFactory]:
    if find_bin_dir() is None:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL is required (REQUIRE_POSTGRES=1) but not installed")
        pytest.skip("PostgreSQL is not installed")
    server = PostgresServer()
    server_url = server.start()
    try:
        yield PostgresFactory(server_url, server.url)
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, monkeypatch) -> Iterator[str]:
    """A fresh, migrated database on each backend; the app in this process points at it."""
    factory_name = "sqlite_factory" if request.param == "sqlite" else "postgres_factory"
    url = request.getfixturevalue(factory_name).new()
    use_database(monkeypatch, url)
    yield url
    reset_caches()


@pytest.fixture
def sqlite_url(sqlite_factory, monkeypatch) -> Iterator[str]:
    """SQLite only, for tests that are not about the store."""
    url = sqlite_factory.new()
    use_database(monkeypatch, url)
    yield url
    reset_caches()


@pytest.fixture
def db(database_url) -> Iterator[Session]:
    from backend.core.db import get_sessionmaker

    session = get_sessionmaker()()
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def client(database_url) -> Iterator[TestClient]:
    from backend.main import create_app

    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def bot_headers() -> dict[str, str]:
    from backend.core.config import get_settings

    return {"Authorization": f"Bearer {get_settings().bot_api_token}"}
