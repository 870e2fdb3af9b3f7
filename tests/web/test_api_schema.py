"""Schemathesis against the app's own OpenAPI document, in process (ASGI).

GET operations get generated path parameters and must never answer 5xx, and must answer only
status codes, content types and bodies their schema declares. POST /api/articles gets
generated bodies with a valid token; extraction is replaced by a fake that returns nothing
(the real worker has its own bounded test below), so this exercises validation and storage.
"""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from app.settings import Settings
from tests.conftest import ADMIN_TOKEN, TEST_HOSTS
from tests.web.conftest import SAMPLE, store_text
from tests.web.fakes import consume_jobs

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def api_app(settings: Settings, session_factory: Any) -> Iterator[Any]:
    from app.web.app import create_app

    store_text(session_factory, SAMPLE, "ramadi")  # the slug the schema's examples use
    app = create_app(settings)
    consume_jobs(app)
    yield app
    app.state.jobs.stop_consumer()


def _schema_app() -> Any:
    """Only serves the OpenAPI document; each test sends its calls to its own app."""
    from app.web.app import create_app

    return create_app(Settings(database_url="sqlite:///:memory:", allowed_hosts=TEST_HOSTS))


schema = schemathesis.openapi.from_asgi("/openapi.json", _schema_app())


@schema.include(method="GET").parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_get_operations_conform(case: Any, api_app: Any) -> None:
    case.call_and_validate(app=api_app)


@schema.include(method="POST", path="/api/articles").parametrize()
@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
def test_post_article_conforms(case: Any, api_app: Any) -> None:
    # Schema-valid text may still hold no article (only whitespace, only boilerplate): a 422
    # with its reason is the right answer there, so "valid data is accepted" is not checked.
    case.call_and_validate(
        app=api_app, headers=AUTH, excluded_checks=[positive_data_acceptance]
    )


@pytest.fixture
def real_worker_app(settings: Settings) -> Iterator[Any]:
    from app.ingest.worker import ExtractionWorker
    from app.web.app import create_app

    app = create_app(settings)
    extraction = ExtractionWorker(settings.spacy_model, settings.ingest_timeout)
    extraction.warm_up()  # loading spaCy is not what the client's timeout is for
    worker = consume_jobs(app, extraction)
    yield app
    app.state.jobs.stop_consumer()
    worker.shutdown()


@pytest.mark.slow
@schema.include(method="POST", path="/api/articles").parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_post_article_with_real_extraction(case: Any, real_worker_app: Any) -> None:
    """The real worker process and spaCy on generated text: bounded, it is slow."""
    case.call_and_validate(
        app=real_worker_app, headers=AUTH, excluded_checks=[positive_data_acceptance]
    )
