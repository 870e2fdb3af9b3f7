"""Engine and session factory. SQLite gets WAL and foreign keys on every connection."""

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

# Connections one engine may hold at once. The server runs each request's database work in
# a thread of anyio's pool (40 threads), so a pool smaller than that makes busy requests wait
# for a connection and, past the pool's timeout, fail. PostgreSQL's default max_connections
# (100) holds two server workers at full load; docker-compose.yml raises it for more.
POOL_SIZE, MAX_OVERFLOW = 10, 30


class DatabaseUnavailable(RuntimeError):
    """The database URL cannot be used; the message says why (without the password)."""


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def parse_url(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError:
        raise DatabaseUnavailable(
            f"DATABASE_URL is not a database URL: {url!r} (e.g. sqlite:///data/newsreader.db)"
        ) from None


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; ``None`` for other databases and in-memory SQLite."""
    parsed = parse_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)  # type: ignore[arg-type]


def make_engine(url: str) -> Engine:
    parsed = parse_url(url)
    shown = parsed.render_as_string(hide_password=True)
    kwargs: dict[str, Any] = {}
    in_memory = parsed.get_backend_name() == "sqlite" and sqlite_path(url) is None
    if not in_memory:  # (in-memory SQLite has a pool of its own, one connection)
        kwargs.update(pool_size=POOL_SIZE, max_overflow=MAX_OVERFLOW)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                ancestors = (path.parent, *path.parent.parents)
                blocker = next((p for p in ancestors if p.exists() and not p.is_dir()), None)
                why = f"{blocker} is a file, not a directory" if blocker else exc.strerror or exc
                raise DatabaseUnavailable(
                    f"cannot create the directory {path.parent} for {shown}: {why}"
                ) from None
        kwargs["connect_args"] = {"check_same_thread": False}
    try:
        engine = create_engine(url, **kwargs)
    except (ArgumentError, ImportError) as exc:
        raise DatabaseUnavailable(f"cannot use {shown}: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _on_sqlite_connect)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    factory = sessionmaker(engine, expire_on_commit=False)
    event.listen(factory, "after_begin", _begin_reader_snapshot)
    return factory


# Readers: one snapshot per session.
_READER = "newsreader.reader"
_repeatable_read: "weakref.WeakKeyDictionary[Engine, Engine]" = weakref.WeakKeyDictionary()


def reader_session(factory: sessionmaker[Session]) -> Session:
    """A session for an answer that only reads (a page, a JSON document): every statement in
    it sees the database as of one instant, so an answer built from several queries (a count
    and the rows it counts, an entity and its mentions) is consistent while writers commit.

    PostgreSQL: REPEATABLE READ READ ONLY, a snapshot taken at the first statement (readers
    never block writers nor wait for them), ended by :func:`end_reader`. SQLite: an explicit
    deferred ``BEGIN`` (the driver would run each SELECT in a moment of its own); in WAL mode
    it never blocks nor waits either.
    Writers keep the default (READ COMMITTED on PostgreSQL) and lock what they
    read-modify-write.
    """
    engine = factory.kw["bind"]
    if engine.dialect.name == "postgresql":
        bound = _repeatable_read.get(engine)
        if bound is None:
            bound = _repeatable_read[engine] = engine.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True)
        session = factory(bind=bound)
    else:
        session = factory()
    session.info[_READER] = True
    return session


def end_reader(session: Session) -> None:
    """Close a reader's session. On PostgreSQL its transaction (READ ONLY) ends with COMMIT,
    which is the same as ROLLBACK to the server but not to psycopg: at every ROLLBACK it
    forgets the statements it prepared on the connection (it prepares one at its sixth run
    there), so each request's statements would be parsed and planned anew, and planning
    costs more than running most of ours. Elsewhere closing rolls back, as it always did."""
    try:
        if session.in_transaction() and session.get_bind().dialect.name == "postgresql":
            session.commit()
    finally:
        session.close()


def is_reader(session: Session) -> bool:
    """Whether ``session`` is a reader's (:func:`reader_session`): one snapshot, no writes,
    so what it read once it may keep for the rest of the request."""
    return bool(session.info.get(_READER))


def _begin_reader_snapshot(session: Session, _transaction: Any, connection: Any) -> None:
    if session.info.get(_READER) and connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
