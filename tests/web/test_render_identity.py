"""The one-pass renderer writes byte for byte what the tree renderer before it wrote.

``reference_span`` is the earlier implementation (a tree of nodes, then a recursive walk, with
markupsafe's ``escape`` on every run and attribute), kept here as the oracle."""

from bisect import bisect_left
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup, escape

from app.web.render import (
    Highlight,
    Item,
    MentionView,
    QuoteView,
    _escaped,
    _order,
    render_span,
    render_spans,
)
from tests.web.test_render_properties import CHARS, paragraph_scenes, scenes


@dataclass
class _Node:
    item: MentionView | QuoteView | None
    start: int
    end: int
    children: list["_Node"] = field(default_factory=list)


def _tree(ordered: list[Item], start: int, end: int) -> _Node:
    root = _Node(None, start, end)
    stack = [root]
    for item in ordered:
        if item.start < start or item.end > end or item.start >= item.end:
            continue
        while stack[-1] is not root and item.start >= stack[-1].end:
            stack.pop()
        parent = stack[-1]
        if item.end > parent.end:
            continue
        node = _Node(item, item.start, item.end)
        parent.children.append(node)
        stack.append(node)
    return root


class _Runs:
    def __init__(self, text: str, highlights: list[Highlight]) -> None:
        self.text = text
        self.highlights = sorted(highlights, key=lambda h: h.start)
        self.anchored: set[str] = set()

    def __call__(self, start: int, end: int, out: list[str]) -> None:
        if not self.highlights:
            out.append(escape(self.text[start:end]))
            return
        pos = start
        for h in self.highlights:
            s, e = max(h.start, pos), min(h.end, end)
            if s >= e:
                continue
            out.append(escape(self.text[pos:s]))
            anchor = ""
            if h.anchor_id and h.anchor_id not in self.anchored:
                self.anchored.add(h.anchor_id)
                anchor = f' id="{escape(h.anchor_id)}" tabindex="-1"'
            out.append(f'<span class="passage"{anchor} data-quote-selected>'
                       f"{escape(self.text[s:e])}</span>")
            pos = e
        out.append(escape(self.text[pos:end]))


def _render(node: _Node, runs: _Runs, in_link: bool, out: list[str]) -> None:
    item = node.item
    close = ""
    if isinstance(item, QuoteView):
        quote_id = escape(item.id)
        selected = " data-quote-selected" if item.selected else ""
        out.append(f'<span class="quote" id="q-{quote_id}" data-quote-id="{quote_id}"'
                   f"{selected}>")
        close = "</span>"
    elif isinstance(item, MentionView):
        tentative = " data-tentative" if item.tentative else ""
        editor = ' data-source="editor"' if item.editor else ""
        label = item.label + (" — uncertain" if item.tentative else "") + (
            " — marked by an editor" if item.editor else "")
        href, type_ = escape(item.href), escape(item.type)
        mark = (f'<mark id="m-{escape(str(item.id))}" class="mention mention-{type_}" '
                f'data-entity-id="{escape(str(item.entity_id))}" data-type="{type_}"'
                f'{tentative}{editor} data-href="{href}" title="{escape(label)}">')
        if in_link:
            out.append(mark)
            close = "</mark>"
        else:
            out.append(f'<a class="mention-link" href="{href}">{mark}')
            close = "</mark></a>"
        in_link = True
    pos = node.start
    for child in node.children:
        runs(pos, child.start, out)
        _render(child, runs, in_link, out)
        pos = child.end
    runs(pos, node.end, out)
    out.append(close)


def reference_span(text: str, start: int, end: int, mentions: list[MentionView],
                   quotes: list[QuoteView], highlights: list[Highlight] | None = None) -> str:
    items: list[Item] = [*quotes, *mentions]
    inside = sorted((i for i in items if i.start < end and i.end > start), key=_order)
    marks = [h for h in highlights or [] if h.start < end and h.end > start]
    out: list[str] = []
    _render(_tree(inside, start, end), _Runs(text, marks), False, out)
    return str(Markup("".join(out)))


@given(st.lists(CHARS, max_size=40).map("".join))
def test_escaping_is_markupsafes(text: str) -> None:
    assert _escaped(text) == str(escape(text))


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(scenes(crossing=True), st.booleans(), st.booleans())
def test_a_span_renders_as_before(scene, tentative: bool, editor: bool) -> None:  # type: ignore[no-untyped-def]
    text, start, end, mentions, quotes, highlights = scene
    # Some entities shown by several mentions, some uncertain or an editor's.
    mentions = [m._replace(entity_id=100 + m.id % 3, tentative=tentative and m.id % 2 == 0,
                           editor=editor and m.id % 3 == 0) for m in mentions]
    for shown in (highlights, []):
        assert str(render_span(text, start, end, mentions, quotes, shown)) == reference_span(
            text, start, end, mentions, quotes, shown)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(paragraph_scenes())
def test_spans_render_as_before(scene) -> None:  # type: ignore[no-untyped-def]
    text, paragraphs, mentions, quotes = scene
    ordered = sorted([*quotes, *mentions], key=_order)
    starts = [i.start for i in ordered]
    assert [str(h) for h in render_spans(text, paragraphs, mentions, quotes)] == [
        reference_span(text, s, e, ordered[bisect_left(starts, s):bisect_left(starts, e)], [])
        for s, e in paragraphs]


def test_a_text_of_quotes_and_ampersands() -> None:
    text = "“We won’t leave,” said O'Neil & the <b>\"police\"</b>."
    m = MentionView(7, 3, "actor", text.index("O'Neil"), text.index("O'Neil") + 6,
                    "/articles/a&b/entities/3", "O'Neil (Actor, person)", True, True)
    q = QuoteView("q<1>", 0, text.index(",”") + 2, True)
    assert str(render_span(text, 0, len(text), [m], [q])) == reference_span(
        text, 0, len(text), [m], [q])
    assert str(render_spans(text, [(0, 10), (10, len(text))], [m], [q])[1]) == reference_span(
        text, 10, len(text), [m], [])
