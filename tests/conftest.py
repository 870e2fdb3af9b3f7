"""Shared fixtures: a fresh migrated database per test, the real app in-process.

The suite runs on SQLite by default and on PostgreSQL when ``TEST_DATABASE_URL`` is set (a
superuser URL; ``scripts/with-postgres`` starts a throw-away cluster and sets it; ``make test``
runs both). Either way the schema is migrated once per run into a template, and every test
gets its own copy: a copied file on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL
(dropped afterwards). A test that only makes sense on one engine says so with
``@only_on("sqlite", reason)``; the reason is printed with the skips.
"""

import copy
import itertools
import json
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from app.cli import alembic_config
from app.db import make_engine, make_session_factory
from app.settings import BUNDLED_ARTICLE, Settings

if TYPE_CHECKING:
    from spacy.language import Language

    from app.nlp.normalise import NormalisedText
    from app.nlp.types import Extraction

ADMIN_TOKEN = "test-token-123"
# Host names of the in-process clients (Starlette's TestClient and schemathesis send
# "testserver"); any other host gets 400 from TrustedHostMiddleware.
TEST_HOSTS = ["localhost", "127.0.0.1", "testserver"]


TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
ENGINE = make_url(TEST_DATABASE_URL).get_backend_name() if TEST_DATABASE_URL else "sqlite"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: starts a worker process or loads spaCy; deselect with -m 'not slow'"
    )
    config.addinivalue_line(
        "markers", "only_on(engine, reason): run only when the suite runs on that engine"
    )


def pytest_report_header(config: pytest.Config) -> str:
    where = make_url(TEST_DATABASE_URL).render_as_string() if TEST_DATABASE_URL else "files"
    return f"database engine: {ENGINE} ({where})"


def only_on(engine: str, reason: str) -> pytest.MarkDecorator:
    """Mark a test that only makes sense on one engine ("sqlite" or "postgresql")."""
    return pytest.mark.only_on(engine, reason=reason)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only", action="store_true",
        help="leave out the tests that use no database (spaCy, rendering, the W3C harness, "
             "...): they give the same result on either engine; for a quicker run on "
             "PostgreSQL after a change to the store (`make test` runs every test on both).")


def uses_database(item: pytest.Item) -> bool:
    """Whether a test reaches the engine under test: every way to it (db_url, settings,
    client, session_factory, ...) goes through the ``databases`` fixture; a test marked
    ``only_on`` an engine counts as one."""
    return ("databases" in getattr(item, "fixturenames", ())
            or item.get_closest_marker("only_on") is not None)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for mark in item.iter_markers("only_on"):
            engine = mark.args[0]
            if engine != ENGINE:
                reason = mark.kwargs.get("reason") or (mark.args[1:] or [""])[0]
                item.add_marker(pytest.mark.skip(reason=f"only on {engine}: {reason}"))
    if config.getoption("database_tests_only"):
        left_out = [item for item in items if not uses_database(item)]
        if left_out:
            config.hook.pytest_deselected(items=left_out)
            items[:] = [item for item in items if uses_database(item)]
            _LEFT_OUT.append(len(left_out))


_LEFT_OUT: list[int] = []  # tests --database-tests-only left out, for the summary


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED and _LEFT_OUT:
        session.exitstatus = pytest.ExitCode.OK  # all of them use no database: not a failure


def migrate(url: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(url), "head")


