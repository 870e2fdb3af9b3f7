"""The command line with bad files, bad databases and revisions: a clear ``error: …`` on
stderr, a non-zero exit, no traceback, and nothing written.

Commands run in this process (the ``cli`` fixture: ``app.cli.main`` with the environment a
process would get), except where the process itself is tested: ``python -m app`` with no
command, a first ``migrate``, and each command's refusal of an unmigrated database."""

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from app.db import make_engine
from app.settings import BUNDLED_ARTICLE
from tests.conftest import Cli, CliRun
from tests.test_cli import counts, run_cli

EXIT_INPUT, EXIT_DATABASE = 2, 4


def fails_clearly(result: subprocess.CompletedProcess[str] | CliRun, code: int, *needles: str
                  ) -> None:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert result.stderr.startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    for needle in needles:
        assert needle in result.stderr, (needle, result.stderr)


# ---------------------------------------------------------------- bad files


@pytest.mark.parametrize(
    ("name", "content", "needles"),
    [
        ("latin1.txt", "Caf\u00e9 in Ramadi was closed.".encode("latin-1"), ("not UTF-8", "0xe9")),
        ("utf16.txt", "Fighters attacked Ramadi.".encode("utf-16"), ("not UTF-8",)),
        ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\xff\xd8", ("binary file",)),
        ("zeros.txt", b"Fighters attacked\x00\x00\x00 Ramadi.", ("NUL", "binary")),
        ("blank.txt", b"  \n\n\t\r\n", ("empty",)),
        ("nothing.txt", b"", ("empty",)),
    ],
)
def test_unusable_file_is_a_clear_error(cli: Cli, db_url: str, tmp_path: Path, name: str,
                                        content: bytes, needles: tuple[str, ...]) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = cli(db_url, "ingest", str(path))
    fails_clearly(result, EXIT_INPUT, str(path), *needles)
    assert counts(db_url)[0] == 0


def test_an_empty_directory_or_missing_file_is_a_clear_error(cli: Cli, db_url: str,
                                                            tmp_path: Path) -> None:
    (tmp_path / "notes.csv").write_text("not an article")
    fails_clearly(cli(db_url, "ingest", str(tmp_path)), EXIT_INPUT, "cannot read",
                  "directory holds no .txt, .md or .html files")
    fails_clearly(cli(db_url, "ingest", str(tmp_path / "nope.txt")), EXIT_INPUT,
                  "cannot read", "No such file")


def test_one_bad_file_never_stops_the_batch(cli: Cli, db_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00")
    good = tmp_path / "good.txt"
    good.write_text("Fighters attacked Ramadi on Monday.")
    result = cli(db_url, "ingest", str(bad), str(good))
    fails_clearly(result, EXIT_INPUT, str(bad), "not UTF-8")
    assert counts(db_url)[0] == 1, "the good file after the bad one is stored"
    assert "files: 2, created: 1, revised: 0, unchanged: 0, failed: 1" in result.stdout
    assert f"failed: {bad}: cannot read" in result.stdout


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--slug", "Bad Slug"], ("invalid slug",)),
        (["--title", "t" * 501], ("title is longer than 500",)),
        (["--source", "s" * 2001], ("source is longer than 2000",)),
        (["--published", "2015-02-30"], ("YYYY-MM-DD",)),
    ],
)
def test_bad_options_are_clear_errors(cli: Cli, db_url: str, args: list[str],
                                      needles: tuple[str, ...]) -> None:
    result = cli(db_url, "ingest", str(BUNDLED_ARTICLE), *args)
    assert result.returncode == EXIT_INPUT
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in result.stderr
    assert counts(db_url)[0] == 0


# ---------------------------------------------------------------- bad databases


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "plain-file"
    path.write_text("not a directory")
    return path


@pytest.mark.parametrize("command", [["migrate"], ["ingest", str(BUNDLED_ARTICLE)],
                                     ["ingest-default"], ["serve", "--port", "1"]])
def test_database_in_an_unwritable_place_is_a_clear_error(cli: Cli, a_file: Path,
                                                          command: list[str]) -> None:
    # A regular file where a directory should be: unwritable even for root.
    url = f"sqlite:///{a_file / 'sub' / 'reader.db'}"
    result = cli(url, *command)
    fails_clearly(result, EXIT_DATABASE, str(a_file))


@pytest.mark.parametrize("command", [["migrate"], ["ingest", str(BUNDLED_ARTICLE)]])
@pytest.mark.parametrize("url", ["nonsense", "nosuchdialect://x/y"])
def test_a_database_url_that_is_not_one_is_a_clear_error(cli: Cli, url: str,
                                                          command: list[str]) -> None:
    fails_clearly(cli(url, *command), EXIT_DATABASE, url.split(":")[0])


@pytest.mark.parametrize("command", [["ingest", str(BUNDLED_ARTICLE)], ["ingest-default"],
                                     ["serve", "--port", "1"]])
