"""Search across the library: articles (full text), entities (names and aliases), quotes.

One entry point, :func:`search`, for the JSON API and the HTML page. The user's string is
never passed to the database's query language: :func:`parse` reads words, ``"exact
phrases"``, prefixes (``Habban*``) and ``OR`` from it, and each engine's query is built from
those tokens: :func:`fts5_query` for SQLite's FTS5 tables, :func:`tsquery` for PostgreSQL's
``tsvector`` columns (both created by Alembic revisions). :func:`_engine_search` is the one
place that picks the engine. Anything else in the string (operators, brackets, stray quotes,
NUL) is a word separator, so every string is either a query or an empty one.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import bindparam, or_, select, text
from sqlalchemy.orm import Session

from app.library import HIGHEST_CHAR, fold
from app.models import LibraryEntity, LibraryTerm

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


# PostgreSQL's index: a generated column and a GIN index on articles and quotes.
SEARCH_COLUMN = "search_vector"
SEARCH_GIN_INDEXES = frozenset({"ix_articles_search", "ix_quotes_search"})
TS_CONFIG = "newsreader"  # English stemming after unaccent (revision pg1c3e9a70)


def is_search_object(name: str | None, type_: str) -> bool:
    """Any engine's full-text index objects, made by SQL in migrations rather than by the
    models: schema comparisons (autogenerate, the migration test) leave them out."""
    if name is None:
        return False
    return ((type_ == "table" and is_search_index(name))
            or (type_ == "column" and name == SEARCH_COLUMN)
            or (type_ == "index" and name in SEARCH_GIN_INDEXES))


class QueryError(ValueError):
    """The query cannot be run; the message says why (a 422 for the web)."""


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # one word, or a phrase's words in order
    prefix: bool = False  # the last word is a prefix ("Habban*")
    # Written in quotes: its words name something only together (an entity named by one of
    # them alone is not found by it). Not part of equality: the index query is the same.
    quoted: bool = field(default=False, compare=False)


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
                parsed.groups[-1].append(Term(words, quoted=True))
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


_MARKERS = re.compile(f"([{MARK_START}{MARK_END}])")


def unmark(raw: str) -> Marked:
    """Split the engine's highlight markers out of ``raw`` (by runs of text between markers,
    not character by character: twenty snippets a search)."""
    out: list[str] = []
    marks: list[tuple[int, int]] = []
    start: int | None = None
    length = 0
    for piece in _MARKERS.split(raw):
        if piece == MARK_START:
            start = length
        elif piece == MARK_END:
            if start is not None and length > start:
                marks.append((start, length))
            start = None
        elif piece:
            out.append(piece)
            length += len(piece)
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
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return _sqlite_articles(session, parsed, limit), _sqlite_quotes(session, parsed, limit)
    if dialect == "postgresql":
        return _postgresql_search(session, parsed, limit)
    raise QueryError(f"full-text search is not available on {dialect}")


SNIPPET_WORDS = 24


def _score(relevance: float) -> float:
    """Four significant digits, never decimal places: a word in most of the library weighs
    little (FTS5's bm25 clamps its weight to about 1e-6), and rounding that to 0.0 would say
    the hits do not match at all and hide their order."""
    return float(f"{relevance:.4g}")


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
                       _score(-rank))
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


# ---- PostgreSQL: tsvector columns with GIN indexes (revision pg1c3e9a70)


def tsquery(parsed: ParsedQuery) -> str:
    """``to_tsquery`` syntax from tokens only. A token holds letters and digits and nothing
    else (see :data:`WORD`), so no operator, quote or backslash can hide in one; each is a
    quoted lexeme, a phrase's words are joined by ``<->``, a prefix ends in ``:*``, terms
    are joined by ``&`` and groups by ``|``. PostgreSQL then stems and folds each lexeme
    with the index's own configuration; stop words drop out (in a phrase they keep their
    place)."""

    def term(t: Term) -> str:
        words = [f"'{w}'" for w in t.words]
        if t.prefix:
            words[-1] += ":*"
        return "(" + " <-> ".join(words) + ")"

    return " | ".join("(" + " & ".join(term(t) for t in group) + ")"
                      for group in parsed.groups)


# ts_headline parses the document as it indexes it, and drops what its parser takes for
# markup ("<b>", "&amp;"): the snippet must show the text as written, so "<" and "&" go in as
# private-use characters (no news text has them) and come back after.
HIDDEN = "\ue000\ue001"
UNHIDE = str.maketrans({"\ue000": "<", "\ue001": "&"})


def _headline_options(**extra: object) -> str:
    options = {"StartSel": MARK_START, "StopSel": MARK_END, **extra}
    return ", ".join(f"{name}={value}" for name, value in options.items())


# Articles and quotes in one statement (one round trip to the server instead of two), each
# part ranked and limited first in a subquery of its own, so that only the hits shown get a
# headline (it re-parses the whole text) and each part keeps its own plan: joined to the
# headlines, the planner chose a scan of every quote over the GIN index, even for a rare word.
_POSTGRESQL_SEARCH = f"""
SELECT part, n, key, label, marked, rank, article_slug FROM (
(SELECT 0 AS part, row_number() OVER (ORDER BY top.rank DESC, a.id) AS n, a.slug AS key,
        a.title AS label,
        ts_headline('{TS_CONFIG}', translate(a.text, '<&', :hidden), top.query,
                    :article_options) AS marked,
        top.rank AS rank, NULL AS article_slug
   FROM (SELECT a.id, query, ts_rank(a.search_vector, query) AS rank
           FROM articles a, to_tsquery('{TS_CONFIG}', :q) AS query
          WHERE a.search_vector @@ query ORDER BY rank DESC, a.id LIMIT :limit) AS top
   JOIN articles a ON a.id = top.id)
UNION ALL
(SELECT 1, row_number() OVER (ORDER BY top.rank DESC, q.id), q.id, e.name,
        ts_headline('{TS_CONFIG}', translate(q.text, '<&', :hidden), top.query,
                    :quote_options),
        top.rank, a.slug
   FROM (SELECT q.id, query, ts_rank(q.search_vector, query) AS rank
           FROM quotes q, to_tsquery('{TS_CONFIG}', :q) AS query
          WHERE q.search_vector @@ query ORDER BY rank DESC, q.id LIMIT :limit) AS top
   JOIN quotes q ON q.id = top.id
   JOIN articles a ON a.id = q.article_id
   LEFT JOIN entities e ON e.id = q.speaker_id)
) AS hits ORDER BY part, n"""


def _postgresql_search(session: Session, parsed: ParsedQuery, limit: int
                       ) -> tuple[list[ArticleHit], list[QuoteHit]]:
    rows = session.execute(
        text(_POSTGRESQL_SEARCH),
        {"q": tsquery(parsed), "limit": limit, "hidden": HIDDEN,
         "article_options": _headline_options(MaxWords=SNIPPET_WORDS,
                                              MinWords=SNIPPET_WORDS // 2),
         "quote_options": _headline_options(HighlightAll=1)},
    )
    articles: list[ArticleHit] = []
    quotes: list[QuoteHit] = []
    for part, _, key, label, marked, rank, article_slug in rows:
        shown = unmark((marked or "").translate(UNHIDE))
        if part == 0:
            articles.append(ArticleHit(key, label, shown, _score(float(rank))))
        else:
            quotes.append(QuoteHit(key, shown, label, article_slug))
    return articles, quotes


# ---- entities: by their names and aliases, portable SQL on folded names


MAX_NAME_WORDS = 8


def _name_grams(parsed: ParsedQuery) -> set[str]:
    """The runs of consecutive folded words of each OR group that could be a name; a quoted
    phrase is one piece that a run takes whole or not at all ("Islamic State" in quotes does
    not find the Department of State by "state")."""
    grams: set[str] = set()
    for group in parsed.groups:
        pieces: list[str] = []
        for term in group:
            folded = [f for f in (fold(w) for w in term.words) if f]
            if term.quoted:
                pieces.extend([" ".join(folded)] if folded else [])
            else:
                pieces.extend(folded)
        for i in range(len(pieces)):
            for j in range(i + 1, len(pieces) + 1):
                gram = " ".join(pieces[i:j])
                if len(gram.split()) > MAX_NAME_WORDS:
                    break
                grams.add(gram)
    return grams


def entities_named(session: Session, parsed: ParsedQuery, limit: int) -> list[EntityHit]:
    """Library entities one of whose names (or a name's last words: "Alwani") the query
    contains ("Daesh fighters" finds the Islamic State), or that a prefix term starts
    ("Habban*")."""
    grams = _name_grams(parsed)
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
