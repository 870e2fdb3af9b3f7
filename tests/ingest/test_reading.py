"""The one file reader: plain text, Markdown, saved web pages; the CLI's batch ingest and the
browser's uploads read a file alike."""

from pathlib import Path

import pytest

from app.ingest import batch, reading
from app.web.uploads import read_upload
from tests.ingest.test_batch import PAGE


def test_a_saved_page_gives_its_main_text_title_and_no_chrome() -> None:
    found = reading.main_text_of_page(PAGE)
    assert "Iraqi forces advanced on the western edge of Mosul" in found.text
    assert "Residents said the bridges" in found.text
    for dropped in ("tracking", "Subscribe", "Copyright", "Home | World"):
        assert dropped not in found.text
    assert "\n\n" in found.text, "paragraphs stay paragraphs"
    assert found.title in ("Iraqi forces advance on Mosul", "Mosul report")
    assert not found.text.startswith(found.title), "the headline is the title, not the text"


def test_markdown_headings_become_titles_and_a_bom_is_dropped() -> None:
    found = reading.read_file("notes.md", "\ufeff# Fallujah notes\n\nFighters entered.".encode())
    assert found == reading.FileText("Fighters entered.", title="Fallujah notes")
    plain = reading.read_file("notes.txt", "\ufeffFighters entered.".encode())
    assert plain == reading.FileText("Fighters entered.")


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("latin1.txt", "Café in Ramadi".encode("latin-1"), "not UTF-8 text (byte 0xe9"),
        ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff", "a binary file"),
        ("empty.html", b"<html><head><script>track()</script></head><body></body></html>",
         "no article text"),
    ],
)
def test_unreadable_files_say_why(name: str, data: bytes, says: str) -> None:
    with pytest.raises(reading.UnreadableFile, match="cannot read") as error:
        reading.read_file(name, data)
    assert says in str(error.value)


def test_the_cli_and_the_browser_read_a_file_alike(tmp_path: Path) -> None:
    for name, data in (("page.html", PAGE.encode()), ("page.htm", PAGE.encode("latin-1")),
                       ("notes.md", b"# Notes\n\nFighters entered Fallujah."),
                       ("report.txt", b"Daesh shelled Mosul.\n\nNobody came.")):
        path = tmp_path / name
        path.write_bytes(data)
        assert batch.read_article(path) == read_upload(name, data), name
