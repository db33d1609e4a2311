"""Fresh, migrated databases for tests, cheaply: migrate once into a template, copy per test."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from backend.core import config as config_module
from backend.core import db as db_module

ROOT = Path(__file__).resolve().parents[2]
_counter = itertools.count()


def alembic_config(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False
    return cfg


def migrate(url: str) -> None:
    command.upgrade(alembic_config(url), "head")


def use_database(monkeypatch, url: str) -> None:
    """Point the backend of this process at ``url`` (settings and engine are cached)."""
    monkeypatch.setenv("DATABASE_URL", url)
    reset_caches()


def reset_caches() -> None:
    config_module.get_settings.cache_clear()
    if db_module.get_engine.cache_info().currsize:
        db_module.get_engine().dispose()
    db_module.get_engine.cache_clear()
    db_module.get_sessionmaker.cache_clear()


class SqliteFactory:
    def __init__(self, tmp_dir: Path) -> None:
        self.tmp_dir = tmp_dir
        self.template = tmp_dir / "template.db"
        migrate(f"sqlite:///{self.template}")

    def new(self) -> str:
        path = self.tmp_dir / f"test-{next(_counter)}.db"
        shutil.copy(self.template, path)
        return f"sqlite:///{path}"


class PostgresFactory:
    def __init__(self, server_url: str, url_for) -> None:
        self.admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
        self.url_for = url_for
        with self.admin.connect() as conn:
            conn.execute(text("CREATE DATABASE template_parcours"))
        migrate(url_for("template_parcours"))

    def new(self) -> str:
        name = f"test_{next(_counter)}"
        with self.admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name} TEMPLATE template_parcours"))
        return self.url_for(name)
