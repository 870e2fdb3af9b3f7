"""Titles of office at a token position, looked up on precomputed strings.

The answers, and the order of preference between titles (longest first, then the lexicon's
order), are those of trying every title's words against a ``Doc`` slice; but each call reads
only the few token texts around the position once, instead of building a ``Span`` and its
``Token`` objects for every title (once extraction's hottest loop: four slices per title for
every entity the model found).
"""

from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Doc

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


def _texts(doc: Doc, start: int, stop: int) -> list[str]:
    return [doc[i].text for i in range(max(start, 0), min(stop, len(doc)))]


def title_opening(doc: Doc, start: int, end: int) -> tuple[str, int] | None:
    """The first title that opens ``doc[start:end]`` with a word left after it: its
    canonical form and how many tokens it takes ("Col." may be "Col" + ".")."""
    window = _texts(doc, start, start + longest() + 1)
    for title in titles():
        n = len(title.words)
        if end - start > n and tuple(window[:n]) == title.words:
            return title.canonical, n
        if end - start > n + 1 and title.dotted and "".join(window[: n + 1]) == title.joined:
            return title.canonical, n + 1
    return None


def title_ending_at(doc: Doc, start: int) -> str | None:
    """The title written just before token ``start`` (its last word may be split in two)."""
    before = _texts(doc, start - longest() - 1, start)
    suffixes = {w: "".join(before[len(before) - w:]) for w in range(1, len(before) + 1)}
    for title in titles():
        n = len(title.words)
        if suffixes.get(n) == title.joined or (
            title.dotted and suffixes.get(n + 1) == title.joined
        ):
            return title.canonical
    return None


def office_at(doc: Doc, i: int) -> tuple[int, str] | None:
    """A title of office (no abbreviation) whose words start at token ``i``: where it ends
    and its canonical form."""
    window = tuple(_texts(doc, i, i + longest(False)))
    for title in titles(False):
        if window[: len(title.words)] == title.words:
            return i + len(title.words), title.canonical
    return None
