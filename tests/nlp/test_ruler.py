"""The knowledge ruler finds what spaCy's entity ruler finds with the same patterns."""

from __future__ import annotations

import random
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import spacy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.language import Language

from app.nlp.knowledge import patterns
from app.nlp.normalise import normalise_text
from app.nlp.ruler import KnowledgeRuler  # noqa: F401  (the factory)
from app.nlp.token_patterns import LEXICAL_FIELDS, TokenPattern, compile_spec
from app.settings import BUNDLED_ARTICLE

EVAL_DIR = Path(__file__).resolve().parents[1] / "eval"
Ent = tuple[int, int, str, str]


def spacy_ruler(entries: list[dict[str, Any]]) -> Language:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": True, "validate": True})
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*\[W036\]")
        ruler.add_patterns(entries)  # type: ignore[attr-defined]
    return nlp


def knowledge_ruler(entries: list[dict[str, Any]]) -> Language:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("knowledge_ruler")
    ruler.add_patterns(  # type: ignore[attr-defined]
        entries, lambda texts: [[t.text for t in nlp.make_doc(x)] for x in texts]
    )
    return nlp


def ents(nlp: Language, text: str) -> list[Ent]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*\[W036\]")
        doc = nlp(text)
    return [(e.start, e.end, e.label_, e.ent_id_) for e in doc.ents]


@pytest.fixture(scope="module")
def ours() -> Language:
    return knowledge_ruler(list(patterns()))


@pytest.fixture(scope="module")
def theirs() -> Language:
    return spacy_ruler(list(patterns()))


def eval_paragraphs() -> Iterator[str]:
    for path in [*sorted(EVAL_DIR.glob("*.txt")), BUNDLED_ARTICLE]:
        normalised = normalise_text(path.read_text(encoding="utf-8"))
        for p in normalised.paragraphs:
            yield normalised.text[p.start : p.end]


def test_every_eval_paragraph_gets_the_same_entities(ours: Language, theirs: Language) -> None:
    checked = found = 0
    for text in eval_paragraphs():
        expected = ents(theirs, text)
        assert ents(ours, text) == expected, text
        checked += 1
        found += len(expected)
    assert checked > 100 and found > checked  # every eval text, hundreds of entities


def test_every_eval_paragraph_has_the_same_matches(ours: Language, theirs: Language) -> None:
    """Not only the entities kept: every span matched, with its label and id."""
    ruler = ours.get_pipe("knowledge_ruler")
    spacy_ruler_pipe = theirs.get_pipe("entity_ruler")
    for text in eval_paragraphs():
        doc = theirs.make_doc(text)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r".*\[W036\]")
            raw = [*spacy_ruler_pipe.matcher(doc), *spacy_ruler_pipe.phrase_matcher(doc)]  # type: ignore[attr-defined]
        doc = ours.make_doc(text)
        expected = {(s, e, theirs.vocab.strings[m]) for m, s, e in raw if s != e}
        got = {(s, e, m.label + (f"||{m.ent_id}" if m.ent_id else ""))
               for s, e, m in ruler.match(doc)}  # type: ignore[attr-defined]
        assert got == expected, text


# Pieces of text that the knowledge file's patterns are made of, glued at random: names,
# their parts, designators, numbers, words that patterns exclude, and plain words.
def _pieces() -> list[str]:
    rng = random.Random(7)
    pieces: set[str] = set()
    for entry in patterns():
        pattern = entry["pattern"]
        if isinstance(pattern, str):
            pieces.add(pattern)
            continue
        for spec in pattern:
            for key, value in spec.items():
                if key == "OP" or isinstance(value, bool):
                    continue
                if isinstance(value, str):
                    pieces.add(value)
                elif "IN" in value:
                    pieces.update(rng.sample(value["IN"], min(3, len(value["IN"]))))
                elif "NOT_IN" in value:
                    pieces.update(rng.sample(value["NOT_IN"], min(2, len(value["NOT_IN"]))))
    pieces.update([
        "3rd", "51", "7", "CENTCOM", "NAVCENT", "U.S.-backed", "M1", "F-16s", "CJTF-7", "Zubair",
        "Habbaniyah", "Qasim", "Red", "the", "and", ",", ".", "-", "’s", "said", "ISIS", "Tribe",
        "Brigade", "Camp", "Ahmed", "Oil", "Highway", "Al", "al-", "Abu", "Task", "Force",
    ])
    return sorted(pieces)


