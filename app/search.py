"""Search across the library: articles (full text), entities (names and aliases), quotes.

One entry point, :func:`search`, for the JSON API and the HTML page. The user's string is
never passed to the database's query language: :func:`parse` reads words, ``"exact
phrases"``, prefixes (``Habban*``) and ``OR`` from it, and each engine's query is built from
those tokens (:func:`fts5_query` for SQLite's FTS5; another engine plugs its own builder and
SQL into :func:`_engine_search`). Anything else in the string (operators, brackets, stray
quotes, NUL) is a word separator, so every string is either a query or an empty one.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, bindparam, func, or_, select, text
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.library import HIGHEST_CHAR, fold
from app.models import Article, Entity, LibraryEntity, LibraryTerm, Quote

MAX_QUERY_CHARS = 1000
MAX_TERMS = 32
MAX_LIMIT = 100
# Around matched words in snippets: control characters news text does not use (if one
# did, a mark would only land in the wrong place; the text is escaped either way).
MARK_START, MARK_END = "\x02", "\x03"
WORD = re.compile(r"[^\W_]+")


def is_search_index(table_name: str) -> bool:
    """Tables of the engine's full-text index (FTS5's shadow tables too): not in the models,
    so schema comparisons leave them out."""
    return table_name.split("_fts")[0] in ("articles", "quotes") and "_fts" in table_name


class QueryError(ValueError):
    """The query cannot be run; the message says why (a 422 for the web)."""


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # one word, or a phrase's words in order
    prefix: bool = False  # the last word is a prefix ("Habban*")


@dataclass
class ParsedQuery:
    groups: list[list[Term]] = field(default_factory=list)  # OR of groups, each an AND of terms

    def __bool__(self) -> bool:
        return any(self.groups)

    def words(self) -> list[str]:
        return [w for group in self.groups for term in group for w in term.words]


def parse(query: str) -> ParsedQuery:
    """Words, "phrases", prefix* and OR; everything else separates words."""
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is {len(query)} characters long; the limit is "
                         f"{MAX_QUERY_CHARS}")
    query = unicodedata.normalize("NFC", query)
    parsed = ParsedQuery(groups=[[]])
    pieces = query.split('"')
    for i, piece in enumerate(pieces):
        quoted = i % 2 == 1 and i < len(pieces) - 1  # an unbalanced last quote opens nothing
        if quoted:
            words = tuple(WORD.findall(piece))
            if words:
                parsed.groups[-1].append(Term(words))
            continue
        for token in piece.split():
            if token == "OR":
                if parsed.groups[-1]:
                    parsed.groups.append([])
                continue
            words = tuple(WORD.findall(token))
            if words:
                prefix = token.endswith("*") and token.rstrip("*")[-1:].isalnum()
                parsed.groups[-1].append(Term(words, prefix))
    parsed.groups = [g for g in parsed.groups if g]
    count = sum(len(g) for g in parsed.groups)
    if count > MAX_TERMS:
        raise QueryError(f"the query has {count} terms; the limit is {MAX_TERMS}")
    return parsed


def fts5_query(parsed: ParsedQuery) -> str:
    """FTS5 syntax from tokens only: each term a double-quoted string (no operator can hide
    in one), ``*`` after a prefix, groups joined by OR."""

    def term(t: Term) -> str:
        return '"' + " ".join(t.words) + '"' + ("*" if t.prefix else "")

    return " OR ".join("(" + " AND ".join(term(t) for t in group) + ")"
                       for group in parsed.groups)


@dataclass(frozen=True)
class Marked:
    """Plain text with the character ranges the search matched."""

    text: str
    marks: tuple[tuple[int, int], ...] = ()


def unmark(raw: str) -> Marked:
    """Split FTS5's highlight markers out of ``raw``."""
    out: list[str] = []
    marks: list[tuple[int, int]] = []
    start: int | None = None
    length = 0
    for ch in raw:
        if ch == MARK_START:
            start = length
        elif ch == MARK_END:
            if start is not None and length > start:
                marks.append((start, length))
            start = None
        else:
            out.append(ch)
            length += 1
    return Marked("".join(out), tuple(marks))


