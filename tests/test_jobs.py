"""Ingest jobs on the queue: they wait for a worker, run once, a crash is retried once and then
fails with its reason, bad input fails at once, lost jobs are found again.

Jobs run in threads of the test process (``Jobs.run_here``) with the real queue and task and
an extraction of the test's own: no worker process, no spaCy.
"""

import asyncio
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from app.db import session_scope
from app.ingest.service import ArticleInput
from app.ingest.worker import WorkerUnavailable
from app.jobs import BatchItem, Jobs, JobStatus
from app.models import Job, utcnow
from app.nlp.normalise import NormalisedText
from app.nlp.types import Extraction

KIRKUK = "Fighters attacked Kirkuk on Monday, officials said.\n\nThe police pushed them back."
MOSUL = "Militants shelled Mosul on Friday.\n\nResidents fled east across the river."


def nothing_found(normalised: NormalisedText) -> Extraction:
    return Extraction(entities=[], quotes=[], sentences=[])


class Extractor:
    """Fails the first ``failures`` calls as a crashed extraction worker does, then finds
    nothing; counts its calls."""

    def __init__(self, failures: int = 0, error: Exception | None = None) -> None:
        self.failures = failures
        self.error = error or WorkerUnavailable(
            "the extraction worker stopped unexpectedly; it has been restarted, try again")
        self.calls = 0

    def __call__(self, normalised: NormalisedText) -> Extraction:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return nothing_found(normalised)


@pytest.fixture
def make_jobs(db_url: str, session_factory: sessionmaker[Session]
              ) -> Iterator[Callable[[], Jobs]]:
    made: list[Jobs] = []

    def make() -> Jobs:
        jobs = Jobs(db_url, session_factory, timeout=30)
        made.append(jobs)
        return jobs

    yield make
    for jobs in made:
        jobs.stop_consumer()


def finished(jobs: Jobs, job_id: str) -> JobStatus:
    deadline = time.monotonic() + 120  # a deadline, not a timing: loaded machines are slow
    while not (status := jobs.job_status(job_id)).finished:  # type: ignore[union-attr]
        assert time.monotonic() < deadline, status
        time.sleep(0.02)
    assert status is not None
    return status


def test_waiting_for_a_job_ends_when_it_is_finished_or_at_the_timeout(
    make_jobs: Callable[[], Jobs],
) -> None:
    jobs = make_jobs()
    job_id = jobs.enqueue_ingest(ArticleInput(KIRKUK, "kirkuk"))
    # In a thread of its own: another test (Playwright) may have left a loop in this one.
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, jobs.wait(job_id, 0.2)).result().state == "queued"
        jobs.run_here(Extractor())
        assert pool.submit(asyncio.run, jobs.wait(job_id, 20)).result().state == "done"
        with pytest.raises(KeyError):
            pool.submit(asyncio.run, jobs.wait("no-such-job", 1)).result()


def test_a_job_waits_for_a_worker_and_survives_a_restart_of_its_server(
    make_jobs: Callable[[], Jobs],
) -> None:
    server = make_jobs()
    job_id = server.enqueue_ingest(ArticleInput(KIRKUK, "kirkuk"))
    assert server.job_status(job_id).state == "queued"  # type: ignore[union-attr]
    del server  # the server stops; nothing of the job lived in it

    restarted, worker = make_jobs(), make_jobs()
    assert restarted.job_status(job_id).state == "queued"  # type: ignore[union-attr]
    worker.run_here(Extractor())
    done = finished(restarted, job_id)
    assert (done.state, done.slug, done.outcome, done.revision) == ("done", "kirkuk", "created", 1)
    assert (done.attempts, done.error) == (1, None)


def test_the_same_text_again_is_unchanged_and_a_new_text_a_revision(
    make_jobs: Callable[[], Jobs],
) -> None:
    jobs = make_jobs()
    jobs.run_here(Extractor())
    outcomes = [finished(jobs, jobs.enqueue_ingest(ArticleInput(text, "kirkuk")))
                for text in (KIRKUK, KIRKUK, KIRKUK + " More fighting followed.")]
    assert [(o.outcome, o.revision) for o in outcomes] == [
        ("created", 1), ("unchanged", 1), ("revised", 2)]


def test_a_crashing_job_is_retried_once_then_failed_with_its_reason(
    make_jobs: Callable[[], Jobs], session_factory: sessionmaker[Session],
) -> None:
    jobs, extract = make_jobs(), Extractor(failures=99)
    jobs.run_here(extract)
    failed = finished(jobs, jobs.enqueue_ingest(ArticleInput(KIRKUK, "kirkuk")))
    assert failed.state == "failed" and failed.attempts == 2 and extract.calls == 2
    assert failed.error == (
        "the extraction worker stopped unexpectedly; it has been restarted, try again")
    assert failed.error_status == 503 and failed.slug is None
    with session_factory() as session:
        job = session.get(Job, failed.id)
        assert job is not None and job.text is None  # the text is not kept once finished


def test_a_job_that_crashes_once_is_done_on_its_second_attempt(
    make_jobs: Callable[[], Jobs],
) -> None:
    jobs, extract = make_jobs(), Extractor(failures=1, error=RuntimeError("out of luck"))
    jobs.run_here(extract)
    done = finished(jobs, jobs.enqueue_ingest(ArticleInput(KIRKUK, "kirkuk")))
    assert (done.state, done.attempts, extract.calls, done.error) == ("done", 2, 2, None)


