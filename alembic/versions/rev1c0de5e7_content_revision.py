"""content revision: one counter every write that changes a page bumps

Server workers keep rendered responses per revision and read this row at each request, so a
write through any worker or the CLI is served by all of them at once.

Revision ID: rev1c0de5e7
Revises: 0003_library_corrections
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "rev1c0de5e7"
down_revision: str | None = "0003_library_corrections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "content_revision",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("value", sa.Integer(), nullable=False),
    )
    op.bulk_insert(table, [{"id": 1, "value": 0}])


def downgrade() -> None:
    op.drop_table("content_revision")
