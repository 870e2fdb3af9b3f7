"""The reader's embedded data, built from plain rows, has exactly the schema's shape."""

import json

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from app import repository as repo
from app.models import Article, Entity, Mention
from app.web.links import Links
from app.web.presenters.reader import SentenceIndex, reader_data, sentence_of
from app.web.schemas import ReaderData
from tests.web.conftest import SAMPLE, store_text


def _data(factory: sessionmaker[Session], edited: dict[str, dict[int | str, str]]) -> dict:  # type: ignore[type-arg]
    with factory() as session:
        article = session.query(Article).filter_by(slug="sample").one()
        annotations = repo.article_annotations(session, article.id)
        data = reader_data(article, annotations, annotations.sentences,
                           Links("https://news.example"), edited)
        return json.loads(json.dumps(data))  # as the page embeds it


def test_reader_data_is_the_schema_whole(session_factory: sessionmaker[Session]) -> None:
    store_text(session_factory, SAMPLE, "sample")
    with session_factory.begin() as session:
        rivers = session.query(Entity).filter_by(name="Sam Rivers").one()
        session.execute(update(Entity).where(Entity.id == rivers.id).values(source="editor"))
        mention = session.query(Mention).filter_by(entity_id=rivers.id).first()
        assert mention is not None
        session.execute(update(Mention).where(Mention.id == mention.id)
                        .values(source="editor"))
        ids = rivers.id, mention.id
    data = _data(session_factory, {"entities": {ids[0]: "03 Dec 2026"},
                                   "mentions": {ids[1]: "04 Dec 2026"}})
    # Every field the schema has, no other, each of its type.
    assert ReaderData.model_validate(data).model_dump(mode="json") == data
    entity = next(e for e in data["entities"] if e["id"] == ids[0])
    assert entity["edited_on"] == "03 Dec 2026"
    assert entity["roles"][0]["organisation_name"] == "Ramadi police"
    assert entity["roles"][0]["organisation_url"].endswith("/entities/"
                                                           f"{entity['roles'][0]['organisation_id']}")
    edited = [m for m in entity["mentions"] if m["edited_on"]]
    assert [m["id"] for m in edited] == [ids[1]]
    assert any(e["library_id"] for e in data["entities"])
    for e in data["entities"]:
        assert (e["library_url"] is None) == (e["library_id"] is None)
        assert (e["library_article_count"] == 1) == (e["library_id"] is not None)
    assert [m["start"] for m in entity["mentions"]] == sorted(m["start"]
                                                              for m in entity["mentions"])


SENTENCES = st.lists(st.integers(0, 200), max_size=12).map(
    lambda cuts: [(s, e) for s, e in zip(sorted(cuts), sorted(cuts)[1:], strict=False) if s < e]
)


@given(SENTENCES, st.integers(0, 210))
def test_sentence_index_finds_what_the_scan_finds(sentences: list[tuple[int, int]],
                                                 start: int) -> None:
    assert SentenceIndex(sentences).of(start, start + 3) == sentence_of(sentences, start,
                                                                        start + 3)
