"""Scale benchmark (issue 11, section 3): how the reader's cost grows with the library.

    python tests/bench/scale.py [--sizes 100,1000,10000] [--engine sqlite|postgresql|both]

The library is built by **copying rows**, by this procedure (the same on every run):

1. Seeds: the bundled article and ``--generated`` generated reports (``tests/bench/texts.py``,
   deterministic) are ingested once through the real ingest, ``python -m app ingest``, into a
   fresh migrated database (SQLite file, or a PostgreSQL database).
2. Copies: copy *c* (0, 1, 2, ...) takes seed ``c mod seeds`` and copies its rows under a new
   slug (``<seed slug>-c<c>``), a title with a coined word of its own (the "rare word" of the
   full-text search), and a publication date shifted ``c // 3 + 1`` days back: the article,
   its paragraphs and sentences, entities, mentions, roles and quotes, in bulk SQL
   (``INSERT ... SELECT`` joined to a table of copy ids, or one ``executemany`` per batch;
   never an ORM object per row). The article text is the seed's, verbatim. The search index
   follows the articles (FTS5 triggers on SQLite, the tsvector column on PostgreSQL).
3. Shifted names: each entity of a copy keeps its seed's name or gets a coined word appended
   ("Islamic State Kaduromi"), by tier: the entity that every seed names (the Islamic State)
   keeps its name in 4 copies of 5 (so one library entity is in ~80 % of the articles); a
   seed's 5 most-mentioned other entities take one of 10 variants; the next 15 one of 200;
   the rest a variant of their own copy (rare: one article each). Keys shift with names, and
   each copied entity's library key is computed by ``app.library.library_key``, as ingest does.
4. The library (library entities' counts and names, names, name terms, co-mentions) is
   accumulated in Python from the seeds' own rows while copying and written in bulk; a unit
   test (tests/bench/test_scale_builder.py) checks at a tiny size that it equals what
   ``app.library.rebuild`` computes from the copied rows, on SQLite and PostgreSQL.

Each size is reached by adding copies to the previous one (100, then 1,000, then 10,000
articles). Requests go to the real app in-process (Starlette's ``TestClient``: no network, one
process), and every figure is written to ``bench/scale.md`` with the procedure beside it.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import (  # noqa: E402
    Column,
    Date,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    cast,
    delete,
    event,
    func,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from app import library  # noqa: E402
from app.models import (  # noqa: E402
    Article,
    Entity,
    LibraryComention,
    LibraryEntity,
    LibraryName,
    LibraryTerm,
    Mention,
    Paragraph,
    Quote,
    Role,
    Sentence,
)

BASE_DATE = date(2015, 5, 17)
BASE_CREATED = datetime(2026, 1, 1, tzinfo=UTC)
BATCH = 250  # copies written per round of statements
SYLLABLES = ["ka", "ro", "mi", "ta", "ve", "lu", "sa", "no", "di", "ze", "bo", "fu", "ri",
             "pe", "go", "xa"]

A, E, M, R, Q = (t.__table__ for t in (Article, Entity, Mention, Role, Quote))  # type: ignore[attr-defined]
P, S = Paragraph.__table__, Sentence.__table__  # type: ignore[attr-defined]
LE, LN, LT, LC = (t.__table__ for t in (LibraryEntity, LibraryName, LibraryTerm,  # type: ignore[attr-defined]
                                        LibraryComention))


def coined(n: int, syllables: int = 4) -> str:
    """A pronounceable word no dictionary has, one per ``n`` (``n`` < 16**syllables)."""
    parts = []
    for _ in range(syllables):
        n, digit = divmod(n, len(SYLLABLES))
        parts.append(SYLLABLES[digit])
    return "".join(parts).capitalize()


def rare_word(copy: int) -> str:
    """The word only copy ``copy``'s title has (5 syllables: never a name variant's word)."""
    return coined(copy, 5)


# ---- the seeds, as the real ingest stored them


@dataclass
class SeedEntity:
    id: int
    key: str
    name: str
    type: str
    kind: str
    aliases: list[str]
    source: str
    method: str | None
    confidence: float | None
    mentions: int
    named: int
    tier: str = "rare"
    country: str | None = None  # stated for a kind of body ("Iraqi Interior Ministry")


@dataclass
class Seed:
    id: int
    slug: str
    title: str
    published: date | None
    entities: list[SeedEntity]
    sentences: list[set[int]]  # per sentence, the entity ids mentioned in it


TIERS = {"frequent": 0, "top": 10, "middle": 200}  # variants; "rare": one per copy


def variant(tier: str, copy: int) -> int:
    """Which name an entity of ``tier`` takes in copy ``copy``: 0 is the seed's own."""
    if tier == "frequent":
        return 0 if copy % 5 else 1 + (copy // 5) % 40
    if tier == "rare":
        return 1000 + copy
    return copy % TIERS[tier]


def load_seeds(conn: Connection) -> list[Seed]:
    seeds = []
    articles = conn.execute(select(A.c.id, A.c.slug, A.c.title, A.c.published)
                            .order_by(A.c.id)).all()
    for article_id, slug, title, published in articles:
        counts = {
            eid: (n, named)
            for eid, n, named in conn.execute(
                select(M.c.entity_id, func.count(),
                       func.sum(func.coalesce((M.c.form == "name").cast(Integer), 0)))
                .where(M.c.article_id == article_id).group_by(M.c.entity_id)
            )
        }
        entities = [
            SeedEntity(row.id, row.key, row.name, row.type, row.kind, list(row.aliases or []),
                       row.source, row.method, row.confidence, *counts.get(row.id, (0, 0)))
            for row in conn.execute(select(E).where(E.c.article_id == article_id)
                                    .order_by(E.c.id))
        ]
        bounds = conn.execute(select(S.c.start, S.c.end).where(S.c.article_id == article_id)
                              .order_by(S.c.start)).all()
        starts = [s for s, _ in bounds]
        sentences: list[set[int]] = [set() for _ in bounds]
        for entity_id, start in conn.execute(
            select(M.c.entity_id, M.c.start).where(M.c.article_id == article_id)
        ):
            i = bisect_right(starts, start) - 1
            if i >= 0 and start < bounds[i][1]:
                sentences[i].add(entity_id)
        # the country the article states for a kind of body, as library.apply finds it
        countries = library._countries(Session(bind=conn), article_id, entities)  # type: ignore[arg-type]
        for entity in entities:
            entity.country = countries.get(entity.id)
        seeds.append(Seed(article_id, slug, title, published, entities, sentences))
    _assign_tiers(seeds)
    return seeds


def _assign_tiers(seeds: list[Seed]) -> None:
    """The key every seed names is frequent; per seed, by mentions: top 5, next 15, rest."""
    common = set.intersection(*({e.key for e in s.entities} for s in seeds)) if seeds else set()
    frequent = max(common, key=lambda k: sum(e.mentions for s in seeds for e in s.entities
                                             if e.key == k), default=None)
    for seed in seeds:
        ranked = sorted((e for e in seed.entities if e.key != frequent),
                        key=lambda e: (-e.mentions, e.id))
        for rank, entity in enumerate(ranked):
            entity.tier = "top" if rank < 5 else "middle" if rank < 20 else "rare"
        for entity in seed.entities:
            if entity.key == frequent:
                entity.tier = "frequent"


# ---- the library, accumulated in Python while copying


@dataclass
class LibRow:
    id: int
    key: str
    name: str
    type: str
    kind: str
    article_count: int = 0
    mention_count: int = 0
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    retired_at: datetime | None = None
    stored: bool = True


class LibraryState:
    """library_entities, library_names and library_comentions as they will be written."""

    def __init__(self, conn: Connection) -> None:
        self.by_key: dict[str, LibRow] = {}
        for row in conn.execute(select(LE)):
            self.by_key[row.key] = LibRow(row.id, row.key, row.name, row.type, row.kind,
                                          row.article_count, row.mention_count,
                                          row.created_at, row.retired_at)
        self.next_id = max((r.id for r in self.by_key.values()), default=0) + 1
        # (library id, name) -> [uses, named, order]; order: the row's age, for the name rule
        self.names: dict[tuple[int, str], list[int]] = {}
        for lib, name, uses, named, row_id in conn.execute(
            select(LN.c.library_id, LN.c.name, LN.c.uses, LN.c.named, LN.c.id).order_by(LN.c.id)
        ):
            self.names[lib, name] = [uses, named, row_id]
        self.next_name = max((v[2] for v in self.names.values()), default=0) + 1
        self.pairs: Counter[tuple[int, int]] = Counter(
            {(a, b): n for a, b, n in conn.execute(select(LC.c.library_id, LC.c.other_id,
                                                          LC.c.sentences))}
        )
        self.touched: set[int] = set()
        self._counts: dict[int, tuple[int, int]] = {}  # articles and mentions added

    def library_id(self, key: str, name: str, type_: str, kind: str) -> int:
        row = self.by_key.get(key)
        if row is None:
            row = LibRow(self.next_id, key, name[:300], type_, kind, stored=False)
            self.by_key[key] = row
            self.next_id += 1
        return row.id

    def add_article(self, entities: list[tuple[int | None, SeedEntity, str, list[str]]],
                    sentences: list[set[int]], entity_of_seed: dict[int, int | None]) -> None:
        """One copied article: (library id, seed entity, its name, aliases) per entity."""
        libs: Counter[int] = Counter()
        for lib, seed, name, aliases in entities:
            if lib is None:
                continue
            libs[lib] += seed.mentions
            for shown in {name, *aliases}:
                self._name(lib, shown[:300])[0] += 1
            self._name(lib, name[:300])[1] += 1
        for lib, mentions in libs.items():
            self.touched.add(lib)
            articles, total = self._counts.get(lib, (0, 0))
            self._counts[lib] = (articles + 1, total + mentions)
        for ids in sentences:
            mapped = {entity_of_seed[i] for i in ids} - {None}
            for a in mapped:
                for b in mapped:
                    if a != b:
                        self.pairs[a, b] += 1  # type: ignore[index]

    def _name(self, lib: int, name: str) -> list[int]:
        entry = self.names.get((lib, name))
        if entry is None:
            entry = [0, 0, self.next_name]
            self.next_name += 1
            self.names[lib, name] = entry
        return entry

    def settle(self) -> None:
        """Fold the counted articles into the rows and choose display names."""
        by_id = {r.id: r for r in self.by_key.values()}
        for lib, (articles, mentions) in self._counts.items():
            by_id[lib].article_count += articles
            by_id[lib].mention_count += mentions
        self._counts = {}
        best: dict[int, tuple[int, int, int, str]] = {}
        for (lib, name), (uses, named, order) in self.names.items():
            if lib in self.touched:
                rank = (-named, -uses, order, name)
                if lib not in best or rank < best[lib]:
                    best[lib] = rank
        for lib, rank in best.items():
            by_id[lib].name = rank[3]


# ---- copying


TEMP = MetaData()
COPY_ARTICLES = Table(
    "scale_copy_articles", TEMP,
    Column("seed_id", Integer), Column("new_id", Integer, primary_key=True),
    Column("slug", String(200)), Column("title", String(500)), Column("published", Date),
    Column("created_at", DateTime(timezone=True)), prefixes=["TEMPORARY"],
)
COPY_ENTITIES = Table(
    "scale_copy_entities", TEMP,
    Column("seed_id", Integer), Column("new_id", Integer, primary_key=True),
    Column("new_article_id", Integer), prefixes=["TEMPORARY"],
)


class Builder:
    """Grows a library of seed articles to any size by copying rows (see the module)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        with engine.connect() as conn:
            self.seeds = load_seeds(conn)
            self.state = LibraryState(conn)
            self.articles = conn.scalar(select(func.count()).select_from(A)) or 0
            self.next_article = (conn.scalar(select(func.max(A.c.id))) or 0) + 1
            self.next_entity = (conn.scalar(select(func.max(E.c.id))) or 0) + 1
        if not self.seeds:
            raise ValueError("no seed articles: ingest some first")
        self.copies = self.articles - len(self.seeds)
        self.dialect = engine.dialect.name

    def grow_to(self, size: int, progress: Callable[[str], None] = lambda _: None) -> None:
        with self.engine.begin() as conn:
            TEMP.create_all(conn)
            while self.articles < size:
                count = min(BATCH, size - self.articles)
                self._copy_batch(conn, range(self.copies, self.copies + count))
                self.copies += count
                self.articles += count
                if self.articles % 2000 < BATCH:
                    progress(f"{self.articles} articles")
            self.state.settle()
            self._write_library(conn)
            TEMP.drop_all(conn)
            self._after_bulk(conn)

    def _copy_batch(self, conn: Connection, copies: range) -> None:
        articles, entities, mapping = [], [], []
        for copy in copies:
            seed = self.seeds[copy % len(self.seeds)]
            article_id = self.next_article
            self.next_article += 1
            articles.append({
                "seed_id": seed.id, "new_id": article_id, "slug": f"{seed.slug}-c{copy}",
                "title": f"{seed.title} ({rare_word(copy)})"[:500],
                "published": (seed.published or BASE_DATE) - timedelta(days=copy // 3 + 1),
                "created_at": BASE_CREATED + timedelta(minutes=copy),
            })
            rows, of_seed = [], {}
            for seed_entity in seed.entities:
                entity_id = self.next_entity
                self.next_entity += 1
                key, name, aliases = _shifted(seed_entity, variant(seed_entity.tier, copy))
                lib_key = library.library_key(key, seed_entity.type, entity_id,
                                              seed_entity.named > 0, seed_entity.country)
                lib = (self.state.library_id(lib_key, name, seed_entity.type, seed_entity.kind)
                       if lib_key is not None else None)
                of_seed[seed_entity.id] = lib
                rows.append((lib, seed_entity, name, aliases))
                entities.append({
                    "id": entity_id, "article_id": article_id, "key": key[:300],
                    "name": name[:300], "type": seed_entity.type, "kind": seed_entity.kind,
                    "aliases": aliases, "source": seed_entity.source, "library_id": lib,
                    "library_key": lib_key, "library_pin": None, "method": seed_entity.method,
                    "confidence": seed_entity.confidence,
                })
                mapping.append({"seed_id": seed_entity.id, "new_id": entity_id,
                                "new_article_id": article_id})
            self.state.add_article(rows, seed.sentences, of_seed)
        new_libs = [r for r in self.state.by_key.values() if not r.stored]
        if new_libs:
            conn.execute(LE.insert(), [_lib_values(r) for r in new_libs])
            for r in new_libs:
                r.stored = True
        conn.execute(COPY_ARTICLES.insert(), articles)
        conn.execute(COPY_ENTITIES.insert(), mapping)
        ca, ce = COPY_ARTICLES, COPY_ENTITIES
        in_batch = ca.c.new_id >= articles[0]["new_id"]
        conn.execute(A.insert().from_select(
            ["id", "slug", "title", "source", "published", "text", "content_sha256", "revision",
             "edit_version", "created_at", "updated_at"],
            select(ca.c.new_id, ca.c.slug, ca.c.title, A.c.source, ca.c.published, A.c.text,
                   A.c.content_sha256, literal(1), literal(0), ca.c.created_at, ca.c.created_at)
            .join(A, A.c.id == ca.c.seed_id).where(in_batch).order_by(ca.c.new_id)))
        for table, columns in ((P, ["index", "start", "end", "kind"]), (S, ["start", "end"])):
            conn.execute(table.insert().from_select(
                ["article_id", *columns],
                select(ca.c.new_id, *(table.c[c] for c in columns))
                .join(table, table.c.article_id == ca.c.seed_id).where(in_batch)
                .order_by(ca.c.new_id, table.c.id)))
        conn.execute(E.insert(), entities)
        entity_batch = ce.c.new_article_id >= articles[0]["new_id"]
        mention_columns = ["start", "end", "text", "form", "source", "type", "method",
                           "confidence"]
        conn.execute(M.insert().from_select(
            ["article_id", "entity_id", *mention_columns],
            select(ce.c.new_article_id, ce.c.new_id, *(M.c[c] for c in mention_columns))
            .join(M, M.c.entity_id == ce.c.seed_id).where(entity_batch)
            .order_by(ce.c.new_id, M.c.id)))
        org = ce.alias("org")
        conn.execute(R.insert().from_select(
            ["entity_id", "title", "organisation_id", "organisation_name", "start", "end",
             "source", "method", "confidence"],
            select(ce.c.new_id, R.c.title, org.c.new_id, R.c.organisation_name, R.c.start,
                   R.c.end, R.c.source, R.c.method, R.c.confidence)
            .join(R, R.c.entity_id == ce.c.seed_id)
            .outerjoin(org, and_(org.c.seed_id == R.c.organisation_id,
                                 org.c.new_article_id == ce.c.new_article_id))
            .where(entity_batch).order_by(ce.c.new_id, R.c.id)))
        speaker = ce.alias("speaker")
        conn.execute(Q.insert().from_select(
            ["id", "article_id", "start", "end", "text", "kind", "speaker_id",
             "speaker_description", "source", "method", "confidence"],
            select(literal("c") + cast(ca.c.new_id, String) + Q.c.id, ca.c.new_id, Q.c.start,
                   Q.c.end, Q.c.text, Q.c.kind, speaker.c.new_id, Q.c.speaker_description,
                   Q.c.source, Q.c.method, Q.c.confidence)
            .join(Q, Q.c.article_id == ca.c.seed_id)
            .outerjoin(speaker, and_(speaker.c.seed_id == Q.c.speaker_id,
                                     speaker.c.new_article_id == ca.c.new_id))
            .where(in_batch).order_by(ca.c.new_id, Q.c.start)))
        conn.execute(delete(ce))
        conn.execute(delete(ca))

    def _write_library(self, conn: Connection) -> None:
        """Counts and names of the touched library entities; names, terms and co-mentions
        rewritten whole."""
        state = self.state
        touched = [r for r in state.by_key.values() if r.id in state.touched]
        if touched:
            conn.execute(
                update(LE).where(LE.c.id == _bind("b_id")).values(
                    name=_bind("b_name"), article_count=_bind("b_articles"),
                    mention_count=_bind("b_mentions"), retired_at=None),
                [{"b_id": r.id, "b_name": r.name, "b_articles": r.article_count,
                  "b_mentions": r.mention_count} for r in touched])
        state.touched = set()
        for table in (LT, LN, LC):
            conn.execute(delete(table))
        names = sorted(state.names.items(), key=lambda item: item[1][2])
        folded = {name: library.fold(name)[:300] for (_, name), _ in names}
        _insert_all(conn, LN, ({"id": order, "library_id": lib, "name": name,
                                "folded": folded[name], "uses": uses, "named": named}
                               for (lib, name), (uses, named, order) in names))
        terms = sorted({(term, lib) for (lib, name), _ in names
                        for term in library._terms(folded[name])})
        _insert_all(conn, LT, ({"term": t, "library_id": lib} for t, lib in terms))
        _insert_all(conn, LC, ({"library_id": a, "other_id": b, "sentences": n}
                               for (a, b), n in state.pairs.items()))

    def _after_bulk(self, conn: Connection) -> None:
        """Sequences past the explicit ids (PostgreSQL), and fresh planner statistics."""
        if self.dialect == "postgresql":
            for table in ("articles", "entities", "library_entities", "library_names"):
                conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"))
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))


def _bind(name: str) -> Any:
    from sqlalchemy import bindparam

    return bindparam(name)


def _lib_values(row: LibRow) -> dict[str, Any]:
    return {"id": row.id, "key": row.key, "name": row.name, "type": row.type,
            "kind": row.kind, "article_count": 0, "mention_count": 0,
            "created_at": row.created_at, "retired_at": None}


def _insert_all(conn: Connection, table: Table, rows: Iterator[dict[str, Any]] | Any,
                size: int = 20_000) -> None:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            conn.execute(table.insert(), chunk)
            chunk = []
    if chunk:
        conn.execute(table.insert(), chunk)


def _shifted(entity: SeedEntity, which: int) -> tuple[str, str, list[str]]:
    """The seed's key, name and aliases, or with a coined word appended (variant ``which``)."""
    if which == 0 or "@" in entity.key:
        return entity.key, entity.name, list(entity.aliases)
    word = coined(which)
    return (f"{entity.key} {word.lower()}", f"{entity.name} {word}",
            [f"{a} {word}" for a in entity.aliases])


# ---- databases


class Database:
    """A fresh database for one engine: a SQLite file, or a PostgreSQL database created on
    the server of ``server_url`` (a superuser URL) and dropped by :meth:`drop`."""

    def __init__(self, engine_name: str, workdir: Path, server_url: str | None = None) -> None:
        self.engine_name = engine_name
        self._server_url = server_url
        self._name = f"scale_bench_{os.getpid()}"
        self._copies: list[str] = []
        if engine_name == "sqlite":
            for old in workdir.glob("scale*.db"):  # a fresh library, even in a kept folder
                old.unlink()
            self.url = f"sqlite:///{workdir / 'scale.db'}"
        else:
            if not server_url:
                raise ValueError("PostgreSQL needs --postgres-url (or TEST_DATABASE_URL)")
            from sqlalchemy.engine import make_url

            self.url = make_url(server_url).set(database=self._name).render_as_string(
                hide_password=False)
            self._admin(f'DROP DATABASE IF EXISTS "{self._name}"')
            self._admin(f'CREATE DATABASE "{self._name}"')
        from alembic import command
        from app.cli import alembic_config

        command.upgrade(alembic_config(self.url), "head")

    def _admin(self, statement: str) -> None:
        from sqlalchemy import create_engine

        admin = create_engine(self._server_url or "", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(statement))
        admin.dispose()

    def snapshot(self, label: str) -> str:
        """A copy of the database as it is now (no connection may be open to it): SQLite's
        backup API, or PostgreSQL's ``CREATE DATABASE ... TEMPLATE``. Returns its URL."""
        if self.engine_name == "sqlite":
            import sqlite3

            source = self.url.removeprefix("sqlite:///")
            target = source.replace(".db", f"-{label}.db")
            with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
                src.backup(dst)
            src.close()
            dst.close()
            return f"sqlite:///{target}"
        from sqlalchemy.engine import make_url

        name = f"{self._name}_{label}"
        self._admin(f'DROP DATABASE IF EXISTS "{name}"')
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self._name}"')
        self._copies.append(name)
        return make_url(self.url).set(database=name).render_as_string(hide_password=False)

    def drop(self) -> None:
        if self.engine_name == "postgresql":
            for name in [*self._copies, self._name]:
                self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---- seeds through the real ingest, and the ingest throughput


