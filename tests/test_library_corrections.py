"""Editors' corrections across the library: merges and detachments that survive every
re-ingest and recomputation, their log and undo; kinds of body kept apart by country."""

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import library
from app import library_corrections as edits
from app.db import session_scope
from app.models import Entity, LibraryCorrection, LibraryEntity
from tests.test_library import IS, Store, _delete, _lib_id, _state, put

__all__ = ["put"]  # the fixture, shared with tests/test_library.py

SAM = ("actor:sam rivers", "Sam Rivers", "actor", "person", ["Sam Rivers"])
SAMUEL = ("actor:samuel rivers", "Samuel Rivers", "actor", "person", ["Samuel Rivers"])


def _entity_id(factory: sessionmaker[Session], article_id: int, name: str) -> int:
    with factory() as session:
        found = session.scalar(select(Entity.id).where(Entity.article_id == article_id,
                                                       Entity.name == name))
        assert found is not None, name
        return found


def _counts(factory: sessionmaker[Session], library_id: int) -> tuple[int, int, bool]:
    with factory() as session:
        row = session.get(LibraryEntity, library_id)
        assert row is not None
        return row.article_count, row.mention_count, row.retired_at is None


def test_a_merge_holds_for_revisions_new_articles_and_rebuilds_and_undoes(
    put: Store, session_factory: sessionmaker[Session]
) -> None:
    f = session_factory
    a = put("a", "Sam Rivers spoke in Basra. Officials listened.", [SAM])
    b = put("b", "Samuel Rivers left Basra. He said nothing.", [SAMUEL])
    sam, samuel = _lib_id(f, a, "Sam Rivers"), _lib_id(f, b, "Samuel Rivers")
    assert sam and samuel and sam != samuel
    with session_scope(f) as session:
        correction = edits.merge(session, samuel, sam, "editor")
        correction_id = correction.id
    assert _lib_id(f, b, "Samuel Rivers") == sam
    assert _counts(f, sam) == (2, 2, True) and _counts(f, samuel)[2] is False
    with f() as session:
        assert edits.merged_into(session, samuel) == sam
    put("b", "Samuel Rivers left Basra. He said nothing. Samuel Rivers came back.", [SAMUEL])
    c = put("c", "Samuel Rivers wrote a letter. It was short.", [SAMUEL])
    assert _lib_id(f, b, "Samuel Rivers") == _lib_id(f, c, "Samuel Rivers") == sam
    assert _counts(f, sam) == (3, 4, True)
    with f() as session:
        incremental = _state(session)
    with session_scope(f) as session:
        library.rebuild(session)
    with f() as session:
        assert _state(session) == incremental, "a rebuild obeys the merge"
    with session_scope(f) as session:
        edits.undo(session, correction_id, "editor")
    assert _lib_id(f, b, "Samuel Rivers") == _lib_id(f, c, "Samuel Rivers") == samuel
    assert _counts(f, sam) == (1, 1, True) and _counts(f, samuel) == (2, 3, True)
    with f() as session:
        assert edits.merged_into(session, samuel) is None
        undone = session.get(LibraryCorrection, correction_id)
        assert undone is not None and undone.status == "undone"


def test_merges_chain_and_refuse_what_cannot_be(put: Store,
                                                session_factory: sessionmaker[Session]) -> None:
    f = session_factory
    a = put("a", "Sam Rivers spoke. Samuel Rivers agreed. S. J. Rivers left.", [
        SAM, SAMUEL, ("actor:s j rivers", "S. J. Rivers", "actor", "person", ["S. J. Rivers"])])
    sam, samuel, sj = (_lib_id(f, a, n) for n in ("Sam Rivers", "Samuel Rivers",
                                                  "S. J. Rivers"))
    assert sam and samuel and sj
    with session_scope(f) as session:
        edits.merge(session, samuel, sam, "editor")
    with session_scope(f) as session:  # into a merged-away id: into what it became
        assert edits.merge(session, sj, samuel, "editor").into_id == sam
    assert _lib_id(f, a, "S. J. Rivers") == sam
    with f() as session:
        with pytest.raises(edits.LibraryCorrectionError, match="into itself"):
            edits.merge(session, sam, samuel, "editor")
        with pytest.raises(edits.Conflict, match="was merged into"):
            edits.merge(session, samuel, sam, "editor")
        with pytest.raises(edits.NotFound):
            edits.merge(session, 10**6, sam, "editor")
        with pytest.raises(edits.LibraryCorrectionError) as no_target:
            edits.merge(session, sam, 10**6, "editor")
        assert no_target.value.status == 422 and no_target.value.field == "into"


