"""Ingest jobs: the browser's uploads and ``POST /api/articles``, run by extraction workers.

The queue is huey's (``SqlStorage`` over peewee) in the database the app already has: the
``job_queue_*`` tables, on SQLite and on PostgreSQL alike (where workers claim tasks with
``FOR UPDATE SKIP LOCKED``). Any number of ``python -m app worker`` processes consume it, on
this machine or others. What a user asks about a job (state, result, reason) is in the
``jobs`` table, written by the server when it queues a job and by the worker that runs it, so
every server process reads the same answer.

A job runs once per delivery; when its extraction crashes, times out or finds no model it is
retried once (huey's ``retries=1``) and then marked failed with the reason. Bad input fails at
once: trying again would not help. A job whose worker was stopped is put back on the queue, and
one whose worker died without a word is found by the next worker that starts (or by a running
worker's periodic check) once it cannot possibly still be running.
"""

import asyncio
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.db import parse_url, session_scope
from app.ingest.service import ArticleInput, Extractor, IngestError, ingest_article
from app.models import Job, utcnow

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
FINISHED = (DONE, FAILED)
RETRIES = 1  # a crashed job runs at most twice
MAX_ERROR_CHARS = 1000
UNAVAILABLE = 503  # error_status of a job whose extraction could not run
QUEUE_NAME = "ingest"
TABLE_PREFIX = "job_queue_"


class JobsUnavailable(RuntimeError):
    """The queue cannot take the job (its database is unreachable); says why."""


@dataclass(frozen=True)
class BatchItem:
    """One file of a browser upload."""

    filename: str
    text: str | None  # None when the file could not be read; ``error`` says why
    title: str | None = None
    source: str | None = None
    published: date | None = None
    error: str | None = None


@dataclass(frozen=True)
class JobStatus:
    id: str
    state: str
    batch_id: str | None
    filename: str | None
    attempts: int
    slug: str | None  # the article, once done
    outcome: str | None  # created | revised | unchanged
    revision: int | None
    error: str | None
    error_status: int | None
    created_at: datetime
    updated_at: datetime

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @classmethod
    def of(cls, job: Job) -> "JobStatus":
        return cls(
            id=job.id, state=job.state, batch_id=job.batch_id, filename=job.filename,
            attempts=job.attempts, slug=job.article_slug, outcome=job.outcome,
            revision=job.revision, error=job.error, error_status=job.error_status,
            created_at=job.created_at, updated_at=job.updated_at,
        )


def new_id() -> str:
    return secrets.token_urlsafe(12)


# ---------------------------------------------------------------- the queue (huey)