# PostgreSQL: what a migrated database is made of besides its rows (every schema object, the
# database's own settings, large objects, prepared transactions). A test database whose
# fingerprint still equals the template's is emptied back to the template's rows and used
# again; any other is dropped.
_FINGERPRINT = """
WITH user_rel AS (
    SELECT c.oid, n.nspname, c.relname, c.relkind FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
)
SELECT md5(string_agg(item, E'\\n' ORDER BY item)) FROM (
    SELECT 'rel ' || nspname || '.' || relname || ' ' || relkind::text FROM user_rel
    UNION ALL
    SELECT 'col ' || r.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
           || ' ' || a.attnotnull || ' ' || a.attgenerated::text || ' '
           || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
    FROM user_rel r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE NOT a.attisdropped
    UNION ALL
    SELECT 'idx ' || pg_get_indexdef(i.indexrelid) FROM pg_index i
    JOIN user_rel r ON r.oid = i.indrelid
    UNION ALL
    SELECT 'con ' || r.relname || '.' || c.conname || ' ' || pg_get_constraintdef(c.oid)
    FROM pg_constraint c JOIN user_rel r ON r.oid = c.conrelid
    UNION ALL
    SELECT 'trg ' || pg_get_triggerdef(t.oid) FROM pg_trigger t
    JOIN user_rel r ON r.oid = t.tgrelid WHERE NOT t.tgisinternal
    UNION ALL
    SELECT 'view ' || r.relname || ' ' || pg_get_viewdef(r.oid) FROM user_rel r
    WHERE r.relkind IN ('v', 'm')
    UNION ALL
    SELECT 'seq ' || r.relname || ' ' || s.seqstart || ' ' || s.seqincrement FROM pg_sequence s
    JOIN user_rel r ON r.oid = s.seqrelid
    UNION ALL
    SELECT 'fn ' || p.oid::regprocedure::text || ' ' || md5(coalesce(p.prosrc, ''))
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
    UNION ALL
    SELECT 'ts ' || c.cfgname || ' ' || m.maptokentype || ' ' || m.mapseqno || ' '
           || m.mapdict::regdictionary::text
    FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace
    LEFT JOIN pg_ts_config_map m ON m.mapcfg = c.oid
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
    UNION ALL
    SELECT 'dict ' || d.dictname || ' ' || coalesce(d.dictinitoption, '') FROM pg_ts_dict d
    JOIN pg_namespace n ON n.oid = d.dictnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
    UNION ALL
    SELECT 'type ' || t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\\_toast%' AND t.typrelid = 0
    UNION ALL
    SELECT 'nsp ' || nspname FROM pg_namespace
    UNION ALL
    SELECT 'ext ' || extname || ' ' || extversion FROM pg_extension
    UNION ALL
    SELECT 'setting ' || array_to_string(setconfig, ' ') FROM pg_db_role_setting
    WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
    UNION ALL
    SELECT 'lo ' || count(*) FROM pg_largeobject_metadata
    UNION ALL
    SELECT 'xact ' || count(*) FROM pg_prepared_xacts WHERE database = current_database()
    UNION ALL
    SELECT 'rls ' || c.relname FROM pg_class c JOIN user_rel r ON r.oid = c.oid
    WHERE c.relrowsecurity
) AS items(item)
"""

# The template's rows, table by table, and its sequences' states.
_TABLES = """
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
ORDER BY 1
"""
_SEQUENCES = """
SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), last_value IS NOT NULL,
       coalesce(last_value, start_value) FROM pg_sequences
"""


@dataclass
class _Template:
    """What a migrated PostgreSQL database holds before any test writes to it."""

    fingerprint: str
    tables: list[str]
    rows: dict[str, tuple[str, str]]  # table -> (its insertable columns, its rows as JSON)
    sequences: list[tuple[str, bool, int]]

    @classmethod
    def read(cls, conn: Connection) -> "_Template":
        tables = list(conn.scalars(text(_TABLES)))
        rows = {}
        for table in tables:
            found = conn.scalar(text(f"SELECT json_agg(t) FROM {table} AS t"))
            if found:
                columns = ", ".join(conn.scalars(text(
                    "SELECT quote_ident(attname) FROM pg_attribute WHERE attrelid = "
                    "CAST(:t AS regclass) AND attnum > 0 AND NOT attisdropped AND "
                    "attgenerated = '' ORDER BY attnum"), {"t": table}))
                rows[table] = (columns, json.dumps(found))
        sequences = [(n, called, value) for n, called, value in conn.execute(text(_SEQUENCES))]
        return cls(conn.scalar(text(_FINGERPRINT)) or "", tables, rows, sequences)

    def restore(self, conn: Connection) -> bool:
        """Empty the database back to these rows; False (nothing changed) if its schema is no
        longer the template's."""
        if conn.scalar(text(_FINGERPRINT)) != self.fingerprint:
            return False
        if list(conn.scalars(text(_TABLES))) != self.tables:
            return False
        conn.execute(text(f"TRUNCATE {', '.join(self.tables)} RESTART IDENTITY CASCADE"))
        for table, (columns, rows) in self.rows.items():
            conn.execute(text(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM "
                              f"json_populate_recordset(NULL::{table}, :rows)"), {"rows": rows})
        for sequence, called, value in self.sequences:
            conn.execute(text("SELECT setval(CAST(:s AS regclass), :v, :c)"),
                         {"s": sequence, "v": value, "c": called})
        return True


