"""The start-up schema check reads what Alembic would say, without importing Alembic."""

from pathlib import Path

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from alembic import command
from app.cli import alembic_config
from app.db import make_engine
from app.schema_version import code_heads, database_heads


def test_the_heads_of_the_migration_scripts_are_alembics() -> None:
    alembics = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    assert alembics and code_heads() == alembics


def _revision(directory: Path, name: str, down: str, annotated: bool = True) -> None:
    kind = ": str | tuple[str, ...] | None" if annotated else ""
    (directory / f"{name}.py").write_text(
        f'"""{name}"""\nrevision{": str" if annotated else ""} = "{name}"\n'
        f"down_revision{kind} = {down}\n\n\ndef upgrade() -> None:\n    pass\n"
    )


def test_branches_and_merges_have_the_heads_alembic_gives_them(tmp_path: Path) -> None:
    _revision(tmp_path, "base", "None")
    _revision(tmp_path, "left", '"base"')
    _revision(tmp_path, "right", "'base'", annotated=False)
    (tmp_path / "notes.py").write_text("# not a revision\n")
    assert code_heads(tmp_path) == {"left", "right"}
    _revision(tmp_path, "merged", '("left", "right")')
    assert code_heads(tmp_path) == {"merged"}


def test_a_revision_id_that_is_not_a_literal_is_refused(tmp_path: Path) -> None:
    (tmp_path / "odd.py").write_text("revision = make_id()\ndown_revision = None\n")
    with pytest.raises(ValueError):
        code_heads(tmp_path)


def test_the_database_heads_are_alembics(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    with engine.connect() as conn:
        assert database_heads(conn) == set()  # never migrated: no version table
    command.upgrade(alembic_config(empty_db_url), "head")
    with engine.connect() as conn:
        alembics = set(MigrationContext.configure(conn).get_current_heads())
        assert database_heads(conn) == alembics == code_heads()
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000_older'"))
    with engine.connect() as conn:
        assert database_heads(conn) == {"0000_older"}
    engine.dispose()