def test_a_detachment_survives_revisions_by_key_and_by_anchor_and_undoes(
    put: Store, session_factory: sessionmaker[Session]
) -> None:
    f = session_factory
    a = put("a", "Islamic State attacked Ramadi. Nobody stopped them.", [(*IS, ["Islamic State"])])
    text_b = "Islamic State, a local gang, robbed a shop. Police shrugged."
    b = put("b", text_b, [(*IS, ["Islamic State"])])
    islamic = _lib_id(f, a, "Islamic State")
    assert islamic == _lib_id(f, b, "Islamic State")
    gang = _entity_id(f, b, "Islamic State")
    with session_scope(f) as session:
        correction = edits.detach(session, islamic, gang, "editor")
        correction_id, own = correction.id, correction.into_id
    assert own is not None and own != islamic
    assert _lib_id(f, b, "Islamic State") == own and _lib_id(f, a, "Islamic State") == islamic
    assert _counts(f, islamic) == (1, 1, True) and _counts(f, own) == (1, 1, True)
    with f() as session:
        gang_row = session.get(Entity, gang)
        assert gang_row is not None and gang_row.library_pin == library.detached_key(correction_id)

    put("b", text_b + " The shop owner was unhurt.", [(*IS, ["Islamic State"])])
    assert _lib_id(f, b, "Islamic State") == own, "same key: found by key"
    # The extractor now keys it otherwise: the anchored mention still finds it.
    put("b", text_b + " The shop reopened.", [
        ("actor:islamic state gang", "Islamic State", "actor", "gang", ["Islamic State"])])
    assert _lib_id(f, b, "Islamic State") == own
    with f() as session:
        incremental = _state(session)
    with session_scope(f) as session:
        library.rebuild(session)
    with f() as session:
        assert _state(session) == incremental, "a rebuild obeys the detachment"

    put("b", "A shop was robbed. Police shrugged.", [])  # the entity is gone: orphaned
    with f() as session:
        row = session.get(LibraryCorrection, correction_id)
        assert row is not None and row.status == "orphaned" and row.reason
    put("b", text_b, [(*IS, ["Islamic State"])])  # ... and back
    assert _lib_id(f, b, "Islamic State") == own
    with session_scope(f) as session:
        edits.undo(session, correction_id, "editor")
    assert _lib_id(f, b, "Islamic State") == islamic
    assert _counts(f, islamic) == (2, 2, True) and _counts(f, own)[2] is False
    with f() as session:
        with pytest.raises(edits.NotFound, match="already undone"):
            edits.undo(session, correction_id, "editor")


def test_detach_refuses_what_is_not_the_entitys_or_is_alone(
    put: Store, session_factory: sessionmaker[Session]
) -> None:
    f = session_factory
    a = put("a", "Sam Rivers spoke. Islamic State fighters listened.", [SAM, (*IS, [
        "Islamic State"])])
    sam, islamic = _lib_id(f, a, "Sam Rivers"), _lib_id(f, a, "Islamic State")
    assert sam and islamic
    with f() as session:
        with pytest.raises(edits.LibraryCorrectionError, match="is not one of"):
            edits.detach(session, islamic, _entity_id(f, a, "Sam Rivers"), "editor")
        with pytest.raises(edits.LibraryCorrectionError, match="only one"):
            edits.detach(session, sam, _entity_id(f, a, "Sam Rivers"), "editor")


def test_deleting_a_detached_articles_entity_orphans_its_detachment(
    put: Store, session_factory: sessionmaker[Session]
) -> None:
    f = session_factory
    put("a", "Sam Rivers spoke. Officials listened.", [SAM])
    b = put("b", "Sam Rivers left. He said nothing.", [SAM])
    sam = _lib_id(f, b, "Sam Rivers")
    assert sam
    with session_scope(f) as session:
        correction_id = edits.detach(session, sam, _entity_id(f, b, "Sam Rivers"), "ed").id
    with session_scope(f) as session:
        assert _delete(session, "b")
    with f() as session:
        row = session.get(LibraryCorrection, correction_id)
        assert row is not None and row.status == "orphaned" and row.article_id is None
        total, items = edits.log(session, sam)
        assert total == 1 and items[0].id == correction_id


# ---------------------------------------------------------------- kinds of body


MOI = ("actor:ministry of interior", "Interior Ministry", "actor", "government")


@pytest.mark.parametrize(
    ("text", "mention", "countries"),
    [
        ("The Iraqi Interior Ministry said so.", "Iraqi Interior Ministry", {"iraq"}),
        ("The Iraqi Interior Ministry said so.", "Interior Ministry", {"iraq"}),
        ("Syria's Interior Ministry said so.", "Interior Ministry", {"syria"}),
        ("Syria’s Interior Ministry said so.", "Interior Ministry", {"syria"}),
        ("The Foreign Ministry of Iran said so.", "Foreign Ministry", {"iran"}),
        ("The Defence Ministry in Damascus said so.", "Defence Ministry", {"syria"}),
        ("The Interior Ministry said Iraq was calm.", "Interior Ministry", set()),
        ("In Iraq, the Interior Ministry said so.", "Interior Ministry", set()),
    ],
)
def test_stated_countries(text: str, mention: str, countries: set[str]) -> None:
    start = text.index(mention)
    assert library.stated_countries(text, start, start + len(mention)) == countries


