"""Text-fragment links in real Chromium: every quote's link and shared passages land on their
words, and the detector itself sees a miss.

Chromium scrolls a matched text fragment into view and paints it with ``::target-text``; no
script API exposes the match. So the test paints ``::target-text`` a colour nothing else on the
page has and looks for that colour on screen, inside the passage's own boxes.
"""

import io
from typing import Any

import httpx
import pytest
from PIL import Image, ImageChops

from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

PROBE = (255, 0, 255)
PROBE_CSS = (
    "::target-text { background-color: rgb(255, 0, 255) !important; color: #000 !important; }"
)

# A DOM range for article text [start, end), from the blocks' data-start/data-end.
RANGE_JS = """
const rangeOf = (start, end) => {
  const blocks = Array.from(document.querySelectorAll('#article-text [data-start][data-end]'));
  const point = (offset, atEnd) => {
    for (const block of blocks) {
      const s = Number(block.dataset.start), e = Number(block.dataset.end);
      if (offset < s || offset > e || (offset === e && !atEnd)) continue;
      let rest = offset - s;
      const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (rest <= n.data.length && !(rest === n.data.length && !atEnd)) return [n, rest];
        rest -= n.data.length;
      }
    }
    return null;
  };
  const a = point(start, false), b = point(end, true);
  if (!a || !b) return null;
  const range = document.createRange();
  range.setStart(a[0], a[1]);
  range.setEnd(b[0], b[1]);
  return range;
};
"""
PASSAGE_RECTS_JS = f"""
([start, end]) => {{
  {RANGE_JS}
  const range = rangeOf(start, end);
  if (!range) return null;
  return Array.from(range.getClientRects())
    .filter(r => r.width > 0 && r.height > 0)
    .map(r => [r.left, r.top, r.right, r.bottom]);
}}
"""
SELECT_JS = f"""
([start, end]) => {{
  {RANGE_JS}
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(rangeOf(start, end));
  return selection.toString();
}}
"""


def api(server: LiveServer, path: str) -> Any:
    return httpx.get(server.url(path)).json()


def probe_box(page: Any) -> tuple[int, int, int, int] | None:
    """The bounding box (CSS px) of the probe colour in the viewport, None if it is absent."""
    shot = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    scale = shot.width / page.viewport_size["width"]
    r, g, b = shot.split()
    near = [band.point(lambda v, want=want: 255 if abs(v - want) <= 8 else 0).convert("1")
            for band, want in zip((r, g, b), PROBE, strict=True)]
    hits = ImageChops.logical_and(ImageChops.logical_and(near[0], near[1]), near[2])
    box = hits.getbbox()
    if box is None:
        return None
    x0, y0, x1, y1 = (round(c / scale) for c in box)
    return x0, y0, x1, y1


def landed(page: Any, url: str, start: int, end: int, timeout_ms: int = 3000) -> bool:
    """Open ``url``; True when Chromium painted the fragment match inside text [start, end),
    on screen."""
    page.goto("about:blank")
    page.goto(url)
    page.add_style_tag(content=PROBE_CSS)
    waited = 0
    while True:
        box = probe_box(page)
        if box is not None or waited >= timeout_ms:
            break
        page.wait_for_timeout(250)
        waited += 250
    if box is None:
        return False
    rects = page.evaluate(PASSAGE_RECTS_JS, [start, end])
    assert rects, "the passage is not on the page"
    height = page.viewport_size["height"]
    visible = [r for r in rects if r[3] > 0 and r[1] < height]
    if not visible:
        return False
    left = min(r[0] for r in visible) - 4
    top = min(r[1] for r in visible) - 4
    right = max(r[2] for r in visible) + 4
    bottom = max(r[3] for r in visible) + 4
    x0, y0, x1, y1 = box
    return left <= x0 and top <= y0 and x1 <= right and y1 <= bottom


@pytest.fixture
def probe_page(context_factory: Any) -> Any:
    # The probe style is injected, so the page's Content-Security-Policy is bypassed for it.
    return context_factory(bypass_csp=True).new_page()


