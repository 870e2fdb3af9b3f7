"""Batch ingest: directories, saved web pages, one bad file among good ones, nlp.pipe."""

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.ingest import batch
from app.models import Article

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
