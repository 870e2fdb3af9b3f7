"""Passage links for the web: the anchoring itself lives in ``app.anchoring`` (shared with the
store's corrections); this module adds the browser's text fragments."""

from urllib.parse import quote

from app.anchoring import (
    PassageSelector,
    SelectorError,
    TextPositionSelector,
    TextQuoteSelector,
    resolve,
)

__all__ = [
    "PassageSelector",
    "SelectorError",
    "TextPositionSelector",
    "TextQuoteSelector",
    "resolve",
    "text_fragment",
]


def text_fragment(text: str, start: int, end: int) -> str:
    """A browser text fragment (``#:~:text=prefix-,exact,-suffix``) for ``text[start:end]``.

    Context words are whole words (text fragments match on word boundaries); long or
    multi-paragraph passages use the ``textStart,textEnd`` form.
    """
    exact = text[start:end].strip()
    if not exact:
        return ""

    def enc(s: str) -> str:
        return quote(s, safe="").replace("-", "%2D")

    before = text[max(0, start - 60) : start].split()
    after = text[end : end + 60].split()
    # Drop a partial word at the cut edge.
    if start - 60 > 0 and before:
        before = before[1:]
    if end + 60 < len(text) and after:
        after = after[:-1]
    prefix = " ".join(before[-3:])
    suffix = " ".join(after[:3])
    words = exact.split()
    if "\n" in exact or len(exact) > 300:
        body = f"{enc(' '.join(words[:4]))},{enc(' '.join(words[-4:]))}"
    else:
        body = enc(" ".join(words))
    parts = [f"{enc(prefix)}-"] if prefix else []
    parts += [body] + ([f"-{enc(suffix)}"] if suffix else [])
    return "#:~:text=" + ",".join(parts)
