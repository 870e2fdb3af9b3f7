"""A body over the limit gets its 413 delivered to a real client over a real socket (uvicorn),
instead of the "connection reset" a client sees when the server closes before reading."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from tests.conftest import ADMIN_TOKEN, Databases


def _free_port() -> int:
    """A port the system hands out: a fixed range collides with other test runs."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server for the module's tests: each is refused before anything is stored, and
    each then checks that the server still answers the next client."""
    db_url = databases.migrated()
    tmp_path = tmp_path_factory.mktemp("server")
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": db_url, "ADMIN_TOKEN": ADMIN_TOKEN,
           "LOCAL_WORKER": "false"}  # nothing here is ingested
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port)], env=env,
        stdout=subprocess.DEVNULL, stderr=(tmp_path / "server.log").open("w"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60  # a busy machine starts a server slowly
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).close()
                if f":{port}" in (tmp_path / "server.log").read_text():  # ours, not another's
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("server did not start: " + (tmp_path / "server.log").read_text())
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(10)
        databases.drop(db_url)


def _post(url: str, body: bytes, chunked: bool = False) -> tuple[int, dict[str, object]]:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {ADMIN_TOKEN}"}
    data: bytes | Iterator[bytes] = body
    if chunked:
        data = iter([body[i : i + 65536] for i in range(0, len(body), 65536)])
        headers["Transfer-Encoding"] = "chunked"
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_6_mb_body_gets_413_not_a_connection_reset(server: str, chunked: bool) -> None:
    body = json.dumps({"text": "Fighters attacked Kirkuk. " * 240_000}).encode()
    assert len(body) > 6_000_000
    status, payload = _post(f"{server}/api/articles", body, chunked)
    assert status == 413
    assert "larger than" in str(payload["detail"])
    # the server is still there for the next client
    assert urllib.request.urlopen(f"{server}/healthz", timeout=5).status == 200


def test_an_over_limit_correction_body_gets_413(server: str) -> None:
    body = json.dumps({"start": 0, "end": 1, "new_entity": {"type": "actor",
                                                              "name": "x" * 6_000_000}}).encode()
    status, _ = _post(f"{server}/api/articles/none/mentions", body)
    assert status == 413
