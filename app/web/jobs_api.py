"""Ingest jobs over HTTP: ``GET /api/jobs/{id}``, and queueing an article then waiting for it
(what ``POST /api/articles`` and the browser's form do)."""

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool

from app.ingest.service import ArticleInput, prepare
from app.jobs import Jobs, JobStatus
from app.web.deps import LinksDep
from app.web.schemas import ErrorOut, JobOut

router = APIRouter()


async def check_and_queue(state: Any, item: ArticleInput, filename: str | None = None,
                          batch: bool = False) -> tuple[str, str | None]:
    """Queue ``item`` (job id, batch id) once it is known to be good input: bad input raises
    ``IngestError`` here and never becomes a job; ``JobsUnavailable`` when the queue is down.
    With ``batch`` the job is a batch of one, whose page can follow it."""
    await run_in_threadpool(prepare, item, state.settings.max_article_chars)
    jobs: Jobs = state.jobs
    if batch:
        from app.jobs import BatchItem

        batch_id = await run_in_threadpool(jobs.enqueue_batch, [BatchItem(
            filename or "pasted text", item.text, item.title, item.source, item.published)])
        (job,) = await run_in_threadpool(jobs.batch_status, batch_id)
        return job.id, batch_id
    return await run_in_threadpool(jobs.enqueue_ingest, item, filename), None


async def wait_for(state: Any, job_id: str, seconds: float | None = None) -> JobStatus:
    """The job once finished, or as it is after ``seconds`` (at most the ingest timeout)."""
    jobs: Jobs = state.jobs
    limit = state.settings.ingest_timeout
    if seconds is not None:
        limit = min(seconds, limit)
    return await jobs.wait(job_id, limit)


@router.get(
    "/api/jobs/{job_id}", tags=["jobs"],
    responses={404: {"model": ErrorOut, "description": "no such job"}},
)
async def get_job(job_id: str, request: Request, response: Response, links: LinksDep
                  ) -> JobOut:
    """An ingest job: its state (queued, running, done, failed), the article it made or
    changed, or why it failed."""
    jobs: Jobs = request.app.state.jobs
    status = await run_in_threadpool(jobs.job_status, job_id)
    if status is None:
        raise HTTPException(404, f"no job {job_id!r}")
    response.headers["Cache-Control"] = "no-store"  # it changes until it is finished
    return JobOut.of(status, links)
