"""Search: the query parser, FTS5 on SQLite, entities by alias, hostile strings."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from app.db import session_scope
from app.ingest.service import ArticleInput, prepare, store
from app.nlp.types import ExtractedEntity, ExtractedQuote, Extraction, MentionSpan
from app.search import (
    MARK_END,
    MARK_START,
    MAX_QUERY_CHARS,
    Marked,
    ParsedQuery,
    QueryError,
    Term,
    fts5_query,
    parse,
    search,
    tsquery,
    unmark,
)
from tests.conftest import only_on


def test_parse_words_phrases_prefixes_and_or() -> None:
    parsed = parse('Habban* "tribal  leader" al-Alwani OR Ramadi')
    assert parsed.groups == [
        [Term(("Habban",), prefix=True), Term(("tribal", "leader")), Term(("al", "Alwani"))],
        [Term(("Ramadi",))],
    ]
    assert fts5_query(parsed) == '("Habban"* AND "tribal leader" AND "al Alwani") OR ("Ramadi")'
    assert tsquery(parsed) == ("(('Habban':*) & ('tribal' <-> 'leader') & ('al' <-> 'Alwani'))"
                               " | (('Ramadi'))")
    assert tsquery(parsed, "B") == ("(('Habban':*B) & ('tribal':B <-> 'leader':B) & "
                                    "('al':B <-> 'Alwani':B)) | (('Ramadi':B))")


@pytest.mark.parametrize(
    "hostile",
    ['"', '"unbalanced', "NEAR(", "NEAR(a b", "-", "*", "**", "a OR", "OR OR", "AND",
     "(", ")", "title:ramadi", "^ramadi", "\x00", "a\x00b", "'; DROP TABLE articles; --",
     '""', '" "', "_", "ramadi*\x00", "{col}:x", "x" * MAX_QUERY_CHARS],
)
def test_hostile_strings_parse_to_safe_queries(hostile: str) -> None:
    parsed = parse(hostile)
    for group in parsed.groups:
        for term in group:
            assert all(w.isalnum() for w in term.words)


def test_overlong_queries_are_refused_with_a_reason() -> None:
    with pytest.raises(QueryError, match="characters long"):
        parse("x" * (MAX_QUERY_CHARS + 1))
    with pytest.raises(QueryError, match="terms"):
        parse(" ".join(["word"] * 40))


def test_unmark() -> None:
    marked = unmark("the \x02fall\x03 of \x02Ramadi\x03")
    assert marked.text == "the fall of Ramadi"
    assert [marked.text[s:e] for s, e in marked.marks] == ["fall", "Ramadi"]


def _unmark_by_character(raw: str) -> Marked:
    """The plain reading of the markers, one character at a time."""
    out, marks, start = "", [], None
    for ch in raw:
        if ch == MARK_START:
            start = len(out)
        elif ch == MARK_END:
            if start is not None and len(out) > start:
                marks.append((start, len(out)))
            start = None
        else:
            out += ch
    return Marked(out, tuple(marks))


@settings(max_examples=300, deadline=None)
@given(raw=st.text(alphabet=st.sampled_from(["a", "é", " ", "…", MARK_START, MARK_END]),
                   max_size=40))
def test_unmark_reads_any_markers_as_one_character_at_a_time(raw: str) -> None:
    """Stray, doubled or unclosed markers included (a snippet can cut a match in two)."""
    assert unmark(raw) == _unmark_by_character(raw)


TEXT = """Islamic State fighters seized Ramadi on Sunday.

