"""Bulk inserts and counted upserts (``app.bulk``), on the suite's engine: the rows stored are
those an executemany stores, serial ids in the order given."""

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Integer, String, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from app import bulk
from app.db import session_scope
from app.models import (
    Article,
    Entity,
    LibraryComention,
    LibraryEntity,
    LibraryTerm,
    Mention,
    Sentence,
    utcnow,
)
from tests.conftest import ENGINE


def _article(session: Session) -> tuple[int, int]:
    article = Article(slug="bulk", title="Bulk", text="Ali met Omar in Hit.",
                      content_sha256="0" * 64, revision=1)
    session.add(article)
    session.flush()
    entity = Entity(article_id=article.id, key="actor:ali", name="Ali", type="actor",
                    kind="person", aliases=[])
    session.add(entity)
    session.flush()
    return article.id, entity.id


def test_rows_are_inserted_in_order_with_defaults(session_factory: sessionmaker[Session]
                                                  ) -> None:
    with session_scope(session_factory) as session:
        article_id, entity_id = _article(session)
        rows = [{"article_id": article_id, "entity_id": entity_id, "start": s, "end": s + 3,
                 "text": text, "form": form, "type": kind, "method": "model",
                 "confidence": confidence}
                for s, text, form, kind, confidence in [(16, "Hit", "name", "location", 0.5),
                                                        (0, "Ali", "nominal", None, None),
                                                        (8, "Omar", None, None, 0.25)]]
        sent: list[bool] = []  # executemany or not, a statement sent
        listener = lambda *args: sent.append(args[-1])  # noqa: E731
        event.listen(session.get_bind(), "before_cursor_execute", listener)
        try:
            bulk.insert_rows(session, Mention, rows)
            bulk.insert_rows(session, Mention, [])
        finally:
            event.remove(session.get_bind(), "before_cursor_execute", listener)
        if ENGINE == "postgresql":  # one statement of arrays (SQLite: executemany)
            assert sent == [False]
        stored = session.execute(
            select(Mention.id, Mention.start, Mention.text, Mention.form, Mention.type,
                   Mention.confidence, Mention.source).order_by(Mention.id)).all()
        # a column left out, or None for a column with a default: the default (as the ORM)
        assert [row[1:] for row in stored] == [(16, "Hit", "name", "location", 0.5, "auto"),
                                               (0, "Ali", "nominal", None, None, "auto"),
                                               (8, "Omar", "name", None, 0.25, "auto")]
        assert [row[0] for row in stored] == sorted(row[0] for row in stored)
        bulk.insert_rows(session, Sentence, [{"article_id": article_id, "start": 0, "end": 20}])
        assert session.scalar(select(Sentence.end).where(Sentence.article_id == article_id)) == 20


