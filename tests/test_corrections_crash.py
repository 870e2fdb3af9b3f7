"""Crash test: SIGKILL a re-ingest of a revised text with corrections at random points. The
previous revision and every correction must be intact afterwards (or the new revision with
its corrections re-applied, if the kill came after the commit), and SQLite must be sound."""

import multiprocessing
import random
import sqlite3
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from app import corrections
from app.db import make_engine, make_session_factory, session_scope
from app.ingest.service import ArticleInput, prepare, save
from tests.conftest import only_on
from tests.test_corrections import REVISED, _article, _entity, state
from tests.web.conftest import SAMPLE, sample_extraction, store_text

# Ingest processes are forked by multiprocessing's fork server, which imports this module
# (and so the app) once: a fresh interpreter for each of the nine runs spent most of the
# test's time importing. Each is still a process of its own, killed by SIGKILL.
PROCESSES = multiprocessing.get_context("forkserver")
PROCESSES.set_forkserver_preload([__name__])


def _store_revision(url: str, text_file: str, ready: Connection) -> None:
    """The ingest process: the real store path (save: re-extraction written, corrections
    re-applied, one transaction), each SQL statement slowed a little so that kills land
    inside it."""
    engine = make_engine(url)
    event.listen(engine, "before_cursor_execute", lambda *args: time.sleep(0.004))
    item = ArticleInput(Path(text_file).read_text(encoding="utf-8"), "sample")
    normalised, slug, title = prepare(item)
    ready.send("ready")
    save(make_session_factory(engine), item, normalised, slug, title,
         sample_extraction(normalised.text))


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
    ready, child_end = PROCESSES.Pipe(duplex=False)
    process = PROCESSES.Process(target=_store_revision,
                                args=(f"sqlite:///{path}", str(text_file), child_end))
    process.start()
    child_end.close()
    assert ready.poll(60) and ready.recv() == "ready"
    if kill_after is None:
        process.join(60)
        assert process.exitcode == 0
        return True
    time.sleep(kill_after)
    process.kill()  # SIGKILL
    process.join(10)
    return process.exitcode == 0


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
