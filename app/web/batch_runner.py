"""Drains the queue of uploaded files in the background of the server process.

One task per server process, started when a batch is queued (and at start-up, for jobs a
stopped server left behind). Each job goes through the same ingest entry point as the JSON
API: extraction in the worker process, so serving goes on.
"""

import asyncio
import logging
from typing import Any

from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import SQLAlchemyError

from app import batches
from app.db import session_scope
from app.ingest.service import ArticleInput, IngestError
from app.ingest.worker import WorkerUnavailable
from app.web.ingesting import ingest_through_worker

log = logging.getLogger(__name__)


class BatchRunner:
    def __init__(self, state: Any) -> None:
        self.state = state
        self._task: asyncio.Task[None] | None = None

    def kick(self) -> None:
        """Make sure a task is draining the queue (call from the event loop)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._drain())

    async def resume(self) -> None:
        """At start-up: jobs a stopped server left running are queued again and run."""
        def requeue() -> bool:
            with session_scope(self.state.session_factory) as session:
                batches.requeue_interrupted(session)
                return batches.has_queued(session)

        try:
            pending = await run_in_threadpool(requeue)
        except SQLAlchemyError as exc:
            # An unmigrated or unreachable database: the server still starts (and says so
            # with 503s); there is nothing to resume.
            log.warning("ingest jobs not resumed: %s", exc.__class__.__name__)
            return
        if pending:
            self.kick()

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def wait_idle(self) -> None:
        """For tests and shutdown: until the queue is empty."""
        while self._task is not None and not self._task.done():
            await asyncio.sleep(0.01)

    def _claim(self) -> tuple[int, ArticleInput] | None:
        with session_scope(self.state.session_factory) as session:
            job = batches.claim_next(session)
            if job is None:
                return None
            item = ArticleInput(job.text or "", None, job.title, job.source, job.published)
            return job.id, item

    def _finish(self, job_id: int, slug: str | None, error: str | None) -> None:
        with session_scope(self.state.session_factory) as session:
            batches.finish(session, job_id, slug, error)

    async def _drain(self) -> None:
        while (claimed := await run_in_threadpool(self._claim)) is not None:
            job_id, item = claimed
            slug, error = None, None
            try:
                slug = (await ingest_through_worker(self.state, item)).slug
            except (IngestError, WorkerUnavailable) as exc:
                error = str(exc)
            except Exception:  # noqa: BLE001 - one bad job must not stop the others
                log.exception("ingest job %s failed", job_id)
                error = "an unexpected error stopped this file; see the server log"
            await run_in_threadpool(self._finish, job_id, slug, error)