@dataclass(frozen=True)
class ArticleHit:
    slug: str
    title: str
    snippet: Marked
    score: float


@dataclass(frozen=True)
class EntityHit:
    id: int
    name: str
    type: str
    kind: str


@dataclass(frozen=True)
class QuoteHit:
    id: str
    text: Marked
    speaker_name: str | None
    article_slug: str


@dataclass
class SearchResults:
    query: str
    articles: list[ArticleHit] = field(default_factory=list)
    entities: list[EntityHit] = field(default_factory=list)
    quotes: list[QuoteHit] = field(default_factory=list)


def search(session: Session, query: str, limit: int = 20) -> SearchResults:
    """Articles, library entities and quotes matching ``query``; raises QueryError."""
    limit = max(1, min(limit, MAX_LIMIT))
    parsed = parse(query)
    results = SearchResults(query)
    if not parsed:
        return results
    results.articles, results.quotes = _engine_search(session, parsed, limit)
    results.entities = entities_named(session, parsed, limit)
    return results


def _engine_search(
    session: Session, parsed: ParsedQuery, limit: int
) -> tuple[list[ArticleHit], list[QuoteHit]]:
    """The engine-specific part: full-text articles and quotes."""
    if session.get_bind().dialect.name == "sqlite":
        return _sqlite_articles(session, parsed, limit), _sqlite_quotes(session, parsed, limit)
    return _portable_articles(session, parsed, limit), _portable_quotes(session, parsed, limit)


SNIPPET_WORDS = 24


def _sqlite_articles(session: Session, parsed: ParsedQuery, limit: int) -> list[ArticleHit]:
    # Ranked first, without snippets: a common word matches most of the library, and a
    # snippet (the article's text read and tokenized again) is only worth making for a hit
    # that is shown.
    query = fts5_query(parsed)
    top = session.execute(
        text(
            "SELECT rowid, bm25(articles_fts, 5.0, 1.0) AS rank FROM articles_fts "
            "WHERE articles_fts MATCH :q ORDER BY rank, rowid LIMIT :limit"
        ),
        {"q": query, "limit": limit},
    ).all()
    if not top:
        return []
    shown = {
        row_id: (slug, title, snip)
        for row_id, slug, title, snip in session.execute(
            text(
                "SELECT a.id, a.slug, a.title, "
                "snippet(articles_fts, 1, :ms, :me, '…', :words) "
                "FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
                "WHERE articles_fts MATCH :q AND articles_fts.rowid IN :ids"
            ).bindparams(bindparam("ids", expanding=True)),
            {"q": query, "ms": MARK_START, "me": MARK_END, "words": SNIPPET_WORDS,
             "ids": [row_id for row_id, _ in top]},
        )
    }
    return [ArticleHit(shown[row_id][0], shown[row_id][1], unmark(shown[row_id][2] or ""),
                       round(-rank, 4))
            for row_id, rank in top if row_id in shown]


def _sqlite_quotes(session: Session, parsed: ParsedQuery, limit: int) -> list[QuoteHit]:
    query = fts5_query(parsed)
    top = session.execute(
        text(
            "SELECT quotes_fts.rowid, quotes_fts.quote_id FROM quotes_fts "
            "WHERE quotes_fts MATCH :q ORDER BY quotes_fts.rank, quotes_fts.quote_id "
            "LIMIT :limit"
        ),
        {"q": query, "limit": limit},
    ).all()
    if not top:
        return []
    shown = {
        qid: (raw, speaker, slug)
        for qid, raw, speaker, slug in session.execute(
            text(
                "SELECT q.id, highlight(quotes_fts, 0, :ms, :me), e.name, a.slug "
                "FROM quotes_fts JOIN quotes q ON q.id = quotes_fts.quote_id "
                "JOIN articles a ON a.id = q.article_id "
                "LEFT JOIN entities e ON e.id = q.speaker_id "
                "WHERE quotes_fts MATCH :q AND quotes_fts.rowid IN :rows"
            ).bindparams(bindparam("rows", expanding=True)),
            {"q": query, "ms": MARK_START, "me": MARK_END, "rows": [r for r, _ in top]},
        )
    }
    return [QuoteHit(qid, unmark(shown[qid][0]), shown[qid][1], shown[qid][2])
            for _, qid in top if qid in shown]


