"""Search across the library: articles (full text), entities (names and aliases), quotes.

One entry point, :func:`search`, for the JSON API and the HTML page. The user's string is
never passed to the database's query language: :func:`parse` reads words, ``"exact
phrases"``, prefixes (``Habban*``) and ``OR`` from it, and each engine's query is built from
those tokens: :func:`fts5_query` for SQLite's FTS5 tables, :func:`tsquery` for PostgreSQL's
``tsvector`` columns (both created by Alembic revisions). :func:`_engine_search` is the one
place that picks the engine. Anything else in the string (operators, brackets, stray quotes,
NUL) is a word separator, so every string is either a query or an empty one.

**A bounded ranking for a word in most of the library.** Ranking reads every match (its
index entry, its length, its score), so a word that most articles use ("said") would cost in
proportion to the library. Each OR alternative of the query is therefore looked up in the
order the library grew, newest first, which the indexes give cheaply: when every alternative
matches more than :data:`CANDIDATES` articles, only the matches newer than the oldest of the
alternatives' (``CANDIDATES`` + 1)-th most recent matches are ranked (so at least the
``CANDIDATES`` most recent of each alternative), and the results say so
(``SearchResults.articles_recent_only``, shown on the page and in the JSON). A word in most
of the library tells articles apart by little (FTS5's bm25 weighs it at about 1e-6;
PostgreSQL's ts_rank only counts occurrences), and more than a thousand hits are more than
anyone reads through: the best of the most recent is a fair answer, and a news reader's.
When any alternative matches ``CANDIDATES`` articles or fewer, every match is ranked,
exactly as before: "said OR Habbaniyah" ranks the whole library, so every Habbaniyah
article is found. The ranked matches keep their scores (FTS5's statistics are the whole
index's). Quotes are bounded the same way, by the most recently stored: on SQLite by the
quote's row, on PostgreSQL by its article's (an article's quotes are ranked or left out
together, so that there at most ``CANDIDATES`` of an alternative's are ranked).

**Snippets from a piece of the text (PostgreSQL).** ``ts_headline`` parses the text it is
given, and parsing (unaccenting, stemming) is most of a search's cost: an article's snippet
is made from its first paragraph (the text between blank lines) that matches the query by
itself, found by parsing the paragraphs in order until one matches (a word most articles
use is near the top); when the query's words are only in the title (the index weighs them
apart), from the first paragraph, whose start ts_headline shows as it showed the text's;
when none matches on its own (the words are in different paragraphs), from the whole
text, as before. SQLite's ``snippet()`` stays as it was.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import bindparam, or_, select, text
from sqlalchemy.orm import Session

from app.library import HIGHEST_CHAR, fold
from app.models import LibraryEntity, LibraryTerm

MAX_QUERY_CHARS = 1000
MAX_TERMS = 32
MAX_LIMIT = 100
# Matches of each OR alternative ranked at most (see the module's docstring): 50 pages of 20.
CANDIDATES = 1000
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
    # More matched than are ranked: the hits are the best of the most recent matches (at
    # least ``candidates`` of each alternative's).
    articles_recent_only: bool = False
    quotes_recent_only: bool = False
    candidates: int = 0


@dataclass
class _Found:
    """What the engine found: the hits, and whether each part was bounded."""

    articles: list[ArticleHit]
    quotes: list[QuoteHit]
    articles_recent_only: bool
    quotes_recent_only: bool


def search(session: Session, query: str, limit: int = 20) -> SearchResults:
    """Articles, library entities and quotes matching ``query``; raises QueryError."""
    limit = max(1, min(limit, MAX_LIMIT))
    parsed = parse(query)
    results = SearchResults(query, candidates=CANDIDATES)
    if not parsed:
        return results
    found = _engine_search(session, parsed, limit)
    results.articles, results.quotes = found.articles, found.quotes
    results.articles_recent_only = found.articles_recent_only
    results.quotes_recent_only = found.quotes_recent_only
    results.entities = entities_named(session, parsed, limit)
    return results


def _engine_search(session: Session, parsed: ParsedQuery, limit: int) -> _Found:
    """The engine-specific part: full-text articles and quotes."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        alternatives = [fts5_query(g) for g in _alternatives(parsed)]
        articles, articles_bounded = _sqlite_articles(session, parsed, limit, alternatives)
        quotes, quotes_bounded = _sqlite_quotes(session, parsed, limit, alternatives)
        return _Found(articles, quotes, articles_bounded, quotes_bounded)
    if dialect == "postgresql":
        return _postgresql_search(session, parsed, limit)
    raise QueryError(f"full-text search is not available on {dialect}")


