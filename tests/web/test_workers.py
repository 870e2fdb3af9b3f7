"""Several server workers: a revision ingested through the CLI is served by every worker at
its next request (each checks the content revision; nothing is restarted)."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.web.conftest import SAMPLE, store_text

pytestmark = pytest.mark.slow
REQUESTS = 60  # each on a new connection, so both workers answer many of them


def _free_port() -> int:
    for port in range(8200, 8250):  # this work's port range
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.skip("no free port in 8200-8249")


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.fixture
def two_workers(db_url: str, tmp_path: Path, session_factory: sessionmaker[Session]
                ) -> Iterator[tuple[str, dict[str, str]]]:
    store_text(session_factory, SAMPLE, "sample")
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": db_url, "DATA_DIR": str(tmp_path / "data"),
           "WEB_CONCURRENCY": "2", "LOCAL_WORKER": "false"}  # its only children: 2 servers
    log = tmp_path / "server.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port)], env=env,
        stdout=subprocess.DEVNULL, stderr=log.open("w"), start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(400):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).close()
                if len(_children(server.pid)) >= 2:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        else:
            pytest.fail("two workers did not start: " + log.read_text())
        yield base, env
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)


def _answers(url: str) -> set[tuple[str, bytes]]:
    seen = set()
    for _ in range(REQUESTS):
        with urllib.request.urlopen(url, timeout=10) as response:
            seen.add((response.headers["ETag"], response.read()))
    return seen


def test_every_worker_serves_a_revision_ingested_through_the_cli(
    two_workers: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    base, env = two_workers
    page, api = f"{base}/articles/sample", f"{base}/api/articles/sample"
    before_page, before_api = _answers(page), _answers(api)
    assert len(before_page) == 1 and len(before_api) == 1  # every worker: the same bytes
    assert b'"revision":1' in next(iter(before_api))[1]
    revised = tmp_path / "sample.txt"
    revised.write_text(SAMPLE.replace("the city was quiet", "the city was calm at last"))
    done = subprocess.run([sys.executable, "-m", "app", "ingest", str(revised),
                           "--slug", "sample"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    after_page, after_api = _answers(page), _answers(api)
    assert len(after_page) == 1 and len(after_api) == 1
    (etag, body), = after_page
    assert b"the city was calm at last" in body and etag != next(iter(before_page))[0]
    assert b'"revision":2' in next(iter(after_api))[1]
