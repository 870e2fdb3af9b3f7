"""Text fragment directives: block-bound context, ranges for long passages, self-checked."""

from urllib.parse import unquote

from hypothesis import given, settings
from hypothesis import strategies as st

from app.web.fragments import (
    EXACT_MAX_CHARS,
    Block,
    TextDirective,
    article_blocks,
    first_match,
    text_directive,
    text_fragment,
)

TEXT = (
    "Fighters took the bridge at dawn.\n\n"
    "“We will hold the bridge,” the colonel said in Ramadi. Residents left the city.\n\n"
    "The colonel said the road to Baghdad was open. He said the bridge was lost by noon, "
    "and that reinforcements from Habbaniyah would arrive within days if the weather held, "
    "which it did not, according to two officers who asked not to be named.\n\n"
    "Well-known co-ordinators, the “Sons of Iraq”, said nothing."
)


def paragraphs(text: str) -> list[tuple[int, int, str]]:
    spans, pos = [], 0
    for block in text.split("\n\n"):
        spans.append((pos, pos + len(block), "body"))
        pos += len(block) + 2
    return spans


BLOCKS = article_blocks(TEXT, "The bridge", paragraphs(TEXT))


def span(needle: str, occurrence: int = 0) -> tuple[int, int]:
    i = -1
    for _ in range(occurrence + 1):
        i = TEXT.index(needle, i + 1)
    return i, i + len(needle)


def lands(directive: TextDirective | None, start: int, end: int) -> bool:
    """Does the directive's first match cover exactly TEXT[start:end] (as whole words)?"""
    assert directive is not None
    found = first_match(BLOCKS, directive)
    assert found is not None
    bi, s, bj, e = found
    first, last = BLOCKS[bi], BLOCKS[bj]
    if first.start is None or last.start is None:
        return False  # landed on the page's own text (the title heading)
    return (first.start + s, last.start + e) == (start, end)


def test_a_short_passage_is_exact_text_with_context_from_its_own_block() -> None:
    start, end = span("the colonel said in Ramadi")
    d = text_directive(BLOCKS, start, end)
    assert d is not None and d.text_end == ""
    assert d.text_start == "the colonel said in Ramadi"
    assert d.prefix.endswith("bridge,”") and d.suffix.startswith(". Residents")
    assert lands(d, start, end)


def test_a_passage_opening_a_paragraph_has_no_prefix_from_the_paragraph_before() -> None:
    start, end = span("“We will hold the bridge,”")
    d = text_directive(BLOCKS, start, end)
    assert d is not None and d.prefix == ""
    assert "dawn" not in str(d)


def test_a_passage_ending_a_paragraph_has_no_suffix_from_the_next() -> None:
    start, end = span("Residents left the city.")
    d = text_directive(BLOCKS, start, end)
    assert d is not None and d.suffix == ""


def test_a_passage_across_paragraphs_is_a_range_with_each_end_in_its_own_block() -> None:
    start, end = TEXT.index("Residents left"), TEXT.index(" He said")
    d = text_directive(BLOCKS, start, end)
    assert d is not None and d.text_end
    assert "Residents" in d.text_start and "\n" not in d.text_start
    assert d.text_end.endswith("was open.")
    assert lands(d, start, end)


def test_a_long_passage_is_a_start_and_end_range() -> None:
    start = TEXT.index("He said the bridge")
    end = TEXT.index("to be named.") + len("to be named.")
    assert end - start > EXACT_MAX_CHARS
    d = text_directive(BLOCKS, start, end)
    assert d is not None and d.text_end
    assert len(str(d)) < 200
    assert lands(d, start, end)


def test_a_repeated_phrase_gets_the_context_that_picks_the_right_one() -> None:
    # "the bridge" is in the title heading and three paragraphs; the third paragraph's is wanted.
    start, end = span("the bridge", 2)
    d = text_directive(BLOCKS, start, end)
    assert d is not None and (d.prefix or d.suffix)
    assert lands(d, start, end)
    assert not lands(TextDirective("the bridge"), start, end)


def test_a_selection_inside_words_is_widened_to_whole_words() -> None:
    start, end = TEXT.index("olonel said in Ram"), TEXT.index("olonel said in Ram") + 18
    d = text_directive(BLOCKS, start, end)
    assert d is not None and d.text_start == "colonel said in Ramadi"


def test_syntax_characters_inside_terms_are_percent_encoded() -> None:
    start, end = span("Well-known co-ordinators, the “Sons of Iraq”,")
    fragment = text_fragment(BLOCKS, start, end)
    exact, suffix = fragment.removeprefix("#:~:text=").split(",")
    assert "-" not in exact and "," not in exact and "&" not in exact
    assert unquote(exact) == "Well-known co-ordinators, the “Sons of Iraq”,"
    assert suffix == "-said%20nothing."
    assert lands(text_directive(BLOCKS, start, end), start, end)


def test_matching_stays_inside_blocks_and_on_word_boundaries() -> None:
    # A prefix taken across a paragraph break, as browsers never match it.
    assert first_match(BLOCKS, TextDirective("“We will hold", prefix="at dawn.")) is None
    assert first_match(BLOCKS, TextDirective("olonel")) is None
    assert first_match([Block("A b"), Block("C d")], TextDirective("b c")) is None


def test_page_chrome_counts_but_is_never_the_target() -> None:
    start, end = span("The colonel said")
    d = text_directive([Block("The colonel said")] + BLOCKS[1:], start, end)
    assert d is not None and d.suffix
    assert text_directive(BLOCKS, -5, -1) is None


words = st.sampled_from(["bridge", "the", "Ramadi", "said", "colonel", "road", "“We", "held,"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(words, min_size=1, max_size=14), min_size=1, max_size=5),
       st.data())
def test_whenever_a_directive_is_given_the_browser_search_lands_on_the_passage(
    paras: list[list[str]], data: st.DataObject
) -> None:
    text = "\n\n".join(" ".join(p) for p in paras)
    blocks = article_blocks(text, "Title", paragraphs(text))
    tokens = [(m_start, m_start + len(w)) for m_start, w in _tokens(text)]
    i = data.draw(st.integers(0, len(tokens) - 1))
    j = data.draw(st.integers(i, len(tokens) - 1))
    start, end = tokens[i][0], tokens[j][1]
    d = text_directive(blocks, start, end)
    if d is None:
        return  # indistinguishable repeats: no link is better than a wrong one
    found = first_match(blocks, d)
    assert found is not None
    bi, s, bj, e = found
    assert blocks[bi].start is not None and blocks[bj].start is not None
    assert (blocks[bi].start + s, blocks[bj].start + e) == (start, end)


def _tokens(text: str) -> list[tuple[int, str]]:
    import re

    return [(m.start(), m.group()) for m in re.finditer(r"\S+", text)]
