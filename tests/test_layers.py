"""Imports point one way: the web uses the store and plain extraction data; the spaCy code
(``app.nlp``) never imports the database or the web; the web never imports spaCy; the store
never imports the web.

Read from the source with ``ast`` (every import statement, also those inside functions), so a
forbidden import fails here even on a code path no other test runs.
"""

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "app"

# Modules of app.nlp that import no spaCy, so the web server may use them.
PURE_NLP = frozenset({"app.nlp", "app.nlp.normalise", "app.nlp.types", "app.nlp.labels",
                      "app.nlp.knowledge"})
STORE = ("app.models", "app.db", "app.repository")
DATABASE = ("sqlalchemy", "alembic", "psycopg", *STORE)
WEB = ("app.web", "fastapi", "starlette", "jinja2", "uvicorn")
SPACY = ("spacy", "thinc")


def module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_in(source: str, package: str = "", top_level_only: bool = False) -> list[str]:
    """Every module an import statement names (``from a.b import c`` gives ``a.b`` and, in
    case ``c`` is a module, ``a.b.c``); relative imports resolved against ``package``."""
    tree = ast.parse(source)
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    names: list[str] = []
    for node in nodes:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            names.append(base)
            names += [f"{base}.{alias.name}" for alias in node.names]
    return names


def modules_of(package: str) -> list[Path]:
    root = APP.parent.joinpath(*package.split("."))
    return sorted(root.rglob("*.py")) if root.is_dir() else [root.with_suffix(".py")]


def imports_of(path: Path, top_level_only: bool = False) -> list[str]:
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    return imports_in(path.read_text(encoding="utf-8"), package, top_level_only)


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def allowed_nlp(name: str) -> bool:
    """``app.nlp.types`` and the names imported from it (``app.nlp.types.Extraction``)."""
    return name in PURE_NLP or name.rpartition(".")[0] in PURE_NLP


def violations(package: str, forbidden: tuple[str, ...], top_level_only: bool = False,
               allow_pure_nlp: bool = False) -> list[str]:
    return [
        f"{module_name(path)} imports {name}"
        for path in modules_of(package)
        for name in imports_of(path, top_level_only)
        if within(name, forbidden) and not (allow_pure_nlp and allowed_nlp(name))
    ]


def test_nlp_never_imports_the_database_or_the_web() -> None:
    assert violations("app.nlp", (*DATABASE, *WEB, "app.ingest", "app.cli")) == []


def test_web_never_imports_spacy_or_the_spacy_code() -> None:
    assert violations("app.web", (*SPACY, "app.nlp"), allow_pure_nlp=True) == []


@pytest.mark.parametrize("module", STORE)
def test_store_never_imports_the_web_or_spacy(module: str) -> None:
    assert violations(module, (*WEB, *SPACY, "app.nlp", "app.ingest")) == []


@pytest.mark.parametrize("module", ("app.library", "app.library_corrections", "app.search"))
def test_library_store_uses_only_plain_knowledge_data(module: str) -> None:
    """Identity rules need the knowledge file's keys (plain data), never spaCy or the web."""
    assert violations(module, (*WEB, *SPACY, "app.nlp", "app.ingest"), allow_pure_nlp=True) == []


def test_ingest_loads_the_spacy_code_only_inside_the_worker_child() -> None:
    """The web server imports ``app.ingest``: at module level it may use only the pure parts of
    ``app.nlp``; the spaCy code is imported inside the function the child process runs."""
    found = violations("app.ingest", (*SPACY, "app.nlp", *WEB), top_level_only=True,
                       allow_pure_nlp=True)
    assert found == []


@pytest.mark.parametrize("module", sorted(PURE_NLP - {"app.nlp"}))
def test_the_pure_nlp_modules_import_no_spacy(module: str) -> None:
    impure = tuple(module_name(p) for p in modules_of("app.nlp")
                   if module_name(p) not in PURE_NLP)
    assert violations(module, (*SPACY, *impure)) == []


def test_the_checker_finds_imports_inside_functions_and_relative_ones() -> None:
    source = "def f():\n    from sqlalchemy.orm import Session\n    from .. import models\n"
    names = imports_in(source, package="app.nlp")
    assert "sqlalchemy.orm" in names and "app.models" in names
    assert imports_in(source, top_level_only=True) == []
