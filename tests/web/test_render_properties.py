"""Property tests for render_span: whatever the spans, the text comes through whole and escaped."""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.web.render import Highlight, MentionView, QuoteView, render_span, render_spans

TYPES = ("actor", "unit", "location")
# Text rich in what HTML cares about.
CHARS = st.one_of(
    st.sampled_from(list("<>&\"'/=;#-  \n\u00a0“”‘’—abcxyz") + ["&amp;", "&lt;", "<b>", "</a>",
                                                              "<!--", "-->", "]]>", "\r"]),
    st.characters(),
)
TEXT = st.lists(CHARS, max_size=60).map("".join)
TAG = re.compile(r"<(/?)(a|mark|span)\b")


@dataclass
class _Element:
    tag: str
    attrs: dict[str, str]
    skip: bool
    children: list["_Element | str"] = field(default_factory=list)


class _Parser(HTMLParser):
    """Builds a tree and insists on well-nested tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Element("#root", {}, False)
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        el = _Element(tag, a, "data-offset-skip" in a)
        self.stack[-1].children.append(el)
        self.stack.append(el)

    def handle_endtag(self, tag: str) -> None:
        assert len(self.stack) > 1 and self.stack[-1].tag == tag, f"badly nested </{tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)

    def unknown_decl(self, data: str) -> None:  # pragma: no cover - would be a bug
        raise AssertionError(f"markup declaration from the text: {data!r}")

    def handle_comment(self, data: str) -> None:  # pragma: no cover - would be a bug
        raise AssertionError(f"comment from the text: {data!r}")


def parse(html: str) -> _Element:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    assert len(parser.stack) == 1, "unclosed element"
    return parser.root


def visible_text(el: _Element) -> str:
    return "".join(
        c if isinstance(c, str) else ("" if c.skip else visible_text(c)) for c in el.children
    )


def elements(el: _Element, ancestors: tuple[_Element, ...] = ()):  # type: ignore[no-untyped-def]
    for c in el.children:
        if isinstance(c, _Element):
            yield c, ancestors
            yield from elements(c, (*ancestors, c))


@st.composite
def spans(draw: st.DrawFn, length: int, max_items: int = 12) -> list[tuple[int, int]]:
    if length == 0:
        return []
    bounds = st.tuples(st.integers(0, length), st.integers(0, length)).map(sorted).map(tuple)
    return draw(st.lists(bounds, max_size=max_items))  # type: ignore[arg-type]


def non_crossing(items: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Keep spans that nest or stay apart (as extraction guarantees for mentions)."""
    kept: list[tuple[int, int]] = []
    for s, e in items:
        if s >= e or (s, e) in kept:
            continue
        if all(e <= ks or s >= ke or (ks <= s and e <= ke) or (s <= ks and ke <= e)
               for ks, ke in kept):
            kept.append((s, e))
    return kept


@st.composite
def scenes(draw: st.DrawFn, crossing: bool = False):  # type: ignore[no-untyped-def]
    text = draw(TEXT)
    n = len(text)
    start = draw(st.integers(0, n))
    end = draw(st.integers(start, n))
    raw = draw(spans(n))
    laminar = raw if crossing else non_crossing(raw)
    labels = st.lists(CHARS, max_size=8).map("".join)
    mentions, quotes = [], []
    for i, (s, e) in enumerate(laminar):
        what = draw(st.sampled_from(["mention", "quote", "both"]))  # both: a quote wraps it
        if what != "quote":
            label = draw(labels)
            mentions.append(MentionView(i + 1, 100 + i, draw(st.sampled_from(TYPES)), s, e,
                                        f"/articles/x/entities/{100 + i}?l={label}", label))
        if what != "mention":
            quotes.append(QuoteView(f"q{i}", s, e, selected=draw(st.booleans())))
    highlights = [Highlight(s, e, draw(st.sampled_from([None, "passage"])))
                  for s, e in draw(spans(n, 3))]
    return text, start, end, mentions, quotes, highlights


def check(text: str, start: int, end: int, mentions: list[MentionView],
          quotes: list[QuoteView], highlights: list[Highlight]) -> _Element:
    html = str(render_span(text, start, end, mentions, quotes, highlights))
    # Every "<" in the output opens or closes one of our own elements.
    assert all(TAG.match(html, m.start()) for m in re.finditer("<", html)), html
    root = parse(html)
    assert visible_text(root) == text[start:end]
    for el, ancestors in elements(root):
        if el.tag == "a":
            assert not any(a.tag == "a" for a in ancestors), "links never nest"
        if el.tag == "mark":
            m = next(m for m in mentions if el.attrs["id"] == f"m-{m.id}")
            assert el.attrs["title"] == m.label and el.attrs["data-href"] == m.href
            assert visible_text(el) == text[m.start : m.end]
        if el.tag == "span" and "data-quote-id" in el.attrs:
            q = next(q for q in quotes if q.id == el.attrs["data-quote-id"])
            assert visible_text(el) == text[q.start : q.end]
    return root


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(scenes())
def test_non_crossing_spans_render_the_text_whole(scene) -> None:  # type: ignore[no-untyped-def]
    text, start, end, mentions, quotes, highlights = scene
    root = check(text, start, end, mentions, quotes, highlights)
    rendered = {el.attrs.get("id") for el, _ in elements(root)}
    for m in mentions:
        inside = start <= m.start and m.end <= end
        assert (f"m-{m.id}" in rendered) == inside, "every mention within the span is marked"


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(scenes(crossing=True))
def test_crossing_spans_never_lose_or_duplicate_text(scene) -> None:  # type: ignore[no-untyped-def]
    check(*scene)


@given(TEXT)
def test_plain_text_round_trips(text: str) -> None:
    check(text, 0, len(text), [], [], [])


@st.composite
def paragraph_scenes(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    text, _, _, mentions, quotes, _ = draw(scenes(crossing=True))
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=4)))
    bounds = [0, *cuts, len(text)]
    return text, list(zip(bounds, bounds[1:], strict=False)), mentions, quotes


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(paragraph_scenes())
def test_spans_rendered_at_once_as_one_by_one(scene) -> None:  # type: ignore[no-untyped-def]
    text, paragraphs, mentions, quotes = scene
    assert render_spans(text, paragraphs, mentions, quotes) == [
        render_span(text, s, e, mentions, quotes) for s, e in paragraphs]
