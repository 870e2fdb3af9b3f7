"""how extraction found each fact: method and confidence; a mention's own type

Revision ID: 0002_how_found
Revises: 0002_ingest_jobs
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0002_how_found"
down_revision: str | None = "0002_ingest_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("entities", "mentions", "roles", "quotes")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("method", sa.String(length=20), nullable=True))
            batch.add_column(sa.Column("confidence", sa.Float(), nullable=True))
    with op.batch_alter_table("mentions") as batch:
        batch.add_column(sa.Column("type", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mentions") as batch:
        batch.drop_column("type")
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("confidence")
            batch.drop_column("method")
