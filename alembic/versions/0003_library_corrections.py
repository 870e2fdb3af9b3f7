"""editors' library corrections: merges and detachments of library entities

Revision ID: 0003_library_corrections
Revises: lib0a1f5e2c
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0003_library_corrections"
down_revision: str | None = "lib0a1f5e2c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "library_corrections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("library_id", sa.Integer(), sa.ForeignKey("library_entities.id"),
                  nullable=False),
        sa.Column("into_id", sa.Integer(), sa.ForeignKey("library_entities.id"),
                  nullable=True),
        sa.Column("article_id", sa.Integer(),
                  sa.ForeignKey("articles.id", ondelete="SET NULL"), nullable=True),
        sa.Column("entity_key", sa.String(length=300), nullable=True),
        sa.Column("anchor", sa.JSON(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_library_corrections_library_id", "library_corrections", ["library_id"])
    op.create_index("ix_library_corrections_into_id", "library_corrections", ["into_id"])
    op.create_index("ix_library_corrections_article_id", "library_corrections", ["article_id"])
    op.create_index("ix_library_corrections_merge", "library_corrections", ["action", "status"])


def downgrade() -> None:
    op.drop_table("library_corrections")