Nasser al-Alwani said the fighters approached from Habbaniyah. “We were abandoned by Baghdad,” \
he said. The retreat from the city was chaotic, a café owner in Ramadi said."""


def _extraction(body: str) -> Extraction:
    def spans(form: str) -> list[MentionSpan]:
        out, i = [], body.find(form)
        while i != -1:
            out.append(MentionSpan(i, i + len(form), form))
            i = body.find(form, i + 1)
        return out

    quote = "We were abandoned by Baghdad,"
    q = body.find(quote)
    quotes = [ExtractedQuote(q, q + len(quote), quote, "direct", "actor:nasser al-alwani", None)]
    entities = [
            ExtractedEntity("actor:islamic state", "Islamic State", "actor", "armed group",
                            ["Daesh"], spans("Islamic State")),
            ExtractedEntity("location:ramadi", "Ramadi", "location", "city", [], spans("Ramadi")),
            ExtractedEntity("location:habbaniyah", "Habbaniyah", "location", "city", [],
                            spans("Habbaniyah")),
            ExtractedEntity("actor:nasser al-alwani", "Nasser al-Alwani", "actor", "person", [],
                            spans("Nasser al-Alwani")),
    ]
    return Extraction([e for e in entities if e.mentions], quotes if q >= 0 else [],
                      [(0, len(body))])


@pytest.fixture
def stored(session_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    for slug, body in (("ramadi-falls", TEXT),
                       ("elsewhere", "Fighting continued in Mosul on Monday.\n\nNo one spoke.")):
        item = ArticleInput(body, slug)
        normalised, slug, title = prepare(item)
        with session_scope(session_factory) as session:
            store(session, item, normalised, slug, title, _extraction(normalised.text))
    return session_factory


@pytest.mark.parametrize(
    ("query", "slugs"),
    [
        ("Ramadi", ["ramadi-falls"]),
        ("ramadi", ["ramadi-falls"]),
        ("fighter", ["ramadi-falls"]),  # porter: "fighters"
        ("Habban*", ["ramadi-falls"]),
        ('"abandoned by Baghdad"', ["ramadi-falls"]),
        ('"Baghdad abandoned"', []),
        ("cafe", ["ramadi-falls"]),  # diacritics folded
        ("CAFÉ", ["ramadi-falls"]),
        ("Ḥabbānīyah", ["ramadi-falls"]),
        ('"Ramadi on Sunday"', ["ramadi-falls"]),
        ("Mosul OR Habbaniyah", ["ramadi-falls", "elsewhere"]),
        ("Mosul Habbaniyah", []),
        ("Monday", ["elsewhere"]),
    ],
)
def test_article_search(stored: sessionmaker[Session], query: str, slugs: list[str]) -> None:
    with stored() as session:
        found = search(session, query)
    assert sorted(a.slug for a in found.articles) == sorted(slugs)
    for hit in found.articles:
        assert hit.snippet.marks, "the snippet shows where it matched"
        assert "\x02" not in hit.snippet.text and "\x03" not in hit.snippet.text


def test_an_alias_finds_its_entity_and_quotes_are_found(stored: sessionmaker[Session]) -> None:
    with stored() as session:
        daesh = search(session, "Daesh")
        assert [e.name for e in daesh.entities] == ["Islamic State"]
        assert daesh.articles == [], "the alias is not in the text"
        found = search(session, "abandoned")
        assert [(q.text.text, q.speaker_name, q.article_slug) for q in found.quotes] == [
            ("We were abandoned by Baghdad,", "Nasser al-Alwani", "ramadi-falls")]
        assert found.quotes[0].text.marks == ((8, 17),)
        assert [e.name for e in search(session, "alwani fled").entities] == ["Nasser al-Alwani"]
        assert [e.name for e in search(session, "Habb*").entities] == ["Habbaniyah"]


def test_a_quoted_phrase_finds_an_entity_only_by_the_whole_phrase(
    stored: sessionmaker[Session],
) -> None:
    with stored() as session:
        names = lambda q: [e.name for e in search(session, q).entities]  # noqa: E731
        assert names("Ramadi fighters") == ["Ramadi"], "words: any run of them is a name"
        assert names('"Ramadi fighters"') == [], "a phrase names only itself"
        assert names('"Nasser al-Alwani"') == ["Nasser al-Alwani"]
        assert names('"Alwani" seized') == ["Nasser al-Alwani"]
        assert names('Nasser "al-Alwani"') == ["Nasser al-Alwani"], "a run takes the phrase"
        assert names('"Islamic State" OR Habbaniyah') == ["Islamic State", "Habbaniyah"]


def test_scores_of_a_word_most_articles_hold_are_not_rounded_away(
    stored: sessionmaker[Session],
) -> None:
    """FTS5 weighs a word found in over half the library at about 1e-6: the score keeps
    significant digits, so a hit never reads as 0 and the order stays visible."""
    item = ArticleInput("Ramadi was quiet again on Tuesday, residents of Ramadi said.", "again")
    normalised, slug, title = prepare(item)
    with session_scope(stored) as session:
        store(session, item, normalised, slug, title, _extraction(normalised.text))
    with stored() as session:
        hits = search(session, "Ramadi").articles
    assert sorted(h.slug for h in hits) == ["again", "ramadi-falls"]
    assert all(h.score > 0 for h in hits), hits
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_the_index_follows_revisions_and_deletions(stored: sessionmaker[Session]) -> None:
    revised = TEXT.replace("Habbaniyah", "Khalidiya")
    item = ArticleInput(revised, "ramadi-falls")
    normalised, slug, title = prepare(item)
    with session_scope(stored) as session:
        store(session, item, normalised, slug, title, _extraction(normalised.text))
    with stored() as session:
        assert search(session, "Habbaniyah").articles == []
        assert [a.slug for a in search(session, "Khalidiya").articles] == ["ramadi-falls"]
    with session_scope(stored) as session:
        _delete(session, "ramadi-falls")
    with stored() as session:
        assert search(session, "Ramadi").articles == []
        assert search(session, "abandoned").quotes == []
        assert search(session, "Islamic").entities == []
        if session.get_bind().dialect.name == "sqlite":  # FTS5's own table: no stale rows
            leftovers = session.execute(text("SELECT count(*) FROM quotes_fts")).scalar()
            assert leftovers == 0


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=60) | st.lists(
    st.sampled_from(['"', "*", "-", "NEAR(", "OR", "AND", "NOT", "(", ")", ":", "^", "ramadi",
                     "Habban*", "\x00", "é", "'", "{", "}", "+", ",", "café"]),
    max_size=12).map(" ".join))
def test_any_string_searches_or_is_refused(stored: sessionmaker[Session], query: str) -> None:
    with stored() as session:
        try:
            found = search(session, query)
        except QueryError:
            return
        assert found.query == query


def test_an_empty_query_finds_nothing(stored: sessionmaker[Session]) -> None:
    with stored() as session:
        assert search(session, "   ").articles == []
        assert not ParsedQuery()


def _delete(session: Session, slug: str) -> bool:
    """Delete through the one delete service; False when there is no such article."""
    from sqlalchemy import select as _select

    from app.ingest.service import delete_article
    from app.models import Article

    article = session.scalar(_select(Article).where(Article.slug == slug))
    if article is None:
        return False
    delete_article(session, article)
    return True


# ---------------------------------------------------------------- each engine's own index


def _explain(session: Session, sql: str, **params: object) -> str:
    return "\n".join(str(row[-1]) for row in session.execute(text(sql), params))


@only_on("sqlite", "FTS5 is SQLite's full-text index")
def test_sqlite_searches_its_fts5_index(stored: sessionmaker[Session]) -> None:
    with stored() as session:
        assert session.execute(text("SELECT rowid FROM articles_fts WHERE articles_fts "
                                    "MATCH :q"), {"q": fts5_query(parse("cafe"))}).all()
        plan = _explain(session, "EXPLAIN QUERY PLAN SELECT rowid FROM articles_fts "
                        "WHERE articles_fts MATCH 'ramadi'")
    assert "VIRTUAL TABLE INDEX" in plan, plan


@only_on("postgresql", "tsvector and GIN are PostgreSQL's full-text index")
def test_postgresql_searches_its_tsvector_columns_through_gin(
    stored: sessionmaker[Session],
) -> None:
    with stored() as session:
        # The generated column follows the text: stemmed, diacritics folded, title weighted.
        vector = session.execute(text(
            "SELECT search_vector::text FROM articles WHERE slug = 'ramadi-falls'")).scalar()
        assert "'cafe'" in str(vector) and "'fighter'" in str(vector)
        session.execute(text("SET LOCAL enable_seqscan = off"))  # two rows: force the index
        for table, index in (("articles", "ix_articles_search"),
                             ("quotes", "ix_quotes_search")):
            plan = _explain(session, f"EXPLAIN SELECT 1 FROM {table} WHERE search_vector @@ "
                            "to_tsquery('newsreader', :q)", q=tsquery(parse("abandoned")))
            assert index in plan, plan


# ---------------------------------------------------------------- the bounded ranking


def _store_plain(factory: sessionmaker[Session], slug: str, body: str) -> None:
    item = ArticleInput(body, slug)
    normalised, slug, title = prepare(item)
    with session_scope(factory) as session:
        store(session, item, normalised, slug, title, _extraction(normalised.text))


@pytest.fixture
def harvests(stored: sessionmaker[Session]) -> sessionmaker[Session]:
    """Four articles with "harvest", stored oldest first; the oldest says it most (exact
    ranking puts it first) and is the only one, with "elsewhere", to name Mosul."""
    _store_plain(stored, "harvest-1", "The harvest, the harvest and the harvest again.\n\n"
                 "Farmers near Mosul said the harvest was the best harvest in years.")
    for n in (2, 3, 4):
        _store_plain(stored, f"harvest-{n}", f"Report {n}: the harvest began in the north.\n\n"
                     "Prices at the market were steady and the roads were open again.")
    return stored


def test_every_match_is_ranked_up_to_the_bound(harvests: sessionmaker[Session]) -> None:
    with harvests() as session:
        found = search(session, "harvest")
    assert sorted(a.slug for a in found.articles) == [f"harvest-{n}" for n in (1, 2, 3, 4)]
    assert found.articles[0].slug == "harvest-1", "the article that says it most ranks first"
    assert not found.articles_recent_only


def test_a_word_in_more_articles_than_the_bound_ranks_the_most_recent(
    harvests: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("app.search.CANDIDATES", 2)
    with harvests() as session:
        found = search(session, "harvest")
        assert sorted(a.slug for a in found.articles) == ["harvest-3", "harvest-4"]
        assert found.articles_recent_only and found.candidates == 2
        assert all(a.snippet.marks and a.score > 0 for a in found.articles)
        # Two alternatives, each over the bound: at least the 2 newest of each are ranked.
        both = search(session, "harvest OR prices")
        assert {"harvest-3", "harvest-4"} <= {a.slug for a in both.articles}
        assert "harvest-1" not in {a.slug for a in both.articles} and both.articles_recent_only
        # An alternative within the bound (Mosul: 2 articles) ranks the whole library.
        mixed = search(session, "harvest OR Mosul")
        assert sorted(a.slug for a in mixed.articles) == [
            "elsewhere", "harvest-1", "harvest-2", "harvest-3", "harvest-4"]
        assert not mixed.articles_recent_only
        # A group of words is one alternative: its own matches are counted.
        assert not search(session, "harvest Mosul").articles_recent_only
        assert search(session, "harvest again").articles_recent_only
        assert [a.slug for a in search(session, "harvest", limit=1).articles] in (
            ["harvest-3"], ["harvest-4"])


def test_quotes_over_the_bound_are_the_most_recently_stored(
    stored: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in (2, 3):  # with "ramadi-falls", three articles quote "We were abandoned"
        _store_plain(stored, f"ramadi-{n}", TEXT.replace("Sunday", f"day {n}"))
    with stored() as session:
        assert len(search(session, "abandoned").quotes) == 3
    monkeypatch.setattr("app.search.CANDIDATES", 2)
    with stored() as session:
        found = search(session, "abandoned")
    assert sorted(q.article_slug for q in found.quotes) == ["ramadi-2", "ramadi-3"]
    assert found.quotes_recent_only


def test_the_shown_quotes_are_highlighted_whichever_matches_lie_between(
    stored: sessionmaker[Session],
) -> None:
    """Quotes are highlighted in one pass over the matches between the first and last shown
    (SQLite): a match in between that is not shown stays out, each shown one is marked."""
    for n in (2, 3):
        _store_plain(stored, f"ramadi-{n}", TEXT.replace("Sunday", f"day {n}"))
    with stored() as session:
        every = search(session, "abandoned").quotes
        for shown in (1, 2):
            some = search(session, "abandoned", limit=shown).quotes
            assert [q.id for q in some] == [q.id for q in every[:shown]]
            assert all(q.text.marks for q in some)
    assert len(every) == 3 and all(q.text.marks for q in every)


def test_a_phrase_across_paragraphs_still_gets_its_snippet(
    stored: sessionmaker[Session],
) -> None:
    """PostgreSQL makes a snippet from the first paragraph that matches on its own; a
    phrase that runs from one paragraph into the next matches none, and the whole text is
    used, as it always is on SQLite."""
    _store_plain(stored, "across", "Officials met in the capital on Monday afternoon\n\n"
                 "Tuesday brought more talks about the water supply.")
    with stored() as session:
        found = search(session, '"Monday afternoon Tuesday"')
    assert [a.slug for a in found.articles] == ["across"]
    marked = found.articles[0].snippet
    assert marked.marks, marked
    first = marked.text[marked.marks[0][0]:marked.marks[0][1]]
    assert first.startswith("Monday"), marked  # one mark (SQLite) or one a word


@only_on("postgresql", "ts_headline on a piece of the text is the PostgreSQL path")
def test_postgresql_makes_the_snippet_from_the_first_paragraph_that_matches(
    stored: sessionmaker[Session],
) -> None:
    filler = " ".join(["Officials gave no further details about the situation."] * 6)
    _store_plain(stored, "first-match", f"{filler}\n\nThe harvest began early this year.\n\n"
                 f"{filler} The harvest, the harvest, the harvest was large.")
    with stored() as session:
        hit = search(session, "harvest").articles[0]
    assert hit.snippet.text == "The harvest began early this year.", hit.snippet
    assert [hit.snippet.text[s:e] for s, e in hit.snippet.marks] == ["harvest"]


@only_on("postgresql", "ts_headline on a piece of the text is the PostgreSQL path")
def test_postgresql_snippet_of_a_title_only_match_is_the_start_of_the_text(
    stored: sessionmaker[Session],
) -> None:
    item = ArticleInput("Officials gave no further details about the situation in the north "
                        "of the province on Monday.\n\nLater paragraphs follow here.",
                        "title-only", title="Zarqawi network broken up")
    normalised, slug, title = prepare(item)
    with session_scope(stored) as session:
        store(session, item, normalised, slug, title, _extraction(normalised.text))
    with stored() as session:
        hit = search(session, "Zarqawi").articles[0]
    assert hit.slug == "title-only" and not hit.snippet.marks
    assert hit.snippet.text == ("Officials gave no further details about the situation in "
                                "the north of"), hit.snippet



@only_on("postgresql", "psycopg's prepared statements and PostgreSQL's generic plans")
def test_postgresql_plans_each_search_for_its_own_words(
    harvests: sessionmaker[Session],
) -> None:
    """A reader's connection keeps the statements psycopg prepared (app.db.end_reader), and
    PostgreSQL may then plan one once for any words: search plans for the words it has."""
    from app.db import end_reader, reader_session

    for _ in range(14):  # prepared at the sixth run; a generic plan is tried after five more
        session = reader_session(harvests)
        assert search(session, "harvest").articles
        end_reader(session)
    session = reader_session(harvests)  # the same pooled connection
    plans = session.execute(text(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
        "WHERE statement LIKE '%search_vector%'")).all()
    end_reader(session)
    assert plans, "the search's statements were prepared"
    assert all(generic == 0 for generic, _ in plans), plans