class Databases:
    """Fresh databases for tests on the engine under test: migrated (a copy of a template
    migrated once per run) or empty.

    On PostgreSQL ``CREATE DATABASE ... TEMPLATE`` copies every catalog too and costs about
    as much CPU as a whole small test; so a migrated database a test is done with is, unless
    its schema changed, emptied back to the template's rows (TRUNCATE) and handed to a later
    test under a new name (connections the earlier test left behind are closed first, and the
    old name no longer exists for them to reconnect to)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.names = itertools.count(1)
        self.prefix = f"nr{os.getpid()}"
        self.template: str | None = None
        self.server = None
        self.template_rows: _Template | None = None
        self.spare: list[str] = []  # PostgreSQL: emptied databases, ready for the next test
        self.handed_out: set[str] = set()  # PostgreSQL: migrated databases in tests' hands
        self.counts: Counter[str] = Counter()  # what became of them, for the summary
        self.seeded: dict[str, str] = {}  # templates holding more than the migrations' rows
        if ENGINE != "sqlite":
            self.server = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT",
                                        poolclass=NullPool)

    def _url(self, name: str) -> str:
        if self.server is None:
            return f"sqlite:///{self.directory / name}.db"
        return make_url(TEST_DATABASE_URL).set(database=name).render_as_string(
            hide_password=False)

    def _name(self) -> str:
        return f"{self.prefix}_{next(self.names)}"

    def empty(self) -> str:
        name = self._name()
        if self.server is not None:
            self._execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self._url(name)

    def migrated(self, seed: str | None = None,
                 build: "Callable[[str], object] | None" = None) -> str:
        """A migrated database of its own; with ``seed``, one that also holds what ``build``
        (called once a run, on a database of its own) wrote: a copy of that."""
        if self.template is None:
            url = self.empty()
            migrate(url)
            self.template = url
            if self.server is not None:
                with self._connect(url) as conn:
                    self.template_rows = _Template.read(conn)
        if seed is not None and seed not in self.seeded:
            assert build is not None, f"the first request for {seed!r} says how to build it"
            url = self.migrated()
            build(url)
            if self.server is not None:
                self.handed_out.discard(make_url(url).database)  # a template now, kept
                self._execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                              f"datname = '{make_url(url).database}'")
            self.seeded[seed] = url
        template = self.seeded[seed] if seed is not None else self.template
        name = self._name()
        if self.server is None:
            # The backup API, not a file copy: it reads through any WAL left beside the file.
            with sqlite3.connect(make_url(template).database or "") as source, \
                    sqlite3.connect(self.directory / f"{name}.db") as target:
                source.backup(target)
            target.close()
            source.close()
            return self._url(name)
        if self.spare and seed is None:
            self._execute(f'ALTER DATABASE "{self.spare.pop()}" RENAME TO "{name}"')
            self.counts["emptied and handed on"] += 1
        else:
            self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(template).database}"')
            self.counts["copied from a template"] += 1
        self.handed_out.add(name)  # emptied to the migrations' rows afterwards, seeded or not
        return self._url(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        if self.server is not None:
            if name in self.handed_out:
                self.handed_out.discard(name)
                if self._recycle(name):
                    return
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        elif name:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{name}{suffix}").unlink(missing_ok=True)

    def _recycle(self, name: str) -> bool:
        """Close every connection to ``name``, move it out of the way under a spare name and
        empty it back to the template's rows. False if that cannot be done: drop it."""
        assert self.template_rows is not None
        spare = f"{self.prefix}_spare{next(self.names)}"
        for _ in range(20):  # a thread a test left behind may reconnect: close it again
            self._execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          f"WHERE datname = '{name}' AND pid <> pg_backend_pid()")
            try:
                self._execute(f'ALTER DATABASE "{name}" RENAME TO "{spare}"')
                break
            except OperationalError:  # still in use: its backends are ending
                time.sleep(0.05)
        else:
            self.counts["dropped: still in use"] += 1
            return False
        with self._connect(self._url(spare)) as conn:
            if not self.template_rows.restore(conn):
                conn.rollback()
                self._execute(f'DROP DATABASE IF EXISTS "{spare}" WITH (FORCE)')
                self.counts["dropped: schema changed"] += 1
                return True  # dropped under its spare name
            conn.commit()
        self.spare.append(spare)
        return True

    def close(self) -> None:
        if self.server is not None:
            seeded = [make_url(url).database for url in self.seeded.values()]
            for name in [*self.spare, *self.handed_out, *seeded]:
                self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if self.template is not None:
                self._execute(
                    f'DROP DATABASE IF EXISTS "{make_url(self.template).database}" WITH (FORCE)')
            self.server.dispose()

    @contextmanager
    def _connect(self, url: str) -> Iterator[Connection]:
        engine = create_engine(url, poolclass=NullPool)
        try:
            with engine.connect() as conn:
                yield conn
        finally:
            engine.dispose()

    def _execute(self, sql: str) -> None:
        assert self.server is not None
        with self.server.connect() as conn:
            conn.execute(text(sql))


_DATABASES: list[Databases] = []


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    made = Databases(tmp_path_factory.mktemp("databases"))
    _DATABASES.append(made)
    yield made
    made.close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for count in _LEFT_OUT:
        terminalreporter.write_line(
            f"--database-tests-only: {count} tests that use no database left out (they give "
            "the same result on either engine)")
    for made in _DATABASES:
        if made.counts:
            terminalreporter.write_line(
                "migrated PostgreSQL test databases: "
                + ", ".join(f"{n} {what}" for what, n in sorted(made.counts.items())))