PIECES = _pieces()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=14), st.sampled_from([" ", ""]))
def test_random_text_of_pattern_pieces_gets_the_same_entities(
    ours: Language, theirs: Language, words: list[str], glue: str
) -> None:
    text = glue.join(words) if glue else " ".join(words).replace(" - ", "-")
    tied = tied_spans(theirs, text)
    assert untied(ents(ours, text), tied) == untied(ents(theirs, text), tied)


def tied_spans(nlp: Language, text: str) -> set[tuple[int, int]]:
    """Spans that patterns of different meanings match alike. spaCy's ruler keeps one of
    them by the order of a Python set (which changes with the other matches of the text);
    ours keeps the earlier pattern's. Only there may the two rulers' labels differ."""
    ruler = nlp.get_pipe("entity_ruler")
    doc = nlp.make_doc(text)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*\[W036\]")
        raw = [*ruler.matcher(doc), *ruler.phrase_matcher(doc)]  # type: ignore[attr-defined]
    meanings: dict[tuple[int, int], set[int]] = {}
    for match_id, start, end in raw:
        meanings.setdefault((start, end), set()).add(match_id)
    return {span for span, found in meanings.items() if len(found) > 1}


def untied(entities: list[Ent], tied: set[tuple[int, int]]) -> list[Ent]:
    return [(s, e, "(tied)", "") if (s, e) in tied else (s, e, label, id_)
            for s, e, label, id_ in entities]


def test_no_two_meanings_tie_on_a_task_force_designator(theirs: Language) -> None:
    """ "CJTF-7" is an army unit's name, not a weapon's designation (both patterns matched
    it, and spaCy's ruler then kept either)."""
    assert tied_spans(theirs, "Troops of CJTF-7 and TF-1 flew F-16s.") == set()
    assert ents(theirs, "CJTF-7")[0][2] == "UNIT_ARMY"


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        ([{"LOWER": "x"}, {"IS_TITLE": True, "OP": "*"}, {"LOWER": "y"}], "x A B y x y X C Y"),
        ([{"LOWER": "x"}, {"IS_TITLE": True, "OP": "+"}], "x A B x c"),
        ([{"ORTH": "A"}, {"ORTH": "B", "OP": "?"}], "A B A"),
        ([{"ORTH": "-", "OP": "?"}, {"LOWER": "a"}], "- A - a a"),
        ([{"IS_DIGIT": True}, {"TEXT": {"REGEX": "^k"}}], "12 km 12 mk 3 kk"),
        ([{"LOWER": {"NOT_IN": ["b"]}}, {"LOWER": "c"}], "a c b c"),
        ([{"IS_SPACE": False, "LOWER": "b"}, {"LOWER": "c"}], "b c  b c"),
        ([{"IS_UPPER": True}, {"LOWER": "c"}], "AB c Ab c"),  # not compiled: spaCy's Matcher
        ([{"LOWER": "a", "OP": "{1,2}"}, {"LOWER": "c"}], "a a c"),  # not compiled either
    ],
)
def test_token_operators_and_attributes_as_spacy(pattern: list[dict], text: str) -> None:
    entries = [{"label": "X", "pattern": pattern, "id": "x"}]
    ours, theirs = knowledge_ruler(entries), spacy_ruler(entries)
    assert ents(ours, text) == ents(theirs, text)
    assert ents(ours, text)


def test_two_patterns_of_one_span_the_earlier_wins() -> None:
    entries = [
        {"label": "CITY", "pattern": [{"LOWER": "hit"}], "id": "Hit"},
        {"label": "EVENT", "pattern": "Hit"},
    ]
    nlp = knowledge_ruler(entries)
    assert ents(nlp, "in Hit") == [(1, 2, "CITY", "Hit")]
    nlp = knowledge_ruler(entries[::-1])
    assert ents(nlp, "in Hit") == [(1, 2, "EVENT", "")]


def test_a_pattern_is_anchored_on_a_long_word_it_needs() -> None:
    specs = [{"IS_TITLE": True}, {"ORTH": "-", "OP": "?"}, {"IS_TITLE": True},
             {"LOWER": "refinery"}]
    compiled = TokenPattern(tuple(compile_spec(s, LEXICAL_FIELDS) for s in specs), 0)
    assert compiled.anchor() == (1, frozenset({"refinery"}), (2, 3))
    starred = [{"LOWER": "x"}, {"IS_TITLE": True, "OP": "*"}, {"LOWER": "division"}]
    compiled = TokenPattern(tuple(compile_spec(s, LEXICAL_FIELDS) for s in starred), 0)
    assert compiled.anchor() == (1, frozenset({"x"}), (0,))
