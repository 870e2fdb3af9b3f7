"""editors' corrections: audit log, redirects, extraction snapshots, source columns

Revision ID: 9c1e5a7d2b40
Revises: 0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "9c1e5a7d2b40"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOURCE_TABLES = ("entities", "mentions", "roles", "quotes")


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("edit_version", sa.Integer(), server_default="0", nullable=False)
        )
    for table in SOURCE_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("source", sa.String(length=10), server_default="auto", nullable=False)
            )
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("target", sa.String(length=100), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("anchor", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("anchored_sha256", sa.String(length=64), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("corrections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_corrections_article_id"), ["article_id"])
    op.create_table(
        "entity_redirects",
        sa.Column("old_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("old_key", sa.String(length=300), nullable=False),
        sa.Column("new_id", sa.Integer(), nullable=True),
        sa.Column("correction_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["correction_id"], ["corrections.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["new_id"], ["entities.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("old_id"),
    )
    with op.batch_alter_table("entity_redirects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entity_redirects_article_id"), ["article_id"])
        batch_op.create_index(batch_op.f("ix_entity_redirects_correction_id"), ["correction_id"])
    op.create_table(
        "extraction_snapshots",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id"),
    )


def downgrade() -> None:
    op.drop_table("extraction_snapshots")
    with op.batch_alter_table("entity_redirects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entity_redirects_correction_id"))
        batch_op.drop_index(batch_op.f("ix_entity_redirects_article_id"))
    op.drop_table("entity_redirects")
    with op.batch_alter_table("corrections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_corrections_article_id"))
    op.drop_table("corrections")
    for table in SOURCE_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("source")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("edit_version")
