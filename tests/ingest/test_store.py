"""Storing an extraction (``service.save``): entity ids, in the extraction's order, on each
engine; a revision keeps the ids of the keys it keeps."""

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db import session_scope
from app.ingest import service
from app.models import Article, Entity, Mention, Role
from app.nlp.types import ExtractedEntity, Extraction, MentionSpan, RoleFact

TEXT = "Ali met Omar in Hit. The governor of Anbar, Suhaib, was there."


def _entity(key: str, name: str, aliases: list[str] | None = None,
            roles: list[RoleFact] | None = None) -> ExtractedEntity:
    start = TEXT.index(name)
    return ExtractedEntity(key, name, key.split(":")[0], "person", aliases or [],
                           [MentionSpan(start, start + len(name), name)], roles or [],
                           method="model", confidence=0.5)


def _save(factory: sessionmaker[Session], entities: list[ExtractedEntity]
          ) -> service.IngestOutcome:
    item = service.ArticleInput(TEXT + (" Again." if len(entities) > 3 else ""), "hit")
    normalised, slug, title = service.prepare(item)
    extraction = Extraction(entities, [], [(0, len(normalised.text))])
    return service.save(factory, item, normalised, slug, title, extraction)


def _stored(factory: sessionmaker[Session]) -> list[tuple[int, str, list[str], int | None]]:
    with factory() as session:
        return [(id_, key, aliases, org) for id_, key, aliases, org in session.execute(
            select(Entity.id, Entity.key, Entity.aliases, Role.organisation_id)
            .outerjoin(Role, Role.entity_id == Entity.id).order_by(Entity.id))]


def test_new_entities_get_ids_in_the_extractions_order(
    session_factory: sessionmaker[Session],
) -> None:
    governor = RoleFact("governor", "location:anbar", "Anbar", 21, 62)
    first = [_entity("actor:omar", "Omar", ["Omar X"]), _entity("actor:ali", "Ali"),
             _entity("actor:suhaib", "Suhaib", roles=[governor])]
    assert _save(session_factory, first).status == "created"
    stored = _stored(session_factory)
    assert [key for _, key, _, _ in stored] == ["actor:omar", "actor:ali", "actor:suhaib"]
    assert stored[0][2] == ["Omar X"] and stored[2][3] is None  # no Anbar entity: no org
    ids = {key: id_ for id_, key, _, _ in stored}

    # A revision: Ali goes, Omar and Suhaib stay (their ids too), Anbar and Hit are new.
    second = [_entity("location:hit", "Hit"), _entity("actor:suhaib", "Suhaib", ["Abu S"],
                                                      roles=[governor]),
              _entity("location:anbar", "Anbar"), _entity("actor:omar", "Omar")]
    assert _save(session_factory, second).status == "revised"
    stored = _stored(session_factory)
    by_key = {key: id_ for id_, key, _, _ in stored}
    assert [key for _, key, _, _ in stored] == [
        "actor:omar", "actor:suhaib", "location:hit", "location:anbar"]
    assert (by_key["actor:omar"], by_key["actor:suhaib"]) == (ids["actor:omar"],
                                                              ids["actor:suhaib"])
    assert ids["actor:suhaib"] < by_key["location:hit"] < by_key["location:anbar"]
    assert {key: (aliases, org) for _, key, aliases, org in stored}["actor:suhaib"] == (
        ["Abu S"], by_key["location:anbar"])
    with session_scope(session_factory) as session:
        article = session.scalars(select(Article)).one()
        assert sorted(e.key for e in article.entities) == sorted(by_key)
        mentions = session.execute(select(Mention.entity_id, Mention.text)).tuples().all()
        assert sorted(mentions) == sorted((by_key[e.key], e.name) for e in second)