@dataclass
class IngestRun:
    files: int
    words: int
    seconds: float
    words_per_second: float
    processes: str
    plain_seconds: float = 0.0
    plain_words_per_second: float = 0.0

    @property
    def overhead(self) -> float:
        return self.plain_words_per_second / self.words_per_second if self.words_per_second \
            else float("nan")


SUMMARY_PREFIX = "extracted "


def run_ingest(url: str, paths: list[Path]) -> IngestRun:
    """``python -m app ingest PATHS`` as a user runs it; its own summary line read back."""
    env = {**os.environ, "DATABASE_URL": url}
    done = subprocess.run([sys.executable, "-m", "app", "ingest", *map(str, paths)], env=env,
                          cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"ingest failed ({done.returncode}):\n{done.stderr}{done.stdout}")
    line = next(x for x in done.stdout.splitlines() if x.startswith(SUMMARY_PREFIX))
    # "extracted 1798 words in 4.1 s (435 words/s, 1 process)"
    words = int(line.split()[1])
    seconds = float(line.split(" in ", 1)[1].split()[0])
    inside = line.split("(", 1)[1].rstrip(")")
    processes = inside.split(",", 1)[1].strip() if "," in inside else "?"
    files = int(done.stdout.split("files: ", 1)[1].split(",")[0])
    return IngestRun(files, words, seconds, words / seconds if seconds else 0.0, processes)


