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


def _tree(items: list[MentionView | QuoteView], start: int, end: int) -> _Node:
    root = _Node(None, start, end)
    stack = [root]
    # Outer first; at equal extent a quote wraps its mention.
    ordered = sorted(items, key=lambda i: (i.start, -i.end, isinstance(i, MentionView)))
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


class _Runs:
    """Escapes text runs, wrapping the parts inside highlights."""

    def __init__(self, text: str, highlights: list[Highlight]) -> None:
        self.text = text
        self.highlights = sorted(highlights, key=lambda h: h.start)
        self.anchored: set[str] = set()

    def __call__(self, start: int, end: int) -> Markup:
        parts: list[Markup] = []
        pos = start
        for h in self.highlights:
            s, e = max(h.start, pos), min(h.end, end)
            if s >= e:
                continue
            parts.append(escape(self.text[pos:s]))
            anchor = Markup("")
            if h.anchor_id and h.anchor_id not in self.anchored:
                self.anchored.add(h.anchor_id)
                anchor = Markup(' id="{}" tabindex="-1"').format(h.anchor_id)
            parts.append(
                Markup('<span class="passage"{} data-quote-selected>{}</span>').format(
                    anchor, self.text[s:e]
                )
            )
            pos = e
        parts.append(escape(self.text[pos:end]))
        return Markup("").join(parts)


def _render(node: _Node, runs: _Runs, in_link: bool) -> Markup:
    item = node.item
    is_mention = isinstance(item, MentionView)
    parts: list[Markup] = []
    pos = node.start
    for child in node.children:
        parts.append(runs(pos, child.start))
        parts.append(_render(child, runs, in_link or is_mention))
        pos = child.end
    parts.append(runs(pos, node.end))
    inner = Markup("").join(parts)
    if isinstance(item, QuoteView):
        selected = Markup(" data-quote-selected") if item.selected else Markup("")
        return Markup('<span class="quote" id="q-{}" data-quote-id="{}"{}>{}</span>').format(
            item.id, item.id, selected, inner
        )
    if isinstance(item, MentionView):
        tentative = Markup(" data-tentative") if item.tentative else Markup("")
        editor = Markup(' data-source="editor"') if item.editor else Markup("")
        label = item.label + (" — uncertain" if item.tentative else "") + (
            " — marked by an editor" if item.editor else "")
        mark = Markup(
            '<mark id="m-{}" class="mention mention-{}" data-entity-id="{}" data-type="{}"{}{} '
            'data-href="{}" title="{}">{}</mark>'
        ).format(
            item.id, item.type, item.entity_id, item.type, tentative, editor, item.href, label,
            inner
        )
        if in_link:
            return mark
        return Markup('<a class="mention-link" href="{}">{}</a>').format(item.href, mark)
    return inner


def render_span(
    text: str,
    start: int,
    end: int,
    mentions: list[MentionView],
    quotes: list[QuoteView],
    highlights: list[Highlight] | None = None,
) -> Markup:
    items: list[MentionView | QuoteView] = [*quotes, *mentions]
    inside = [i for i in items if i.start < end and i.end > start]
    marks = [h for h in highlights or [] if h.start < end and h.end > start]
    return _render(_tree(inside, start, end), _Runs(text, marks), False)
