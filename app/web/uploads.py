"""The text of an uploaded file: plain text, Markdown, or a saved web page's main text.

Web pages go through trafilatura, which keeps the article and drops navigation, footers,
scripts and comments. It is imported on first use, so a server that never receives a web
page never loads it.
"""

import re
from dataclasses import dataclass
from pathlib import PurePath

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
ACCEPTED = TEXT_SUFFIXES + HTML_SUFFIXES
MAX_FILE_BYTES = 10 * 1024 * 1024

_MD_HEADING = re.compile(r"\A\s*#\s+(.+?)\s*#*\s*(?:\n|\Z)")


class UnreadableFile(ValueError):
    """The file cannot become an article; the message says why."""


@dataclass(frozen=True)
class FileText:
    text: str
    title: str | None = None
    source: str | None = None


def display_name(filename: str | None) -> str:
    """The file's own name, without any directories a browser sent along."""
    name = PurePath((filename or "").replace("\\", "/")).name
    return name or "unnamed file"


def read_upload(filename: str, data: bytes) -> FileText:
    suffix = PurePath(filename.lower()).suffix
    if suffix not in ACCEPTED:
        raise UnreadableFile(
            f"{suffix or 'no extension'}: only {', '.join(ACCEPTED)} files can be added"
        )
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFile(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    if suffix in HTML_SUFFIXES:
        return _web_page(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile("the file is not UTF-8 text") from None
    if suffix == ".md":
        heading = _MD_HEADING.match(text)
        if heading:
            return FileText(text[heading.end():], title=heading.group(1))
    return FileText(text)


def _web_page(data: bytes) -> FileText:
    import trafilatura

    try:
        document = trafilatura.bare_extraction(
            data, include_comments=False, include_tables=False, with_metadata=True,
        )
    except Exception as exc:  # noqa: BLE001 - a parser failure is the file's problem
        reason = exc.__class__.__name__
        raise UnreadableFile(f"the web page could not be parsed ({reason})") from None
    text = getattr(document, "text", None) if document is not None else None
    if not text or not text.strip():
        raise UnreadableFile("no article text was found in the web page")
    title = (getattr(document, "title", None) or "").strip() or None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if title and lines and lines[0] == title:
        lines = lines[1:]  # the headline is the title, not the first paragraph
    source = getattr(document, "url", None)
    # trafilatura ends each paragraph with one newline; articles here separate them by blank lines.
    return FileText("\n\n".join(lines), title=title, source=source if _is_web(source) else None)


def _is_web(url: object) -> bool:
    return isinstance(url, str) and url.startswith(("http://", "https://"))
