"""Bulk inserts and counted upserts (``app.bulk``), on the suite's engine: the rows stored are
those an executemany stores, serial ids in the order given."""

from sqlalchemy import event, select
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
        now = utcnow()  # a timestamp column: the executemany path on every engine
        bulk.insert_ignoring_duplicates(session, LibraryEntity, [
            {"key": key, "name": key, "type": "actor", "kind": "person", "article_count": 0,
             "mention_count": 0, "created_at": now, "retired_at": now}
            for key in ("actor:x", "actor:y")])
        assert sorted(session.scalars(select(LibraryEntity.key))) == ["actor:x", "actor:y"]


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