def plain_ner(paths: list[Path]) -> tuple[int, float]:
    """Words and seconds of plain ``en_core_web_sm`` (``spacy.load`` and ``nlp.pipe`` of the
    same normalised texts), as the CLI's figure counts its own model load too, and neither
    counts importing spaCy (the CLI imports it before its clock starts)."""
    from app.ingest.batch import read_article
    from app.nlp.normalise import normalise_text
    from app.nlp.pipeline import load_model

    texts = [normalise_text(read_article(p).text).text for p in paths]
    started = time.perf_counter()
    nlp = load_model()
    for _ in nlp.pipe(texts):
        pass
    return sum(len(t.split()) for t in texts), time.perf_counter() - started


def make_seeds(url: str, workdir: Path, generated: int) -> IngestRun:
    """The bundled article, then the generated ones (the measured ingest), then plain NER."""
    from app.settings import BUNDLED_ARTICLE
    from tests.bench.texts import generated_articles

    folder = workdir / "generated"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for article in generated_articles(generated):
        path = folder / f"{article.slug}.txt"
        path.write_text(article.text, encoding="utf-8")
        paths.append(path)
    run_ingest(url, [BUNDLED_ARTICLE])
    measured = run_ingest(url, [folder])
    words, seconds = plain_ner(sorted(paths))
    measured.plain_seconds = seconds
    measured.plain_words_per_second = words / seconds
    return measured


