"""Text fragments (``#:~:text=``) that land on the page as a browser sees it.

The WICG Text Fragments spec matches each term of a directive inside one *block* of the page
(a paragraph, a heading, a list item), on word boundaries, ignoring case; ``prefix-`` must end
right before ``textStart`` and ``-suffix`` begin right after the end, in the same block, with only
white space between. So context never crosses a block boundary, a passage that spans blocks is
a ``textStart,textEnd`` range, and so is a long passage (the spec's advice: short URLs, and a
link that survives small edits inside the passage).

The generator checks its own output: it runs the spec's search over the page's blocks, in page
order, and widens the terms until the first match is the passage itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

EXACT_MAX_CHARS = 150  # longer passages become textStart,textEnd ranges
RANGE_WORDS = 4  # words at each end of a range, before widening
CONTEXT_WORDS = 3  # words of prefix/suffix, before widening
MAX_TERM_WORDS = 12

_SPACE = re.compile(r"\s+")
_TOKEN = re.compile(r"\S+")


@dataclass(frozen=True)
class Block:
    """One block of the page: its text, and where it sits in the article text (if it does)."""

    text: str
    start: int | None = None  # offset of text[0] in the article text; None for page chrome

    @property
    def end(self) -> int | None:
        return None if self.start is None else self.start + len(self.text)


@dataclass(frozen=True)
class TextDirective:
    text_start: str
    text_end: str = ""
    prefix: str = ""
    suffix: str = ""

    def __str__(self) -> str:
        parts = [f"{_encode(self.prefix)}-"] if self.prefix else []
        parts.append(_encode(self.text_start))
        if self.text_end:
            parts.append(_encode(self.text_end))
        if self.suffix:
            parts.append(f"-{_encode(self.suffix)}")
        return "text=" + ",".join(parts)

    @property
    def fragment(self) -> str:
        return f"#:~:{self}"


def _encode(term: str) -> str:
    # "-", "," and "&" are the directive's syntax: percent-encode them inside terms.
    return quote(term, safe="").replace("-", "%2D")


def _is_word_char(c: str) -> bool:
    return c.isalnum()


def _word_edges(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen [start, end) so it neither starts nor ends inside a word, then trim spaces."""
    while 0 < start < len(text) and _is_word_char(text[start - 1]) and _is_word_char(text[start]):
        start -= 1
    while 0 < end < len(text) and _is_word_char(text[end - 1]) and _is_word_char(text[end]):
        end += 1
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _words(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


# ---- the spec's search, simplified to what our pages contain: text blocks in order ----------


def _boundary(text: str, i: int) -> bool:
    if i <= 0 or i >= len(text):
        return True
    return not (_is_word_char(text[i - 1]) and _is_word_char(text[i]))


def _find_all(hay: str, needle: str, from_: int = 0) -> list[int]:
    found, i = [], hay.find(needle, from_)
    while i != -1:
        if _boundary(hay, i) and _boundary(hay, i + len(needle)):
            found.append(i)
        i = hay.find(needle, i + 1)
    return found


def _ends_with_prefix(hay: str, at: int, prefix: str) -> bool:
    before = hay[:at].rstrip()
    return before.endswith(prefix) and _boundary(hay, len(before) - len(prefix))


def _starts_with_suffix(hay: str, at: int, suffix: str) -> bool:
    after = hay[at:]
    skipped = len(after) - len(after.lstrip())
    return after.lstrip().startswith(suffix) and _boundary(hay, at + skipped + len(suffix))


def first_match(blocks: Sequence[Block], directive: TextDirective
                ) -> tuple[int, int, int, int] | None:
    """Where a browser lands: (start block, start offset, end block, end offset) of the first
    match in page order, offsets into each block's normalised lower-case text."""
    hays = [_norm(b.text).lower() for b in blocks]
    start, end = directive.text_start.lower(), directive.text_end.lower()
    prefix, suffix = directive.prefix.lower(), directive.suffix.lower()
    for bi, hay in enumerate(hays):
        for s in _find_all(hay, start):
            if prefix and not _ends_with_prefix(hay, s, prefix):
                continue
            if not end:
                e = s + len(start)
                if not suffix or _starts_with_suffix(hay, e, suffix):
                    return bi, s, bi, e
                continue
            for bj in range(bi, len(hays)):
                from_ = s + len(start) if bj == bi else 0
                for f in _find_all(hays[bj], end, from_):
                    e = f + len(end)
                    if not suffix or _starts_with_suffix(hays[bj], e, suffix):
                        return bi, s, bj, e
    return None


# ---- the generator ---------------------------------------------------------------------------


def _block_at(blocks: Sequence[Block], offset: int) -> int | None:
    for i, b in enumerate(blocks):
        if b.start is not None and b.end is not None and b.start <= offset < b.end:
            return i
    return None


def _expected(blocks: Sequence[Block], bi: int, bj: int, start: int, end: int
              ) -> tuple[int, int, int, int]:
    """The passage's own position in the terms of ``first_match``."""
    def norm_offset(block: Block, offset: int) -> int:
        assert block.start is not None
        raw = block.text[: offset - block.start]
        lead = len(block.text) - len(block.text.lstrip())
        return len(_SPACE.sub(" ", raw[lead:] if len(raw) >= lead else ""))
    return bi, norm_offset(blocks[bi], start), bj, norm_offset(blocks[bj], end)


def text_directive(blocks: Sequence[Block], start: int, end: int) -> TextDirective | None:
    """The shortest directive (within limits) whose first match is article text [start, end).

    ``blocks`` are the page's blocks in page order; those holding article text carry their
    offsets. ``None`` when the passage is empty, outside the blocks, or cannot be told apart.
    """
    bi = _block_at(blocks, start)
    if bi is None:
        return None
    first = blocks[bi]
    assert first.start is not None
    last_char = max(start, end - 1)
    bj = _block_at(blocks, last_char)
    if bj is None:
        return None
    s_local, e_block = start - first.start, blocks[bj]
    assert e_block.start is not None
    s_local, _ = _word_edges(first.text, s_local, len(first.text))
    e_local = _word_edges(e_block.text, 0, end - e_block.start)[1]
    if bi == bj and e_local <= s_local:
        return None
    start, end = first.start + s_local, e_block.start + e_local
    before = _words(first.text[:s_local])
    after = _words(e_block.text[e_local:])
    if bi == bj:
        passage = _words(first.text[s_local:e_local])
        head = tail = passage
    else:
        head = _words(first.text[s_local:])
        tail = _words(e_block.text[:e_local])
    expected = _expected(blocks, bi, bj, start, end)
    single = bi == bj and len(" ".join(head)) <= EXACT_MAX_CHARS

    def candidates() -> list[TextDirective]:
        found = []
        for extra in range(0, MAX_TERM_WORDS):
            ctx = min(CONTEXT_WORDS + extra, MAX_TERM_WORDS)
            prefix = " ".join(before[-ctx:]) if before else ""
            suffix = " ".join(after[:ctx]) if after else ""
            if single:
                found.append(TextDirective(" ".join(head), "", prefix, suffix))
                continue
            n = RANGE_WORDS + extra
            if bi == bj and 2 * n >= len(head):
                found.append(TextDirective(" ".join(head), "", prefix, suffix))
                continue
            found.append(TextDirective(" ".join(head[:n]), " ".join(tail[-n:]), prefix, suffix))
        return found

    for directive in candidates():
        if first_match(blocks, directive) == expected:
            return directive
    return None


def text_fragment(blocks: Sequence[Block], start: int, end: int) -> str:
    """``#:~:text=...`` for article text [start, end), or "" when no directive lands on it."""
    directive = text_directive(blocks, start, end)
    return directive.fragment if directive is not None else ""


# The order article.html lays paragraphs out in: the photo caption, the story, the "read more"
# list, then agency boilerplate.
PAGE_ORDER = ("caption", "body", "related", "boilerplate")


def article_blocks(text: str, title: str, paragraphs: Sequence[tuple[int, int, str]]
                   ) -> list[Block]:
    """The article page's blocks in page order: the title heading, then each paragraph
    (``(start, end, kind)``) where article.html puts it."""
    rank = {kind: i for i, kind in enumerate(PAGE_ORDER)}
    ordered = sorted(paragraphs, key=lambda p: (rank.get(p[2], len(rank)), p[0]))
    return [Block(title)] + [Block(text[s:e], s) for s, e, _ in ordered]
