"""Ingest jobs for the browser's multi-file uploads: a batch of files, one job per file.

The smallest honest queue: rows in the application's own database, claimed one at a time
with a conditional UPDATE (so two server processes never run the same job), carrying the
text to ingest so a server restart loses nothing. The web layer's runner drains it through
the extraction worker. Replaceable by a job-queue library behind these functions.
"""

import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.models import IngestJob, utcnow

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
MAX_ERROR_CHARS = 1000


@dataclass(frozen=True)
class BatchItem:
    filename: str
    text: str | None  # None when the file could not be read; ``error`` says why
    title: str | None = None
    source: str | None = None
    published: date | None = None
    error: str | None = None


def create_batch(session: Session, items: list[BatchItem]) -> str:
    """Queue one job per readable item (unreadable ones are failed at once); the batch id."""
    batch_id = secrets.token_urlsafe(12)
    for position, item in enumerate(items):
        failed = item.text is None or item.error is not None
        session.add(IngestJob(
            batch_id=batch_id, position=position, filename=item.filename[:255],
            status=FAILED if failed else QUEUED, text=None if failed else item.text,
            title=item.title, source=item.source, published=item.published,
            error=(item.error or "the file could not be read")[:MAX_ERROR_CHARS]
            if failed else None,
        ))
    return batch_id


def jobs_of(session: Session, batch_id: str) -> list[IngestJob]:
    query = select(IngestJob).where(IngestJob.batch_id == batch_id).order_by(IngestJob.position)
    return list(session.scalars(query))


def claim_next(session: Session) -> IngestJob | None:
    """The oldest queued job, now marked running by this caller (and no other)."""
    for job_id in session.scalars(
        select(IngestJob.id).where(IngestJob.status == QUEUED).order_by(IngestJob.id).limit(5)
    ):
        claimed = session.execute(
            update(IngestJob)
            .where(IngestJob.id == job_id, IngestJob.status == QUEUED)
            .values(status=RUNNING, updated_at=utcnow())
        )
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            return session.get(IngestJob, job_id)
    return None


def finish(session: Session, job_id: int, slug: str | None = None, error: str | None = None
           ) -> None:
    """Done with the article's slug, or failed with the reason; the text is no longer kept."""
    session.execute(
        update(IngestJob).where(IngestJob.id == job_id).values(
            status=FAILED if error is not None else DONE,
            slug=slug,
            error=error[:MAX_ERROR_CHARS] if error is not None else None,
            text=None,
            updated_at=utcnow(),
        )
    )


def requeue_interrupted(session: Session) -> int:
    """Jobs left running by a server that stopped go back to the queue; how many."""
    result = session.execute(
        update(IngestJob).where(IngestJob.status == RUNNING).values(status=QUEUED)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def has_queued(session: Session) -> bool:
    query = select(IngestJob.id).where(IngestJob.status == QUEUED).limit(1)
    return session.scalar(query) is not None
