"""Crash test: SIGKILL a re-ingest of a revised text with corrections at random points. The
previous revision and every correction must be intact afterwards (or the new revision with
its corrections re-applied, if the kill came after the commit), and SQLite must be sound."""

import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app import corrections
from app.db import make_engine, make_session_factory, session_scope
from tests.conftest import only_on
from tests.test_corrections import REVISED, _article, _entity, state
from tests.web.conftest import SAMPLE, store_text

ROOT = Path(__file__).resolve().parent.parent

# The ingest process: the real store path (save: re-extraction written, corrections re-applied,
# one transaction), each SQL statement slowed a little so that kills land inside it.
CHILD = """
import sys, time
from sqlalchemy import event
from app.db import make_engine, make_session_factory
from app.ingest.service import ArticleInput, prepare, save
from tests.web.conftest import sample_extraction

engine = make_engine(sys.argv[1])
event.listen(engine, "before_cursor_execute", lambda *args: time.sleep(0.004))
item = ArticleInput(open(sys.argv[2], encoding="utf-8").read(), "sample")
normalised, slug, title = prepare(item)
print("ready", flush=True)
save(make_session_factory(engine), item, normalised, slug, title,
     sample_extraction(normalised.text))
print("done", flush=True)
"""


def _copy(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def _observe(path: Path) -> tuple[int, Any, list[tuple[str, str]]]:
    url = f"sqlite:///{path}"
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    engine = make_engine(url)
    factory: sessionmaker[Session] = make_session_factory(engine)
    try:
        with factory() as session:
            article = _article(session)
            log = [(c.action, c.status) for c in corrections.corrections_of(session,
                                                                             article.id)]
            revision = article.revision
        return revision, state(factory), sorted(log)
    finally:
        engine.dispose()


def _ingest(path: Path, text_file: Path, kill_after: float | None) -> bool:
    """Run the ingest process; kill it ``kill_after`` seconds after it is ready. True if it
    finished on its own."""
    process = subprocess.Popen([sys.executable, "-c", CHILD, f"sqlite:///{path}",
                                str(text_file)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    if kill_after is None:
        assert process.wait(60) == 0
        return True
    time.sleep(kill_after)
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    return process.returncode == 0


@only_on("sqlite", "copies the database file and checks it with PRAGMA integrity_check")
def test_killing_a_reingest_never_loses_the_previous_revision_or_a_correction(
    tmp_path: Path, db_url: str, session_factory: sessionmaker[Session]
) -> None:
    store_text(session_factory, SAMPLE, "sample")
    with session_scope(session_factory) as session:
        article = _article(session)
        rivers = _entity(session, "Sam Rivers")
        corrections.update_entity(session, article, rivers.id, {"name": "Samuel Rivers"}, "ed")
        corrections.delete_mention(session, article, _entity(session, "Anbar").mentions[0].id,
                                   "ed")
        start = SAMPLE.index("Officials")
        corrections.add_mention(session, article, start, start + 9, "ed",
                                new_entity={"name": "Officials", "type": "actor"})
    session_factory.kw["bind"].dispose()
    live = Path(db_url.removeprefix("sqlite:///"))
    pristine, finished = tmp_path / "pristine.db", tmp_path / "finished.db"
    _copy(live, pristine)
    text_file = tmp_path / "revised.txt"
    text_file.write_text(REVISED, encoding="utf-8")

    before = _observe(pristine)
    assert before[0] == 1 and before[2] == [("add_mention", "applied"),
                                            ("delete_mention", "applied"),
                                            ("update_entity", "applied")]
    _copy(pristine, finished)
    started = time.monotonic()
    _ingest(finished, text_file, None)
    duration = time.monotonic() - started
    after = _observe(finished)
    assert after[0] == 2 and after[2] == before[2]  # re-applied, none orphaned
    assert "Samuel Rivers" in str(after[1]) and "Officials" in str(after[1])

    rng = random.Random(20261202)
    seen = {1: 0, 2: 0}
    for _ in range(8):
        _copy(pristine, live)
        _ingest(live, text_file, rng.uniform(0, duration))
        observed = _observe(live)
        assert observed in (before, after), "a half-written re-ingest is visible"
        seen[observed[0]] += 1
    assert seen[1] >= 1  # at least one kill landed before the commit
