"""Quote cards: the 1200×630 PNG a link preview shows for a shared quote (``og:image``).

Drawn with Pillow in the bundled DejaVu fonts (open licence, static/fonts/), which cover the
diacritics of Arabic names in transliteration (ā ī ū ḥ ṣ ḍ ṭ ẓ ʿ ʾ). A card depends only on
what it shows (``QuoteCard.fingerprint``), so it is drawn once per quote and revision and then
served from a small in-memory cache, with that fingerprint as its ETag. Pillow is imported when
the first card is drawn: the server's start-up does not pay for it.
"""

from __future__ import annotations

from collections import OrderedDict
from functools import cache
from io import BytesIO
from threading import Lock
from typing import TYPE_CHECKING

from app.settings import PROJECT_ROOT
from app.web.presenters.share import QuoteCard, shorten

if TYPE_CHECKING:
    from PIL.ImageDraw import ImageDraw as Draw
    from PIL.ImageFont import FreeTypeFont as FontT

WIDTH, HEIGHT = 1200, 630
FONTS = PROJECT_ROOT / "static" / "fonts"
MARGIN = 80
INK = (24, 24, 27)
MUTED = (82, 82, 91)
PAPER = (250, 248, 243)
ACCENT = (153, 27, 27)
QUOTE_BOX = (MARGIN, 112, WIDTH - MARGIN, 430)  # left, top, right, bottom
QUOTE_SIZES = (58, 52, 46, 41, 37, 33, 30)
LINE_GAP = 1.3


@cache
def font(name: str, size: int) -> FontT:
    from PIL import ImageFont

    return ImageFont.truetype(str(FONTS / name), size)


def _wrap(draw: Draw, text: str, face: FontT, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        trial = f"{line} {word}" if line else word
        if draw.textlength(trial, font=face) <= width or not line:
            line = trial
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def _fit_quote(draw: Draw, text: str, quoted: bool
               ) -> tuple[FontT, list[str]]:
    """The largest size at which the text fits the box; at the smallest, cut with "…"."""
    left, top, right, bottom = QUOTE_BOX
    width, height = right - left, bottom - top
    shown = f"“{text}”" if quoted else text
    for size in QUOTE_SIZES:
        face = font("DejaVuSerif.ttf", size)
        lines = _wrap(draw, shown, face, width)
        if len(lines) * size * LINE_GAP <= height:
            return face, lines
    face = font("DejaVuSerif.ttf", QUOTE_SIZES[-1])
    fits = int(height // (QUOTE_SIZES[-1] * LINE_GAP))
    words = shown.split()
    # Drop words from the end until the cut text fits.
    while words:
        lines = _wrap(draw, " ".join(words) + ("…”" if quoted else "…"), face, width)
        if len(lines) <= fits:
            return face, lines
        words = words[: max(1, len(words) - max(1, len(words) // 12))]
        if len(words) == 1:
            break
    return face, _wrap(draw, shorten(shown, 60), face, width)[:fits]


def render_card(card: QuoteCard) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 14, HEIGHT), fill=ACCENT)
    draw.text((MARGIN, 52), "ANNOTATED NEWS READER", font=font("DejaVuSans-Bold.ttf", 22),
              fill=ACCENT)

    face, lines = _fit_quote(draw, card.text, card.quoted)
    y = QUOTE_BOX[1]
    for line in lines:
        draw.text((MARGIN, y), line, font=face, fill=INK)
        y += round(face.size * LINE_GAP)

    name_face, role_face = font("DejaVuSans-Bold.ttf", 34), font("DejaVuSans.ttf", 26)
    width = WIDTH - 2 * MARGIN
    draw.text((MARGIN, 452), "— " + _fit_line(draw, card.speaker, name_face, width - 40),
              font=name_face, fill=INK)
    if card.role:
        draw.text((MARGIN + 40, 498), _fit_line(draw, card.role, role_face, width - 40),
                  font=role_face, fill=MUTED)

    draw.line((MARGIN, 548, WIDTH - MARGIN, 548), fill=(212, 212, 216), width=2)
    meta_face = font("DejaVuSans.ttf", 24)
    dated = card.published.strftime("%-d %B %Y") if card.published else ""
    date_width = int(draw.textlength(dated, font=meta_face)) if dated else 0
    title = _fit_line(draw, card.article_title, meta_face, width - date_width - 40)
    draw.text((MARGIN, 566), title, font=meta_face, fill=MUTED)
    if dated:
        draw.text((WIDTH - MARGIN - date_width, 566), dated, font=meta_face, fill=MUTED)

    out = BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _fit_line(draw: Draw, text: str, face: FontT, width: int) -> str:
    """``text`` on one line of at most ``width`` pixels, cut at a word with "…"."""
    limit = len(text)
    line = text
    while draw.textlength(line, font=face) > width and limit > 1:
        limit -= max(1, limit // 10)
        line = shorten(text, limit)
    return line


class CardCache:
    """Rendered cards by fingerprint, least recently used out first."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._cards: OrderedDict[str, bytes] = OrderedDict()
        self._lock = Lock()
        self.renders = 0  # how many cards were drawn (the rest came from the cache)

    def get(self, card: QuoteCard) -> bytes:
        key = card.fingerprint
        with self._lock:
            png = self._cards.get(key)
            if png is not None:
                self._cards.move_to_end(key)
                return png
        png = render_card(card)
        with self._lock:
            self.renders += 1
            self._cards[key] = png
            while len(self._cards) > self.size:
                self._cards.popitem(last=False)
        return png
