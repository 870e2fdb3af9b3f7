"""Render a paragraph's text with its mentions and quotes as nested, escaped HTML.

Mentions never cross each other (extraction guarantees containment or disjointness); a mention
inside another is a ``<mark>`` inside the outer mention's link, since links cannot nest. A quote
is a span around the mentions it holds; one that would cross a mention is left unmarked.

A mention's type is announced by the mark's CSS ``::after`` (a glyph whose alternative text is
the type name; an editor's mention adds a pen, "marked by an editor"), never by text in the
DOM: the page's text stays exactly the article's text, so browser text fragments, find-in-page
and copying see the words and nothing else.

A *highlight* (a shared passage) may cross anything, so it is applied to the text runs only:
one ``<span data-quote-selected>`` per run, which keeps the element tree well nested.
"""

from bisect import bisect_left
from dataclasses import dataclass, field

from markupsafe import Markup, escape


@dataclass(frozen=True)
class MentionView:
    id: int
    entity_id: int
    type: str
    start: int
    end: int
    href: str
    label: str  # entity name and type, for screen readers and tooltips
    tentative: bool = False  # low confidence: shown lighter and said "uncertain"
    editor: bool = False  # an editor's: a pen after the type glyph, and said so


# Below this calibrated confidence a highlight is tentative: on our annotated texts, at least
# one such highlight in three was wrong.
TENTATIVE_BELOW = 0.67


def is_tentative(confidence: float | None) -> bool:
    return confidence is not None and confidence < TENTATIVE_BELOW


@dataclass(frozen=True)
class QuoteView:
    id: str
    start: int
    end: int
    selected: bool = False


@dataclass(frozen=True)
class Highlight:
    start: int
    end: int
    anchor_id: str | None = None  # given to the first piece rendered, for #fragment scrolling


@dataclass
class _Node:
    item: MentionView | QuoteView | None
    start: int
    end: int
    children: list["_Node"] = field(default_factory=list)


Item = MentionView | QuoteView


def _order(item: Item) -> tuple[int, int, bool]:
    # Outer first; at equal extent a quote wraps its mention.
    return item.start, -item.end, isinstance(item, MentionView)


def _tree(ordered: list[Item], start: int, end: int) -> _Node:
    """The items (in ``_order``) that lie within ``start``-``end``, nested."""
    root = _Node(None, start, end)
    stack = [root]
    for item in ordered:
        if item.start < start or item.end > end or item.start >= item.end:
            continue
        while stack[-1] is not root and item.start >= stack[-1].end:
            stack.pop()
        parent = stack[-1]
        if item.end > parent.end:  # crosses its parent: cannot nest
            continue
        node = _Node(item, item.start, item.end)
        parent.children.append(node)
        stack.append(node)
    return root


def _escaped(text: str) -> str:
    return escape(text)  # markupsafe's C escaping; a str for the joins below


class _Runs:
    """Escapes text runs, wrapping the parts inside highlights."""

    def __init__(self, text: str, highlights: list[Highlight]) -> None:
        self.text = text
        self.highlights = sorted(highlights, key=lambda h: h.start)
        self.anchored: set[str] = set()

    def __call__(self, start: int, end: int, out: list[str]) -> None:
        if not self.highlights:
            out.append(_escaped(self.text[start:end]))
            return
        pos = start
        for h in self.highlights:
            s, e = max(h.start, pos), min(h.end, end)
            if s >= e:
                continue
            out.append(_escaped(self.text[pos:s]))
            anchor = ""
            if h.anchor_id and h.anchor_id not in self.anchored:
                self.anchored.add(h.anchor_id)
                anchor = f' id="{_escaped(h.anchor_id)}" tabindex="-1"'
            out.append(f'<span class="passage"{anchor} data-quote-selected>'
                       f"{_escaped(self.text[s:e])}</span>")
            pos = e
        out.append(_escaped(self.text[pos:end]))


def _render(node: _Node, runs: _Runs, in_link: bool, out: list[str]) -> None:
    """Appends the node's HTML to ``out``: strings joined once, at the end (the page has
    hundreds of marks; formatting each through Markup cost more than the page's queries)."""
    item = node.item
    close = ""
    if isinstance(item, QuoteView):
        quote_id = _escaped(item.id)
        selected = " data-quote-selected" if item.selected else ""
        out.append(f'<span class="quote" id="q-{quote_id}" data-quote-id="{quote_id}"'
                   f"{selected}>")
        close = "</span>"
    elif isinstance(item, MentionView):
        tentative = " data-tentative" if item.tentative else ""
        editor = ' data-source="editor"' if item.editor else ""
        label = item.label + (" — uncertain" if item.tentative else "") + (
            " — marked by an editor" if item.editor else "")
        href, type_ = _escaped(item.href), _escaped(item.type)
        mark = (f'<mark id="m-{_escaped(str(item.id))}" class="mention mention-{type_}" '
                f'data-entity-id="{_escaped(str(item.entity_id))}" data-type="{type_}"'
                f'{tentative}{editor} data-href="{href}" title="{_escaped(label)}">')
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


def _html(node: _Node, runs: _Runs) -> Markup:
    out: list[str] = []
    _render(node, runs, False, out)
    return Markup("".join(out))


def render_span(
    text: str,
    start: int,
    end: int,
    mentions: list[MentionView],
    quotes: list[QuoteView],
    highlights: list[Highlight] | None = None,
) -> Markup:
    items: list[Item] = [*quotes, *mentions]
    inside = sorted((i for i in items if i.start < end and i.end > start), key=_order)
    marks = [h for h in highlights or [] if h.start < end and h.end > start]
    return _html(_tree(inside, start, end), _Runs(text, marks))


def render_spans(
    text: str,
    spans: list[tuple[int, int]],
    mentions: list[MentionView],
    quotes: list[QuoteView],
) -> list[Markup]:
    """``render_span`` of each span (paragraphs: in text order, not overlapping), with the
    items sorted once and each span's found by bisection, not by a scan of all of them."""
    ordered: list[Item] = sorted([*quotes, *mentions], key=_order)
    starts = [i.start for i in ordered]
    runs = _Runs(text, [])
    rendered = []
    for start, end in spans:
        inside = ordered[bisect_left(starts, start) : bisect_left(starts, end)]
        rendered.append(_html(_tree(inside, start, end), runs))
    return rendered
