"""Is a database at the schema this code needs? Answered without importing Alembic.

Commands that use a database (``serve``, ``worker``, ``ingest``) check this before they start.
Importing Alembic to ask (its runtime pulls in every dialect's DDL, Mako and Pygments) cost
more CPU than the rest of the server's start-up together, so the two facts are read directly:

- the heads of ``alembic/versions``: the revisions no other revision names as its
  ``down_revision``, read from each file's module-level assignments with ``ast`` (Alembic's
  own files are literals: a string, ``None`` or a tuple of strings for a merge);
- the revisions the database records in Alembic's ``alembic_version`` table.

``tests/test_schema_version.py`` checks both against Alembic's own answers, so this cannot
drift from what ``python -m app migrate`` does.
"""

import ast
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Connection, inspect, text

from app.settings import PROJECT_ROOT

VERSIONS_DIR = PROJECT_ROOT / "alembic" / "versions"
VERSION_TABLE = "alembic_version"  # Alembic's default; alembic/env.py keeps it


def _assigned(path: Path) -> dict[str, object]:
    """The module-level ``revision`` and ``down_revision`` of one revision file."""
    found: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8"), str(path)).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            targets, value = [node.target.id], node.value
        elif isinstance(node, ast.Assign):
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            value = node.value
        else:
            continue
        for name in targets:
            if name in ("revision", "down_revision") and value is not None:
                found[name] = ast.literal_eval(value)
    return found


def _names(value: object) -> Iterable[str]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ValueError(f"not a revision id or a tuple of them: {value!r}")


def code_heads(directory: Path = VERSIONS_DIR) -> frozenset[str]:
    """The head revisions of the migration scripts in ``directory``."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted(directory.glob("*.py")):
        assigned = _assigned(path)
        if "revision" not in assigned:
            continue  # not a revision script (alembic skips it too)
        revision = assigned["revision"]
        if not isinstance(revision, str):
            raise ValueError(f"{path.name}: revision is not a string: {revision!r}")
        revisions.add(revision)
        parents.update(_names(assigned.get("down_revision")))
    return frozenset(revisions - parents)


def database_heads(conn: Connection) -> frozenset[str]:
    """The revisions ``alembic_version`` records (none: never migrated)."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return frozenset()
    rows = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))
    return frozenset(row[0] for row in rows)
