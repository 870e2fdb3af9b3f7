from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

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


def _vector_bytes_out_of_line(engine: Engine) -> tuple[int, int]:
    """(bytes in the articles' TOAST table, bytes of the one article's search vector)."""
    with engine.connect() as conn:
        toast = conn.execute(text(
            "SELECT reltoastrelid::regclass::text FROM pg_class WHERE relname = 'articles'"
        )).scalar_one()
        toasted = conn.execute(text(
            f"SELECT coalesce(sum(octet_length(chunk_data)), 0) FROM {toast}")).scalar_one()
        vector = conn.execute(text(
            "SELECT pg_column_size(search_vector) FROM articles")).scalar_one()
    return int(toasted), int(vector)


@only_on("postgresql", "TOAST storage is PostgreSQL's")
def test_search_vectors_move_into_their_rows(empty_db_url: str) -> None:
    """Revision 0005 keeps an article's search vector in its row (a common word's ranking
    reads every one), rows stored before it too."""
    url = empty_db_url
    command.upgrade(alembic_config(url), "pg1c3e9a70")
    engine = make_engine(url)
    # About 3 KB of vector: out of line under the default storage, in the row under MAIN.
    body = " ".join(f"word{i:04d}" for i in range(300))
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO articles (slug, title, text, content_sha256, revision, created_at, "
            "updated_at) VALUES ('a', 'A title', :body, 'x', 1, now(), now())"), {"body": body})
    toasted, vector = _vector_bytes_out_of_line(engine)
    assert toasted >= vector > 2500, (toasted, vector)
    engine.dispose()
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    toasted, vector = _vector_bytes_out_of_line(engine)
    assert toasted < vector, (toasted, vector)
    with engine.begin() as conn:  # and rows stored from now on
        conn.execute(text(
            "INSERT INTO articles (slug, title, text, content_sha256, revision, created_at, "
            "updated_at) VALUES ('b', 'B title', :body, 'y', 1, now(), now())"),
            {"body": body.replace("word", "term")})
        conn.execute(text("DELETE FROM articles WHERE slug = 'a'"))
    with engine.connect() as conn:
        storage = conn.execute(text(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = 'articles'::regclass "
            "AND attname = 'search_vector'")).scalar_one()
    assert storage == "m"
    toasted, vector = _vector_bytes_out_of_line(engine)
    engine.dispose()
    assert toasted < vector, (toasted, vector)