def test_before_migrate_commands_say_to_migrate_and_create_nothing(tmp_path: Path,
                                                                   command: list[str]) -> None:
    path = tmp_path / "data" / "reader.db"
    result = run_cli(f"sqlite:///{path}", *command)
    fails_clearly(result, EXIT_DATABASE, "python -m app migrate", str(path))
    assert not path.exists(), "a mistyped DATABASE_URL must not start a new database"


def test_an_unmigrated_or_outdated_database_says_to_migrate(cli: Cli, empty_db_url: str
                                                           ) -> None:
    engine = make_engine(empty_db_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE unrelated (id INTEGER)"))
    result = cli(empty_db_url, "ingest", str(BUNDLED_ARTICLE))
    fails_clearly(result, EXIT_DATABASE, "has no schema", "python -m app migrate")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
        conn.execute(text("INSERT INTO alembic_version VALUES ('0000_older')"))
    engine.dispose()
    result = cli(empty_db_url, "ingest", str(BUNDLED_ARTICLE))
    fails_clearly(result, EXIT_DATABASE, "0000_older", "python -m app migrate")


def test_migrate_then_ingest_works_on_a_new_path(cli: Cli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'dir' / 'reader.db'}"
    migrated = run_cli(url, "migrate")  # a real process
    assert migrated.returncode == 0, migrated.stderr
    again = cli(url, "migrate")  # idempotent
    assert again.returncode == 0, again.stderr
    other = tmp_path / "report.txt"
    other.write_text("Iraqi forces entered Mosul on Tuesday.\n\nThe fighting went on.")
    result = cli(url, "ingest", str(other))
    assert result.returncode == 0, result.stderr
    assert "created /articles/report" in result.stdout


def test_a_file_name_without_letters_takes_its_slug_from_the_title(cli: Cli, db_url: str,
                                                                   tmp_path: Path) -> None:
    path = tmp_path / "تقرير.txt"
    path.write_text("Iraqi forces entered Mosul on Tuesday, officials said.")
    result = cli(db_url, "ingest", str(path))
    assert result.returncode == 0, result.stderr
    assert "/articles/iraqi-forces-entered-mosul-on-tuesday" in result.stdout


# ---------------------------------------------------------------- revisions (real extraction)


def _entities(db_url: str) -> dict[str, int]:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT key, id FROM entities")).all()
    engine.dispose()
    return {key: id_ for key, id_ in rows}


@pytest.mark.slow
def test_a_changed_text_is_a_revision_that_keeps_surviving_ids(cli: Cli, db_url: str,
                                                               tmp_path: Path) -> None:
    from tests.web.test_api_robustness import orphans

    path = tmp_path / "ramadi.txt"
    original = BUNDLED_ARTICLE.read_text(encoding="utf-8")
    path.write_text(original, encoding="utf-8")
    first = cli(db_url, "ingest", str(path))
    assert first.returncode == 0, first.stderr
    before = _entities(db_url)
    _, _, quotes_before = counts(db_url)

    # Drop one body paragraph: most entities survive, some may go, offsets all move.
    paragraphs = original.split("\n\n")
    cut = next(i for i, p in enumerate(paragraphs) if i > 2 and "Habbaniyah" in p)
    path.write_text("\n\n".join(paragraphs[:cut] + paragraphs[cut + 1 :]), encoding="utf-8")
    second = cli(db_url, "ingest", str(path))
    assert second.returncode == 0, second.stderr
    assert "revised /articles/ramadi (revision 2)" in second.stdout
    after = _entities(db_url)
    survivors = set(before) & set(after)
    assert len(survivors) > len(before) // 2
    assert all(after[k] == before[k] for k in survivors)

    engine = make_engine(db_url)
    with engine.connect() as conn:
        article_text = conn.execute(text("SELECT text FROM articles")).scalar_one()
        mentions = conn.execute(text('SELECT start, "end", text FROM mentions')).all()
        paragraphs_stored = conn.execute(text("SELECT count(*) FROM paragraphs")).scalar_one()
    engine.dispose()
    assert "Habbaniyah" not in article_text or paragraphs[cut] not in article_text
    assert all(article_text[s:e] == t for s, e, t in mentions), "no mention of the old text"
    assert paragraphs_stored == len(paragraphs) - 1
    from sqlalchemy.orm import sessionmaker

    assert orphans(sessionmaker(make_engine(db_url))) == {}
    _, _, quotes_after = counts(db_url)
    assert set(quotes_after) & set(quotes_before), "unchanged quotes keep their ids"


def test_cli_errors_never_show_a_traceback_for_a_missing_command() -> None:
    result = subprocess.run([sys.executable, "-m", "app"], capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_a_bad_public_url_is_a_clear_error(cli: Cli, db_url: str) -> None:
    result = cli(db_url, "migrate", env={"PUBLIC_URL": "news.example"})
    fails_clearly(result, EXIT_INPUT, "PUBLIC_URL")
