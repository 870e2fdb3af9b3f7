"""Property tests for normalise_text / title_from_lede: arbitrary input, consistent offsets."""

import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.nlp.normalise import NormalisedText, normalise_text, slugify, title_from_lede

KINDS = {"caption", "body", "related", "boilerplate"}
BLANK_LINE = re.compile(r"\n[^\S\n]*\n")

# Pieces that exercise the normaliser's special cases, glued together at random.
PIECES = st.sampled_from(
    [
        "\n",
        "\n\n",
        "\r\n",
        "\r\n\r\n",
        "\r",
        " ",
        "\t",
        "\u00a0",
        "\n \u00a0\t\n",
        "\ufeff",
        "al-\n",
        "al- \n Habbaniyah",
        "-\n",
        "word",
        "Ramadi",
        "“",
        "”",
        "‘",
        "’",
        '"',
        "'",
        "\u2014",
        "\u2013",
        " -- ",
        ".",
        ". ",
        "! ",
        "? ",
        ",",
        ";",
        ":",
        "(",
        ")",
        "(Jane Doe/AP)",
        "(Reuters)",
        "Read more:",
        "Related",
        "See also",
        "© 2015 The Washington Post",
        "All rights reserved",
        "Sign up for our newsletter",
        "\u2028",
        "\u2029",
        "\x0b",
        "\x0c",
        "\x85",
        "\u3000",
        "\u200b",
        "é",
        "ß",
        "İ",
        "ǅ",
        "😀",
        "\U0001f1ee\U0001f1f6",
        "e\u0301",
        "\x00",
        "\x1c",
        "The rebels seized the town of Hit on Monday as soldiers fled, officials said.",
    ]
)
RAW = st.one_of(
    st.text(),
    st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=40).map("".join),
)


def check_tiling(doc: NormalisedText) -> None:
    text, spans = doc.text, doc.paragraphs
    if not spans:
        assert text == ""
        return
    assert spans[0].start == 0
    assert spans[-1].end == len(text)
    for i, span in enumerate(spans):
        assert span.index == i
        assert span.kind in KINDS
        assert 0 <= span.start < span.end <= len(text)
        piece = text[span.start : span.end]
        assert piece == piece.strip(), "a paragraph has no surrounding whitespace"
        assert "\n" not in piece and "\r" not in piece
        assert not BLANK_LINE.search(piece)
    for prev, nxt in zip(spans, spans[1:], strict=False):
        assert prev.end < nxt.start
        assert text[prev.end : nxt.start] == "\n\n"
    assert "\n\n".join(text[p.start : p.end] for p in spans) == text


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(RAW)
@example("")
@example("\r\n\r\n")
@example("a\r\rb")
@example("al-\nHabbaniyah\n\n\n\u00a0\n\nSecond")
@example("x-\n\ny")
@example("\ufeff\ufeff")
@example("One.\n\u2029\nTwo.")
def test_paragraph_spans_tile_the_text(raw: str) -> None:
    doc = normalise_text(raw)
    check_tiling(doc)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(RAW)
@example("al-\n-\nb")
@example("a -\n\tb")
@example("a-\n b")
@example("Read more:\n\nx\n\n© 2015")
def test_normalising_is_idempotent(raw: str) -> None:
    once = normalise_text(raw)
    twice = normalise_text(once.text)
    assert twice.text == once.text
    assert twice.paragraphs == once.paragraphs


@given(RAW)
def test_words_are_neither_invented_nor_lost(raw: str) -> None:
    """Only whitespace, line breaks after hyphens and BOMs may change."""
    doc = normalise_text(raw)

    def letters(s: str) -> str:
        return re.sub(r"\s", "", s.replace("\ufeff", ""))

    assert letters(doc.text) == letters(raw)


@settings(max_examples=300)
@given(RAW, st.integers(min_value=1, max_value=200))
@example("...", 120)
@example("x" * 500, 120)
@example("a " * 300, 10)
@example("“ ” — ,", 5)
def test_title_from_lede_is_short_and_never_raises(raw: str, limit: int) -> None:
    doc = normalise_text(raw)
    title = title_from_lede(doc, limit)
    assert isinstance(title, str)
    assert len(title) <= limit + 1
    assert title == title.strip()
    if doc.body():
        assert title, "an article with a body always gets a title"
        assert "\n" not in title


@given(st.text())
@settings(deadline=None)  # the first example imports the ingest service
def test_slugify_always_gives_a_valid_slug(value: str) -> None:
    from app.ingest.service import SLUG_RE

    assert SLUG_RE.match(slugify(value))
