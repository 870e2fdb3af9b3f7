"""Extraction in a separate process, so the web server never imports spaCy.

The child process loads the pipeline once and keeps it for later requests. This module imports
nothing from spaCy at module level: pickling ``_extract_in_child`` by reference is all the
parent does.

A child that dies (killed, out of memory) breaks the pool; one that overruns the timeout is
still busy. Either way the pool is thrown away and the next request starts a fresh child, so
one bad request never leaves the server unable to ingest.
"""

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from app.nlp.normalise import NormalisedText
from app.nlp.types import Extraction

if TYPE_CHECKING:
    from spacy.language import Language

_child_nlp: "Language | None" = None


class WorkerUnavailable(RuntimeError):
    """Extraction could not run: the worker crashed, timed out or has no model. Says why."""


def _extract_in_child(normalised: NormalisedText, model: str) -> Extraction:
    global _child_nlp
    from app.nlp.extract import extract
    from app.nlp.pipeline import ModelNotFound, load_pipeline

    if _child_nlp is None:
        try:
            _child_nlp = load_pipeline(model)
        except ModelNotFound as exc:
            # Re-raised as a plain RuntimeError subclass defined here, so unpickling it in the
            # parent never needs spaCy.
            raise WorkerUnavailable(str(exc)) from None
    return extract(_child_nlp, normalised)


class ExtractionWorker:
    """One worker process, started on first use and replaced when it breaks.

    ``extract`` blocks its calling thread (the API calls the ingest entry point in a thread
    pool); the lock keeps two request threads from starting or discarding pools at once.
    """

    def __init__(self, model: str, timeout: float) -> None:
        self.model = model
        self.timeout = timeout
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                context: Any = multiprocessing.get_context("spawn")
                self._executor = ProcessPoolExecutor(max_workers=1, mp_context=context)
            return self._executor

    def _discard(self, executor: ProcessPoolExecutor | None, kill: bool,
                 wait: bool = False) -> None:
        """Forget ``executor`` if it is still the current pool; with ``kill``, end a child still
        busy with an abandoned job; with ``wait``, until its management thread has ended."""
        with self._lock:
            if executor is None or self._executor is not executor:
                return
            self._executor = None
        if kill:
            # ProcessPoolExecutor has no public way to stop a running job before Python 3.14.
            for process in list(getattr(executor, "_processes", {}).values()):
                if process.is_alive():
                    process.terminate()
        executor.shutdown(wait=wait, cancel_futures=True)

    def extract(self, normalised: NormalisedText) -> Extraction:
        executor = self._pool()
        try:
            future = executor.submit(_extract_in_child, normalised, self.model)
            return future.result(timeout=self.timeout)
        except TimeoutError:
            self._discard(executor, kill=True)
            raise WorkerUnavailable(
                f"extraction took longer than {self.timeout:g} s and was stopped"
            ) from None
        except BrokenProcessPool:
            self._discard(executor, kill=True)
            raise WorkerUnavailable(
                "the extraction worker stopped unexpectedly; it has been restarted, try again"
            ) from None

    def warm_up(self) -> None:
        """Start the child and load its pipeline now rather than on the first job; raises
        ``WorkerUnavailable`` (no model, say) as ``extract`` would."""
        from app.nlp.normalise import normalise_text

        self.extract(normalise_text("Officials in Baghdad said the road was open."))

    def shutdown(self, kill: bool = False) -> None:
        """Let the child go; with ``kill``, end it even in the middle of a job. Waits for the
        pool's management thread: left running, it closes its wake-up pipe while the
        interpreter's exit hook (concurrent.futures.process._python_exit) may still write to
        it, and the exiting worker printed a traceback ("Bad file descriptor") now and then."""
        self._discard(self._executor, kill=kill, wait=True)
