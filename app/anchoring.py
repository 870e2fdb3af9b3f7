"""Anchor a passage to an article's text and find it again, the way the W3C Web Annotation
model does. Pure Python: the store (corrections) and the web (share permalinks) both use it.

A passage link carries a ``TextQuoteSelector`` (the exact text plus ~32 characters of context on
each side) and a ``TextPositionSelector`` hint (start/end offsets into ``Article.text``). The
quote is the authority; positions are only a hint, so the link survives revisions of the text:

1. every exact occurrence is a candidate; the one whose prefix/suffix agree best with the
   selector wins, ties broken by distance from the position hint;
2. if the exact text is gone, a fuzzy fallback (``difflib``) looks for a close match of
   ``exact`` and accepts it only above a similarity threshold;
3. otherwise the passage is reported missing (``None``) and the page shows a notice.

The URL encoding (see ``PassageSelector.from_query`` / ``to_query``)::

    /articles/{slug}?exact=...&prefix=...&suffix=...&start=N&end=M#passage

``exact`` is required; ``prefix``, ``suffix``, ``start`` and ``end`` are optional.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

CONTEXT_CHARS = 32
MAX_EXACT_CHARS = 5_000
MAX_CONTEXT_CHARS = 200
MAX_CANDIDATES = 500
FUZZY_THRESHOLD = 0.8
FUZZY_MIN_CHARS = 8  # below this a "close match" is too likely to be a coincidence


# What ``urllib.parse.quote(value, safe="")`` leaves as it is; every other UTF-8 byte is %XX.
_URL_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")
_QUOTED = tuple(chr(b) if b in _URL_SAFE else f"%{b:02X}" for b in range(256))


def _quote(value: str) -> str:
    """``urllib.parse.quote(value, safe="")``, byte for byte (a test holds it to it), by a
    table: quote's byte-by-byte loop cost an article page a millisecond for its roles'
    passage links."""
    return "".join(map(_QUOTED.__getitem__, value.encode()))


class SelectorError(ValueError):
    """The selector parameters are garbled, oversized or incomplete; the message says why."""


@dataclass(frozen=True)
class TextQuoteSelector:
    exact: str
    prefix: str = ""
    suffix: str = ""

    def as_json(self) -> dict[str, str]:
        return {"type": "TextQuoteSelector", "exact": self.exact, "prefix": self.prefix,
                "suffix": self.suffix}


@dataclass(frozen=True)
class TextPositionSelector:
    start: int
    end: int

    def as_json(self) -> dict[str, str | int]:
        return {"type": "TextPositionSelector", "start": self.start, "end": self.end}


@dataclass(frozen=True)
class PassageSelector:
    quote: TextQuoteSelector
    position: TextPositionSelector | None = None

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> PassageSelector | None:
        """The selector in a page's query string, ``None`` if there is none.

        Raises ``SelectorError`` for parameters that are present but unusable.
        """
        exact = params.get("exact")
        if exact is None:
            if any(k in params for k in ("prefix", "suffix", "start", "end")):
                raise SelectorError("the passage link has no “exact” text")
            return None
        prefix, suffix = params.get("prefix", ""), params.get("suffix", "")
        if not exact.strip():
            raise SelectorError("the passage link’s text is empty")
        if len(exact) > MAX_EXACT_CHARS:
            raise SelectorError(f"the passage is longer than {MAX_EXACT_CHARS} characters")
        if len(prefix) > MAX_CONTEXT_CHARS or len(suffix) > MAX_CONTEXT_CHARS:
            raise SelectorError("the passage link’s context is too long")
        position = None
        if "start" in params or "end" in params:
            try:
                start, end = int(params.get("start", "")), int(params.get("end", ""))
            except ValueError:
                start = end = -1
            if 0 <= start < end <= 10_000_000:
                position = TextPositionSelector(start, end)
            # A broken position hint is only a hint: ignore it, keep the quote.
        return cls(TextQuoteSelector(exact, prefix, suffix), position)

    @classmethod
    def for_range(cls, text: str, start: int, end: int,
                  context: int = CONTEXT_CHARS) -> PassageSelector:
        return cls(
            TextQuoteSelector(text[start:end], text[max(0, start - context) : start],
                              text[end : end + context]),
            TextPositionSelector(start, end),
        )

    def to_query(self) -> str:
        """``urlencode`` of exact, prefix and suffix (those not empty), start and end, each
        value percent-encoded as ``quote`` does."""
        query = f"exact={_quote(self.quote.exact)}"
        if self.quote.prefix:
            query += f"&prefix={_quote(self.quote.prefix)}"
        if self.quote.suffix:
            query += f"&suffix={_quote(self.quote.suffix)}"
        if self.position is not None:
            query += f"&start={self.position.start}&end={self.position.end}"
        return query


def _common_suffix_len(a: str, b: str) -> int:
    n = 0
    for x, y in zip(reversed(a), reversed(b), strict=False):
        if x != y:
            break
        n += 1
    return n


def _common_prefix_len(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _occurrences(text: str, exact: str) -> list[int]:
    found: list[int] = []
    i = text.find(exact)
    while i != -1 and len(found) < MAX_CANDIDATES:
        found.append(i)
        i = text.find(exact, i + 1)
    return found


def resolve(text: str, selector: PassageSelector) -> tuple[int, int] | None:
    """The ``(start, end)`` of the passage in ``text``, or ``None`` if it is gone."""
    exact, prefix, suffix = selector.quote.exact, selector.quote.prefix, selector.quote.suffix
    hint = selector.position.start if selector.position is not None else None
    candidates = _occurrences(text, exact)
    if candidates:
        def score(i: int) -> tuple[int, int]:
            context = _common_suffix_len(text[max(0, i - len(prefix)) : i], prefix)
            context += _common_prefix_len(text[i + len(exact) : i + len(exact) + len(suffix)],
                                          suffix)
            distance = abs(i - hint) if hint is not None else 0
            return (-context, distance)

        best = min(candidates, key=score)
        return best, best + len(exact)
    return _fuzzy(text, exact, prefix, suffix, hint)


def _fuzzy(text: str, exact: str, prefix: str, suffix: str,
           hint: int | None) -> tuple[int, int] | None:
    """Best close match of ``exact``, accepted only above ``FUZZY_THRESHOLD``.

    Cheap candidate alignments come from exact hits of pieces of ``exact`` (an edit leaves
    most pieces intact); each is then refined and scored with ``difflib``.
    """
    size = len(exact)
    if size < FUZZY_MIN_CHARS or not text:
        return None
    pieces = min(8, max(2, size // 6))
    width = size // pieces
    votes: Counter[int] = Counter()
    for k in range(pieces):
        offset = k * width
        for found in _occurrences(text, exact[offset : offset + width])[:200]:
            votes[found - offset] += 1

    def rank(align: int) -> tuple[int, int]:
        return (-votes[align], abs(align - hint) if hint is not None else 0)

    best: tuple[tuple[float, int, int], int, int] | None = None  # (key, start, end)
    seen: set[tuple[int, int]] = set()
    for align in sorted(votes, key=rank)[:24]:
        s, e = _refine(text, align, exact)
        if e <= s or (s, e) in seen:
            continue
        seen.add((s, e))
        ratio = difflib.SequenceMatcher(None, text[s:e], exact, autojunk=False).ratio()
        context = _common_suffix_len(text[max(0, s - len(prefix)) : s], prefix)
        context += _common_prefix_len(text[e : e + len(suffix)], suffix)
        distance = abs(s - hint) if hint is not None else 0
        key = (round(ratio, 3), context, -distance)
        if best is None or key > best[0]:
            best = (key, s, e)
    if best is None or best[0][0] < FUZZY_THRESHOLD:
        return None
    return best[1], best[2]


def _refine(text: str, align: int, exact: str) -> tuple[int, int]:
    """The span of ``text`` around ``align`` that best lines up with ``exact``."""
    slack = max(8, len(exact) // 4)
    lo, hi = max(0, align - slack), min(len(text), align + len(exact) + slack)
    matcher = difflib.SequenceMatcher(None, text[lo:hi], exact, autojunk=False)
    blocks = [b for b in matcher.get_matching_blocks() if b.size]
    if not blocks:
        return lo, lo
    first, last = blocks[0], blocks[-1]
    s = lo + first.a - (first.b if first.b <= 3 else 0)
    tail = len(exact) - last.b - last.size
    e = lo + last.a + last.size + (tail if tail <= 3 else 0)
    s, e = max(0, s), min(len(text), e)
    # Snap to word boundaries so the mark does not cut words in two.
    while 0 < s < len(text) and text[s - 1].isalnum() and text[s].isalnum():
        s -= 1
    while 0 < e < len(text) and text[e - 1].isalnum() and text[e].isalnum():
        e += 1
    return s, e


# Corrections are re-applied to revised texts without anyone looking, so their anchors are
# stricter than a reader's passage link: the quote and its whole stored context must be found
# again, and the context is grown at anchoring time until it is unique in the text. No fuzzy
# fallback: a passage that changed is reported gone rather than guessed.
ANCHOR_CONTEXT_STEP = CONTEXT_CHARS
MAX_ANCHOR_CONTEXT = 256


@dataclass(frozen=True)
class Anchor:
    """A passage of one text: ``exact`` with ``prefix``/``suffix`` context and a position hint."""

    exact: str
    prefix: str
    suffix: str
    start: int
    end: int
    # The context ran into the start / end of the text: that edge is part of the context too.
    at_start: bool = False
    at_end: bool = False

    def as_json(self) -> dict[str, str | int | bool]:
        return {"exact": self.exact, "prefix": self.prefix, "suffix": self.suffix,
                "start": self.start, "end": self.end, "at_start": self.at_start,
                "at_end": self.at_end}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Anchor:
        return cls(str(data["exact"]), str(data.get("prefix", "")), str(data.get("suffix", "")),
                   int(data.get("start", 0)), int(data.get("end", 0)),  # type: ignore[call-overload]
                   bool(data.get("at_start", False)), bool(data.get("at_end", False)))

    def selectors(self) -> list[dict[str, str | int]]:
        """The W3C selectors: the quote (the authority) and the position (a hint)."""
        quote: dict[str, str | int] = {
            **TextQuoteSelector(self.exact, self.prefix, self.suffix).as_json()
        }
        return [quote, TextPositionSelector(self.start, self.end).as_json()]


def anchor_range(text: str, start: int, end: int) -> Anchor:
    """An anchor for ``text[start:end]`` whose context is unique in ``text`` if it can be."""
    if not 0 <= start < end <= len(text):
        raise ValueError(f"cannot anchor {start}..{end} in a text of {len(text)} characters")
    context = ANCHOR_CONTEXT_STEP
    while True:
        prefix, suffix = text[max(0, start - context) : start], text[end : end + context]
        window = prefix + text[start:end] + suffix
        unique = len(_occurrences(text, window)) <= 1
        at_edges = start - context <= 0 and end + context >= len(text)
        if unique or at_edges or context >= MAX_ANCHOR_CONTEXT:
            return Anchor(text[start:end], prefix, suffix, start, end,
                          at_start=start - context <= 0, at_end=end + context >= len(text))
        context += ANCHOR_CONTEXT_STEP


def locate(text: str, anchor: Anchor, trust_position: bool = False) -> tuple[int, int] | None:
    """Where the anchored passage is in ``text``, or ``None`` if it is gone or ambiguous.

    A candidate must carry the exact quote and the whole stored context. Several such
    candidates mean the passage cannot be told apart: only when the caller knows the text is
    the one the anchor was made on (``trust_position``) does the position decide.
    """
    if not anchor.exact:
        return None
    size, before, after = len(anchor.exact), len(anchor.prefix), len(anchor.suffix)
    found = [
        i
        for i in _occurrences(text, anchor.exact)
        if text[max(0, i - before) : i] == anchor.prefix
        and text[i + size : i + size + after] == anchor.suffix
        and (not anchor.at_start or i == before)
        and (not anchor.at_end or i + size + after == len(text))
    ]
    if len(found) == 1:
        return found[0], found[0] + size
    if trust_position and anchor.start in found:
        return anchor.start, anchor.start + size
    return None
