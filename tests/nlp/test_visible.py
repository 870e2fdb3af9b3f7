"""Invisible characters: extraction sees the words, offsets stay the served text's."""

from typing import TYPE_CHECKING

from app.nlp.extract import extract
from app.nlp.normalise import normalise_text
from app.nlp.visible import visible

if TYPE_CHECKING:
    from spacy.language import Language


def test_the_visible_copy_drops_marks_and_maps_back() -> None:
    served = normalise_text("Near Mosul\u200e, Ta\u00adl Afar.\n\nSecond \u200fpara.")
    text, back = visible(served)
    assert back is not None
    assert text.text == "Near Mosul, Tal Afar.\n\nSecond para."
    start = text.text.index("Mosul")
    assert back.span(start, start + 5) == (5, 10, "Mosul")  # the mark after it is left out
    tal = text.text.index("Tal Afar")
    s, e, word = back.span(tal, tal + 8)
    assert word == "Ta\u00adl Afar" and served.text[s:e] == word
    second = text.paragraphs[1]
    assert text.text[second.start : second.end] == "Second para."
    assert served.text[back.start(second.start) : back.end(second.end)] == "Second \u200fpara."


def test_text_without_marks_is_left_alone() -> None:
    served = normalise_text("Nothing hidden here.")
    assert visible(served) == (served, None)


def test_a_name_followed_by_a_mark_is_found_with_true_offsets(nlp: "Language") -> None:
    raw = (
        "Fighters entered Mosul\u200e on Monday.\n\n"
        "\u201cWe will return,\u201d said Gen. Ahmed al-Jubouri\u200f, the commander, "
        "in Ba\u00adghdad."
    )
    served = normalise_text(raw)
    x = extract(nlp, served)
    mentions = {m.text: m for e in x.entities for m in e.mentions}
    assert "Mosul" in mentions and "Ahmed al-Jubouri" in mentions
    for m in mentions.values():
        assert served.text[m.start : m.end] == m.text
    assert "Ba\u00adghdad" in mentions
    names = {e.name for e in x.entities}
    assert "Baghdad" in names, "the entity is named without the soft hyphen"
    quote = x.quotes[0]
    assert served.text[quote.start : quote.end] == quote.text == "We will return"
    assert quote.speaker_key is not None
    for s, e in x.sentences:
        assert 0 <= s < e <= len(served.text)
