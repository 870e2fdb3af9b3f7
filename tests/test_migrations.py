from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from alembic import command
from app.cli import alembic_config
from app.db import make_engine
from app.models import Base
from app.search import is_search_object
from tests.conftest import only_on


def test_upgrade_and_downgrade_on_empty_database(empty_db_url: str) -> None:
    url = empty_db_url
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    tables = set(inspect(engine).get_table_names())
    assert {"articles", "paragraphs", "entities", "mentions", "quotes", "roles"} <= tables
    command.downgrade(alembic_config(url), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def test_models_match_migrations(empty_db_url: str) -> None:
    url = empty_db_url
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={"include_name": lambda name, type_, _: not is_search_object(name, type_)},
        )
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []


@only_on("sqlite", "PRAGMAs of SQLite's own")
def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


@only_on("sqlite", "AUTOINCREMENT is SQLite's; PostgreSQL's sequences never reuse ids")
def test_sqlite_never_reuses_ids_of_linked_rows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    with engine.connect() as conn:
        sql = dict(
            conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type='table'").all()
        )
    engine.dispose()
    for table in ("articles", "entities", "mentions", "roles"):
        assert "AUTOINCREMENT" in sql[table], table
