"""render_span: nesting, escaping, quotes and highlights as well-nested HTML."""

import html as html_lib
import re

from markupsafe import Markup

from app.web.render import Highlight, MentionView, QuoteView, render_span

TEXT = "said the Ramadi police force & <b>friends</b> today"


def mention(i: int, entity: int, type_: str, needle: str) -> MentionView:
    start = TEXT.index(needle)
    return MentionView(i, entity, type_, start, start + len(needle), f"/e/{entity}", needle)


def html_text(markup: str) -> str:
    return html_lib.unescape(re.sub(r"<[^>]+>", "", markup))


FORCE = mention(1, 10, "unit", "the Ramadi police force")
RAMADI = mention(2, 11, "location", "Ramadi")


def test_nested_mention_is_a_mark_inside_the_outer_link() -> None:
    html = render_span(TEXT, 0, len(TEXT), [FORCE, RAMADI], [])
    assert isinstance(html, Markup)
    assert html.count("<a ") == 1
    outer = html.index('<mark id="m-1"')
    inner = html.index('<mark id="m-2"')
    assert html.index('<a class="mention-link" href="/e/10">') < outer < inner
    assert 'data-entity-id="11" data-type="location"' in html
    assert html.index("</mark>", inner) < html.index("</a>")


def test_text_is_escaped() -> None:
    html = render_span(TEXT, 0, len(TEXT), [], [])
    assert "&amp; &lt;b&gt;friends&lt;/b&gt;" in html
    assert "<b>" not in html


def test_marks_add_no_words_to_the_text() -> None:
    # The type is announced from CSS (the mark's ::after), so the markup's text is the text.
    html = render_span(TEXT, 0, len(TEXT), [FORCE, RAMADI], [])
    assert "sr-only" not in html and "data-offset-skip" not in html
    assert html_text(html) == TEXT


def test_quote_wraps_mentions_and_a_crossing_quote_is_left_out() -> None:
    q = QuoteView("qa", TEXT.index("the"), TEXT.index("&"), selected=True)
    crossing = QuoteView("qb", TEXT.index("police"), TEXT.index("today"))
    html = render_span(TEXT, 0, len(TEXT), [FORCE, RAMADI], [q, crossing])
    assert '<span class="quote" id="q-qa" data-quote-id="qa" data-quote-selected>' in html
    assert 'id="q-qb"' not in html


def test_highlight_is_split_into_well_nested_pieces() -> None:
    start, end = TEXT.index("amadi"), TEXT.index("friends")
    html = render_span(TEXT, 0, len(TEXT), [FORCE, RAMADI], [], [Highlight(start, end, "passage")])
    assert html.count("data-quote-selected") == 3
    assert html.count('id="passage"') == 1
    pieces = [p.split(">", 1)[1].split("</span>", 1)[0]
              for p in str(html).split('<span class="passage"')[1:]]
    assert "".join(pieces) == str(Markup.escape(TEXT[start:end]))


def test_span_outside_items_is_plain_text() -> None:
    assert render_span(TEXT, 0, 4, [FORCE], []) == "said"
