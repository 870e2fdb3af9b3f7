"""Batch ingest: directories, saved web pages, one bad file among good ones, nlp.pipe."""

import os
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.ingest import batch
from app.ingest.service import ArticleInput, ingest_article
from app.models import Article
from app.nlp.types import Extraction

PAGE = """<!doctype html><html><head><title>Mosul report</title>
<script>var tracking = "do not keep me";</script></head>
<body><nav><a href="/">Home</a> | <a href="/world">World</a> | Subscribe now</nav>
<article><h1>Iraqi forces advance on Mosul</h1>
<p>Iraqi forces advanced on the western edge of Mosul on Tuesday, officers said, as Islamic
State fighters fell back toward the old city after a week of heavy fighting.</p>
<p>Residents said the bridges over the Tigris had been damaged and that food was scarce in the
neighbourhoods still held by the militants.</p>
</article><footer>Copyright 2017 Example News. All rights reserved.</footer></body></html>"""


def test_directories_are_searched_and_a_bad_file_never_stops_the_batch(
    tmp_path: Path, session_factory: sessionmaker[Session], nlp  # type: ignore[no-untyped-def]
) -> None:
    (tmp_path / "iraq" / "2015").mkdir(parents=True)
    (tmp_path / "iraq" / "2015" / "ramadi-report.txt").write_text(
        "Islamic State fighters attacked Ramadi on Sunday.\n\nThe police retreated.")
    (tmp_path / "iraq" / "fallujah-notes.md").write_text(
        "Fighters entered Fallujah on Monday.\n\nResidents fled toward Baghdad.")
    (tmp_path / "iraq" / "mosul-page.html").write_text(PAGE)
    (tmp_path / "iraq" / "broken.txt").write_bytes(b"\xff\xfe\x00\x00")
    (tmp_path / "iraq" / "image.png").write_bytes(b"\x89PNG")  # not an article: skipped
    files, problems = batch.collect([tmp_path])
    assert problems == []
    assert sorted(p.name for p in files) == [
        "broken.txt", "fallujah-notes.md", "mosul-page.html", "ramadi-report.txt"]
    heard: list[batch.FileResult] = []
    summary = batch.ingest_files(session_factory, lambda: nlp, files, batch.Options(),
                                 heard.append)
    assert (summary.files, summary.created, summary.unchanged, len(summary.failed)) == (4, 3, 0, 1)
    assert summary.failed[0][0].name == "broken.txt" and "not UTF-8" in summary.failed[0][1]
    assert summary.words > 40 and summary.words_per_second > 0
    assert len(heard) == 4
    with session_factory() as session:
        slugs = set(session.scalars(select(Article.slug)))
        page = session.scalar(select(Article).where(Article.slug == "mosul-page"))
    assert slugs == {"ramadi-report", "fallujah-notes", "mosul-page"}
    assert page is not None and "Subscribe" not in page.text
    again = batch.ingest_files(session_factory, lambda: nlp, files, batch.Options())
    assert (again.unchanged, again.created, len(again.failed)) == (3, 0, 1)


