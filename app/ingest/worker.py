"""Extraction in a separate process, so the web server never imports spaCy.

The child process loads the pipeline once and keeps it for later requests. This module imports
nothing from spaCy at module level: pickling ``_extract_in_child`` by reference is all the
parent does.

A child that dies (killed, out of memory) breaks the pool; one that overruns the timeout is
still busy. Either way the pool is thrown away and the next request starts a fresh child, so
one bad request never leaves the server unable to ingest.
"""

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from app.ingest.normalise import NormalisedText
from app.ingest.types import Extraction

if TYPE_CHECKING:
    from spacy.language import Language

_child_nlp: "Language | None" = None


class WorkerUnavailable(RuntimeError):
    """Extraction could not run: the worker crashed, timed out or has no model. Says why."""


def _extract_in_child(normalised: NormalisedText, model: str) -> Extraction:
    global _child_nlp
    from app.ingest.extract import extract
    from app.ingest.pipeline import ModelNotFound, load_pipeline

    if _child_nlp is None:
        try:
            _child_nlp = load_pipeline(model)
        except ModelNotFound as exc:
            # Re-raised as a plain RuntimeError subclass defined here, so unpickling it in the
            # parent never needs spaCy.
            raise WorkerUnavailable(str(exc)) from None
    return extract(_child_nlp, normalised)


class ExtractionWorker:
    """One worker process, started on first use and replaced when it breaks."""

    def __init__(self, model: str, timeout: float) -> None:
        self.model = model
        self.timeout = timeout
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            context: Any = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(max_workers=1, mp_context=context)
        return self._executor

    def _discard(self, kill: bool) -> None:
        """Forget the pool; with ``kill``, end a child still busy with an abandoned job."""
        executor, self._executor = self._executor, None
        if executor is None:
            return
        if kill:
            # ProcessPoolExecutor has no public way to stop a running job before Python 3.14.
            for process in list(getattr(executor, "_processes", {}).values()):
                if process.is_alive():
                    process.terminate()
        executor.shutdown(wait=False, cancel_futures=True)

    async def extract(self, normalised: NormalisedText) -> Extraction:
        loop = asyncio.get_running_loop()
        executor = self._pool()
        try:
            future = loop.run_in_executor(executor, _extract_in_child, normalised, self.model)
            return await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            if self._executor is executor:
                self._discard(kill=True)
            raise WorkerUnavailable(
                f"extraction took longer than {self.timeout:g} s and was stopped"
            ) from None
        except BrokenProcessPool:
            if self._executor is executor:
                self._discard(kill=True)
            raise WorkerUnavailable(
                "the extraction worker stopped unexpectedly; it has been restarted, try again"
            ) from None

    def shutdown(self) -> None:
        self._discard(kill=False)
