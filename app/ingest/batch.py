"""Batch ingest of files and directories: the use case behind ``python -m app ingest``.

Files are read (``app.ingest.reading``: saved web pages through trafilatura), validated and
checked against the stored text first; the rest are parsed together in ``nlp.pipe`` batches
across articles and each is stored in a transaction of its own. A file that cannot be read,
validated, parsed or stored is reported with its reason and never stops the batch.
"""

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
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
    prepare,
    save,
    unchanged_outcome,
)
from app.nlp.normalise import NormalisedText, slugify

if TYPE_CHECKING:
    from spacy.language import Language

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
) -> BatchSummary:
    """Ingest every file; ``on_result`` hears of each as it is done. The model is loaded
    only if some file needs extraction."""
    summary = BatchSummary()
    started = time.perf_counter()

    def report(result: FileResult) -> None:
        summary.add(result)
        on_result(result)

    pending: list[_Pending] = []
    nlp: Language | None = None
    for path in files:
        ready = _prepare(factory, path, options, report)
        if ready is not None:
            pending.append(ready)
        if len(pending) == PIPE_ARTICLES:
            nlp = nlp or load_nlp()
            for result in _extract_and_store(factory, nlp, pending):
                report(result)
            pending = []
    if pending:
        nlp = nlp or load_nlp()
        for result in _extract_and_store(factory, nlp, pending):
            report(result)
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


def _extract_and_store(
    factory: sessionmaker[Session], nlp: "Language", pending: list[_Pending]
) -> Iterator[FileResult]:
    """Parse the pending texts in one stream, then store each by the ingest entry point's last
    step (``save``: a transaction of its own, which stores the text as new, as a revision, or
    as unchanged if another writer stored it meanwhile). The entry point's earlier steps ran in
    ``_prepare``: running them again cost each article a transaction of its own."""
    from app.nlp.extract import extract, extract_many

    try:
        extractions: list[Any] | None = extract_many(nlp, [p.normalised for p in pending])
    except Exception:  # one text broke the shared stream: extract each alone to find it
        extractions = None
    for i, p in enumerate(pending):
        try:
            extraction = (extractions[i] if extractions is not None
                          else extract(nlp, p.normalised))
        except Exception as exc:  # an extraction bug on one text must not stop the batch
            yield FileResult(p.path, error=f"extraction failed: {type(exc).__name__}: {exc}")
            continue
        try:
            outcome = save(factory, p.item, p.normalised, p.slug, p.title, extraction)
        except IngestError as exc:
            yield FileResult(p.path, error=str(exc))
            continue
        except OperationalError as exc:
            yield FileResult(p.path, error=f"not stored: {_reason(exc)}")
            continue
        yield FileResult(p.path, outcome, words=len(p.normalised.text.split()))


def _reason(exc: Exception) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig if orig is not None else exc).splitlines()[0]
