"""``python -m app worker``: a real worker process (spaCy in its extraction child) runs what a
server queued before it started, after that server stopped, and stops cleanly when told."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.settings import Settings
from tests.conftest import ADMIN_TOKEN, TEST_HOSTS

TEXT = ("Fighters of the Islamic State attacked Kirkuk on Monday, officials said.\n\n"
        "“We pushed them back,” said Ali Hassan, a police captain in Kirkuk.")


def start_worker(db_url: str, tmp_path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": db_url, "DATA_DIR": str(tmp_path / "data")}
    log = (tmp_path / "worker.log").open("wb")
    return subprocess.Popen([sys.executable, "-m", "app", "worker"], env=env, stdout=log,
                            stderr=subprocess.STDOUT)


def test_the_worker_command_needs_a_migrated_database(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}"}
    result = subprocess.run([sys.executable, "-m", "app", "worker"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 4 and "migrate" in result.stderr


@pytest.mark.slow
def test_a_job_queued_before_any_worker_is_done_once_one_starts(
    db_url: str, tmp_path: Path
) -> None:
    from app.web.app import create_app

    settings = Settings(database_url=db_url, admin_token=ADMIN_TOKEN, allowed_hosts=TEST_HOSTS,
                        data_dir=tmp_path / "data")
    with TestClient(create_app(settings), base_url="http://localhost") as server:
        queued = server.post("/api/articles", json={"text": TEXT, "slug": "kirkuk"},
                             headers={"Authorization": f"Bearer {ADMIN_TOKEN}",
                                      "Prefer": "respond-async"})
        assert queued.status_code == 202, queued.text
    job_url = queued.headers["location"]

    worker = start_worker(db_url, tmp_path)
    try:
        with TestClient(create_app(settings), base_url="http://localhost") as restarted:
            assert restarted.get(job_url).json()["state"] in ("queued", "running")
            deadline = time.monotonic() + 120  # the worker loads spaCy first
            while (job := restarted.get(job_url).json())["state"] not in ("done", "failed"):
                assert time.monotonic() < deadline and worker.poll() is None, job
                time.sleep(0.2)
            assert job["state"] == "done", job
            assert job["result"]["status"] == "created" and job["attempts"] == 1
            entities = restarted.get("/api/articles/kirkuk/entities").json()
            assert any(e["name"] == "Kirkuk" for e in entities)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _command_line(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux's /proc")
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_serve_runs_a_local_worker_beside_the_server_and_stops_it(
    db_url: str, tmp_path: Path, stop: signal.Signals
) -> None:
    import socket

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": db_url, "DATA_DIR": str(tmp_path / "data")}
    serve = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(port)],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 180  # a deadline: serve starts a worker that loads spaCy
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and serve.poll() is None
            time.sleep(0.2)
        workers = [c for c in _children(serve.pid) if "app worker" in _command_line(c)]
        assert len(workers) == 1
        # The worker's extraction child, spawned at its start (it may still be loading spaCy:
        # a stop then must not leave it running on its own).
        while not (extraction := [c for c in _children(workers[0])
                                  if "multiprocessing.spawn" in _command_line(c)]):
            assert time.monotonic() < deadline and serve.poll() is None
            time.sleep(0.1)
        serve.send_signal(stop)  # Ctrl-C, or `docker stop` / systemd
        assert serve.wait(timeout=30) == 0
        for process in workers + extraction:  # stopped and reaped with the server
            assert not Path(f"/proc/{process}").exists(), _command_line(process)
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()

