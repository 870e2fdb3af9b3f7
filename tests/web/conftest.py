"""Fixtures for page tests: articles stored through the service layer with a hand-built
extraction, so tests need neither spaCy nor today's extraction quality."""

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.db import session_scope
from app.ingest.service import ArticleInput, IngestOutcome, prepare, store
from app.nlp.types import ExtractedEntity, ExtractedQuote, Extraction, MentionSpan, RoleFact

SAMPLE = """Residents wait at a checkpoint in Ramadi. (Jane Doe/AP)

Security forces retreated on Sunday, said Col. Sam Rivers of the Ramadi police force. \
Officials in Baghdad & Anbar disagreed about the <script>alert("x")</script> figures.

“We will hold the bridge until the reinforcements arrive,” Rivers said. Rivers spoke by telephone.

A resident said the city was quiet. “The streets are empty and nobody is coming,” the resident said.

Read more:

Iraqi Sunnis flee Anbar
"""


def _spans(text: str, needle: str, limit: int | None = None) -> list[MentionSpan]:
    spans, i = [], text.find(needle)
    while i != -1 and (limit is None or len(spans) < limit):
        spans.append(MentionSpan(i, i + len(needle), needle))
        i = text.find(needle, i + 1)
    return spans


def _quote(text: str, words: str, speaker_key: str | None, description: str | None
           ) -> ExtractedQuote:
    i = text.index(words)
    return ExtractedQuote(i, i + len(words), words, "direct", speaker_key, description)


_SENTENCE_END = re.compile(r"(?<!Col\.)(?<=[.”])\s+(?=[“A-Z])")


def _sentences(text: str) -> list[tuple[int, int]]:
    found, pos = [], 0
    for block in text.split("\n\n"):
        start = pos
        for m in _SENTENCE_END.finditer(block):
            found.append((start, pos + m.start()))
            start = pos + m.end()
        found.append((start, pos + len(block)))
        pos += len(block) + 2
    return found


def sample_extraction(text: str) -> Extraction:
    """Entities, a role, nested mentions and two quotes (one anonymous) for SAMPLE-like text."""
    force = text.index("the Ramadi police force")
    sentences = _sentences(text)
    role_sentence = next((s, e) for s, e in sentences if s <= force < e)
    rivers = _spans(text, "Col. Sam Rivers") + [
        m for m in _spans(text, "Rivers") if not text[m.start - 4 : m.start] == "Sam "
    ]
    return Extraction(
        entities=[
            ExtractedEntity(
                "actor:sam rivers", "Sam Rivers", "actor", "person", ["Rivers"],
                sorted(rivers, key=lambda m: m.start),
                [RoleFact("Col.", "unit:ramadi police", "the Ramadi police force", *role_sentence)],
            ),
            ExtractedEntity(
                "unit:ramadi police", "Ramadi police", "unit", "police", [],
                [MentionSpan(force, force + len("the Ramadi police force"),
                             "the Ramadi police force", "nominal")],
            ),
            ExtractedEntity("location:ramadi", "Ramadi", "location", "city", [],
                            _spans(text, "Ramadi")),
            ExtractedEntity("location:baghdad", "Baghdad", "location", "city", [],
                            _spans(text, "Baghdad")),
            ExtractedEntity("location:anbar", "Anbar", "location", "province", [],
                            _spans(text, "Anbar")),
        ],
        quotes=[
            _quote(text, "We will hold the bridge until the reinforcements arrive,",
                   "actor:sam rivers", None),
            _quote(text, "The streets are empty and nobody is coming,", None, "a resident"),
        ],
        sentences=sentences,
    )


def store_text(
    factory: sessionmaker[Session],
    text: str,
    slug: str,
    build: Callable[[str], Extraction] = sample_extraction,
    **kwargs: object,
) -> IngestOutcome:
    item = ArticleInput(text, slug, **kwargs)  # type: ignore[arg-type]
    normalised, slug, title = prepare(item)
    with session_scope(factory) as session:
        return store(session, item, normalised, slug, title, build(normalised.text))


@pytest.fixture
def store_article(session_factory: sessionmaker[Session]):  # type: ignore[no-untyped-def]
    def _store(text: str = SAMPLE, slug: str = "sample", **kwargs: object) -> IngestOutcome:
        return store_text(session_factory, text, slug, **kwargs)  # type: ignore[arg-type]

    return _store


# ---------------------------------------------------------------- signing in

_CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token a rendered form carries."""
    match = _CSRF_INPUT.search(html)
    assert match is not None, "the page has no form with a CSRF token"
    return match.group(1)


def sign_in(client: TestClient, token: str | None = None) -> str:
    """Sign ``client`` in through the /login form; returns the session's CSRF token."""
    from tests.conftest import ADMIN_TOKEN

    form = client.get("/login")
    response = client.post(
        "/login", data={"token": token or ADMIN_TOKEN, "csrf_token": csrf_of(form.text),
                        "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/login").text)