# ---- the bounded ranking (see the module's docstring)


def _alternatives(parsed: ParsedQuery) -> list[ParsedQuery]:
    return [ParsedQuery(groups=[group]) for group in parsed.groups]


# Per engine, articles' and quotes': the key of an alternative's (CANDIDATES + 1)-th most
# recent match (NULL when it has no more than CANDIDATES), read newest first off an index.
_SQLITE_CUTOFFS = (
    "SELECT rowid FROM articles_fts WHERE articles_fts MATCH :{q} "
    "ORDER BY rowid DESC LIMIT 1 OFFSET :cap",
    "SELECT rowid FROM quotes_fts WHERE quotes_fts MATCH :{q} "
    "ORDER BY rowid DESC LIMIT 1 OFFSET :cap",
)
_POSTGRESQL_CUTOFFS = (
    f"SELECT a.id FROM articles a WHERE a.search_vector @@ to_tsquery('{TS_CONFIG}', :{{q}}) "
    "ORDER BY a.id DESC LIMIT 1 OFFSET :cap",
    f"SELECT q.article_id FROM quotes q "
    f"WHERE q.search_vector @@ to_tsquery('{TS_CONFIG}', :{{q}}) "
    "ORDER BY q.article_id DESC LIMIT 1 OFFSET :cap",
)
NOT_BOUNDED = -1  # below every key: every match is ranked


def _after(cutoff: str, count: int, least: str) -> str:
    """SQL for the key after which matches are ranked: the oldest of the alternatives'
    cut-offs, or NOT_BOUNDED when one of them has none (no more than CANDIDATES matches).
    ``least`` is the engine's smallest-of-several function (SQLite's is ``min``)."""
    cuts = [f"coalesce(({cutoff.format(q=f'alt{i}')}), {NOT_BOUNDED})" for i in range(count)]
    return cuts[0] if count == 1 else f"{least}({', '.join(cuts)})"


def _alternative_params(alternatives: list[str]) -> dict[str, object]:
    return {"cap": CANDIDATES} | {f"alt{i}": alt for i, alt in enumerate(alternatives)}


SNIPPET_WORDS = 24


def _score(relevance: float) -> float:
    """Four significant digits, never decimal places: a word in most of the library weighs
    little (FTS5's bm25 clamps its weight to about 1e-6), and rounding that to 0.0 would say
    the hits do not match at all and hide their order."""
    return float(f"{relevance:.4g}")


def _sqlite_articles(session: Session, parsed: ParsedQuery, limit: int,
                     alternatives: list[str]) -> tuple[list[ArticleHit], bool]:
    # Ranked first, without snippets: a common word matches most of the library, and a
    # snippet (the article's text read and tokenized again) is only worth making for a hit
    # that is shown. The bound is worked out in the same statement (one step fewer).
    query = fts5_query(parsed)
    after = _after(_SQLITE_CUTOFFS[0], len(alternatives), "min")
    top = session.execute(
        text(
            f"WITH cut(after) AS MATERIALIZED (SELECT {after}) "
            "SELECT rowid, bm25(articles_fts, 5.0, 1.0) AS rank, (SELECT after FROM cut) "
            "FROM articles_fts WHERE articles_fts MATCH :q AND rowid > (SELECT after FROM cut) "
            "ORDER BY rank, rowid LIMIT :limit"
        ),
        {"q": query, "limit": limit} | _alternative_params(alternatives),
    ).all()
    if not top:
        return [], False
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
             "ids": [row_id for row_id, _, _ in top]},
        )
    }
    return [ArticleHit(shown[row_id][0], shown[row_id][1], unmark(shown[row_id][2] or ""),
                       _score(-rank))
            for row_id, rank, _ in top if row_id in shown], top[0][2] != NOT_BOUNDED


