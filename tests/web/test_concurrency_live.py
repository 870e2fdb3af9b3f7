"""Many readers while writers ingest and correct, on a real served app (uvicorn in its own
process) and the engine under test (SQLite in WAL mode, or PostgreSQL): no 5xx, and every
response is consistent in itself, as if it had been read at one instant.

Writers go through the HTTP API like any client: new articles and revisions (real extraction
in the server's worker process) and editors' corrections with their undo. Readers hit article
pages and their JSON, the library and search. Consistency checks cross tables that different
transactions change: a library entity's counts against the articles listed under it, an
article's entities against their mentions, an article's paragraphs against its text.
"""

import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import ADMIN_TOKEN
from tests.web.conftest import SAMPLE, store_text

pytestmark = pytest.mark.slow

READERS = 64
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
SEEDED = ("sample", "sample-two", "sample-three")

NEW_ARTICLES = [
    ("Iraqi security forces retreated from Ramadi on Sunday as Islamic State fighters "
     "advanced. Officials in Baghdad said reinforcements would reach Anbar within days."),
    ("Islamic State fighters attacked a checkpoint near Ramadi. Col. Sam Rivers of the Ramadi "
     "police said his men held the bridge. Residents fled toward Baghdad."),
    ("Tribal leaders in Anbar asked Baghdad for weapons. Sheikh Omar al-Dulaimi said the "
     "fighters controlled most of Ramadi and the roads to Habbaniyah."),
]


