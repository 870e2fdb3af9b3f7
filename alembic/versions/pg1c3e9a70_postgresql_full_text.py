"""full-text search on PostgreSQL: tsvector columns with GIN indexes

The PostgreSQL twin of the FTS5 indexes (revision lib0a1f5e2c): ``articles.search_vector``
(title weighted A, text B) and ``quotes.search_vector``, generated columns, so the database
keeps them in sync with every insert and update of the ingest transaction, with a GIN index
each. They use the text search configuration ``newsreader``: English stemming (as FTS5's
porter tokenizer) after the ``unaccent`` dictionary, so diacritics fold ("Ḥabbānīyah" finds
"Habbaniyah" and back) in documents, queries and snippets alike. ``unaccent`` ships with
PostgreSQL's contrib modules (in Debian's postgresql package and the official image) and
is a trusted extension: a database owner may create it.

On SQLite this revision does nothing.

Revision ID: pg1c3e9a70
Revises: jobs0b2c4d6e
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "pg1c3e9a70"
down_revision: str | None = "jobs0b2c4d6e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONFIG = "newsreader"

POSTGRESQL_UP = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    f"CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = pg_catalog.english)",
    # Words with non-ASCII letters (and their hyphenated parts) go through unaccent first.
    f"""ALTER TEXT SEARCH CONFIGURATION {CONFIG}
        ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem""",
    f"""ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('{CONFIG}'::regconfig, title), 'A')
        || setweight(to_tsvector('{CONFIG}'::regconfig, text), 'B')) STORED""",
    "CREATE INDEX ix_articles_search ON articles USING gin (search_vector)",
    f"""ALTER TABLE quotes ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('{CONFIG}'::regconfig, text)) STORED""",
    "CREATE INDEX ix_quotes_search ON quotes USING gin (search_vector)",
]

POSTGRESQL_DOWN = [
    "DROP INDEX IF EXISTS ix_quotes_search",
    "ALTER TABLE quotes DROP COLUMN IF EXISTS search_vector",
    "DROP INDEX IF EXISTS ix_articles_search",
    "ALTER TABLE articles DROP COLUMN IF EXISTS search_vector",
    f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {CONFIG}",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_DOWN:
            op.execute(statement)
