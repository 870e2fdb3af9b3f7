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
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from markupsafe import Markup


class MentionView(NamedTuple):
    # Named tuples: an article page has hundreds of marks, and a tuple is made and read faster
    # than a frozen dataclass.
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


class QuoteView(NamedTuple):
    id: str
    start: int
    end: int
    selected: bool = False


@dataclass(frozen=True)
class Highlight:
    start: int
    end: int
    anchor_id: str | None = None  # given to the first piece rendered, for #fragment scrolling


Item = MentionView | QuoteView


def _order(item: Item) -> tuple[int, int, bool]:
    # Outer first; at equal extent a quote wraps its mention.
    return item.start, -item.end, isinstance(item, MentionView)


def _escaped(text: str) -> str:
    """markupsafe's escaping, character for character (a test holds it to ``escape``), as
    plain str replacements: the page escapes over a thousand runs, and ``escape`` makes a
    Markup object of each."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&#34;").replace("'", "&#39;"))


# Appends the escaped text ``text[start:end]`` to ``out``.
Runs = Callable[[int, int, list[str]], None]


def _plain_runs(text: str) -> Runs:
    def runs(start: int, end: int, out: list[str]) -> None:
        if start < end:
            out.append(_escaped(text[start:end]))
    return runs


class _Runs:
    """Escapes text runs, wrapping the parts inside highlights."""

    def __init__(self, text: str, highlights: list[Highlight]) -> None:
        self.text = text
        self.highlights = sorted(highlights, key=lambda h: h.start)
        self.anchored: set[str] = set()

    def __call__(self, start: int, end: int, out: list[str]) -> None:
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


def _id(value: int | str) -> str:
    return str(value) if type(value) is int else _escaped(str(value))


class _Marks:
    """A mention's mark, its parts after the id made once per entity and look (they differ
    only by the mention's id)."""

    def __init__(self) -> None:
        self.tails: dict[tuple[int, str, str, str, bool, bool], tuple[str, str]] = {}

    def parts(self, item: MentionView) -> tuple[str, str]:
        """(the link that opens before the mark when it is not inside one, the mark after
        its id)."""
        key = (item.entity_id, item.type, item.href, item.label, item.tentative, item.editor)
        found = self.tails.get(key)
        if found is None:
            tentative = " data-tentative" if item.tentative else ""
            editor = ' data-source="editor"' if item.editor else ""
            label = item.label + (" — uncertain" if item.tentative else "") + (
                " — marked by an editor" if item.editor else "")
            href, type_ = _escaped(item.href), _escaped(item.type)
            found = self.tails[key] = (
                f'<a class="mention-link" href="{href}">',
                f'" class="mention mention-{type_}" data-entity-id="{_id(item.entity_id)}" '
                f'data-type="{type_}"{tentative}{editor} data-href="{href}" '
                f'title="{_escaped(label)}">',
            )
        return found


def _html(ordered: list[Item], start: int, end: int, runs: Runs, marks: _Marks) -> Markup:
    """The items (in ``_order``) that lie within ``start``-``end``, nested, as HTML, in one
    pass: an item opens inside the innermost open item that holds it, one that would cross
    it is left out, and the text between is escaped. Strings are joined once, at the end (the
    page has hundreds of marks; formatting each through Markup cost more than its queries)."""
    out: list[str] = []
    pos = start
    ends, closes, in_links = [end], [""], [False]  # the open items, innermost last
    for item in ordered:
        s, e = item.start, item.end
        if s < start or e > end or s >= e:
            continue
        while len(ends) > 1 and s >= ends[-1]:
            runs(pos, ends[-1], out)
            out.append(closes.pop())
            pos = ends.pop()
            in_links.pop()
        if e > ends[-1]:  # crosses the item it starts in: cannot nest
            continue
        runs(pos, s, out)
        pos = s
        in_link = in_links[-1]
        if type(item) is QuoteView:
            quote_id = _escaped(item.id)
            selected = " data-quote-selected" if item.selected else ""
            out.append(f'<span class="quote" id="q-{quote_id}" data-quote-id="{quote_id}"'
                       f"{selected}>")
            closes.append("</span>")
        else:
            assert type(item) is MentionView
            link, tail = marks.parts(item)
            if in_link:
                out.append(f'<mark id="m-{_id(item.id)}{tail}')
                closes.append("</mark>")
            else:
                out.append(f'{link}<mark id="m-{_id(item.id)}{tail}')
                closes.append("</mark></a>")
            in_link = True
        ends.append(e)
        in_links.append(in_link)
    while len(ends) > 1:
        runs(pos, ends[-1], out)
        out.append(closes.pop())
        pos = ends.pop()
    runs(pos, end, out)
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
    runs = _Runs(text, marks) if marks else _plain_runs(text)
    return _html(inside, start, end, runs, _Marks())


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
    runs, marks = _plain_runs(text), _Marks()
    return [_html(ordered[bisect_left(starts, start) : bisect_left(starts, end)], start, end,
                  runs, marks)
            for start, end in spans]