# ---- measuring the app


@dataclass
class Figure:
    name: str
    p50: float
    p99: float


@dataclass
class Probe:
    name: str
    path: Callable[[int], str]  # request number -> path
    before: Callable[[], None] = lambda: None  # not timed
    # False: as a reader's first request after a new revision (the worker's kept responses
    # emptied first, untimed): the app builds the answer, gzips it and keeps it. True: the
    # same request again, answered from what the worker kept.
    cached: bool = False


class Statements:
    """The SQL an app's requests send, for EXPLAIN."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.seen: list[tuple[str, Any]] = []
        self.on = False
        event.listen(engine, "before_cursor_execute", self._heard)

    def _heard(self, _conn: Any, _cursor: Any, statement: str, parameters: Any,
               _context: Any, executemany: bool) -> None:
        if self.on and not executemany:
            self.seen.append((statement, parameters))

    def explain(self) -> list[tuple[str, list[str]]]:
        out = []
        sqlite = self.engine.dialect.name == "sqlite"
        with self.engine.connect() as conn:
            for statement, parameters in self.seen:
                head = statement.lstrip().split(None, 1)[0].upper()
                if head not in ("SELECT", "WITH"):
                    continue
                prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
                rows = conn.exec_driver_sql(prefix + statement, parameters).all()
                plan = ([f"{'  ' * _depth(rows, r)}{r[-1]}" for r in rows] if sqlite
                        else [r[0] for r in rows])
                out.append((" ".join(statement.split()), plan))
        return out


def _depth(rows: list[Any], row: Any) -> int:
    parents = {r[0]: r[1] for r in rows}
    depth, parent = 0, row[1]
    while parent in parents:
        depth, parent = depth + 1, parents[parent]
    return depth


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


class AppUnderTest:
    """The real app in-process (Starlette's TestClient), on the benchmark's database."""

    def __init__(self, url: str, workdir: Path) -> None:
        from fastapi.testclient import TestClient

        from app.settings import Settings
        from app.web.app import create_app

        settings = Settings(database_url=url, data_dir=workdir / "data", admin_token="scale",
                            allowed_hosts=["localhost"])
        self.app = create_app(settings)
        self.client = TestClient(self.app, base_url="http://localhost")
        self.client.__enter__()
        self.statements = Statements(self.app.state.engine)

    def close(self) -> None:
        self.client.__exit__(None, None, None)

    def forget_responses(self) -> None:
        """Empty the worker's kept responses, as a new revision does: the next request is
        built anew (the revision check, the build, gzip and the ETag, as for a reader)."""
        store = self.app.state.responses
        store.entries.clear()
        store.size = 0

    def get(self, path: str) -> None:
        # A reader's request: no cookie, gzip accepted (httpx's default Accept-Encoding).
        self.client.cookies.clear()
        response = self.client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code} {response.text[:300]}")

    def timed(self, probe: Probe, i: int) -> float:
        probe.before()
        if not probe.cached:
            self.forget_responses()
        started = time.perf_counter()
        self.get(probe.path(i))
        return (time.perf_counter() - started) * 1000

    def plans(self, probe: Probe) -> list[tuple[str, list[str]]]:
        probe.before()
        if not probe.cached:
            self.forget_responses()
        self.statements.seen = []
        self.statements.on = True
        self.get(probe.path(0))
        self.statements.on = False
        return self.statements.explain()


def probes(app: AppUnderTest, seeds: int) -> list[Probe]:
    """What is timed, on the app's own library (``seeds`` ingested articles, the rest
    copies)."""
    with app.statements.engine.connect() as conn:
        slugs = list(conn.scalars(select(A.c.slug).order_by(A.c.id)))
        frequent = conn.execute(select(LE.c.id, LE.c.name, LE.c.article_count)
                                .order_by(LE.c.article_count.desc(), LE.c.id).limit(1)).one()
    copies = max(len(slugs) - seeds, 1)
    article = slugs[len(slugs) // 2]
    step = 7919  # a prime: requests spread over the library
    return [
        Probe("article page, uncached", lambda i: f"/articles/{slugs[(i * step) % len(slugs)]}"),
        Probe("article page, cached", lambda i: f"/articles/{article}", cached=True),
        Probe(f"library entity page of the most frequent entity ({frequent.name})",
              lambda i: f"/entities/{frequent.id}"),
        Probe("`/api/entities?q=isla`", lambda i: "/api/entities?q=isla"),
        # The directory as a reader opens it, and as the filter sends a first letter typed
        # (a one-letter prefix matches a good share of all names).
        Probe("directory (`/api/entities`)", lambda i: "/api/entities"),
        Probe("directory, one letter typed (`/api/entities?q=a`)",
              lambda i: "/api/entities?q=a"),
        Probe("home page's article list (`/api/library/articles`)",
              lambda i: "/api/library/articles"),
        Probe("search, common word (`said`)", lambda i: "/api/search?q=said"),
        Probe("search, rare word (one article's)",
              lambda i: f"/api/search?q={rare_word((i * step) % copies)}"),
    ]


def measure(apps: dict[int, AppUnderTest], seeds: int, requests: int,
            log: Callable[[str], None]) -> dict[int, list[Figure]]:
    """Every probe on every size, requests interleaved across sizes (size A, B, C, A, B, C,
    ...) so that the machine's load falls on all sizes alike."""
    plans = {size: probes(app, seeds) for size, app in apps.items()}
    figures: dict[int, list[Figure]] = {size: [] for size in apps}
    for index in range(len(next(iter(plans.values())))):
        samples: dict[int, list[float]] = {size: [] for size in apps}
        for i in range(-3, requests):  # 3 warm-up requests: templates, statement caches
            for size, app in apps.items():
                elapsed = app.timed(plans[size][index], i % requests)
                if i >= 0:
                    samples[size].append(elapsed)
        for size in apps:
            f = Figure(plans[size][index].name, statistics.median(samples[size]),
                       percentile(samples[size], 0.99))
            figures[size].append(f)
            log(f"{size}: {f.name}: p50 {f.p50:.1f} ms, p99 {f.p99:.1f} ms")
    return figures


