"""Library-wide identity: one library entity per real-world entity across articles."""

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import library
from app.db import session_scope
from app.ingest.service import ArticleInput, prepare, store
from app.models import Entity, LibraryComention, LibraryEntity, LibraryName, LibraryTerm
from app.nlp.types import ExtractedEntity, Extraction, MentionSpan

# ---------------------------------------------------------------- folding and keys


@pytest.mark.parametrize(
    ("written", "folded"),
    [
        ("Nasser al-Alwani", "nasser alwani"),
        ("NASSER AL ALWANI", "nasser alwani"),
        ("Nāsser Al-Alwani", "nasser alwani"),
        ("Kata'ib Hizballah", "kataib hizballah"),
        ("Kata’ib  Hizballah", "kataib hizballah"),
        ("Abd al-Rahman el-Sayed", "abd rahman sayed"),
        ("Asa'ib Ahl al-Haq", "asaib ahl haq"),
        ("al-Alwani", "alwani"),
    ],
)
def test_fold(written: str, folded: str) -> None:
    assert library.fold(written) == folded


def test_keys_follow_the_rules() -> None:
    key = library.library_key
    assert key("actor:islamic state", "actor", 1, named=True) == "actor:islamic state"
    assert key("actor:islamic state", "actor", 1, named=False) == "actor:islamic state"
    assert key("actor:nasser al-alwani", "actor", 2, True) == "actor:nasser alwani"
    assert key("actor:omar al-alwani", "actor", 3, True) == "actor:omar alwani"
    assert key("actor:alwani", "actor", 4, True) == "entity:4", "a surname alone stays apart"
    assert key("actor:nasser alwani", "unit", 5, True) == "unit:nasser alwani", "types apart"
    assert key("location:compound@120", "location", 6, True) is None, "article-local place"
    assert key("unit:ramadi police", "unit", 7, named=False) is None, "only descriptions"


# ---------------------------------------------------------------- stored articles


Person = tuple[str, str, str]  # key, name, kind


def _extraction(text: str, entities: list[tuple[str, str, str, str, list[str]]]) -> Extraction:
    """Entities mentioned wherever their written forms occur in ``text``."""
    built = []
    for key, name, type_, kind, forms in entities:
        spans = []
        for form in forms:
            i = text.find(form)
            while i != -1:
                spans.append(MentionSpan(i, i + len(form), form))
                i = text.find(form, i + 1)
        aliases = sorted({f for f in forms if f != name})
        built.append(ExtractedEntity(key, name, type_, kind, aliases,
                                     sorted(spans, key=lambda m: m.start)))
    sentences, pos = [], 0
    for part in text.split(". "):
        sentences.append((pos, pos + len(part) + 1))
        pos += len(part) + 2
    return Extraction(built, [], sentences)


Store = Callable[..., int]


@pytest.fixture
def put(session_factory: sessionmaker[Session]) -> Store:
    def _put(slug: str, text: str, entities: list[tuple[str, str, str, str, list[str]]],
             published: date | None = None) -> int:
        item = ArticleInput(text, slug, published=published)
        normalised, slug, title = prepare(item)
        with session_scope(session_factory) as session:
            outcome = store(session, item, normalised, slug, title,
                            _extraction(normalised.text, entities))
        return outcome.article_id

    return _put


IS = ("actor:islamic state", "Islamic State", "actor", "armed group")


def _library_of(factory: sessionmaker[Session], slug_id: int, name: str) -> LibraryEntity | None:
    with factory() as session:
        entity = session.scalar(
            select(Entity).where(Entity.article_id == slug_id, Entity.name == name)
        )
        assert entity is not None, name
        return session.get(LibraryEntity, entity.library_id) if entity.library_id else None


def _lib_id(factory: sessionmaker[Session], article_id: int, name: str) -> int | None:
    found = _library_of(factory, article_id, name)
    return found.id if found else None