@pytest.fixture
def db_url(databases: Databases, request: pytest.FixtureRequest) -> Iterator[str]:
    if "ramadi_client" in request.fixturenames:
        # The bundled article, ingested once a run by the real pipeline, then copied.
        def ingest_bundled(url: str) -> None:
            from app.ingest.service import ArticleInput, ingest_article

            engine = make_engine(url)
            ingest_article(make_session_factory(engine),
                           ArticleInput(BUNDLED_ARTICLE.read_text(encoding="utf-8"), "ramadi"),
                           request.getfixturevalue("extractor"))
            engine.dispose()

        url = databases.migrated(seed="ramadi", build=ingest_bundled)
    else:
        url = databases.migrated()
    yield url
    databases.drop(url)


@pytest.fixture
def empty_db_url(databases: Databases) -> Iterator[str]:
    """A database with no schema (to test what happens before ``migrate``)."""
    url = databases.empty()
    yield url
    databases.drop(url)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=db_url, admin_token=ADMIN_TOKEN, data_dir=tmp_path / "data",
                    allowed_hosts=TEST_HOSTS)


@pytest.fixture
def session_factory(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def nlp() -> "Language":
    from app.nlp.pipeline import load_pipeline

    return load_pipeline()


@pytest.fixture(scope="session")
def bundled_text() -> str:
    return BUNDLED_ARTICLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def extractor(nlp: "Language") -> "Callable[[NormalisedText], Extraction]":
    """The real extraction (spaCy and our steps), run once per distinct text in a session:
    it is deterministic, and the bundled article alone takes seconds to extract. Each caller
    gets its own copy, so what one test's store does to it cannot reach another test."""
    from app.nlp.extract import extract

    done: dict[NormalisedText, Extraction] = {}

    def _extract(normalised: "NormalisedText") -> "Extraction":
        if normalised not in done:
            done[normalised] = extract(nlp, normalised)
        return copy.deepcopy(done[normalised])

    return _extract


@pytest.fixture
def ingest_text(session_factory: sessionmaker[Session],
                extractor: "Callable[[NormalisedText], Extraction]"):  # type: ignore[no-untyped-def]
    from app.ingest.service import ArticleInput, ingest_article

    def _ingest(text: str, slug: str = "ramadi", **kwargs: object):  # type: ignore[no-untyped-def]
        item = ArticleInput(text, slug, **kwargs)  # type: ignore[arg-type]
        return ingest_article(session_factory, item, extractor)

    return _ingest


@dataclass
class CliRun:
    """What a command printed and how it exited (``subprocess.CompletedProcess``'s fields)."""

    returncode: int
    stdout: str
    stderr: str


Cli = Callable[..., CliRun]  # cli(db_url, *args, env=None)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, nlp: "Language") -> Cli:
    """``python -m app ARGS`` run by ``app.cli.main`` in this process, with DATABASE_URL and
    ``env`` as its only settings from the environment (as a process started with that
    environment alone): the same code, exit codes and output, without a new interpreter
    importing the app (and loading spaCy) each time: the model is the session's ``nlp``.
    An exception the command does not handle fails the test (a process would have printed a
    traceback). Each entry point also has a test that starts a real process (tests/test_cli.py,
    tests/test_cli_worker.py, the live server tests)."""
    import contextlib
    import gc
    import io

    from app.cli import main
    from app.settings import get_settings

    def load_pipeline(name: str | None = None) -> "Language":
        assert name in (None, Settings.model_fields["spacy_model"].default), name
        return nlp

    monkeypatch.setattr("app.nlp.pipeline.load_pipeline", load_pipeline)

    def run(db_url: str, *args: str, env: dict[str, str] | None = None) -> CliRun:
        with monkeypatch.context() as patched:
            for name in Settings.model_fields:
                patched.delenv(name.upper(), raising=False)
            for name, value in {"DATABASE_URL": db_url, **(env or {})}.items():
                patched.setenv(name, value)
            out, err = io.StringIO(), io.StringIO()
            collecting = gc.isenabled()  # `serve` turns collection off before it starts
            get_settings.cache_clear()
            try:
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                    code = main(list(args))
            except SystemExit as exc:  # argparse's usage errors
                code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
            finally:
                get_settings.cache_clear()
                if collecting:
                    gc.enable()
        return CliRun(code, out.getvalue(), err.getvalue())

    return run


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    from app.web.app import create_app

    # A host the app serves by default (TrustedHostMiddleware refuses any other).
    with TestClient(create_app(settings), base_url="http://localhost") as test_client:
        yield test_client


@pytest.fixture
def ramadi_client(client: TestClient) -> TestClient:
    """The app serving the bundled article ("ramadi"), ingested by the real pipeline: the
    test's database is a copy of one it was ingested into once a run (see ``db_url``)."""
    return client
