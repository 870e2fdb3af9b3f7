"""The library directory (``app.library_reads.list_library``): its order, its filters and its
total are the same however a page is read (walking the directory's index keeping the entities
whose names match ``q``, or gathering the matches and sorting them); the total is exact until
the count stops, then a lower bound that says so, on the page and in the JSON."""

import random
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app import library_reads as reads
from app.library import _terms, fold
from app.models import LibraryEntity, LibraryName, LibraryTerm

TYPES = ("actor", "unit", "location")
WORDS = ("abbas", "amir", "anbar", "basra", "karim", "sadr", "salah", "samir", "zubair")


@pytest.fixture
def directory(session_factory: sessionmaker[Session]) -> list[dict[str, Any]]:
    """120 library entities with one or two names of two words each, counts with many ties,
    and a few retired ones (no articles: never listed)."""
    rng = random.Random(7)
    rows: list[dict[str, Any]] = []
    with session_factory() as session:
        for n in range(120):
            names = list(dict.fromkeys(f"{rng.choice(WORDS)} {rng.choice(WORDS)} {n}"
                                       for _ in range(rng.choice((1, 2)))))
            articles = 0 if n % 17 == 5 else rng.choice((1, 1, 1, 2, 3, 9))
            entity = LibraryEntity(key=f"k{n}", name=names[0], type=TYPES[n % 3], kind="x",
                                   article_count=articles, mention_count=rng.choice((1, 2, 5)))
            session.add(entity)
            session.flush()
            folded = {name: fold(name) for name in names}
            for uses, name in enumerate(names):
                session.add(LibraryName(library_id=entity.id, name=name, folded=folded[name],
                                        uses=2 - uses, named=1))
            for term in sorted({t for name in names for t in _terms(folded[name])}):
                session.add(LibraryTerm(term=term, library_id=entity.id))
            rows.append({"id": entity.id, "type": entity.type, "names": folded,
                         "articles": articles, "mentions": entity.mention_count})
        session.commit()
    return rows


def expected(rows: list[dict[str, Any]], q: str | None, type_: str | None) -> list[int]:
    """The directory by definition: live entities, of the type, with a word of a name starting
    with ``q``, most articles first, then most mentions, then id."""
    wanted = fold(q) if q else ""
    found = [r for r in rows if r["articles"] > 0 and (not type_ or r["type"] == type_)
             and (not q or any(w.startswith(wanted) for f in r["names"].values()
                               for w in [" ".join(f.split()[i:]) for i in range(len(f.split()))]))]
    found.sort(key=lambda r: (-r["articles"], -r["mentions"], r["id"]))
    return [r["id"] for r in found]


@pytest.fixture
def walking(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """The walk-or-sort choices made (kept as made)."""
    choices: list[bool] = []
    choose = reads._walks_directory

    def spy(*args: Any) -> bool:
        choices.append(choose(*args))
        return choices[-1]

    monkeypatch.setattr(reads, "_walks_directory", spy)
    yield choices


CASES = [(None, None), (None, "unit"), ("a", None), ("s", "actor"), ("sam", None),
         ("zubair", "location"), ("nothing", None), ("1", None)]


@pytest.mark.parametrize("walk", [True, False])
def test_pages_are_the_directory_in_order_walked_or_sorted(
    directory: list[dict[str, Any]], session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch, walk: bool,
) -> None:
    monkeypatch.setattr(reads, "_walks_directory", lambda *args: walk)
    with session_factory() as session:
        for q, type_ in CASES:
            want = expected(directory, q, type_)
            for offset in (0, 7, len(want) - 3, len(want) + 5):
                if offset < 0:
                    continue
                page = reads.list_library(session, q, type_, 10, offset)
                assert [e.id for e in page.items] == want[offset:offset + 10], (q, type_)
                assert page.exact and page.total == len(want), (q, type_, offset)
        first = reads.list_library(session, None, None, 120, 0).items
        two_named = next(e for e in first if len(next(
            r for r in directory if r["id"] == e.id)["names"]) == 2)
        assert len(two_named.aliases) == 1  # the other name, joined on


def test_the_count_stops_and_says_it_is_a_lower_bound(
    directory: list[dict[str, Any]], session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reads, "DIRECTORY_COUNTED", 30)
    monkeypatch.setattr(reads, "TERMS_COUNTED", 20)
    everyone = expected(directory, None, None)
    a = expected(directory, "a", None)
    assert len(everyone) > 60 and len(a) > 30
    with session_factory() as session:
        page = reads.list_library(session, None, None, 10, 0)
        assert not page.exact and page.total == 30
        deep = reads.list_library(session, None, None, 10, 50)
        assert not deep.exact and deep.total == 60  # at least as far as this page reaches
        assert [e.id for e in deep.items] == everyone[50:60]
        matching = reads.list_library(session, "a", None, 10, 0)
        assert not matching.exact and 10 <= matching.total <= len(a)
        last = reads.list_library(session, None, None, 10, len(everyone) - 4)
        assert last.exact and last.total == len(everyone)  # a short page ends the list
        past = reads.list_library(session, None, None, 10, len(everyone) + 10)
        assert past.items == [] and past.total <= len(everyone)
        few = reads.list_library(session, "zubair z", None, 3, 0)  # under 20 terms: counted
        assert few.exact and few.total == len(expected(directory, "zubair z", None)) > 3
        unneeded = reads.list_library(session, None, None, 10, 0, counted=False)
        assert not unneeded.exact and [e.id for e in unneeded.items] == everyone[:10]


def test_a_common_prefix_walks_and_a_rare_one_sorts(
    directory: list[dict[str, Any]], session_factory: sessionmaker[Session],
    walking: list[bool],
) -> None:
    with session_factory() as session:
        reads.list_library(session, "a", None, 1, 0)  # most names have a word in a
        reads.list_library(session, "zubair 7", None, 1, 0)  # one name
        reads.list_library(session, "a", None, 50, 50)  # deep: walking reads too much
    assert walking == [True, False, False]


def test_the_page_and_json_state_a_bounded_total(
    directory: list[dict[str, Any]], client: TestClient, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reads, "DIRECTORY_COUNTED", 60)
    body = client.get("/api/entities", params={"limit": 10}).json()
    assert body["total"] == 60 and body["total_exact"] is False
    page = client.get("/entities").text
    assert "At least 60 entities" in page and "Page 1 of at least 2" in page
    assert 'rel="next"' in page
    second = client.get("/entities", params={"page": 2}).text
    assert "At least 100 entities" in second and "Page 2 of at least 2" in second
    assert 'rel="next"' in second  # the count stopped before this page's end: go on
    everyone = len(expected(directory, None, None))
    assert 100 < everyone < 150
    last = client.get("/entities", params={"page": 3}).text  # a short page: the end, counted
    assert f"{everyone} entities" in last and "Page 3 of 3" in last
    assert 'rel="next"' not in last
    exact = client.get("/api/entities", params={"q": "zubair", "type": "unit", "limit": 3}
                       ).json()
    assert exact["total_exact"] is True
    assert exact["total"] == len(expected(directory, "zubair", "unit")) > 3
