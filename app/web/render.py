"""Render a paragraph's text with its mentions and quotes as nested, escaped HTML.

Mentions never cross each other (extraction guarantees containment or disjointness); a mention
inside another is a ``<mark>`` inside the outer mention's link, since links cannot nest. A quote
is a span around the mentions it holds; one that would cross a mention is left unmarked.
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


@dataclass(frozen=True)
class QuoteView:
    id: str
    start: int
    end: int


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


def _render(node: _Node, text: str, in_link: bool) -> Markup:
    item = node.item
    is_mention = isinstance(item, MentionView)
    parts: list[Markup] = []
    pos = node.start
    for child in node.children:
        parts.append(escape(text[pos : child.start]))
        parts.append(_render(child, text, in_link or is_mention))
        pos = child.end
    parts.append(escape(text[pos : node.end]))
    inner = Markup("").join(parts)
    if isinstance(item, QuoteView):
        return Markup('<span class="quote" id="q-{}" data-quote-id="{}">{}</span>').format(
            item.id, item.id, inner
        )
    if isinstance(item, MentionView):
        mark = Markup(
            '<mark id="m-{}" class="mention mention-{}" data-entity-id="{}" data-type="{}" '
            'data-href="{}" title="{}">{}</mark>'
        ).format(item.id, item.type, item.entity_id, item.type, item.href, item.label, inner)
        if in_link:
            return mark
        return Markup('<a class="mention-link" href="{}">{}</a>').format(item.href, mark)
    return inner


def render_span(
    text: str, start: int, end: int, mentions: list[MentionView], quotes: list[QuoteView]
) -> Markup:
    items: list[MentionView | QuoteView] = [*quotes, *mentions]
    inside = [i for i in items if i.start < end and i.end > start]
    return _render(_tree(inside, start, end), text, False)
