"""Passage links for the web: the anchoring itself lives in ``app.anchoring`` (shared with the
store's corrections); browser text fragments are built in ``app.web.fragments``."""

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
]
