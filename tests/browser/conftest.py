"""Real-browser fixtures: the real app served by uvicorn on a free loopback port, a fresh
database holding the bundled article (ingested with spaCy) and a sample article with quotes
(stored through the service layer), and headless Debian Chromium driven by Playwright.

Without /usr/bin/chromium the browser tests are skipped, unless CI=true: then they fail.
"""

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is not installed: the real-browser tests need Debian's chromium"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " (CI=true, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    def __init__(self, base_url: str, factory: Any) -> None:
        self.base_url = base_url
        self.session_factory = factory

    def url(self, path: str) -> str:
        return self.base_url + path


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, extractor: Any, bundled_text: str,
                databases: Any) -> Iterator[LiveServer]:
    _require_chromium()
    import uvicorn

    from app.db import make_engine, make_session_factory
    from app.ingest.service import ArticleInput, ingest_article
    from app.ingest.worker import ExtractionWorker
    from app.settings import Settings
    from app.web.app import create_app
    from tests.conftest import ADMIN_TOKEN
    from tests.web.conftest import SAMPLE, store_text

    db_url = databases.migrated()
    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    ingest_article(factory, ArticleInput(bundled_text, "ramadi"), extractor)
    store_text(factory, SAMPLE, "sample")
    store_text(factory, SAMPLE, "revise")

    port = _free_port()
    settings = Settings(
        database_url=db_url, public_url=f"http://127.0.0.1:{port}", admin_token=ADMIN_TOKEN,
        data_dir=tmp_path_factory.mktemp("data"),
    )
    app = create_app(settings)
    # Uploads are ingested by jobs, run here by the real extraction worker process.
    extraction = ExtractionWorker(settings.spacy_model, settings.ingest_timeout)
    app.state.jobs.run_here(extraction.extract)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # a deadline, not a timing: loaded machines are slow
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield LiveServer(f"http://127.0.0.1:{port}", factory)
    server.should_exit = True
    thread.join(timeout=10)
    app.state.jobs.stop_consumer()
    extraction.shutdown(kill=True)
    engine.dispose()
    databases.drop(db_url)


@pytest.fixture(scope="session")
def browser(live_server: LiveServer) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageErrors:
    """Console errors and uncaught exceptions seen by a page: there must be none."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def watch(self, page: Any) -> Any:
        page.on("console", lambda m: m.type == "error" and self.messages.append(m.text))
        page.on("pageerror", lambda e: self.messages.append(f"uncaught: {e}"))
        return page


@pytest.fixture
def page_errors() -> PageErrors:
    return PageErrors()


@pytest.fixture
def context_factory(browser: Any, page_errors: PageErrors) -> Iterator[Any]:
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        options.setdefault("viewport", {"width": 1280, "height": 800})
        options.setdefault("reduced_motion", "reduce")
        context = browser.new_context(**options)
        context.on("page", page_errors.watch)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert page_errors.messages == [], page_errors.messages


@pytest.fixture
def page(context_factory: Any) -> Any:
    return context_factory().new_page()