def test_aliases_and_full_names_join_and_surnames_stay_apart(
    put: Store, session_factory: sessionmaker[Session]
) -> None:
    a = put("first", "Islamic State fighters attacked Ramadi. Nasser al-Alwani said so. "
            "Ali al-Hamdani agreed.", [
                (*IS, ["Islamic State"]),
                ("location:ramadi", "Ramadi", "location", "city", ["Ramadi"]),
                ("actor:nasser al-alwani", "Nasser al-Alwani", "actor", "person",
                 ["Nasser al-Alwani"]),
                ("actor:ali al-hamdani", "Ali al-Hamdani", "actor", "person", ["Ali al-Hamdani"]),
            ])
    b = put("second", "Daesh shelled Mosul. Nasser Al Alwani and Omar al-Alwani fled. "
            "Karim al-Hamdani stayed. Alwani wept.", [
                (*IS, ["Daesh"]),
                ("actor:nasser al alwani", "Nasser Al Alwani", "actor", "person",
                 ["Nasser Al Alwani"]),
                ("actor:omar al-alwani", "Omar al-Alwani", "actor", "person", ["Omar al-Alwani"]),
                ("actor:karim al-hamdani", "Karim al-Hamdani", "actor", "person",
                 ["Karim al-Hamdani"]),
                ("actor:alwani", "Alwani", "actor", "person", ["Alwani wept"]),
            ])
    f = session_factory
    islamic_a, islamic_b = _library_of(f, a, "Islamic State"), _library_of(f, b, "Islamic State")
    assert islamic_a and islamic_b and islamic_a.id == islamic_b.id
    assert islamic_a.article_count == 2 and islamic_b.mention_count == 2
    nasser = _library_of(f, a, "Nasser al-Alwani")
    assert nasser is not None and nasser.id == _lib_id(f, b, "Nasser Al Alwani")
    assert nasser.article_count == 2
    ids = {
        _library_of(f, a, "Ali al-Hamdani").id,  # type: ignore[union-attr]
        _library_of(f, b, "Karim al-Hamdani").id,  # type: ignore[union-attr]
        _library_of(f, b, "Omar al-Alwani").id,  # type: ignore[union-attr]
        _library_of(f, b, "Alwani").id,  # type: ignore[union-attr]
        nasser.id,
    }
    assert len(ids) == 5, "same surname, different people; a bare surname joins nobody"
    with f() as session:
        names = set(session.scalars(
            select(LibraryName.name).where(LibraryName.library_id == islamic_a.id)))
        assert names == {"Islamic State", "Daesh"}
        together = session.get(LibraryComention, (islamic_a.id, _library_of(f, a, "Ramadi").id))  # type: ignore[union-attr]
        assert together is not None and together.sentences == 1


def test_same_name_of_another_type_is_another_entity(put: Store,
                                                     session_factory: sessionmaker[Session]
                                                     ) -> None:
    a = put("one", "The Sabah Brigade moved. Officials met.", [
        ("unit:sabah brigade", "Sabah Brigade", "unit", "army", ["Sabah Brigade"])])
    b = put("two", "The Sabah Brigade spoke. Officials met.", [
        ("actor:sabah brigade", "Sabah Brigade", "actor", "organisation", ["Sabah Brigade"])])
    assert _lib_id(session_factory, a, "Sabah Brigade") != _lib_id(
        session_factory, b, "Sabah Brigade")


def test_descriptions_alone_get_no_library_entity(put: Store,
                                                  session_factory: sessionmaker[Session]) -> None:
    text = "Men stormed the compound. The compound burned."
    extraction = [("location:compound@14", "compound", "location", "facility", ["the compound"])]
    article = put("desc", text, extraction)
    with session_factory() as session:
        entity = session.scalar(select(Entity).where(Entity.article_id == article))
        assert entity is not None and entity.library_id is None


def test_revision_and_deletion_keep_counts_and_retire_ids(
    put: Store, session_factory: sessionmaker[Session]
) -> None:
    put("one", "Islamic State attacked Ramadi. Ramadi fell.", [
        (*IS, ["Islamic State"]), ("location:ramadi", "Ramadi", "location", "city", ["Ramadi"])])
    second = put("two", "Daesh retreated. ISIS regrouped.", [(*IS, ["Daesh", "ISIS"])])
    islamic = _library_of(session_factory, second, "Islamic State")
    assert islamic is not None and (islamic.article_count, islamic.mention_count) == (2, 3)
    put("two", "Daesh retreated. Nobody else was seen.", [(*IS, ["Daesh"])])  # a revision
    with session_factory() as session:
        row = session.get(LibraryEntity, islamic.id)
        assert row is not None and (row.article_count, row.mention_count) == (2, 2)
        names = set(session.scalars(
            select(LibraryName.name).where(LibraryName.library_id == islamic.id)))
        assert names == {"Islamic State", "Daesh"}, "ISIS left with the revised text"
        ramadi = session.scalar(select(LibraryEntity).where(LibraryEntity.key == "location:ramadi"))
        assert ramadi is not None
        ramadi_id = ramadi.id
    with session_scope(session_factory) as session:
        assert _delete(session, "one")
        assert not _delete(session, "one")
    with session_factory() as session:
        gone = session.get(LibraryEntity, ramadi_id)
        assert gone is not None and gone.retired_at is not None and gone.article_count == 0
        assert session.scalar(select(LibraryTerm).where(LibraryTerm.library_id == ramadi_id)
                              ) is None
        row = session.get(LibraryEntity, islamic.id)
        assert row is not None and (row.article_count, row.mention_count) == (1, 1)
        assert row.name == "Islamic State" and row.retired_at is None
    put("three", "Ramadi was quiet.", [("location:ramadi", "Ramadi", "location", "city",
                                        ["Ramadi"])])
    with session_factory() as session:
        revived = session.get(LibraryEntity, ramadi_id)
        assert revived is not None and revived.retired_at is None, "the id comes back"


