"""The corrections write service: each action, its undo, and its re-application after re-ingest
(the same text extracted again, and a revised text). No spaCy: extraction is hand-built."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import corrections
from app.db import session_scope
from app.ingest.service import write_annotations
from app.models import Article, Correction, Entity, EntityRedirect, Mention, Quote, Role
from tests.web.conftest import SAMPLE, sample_extraction, store_text

# a revision that moves every offset (a paragraph on top) and adds one at the end
REVISED = "An editor's note was added at the top.\n\n" + SAMPLE + "\nUpdated on Monday.\n"


@pytest.fixture
def factory(session_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    store_text(session_factory, SAMPLE, "sample")
    return session_factory


@pytest.fixture
def edit(factory: sessionmaker[Session]) -> Callable[..., Correction]:
    def _edit(action: Callable[..., Correction], *args: Any, **kwargs: Any) -> Correction:
        with session_scope(factory) as session:
            article = _article(session)
            return action(session, article, *args, **kwargs)

    return _edit


def _article(session: Session) -> Article:
    article = session.scalar(select(Article).where(Article.slug == "sample"))
    assert article is not None
    return article


def _entity(session: Session, name: str) -> Entity:
    entity = session.scalar(select(Entity).where(Entity.name == name))
    assert entity is not None, name
    return entity


def ids(factory: sessionmaker[Session], name: str) -> int:
    with factory() as session:
        return _entity(session, name).id


def state(factory: sessionmaker[Session]) -> dict[str, Any]:
    """What a reader sees, without row ids: entities with their mention texts, quotes, roles."""
    with factory() as session:
        article = _article(session)
        entities = session.scalars(select(Entity).where(Entity.article_id == article.id))
        return {
            "entities": sorted(
                (e.name, e.type, e.kind, e.source,
                 tuple((article.text[m.start : m.end], m.source) for m in e.mentions),
                 tuple(sorted((r.title, r.source) for r in e.roles)))
                for e in entities
            ),
            "quotes": sorted(
                (q.text, q.kind, q.speaker.name if q.speaker else q.speaker_description,
                 q.source)
                for q in session.scalars(select(Quote).where(Quote.article_id == article.id))
            ),
        }


def reextract(factory: sessionmaker[Session]) -> None:
    """The same text extracted again (an improved extractor): annotations rewritten, then the
    corrections re-applied: what ``store`` does for a revision."""
    with session_scope(factory) as session:
        article = _article(session)
        extraction = sample_extraction(article.text)
        write_annotations(session, article, extraction)
        corrections.reapply(session, article, extraction)


def revise(factory: sessionmaker[Session], text: str = REVISED) -> None:
    outcome = store_text(factory, text, "sample")
    assert outcome.status == "revised"


def log(factory: sessionmaker[Session]) -> list[tuple[str, str]]:
    with factory() as session:
        return [(c.action, c.status) for c in session.scalars(
            select(Correction).order_by(Correction.id))]


@pytest.fixture(params=["same text", "revised text"])
def reingest(request: pytest.FixtureRequest, factory: sessionmaker[Session]
             ) -> Iterator[Callable[[], None]]:
    yield (lambda: reextract(factory)) if request.param == "same text" else (
        lambda: revise(factory))


def test_rename_and_retype_survive_and_undo(factory, edit, reingest) -> None:  # type: ignore[no-untyped-def]
    before = state(factory)
    rivers = ids(factory, "Sam Rivers")
    c = edit(corrections.update_entity, rivers, {"name": "Samuel Rivers", "kind": "officer"},
             "ed")
    assert c.before == {"name": "Sam Rivers", "kind": "person"}
    reingest()
    with factory() as session:
        entity = session.get(Entity, rivers)
        assert entity is not None
        assert (entity.name, entity.kind, entity.source) == ("Samuel Rivers", "officer", "editor")
    assert log(factory) == [("update_entity", "applied")]
    edit(corrections.undo, c.id, "ed")
    after = state(factory)
    if after != before:  # the revised text has other offsets; compare names only
        assert "Samuel Rivers" not in str(after) and "Sam Rivers" in str(after)


def test_bad_type_is_refused(factory, edit) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(corrections.CorrectionError, match="type must be one of"):
        edit(corrections.update_entity, ids(factory, "Anbar"), {"type": "weapon"}, "ed")
    assert log(factory) == []


def test_merge_moves_everything_and_redirects(factory, edit, reingest) -> None:  # type: ignore[no-untyped-def]
    police, rivers = ids(factory, "Ramadi police"), ids(factory, "Sam Rivers")
    edit(corrections.merge_entities, rivers, police, "ed")  # odd, but it shows what moves
    reingest()
    with factory() as session:
        survivor = session.get(Entity, police)
        assert survivor is not None and session.get(Entity, rivers) is None
        assert {m.text for m in survivor.mentions} >= {"Col. Sam Rivers", "Rivers"}
        assert [r.title for r in survivor.roles] == ["Col."]
        quote = session.scalar(select(Quote).where(Quote.speaker_id == police))
        assert quote is not None
        redirect = corrections.redirect_for(session, survivor.article_id, rivers)
        assert redirect is not None and redirect.new_id == police
        assert "Sam Rivers" in survivor.aliases
    assert log(factory) == [("merge_entities", "applied")]


def test_undo_merge_restores_the_entity_and_its_links(factory, edit) -> None:  # type: ignore[no-untyped-def]
    before = state(factory)
    anbar, baghdad = ids(factory, "Anbar"), ids(factory, "Baghdad")
    c = edit(corrections.merge_entities, anbar, baghdad, "ed")
    assert state(factory) != before
    edit(corrections.undo, c.id, "ed")
    assert state(factory) == before
    with factory() as session:
        new_anbar = _entity(session, "Anbar").id
        redirect = corrections.redirect_for(session, _article(session).id, anbar)
        # the old id leads to the restored entity (a new row: ids are never reused)
        assert redirect is None or redirect.new_id == new_anbar


def test_delete_mention_and_last_mention_removes_entity(factory, edit, reingest) -> None:  # type: ignore[no-untyped-def]
    baghdad = ids(factory, "Baghdad")
    with factory() as session:
        mention = _entity(session, "Baghdad").mentions[0].id
    edit(corrections.delete_mention, mention, "ed")
    reingest()
    with factory() as session:
        assert session.scalar(select(Entity).where(Entity.name == "Baghdad")) is None
        redirect = corrections.redirect_for(session, _article(session).id, baghdad)
        assert redirect is not None and redirect.new_id is None  # 410 Gone
    assert log(factory) == [("delete_mention", "applied")]


def test_delete_one_of_several_mentions(factory, edit, reingest) -> None:  # type: ignore[no-untyped-def]
    with factory() as session:
        first = _entity(session, "Ramadi").mentions[0]
        mention, text = first.id, first.text
    before = state(factory)
    c = edit(corrections.delete_mention, mention, "ed")
    reingest()
    with factory() as session:
        ramadi = _entity(session, "Ramadi")
        assert len(ramadi.mentions) == 1 and ramadi.mentions[0].text == text
    edit(corrections.undo, c.id, "ed")
    if not str(before).count("editor's note"):
        with factory() as session:
            assert len(_entity(session, "Ramadi").mentions) == 2


def test_add_mention_new_entity_keeps_its_id(factory, edit, reingest) -> None:  # type: ignore[no-untyped-def]
    start = SAMPLE.index("Officials")
    c = edit(corrections.add_mention, start, start + len("Officials"), "ed",
             new_entity={"name": "Officials in Baghdad", "type": "actor", "kind": "officials"})
    entity_id = c.result["entities"][0]
    reingest()
    with factory() as session:
        entity = session.get(Entity, entity_id)
        assert entity is not None and entity.name == "Officials in Baghdad"
        assert [(m.text, m.source) for m in entity.mentions] == [("Officials", "editor")]
    edit(corrections.undo, c.id, "ed")
    with factory() as session:
        assert session.get(Entity, entity_id) is None


def test_add_mention_to_existing_entity(factory, edit, reingest) -> None:  # type: ignore[no-untyped-def]
    start = SAMPLE.index("the resident said")
    rivers = ids(factory, "Sam Rivers")
    edit(corrections.add_mention, start, start + len("the resident"), "ed", entity_id=rivers)
    reingest()
    with factory() as session:
        texts = [m.text for m in _entity(session, "Sam Rivers").mentions]
        assert "the resident" in texts


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [(-1, 3, "outside"), (5, 10_000, "outside"), (2, 7, "inside the word"),
     (0, 8, "inside the word")],
)
def test_add_mention_refuses_bad_spans(factory, edit, start, end, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(corrections.CorrectionError, match=message):
        edit(corrections.add_mention, start, end, "ed",
             new_entity={"name": "X", "type": "actor"})


def test_add_mention_refuses_overlap_with_another_entity(factory, edit) -> None:  # type: ignore[no-untyped-def]
    start = SAMPLE.index("Col. Sam Rivers")
    with pytest.raises(corrections.CorrectionError, match="overlaps mention"):
        edit(corrections.add_mention, start + 5, start + 15, "ed",
             entity_id=ids(factory, "Baghdad"))
    assert log(factory) == []


def test_link_mention(factory, edit, reingest) -> None:  # type: ignore[no-untyped-def]
    with factory() as session:
        mention = _entity(session, "Anbar").mentions[0].id
    baghdad = ids(factory, "Baghdad")
    edit(corrections.link_mention, mention, baghdad, "ed")
    reingest()
    with factory() as session:
        assert [m.text for m in _entity(session, "Baghdad").mentions].count("Anbar") == 1
        assert len(_entity(session, "Anbar").mentions) == 1


def test_quote_speaker_and_kind(factory, edit, reingest) -> None:  # type: ignore[no-untyped-def]
    with factory() as session:
        quote = session.scalar(select(Quote).where(Quote.speaker_id.is_(None)))
        assert quote is not None
        quote_id = quote.id
    rivers = ids(factory, "Sam Rivers")
    c = edit(corrections.update_quote, quote_id, "ed", speaker_id=rivers, kind="partial")
    reingest()
    with factory() as session:
        quote = session.scalar(select(Quote).where(Quote.text.startswith("The streets")))
        assert quote is not None
        assert (quote.speaker_id, quote.kind, quote.source) == (rivers, "partial", "editor")
    edit(corrections.undo, c.id, "ed")
    with factory() as session:
        quote = session.scalar(select(Quote).where(Quote.text.startswith("The streets")))
        assert quote is not None
        assert (quote.speaker_id, quote.speaker_description, quote.source) == (
            None, "a resident", "auto")


def test_quote_speaker_description(factory, edit) -> None:  # type: ignore[no-untyped-def]
    with factory() as session:
        quote_id = session.scalar(select(Quote.id).where(Quote.speaker_id.is_not(None)))
    edit(corrections.update_quote, quote_id, "ed", speaker_id=None,
         speaker_description="a police officer")
    with factory() as session:
        quote = session.get(Quote, quote_id)
        assert quote is not None
        assert (quote.speaker_id, quote.speaker_description) == (None, "a police officer")


def test_add_and_delete_role(factory, edit, reingest) -> None:  # type: ignore[no-untyped-def]
    rivers, police = ids(factory, "Sam Rivers"), ids(factory, "Ramadi police")
    sentence = SAMPLE.index("Rivers spoke by telephone.")
    edit(corrections.add_role, rivers, "spokesman", "ed", start=sentence,
         end=sentence + len("Rivers spoke by telephone."), organisation_id=police)
    with factory() as session:
        role_id = session.scalar(select(Role.id).where(Role.title == "Col."))
    edit(corrections.delete_role, rivers, role_id, "ed")
    reingest()
    with factory() as session:
        roles = _entity(session, "Sam Rivers").roles
        assert [(r.title, r.organisation_id, r.source) for r in roles] == [
            ("spokesman", police, "editor")]
    assert log(factory) == [("add_role", "applied"), ("delete_role", "applied")]


def test_a_correction_whose_passage_is_gone_is_orphaned_and_applied_nowhere(factory, edit) -> None:  # type: ignore[no-untyped-def]
    start = SAMPLE.index("the resident said")
    rivers = ids(factory, "Sam Rivers")
    edit(corrections.add_mention, start, start + len("the resident"), "ed", entity_id=rivers)
    revise(factory, SAMPLE.replace("the resident said.", "a shopkeeper said."))
    assert log(factory) == [("add_mention", "orphaned")]
    with factory() as session:
        assert all(m.source == "auto" for m in session.scalars(select(Mention)))
        (c,) = corrections.corrections_of(session, _article(session).id)
        assert c.reason and "no longer in the text" in c.reason
    revise(factory, SAMPLE)  # the passage comes back: so does the correction
    assert log(factory) == [("add_mention", "applied")]


def test_extractor_changes_do_not_undo_an_editor(factory, edit) -> None:  # type: ignore[no-untyped-def]
    """The extractor now links "Rivers" mentions to another entity: the rename still finds
    its entity by the majority of its anchored mentions, the deleted mention stays deleted."""
    rivers = ids(factory, "Sam Rivers")
    edit(corrections.update_entity, rivers, {"name": "Samuel Rivers"}, "ed")
    with factory() as session:
        anbar = _entity(session, "Anbar").mentions[1].id
    edit(corrections.delete_mention, anbar, "ed")
    reextract(factory)
    with factory() as session:
        assert _entity(session, "Samuel Rivers").id == rivers
        assert len(_entity(session, "Anbar").mentions) == 1


def test_version_check_refuses_a_stale_write(factory, edit) -> None:  # type: ignore[no-untyped-def]
    rivers = ids(factory, "Sam Rivers")
    edit(corrections.update_entity, rivers, {"name": "A"}, "ed", expected_version=0)
    with pytest.raises(corrections.EditConflict, match="another editor"):
        edit(corrections.update_entity, rivers, {"name": "B"}, "ed", expected_version=0)
    edit(corrections.update_entity, rivers, {"name": "C"}, "ed", expected_version=1)


def test_undo_twice_is_not_found(factory, edit) -> None:  # type: ignore[no-untyped-def]
    c = edit(corrections.update_entity, ids(factory, "Anbar"), {"kind": "governorate"}, "ed")
    edit(corrections.undo, c.id, "ed")
    with pytest.raises(corrections.NotFound, match="already undone"):
        edit(corrections.undo, c.id, "ed")
    assert log(factory) == [("update_entity", "undone")]


def test_corrections_stack_in_order(factory, edit, reingest) -> None:  # type: ignore[no-untyped-def]
    """A new entity, then a rename of it, then a merge into it: replayed in order."""
    start = SAMPLE.index("Officials")
    c = edit(corrections.add_mention, start, start + len("Officials"), "ed",
             new_entity={"name": "Officials", "type": "actor"})
    officials = c.result["entities"][0]
    edit(corrections.update_entity, officials, {"name": "Iraqi officials"}, "ed")
    edit(corrections.merge_entities, ids(factory, "Baghdad"), officials, "ed")
    reingest()
    with factory() as session:
        entity = session.get(Entity, officials)
        assert entity is not None and entity.name == "Iraqi officials"
        assert sorted(m.text for m in entity.mentions) == ["Baghdad", "Officials"]
        assert session.scalar(select(EntityRedirect.new_id)) == officials
    assert [s for _, s in log(factory)] == ["applied"] * 3


def test_concurrent_editors_both_land_or_the_stale_one_gets_409(factory) -> None:  # type: ignore[no-untyped-def]
    """Eight editors at once, each in its own session and thread: the unversioned changes all
    land (no lost update); of the versioned ones made on the same version, exactly one does."""
    import threading

    rivers = ids(factory, "Sam Rivers")
    aliases = [f"alias {i}" for i in range(4)]
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def editor(i: int) -> None:
        barrier.wait()
        try:
            with session_scope(factory) as session:
                article = _article(session)
                if i < 4:  # unversioned: a mention each, on different passages
                    corrections.update_entity(session, article, rivers,
                                              {"kind": f"kind {i}"}, f"ed{i}")
                else:  # all saw version 0
                    corrections.update_entity(session, article, rivers, {"name": aliases[i - 4]},
                                              f"ed{i}", expected_version=0)
            outcomes.append("ok")
        except corrections.EditConflict:
            outcomes.append("409")

    threads = [threading.Thread(target=editor, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with factory() as session:
        made = session.scalars(select(Correction).order_by(Correction.id)).all()
        article = _article(session)
        assert article.edit_version == len(made)
    # every unversioned edit landed; versioned ones landed only if first (version 0 was current)
    assert outcomes.count("ok") == len(made)
    assert sum(1 for c in made if c.author in ("ed0", "ed1", "ed2", "ed3")) == 4
    assert sum(1 for c in made if c.author in ("ed4", "ed5", "ed6", "ed7")) <= 1
    assert outcomes.count("409") == 8 - len(made)


def test_the_snapshot_is_what_asdict_makes() -> None:
    """``extraction_to_json`` builds by hand what ``dataclasses.asdict`` made: the same dict,
    key order included (the stored JSON is byte for byte the same)."""
    import dataclasses
    import json

    extraction = sample_extraction(SAMPLE)
    entity = extraction.entities[0]
    entity.features = ("rule", "person")
    entity.mentions[0] = dataclasses.replace(entity.mentions[0], confidence=0.9,
                                             features=("name", "model"))
    made = corrections.extraction_to_json(extraction)
    assert made == dataclasses.asdict(extraction)
    assert json.dumps(made) == json.dumps(dataclasses.asdict(extraction))
    made["entities"][0]["aliases"].append("changed")
    assert "changed" not in entity.aliases, "lists are copied, as asdict copies them"
