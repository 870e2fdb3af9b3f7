"""Title lookups by dictionary answer as trying every title in its order of preference did."""

import pytest
import spacy
from spacy.tokens import Doc

from app.nlp import title_lookup
from app.nlp.title_lookup import office_at, title_ending_at, title_opening, titles


def _opening_by_scan(doc: Doc, start: int, end: int) -> tuple[str, int] | None:
    window = [t.text for t in doc[start : start + title_lookup.longest() + 1]]
    for title in titles():
        n = len(title.words)
        if end - start > n and tuple(window[:n]) == title.words:
            return title.canonical, n
        if end - start > n + 1 and title.dotted and "".join(window[: n + 1]) == title.joined:
            return title.canonical, n + 1
    return None


def _ending_by_scan(doc: Doc, start: int) -> str | None:
    before = [t.text for t in doc[max(0, start - title_lookup.longest() - 1) : start]]
    for title in titles():
        n = len(title.words)
        if "".join(before[len(before) - n :]) == title.joined and n <= len(before):
            return title.canonical
        if (title.dotted and n + 1 <= len(before)
                and "".join(before[len(before) - n - 1 :]) == title.joined):
            return title.canonical
    return None


def _office_by_scan(doc: Doc, i: int) -> tuple[int, str] | None:
    window = tuple(t.text for t in doc[i : i + title_lookup.longest(False)])
    for title in titles(False):
        if window[: len(title.words)] == title.words:
            return i + len(title.words), title.canonical
    return None


@pytest.fixture(scope="module")
def docs() -> list[Doc]:
    """Every title of the lexicon written before a name, in full and abbreviated (the
    tokenizer splits some abbreviations in two), one after another and at the edges."""
    nlp = spacy.blank("en")
    written = [" ".join(t.words) for t in titles()]
    texts = [f"{w} Ali Hassan said." for w in written]
    texts += ["Col. Brig. Gen. Ahmed met Prime Minister Haider al-Abadi and the Maj Gen",
              "Defense Minister Lt. Gen. Khalid spoke", "Gen.", "Prime Minister"]
    texts.append(" and ".join(f"the {w} {w}" for w in written))
    return list(nlp.pipe(texts))


def test_lookups_answer_as_the_scan_in_title_order(docs: list[Doc]) -> None:
    checked = 0
    for doc in docs:
        for start in range(len(doc) + 1):
            assert title_ending_at(doc, start) == _ending_by_scan(doc, start), (doc, start)
            if start < len(doc):
                assert office_at(doc, start) == _office_by_scan(doc, start), (doc, start)
            for end in range(start, min(len(doc), start + 7) + 1):
                assert title_opening(doc, start, end) == _opening_by_scan(doc, start, end)
                checked += 1
    assert checked > 1000
    assert any(title_opening(doc, 0, len(doc)) for doc in docs), "titles are found"