def test_kinds_of_body() -> None:
    for folded in ("ministry of interior", "ministry of defense", "security forces", "army",
                   "government forces", "police"):
        assert library.names_a_kind_of_body(folded), folded
    for folded in ("islamic state", "ministry of peshmerga affairs", "iraqi security forces",
                   "syrian army", "government of iraq"):
        assert not library.names_a_kind_of_body(folded), folded


def test_a_kind_of_body_joins_across_articles_only_with_its_country(
    put: Store, session_factory: sessionmaker[Session]
) -> None:
    f = session_factory
    iraq_1 = put("iraq-1", "The Iraqi Interior Ministry said 12 men were held. It gave no names.",
                 [(*MOI, ["Iraqi Interior Ministry"])])
    syria = put("syria", "Syria's Interior Ministry announced arrests in Homs. Lawyers objected.",
                [(*MOI, ["Interior Ministry"])])
    iraq_2 = put("iraq-2", "The Interior Ministry of Iraq denied it. The Interior Ministry "
                 "later apologised.", [(*MOI, ["Interior Ministry"])])
    bare_1 = put("bare-1", "The Interior Ministry said the roads were closed. Traffic stopped.",
                 [(*MOI, ["Interior Ministry"])])
    bare_2 = put("bare-2", "The Interior Ministry said 40 people were killed. Nobody else did.",
                 [(*MOI, ["Interior Ministry"])])
    mixed = put("mixed", "The Iraqi Interior Ministry and the Syrian Interior Ministry met.",
                [(*MOI, ["Iraqi Interior Ministry", "Syrian Interior Ministry"])])
    ids = {slug: _lib_id(f, article, name) for slug, article, name in (
        ("iraq-1", iraq_1, "Interior Ministry"), ("syria", syria, "Interior Ministry"),
        ("iraq-2", iraq_2, "Interior Ministry"), ("bare-1", bare_1, "Interior Ministry"),
        ("bare-2", bare_2, "Interior Ministry"), ("mixed", mixed, "Interior Ministry"))}
    assert ids["iraq-1"] == ids["iraq-2"], "the same country's ministry is one"
    others = [ids["iraq-1"], ids["syria"], ids["bare-1"], ids["bare-2"], ids["mixed"]]
    assert len(set(others)) == 5, "another country's, or an unstated one's, stays apart"
    with f() as session:
        iraqi = session.get(LibraryEntity, ids["iraq-1"])
        assert iraqi is not None and iraqi.key == "actor:ministry of interior of iraq"
        assert iraqi.article_count == 2


def test_extracted_ministries_of_two_countries_stay_apart(ingest_text, session_factory
                                                          ) -> None:  # type: ignore[no-untyped-def]
    one = ingest_text("The Iraqi Interior Ministry said on Monday that police had retaken the "
                      "town. A spokesman gave no figures.", "moi-iraq").article_id
    two = ingest_text("Syria's Interior Ministry announced arrests in Homs on Tuesday. Lawyers "
                      "for the men objected.", "moi-syria").article_id
    three = ingest_text("The Interior Ministry said 12 people were killed. The army moved into "
                        "the city.", "moi-unstated").article_id
    with session_factory() as session:
        libs = {e.article_id: e.library_id for e in session.scalars(
            select(Entity).where(Entity.key == "actor:ministry of interior"))}
    assert set(libs) == {one, two, three}
    assert len(set(libs.values())) == 3


def test_two_editors_merging_two_entities_opposite_ways_at_once_make_no_cycle(
    put: Store, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    f = session_factory
    a = put("a", "Sam Rivers spoke. Samuel Rivers agreed.", [SAM, SAMUEL])
    sam, samuel = _lib_id(f, a, "Sam Rivers"), _lib_id(f, a, "Samuel Rivers")
    assert sam and samuel
    both_checked = threading.Barrier(2, timeout=20)
    serialise = edits._serialise

    def after_both_checked(*args: object) -> None:
        both_checked.wait()  # both editors saw two live, unmerged entities
        serialise(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(edits, "_serialise", after_both_checked)
    outcomes: list[str] = []

    def merge(away: int, into: int) -> None:
        try:
            with session_scope(f) as session:
                edits.merge(session, away, into, "editor")
            outcomes.append("merged")
        except edits.LibraryCorrectionError as exc:
            outcomes.append(f"refused {exc.status}")

    threads = [threading.Thread(target=merge, args=pair) for pair in ((sam, samuel),
                                                                      (samuel, sam))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["merged", "refused 409"] or sorted(outcomes) == [
        "merged", "refused 422"], outcomes
    with f() as session:
        merged = library.merge_map(session)
        assert len(merged) == 1
        (away, into), = merged.items()
        assert edits.merged_into(session, away) == into
        assert edits.merged_into(session, into) is None
    assert _lib_id(f, a, "Sam Rivers") == _lib_id(f, a, "Samuel Rivers") == into
