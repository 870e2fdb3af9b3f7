"""ingest jobs on huey: the job records and huey's queue tables replace ingest_jobs

Revision ID: jobs0b2c4d6e
Revises: 0004_scale_indexes
Create Date: 2026-12-03

Jobs queued in the old table are carried over (their files are still waiting); the worker
picks them up once they are on the queue again (``python -m app worker`` re-enqueues every
queued job it finds without a queue entry at start-up).
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "jobs0b2c4d6e"
down_revision: str | None = "0004_scale_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("batch_id", sa.String(length=32), nullable=True),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("slug", sa.String(length=200), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=True),
        sa.Column("source", sa.String(length=2000), nullable=True),
        sa.Column("published", sa.Date(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("article_slug", sa.String(length=200), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=1000), nullable=True),
        sa.Column("error_status", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_jobs_batch", "jobs", ["batch_id", "position"])
    op.create_table(
        "job_queue_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(length=255), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("priority", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_job_queue_task_order", "job_queue_task", ["priority", "id"])
    op.create_table(
        "job_queue_schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(length=255), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_job_queue_schedule_due", "job_queue_schedule", ["queue", "timestamp"])
    op.create_table(
        "job_queue_kv",
        sa.Column("queue", sa.String(length=255), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("queue", "key"),
    )
    op.create_table(
        "job_queue_counter",
        sa.Column("queue", sa.String(length=255), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("queue", "key"),
    )
    # Files still waiting in the old table become queued jobs; finished ones are history.
    op.execute(
        "INSERT INTO jobs (id, state, batch_id, position, filename, text, title, source, "
        "published, attempts, created_at, updated_at) "
        "SELECT 'old' || CAST(id AS VARCHAR(20)), 'queued', batch_id, position, filename, text, "
        "title, source, published, 0, created_at, updated_at FROM ingest_jobs "
        "WHERE status IN ('queued', 'running') AND text IS NOT NULL"
    )
    op.drop_index("ix_ingest_jobs_status", table_name="ingest_jobs")
    op.drop_index("ix_ingest_jobs_batch", table_name="ingest_jobs")
    op.drop_table("ingest_jobs")


def downgrade() -> None:
    op.create_table(
        "ingest_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=True),
        sa.Column("source", sa.String(length=2000), nullable=True),
        sa.Column("published", sa.Date(), nullable=True),
        sa.Column("slug", sa.String(length=200), nullable=True),
        sa.Column("error", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ingest_jobs_batch", "ingest_jobs", ["batch_id", "position"])
    op.create_index("ix_ingest_jobs_status", "ingest_jobs", ["status"])
    op.drop_table("job_queue_counter")
    op.drop_table("job_queue_kv")
    op.drop_index("ix_job_queue_schedule_due", table_name="job_queue_schedule")
    op.drop_table("job_queue_schedule")
    op.drop_index("ix_job_queue_task_order", table_name="job_queue_task")
    op.drop_table("job_queue_task")
    op.drop_index("ix_jobs_batch", table_name="jobs")
    op.drop_table("jobs")