def test_the_model_is_not_loaded_when_nothing_needs_extraction(
    tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    bad = tmp_path / "empty.txt"
    bad.write_text("\n\n")

    def no_model() -> object:
        raise AssertionError("the model was loaded")

    summary = batch.ingest_files(session_factory, no_model, [bad], batch.Options())  # type: ignore[arg-type]
    assert len(summary.failed) == 1 and "empty" in summary.failed[0][1]


REPORTS = [
    "Islamic State fighters attacked Ramadi on Sunday, said Col. Ahmed al-Jubouri, a "
    "spokesman for the Anbar police.\n\n\"We will hold the city,\" al-Jubouri said. The Iraqi "
    "army sent the Golden Division from Baghdad.",
    "Fighters entered Fallujah on Monday.\n\nSheikh Omar al-Dulaimi, a tribal leader, said the "
    "Iraqi army and the Anbar police had retreated toward Baghdad.",
    "The Popular Mobilization Forces reached Tikrit on Tuesday.\n\nCol. Ahmed al-Jubouri said "
    "Islamic State fighters had mined the roads into Ramadi and Fallujah.",
]


def _reports(folder: Path) -> list[Path]:
    folder.mkdir()
    for i, text in enumerate(REPORTS):
        (folder / f"report-{i}.txt").write_text(text)
    return sorted(folder.iterdir())


def _all_rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows in key order, without their timestamps."""
    from sqlalchemy import DateTime, create_engine

    from app.models import Base

    engine = create_engine(url)
    found = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if not isinstance(c.type, DateTime)]
            key = list(table.primary_key.columns) or columns
            found[table.name] = [tuple(r) for r in conn.execute(select(*columns).order_by(*key))]
    engine.dispose()
    return found


def test_storing_beside_extraction_stores_the_same_rows_with_the_same_ids(
    tmp_path: Path, databases, nlp  # type: ignore[no-untyped-def]
) -> None:
    from app.db import make_engine, make_session_factory

    files = _reports(tmp_path / "reports")
    urls = [databases.migrated(), databases.migrated()]
    try:
        for url, in_thread in zip(urls, (True, False), strict=True):
            engine = make_engine(url)
            summary = batch.ingest_files(make_session_factory(engine), lambda: nlp, files,
                                         batch.Options(), store_beside=in_thread)
            engine.dispose()
            assert (summary.created, summary.failed) == (3, [])
            assert summary.processes == (2 if in_thread else 1)
        beside, alone = (_all_rows(url) for url in urls)
        assert beside["mentions"] and beside["library_entities"]
        assert beside == alone
    finally:
        for url in urls:
            databases.drop(url)


def test_results_are_heard_in_order_and_the_summary_says_how_many_processes(
    tmp_path: Path, session_factory: sessionmaker[Session], nlp  # type: ignore[no-untyped-def]
) -> None:
    files = _reports(tmp_path / "reports")
    (tmp_path / "reports" / "report-1.txt").write_text("\n\n")  # fails before extraction
    heard: list[str] = []
    summary = batch.ingest_files(session_factory, lambda: nlp, files, batch.Options(),
                                 lambda r: heard.append(r.path.name))
    assert heard == ["report-1.txt", "report-0.txt", "report-2.txt"]
    assert (summary.created, len(summary.failed), summary.processes) == (2, 1, 2)
    assert summary.words == sum(len(REPORTS[i].split()) for i in (0, 2))


# Stand-ins for the ingest entry point, run in the storing process (so defined at module level).


def store_with_a_bug_on_the_second(factory, item, *args, **kwargs):  # type: ignore[no-untyped-def]
    if item.slug == "second":
        raise ZeroDivisionError("a bug")
    return ingest_article(factory, item, *args, **kwargs)


def store_slowly(factory, item, *args, **kwargs):  # type: ignore[no-untyped-def]
    (Path(os.environ["STORE_MARKERS"]) / item.slug).touch()  # begun
    time.sleep(1)
    return ingest_article(factory, item, *args, **kwargs)


def _pending(tmp_path: Path) -> list[tuple[Path, ArticleInput, Extraction, int]]:
    texts = {slug: f"Fighters entered {slug.title()} on Monday.\n\nResidents fled."
             for slug in ("first", "second", "third")}
    return [(tmp_path / f"{slug}.txt", ArticleInput(text, slug), Extraction([], [], []), 6)
            for slug, text in texts.items()]


def _slugs(factory: sessionmaker[Session]) -> list[str]:
    with factory() as session:
        return sorted(session.scalars(select(Article.slug)))


def test_a_bug_while_storing_is_raised_and_nothing_after_it_is_stored(
    tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    with pytest.raises(ZeroDivisionError), \
            batch.Storer(session_factory, 1000, store=store_with_a_bug_on_the_second) as storer:
        for pending in _pending(tmp_path):
            storer.put(*pending)
        list(storer.finish())
    assert _slugs(session_factory) == ["first"]


def test_leaving_early_finishes_the_article_being_stored_and_drops_the_rest(
    tmp_path: Path, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STORE_MARKERS", str(tmp_path))
    with pytest.raises(KeyboardInterrupt), \
            batch.Storer(session_factory, 1000, store=store_slowly) as storer:
        for pending in _pending(tmp_path):
            storer.put(*pending)
        for _ in range(600):  # until the first has begun (the process may start slowly)
            if (tmp_path / "first").exists():
                break
            time.sleep(0.05)
        raise KeyboardInterrupt  # as Ctrl-C while the next text is extracted
    assert _slugs(session_factory) == ["first"]
    assert not (tmp_path / "third").exists()