def test_bad_input_fails_at_once_without_a_retry(make_jobs: Callable[[], Jobs]) -> None:
    jobs, extract = make_jobs(), Extractor()
    jobs.run_here(extract)
    failed = finished(jobs, jobs.enqueue_ingest(ArticleInput("   \n\n  ")))
    assert (failed.state, failed.attempts, failed.error_status) == ("failed", 1, 422)
    assert "empty" in (failed.error or "") and extract.calls == 0


def test_a_batch_keeps_its_order_and_unreadable_files_fail_at_once(
    make_jobs: Callable[[], Jobs],
) -> None:
    jobs = make_jobs()
    batch_id = jobs.enqueue_batch([
        BatchItem("kirkuk.txt", KIRKUK), BatchItem("scan.pdf", None, error="not a text file"),
        BatchItem("mosul.txt", MOSUL, title="Mosul shelled"),
    ])
    queued = jobs.batch_status(batch_id)
    assert [(j.filename, j.state, j.error) for j in queued] == [
        ("kirkuk.txt", "queued", None), ("scan.pdf", "failed", "not a text file"),
        ("mosul.txt", "queued", None)]
    jobs.run_here(Extractor())
    for job in queued:
        finished(jobs, job.id)
    assert [j.slug for j in jobs.batch_status(batch_id)] == [
        "fighters-attacked-kirkuk-on-monday", None, "mosul-shelled"]
    assert jobs.batch_status("no-such-batch") == []


def test_a_job_delivered_twice_runs_once(make_jobs: Callable[[], Jobs]) -> None:
    jobs, extract = make_jobs(), Extractor()
    job_id = jobs.enqueue_ingest(ArticleInput(KIRKUK, "kirkuk"))
    jobs.huey.enqueue(jobs._task.s(job_id, id=job_id))  # as if queued again by recover()
    jobs.run_here(extract)
    finished(jobs, job_id)
    while jobs.huey.pending_count():
        time.sleep(0.05)
    jobs.stop_consumer()
    assert extract.calls == 1 and jobs.job_status(job_id).attempts == 1  # type: ignore[union-attr]


def test_a_new_worker_finds_lost_and_abandoned_jobs(
    make_jobs: Callable[[], Jobs], session_factory: sessionmaker[Session],
) -> None:
    jobs = make_jobs()
    lost, abandoned, twice = (jobs.enqueue_ingest(ArticleInput(text, slug))
                              for text, slug in ((KIRKUK, "lost"), (MOSUL, "abandoned"),
                                                 (MOSUL + " Again.", "twice")))
    jobs.huey.flush()  # the queue lost them all (e.g. jobs queued by an older version)
    long_ago = utcnow() - timedelta(hours=1)
    with session_scope(session_factory) as session:
        # Their workers died without a word an hour ago, on a first and on a last attempt.
        session.execute(update(Job).where(Job.id == abandoned)
                        .values(state="running", attempts=1, updated_at=long_ago))
        session.execute(update(Job).where(Job.id == twice)
                        .values(state="running", attempts=2, updated_at=long_ago))
    assert jobs.recover() == 2
    jobs.run_here(Extractor())
    assert finished(jobs, lost).state == "done"
    retried = finished(jobs, abandoned)
    assert (retried.state, retried.attempts) == ("done", 2)
    gone = jobs.job_status(twice)
    assert gone is not None and gone.state == "failed"
    assert gone.error == "the worker running this job stopped"


def test_a_job_interrupted_by_a_stopping_worker_goes_back_on_the_queue(
    make_jobs: Callable[[], Jobs],
) -> None:
    jobs = make_jobs()
    job_id = jobs.enqueue_ingest(ArticleInput(KIRKUK, "kirkuk"))
    (task,) = jobs.huey.pending()
    assert jobs.huey.dequeue().id == job_id  # a worker took it...
    assert jobs._claim(job_id) is not None  # ...and started it...
    jobs._interrupted("interrupted", task)  # ...then was stopped (huey's signal)
    status = jobs.job_status(job_id)
    assert status is not None and (status.state, status.attempts) == ("queued", 0)
    jobs.run_here(Extractor())
    assert finished(jobs, job_id).state == "done"


def test_files_waiting_in_the_old_table_are_carried_over(tmp_path: Path) -> None:
    from alembic import command
    from app.cli import alembic_config
    from app.db import make_engine, make_session_factory

    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "jobs0b2c4d6e-1")  # before the job queue
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO ingest_jobs (batch_id, position, filename, status, text, created_at, "
            "updated_at) VALUES ('b1', 0, 'a.txt', 'queued', ?, '2026-12-01', '2026-12-01'), "
            "('b1', 1, 'b.txt', 'done', NULL, '2026-12-01', '2026-12-01')", (KIRKUK,))
    command.upgrade(alembic_config(url), "head")
    jobs = Jobs(url, make_session_factory(engine), timeout=30)
    (waiting,) = jobs.batch_status("b1")
    assert (waiting.filename, waiting.state) == ("a.txt", "queued")
    assert jobs.recover() == 1  # a worker starting puts it on the queue
    jobs.run_here(Extractor())
    assert finished(jobs, waiting.id).slug == "fighters-attacked-kirkuk-on-monday"
    jobs.stop_consumer()
    engine.dispose()
