"""Domain knowledge loaded from ``app/nlp/data``: the lexicon and the gazetteer of names."""

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class KnownName:
    label: str
    canonical: str


@lru_cache
def lexicon() -> dict[str, Any]:
    """General English news-writing knowledge, one kind per file of ``data/lexicon/``
    (titles, speech verbs, designators, role nouns ...), by file name; loaded once."""
    data: dict[str, Any] = {}
    for path in sorted((DATA_DIR / "lexicon").glob("*.json")):
        with path.open(encoding="utf-8") as fh:
            data[path.stem] = json.load(fh)
    return data


@lru_cache
def patterns() -> tuple[dict[str, Any], ...]:
    """The entity ruler's patterns (``data/patterns.jsonl``, built by
    ``scripts/build_patterns.py``), parsed once for both the ruler and the gazetteer."""
    path = DATA_DIR / "patterns.jsonl"
    if not path.exists():
        return ()
    with path.open(encoding="utf-8") as fh:  # orjson: the same rows in half json's time
        return tuple(orjson.loads(line) for line in fh if line.strip())


@lru_cache
def gazetteer() -> dict[str, KnownName]:
    """Every string pattern of the knowledge file, by its exact text."""
    names: dict[str, KnownName] = {}
    for row in patterns():
        if isinstance(row.get("pattern"), str):
            names.setdefault(
                row["pattern"], KnownName(row["label"], row.get("id") or row["pattern"])
            )
    return names


@lru_cache
def alias_heads() -> dict[str, frozenset[str]]:
    """The last words of every name of a thing, by its id: "agency" for the World Health
    Organization (also "the UN health agency")."""
    heads: dict[str, set[str]] = {}
    for name, known in gazetteer().items():
        heads.setdefault(known.canonical, set()).add(name.split()[-1].lower())
    return {k: frozenset(v) for k, v in heads.items()}


def strip_article_prefix(name: str) -> str:
    """'al-Habbaniyah' and 'Habbaniyah' name the same place."""
    lowered = name.lower()
    for prefix in ("al-", "al ", "el-", "el ", "ad-", "as-", "ar-", "an-", "at-"):
        if lowered.startswith(prefix) and len(name) > len(prefix) + 2:
            return name[len(prefix) :]
    return name


def lookup(name: str) -> KnownName | None:
    names = gazetteer()
    return names.get(name) or names.get(strip_article_prefix(name))


@lru_cache
def words(name: str) -> frozenset[str]:
    """A word list of ``data/words/<name>.txt``: one lower-case word a line, ``#`` comments."""
    path = DATA_DIR / "words" / f"{name}.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(ln.strip().lower() for ln in lines if ln.strip() and not ln.startswith("#"))