# ---- the run and its report


@dataclass
class EngineResult:
    engine: str
    seed_articles: int = 0
    ingest: IngestRun | None = None
    build_seconds: dict[int, float] = field(default_factory=dict)
    rows: dict[int, dict[str, int]] = field(default_factory=dict)
    figures: dict[int, list[Figure]] = field(default_factory=dict)
    plans: list[tuple[str, list[tuple[str, list[str]]]]] = field(default_factory=list)
    load: list[str] = field(default_factory=list)  # load averages as measuring began, ended


def count_rows(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.scalar(select(func.count()).select_from(t)) or 0
                for t in (A, E, M, Q, R, LE, LC)}


def run_engine(engine_name: str, sizes: list[int], generated: int, requests: int,
               server_url: str | None, log: Callable[[str], None],
               keep: Path | None = None, reuse: Path | None = None) -> EngineResult:
    """Build (or, with ``reuse``, take the libraries a ``keep`` run left) and measure."""
    if reuse is not None:
        result, built = load_built(reuse, engine_name)
        measure_engine(result, built, sizes, requests, reuse, log)
        return result
    from app.db import make_engine

    result = EngineResult(engine_name)
    with tempfile.TemporaryDirectory(prefix="scale-") as tmp:
        workdir = keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        database = Database(engine_name, workdir, server_url)
        try:
            log(f"[{engine_name}] ingesting seeds (bundled + {generated} generated)")
            result.ingest = make_seeds(database.url, workdir, generated)
            engine = make_engine(database.url)
            builder = Builder(engine)
            result.seed_articles = len(builder.seeds)
            urls: dict[int, str] = {}
            for size in sizes:
                started = time.perf_counter()
                builder.grow_to(size, lambda msg: log(f"[{engine_name}] {msg}"))
                result.build_seconds[size] = time.perf_counter() - started
                result.rows[size] = count_rows(engine)
                log(f"[{engine_name}] {size} articles built in "
                    f"{result.build_seconds[size]:.0f} s: {result.rows[size]}")
                engine.dispose()
                urls[size] = database.url if size == sizes[-1] else database.snapshot(str(size))
            engine.dispose()
            if keep is not None:
                save_built(keep, result, urls)
                log(f"[{engine_name}] libraries kept: {urls}")
            if requests > 0:  # --keep --requests 0: build only, measure later with --reuse
                measure_engine(result, urls, sizes, requests, workdir, log)
        finally:
            if keep is None:
                database.drop()
    return result


