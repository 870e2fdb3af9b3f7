"""Extraction in a separate process, so the web server never imports spaCy.

The child process loads the pipeline once and keeps it for later requests. This module imports
nothing from spaCy at module level: pickling ``_extract_in_child`` by reference is all the
parent does.
"""

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

from app.ingest.normalise import NormalisedText
from app.ingest.types import Extraction

if TYPE_CHECKING:
    from spacy.language import Language

_child_nlp: "Language | None" = None


def _extract_in_child(normalised: NormalisedText, model: str) -> Extraction:
    global _child_nlp
    from app.ingest.extract import extract
    from app.ingest.pipeline import load_pipeline

    if _child_nlp is None:
        _child_nlp = load_pipeline(model)
    return extract(_child_nlp, normalised)


class ExtractionWorker:
    """One worker process, started on first use."""

    def __init__(self, model: str, timeout: float) -> None:
        self.model = model
        self.timeout = timeout
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            context: Any = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(max_workers=1, mp_context=context)
        return self._executor

    async def extract(self, normalised: NormalisedText) -> Extraction:
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._pool(), _extract_in_child, normalised, self.model)
        return await asyncio.wait_for(future, self.timeout)

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
