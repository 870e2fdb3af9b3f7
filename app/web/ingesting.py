"""The ingest use case (``app.ingest.service.ingest_article``) for async web code.

It runs in a thread of the pool: normalising, the database and waiting for the extraction
process never stall the event loop, so every other request goes on meanwhile.
"""

from typing import Any

from fastapi.concurrency import run_in_threadpool

from app.ingest.service import ArticleInput, IngestOutcome, ingest_article


async def ingest_through_worker(state: Any, item: ArticleInput) -> IngestOutcome:
    """Store ``item`` (new, revised or unchanged). Raises ``IngestError`` for bad input and
    ``WorkerUnavailable`` when extraction cannot run; nothing is stored then."""
    outcome: IngestOutcome = await run_in_threadpool(
        ingest_article, state.session_factory, item, state.worker.extract,
        state.settings.max_article_chars,
    )
    return outcome