def measure_engine(result: EngineResult, urls: dict[int, str], sizes: list[int],
                   requests: int, workdir: Path, log: Callable[[str], None]) -> None:
    engine_name = result.engine
    apps = {size: AppUnderTest(urls[size], workdir) for size in sizes}
    try:
        result.load.append(load_average())
        result.figures = measure(apps, result.seed_articles, requests,
                                 lambda msg: log(f"[{engine_name}] {msg}"))
        result.load.append(load_average())
        largest = apps[sizes[-1]]
        result.plans = [(p.name, largest.plans(p))
                        for p in probes(largest, result.seed_articles)]
    finally:
        for app in apps.values():
            app.close()


def load_average() -> str:
    """The machine's 1, 5 and 15 minute load averages (Linux), as the report quotes them."""
    try:
        return " / ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def save_built(folder: Path, result: EngineResult, urls: dict[int, str]) -> None:
    """What a later ``--reuse`` run needs: the databases' URLs and how they were built."""
    import json
    from dataclasses import asdict

    state = {"urls": urls, "seed_articles": result.seed_articles,
             "build_seconds": result.build_seconds, "rows": result.rows,
             "ingest": asdict(result.ingest) if result.ingest else None,
             "built_at": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"}
    (folder / f"{result.engine}.json").write_text(json.dumps(state, indent=1), "utf-8")


def load_built(folder: Path, engine_name: str) -> tuple[EngineResult, dict[int, str]]:
    import json

    state = json.loads((folder / f"{engine_name}.json").read_text("utf-8"))
    result = EngineResult(engine_name, seed_articles=state["seed_articles"],
                          ingest=IngestRun(**state["ingest"]) if state["ingest"] else None,
                          build_seconds={int(k): v for k, v in state["build_seconds"].items()},
                          rows={int(k): v for k, v in state["rows"].items()})
    return result, {int(k): v for k, v in state["urls"].items()}


P50_TARGET, P99_TARGET, GROWTH_TARGET = 20.0, 100.0, 3.0


def report(results: list[EngineResult], sizes: list[int], requests: int) -> str:
    lines = [
        "# Scale: how the reader's cost grows with the library",
        "",
        f"Written by `tests/bench/scale.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. "
        "**The libraries were built by copying rows**: the bundled article and generated "
        "reports ingested once through `python -m app ingest`, then their rows (articles, "
        "paragraphs, sentences, entities, mentions, roles, quotes, library entities, names, "
        "terms, co-mentions; the search index by its triggers or column) copied in bulk SQL "
        "under new slugs, with shifted names and dates (the procedure is in the module's "
        "docstring). Every text is a seed's text, so word statistics repeat.",
        "",
        f"Requests: the real app in-process (Starlette's TestClient, one process, no network), "
        f"one app per size, {requests} timed requests per row and size after 3 warm-up ones, "
        "interleaved across the sizes (so that the machine's load falls on each alike), each "
        "as a reader sends it (no cookie, gzip accepted); every row but the cached article "
        "page empties the worker's kept responses before each request (untimed), as a new "
        "revision does, so the answer is built, gzipped and kept anew; one "
        "run on a shared 2-core machine (other work was running): absolute times are noisy, "
        "compare within a table. Targets: p50 < 20 ms and p99 < 100 ms at the largest size, growth "
        "(p50 at the largest size / p50 at the smallest) at most 3×.",
    ]
    for result in results:
        lines += ["", f"## {result.engine}", ""]
        if result.load:
            lines += [f"Load average (1 / 5 / 15 min) when measuring began: {result.load[0]}; "
                      f"when it ended: {result.load[-1]} (2 cores).", ""]
        if result.ingest is not None and result.ingest.words == 0:
            lines += ["Batch ingest: not measured in this run (the seeds were already stored).",
                      ""]
        elif result.ingest is not None:
            run = result.ingest
            lines += [
                f"Batch ingest of {run.files} generated reports ({run.words} words): "
                f"`python -m app ingest` {run.words_per_second:.0f} words/s "
                f"({run.processes}), plain `en_core_web_sm` `nlp.pipe` of the same texts "
                f"{run.plain_words_per_second:.0f} words/s, both counting their model load: "
                f"**overhead {run.overhead:.2f}×** (target ≤ 1.5×).",
                "",
            ]
        lines += ["| size (articles) | mentions | library entities | co-mention rows | "
                  "built in |", "|---:|---:|---:|---:|---:|"]
        for size in sizes:
            rows = result.rows.get(size, {})
            lines.append(f"| {rows.get('articles', 0):,} | {rows.get('mentions', 0):,} | "
                         f"{rows.get('library_entities', 0):,} | "
                         f"{rows.get('library_comentions', 0):,} | "
                         f"{result.build_seconds.get(size, 0):.0f} s |")
        header = "| request (library built by copying rows) | " + " | ".join(
            f"{s:,}: p50 / p99 ms" for s in sizes) + " | growth | target met |"
        lines += ["", header, "|---|" + "---:|" * len(sizes) + "---:|---|"]
        names = [f.name for f in result.figures.get(sizes[0], [])]
        for i, name in enumerate(names):
            cells = []
            for size in sizes:
                f = result.figures[size][i]
                cells.append(f"{f.p50:.1f} / {f.p99:.1f}")
            first, last = result.figures[sizes[0]][i], result.figures[sizes[-1]][i]
            growth = last.p50 / first.p50 if first.p50 else 0.0
            met = (last.p50 < P50_TARGET and last.p99 < P99_TARGET
                   and growth <= GROWTH_TARGET)
            lines.append(f"| {name} | " + " | ".join(cells) +
                         f" | {growth:.1f}× | {'yes' if met else '**no**'} |")
        if result.plans:
            explain = "EXPLAIN QUERY PLAN" if result.engine == "sqlite" else "EXPLAIN"
            lines += ["", f"### {explain} of each query, at {sizes[-1]:,} articles", ""]
            for name, plans in result.plans:
                lines += [f"**{name}**", ""]
                for statement, plan in plans:
                    shown = statement if len(statement) < 400 else statement[:400] + " …"
                    lines += ["```sql", shown, "```", "```", *plan, "```"]
                lines.append("")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000",
                        help="library sizes in articles, comma-separated, ascending")
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--postgres-url", default=os.environ.get("TEST_DATABASE_URL"),
                        help="a PostgreSQL superuser URL (default: $TEST_DATABASE_URL); "
                             "the benchmark creates and drops a database of its own there")
    parser.add_argument("--generated", type=int, default=12,
                        help="generated reports ingested as seeds (and for the throughput)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per row")
    parser.add_argument("--quick", action="store_true",
                        help="sizes 100,1000, 3 generated seeds, 50 requests")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "scale.md")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep the built libraries (SQLite files in DIR, PostgreSQL "
                             "databases on the server) and note them in DIR for --reuse")
    parser.add_argument("--reuse", type=Path, metavar="DIR",
                        help="measure the libraries a --keep run left in DIR (no build)")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.generated, args.requests = "100,1000", 3, 50
    sizes = sorted(int(s) for s in args.sizes.split(","))
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    if "postgresql" in engines and not args.postgres_url:
        if args.engine == "postgresql":
            parser.error("--postgres-url (or TEST_DATABASE_URL) is needed for PostgreSQL")
        print("scale: no PostgreSQL server given (--postgres-url or TEST_DATABASE_URL): "
              "SQLite only", file=sys.stderr)
        engines = ["sqlite"]

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    results = [run_engine(e, sizes, args.generated, args.requests, args.postgres_url, log,
                          args.keep, args.reuse)
               for e in engines]
    table = report(results, sizes, args.requests)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(table, encoding="utf-8")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