def _state(session: Session) -> tuple[object, ...]:
    return (
        sorted(session.execute(select(LibraryEntity.key, LibraryEntity.name,
                                      LibraryEntity.article_count, LibraryEntity.mention_count,
                                      LibraryEntity.retired_at.is_(None))).tuples()),
        sorted(session.execute(select(LibraryName.library_id, LibraryName.name,
                                      LibraryName.uses, LibraryName.named)).tuples()),
        sorted(session.execute(select(LibraryTerm.term, LibraryTerm.library_id)).tuples()),
        sorted(session.execute(select(LibraryComention.library_id, LibraryComention.other_id,
                                      LibraryComention.sentences)).tuples()),
        sorted(session.execute(select(Entity.id, Entity.library_id)).tuples()),
    )


def test_incremental_updates_equal_a_rebuild(put: Store,
                                             session_factory: sessionmaker[Session]) -> None:
    put("a", "Islamic State attacked Ramadi. Nasser al-Alwani fled.", [
        (*IS, ["Islamic State"]), ("location:ramadi", "Ramadi", "location", "city", ["Ramadi"]),
        ("actor:nasser al-alwani", "Nasser al-Alwani", "actor", "person", ["Nasser al-Alwani"])])
    put("b", "ISIS and Nasser Alwani met in Ramadi. Ramadi was calm.", [
        (*IS, ["ISIS"]), ("location:ramadi", "Ramadi", "location", "city", ["Ramadi"]),
        ("actor:nasser alwani", "Nasser Alwani", "actor", "person", ["Nasser Alwani"])])
    put("a", "Islamic State left. Ramadi rejoiced.", [
        (*IS, ["Islamic State"]), ("location:ramadi", "Ramadi", "location", "city", ["Ramadi"])])
    with session_scope(session_factory) as session:
        _delete(session, "b")
    with session_factory() as session:
        incremental = _state(session)
    with session_scope(session_factory) as session:
        library.rebuild(session)
    with session_factory() as session:
        assert _state(session) == incremental


# ---------------------------------------------------------------- with the real extraction

REPORT_ONE = """Islamic State fighters attacked Ramadi on Sunday, said Nasser al-Alwani, a tribal \
leader in Anbar province.

"We cannot hold the city," Alwani said. Ali al-Hamdani, a police colonel, said Kataib Hezbollah \
had sent men."""

REPORT_TWO = """Daesh militants shelled Mosul on Monday, according to Omar al-Alwani, a local \
official.

Nasser Al Alwani, the tribal leader, said ISIS had retreated. Karim al-Hamdani said Kata'ib \
Hizballah fighters were nearby."""


def test_extracted_articles_share_identities(ingest_text, session_factory) -> None:  # type: ignore[no-untyped-def]
    one = ingest_text(REPORT_ONE, "one").article_id
    two = ingest_text(REPORT_TWO, "two").article_id
    f = session_factory
    with f() as session:
        by_name = {
            (e.article_id, e.name): e.library_id for e in session.scalars(select(Entity))
        }
    def lib(article: int, name: str) -> int | None:
        return by_name[article, name]

    assert lib(one, "Islamic State") == lib(two, "Daesh") is not None
    assert lib(one, "Kataib Hezbollah") == lib(two, "Kata'ib Hizballah") is not None
    assert lib(one, "Nasser al-Alwani") == lib(two, "Nasser Al Alwani") is not None
    people = [lib(one, "Nasser al-Alwani"), lib(two, "Omar al-Alwani"),
              lib(one, "Ali al-Hamdani"), lib(two, "Karim al-Hamdani")]
    assert len(set(people)) == 4


def test_an_editors_correction_updates_the_library(put: Store,
                                                   session_factory: sessionmaker[Session]) -> None:
    from app import corrections
    from app.models import Article

    put("edit", "Islamic State attacked Ramadi. Daesh left Ramadi.", [
        (*IS, ["Islamic State", "Daesh"]),
        ("location:ramadi", "Ramadi", "location", "city", ["Ramadi"])])
    with session_scope(session_factory) as session:
        article = session.scalar(select(Article).where(Article.slug == "edit"))
        assert article is not None
        ramadi = session.scalar(select(Entity).where(Entity.name == "Ramadi"))
        assert ramadi is not None
        mention = ramadi.mentions[0]
        corrections.delete_mention(session, article, mention.id, "editor")
    with session_factory() as session:
        row = session.scalar(select(LibraryEntity).where(LibraryEntity.key == "location:ramadi"))
        assert row is not None and row.mention_count == 1, "the deleted mention is uncounted"


def _delete(session: Session, slug: str) -> bool:
    """Delete through the one delete service; False when there is no such article."""
    from sqlalchemy import select as _select

    from app.ingest.service import delete_article
    from app.models import Article

    article = session.scalar(_select(Article).where(Article.slug == slug))
    if article is None:
        return False
    delete_article(session, article)
    return True



def test_known_keys_are_the_same_from_the_file_or_the_parsed_patterns() -> None:
    from app.nlp import knowledge

    library.known_keys.cache_clear()
    knowledge.patterns.cache_clear()
    from_file = library.known_keys()
    library.known_keys.cache_clear()
    knowledge.patterns()  # as the ingest's ruler has parsed them
    assert library.known_keys() == from_file and "actor:islamic state" in from_file