def _free_port() -> int:
    """A port the system hands out (other helpers' servers may hold fixed ranges)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(db_url: str, session_factory: sessionmaker[Session], tmp_path: Path
           ) -> Iterator[str]:
    for slug in SEEDED:
        store_text(session_factory, SAMPLE, slug)
    session_factory.kw["bind"].dispose()
    port = _free_port()
    log = tmp_path / "server.log"
    env = {**os.environ, "DATABASE_URL": db_url, "ADMIN_TOKEN": ADMIN_TOKEN,
           "DATA_DIR": str(tmp_path / "data")}
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port)], env=env,
        stdout=subprocess.DEVNULL, stderr=log.open("w"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # a deadline, not a timing: loaded machines are slow
        while True:
            try:
                # ours, not another process that happens to listen there
                if (httpx.get(f"{base}/healthz", timeout=2).status_code == 200
                        and f":{port}" in log.read_text()):
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("the server did not start: " + log.read_text())
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(20)
    assert "Traceback" not in log.read_text(), log.read_text()


class Problems:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.found: list[str] = []
        self.seen: Counter[str] = Counter()

    def add(self, what: str) -> None:
        with self.lock:
            if len(self.found) < 50:
                self.found.append(what)

    def count(self, kind: str) -> None:
        with self.lock:
            self.seen[kind] += 1


def check_entities(url: str, body: Any, problems: Problems) -> None:
    mention_ids = [m["id"] for e in body for m in e["mentions"]]
    if len(mention_ids) != len(set(mention_ids)):
        problems.add(f"{url}: a mention listed under two entities")
    for entity in body:
        if not entity["mentions"]:
            problems.add(f"{url}: entity {entity['id']} listed without its mentions")
        for mention in entity["mentions"]:
            if not 0 <= mention["start"] < mention["end"]:
                problems.add(f"{url}: mention {mention['id']} has offsets {mention}")
        if entity["library_id"] is not None and not entity["library_article_count"]:
            problems.add(f"{url}: entity {entity['id']} in a library entity of no article")


def check_article(url: str, body: Any, problems: Problems) -> None:
    ends = [p["end"] for p in body["paragraphs"]]
    if not ends or max(ends) > len(body["text"]):
        problems.add(f"{url}: paragraphs {ends[-3:]} beyond a text of {len(body['text'])}")


def check_library_entity(url: str, body: Any, problems: Problems) -> None:
    articles = body["articles"]
    if body["article_count"] != len(articles):
        problems.add(f"{url}: article_count {body['article_count']} but {len(articles)} listed")
    mentions = sum(a["mention_count"] for a in articles)
    if body["mention_count"] != mentions:
        problems.add(f"{url}: mention_count {body['mention_count']} but the articles have "
                     f"{mentions}")


def check_directory(url: str, body: Any, problems: Problems) -> None:
    if body["total"] < len(body["items"]):
        problems.add(f"{url}: total {body['total']} below {len(body['items'])} items")


def reader(base: str, library_ids: list[int], stop: threading.Event, problems: Problems,
           seed: int) -> None:
    rng = random.Random(seed)
    checks: list[tuple[Callable[[], str], Callable[[str, Any, Problems], None] | None]] = [
        (lambda: f"/articles/{rng.choice(SEEDED)}", None),
        (lambda: f"/api/articles/{rng.choice(SEEDED)}", check_article),
        (lambda: f"/api/articles/{rng.choice(SEEDED)}/entities", check_entities),
        (lambda: f"/api/articles/{rng.choice(SEEDED)}/quotes", None),
        (lambda: f"/api/entities/{rng.choice(library_ids)}", check_library_entity),
        (lambda: "/api/entities?limit=50", check_directory),
        (lambda: "/api/search?q=Ramadi", None),
        (lambda: "/", None),
    ]
    with httpx.Client(base_url=base, timeout=60) as client:
        while not stop.is_set():
            path, check = rng.choice(checks)
            url = path()
            try:
                response = client.get(url)
            except httpx.HTTPError as exc:
                problems.add(f"{url}: {exc.__class__.__name__} {exc}")
                continue
            problems.count("read")
            if response.status_code >= 500:
                problems.add(f"{url}: {response.status_code} {response.text[:200]}")
            elif response.status_code == 200 and check is not None:
                check(url, response.json(), problems)
            elif response.status_code not in (200, 410):
                problems.add(f"{url}: unexpected {response.status_code}")


def ingester(base: str, problems: Problems) -> None:
    with httpx.Client(base_url=base, timeout=300, headers=AUTH) as client:
        bodies = [{"text": text, "slug": f"new-{i}"} for i, text in enumerate(NEW_ARTICLES)]
        bodies.append({"text": SAMPLE.replace("Sunday", "Monday"), "slug": "sample-three"})
        bodies.append({"text": NEW_ARTICLES[0] + " The fighting went on.", "slug": "new-0"})
        for body in bodies:
            response = client.post("/api/articles", json=body)
            problems.count("ingest")
            if response.status_code not in (200, 201):
                problems.add(f"POST {body['slug']}: {response.status_code} {response.text}")


def corrector(base: str, stop: threading.Event, problems: Problems) -> None:
    api = "/api/articles/sample"
    start = SAMPLE.index("Officials")
    with httpx.Client(base_url=base, timeout=120, headers=AUTH) as client:
        round_ = 0
        while not stop.is_set() or round_ < 3:
            round_ += 1
            entities = client.get(f"{api}/entities").json()
            rivers = next(e for e in entities if e["name"].startswith("Sam"))
            writes = [
                client.patch(f"{api}/entities/{rivers['id']}",
                             json={"name": f"Samuel Rivers {round_}"}),
                client.post(f"{api}/mentions", json={
                    "start": start, "end": start + 9,
                    "new_entity": {"name": "Iraqi officials", "type": "actor"}}),
            ]
            for response in writes:
                problems.count("correct")
                if response.status_code not in (200, 201):
                    problems.add(f"correction: {response.status_code} {response.text}")
            log = client.get(f"{api}/corrections").json()
            for correction in sorted(log, key=lambda c: -c["id"]):
                if correction["status"] != "undone":
                    undo = client.delete(f"{api}/corrections/{correction['id']}")
                    problems.count("undo")
                    if undo.status_code != 204:
                        problems.add(f"undo: {undo.status_code} {undo.text}")


def test_readers_see_consistent_answers_while_articles_are_ingested_and_corrected(
    served: str,
) -> None:
    library = httpx.get(f"{served}/api/entities?limit=50").json()["items"]
    library_ids = [item["id"] for item in library]
    assert len(library_ids) >= 4

    problems = Problems()
    stop = threading.Event()
    readers = [threading.Thread(target=reader, args=(served, library_ids, stop, problems, i))
               for i in range(READERS)]
    writers_done = threading.Event()
    correcting = threading.Thread(target=corrector, args=(served, writers_done, problems))
    for thread in readers:
        thread.start()
    correcting.start()
    ingester(served, problems)
    writers_done.set()
    correcting.join(300)
    time.sleep(1)  # readers see the final state too
    stop.set()
    for thread in readers:
        thread.join(60)

    assert problems.found == [], problems.found
    assert problems.seen["ingest"] == 5 and problems.seen["correct"] >= 6, problems.seen
    assert problems.seen["read"] >= READERS * 5, problems.seen
    # and the final state is what the writers wrote
    final = httpx.get(f"{served}/api/articles/new-0").json()
    assert final["revision"] == 2 and final["text"].endswith("The fighting went on.")
