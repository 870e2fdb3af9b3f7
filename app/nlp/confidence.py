"""Calibrated confidence for what extraction finds.

Each mention, entity, role and quote carries features, most specific first (its method,
form, type, how it was found). ``data/confidence.json`` holds, per kind and feature, the share
of such predictions that were right on the gold files, smoothed towards the more general
feature; it is computed by ``tests/eval/calibrate.py``, never typed by hand. A prediction gets
the value of its most specific feature that the table knows.
"""

import json
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from app.nlp.knowledge import DATA_DIR

TABLE_FILE = DATA_DIR / "confidence.json"
KINDS = ("mentions", "entities", "roles", "quotes")
# Methods in order of strength: an entity is as sure as its best-founded mention.
METHOD_ORDER = ("knowledge", "rule", "model", "description")


@lru_cache
def table() -> dict[str, Any]:
    if not TABLE_FILE.exists():
        return {}
    data: dict[str, Any] = json.loads(TABLE_FILE.read_text(encoding="utf-8"))
    return data


def confidence(kind: str, features: Sequence[str]) -> float:
    """The calibrated value of the first of ``features`` the table knows, else the kind's
    overall rate ("*"), else 0.5 (nothing known)."""
    values: dict[str, float] = table().get(kind, {}).get("values", {})
    for feature in features:
        if feature in values:
            return values[feature]
    return values.get("*", 0.5)


def mention_features(method: str, form: str, label: str, copied: bool) -> tuple[str, ...]:
    copy = "copy" if copied else "first"
    return (
        f"{method}|{form}|{label}|{copy}",
        f"{method}|{form}|{label}",
        f"{method}|{form}",
        method,
    )


def entity_features(method: str, kind: str, names: int) -> tuple[str, ...]:
    many = "several" if names > 1 else ("one" if names == 1 else "none")
    return (f"{method}|{kind}|{many}", f"{method}|{many}", method)


def role_features(cue: str, organisation: str) -> tuple[str, ...]:
    return (f"{cue}|{organisation}", cue)


def quote_features(cue: str) -> tuple[str, ...]:
    kind = cue.split("|", 1)[0]
    return (cue, kind)


def best_method(methods: Sequence[str]) -> str:
    ranked = [m for m in METHOD_ORDER if m in methods]
    return ranked[0] if ranked else "rule"
