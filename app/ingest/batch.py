"""Batch ingest of files and directories: the use case behind ``python -m app ingest``.

Files are read (``app.ingest.reading``: saved web pages through trafilatura), validated and
checked against the stored text first; the rest are parsed together in ``nlp.pipe`` batches
across articles and each is stored in a transaction of its own, by a process that stores one
article while the next is extracted (``Storer``). A file that cannot be read, validated,
parsed or stored is reported with its reason and never stops the batch.
"""

import multiprocessing
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.ingest.reading import (
    HTML_SUFFIXES,
    TEXT_SUFFIXES,
    FileText,
    UnreadableFile,
    read_file,
)
from app.ingest.service import (
    ArticleInput,
    IngestError,
    IngestOutcome,
    ingest_article,
    prepare,
    unchanged_outcome,
)
from app.nlp.normalise import NormalisedText, slugify

if TYPE_CHECKING:
    from multiprocessing.synchronize import Event as EventType

    from spacy.language import Language

    from app.nlp.types import Extraction

PIPE_ARTICLES = 8  # articles parsed in one nlp.pipe stream


def collect(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files to ingest (directories searched recursively for .txt, .md, .html, .htm) and
    the given paths that cannot be used, with the reason."""
    files: list[Path] = []
    problems: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES + HTML_SUFFIXES
            )
            if not found:
                problems.append((path, "cannot read: the directory holds no .txt, .md or "
                                       ".html files"))
            files.extend(found)
        else:
            files.append(path)
    return files, problems


def read_article(path: Path) -> FileText:
    """The article in a file (UTF-8 text, Markdown, or a saved web page's main text), read
    by the one reader that the browser's uploads use too."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise UnreadableFile("cannot read: it is a directory") from None
    except OSError as exc:
        raise UnreadableFile(f"cannot read: {exc.strerror or exc}") from None
    return read_file(path.name, data)


def slug_from_path(path: Path) -> str | None:
    """The file name as a slug; ``None`` (the title's slug) when the name has no letters."""
    slug = slugify(path.stem)
    return None if slug == "article" and path.stem.lower() != "article" else slug


@dataclass(frozen=True)
class FileResult:
    path: Path
    outcome: IngestOutcome | None = None
    error: str | None = None
    words: int = 0


@dataclass
class BatchSummary:
    files: int = 0
    created: int = 0
    revised: int = 0
    unchanged: int = 0
    failed: list[tuple[Path, str]] = field(default_factory=list)
    words: int = 0  # of the texts that were extracted
    seconds: float = 0.0
    processes: int = 1  # at work: extraction's, and storing's beside it

    def add(self, result: FileResult) -> None:
        self.files += 1
        if result.error is not None:
            self.failed.append((result.path, result.error))
            return
        assert result.outcome is not None
        status = result.outcome.status
        setattr(self, status, getattr(self, status) + 1)
        self.words += result.words

    @property
    def words_per_second(self) -> float:
        return self.words / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class Options:
    slug: str | None = None
    title: str | None = None
    source: str | None = None
    published: date | None = None
    max_chars: int = 200_000


@dataclass(frozen=True)
class _Pending:
    path: Path
    item: ArticleInput
    normalised: NormalisedText
    slug: str
    title: str


def ingest_files(
    factory: sessionmaker[Session],
    load_nlp: Callable[[], "Language"],
    files: Sequence[Path],
    options: Options,
    on_result: Callable[[FileResult], None] = lambda _: None,
    store_beside: bool = True,
) -> BatchSummary:
    """Ingest every file; ``on_result`` hears of each as it is done (in this process's
    thread). The model is loaded only if some file needs extraction. Articles are stored by
    a process of their own (``Storer``) while the next ones are extracted, unless
    ``store_beside`` is false (the rows stored are the same either way)."""
    summary = BatchSummary()
    started = time.perf_counter()

    def report(result: FileResult) -> None:
        summary.add(result)
        on_result(result)

    with Storer(factory, options.max_chars, store_beside) as storer:
        pending: list[_Pending] = []
        nlp: Language | None = None
        for i, path in enumerate(files):
            ready = _prepare(factory, path, options, report)
            if ready is not None:
                pending.append(ready)
            if pending and (len(pending) == PIPE_ARTICLES or i == len(files) - 1):
                storer.start()  # while the model loads
                nlp = nlp or load_nlp()
                for p, extraction in _extractions(nlp, pending):
                    if isinstance(extraction, str):
                        storer.fail(FileResult(p.path, error=extraction))
                    else:
                        storer.put(p.path, p.item, extraction, len(p.normalised.text.split()))
                    for result in storer.done():
                        report(result)
                pending = []
        for result in storer.finish():
            report(result)
        summary.processes = storer.processes
    summary.seconds = time.perf_counter() - started
    return summary


def _prepare(
    factory: sessionmaker[Session],
    path: Path,
    options: Options,
    report: Callable[[FileResult], None],
) -> _Pending | None:
    try:
        found = read_article(path)
        item = ArticleInput(
            found.text, options.slug or slug_from_path(path), options.title or found.title,
            options.source or found.source, options.published,
        )
        normalised, slug, title = prepare(item, options.max_chars)
        outcome = unchanged_outcome(factory, item, slug, normalised)
    except (UnreadableFile, IngestError) as exc:
        report(FileResult(path, error=str(exc)))
        return None
    except OperationalError as exc:
        report(FileResult(path, error=f"not stored: {_reason(exc)}"))
        return None
    if outcome is not None:
        report(FileResult(path, outcome))
        return None
    return _Pending(path, item, normalised, slug, title)


def _extractions(
    nlp: "Language", pending: list[_Pending]
) -> Iterator[tuple[_Pending, "Extraction | str"]]:
    """Each pending text with its extraction (or why it failed), parsed in one ``nlp.pipe``
    stream and handed on one article at a time."""
    from app.nlp.extract import extract, iter_extractions

    done = 0
    try:
        for extraction in iter_extractions(nlp, [p.normalised for p in pending]):
            yield pending[done], extraction
            done += 1
        return
    except Exception:  # one text broke the shared stream: extract the rest alone to find it
        pass
    for p in pending[done:]:
        try:
            yield p, extract(nlp, p.normalised)
        except Exception as exc:  # an extraction bug on one text must not stop the batch
            yield p, f"extraction failed: {type(exc).__name__}: {exc}"


class StoringFailed(RuntimeError):
    """The storing process stopped unexpectedly; the message says what was not stored."""


class _Stopped(RuntimeError):
    """Not stored: the batch was stopped (or storing an earlier article failed)."""


Store = Callable[..., IngestOutcome]  # ingest_article's signature; tests pass their own

# The storing process's state (``_start_storing`` sets it; never used in the parent).
_child: dict[str, Any] = {}


def _start_storing(url: str, stop: "EventType", store: Store) -> None:
    """In the storing process: connect, and leave Ctrl-C to the parent (which lets the
    article being stored finish and drops the rest)."""
    from app.db import make_engine, make_session_factory

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _child.update(factory=make_session_factory(make_engine(url)), stop=stop, store=store,
                  broken=False)


def _ready() -> None:
    """Warm the storing process (its imports and connection) while the parent loads spaCy."""
    from app import library

    library.load_knowledge()
    with _child["factory"]() as session:
        session.connection()


def _store_in_child(path: Path, item: ArticleInput, extraction: "Extraction",
                    max_chars: int, words: int) -> FileResult:
    if _child["broken"] or _child["stop"].is_set():
        raise _Stopped("not stored: the batch was stopped")
    try:
        return store_one(_child["factory"], path, item, extraction, max_chars, words,
                         _child["store"])
    except BaseException:
        _child["broken"] = True  # a bug, not a file's problem: store nothing after it
        raise


def store_one(factory: sessionmaker[Session], path: Path, item: ArticleInput,
              extraction: "Extraction", max_chars: int, words: int,
              store: Store = ingest_article) -> FileResult:
    """Store one extracted article through the one ingest entry point; a file's problem
    (bad input, the database unusable) is its result, anything else is raised."""
    try:
        outcome = store(factory, item, _given(extraction), max_chars)
    except IngestError as exc:
        return FileResult(path, error=str(exc))
    except OperationalError as exc:
        return FileResult(path, error=f"not stored: {_reason(exc)}")
    return FileResult(path, outcome, words=words)


class Storer:
    """Stores extracted articles, one at a time and in the order given, in a process of its
    own: storing an article (SQLAlchemy's and the library's Python, and on PostgreSQL the
    round trips to the server) runs while the parent extracts the next, which spaCy keeps
    busy. Each article goes through the one ingest entry point, in a transaction of its own,
    exactly as when stored in the parent, so its rows (ids included) and the locks it takes
    are the same.

    Results come back in order through ``done`` (those finished so far) and ``finish`` (all).
    An unexpected error (a bug, not a file's problem) stops the storing of the articles after
    it and is raised by ``done`` or ``finish``; leaving the ``with`` block early (an error,
    Ctrl-C) drops the articles not yet begun and waits for the one being stored, which
    commits or rolls back whole.

    ``beside=False``, or an in-memory SQLite database (which no other process can open),
    stores in the caller's process instead.
    """

    def __init__(self, factory: sessionmaker[Session], max_chars: int, beside: bool = True,
                 store: Store = ingest_article, queued: int = 2 * PIPE_ARTICLES) -> None:
        self.factory, self.max_chars, self.store, self.queued = factory, max_chars, store, queued
        engine = factory.kw["bind"]
        in_memory = engine.dialect.name == "sqlite" and engine.url.database in (None, "",
                                                                                ":memory:")
        self.beside = beside and not in_memory
        self.pool: ProcessPoolExecutor | None = None
        self.stop: EventType | None = None
        self.results: deque[Future[FileResult]] = deque()

    @property
    def processes(self) -> int:
        """The processes that did the work: the caller's, and the storing one beside it."""
        return 1 if self.pool is None else 2

    def start(self) -> "Future[None] | None":
        """Start the storing process now (it imports and connects while the caller loads
        spaCy); the future says when it is ready. Nothing to start when storing here."""
        if not self.beside or self.pool is not None:
            return None
        context = multiprocessing.get_context("spawn")
        self.stop = context.Event()
        url = self.factory.kw["bind"].url.render_as_string(hide_password=False)
        self.pool = ProcessPoolExecutor(1, mp_context=context, initializer=_start_storing,
                                        initargs=(url, self.stop, self.store))
        return self.pool.submit(_ready)

    def __enter__(self) -> "Storer":
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: Any) -> None:
        if self.pool is None:
            return
        if kind is not None and self.stop is not None:
            self.stop.set()  # the storing process begins no other article
        self.pool.shutdown(wait=True, cancel_futures=kind is not None)

    def put(self, path: Path, item: ArticleInput, extraction: "Extraction",
            words: int) -> None:
        """Store the article (``words``: its text's, for the summary)."""
        self.start()
        args = (path, item, extraction, self.max_chars, words)
        if self.pool is None:
            future: Future[FileResult] = Future()
            future.set_result(store_one(self.factory, *args, store=self.store))
        else:
            if len(self.results) >= self.queued:  # storing lags: wait, not hold every text
                wait([self.results[0]])
            future = self.pool.submit(_store_in_child, *args)
        self.results.append(future)

    def fail(self, result: FileResult) -> None:
        """A file's failure before storing, reported in its turn."""
        future: Future[FileResult] = Future()
        future.set_result(result)
        self.results.append(future)

    def done(self) -> Iterator[FileResult]:
        while self.results and self.results[0].done():
            yield self._result(self.results.popleft())

    def finish(self) -> Iterator[FileResult]:
        while self.results:
            yield self._result(self.results.popleft())

    def _result(self, future: "Future[FileResult]") -> FileResult:
        try:
            return future.result()
        except BrokenProcessPool:
            raise StoringFailed(
                "the storing process stopped unexpectedly: the files not reported as stored "
                "were not stored (each article is stored whole or not at all); run the "
                "command again to store them"
            ) from None


def _given(extraction: Any) -> Callable[[NormalisedText], Any]:
    """An extractor that answers with an extraction already made (from the shared stream)."""
    return lambda _text: extraction


def _reason(exc: Exception) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig if orig is not None else exc).splitlines()[0]
