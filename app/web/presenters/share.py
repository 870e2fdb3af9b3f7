"""What a shared quote shows in another client: its card's content and its title.

Pure functions of the stored article and quote; the image itself is drawn by ``app.web.cards``.
"""

import hashlib
from dataclasses import dataclass
from datetime import date

from app.models import Article, Quote
from app.web.presenters.reader import sentence_of, sentences_of

TITLE_MAX_CHARS = 70  # what link previews show before they cut


@dataclass(frozen=True)
class QuoteCard:
    text: str  # the quote, or for a partial quote the sentence it is part of
    quoted: bool  # True: the speaker's own words, shown in quotation marks
    speaker: str
    role: str | None
    article_title: str
    published: date | None

    @property
    def fingerprint(self) -> str:
        """Changes whenever anything drawn on the card does (its cache key and ETag)."""
        parts = [self.text, str(self.quoted), self.speaker, self.role or "",
                 self.article_title, self.published.isoformat() if self.published else ""]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def speaker_name(quote: Quote) -> str:
    if quote.speaker is not None:
        return quote.speaker.name
    description = quote.speaker_description or "an unnamed source"
    return description[:1].upper() + description[1:]


def speaker_role(quote: Quote) -> str | None:
    """The speaker's first stated role: "Spokesman, Anbar provincial council"."""
    if quote.speaker is None or not quote.speaker.roles:
        return None
    role = quote.speaker.roles[0]
    org = role.organisation.name if role.organisation is not None else role.organisation_name
    title = role.title[:1].upper() + role.title[1:]
    return f"{title}, {org}" if org else title


def has_card(quote: Quote) -> bool:
    """Scare quotes mark a term, not anybody's words: they are not shared as quotes."""
    return quote.kind != "term"


def quote_card(article: Article, quote: Quote) -> QuoteCard | None:
    if not has_card(quote):
        return None
    if quote.kind == "partial":
        # A few quoted words say nothing alone; the sentence says who said what.
        start, end = _balanced_sentences(article, quote.start, quote.end)
        text, quoted = article.text[start:end].strip(), False
    else:
        text, quoted = quote.text.strip(), True
    return QuoteCard(text, quoted, speaker_name(quote), speaker_role(quote), article.title,
                     article.published)


def _balanced_sentences(article: Article, start: int, end: int) -> tuple[int, int]:
    """The sentence around [start, end), widened by whole sentences (within the paragraph)
    until its quotation marks pair up: a sentence that closes someone's quote starts with it."""
    sentences = sentences_of(article)
    s, e = sentence_of(sentences, start, end)
    e = max(e, end)
    para = next(((p.start, p.end) for p in article.paragraphs if p.start <= start < p.end),
                (s, e))
    for _ in range(4):
        text = article.text[s:e]
        opened = text.count("“") - text.count("”")
        if opened < 0:  # a quote closes here: take the sentence(s) before
            before = [b for b, f in sentences if f <= s and b >= para[0]]
            if not before:
                break
            s = before[-1]
        elif opened > 0:  # a quote opens and runs on: take the sentence after
            after = [f for b, f in sentences if b >= e and f <= para[1]]
            if not after:
                break
            e = after[0]
        else:
            break
    return s, e


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: max(1, limit - 1)]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:.–—") + "…"


def share_title(quote: Quote) -> str:
    """Speaker first, then as much of the quote as fits in ``TITLE_MAX_CHARS``."""
    speaker = shorten(speaker_name(quote), TITLE_MAX_CHARS - 8)
    room = TITLE_MAX_CHARS - len(speaker) - len(": “”")
    words = quote.text.strip().strip(",")
    return f"{speaker}: “{shorten(words, room)}”"
