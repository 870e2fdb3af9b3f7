"""indexes for a large library

``ix_articles_newest``: articles in the timelines' order (published, newest first, undated
last; then added), so a page of a frequent entity's timeline needs no sort of all its
articles. ``ix_entities_article_library``: whether an article names a library entity, from
the index alone.

Revision ID: 0004_scale_indexes
Revises: rev1c0de5e7
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0004_scale_indexes"
down_revision: str | None = "rev1c0de5e7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_articles_newest",
        "articles",
        [
            sa.text("(published IS NULL)"),
            sa.text("published DESC"),
            sa.text("created_at DESC"),
            sa.text("id DESC"),
        ],
    )
    op.create_index("ix_entities_article_library", "entities", ["article_id", "library_id"])


def downgrade() -> None:
    op.drop_index("ix_entities_article_library", table_name="entities")
    op.drop_index("ix_articles_newest", table_name="articles")
