"""The ingest command: loads several files with one model, is idempotent, fails clearly.

The first test runs real ``python -m app ingest`` processes (the model loaded by the command
itself); the others run the same ``main`` in this process (the ``cli`` fixture)."""

import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from app.db import make_engine
from app.models import Article, Entity, Quote
from app.settings import BUNDLED_ARTICLE
from tests.conftest import Cli


def run_cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"DATABASE_URL": db_url, "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "app", *args], capture_output=True, text=True, env=env
    )


def counts(db_url: str) -> tuple[int, list[int], list[str]]:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        articles = conn.scalar(select(func.count()).select_from(Article)) or 0
        entity_ids = list(conn.scalars(select(Entity.id).order_by(Entity.id)))
        quote_ids = list(conn.scalars(select(Quote.id).order_by(Quote.id)))
    engine.dispose()
    return articles, entity_ids, quote_ids


def test_reingesting_the_same_file_leaves_one_article_with_same_ids(db_url: str) -> None:
    first = run_cli(db_url, "ingest", str(BUNDLED_ARTICLE))
    assert first.returncode == 0, first.stderr
    assert "created /articles/ramadi" in first.stdout
    before = counts(db_url)
    second = run_cli(db_url, "ingest", str(BUNDLED_ARTICLE))
    assert second.returncode == 0 and "unchanged" in second.stdout
    assert counts(db_url) == before
    assert before[0] == 1


def test_several_files_in_one_call(cli: Cli, db_url: str, tmp_path: Path) -> None:
    other = tmp_path / "mosul-report.txt"
    other.write_text("Iraqi forces entered Mosul on Tuesday.\n\nThe fighting went on.")
    result = cli(db_url, "ingest", str(BUNDLED_ARTICLE), str(other), "--published", "2015-05-17")
    assert result.returncode == 0, result.stderr
    assert counts(db_url)[0] == 2
    assert "/articles/mosul-report" in result.stdout


def test_bad_input_is_a_clear_error(cli: Cli, db_url: str, tmp_path: Path) -> None:
    missing = cli(db_url, "ingest", str(tmp_path / "nope.txt"))
    assert missing.returncode != 0 and "cannot read" in missing.stderr
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    result = cli(db_url, "ingest", str(empty))
    assert result.returncode != 0 and "empty" in result.stderr
    bad_date = cli(db_url, "ingest", str(BUNDLED_ARTICLE), "--published", "17/05/2015")
    assert bad_date.returncode != 0 and "YYYY-MM-DD" in bad_date.stderr
    two = cli(db_url, "ingest", str(BUNDLED_ARTICLE), str(empty), "--slug", "x")
    assert two.returncode != 0 and "single file" in two.stderr
    assert counts(db_url)[0] == 0
