from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from backend.models import Base
from tests.support.database import alembic_config


def test_migrations_match_the_models(database_url):
    """`alembic check`: the migrated schema has nothing the models lack, or the reverse."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == []
    command.check(alembic_config(database_url))


def test_downgrade_to_base_and_back(database_url):
    cfg = alembic_config(database_url)
    command.downgrade(cfg, "base")
    engine = create_engine(database_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    command.upgrade(cfg, "head")
    engine = create_engine(database_url)
    assert {"messages", "contacts", "situation_items", "tasks"} <= set(
        inspect(engine).get_table_names()
    )
    engine.dispose()
