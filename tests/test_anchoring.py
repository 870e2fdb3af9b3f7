"""Anchors for corrections: found again after edits elsewhere, never on another passage."""

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.anchoring import (
    Anchor,
    PassageSelector,
    TextPositionSelector,
    TextQuoteSelector,
    anchor_range,
    locate,
)


def test_a_repeated_name_is_found_by_its_context() -> None:
    text = ("Rivers said no to the plan on Monday morning. Later that week, Rivers said yes to "
            "all of it in a statement. At the end of the month Rivers left.")
    start = text.index("Rivers", 10)
    anchor = anchor_range(text, start, start + 6)
    revised = "Breaking: " + text.replace("Rivers left", "Rivers stayed")
    found = locate(revised, anchor)
    at = revised.index("Rivers said yes")
    assert found == (at, at + 6)


def test_context_grows_until_the_passage_is_unique() -> None:
    block = "x" * 40 + " Rivers " + "y" * 40
    text = f"{block} one. {block} two."
    start = text.index("Rivers")
    anchor = anchor_range(text, start, start + 6)
    assert len(anchor.suffix) > 40  # 32 characters were not enough to tell the two apart
    assert locate(text, anchor) == (start, start + 6)


def test_a_passage_whose_context_changed_is_gone_not_guessed() -> None:
    text = "The mayor said Rivers was late. The police said Rivers was early."
    start = text.index("Rivers")
    anchor = anchor_range(text, start, start + 6)
    assert locate(text.replace("mayor said Rivers was late", "mayor was late"), anchor) is None


def test_identical_passages_are_told_apart_only_on_the_same_text() -> None:
    text = "Rivers. " * 80
    anchor = anchor_range(text, 320, 326)  # the context cannot grow enough to be unique
    assert locate(text, anchor) is None
    assert locate(text, anchor, trust_position=True) == (320, 326)


def test_json_round_trip() -> None:
    anchor = Anchor("Rivers", "said ", " on", 10, 16)
    assert Anchor.from_json(anchor.as_json()) == anchor
    assert anchor.selectors()[0]["type"] == "TextQuoteSelector"


NAMES = ["Rivers", "Sam Rivers", "Ramadi", "the police", "Islamic State"]
FILLER = ["said", "on", "Sunday", "in", "a", "city", "attack", "bridge", "and", "after", "fell",
          "troops", "were", "sent", "to", "hold", "it", "but", "they", "left", "when", "the",
          "fighters", "came", "from", "north", "with", "trucks", "officials", "told", "reporters",
          "that", "no", "one", "knew", "why", "residents", "fled", "east", "at", "night"]
# Words a revision brings in: never in the original, so an edit cannot rebuild a passage it cut.
INSERTED = ["Reportedly", "Baghdad", "Mosul", "yesterday", "Kurdish", "convoy", "spokesman"]


def _repeats_a_run(words: list[str], size: int = 5) -> bool:
    runs = [tuple(words[i : i + size]) for i in range(len(words) - size + 1)]
    return len(runs) != len(set(runs))


@st.composite
def edited_texts(draw: st.DrawFn) -> tuple[str, tuple[int, int], str, tuple[int, int] | None]:
    """Prose-like text (names repeat, as in news; no five-word run repeats), a passage in it,
    the text after random edits, and where the passage went (``None``: an edit touched it)."""
    words = draw(st.lists(st.one_of(st.sampled_from(NAMES), st.sampled_from(FILLER)),
                          min_size=3, max_size=80))
    assume(not _repeats_a_run(words))
    text = " ".join(words)
    bounds = [0] + [i + 1 for i, ch in enumerate(text) if ch == " "]
    first = draw(st.integers(0, len(words) - 1))
    last = draw(st.integers(first, min(first + 2, len(words) - 1)))
    start = bounds[first]
    end = bounds[last] + len(words[last])
    passage: tuple[int, int] | None = (start, end)
    edits = draw(st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 12),
                                    st.lists(st.sampled_from(INSERTED), max_size=3)),
                          max_size=4))
    for position, length, inserted in edits:
        at = position % (len(text) + 1)
        cut = min(length, len(text) - at)
        new = " ".join(inserted)
        if not cut and not new:
            continue
        text = text[:at] + new + text[at + cut :]
        if passage is not None:
            s, e = passage
            if at + cut <= s and not (cut == 0 and at == s and not new):
                shift = len(new) - cut
                passage = (s + shift, e + shift)
            elif at >= e:
                pass
            else:
                passage = None  # the edit touched the passage itself
    return " ".join(words), (start, end), text, passage


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow,
                                                   HealthCheck.filter_too_much])
@given(edited_texts())
def test_re_anchoring_finds_the_same_passage_or_reports_it_gone(
    case: tuple[str, tuple[int, int], str, tuple[int, int] | None],
) -> None:
    original, (start, end), revised, moved = case
    anchor = anchor_range(original, start, end)
    found = locate(revised, anchor, trust_position=revised == original)
    if found is not None:
        assert moved is not None, f"the passage was edited away, yet found at {found}"
        assert found == moved, f"found {found}, the passage is at {moved}"
    if revised == original:
        assert found == (start, end)


@settings(max_examples=200)
@given(edited_texts())
def test_edits_away_from_the_passage_and_its_context_keep_it(
    case: tuple[str, tuple[int, int], str, tuple[int, int] | None],
) -> None:
    original, (start, end), revised, moved = case
    anchor = anchor_range(original, start, end)
    assume(moved is not None)
    assert moved is not None
    shift = moved[0] - start
    window_intact = (
        revised[moved[0] - len(anchor.prefix) : moved[0]] == anchor.prefix
        and revised[moved[1] : moved[1] + len(anchor.suffix)] == anchor.suffix
        and (not anchor.at_start or moved[0] == len(anchor.prefix))
        and (not anchor.at_end or moved[1] + len(anchor.suffix) == len(revised))
        and moved[0] >= len(anchor.prefix)
    )
    assume(window_intact)
    assert locate(revised, anchor, trust_position=shift == 0 and revised == original) == moved


@given(st.text(max_size=40), st.text(max_size=20), st.text(max_size=20),
       st.one_of(st.none(), st.tuples(st.integers(0, 10**7), st.integers(0, 10**7))))
def test_the_query_is_urlencodes(exact: str, prefix: str, suffix: str,
                                 position: tuple[int, int] | None) -> None:
    """to_query writes what ``urlencode(..., quote_via=quote)`` wrote, byte for byte."""
    from urllib.parse import quote, urlencode

    selector = PassageSelector(TextQuoteSelector(exact, prefix, suffix),
                               TextPositionSelector(*position) if position else None)
    params: dict[str, str | int] = {"exact": exact}
    if prefix:
        params["prefix"] = prefix
    if suffix:
        params["suffix"] = suffix
    if position:
        params["start"], params["end"] = position
    try:
        expected = urlencode(params, quote_via=quote)
    except UnicodeEncodeError:  # a lone surrogate: neither can encode it
        with pytest.raises(UnicodeEncodeError):
            selector.to_query()
        return
    assert selector.to_query() == expected
