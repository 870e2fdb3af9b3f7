"""Engine and session factory. SQLite gets WAL and foreign keys on every connection."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker


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
    return sessionmaker(engine, expire_on_commit=False)


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