def _sqlite_quotes(session: Session, parsed: ParsedQuery, limit: int,
                   alternatives: list[str]) -> tuple[list[QuoteHit], bool]:
    query = fts5_query(parsed)
    after = _after(_SQLITE_CUTOFFS[1], len(alternatives), "min")
    top = session.execute(
        text(
            f"WITH cut(after) AS MATERIALIZED (SELECT {after}) "
            "SELECT quotes_fts.rowid, quotes_fts.quote_id, (SELECT after FROM cut) "
            "FROM quotes_fts WHERE quotes_fts MATCH :q "
            "AND quotes_fts.rowid > (SELECT after FROM cut) "
            "ORDER BY quotes_fts.rank, quotes_fts.quote_id LIMIT :limit"
        ),
        {"q": query, "limit": limit} | _alternative_params(alternatives),
    ).all()
    if not top:
        return [], False
    # The shown quotes are highlighted in one pass over the query's matches between the first
    # and last of them (``+rowid IN``: not a lookup FTS5 is asked for): a lookup per rowid
    # reads the whole of a common word's match list each time ("the": 32,000 quotes, 20
    # times, 6-8 ms at 10,000 articles; the pass over a ranked, recent range: 0.3 ms).
    rows = [r for r, _, _ in top]
    shown = {
        qid: (raw, speaker, slug)
        for qid, raw, speaker, slug in session.execute(
            text(
                "SELECT q.id, highlight(quotes_fts, 0, :ms, :me), e.name, a.slug "
                "FROM quotes_fts JOIN quotes q ON q.id = quotes_fts.quote_id "
                "JOIN articles a ON a.id = q.article_id "
                "LEFT JOIN entities e ON e.id = q.speaker_id "
                "WHERE quotes_fts MATCH :q AND +quotes_fts.rowid IN :rows "
                "AND quotes_fts.rowid BETWEEN :first AND :last"
            ).bindparams(bindparam("rows", expanding=True)),
            {"q": query, "ms": MARK_START, "me": MARK_END, "rows": rows, "first": min(rows),
             "last": max(rows)},
        )
    }
    return [QuoteHit(qid, unmark(shown[qid][0]), shown[qid][1], shown[qid][2])
            for _, qid, _ in top if qid in shown], top[0][2] != NOT_BOUNDED


# ---- PostgreSQL: tsvector columns with GIN indexes (revision pg1c3e9a70)


def tsquery(parsed: ParsedQuery, weight: str = "") -> str:
    """``to_tsquery`` syntax from tokens only. A token holds letters and digits and nothing
    else (see :data:`WORD`), so no operator, quote or backslash can hide in one; each is a
    quoted lexeme, a phrase's words are joined by ``<->``, a prefix ends in ``:*``, terms
    are joined by ``&`` and groups by ``|``. PostgreSQL then stems and folds each lexeme
    with the index's own configuration; stop words drop out (in a phrase they keep their
    place). ``weight`` ("B": the text's, not the title's) restricts every lexeme to it."""

    def term(t: Term) -> str:
        labels = [weight] * len(t.words)
        if t.prefix:
            labels[-1] = "*" + weight
        words = [f"'{w}':{label}" if label else f"'{w}'"
                 for w, label in zip(t.words, labels, strict=True)]
        return "(" + " <-> ".join(words) + ")"

    return " | ".join("(" + " & ".join(term(t) for t in group) + ")"
                      for group in parsed.groups)


# ts_headline parses the document as it indexes it, and drops what its parser takes for
# markup ("<b>", "&amp;"): the snippet must show the text as written, so "<" and "&" go in as
# private-use characters (no news text has them) and come back after.
HIDDEN = "\ue000\ue001"
UNHIDE = str.maketrans({"\ue000": "<", "\ue001": "&"})
# Between an article's paragraphs in its stored text (app.nlp.normalise joins them so).
PARAGRAPH_BREAK = "\n\n"


def _headline_options(**extra: object) -> str:
    options = {"StartSel": MARK_START, "StopSel": MARK_END, **extra}
    return ", ".join(f"{name}={value}" for name, value in options.items())


