"""The parsed article's helpers."""

import spacy

from app.nlp.context import ArticleContext, doc_text, token_bounds


def test_doc_text_is_the_docs_text_joined_once() -> None:
    doc = spacy.blank("en")("Ramadi fell on Sunday,  officials said. ")
    text = doc_text(doc)
    assert text == doc.text
    assert doc_text(doc) is text, "kept with the doc, not joined again"


def test_token_bounds_slice_the_docs_text() -> None:
    doc = spacy.blank("en")("Brig. Gen. Ali’s men  held al-Anbar.")
    starts, ends = token_bounds(doc)
    text = doc_text(doc)
    for i in range(len(doc)):
        for j in range(i + 1, len(doc) + 1):
            assert text[starts[i] : ends[j - 1]] == doc[i:j].text
    assert token_bounds(doc)[0] is starts


def test_lower_words_are_the_words_written_in_lower_case() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    ctx = ArticleContext("Hit fell. The hit", [0, 10], [nlp("Hit fell."), nlp("The hit")])
    assert ctx.lower_words == {"fell", "hit"}
