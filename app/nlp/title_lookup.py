"""Titles of office at a token position, looked up on precomputed strings.

The answers, and the order of preference between titles (longest first, then the lexicon's
order), are those of trying every title's words against a ``Doc`` slice; but each call reads
only the few token texts around the position once, instead of building a ``Span`` and its
``Token`` objects for every title (once extraction's hottest loop: four slices per title for
every entity the model found), and looks those few texts up in dictionaries of the titles
(:class:`TitleIndex`) instead of comparing them with every title: of the titles that match,
the one first in that order wins, as it did when they were tried in turn.
"""

from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Doc

from app.nlp.context import doc_text, token_bounds
from app.nlp.knowledge import lexicon


@dataclass(frozen=True)
class Title:
    words: tuple[str, ...]
    joined: str  # the words without spaces: how the title reads when spaCy splits "Col."
    dotted: bool  # the last word is an abbreviation ("Col.")
    canonical: str


@lru_cache
def titles(abbreviations: bool = True) -> tuple[Title, ...]:
    """The lexicon's titles, longest first (and in the lexicon's order within a length);
    without abbreviations ("Gen.") when ``abbreviations`` is false."""
    found = [
        (t.split(), v) for t, v in lexicon()["titles"].items()
        if abbreviations or not t.endswith(".")
    ]
    ordered = sorted(found, key=lambda x: -len(x[0]))
    return tuple(Title(tuple(w), "".join(w), w[-1].endswith("."), v) for w, v in ordered)


@lru_cache
def longest(abbreviations: bool = True) -> int:
    return max((len(t.words) for t in titles(abbreviations)), default=0)


@dataclass(frozen=True)
class TitleIndex:
    """The titles by their words and by their words joined; values are ranks (positions in
    :func:`titles`, the order of preference)."""

    by_words: dict[tuple[str, ...], int]  # the best-ranked title of these words
    by_joined: dict[str, tuple[int, ...]]  # every title of this joined form, best first


@lru_cache
def index(abbreviations: bool = True) -> TitleIndex:
    by_words: dict[tuple[str, ...], int] = {}
    by_joined: dict[str, list[int]] = {}
    for rank, title in enumerate(titles(abbreviations)):
        by_words.setdefault(title.words, rank)
        by_joined.setdefault(title.joined, []).append(rank)
    return TitleIndex(by_words, {k: tuple(v) for k, v in by_joined.items()})


def _texts(doc: Doc, start: int, stop: int) -> list[str]:
    """The texts of tokens ``start`` to ``stop`` (clipped to the doc), sliced from the doc's
    text (no ``Token`` objects made)."""
    text, (starts, ends) = doc_text(doc), token_bounds(doc)
    return [text[starts[i] : ends[i]] for i in range(max(start, 0), min(stop, len(doc)))]


def title_opening(doc: Doc, start: int, end: int) -> tuple[str, int] | None:
    """The first title that opens ``doc[start:end]`` with a word left after it: its
    canonical form and how many tokens it takes ("Col." may be "Col" + ".")."""
    window = _texts(doc, start, start + longest() + 1)
    ordered = titles()
    found = index()
    best: tuple[int, int] | None = None  # (rank, tokens taken)
    for taken in range(1, min(len(window), end - start - 1) + 1):  # a word left after it
        rank = found.by_words.get(tuple(window[:taken]))
        if rank is not None and (best is None or (rank, taken) < best):
            best = (rank, taken)
        for rank in found.by_joined.get("".join(window[:taken]), ()):
            title = ordered[rank]  # "Col" + "." for "Col."
            if title.dotted and len(title.words) + 1 == taken and (
                best is None or (rank, taken) < best
            ):
                best = (rank, taken)
    return (ordered[best[0]].canonical, best[1]) if best is not None else None


def title_ending_at(doc: Doc, start: int) -> str | None:
    """The title written just before token ``start`` (its last word may be split in two)."""
    before = _texts(doc, start - longest() - 1, start)
    ordered = titles()
    found = index()
    best: int | None = None
    for width in range(1, len(before) + 1):
        for rank in found.by_joined.get("".join(before[len(before) - width:]), ()):
            n = len(ordered[rank].words)
            if (n == width or (ordered[rank].dotted and n + 1 == width)) and (
                best is None or rank < best
            ):
                best = rank
    return ordered[best].canonical if best is not None else None


def office_at(doc: Doc, i: int) -> tuple[int, str] | None:
    """A title of office (no abbreviation) whose words start at token ``i``: where it ends
    and its canonical form."""
    window = tuple(_texts(doc, i, i + longest(False)))
    found = index(False)
    ranks = [r for k in range(1, len(window) + 1)
             if (r := found.by_words.get(window[:k])) is not None]
    if not ranks:
        return None
    title = titles(False)[min(ranks)]
    return i + len(title.words), title.canonical
