"""The parsed article's helpers."""

import spacy

from app.nlp.context import doc_text


def test_doc_text_is_the_docs_text_joined_once() -> None:
    doc = spacy.blank("en")("Ramadi fell on Sunday,  officials said. ")
    text = doc_text(doc)
    assert text == doc.text
    assert doc_text(doc) is text, "kept with the doc, not joined again"
