"""A stand-in for the extraction worker: the HTTP ingest path without a process or spaCy."""

from collections.abc import Callable
from typing import Any

from app.nlp.normalise import NormalisedText
from app.nlp.types import Extraction


def empty_extraction(normalised: NormalisedText) -> Extraction:
    return Extraction(entities=[], quotes=[], sentences=[])


class FakeWorker:
    """Answers ``extract`` with ``build(text)``; ``before`` runs first, for races.

    Like the real worker, ``extract`` blocks: the API calls it from a thread of its pool.
    """

    def __init__(
        self,
        build: Callable[[NormalisedText], Extraction] = empty_extraction,
        before: Callable[[], None] | None = None,
    ) -> None:
        self.build = build
        self.before = before
        self.calls = 0

    def extract(self, normalised: NormalisedText) -> Extraction:
        self.calls += 1
        if self.before is not None:
            self.before()
        return self.build(normalised)

    def shutdown(self) -> None:
        pass


def consume_jobs(app: Any, worker: Any = None, threads: int = 1) -> Any:
    """Run ``app``'s ingest jobs in threads of the test process with ``worker``'s extraction
    (a ``FakeWorker`` unless given): the real queue and task, no worker process. Stopped when
    the app shuts down; ``app.state.worker_under_test`` is ``worker``."""
    worker = worker if worker is not None else FakeWorker()
    app.state.jobs.run_here(worker.extract, threads=threads)
    app.state.worker_under_test = worker
    return worker


# Run inside the real worker's child process in place of ``_extract_in_child`` (pickled by
# reference, so they live in this light module that a spawned child imports cheaply).


def crash_in_child(normalised: NormalisedText, model: str) -> Extraction:
    import os

    os._exit(3)


def hang_in_child(normalised: NormalisedText, model: str) -> Extraction:
    import time

    time.sleep(120)
    return empty_extraction(normalised)


def empty_in_child(normalised: NormalisedText, model: str) -> Extraction:
    return empty_extraction(normalised)