def test_every_quote_fragment_link_lands(live_server: LiveServer, probe_page: Any) -> None:
    for slug in ("ramadi", "sample"):
        quotes = [q for q in api(live_server, f"/api/articles/{slug}/quotes")
                  if q["kind"] != "term"]
        assert quotes
        missed = []
        for q in quotes:
            probe_page.goto(live_server.url(q["url"]))
            href = probe_page.get_by_role("link", name="Text-fragment link").get_attribute("href")
            assert href.startswith(f"/articles/{slug}#:~:text="), href
            if not landed(probe_page, live_server.url(href), q["start"], q["end"]):
                missed.append((q["id"], q["text"][:60], href))
        print(f"{slug}: {len(quotes) - len(missed)}/{len(quotes)} quote fragment links landed")
        assert not missed, missed


def shared_fragment(page: Any, server: LiveServer, start: int, end: int) -> str:
    """Select article text [start, end) in the reader and take the share box's fragment link."""
    page.goto(server.url("/articles/ramadi"))
    page.evaluate(SELECT_JS, [start, end])
    page.get_by_role("button", name="Share quote").click()
    link = page.locator("#share-fragment")
    link.wait_for(state="visible")
    href = link.get_attribute("href")
    page.keyboard.press("Escape")
    return str(href)


def test_shared_passages_across_a_mention_and_a_paragraph_land(
    live_server: LiveServer, probe_page: Any
) -> None:
    article = api(live_server, "/api/articles/ramadi")
    text, body = article["text"], [p for p in article["paragraphs"] if p["kind"] == "body"]
    mentions = api(live_server, "/api/articles/ramadi/mentions")
    # A mention in the middle of a later paragraph, with words on both sides of it.
    mention = next(m for m in sorted(mentions, key=lambda m: -m["start"])
                   if any(p["start"] + 40 < m["start"] and m["end"] + 40 < p["end"]
                          for p in body[len(body) // 2:]))
    across_mention = (text.rindex(" ", 0, mention["start"] - 25) + 1,
                      text.index(" ", mention["end"] + 20))
    # The last words of one paragraph and the first of the next.
    para, following = body[len(body) // 2], body[len(body) // 2 + 1]
    across_paragraph = (text.rindex(" ", para["start"], para["end"] - 20) + 1,
                        text.index(" ", following["start"] + 15))
    for start, end in (across_mention, across_paragraph):
        href = shared_fragment(probe_page, live_server, start, end)
        assert href.startswith("/articles/ramadi#:~:text="), href
        assert landed(probe_page, live_server.url(href), start, end), (text[start:end], href)


def test_the_detector_sees_a_miss(live_server: LiveServer, probe_page: Any) -> None:
    text = api(live_server, "/api/articles/ramadi")["text"]
    paragraphs = api(live_server, "/api/articles/ramadi")["paragraphs"]
    body = [p for p in paragraphs if p["kind"] == "body"]
    late = body[len(body) * 2 // 3]
    words = text[late["start"] : late["end"]].split()[:6]
    start = late["start"]
    end = start + len(" ".join(words))
    good = "/articles/ramadi#:~:text=" + "%20".join(words)
    assert landed(probe_page, live_server.url(good), start, end)
    # Words that are not on the page, and a prefix across the paragraph break before them.
    assert not landed(probe_page, live_server.url(
        "/articles/ramadi#:~:text=no%20such%20words%20here"), start, end)
    before = text[: late["start"]].split()[-2:]
    across = "/articles/ramadi#:~:text=" + "%20".join(before) + "-," + "%20".join(words)
    assert not landed(probe_page, live_server.url(across), start, end)
    # A real match somewhere else is a miss too: the probe must be inside the passage.
    other = body[1]
    elsewhere = text[other["start"] : other["end"]].split()[:5]
    assert not landed(probe_page, live_server.url(
        "/articles/ramadi#:~:text=" + "%20".join(elsewhere)), start, end)


def test_mention_types_are_announced_without_adding_page_text(
    live_server: LiveServer, probe_page: Any
) -> None:
    page = probe_page
    page.goto(live_server.url("/articles/sample"))
    paragraph = page.locator("#article-text p.body").nth(0)
    # The DOM text is the article's text, word for word...
    text = api(live_server, "/api/articles/sample")["text"]
    start = int(paragraph.get_attribute("data-start"))
    end = int(paragraph.get_attribute("data-end"))
    assert paragraph.evaluate("p => p.textContent") == text[start:end]
    # ...while the accessibility tree, what a screen reader reads, names each mark's type.
    snapshot = paragraph.aria_snapshot()
    assert "Ramadi (location)" in snapshot, snapshot
    assert "police force (unit)" in snapshot, snapshot
