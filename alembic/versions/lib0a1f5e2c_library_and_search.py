"""library entities and full-text search

Library-wide entities (one identity per real-world entity across articles), their names,
word terms and co-mentions; ``entities.library_id``. On SQLite, FTS5 indexes of articles and
quotes kept in sync by triggers; other engines get their full-text index from their own
revision (PostgreSQL: a tsvector column), so this one skips FTS5 there.

Revision ID: lib0a1f5e2c
Revises: 0002_how_found
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from alembic import op

revision: str = "lib0a1f5e2c"
down_revision: str | None = "0002_how_found"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKENIZER = "porter unicode61 remove_diacritics 2"

SQLITE_FTS = [
    f"""CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, text, content='articles', content_rowid='id', tokenize='{TOKENIZER}')""",
    """CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END""",
    """CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
    END""",
    """CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END""",
    "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')",
    # Quotes have a text key, so their index keeps its own copy, keyed by the quote's id.
    f"""CREATE VIRTUAL TABLE quotes_fts USING fts5(
        text, quote_id UNINDEXED, tokenize='{TOKENIZER}')""",
    """CREATE TRIGGER quotes_fts_insert AFTER INSERT ON quotes BEGIN
        INSERT OR REPLACE INTO quotes_fts(rowid, text, quote_id)
        VALUES (new.rowid, new.text, new.id);
    END""",
    """CREATE TRIGGER quotes_fts_delete AFTER DELETE ON quotes BEGIN
        DELETE FROM quotes_fts WHERE rowid = old.rowid AND quote_id = old.id;
    END""",
    """CREATE TRIGGER quotes_fts_update AFTER UPDATE OF text ON quotes BEGIN
        DELETE FROM quotes_fts WHERE rowid = old.rowid AND quote_id = old.id;
        INSERT OR REPLACE INTO quotes_fts(rowid, text, quote_id)
        VALUES (new.rowid, new.text, new.id);
    END""",
    "INSERT INTO quotes_fts(rowid, text, quote_id) SELECT rowid, text, id FROM quotes",
]

SQLITE_FTS_DROP = [
    "DROP TRIGGER IF EXISTS quotes_fts_update",
    "DROP TRIGGER IF EXISTS quotes_fts_delete",
    "DROP TRIGGER IF EXISTS quotes_fts_insert",
    "DROP TABLE IF EXISTS quotes_fts",
    "DROP TRIGGER IF EXISTS articles_fts_update",
    "DROP TRIGGER IF EXISTS articles_fts_delete",
    "DROP TRIGGER IF EXISTS articles_fts_insert",
    "DROP TABLE IF EXISTS articles_fts",
]


def upgrade() -> None:
    op.create_table(
        "library_entities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("article_count", sa.Integer(), nullable=False),
        sa.Column("mention_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_library_entities_rank", "library_entities", ["article_count", "mention_count"]
    )
    op.create_index(
        "ix_library_entities_type_rank",
        "library_entities",
        ["type", "article_count", "mention_count"],
    )
    op.create_table(
        "library_names",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("library_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("folded", sa.String(length=300), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("named", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["library_id"], ["library_entities.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("library_id", "name", name="uq_library_name"),
    )
    op.create_index("ix_library_names_library_id", "library_names", ["library_id"])
    op.create_table(
        "library_terms",
        sa.Column(
            "term",
            sa.String(length=300).with_variant(
                sa.String(length=300, collation="C"), "postgresql"
            ),
            nullable=False,
        ),
        sa.Column("library_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["library_id"], ["library_entities.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("term", "library_id"),
    )
    op.create_index("ix_library_terms_library_id", "library_terms", ["library_id"])
    op.create_table(
        "library_comentions",
        sa.Column("library_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("sentences", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["library_id"], ["library_entities.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["other_id"], ["library_entities.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("library_id", "other_id"),
    )
    op.create_index(
        "ix_library_comentions_rank", "library_comentions", ["library_id", "sentences"]
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # In place: a batch copy of ``entities`` would drop the table, and with foreign keys
        # on, dropping it deletes every mention and role by cascade.
        op.execute(
            "ALTER TABLE entities ADD COLUMN library_id INTEGER "
            "REFERENCES library_entities (id)"
        )
        op.add_column("entities", sa.Column("library_key", sa.String(length=400)))
        op.add_column("entities", sa.Column("library_pin", sa.String(length=400)))
    else:
        op.add_column("entities", sa.Column("library_id", sa.Integer(), nullable=True))
        op.add_column("entities", sa.Column("library_key", sa.String(length=400)))
        op.add_column("entities", sa.Column("library_pin", sa.String(length=400)))
        op.create_foreign_key(
            "fk_entities_library_id",
            "entities",
            "library_entities",
            ["library_id"],
            ["id"],
        )
    op.create_index("ix_entities_library_id", "entities", ["library_id"])
    op.create_index("ix_quotes_speaker_id", "quotes", ["speaker_id"])

    if bind.dialect.name == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    from app.library import rebuild  # articles stored before this revision join the library

    session = Session(bind=bind)
    rebuild(session)
    session.flush()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_FTS_DROP:
            op.execute(statement)
    op.drop_index("ix_quotes_speaker_id", table_name="quotes")
    op.drop_index("ix_entities_library_id", table_name="entities")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_entities_library_id", "entities", type_="foreignkey")
    for column in ("library_pin", "library_key", "library_id"):
        op.drop_column("entities", column)
    op.drop_table("library_comentions")
    op.drop_table("library_terms")
    op.drop_table("library_names")
    op.drop_table("library_entities")