# ---- any other engine until it has a full-text index of its own: plain LIKE, no ranking


def _like_clause(
    column: "InstrumentedAttribute[str]", parsed: ParsedQuery
) -> "ColumnElement[bool]":
    def pattern(t: Term) -> str:
        words = " ".join(t.words).lower().replace("\\", "\\\\")
        words = words.replace("%", "\\%").replace("_", "\\_")
        return f"%{words}%"

    lowered = func.lower(column)
    return or_(*(and_(*(lowered.like(pattern(t), escape="\\") for t in g))
                 for g in parsed.groups))


def _plain_snippet(body: str, words: list[str]) -> Marked:
    lowered = body.lower()
    hits = [(i, w) for w in words if (i := lowered.find(w.lower())) >= 0]
    first = min((i for i, _ in hits), default=0)
    start = max(0, first - 80)
    window = body[start : start + 200]
    marks = []
    for w in words:
        i = window.lower().find(w.lower())
        if i >= 0:
            marks.append((i, i + len(w)))
    return Marked(window, tuple(sorted(marks)))


def _portable_articles(session: Session, parsed: ParsedQuery, limit: int) -> list[ArticleHit]:
    rows = session.execute(
        select(Article.slug, Article.title, Article.text)
        .where(or_(_like_clause(Article.text, parsed), _like_clause(Article.title, parsed)))
        .order_by(Article.published.desc(), Article.id.desc())
        .limit(limit)
    )
    return [ArticleHit(slug, title, _plain_snippet(body, parsed.words()), 0.0)
            for slug, title, body in rows]


def _portable_quotes(session: Session, parsed: ParsedQuery, limit: int) -> list[QuoteHit]:
    rows = session.execute(
        select(Quote.id, Quote.text, Entity.name, Article.slug)
        .join(Article, Article.id == Quote.article_id)
        .outerjoin(Entity, Entity.id == Quote.speaker_id)
        .where(_like_clause(Quote.text, parsed))
        .order_by(Quote.id)
        .limit(limit)
    )
    return [QuoteHit(qid, _plain_snippet(body, parsed.words()), speaker, slug)
            for qid, body, speaker, slug in rows]


# ---- entities: by their names and aliases, portable SQL on folded names


MAX_NAME_WORDS = 8


def entities_named(session: Session, parsed: ParsedQuery, limit: int) -> list[EntityHit]:
    """Library entities one of whose names (or a name's last words: "Alwani") the query
    contains ("Daesh fighters" finds the Islamic State), or that a prefix term starts
    ("Habban*")."""
    words = [fold(w) for w in parsed.words()]
    words = [w for w in words if w]
    grams = {" ".join(words[i:j]) for i in range(len(words))
             for j in range(i + 1, min(len(words), i + MAX_NAME_WORDS) + 1)}
    conditions = []
    if grams:
        conditions.append(
            LibraryEntity.id.in_(
                select(LibraryTerm.library_id).where(LibraryTerm.term.in_(sorted(grams)))
            )
        )
    prefixes = [fold(" ".join(t.words)) for g in parsed.groups for t in g if t.prefix]
    for prefix in filter(None, prefixes):
        conditions.append(
            LibraryEntity.id.in_(
                select(LibraryTerm.library_id).where(
                    LibraryTerm.term >= prefix, LibraryTerm.term < prefix + HIGHEST_CHAR
                )
            )
        )
    if not conditions:
        return []
    rows = session.execute(
        select(LibraryEntity.id, LibraryEntity.name, LibraryEntity.type, LibraryEntity.kind)
        .where(or_(*conditions), LibraryEntity.article_count > 0)
        .order_by(LibraryEntity.article_count.desc(), LibraryEntity.mention_count.desc(),
                  LibraryEntity.id)
        .limit(limit)
    )
    return [EntityHit(*row) for row in rows]