# Articles and quotes in one statement (one round trip to the server instead of two), each
# part ranked and limited first in a subquery of its own, so that only the hits shown get a
# headline and each part keeps its own plan: joined to the headlines, the planner chose a
# scan of every quote over the GIN index, even for a rare word. The bound comes before, in
# a statement of its own: as constants, the planner reads a bounded word's matches off the
# primary key and a rare word's off the GIN index alone (computed in the same statement,
# the bound was unknown when planning, and a rare word's plan read all the primary key).
#
# An article's headline is made from its first paragraph that matches (see the module's
# docstring): the text is split once (reading a stored piece of it with substr() fetched
# and decompressed the text again for each paragraph), the paragraphs are put in order
# behind OFFSET 0 so that the match is tried on one after another, and the first that
# matches ends it (with the order and the match in one query level, the planner matched
# every paragraph before sorting). The search is skipped when the text itself has no match
# (the title's words weigh A, the text's B: a rare word of a title): then the headline
# shows the start of the first paragraph, as ts_headline shows the start of a text it
# finds nothing in.
_POSTGRESQL_SEARCH = f"""
SELECT part, n, key, label, marked, rank, article_slug FROM (
(SELECT 0 AS part, row_number() OVER (ORDER BY top.rank DESC, a.id) AS n, a.slug AS key,
        a.title AS label,
        ts_headline('{TS_CONFIG}', translate(
            CASE WHEN piece.text IS NOT NULL THEN piece.text
                 WHEN a.search_vector @@ to_tsquery('{TS_CONFIG}', :text_q) THEN a.text
                 ELSE split_part(a.text, :paragraph_break, 1) END, '<&', :hidden),
            top.query, :article_options) AS marked,
        top.rank AS rank, NULL AS article_slug
   FROM (SELECT a.id, query, ts_rank(a.search_vector, query) AS rank
           FROM articles a, to_tsquery('{TS_CONFIG}', :q) AS query
          WHERE a.search_vector @@ query AND a.id > :articles_after
          ORDER BY rank DESC, a.id LIMIT :limit) AS top
   JOIN articles a ON a.id = top.id
   LEFT JOIN LATERAL (
        SELECT p.text FROM (SELECT text FROM unnest(string_to_array(a.text, :paragraph_break))
                                   WITH ORDINALITY AS p(text, n) ORDER BY n OFFSET 0) AS p
         WHERE a.search_vector @@ to_tsquery('{TS_CONFIG}', :text_q)
           AND to_tsvector('{TS_CONFIG}', p.text) @@ top.query LIMIT 1) AS piece ON true)
UNION ALL
(SELECT 1, row_number() OVER (ORDER BY top.rank DESC, q.id), q.id, e.name,
        ts_headline('{TS_CONFIG}', translate(q.text, '<&', :hidden), top.query,
                    :quote_options),
        top.rank, a.slug
   FROM (SELECT q.id, query, ts_rank(q.search_vector, query) AS rank
           FROM quotes q, to_tsquery('{TS_CONFIG}', :q) AS query
          WHERE q.search_vector @@ query AND q.article_id > :quotes_after
          ORDER BY rank DESC, q.id LIMIT :limit) AS top
   JOIN quotes q ON q.id = top.id
   JOIN articles a ON a.id = q.article_id
   LEFT JOIN entities e ON e.id = q.speaker_id)
) AS hits ORDER BY part, n"""


@lru_cache(maxsize=MAX_TERMS)
def _postgresql_cutoffs(alternatives: int) -> str:
    return (f"SELECT {_after(_POSTGRESQL_CUTOFFS[0], alternatives, 'LEAST')}, "
            f"{_after(_POSTGRESQL_CUTOFFS[1], alternatives, 'LEAST')}")


def _postgresql_search(session: Session, parsed: ParsedQuery, limit: int) -> _Found:
    # A plan for each search's own words: psycopg prepares a statement at its sixth run on a
    # connection, and PostgreSQL may then plan it once for any words; that generic plan read
    # a word in every article as if it were rare (all its matches off the GIN index, then
    # sorted: 17 ms for "said" in 10,000 articles, instead of 1 ms backwards off the key).
    session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    alternatives = [tsquery(g) for g in _alternatives(parsed)]
    articles_after, quotes_after = session.execute(
        text(_postgresql_cutoffs(len(alternatives))), _alternative_params(alternatives)
    ).one()
    rows = session.execute(
        text(_POSTGRESQL_SEARCH),
        {"q": tsquery(parsed), "text_q": tsquery(parsed, "B"), "limit": limit,
         "hidden": HIDDEN, "paragraph_break": PARAGRAPH_BREAK,
         "articles_after": articles_after, "quotes_after": quotes_after,
         "article_options": _headline_options(MaxWords=SNIPPET_WORDS,
                                              MinWords=SNIPPET_WORDS // 2),
         "quote_options": _headline_options(HighlightAll=1)},
    )
    found = _Found([], [], articles_after != NOT_BOUNDED, quotes_after != NOT_BOUNDED)
    for part, _, key, label, marked, rank, article_slug in rows:
        shown = unmark((marked or "").translate(UNHIDE))
        if part == 0:
            found.articles.append(ArticleHit(key, label, shown, _score(float(rank))))
        else:
            found.quotes.append(QuoteHit(key, shown, label, article_slug))
    return found


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
