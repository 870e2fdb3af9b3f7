"""The ingest-job queue in the database: claiming is exclusive, a restart loses nothing."""

from sqlalchemy.orm import Session, sessionmaker

from app import batches
from app.batches import BatchItem
from app.db import session_scope


def test_jobs_keep_their_order_and_unreadable_files_fail_at_once(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as session:
        batch_id = batches.create_batch(session, [
            BatchItem("a.txt", "Alpha."), BatchItem("b.pdf", None, error="not a text file"),
            BatchItem("c.txt", "Gamma."),
        ])
    with session_factory() as session:
        jobs = batches.jobs_of(session, batch_id)
    assert [(j.filename, j.status) for j in jobs] == [
        ("a.txt", "queued"), ("b.pdf", "failed"), ("c.txt", "queued")]
    assert jobs[1].error == "not a text file"


def test_a_job_is_claimed_once_and_finished_jobs_drop_their_text(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as session:
        batch_id = batches.create_batch(session, [BatchItem("a.txt", "Alpha."),
                                                  BatchItem("b.txt", "Beta.")])
    claimed = []
    for _ in range(3):
        with session_scope(session_factory) as session:
            job = batches.claim_next(session)
            claimed.append(job.filename if job else None)
            if job:
                batches.finish(session, job.id, slug="x" if job.filename == "a.txt" else None,
                               error=None if job.filename == "a.txt" else "bad")
    assert claimed == ["a.txt", "b.txt", None]
    with session_factory() as session:
        a, b = batches.jobs_of(session, batch_id)
    assert (a.status, a.slug, a.text) == ("done", "x", None)
    assert (b.status, b.error, b.text) == ("failed", "bad", None)


def test_jobs_a_stopped_server_left_running_are_queued_again(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as session:
        batch_id = batches.create_batch(session, [BatchItem("a.txt", "Alpha.")])
    with session_scope(session_factory) as session:
        assert batches.claim_next(session) is not None
    with session_scope(session_factory) as session:
        assert batches.requeue_interrupted(session) == 1
        assert batches.has_queued(session)
    with session_factory() as session:
        (job,) = batches.jobs_of(session, batch_id)
    assert job.status == "queued" and job.text == "Alpha."
