"""The text of a file that should become an article: plain text, Markdown, or a saved web
page's main text. The one reader behind both ways of adding files, ``python -m app ingest``
and the browser's upload form.

Web pages go through trafilatura, which keeps the article and drops navigation, footers,
scripts and comments; it is imported on first use, so a process that never reads a web page
never loads it.
"""

import re
from dataclasses import dataclass
from pathlib import PurePath

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
ACCEPTED = TEXT_SUFFIXES + HTML_SUFFIXES

_MD_HEADING = re.compile(r"\A\s*#\s+(.+?)\s*#*\s*(?:\n|\Z)")


class UnreadableFile(ValueError):
    """The file cannot become an article; the message says why."""


@dataclass(frozen=True)
class FileText:
    text: str
    title: str | None = None  # a Markdown heading, or a web page's title
    source: str | None = None  # a web page's own URL, when it names one


def display_name(filename: str | None) -> str:
    """The file's own name, without any directories a browser sent along."""
    name = PurePath((filename or "").replace("\\", "/")).name
    return name or "unnamed file"


def read_file(filename: str, data: bytes) -> FileText:
    """The article in a file's bytes; ``filename``'s suffix says how to read them (a web page
    for .html and .htm, UTF-8 text for anything else)."""
    suffix = PurePath(filename.lower()).suffix
    html = suffix in HTML_SUFFIXES
    try:
        decoded = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        binary = b"\x00" in data[:8192]
        if html and not binary:
            decoded = data.decode("utf-8", errors="replace")  # a page's meta charset aside
        else:
            kind = "a binary file" if binary else "not UTF-8 text"
            raise UnreadableFile(
                f"cannot read: {kind} (byte 0x{data[exc.start]:02x} at offset {exc.start} "
                "is not UTF-8); save the article as UTF-8 plain text"
            ) from None
    if html:
        return main_text_of_page(decoded)
    if suffix == ".md":
        heading = _MD_HEADING.match(decoded)
        if heading:
            return FileText(decoded[heading.end():], title=heading.group(1))
    return FileText(decoded)


def main_text_of_page(html: str | bytes) -> FileText:
    """A saved web page's article text (navigation, footers and scripts dropped), with its
    title and URL when the page states them."""
    import trafilatura

    try:
        document = trafilatura.bare_extraction(
            html, include_comments=False, include_tables=False, favor_precision=True,
            with_metadata=True,
        )
    except Exception as exc:  # noqa: BLE001 - a parser failure is the file's problem
        raise UnreadableFile(
            f"cannot read: the web page could not be parsed ({exc.__class__.__name__})"
        ) from None
    text = getattr(document, "text", None) if document is not None else None
    if not text or not text.strip():
        raise UnreadableFile("cannot read: no article text found in the web page")
    title = (getattr(document, "title", None) or "").strip() or None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if title and len(lines) > 1 and lines[0] == title:
        lines = lines[1:]  # the headline is the title, not the first paragraph
    source = getattr(document, "url", None)
    # trafilatura gives one paragraph a line; the reader's paragraphs are blank-line separated
    return FileText("\n\n".join(lines), title=title,
                    source=source if _is_web(source) else None)


def _is_web(url: object) -> bool:
    return isinstance(url, str) and url.startswith(("http://", "https://"))
