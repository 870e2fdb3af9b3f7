"""GET /api/jobs/{id} in every state, POST /api/articles with `Prefer: respond-async`, and the
batch page while no worker runs."""

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.ingest.worker import WorkerUnavailable
from app.nlp.normalise import NormalisedText
from app.nlp.types import Extraction
from app.settings import Settings
from tests.conftest import ADMIN_TOKEN
from tests.web.conftest import sign_in
from tests.web.fakes import FakeWorker, consume_jobs

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
ASYNC = {**AUTH, "Prefer": "respond-async"}
KIRKUK = "Fighters attacked Kirkuk on Monday, officials said.\n\nThe police pushed them back."
MOSUL = "Militants shelled Mosul on Friday.\n\nResidents fled east across the river."


@pytest.fixture
def idle_client(settings: Settings) -> Iterator[TestClient]:
    """No worker runs: jobs stay queued."""
    from app.web.app import create_app

    with TestClient(create_app(settings), base_url="http://localhost") as client:
        yield client


def _client(settings: Settings, worker: Any) -> TestClient:
    from app.web.app import create_app

    app = create_app(settings)
    consume_jobs(app, worker)
    return TestClient(app, base_url="http://localhost")


def _until(client: TestClient, url: str, state: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120  # a deadline, not a timing: loaded machines are slow
    while (job := client.get(url).json())["state"] != state:
        assert time.monotonic() < deadline, job
        time.sleep(0.02)
    return job  # type: ignore[no-any-return]


def test_respond_async_answers_202_with_the_job_queued(idle_client: TestClient) -> None:
    response = idle_client.post("/api/articles", json={"text": KIRKUK, "slug": "kirkuk"},
                                headers=ASYNC)
    assert response.status_code == 202, response.text
    assert response.headers["preference-applied"] == "respond-async"
    job = response.json()
    assert response.headers["location"] == job["url"] == f"/api/jobs/{job['id']}"
    assert (job["state"], job["result"], job["error"], job["attempts"]) == (
        "queued", None, None, 0)
    again = idle_client.get(job["url"])
    assert again.status_code == 200 and again.json()["state"] == "queued"
    assert again.headers["cache-control"] == "no-store"
    assert idle_client.get("/api/articles/kirkuk").status_code == 404


def test_without_a_worker_a_waiting_post_ends_in_202_after_the_ingest_timeout(
    settings: Settings,
) -> None:
    from app.web.app import create_app

    quick = settings.model_copy(update={"ingest_timeout": 0.3})
    with TestClient(create_app(quick), base_url="http://localhost") as client:
        response = client.post("/api/articles", json={"text": KIRKUK}, headers=AUTH)
    assert response.status_code == 202 and response.json()["state"] == "queued"
    assert "preference-applied" not in response.headers


def test_bad_input_is_refused_at_once_and_never_queued(idle_client: TestClient) -> None:
    response = idle_client.post("/api/articles", json={"text": "  \n\n "}, headers=ASYNC)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "text"]


def test_a_job_is_running_then_done_with_its_article(settings: Settings) -> None:
    gate = threading.Event()
    with _client(settings, FakeWorker(before=lambda: gate.wait(20))) as client:
        job = client.post("/api/articles", json={"text": KIRKUK, "slug": "kirkuk"},
                          headers=ASYNC).json()
        running = _until(client, job["url"], "running")
        assert running["attempts"] == 1 and running["result"] is None
        gate.set()
        done = _until(client, job["url"], "done")
    assert done["result"] == {"slug": "kirkuk", "status": "created", "revision": 1,
                              "url": "/articles/kirkuk"}
    assert done["error"] is None


def test_a_failed_job_says_why_and_the_waiting_post_is_503(settings: Settings) -> None:
    class Crashing(FakeWorker):
        def extract(self, normalised: NormalisedText) -> Extraction:
            self.calls += 1
            raise WorkerUnavailable("the extraction worker stopped unexpectedly")

    worker = Crashing()
    with _client(settings, worker) as client:
        queued = client.post("/api/articles", json={"text": KIRKUK}, headers=ASYNC).json()
        failed = _until(client, queued["url"], "failed")
        waited = client.post("/api/articles", json={"text": MOSUL}, headers=AUTH)
    assert failed["error"] == "the extraction worker stopped unexpectedly"
    assert failed["attempts"] == 2 and failed["result"] is None
    assert waited.status_code == 503
    assert waited.json()["detail"] == (
        "the extraction worker stopped unexpectedly; nothing was stored")
    assert worker.calls == 4  # each job: once, and once again


@pytest.mark.parametrize("job_id", ["nope", "x" * 33, "%2E%2E"])
def test_an_unknown_job_is_404(idle_client: TestClient, job_id: str) -> None:
    response = idle_client.get(f"/api/jobs/{job_id}")
    assert response.status_code == 404 and response.json()["detail"]


def test_the_batch_page_lists_queued_files_while_no_worker_runs(
    settings: Settings,
) -> None:
    from app.web.app import create_app

    with TestClient(create_app(settings), base_url="http://localhost") as server:
        csrf = sign_in(server)
        response = server.post(
            "/articles/new", follow_redirects=False,
            data={"csrf_token": csrf, "text": "", "title": "", "source": "", "published": ""},
            files=[("files", ("kirkuk.txt", KIRKUK.encode(), "text/plain")),
                   ("files", ("mosul.txt", MOSUL.encode(), "text/plain"))])
        assert response.status_code == 303
        batch_url = response.headers["location"]
        page = server.get(batch_url)
        assert page.headers["refresh"] == "2"
        assert page.text.count("Queued") == 2 and "2 waiting" in page.text
        batch = server.get("/api/" + batch_url.lstrip("/")).json()
        assert [j["status"] for j in batch["jobs"]] == ["queued", "queued"]
    # The server restarts, a worker starts: the files are ingested.
    with _client(settings, FakeWorker()) as restarted:
        for job in batch["jobs"]:
            _until(restarted, job["job"], "done")
        page = restarted.get(batch_url)
        assert "refresh" not in page.headers
        assert 'href="/articles/fighters-attacked-kirkuk-on-monday"' in page.text
        assert page.text.count("Done") >= 2