def queue_database(database_url: str) -> Any:
    """A peewee database for huey's storage, on the app's own database."""
    from peewee import SqliteDatabase
    from playhouse.postgres_ext import Psycopg3Database

    url = parse_url(database_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        # Same pragmas as the app's engine (app.db): WAL, and wait for a writer rather than
        # fail at once.
        return SqliteDatabase(url.database or ":memory:", pragmas={
            "journal_mode": "wal", "busy_timeout": 10_000, "foreign_keys": 1})
    if backend == "postgresql":
        args = url.translate_connect_args(username="user")
        return Psycopg3Database(args.pop("database", None), **args, **dict(url.query))
    raise JobsUnavailable(f"ingest jobs need SQLite or PostgreSQL, not {backend}")


def _storage_class() -> type:
    from huey.contrib.sql_huey import SqlStorage

    class QueueStorage(SqlStorage):  # type: ignore[misc]
        """huey's SQL storage with its tables named as the migration creates them."""

        def create_models(self) -> tuple[Any, ...]:
            models = super().create_models()
            for model in models:
                model._meta.set_table_name(TABLE_PREFIX + model.__name__.lower())
            return tuple(models)

    return QueueStorage


# ---------------------------------------------------------------- jobs


class Jobs:
    """The job interface: queue ingest jobs, read their state, and (in a worker) run them."""

    def __init__(self, database_url: str, factory: sessionmaker[Session],
                 max_chars: int = 200_000, timeout: float = 120.0) -> None:
        self.database_url = database_url
        self.factory = factory
        self.max_chars = max_chars
        self.timeout = timeout
        self._huey: Any = None
        self._task: Any = None
        self._extract: Extractor | None = None
        self._consumer: Any = None

    # -------------------------------------------------- the huey instance, made on first use

    @property
    def huey(self) -> Any:
        if self._huey is None:
            from huey import Huey, signals

            huey = Huey(
                QUEUE_NAME, results=False, storage_class=_storage_class(),
                database=queue_database(self.database_url), create_tables=False,
            )
            self._task = huey.task(retries=RETRIES, context=True, name="ingest")(self._run)
            huey.signal(signals.SIGNAL_INTERRUPTED)(self._interrupted)
            self._huey = huey
        return self._huey

    def _enqueue(self, job_ids: Iterable[str]) -> None:
        huey = self.huey
        # A connection for these writes only: peewee keeps one per thread, and a server's
        # request threads are many (a worker's few consumer threads keep theirs).
        with huey.storage.database.connection_context():
            for job_id in job_ids:
                huey.enqueue(self._task.s(job_id, id=job_id))

    # -------------------------------------------------- queueing (the server)

    def enqueue_ingest(self, item: ArticleInput, filename: str | None = None,
                       batch_id: str | None = None) -> str:
        """Queue one article; its job id. Raises ``JobsUnavailable`` if it cannot be queued."""
        job = _job(item, filename, batch_id, 0)
        with session_scope(self.factory) as session:
            session.add(job)
        self._enqueue_or_fail([job.id])
        return job.id

    def enqueue_batch(self, items: list[BatchItem]) -> str:
        """Queue one job per readable file (unreadable ones fail at once); the batch id."""
        batch_id = new_id()
        jobs = []
        for position, item in enumerate(items):
            article = ArticleInput(item.text or "", None, item.title, item.source, item.published)
            job = _job(article, item.filename, batch_id, position)
            if item.text is None or item.error is not None:
                job.state, job.text = FAILED, None
                job.error = (item.error or "the file could not be read")[:MAX_ERROR_CHARS]
                job.error_status = 422
            jobs.append(job)
        with session_scope(self.factory) as session:
            session.add_all(jobs)
        self._enqueue_or_fail([j.id for j in jobs if j.state == QUEUED])
        return batch_id

    def _enqueue_or_fail(self, job_ids: list[str]) -> None:
        try:
            self._enqueue(job_ids)
        except Exception as exc:
            reason = f"the job queue is unavailable ({_reason(exc)})"
            with session_scope(self.factory) as session:
                session.execute(
                    update(Job).where(Job.id.in_(job_ids), Job.state == QUEUED)
                    .values(state=FAILED, text=None, error=reason, error_status=UNAVAILABLE,
                            updated_at=utcnow())
                )
            raise JobsUnavailable(reason) from exc

    # -------------------------------------------------- reading state (any process)

    def job_status(self, job_id: str) -> JobStatus | None:
        if not job_id or len(job_id) > 32:
            return None
        with self.factory() as session:
            job = session.get(Job, job_id)
            return JobStatus.of(job) if job is not None else None

    def batch_status(self, batch_id: str) -> list[JobStatus]:
        if not batch_id or len(batch_id) > 32:
            return []
        with self.factory() as session:
            query = select(Job).where(Job.batch_id == batch_id).order_by(Job.position)
            return [JobStatus.of(j) for j in session.scalars(query)]

    async def wait(self, job_id: str, timeout: float) -> JobStatus:
        """The job's state once it is finished, or as it is when ``timeout`` has passed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        delay = 0.02
        while True:
            status = await asyncio.to_thread(self.job_status, job_id)
            if status is None:
                raise KeyError(job_id)
            if status.finished or loop.time() >= deadline:
                return status
            await asyncio.sleep(min(delay, max(deadline - loop.time(), 0)))
            delay = min(delay * 1.5, 0.5)

    # -------------------------------------------------- running (a worker)

    def consumer(self, extract: Extractor, workers: int = 1, max_delay: float = 1.0,
                 initial_delay: float = 0.1) -> Any:
        """A huey consumer that runs jobs with ``extract``: ``run()`` it (a worker process, with
        signal handling) or ``start()`` it beside other work (tests)."""
        self._extract = extract
        self._consumer = self.huey.create_consumer(
            workers=workers, worker_type="thread", periodic=False,
            initial_delay=initial_delay, max_delay=max_delay, backoff=1.5,
            check_worker_health=True,
        )
        return self._consumer

    def run_here(self, extract: Extractor, threads: int = 1, poll: float = 0.05) -> None:
        """Run jobs in threads of this process until ``stop_consumer`` (tests): the queue and
        the task are the real ones, extraction is whatever ``extract`` does."""
        consumer = self.consumer(extract, threads, initial_delay=poll, max_delay=poll)
        # The host process keeps its own signal handlers (huey's are for a worker process).
        consumer._set_signal_handlers = lambda: None
        consumer.start()

    def stop_consumer(self) -> None:
        if self._consumer is not None:
            self._consumer.stop(graceful=True)
            self._consumer = None

    def recover(self) -> int:
        """At a worker's start: queue again what was lost on the way. A queued job that is not
        on the queue (its server stopped between the two writes; a job from before this
        version) is put on it; a job left running longer than it possibly can run (its worker
        died without a word) counts as a crashed attempt. How many jobs were queued again."""
        pending = {task.id for task in self.huey.pending()}
        stale = utcnow() - timedelta(seconds=self.timeout * (RETRIES + 1) + 60)
        with session_scope(self.factory) as session:
            lost = [j for j in session.scalars(select(Job.id).where(Job.state == QUEUED))
                    if j not in pending]
            dead = list(session.scalars(
                select(Job).where(Job.state == RUNNING, Job.updated_at < stale)))
            reason = "the worker running this job stopped"
            for job in dead:
                if job.attempts > RETRIES:
                    _fail(job, reason, UNAVAILABLE)
                else:
                    job.state, job.error = QUEUED, f"{reason}; trying again"
                    lost.append(job.id)
        self._enqueue(lost)
        return len(lost)

    def _run(self, job_id: str, task: Any = None) -> None:
        """The task: ingest the job's article, and say how it went."""
        item = self._claim(job_id)
        if item is None:
            return  # already run (a duplicate delivery) or gone
        extract = self._extract
        assert extract is not None, "jobs run only in a consumer"
        try:
            outcome = ingest_article(self.factory, item, extract, self.max_chars)
        except IngestError as exc:
            message, status = str(exc), exc.status
            self._finish(job_id, lambda job: _fail(job, message, status))
            return
        except Exception as exc:
            reason = _reason(exc)
            if task is not None and task.retries > 0:
                log.warning("ingest job %s failed (%s); trying again", job_id, reason)
                self._finish(job_id, lambda job: _requeue(job, f"{reason}; trying again"))
                raise  # huey puts it back on the queue
            log.warning("ingest job %s failed: %s", job_id, reason)
            self._finish(job_id, lambda job: _fail(job, reason, UNAVAILABLE))
            return

        def done(job: Job) -> None:
            job.state, job.text, job.error, job.error_status = DONE, None, None, None
            job.article_slug, job.outcome = outcome.slug, outcome.status
            job.revision = outcome.revision

        self._finish(job_id, done)

    def _claim(self, job_id: str) -> ArticleInput | None:
        with session_scope(self.factory) as session:
            claimed = session.execute(
                update(Job).where(Job.id == job_id, Job.state == QUEUED)
                .values(state=RUNNING, attempts=Job.attempts + 1, updated_at=utcnow())
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return None
            job = session.get(Job, job_id)
            assert job is not None
            return ArticleInput(job.text or "", job.slug, job.title, job.source, job.published)

    def _finish(self, job_id: str, change: Callable[[Job], None]) -> None:
        with session_scope(self.factory) as session:
            job = session.get(Job, job_id)
            if job is not None:
                change(job)
                job.updated_at = utcnow()

    def _interrupted(self, _signal: str, task: Any) -> None:
        """The worker is stopping in the middle of this job: back on the queue, untried."""
        try:
            def again(job: Job) -> None:
                if job.state == RUNNING:
                    job.state, job.attempts = QUEUED, max(job.attempts - 1, 0)

            self._finish(task.id, again)
            self.huey.enqueue(task)
        except Exception:  # noqa: BLE001 - stopping anyway; recover() finds it later
            log.exception("ingest job %s could not be queued again", task.id)


def _job(item: ArticleInput, filename: str | None, batch_id: str | None, position: int) -> Job:
    return Job(
        id=new_id(), state=QUEUED, batch_id=batch_id, position=position,
        filename=filename[:255] if filename else None, text=item.text, slug=item.slug,
        title=item.title, source=item.source, published=item.published, attempts=0,
    )


def _fail(job: Job, reason: str, status: int) -> None:
    job.state, job.text = FAILED, None
    job.error, job.error_status = reason[:MAX_ERROR_CHARS], status


def _requeue(job: Job, reason: str) -> None:
    job.state, job.error = QUEUED, reason[:MAX_ERROR_CHARS]


def _reason(exc: BaseException) -> str:
    """What went wrong, in one line without driver internals."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    detail = text[0][:300] if text else ""
    if type(exc).__module__ == "app.ingest.worker":  # WorkerUnavailable: already a sentence
        return detail
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
