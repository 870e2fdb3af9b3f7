"""Invisible characters: extraction reads the text without them; offsets stay the served text's.

Directional marks (U+200E/F and the embeddings and isolates), zero-width space, word joiner,
soft hyphen and byte-order marks show nothing, but split a word for the tokenizer: "Mosul\u200e"
is not "Mosul" to spaCy or to our knowledge files. The stored and served text keeps them (it
is what the author wrote, and every offset and shared link points into it). So extraction runs
on a copy without them, and every offset it finds is mapped back. ZWNJ and ZWJ (U+200C/D)
are kept: they spell words in Persian and Kurdish script.
"""

import re
from dataclasses import dataclass, replace

from app.nlp.normalise import NormalisedText, ParagraphSpan
from app.nlp.types import ExtractedEntity, Extraction

INVISIBLE = re.compile("[\u00ad\u200b\u200e\u200f\u2060\ufeff\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class OffsetMap:
    """Positions in the visible copy -> positions in the served text."""

    served: str
    positions: tuple[int, ...]  # positions[i]: where visible character i is; last = len(served)

    def start(self, i: int) -> int:
        return self.positions[i]

    def end(self, i: int) -> int:
        """An end (exclusive) right after its last visible character, so a mark that follows a
        name is not part of it."""
        return self.positions[i - 1] + 1 if i > 0 else self.positions[0]

    def span(self, start: int, end: int) -> tuple[int, int, str]:
        s, e = self.start(start), self.end(end)
        return s, e, self.served[s:e]


def visible(normalised: NormalisedText) -> tuple[NormalisedText, OffsetMap | None]:
    """The text without invisible characters, and the map back (None: nothing to remove)."""
    text = normalised.text
    if not INVISIBLE.search(text):
        return normalised, None
    positions = [i for i, ch in enumerate(text) if not INVISIBLE.match(ch)]
    positions.append(len(text))
    forward = [0] * (len(text) + 1)  # served position -> visible position
    v = 0
    for i in range(len(text) + 1):
        forward[i] = v
        if v < len(positions) - 1 and positions[v] == i:
            v += 1
    paragraphs = tuple(
        ParagraphSpan(p.index, forward[p.start], forward[p.end], p.kind)
        for p in normalised.paragraphs
    )
    return NormalisedText(INVISIBLE.sub("", text), paragraphs), OffsetMap(text, tuple(positions))


def to_served(extraction: Extraction, back: OffsetMap) -> Extraction:
    """Every offset and quoted text of ``extraction`` in the served text."""
    entities = [_entity(e, back) for e in extraction.entities]
    quotes = []
    for q in extraction.quotes:
        s, e, text = back.span(q.start, q.end)
        quotes.append(replace(q, start=s, end=e, text=text))
    sentences = [(back.start(s), back.end(e)) for s, e in extraction.sentences]
    return Extraction(entities, quotes, sentences)


def _entity(entity: ExtractedEntity, back: OffsetMap) -> ExtractedEntity:
    mentions = []
    for m in entity.mentions:
        s, e, text = back.span(m.start, m.end)
        mentions.append(replace(m, start=s, end=e, text=text))
    roles = [replace(r, start=back.start(r.start), end=back.end(r.end)) for r in entity.roles]
    return replace(entity, mentions=mentions, roles=roles)