def test_duplicates_are_skipped(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        entity = LibraryEntity(key="actor:x", name="X", type="actor", kind="person",
                               created_at=utcnow())
        session.add(entity)
        session.flush()
        terms = [{"term": "x", "library_id": entity.id}, {"term": "y x", "library_id": entity.id}]
        bulk.insert_ignoring_duplicates(session, LibraryTerm, terms)
        more = [*terms, *terms, {"term": "z", "library_id": entity.id}]
        bulk.insert_ignoring_duplicates(session, LibraryTerm, more)
        assert sorted(session.scalars(select(LibraryTerm.term))) == ["x", "y x", "z"]
        now = utcnow()  # timestamps with their time zone (PostgreSQL: a timestamptz array)
        sent = _statements(session, lambda: bulk.insert_ignoring_duplicates(
            session, LibraryEntity, [
                {"key": key, "name": key, "type": "actor", "kind": "person",
                 "article_count": 0, "mention_count": 0, "created_at": now,
                 "retired_at": None if key == "actor:z" else now}
                for key in ("actor:x", "actor:y", "actor:z")]))
        if ENGINE == "postgresql":
            assert sent == [False]
        stored = session.execute(select(LibraryEntity.key, LibraryEntity.created_at,
                                        LibraryEntity.retired_at).order_by(LibraryEntity.key))
        assert [(k, _utc(c), r and _utc(r)) for k, c, r in stored][1:] == [
            ("actor:y", now, now), ("actor:z", now, None)]  # (actor:x was there already)


def test_counts_are_added_by_one_upsert(session_factory: sessionmaker[Session]) -> None:
    """A new pair is inserted with its count, a pair already there gets the count added
    (negative too), nothing else is touched."""
    with session_scope(session_factory) as session:
        now = utcnow()
        for key in ("x:a", "x:b", "x:c"):
            session.add(LibraryEntity(key=key, name=key, type="actor", kind="person",
                                      created_at=now))
        session.flush()
        a, b, c = (session.scalar(select(LibraryEntity.id).where(LibraryEntity.key == k))
                   for k in ("x:a", "x:b", "x:c"))
        key = ("library_id", "other_id")
        bulk.add_to_counts(session, LibraryComention, key, "sentences",
                           [{"library_id": a, "other_id": b, "sentences": 2},
                            {"library_id": b, "other_id": a, "sentences": 2}])
        bulk.add_to_counts(session, LibraryComention, key, "sentences",
                           [{"library_id": a, "other_id": b, "sentences": 3},
                            {"library_id": b, "other_id": a, "sentences": -1},
                            {"library_id": a, "other_id": c, "sentences": 1}])
        bulk.add_to_counts(session, LibraryComention, key, "sentences", [])
        assert sorted(session.execute(select(
            LibraryComention.library_id, LibraryComention.other_id, LibraryComention.sentences
        )).tuples()) == sorted([(a, b, 5), (b, a, 1), (a, c, 1)])


def test_rows_are_updated_by_one_statement(session_factory: sessionmaker[Session]) -> None:
    """Each given row updates the row it picks, with values computed from the row's and the
    given values; rows not picked are untouched."""
    with session_scope(session_factory) as session:
        now = utcnow()
        for key in ("x:a", "x:b", "x:c"):
            session.add(LibraryEntity(key=key, name=key, type="actor", kind="person",
                                      article_count=1, mention_count=10, created_at=now))
        session.flush()
        ids = dict(session.execute(select(LibraryEntity.key, LibraryEntity.id)).tuples().all())
        rows = [{"b_id": ids["x:a"], "b_name": "A", "d": 2},
                {"b_id": ids["x:c"], "b_name": None, "d": -1}]
        types = {"b_id": Integer(), "b_name": String(), "d": Integer()}
        sent = _statements(session, lambda: bulk.update_rows(
            session, LibraryEntity, rows, types,
            where=lambda t, row: t.c.id == row["b_id"],
            values=lambda t, row: {"article_count": t.c.article_count + row["d"],
                                   "mention_count": t.c.mention_count * 2,
                                   "name": func.coalesce(row["b_name"], t.c.name)}))
        bulk.update_rows(session, LibraryEntity, [], types, where=lambda t, row: t.c.id == 0,
                         values=lambda t, row: {"name": "never"})
        if ENGINE == "postgresql":  # one statement of arrays (SQLite: executemany)
            assert sent == [False]
        assert sorted(session.execute(select(
            LibraryEntity.key, LibraryEntity.name, LibraryEntity.article_count,
            LibraryEntity.mention_count)).tuples()) == [
            ("x:a", "A", 3, 20), ("x:b", "x:b", 1, 10), ("x:c", "x:c", 0, 20)]


def _statements(session: Session, run: Callable[[], None]) -> list[bool]:
    """Whether each statement ``run`` sent was an executemany."""
    sent: list[bool] = []
    listener = lambda *args: sent.append(args[-1])  # noqa: E731
    event.listen(session.get_bind(), "before_cursor_execute", listener)
    try:
        run()
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", listener)
    return sent


def _utc(value: datetime | str) -> datetime:
    """A stored timestamp as an aware UTC datetime (SQLite gives it back naive, or as text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def test_among_finds_the_rows_whose_value_is_in_the_list(
    session_factory: sessionmaker[Session],
) -> None:
    """``column IN (values)``; on PostgreSQL one statement text for any number of values."""
    with session_scope(session_factory) as session:
        now = utcnow()
        for key in ("x:a", "x:b", "x:c"):
            session.add(LibraryEntity(key=key, name=key, type="actor", kind="person",
                                      created_at=now))
        session.flush()
        ids = dict(session.execute(select(LibraryEntity.key, LibraryEntity.id)).tuples().all())
        texts: list[str] = []
        listener = lambda *args: texts.append(args[2])  # noqa: E731
        event.listen(session.get_bind(), "before_cursor_execute", listener)
        try:
            found = [sorted(session.scalars(select(LibraryEntity.key).where(
                bulk.among(session, LibraryEntity.id, wanted))))
                for wanted in ([ids["x:a"]], [ids["x:c"], ids["x:b"], 0], [])]
            by_key = sorted(session.scalars(select(LibraryEntity.id).where(
                bulk.among(session, LibraryEntity.key, ["x:b", "x:z"]))))
        finally:
            event.remove(session.get_bind(), "before_cursor_execute", listener)
        assert found == [["x:a"], ["x:b", "x:c"], []]
        assert by_key == [ids["x:b"]]
        if ENGINE == "postgresql":
            assert len(set(texts[:3])) == 1, texts
