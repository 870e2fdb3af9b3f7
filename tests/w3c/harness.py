"""Run the W3C Web Annotation test suite's JSON schemas (vendored, unmodified, from
w3c/web-annotation-tests) over JSON documents, the way its Web Platform Tests harness does.

Each ``.test`` file lists assertion schemas; every assertion declares its ``assertionType``
(``must``, ``should`` or ``may``) and an ``expectedResult`` (always ``valid`` in this suite).
A document that does not give the expected result fails that assertion: a failed MUST is a
conformance failure, a failed SHOULD or MAY only means an optional feature is not implemented.

Draft-04 ``format`` keywords (``uri``, ``date-time``) are checked, as the WPT harness (Ajv)
checks them; this needs jsonschema's format extras.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SUITE = Path(__file__).resolve().parent.parent / "vendor" / "web-annotation-tests"

# The suite's test files by what they take: one annotation, one collection, one page.
ANNOTATION_TESTS = (
    "annotations/annotationMusts.test",
    "annotations/annotationOptionals.test",
    "annotations/annotationsAgentOptionals.test",
)
COLLECTION_TESTS = ("collections/collectionMusts.test", "collections/collectionOptionals.test")
PAGE_TESTS = ("collections/pages/pageMusts.test", "collections/pages/pageOptionals.test")


@dataclass(frozen=True)
class Assertion:
    path: str  # relative to the suite root, as the .test file names it
    level: str  # must | should | may
    title: str
    error: str
    validator: Draft4Validator

    def holds(self, document: Any) -> bool:
        return bool(self.validator.is_valid(document))


@dataclass(frozen=True)
class Failure:
    document: str  # which document (its id)
    assertion: Assertion


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@cache
def _registry() -> Registry:  # type: ignore[type-arg]
    """Every schema of the suite under its own ``id`` (``bodyTarget.json``, ...), so the
    relative ``$ref``s between them resolve as in the browser harness."""
    resources = []
    for path in sorted(SUITE.glob("**/*.json")):
        if "tools" in path.relative_to(SUITE).parts:
            continue  # sample documents, not schemas
        schema = _load(path)
        if "id" in schema:
            resources.append((schema["id"], Resource(schema, specification=DRAFT4)))
    return Registry().with_resources(resources)


# Draft-4 keywords whose values are schemas: a dict of them, one, or a list of them
# ("definitions" are reached through the $refs that name them).
_SCHEMA_MAPS = ("properties", "patternProperties", "dependencies")
_SCHEMA_ONES = ("items", "additionalItems", "additionalProperties", "not")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "items")


class _Recursive(Exception):
    """A schema that refers to itself cannot be written out without its ``$ref``s."""


def _inlined(schema: Any, resolver: Any, expanding: tuple[int, ...] = ()) -> Any:
    """``schema`` with every ``$ref`` replaced by what it refers to, resolved as the validator
    resolves it (the suite's ids as base URIs). In draft 4 a ``$ref`` stands for the schema it
    names and its sibling keywords are ignored, so the result validates exactly as the
    original; jsonschema validates it several times faster (a ``$ref`` costs a registry
    look-up and a new validator at every use)."""
    if not isinstance(schema, dict):
        return schema
    if isinstance(schema.get("$ref"), str):
        resolved = resolver.lookup(schema["$ref"])
        if id(resolved.contents) in expanding:
            raise _Recursive(schema["$ref"])
        return _inlined(resolved.contents, resolved.resolver, (*expanding, id(resolved.contents)))
    if isinstance(schema.get("id"), str):
        resolver = resolver.in_subresource(DRAFT4.create_resource(schema))
    out = dict(schema)
    for key, value in schema.items():
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {k: _inlined(v, resolver, expanding) for k, v in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_inlined(v, resolver, expanding) for v in value]
        elif key in _SCHEMA_ONES and isinstance(value, dict):
            out[key] = _inlined(value, resolver, expanding)
    return out


def _validator(schema: dict[str, Any]) -> Draft4Validator:
    registry = _registry()
    resolver = registry.resolver_with_root(Resource(schema, specification=DRAFT4))
    try:
        schema = _inlined(schema, resolver)
    except _Recursive:
        pass  # validated through its $refs, as written
    return Draft4Validator(schema, registry=registry, format_checker=FormatChecker())


@cache
def assertions(test_file: str) -> tuple[Assertion, ...]:
    listed = _load(SUITE / test_file)["assertions"]
    found = []
    for rel in listed:
        schema = _load(SUITE / rel)
        if schema.get("expectedResult", "valid") != "valid":
            raise ValueError(f"{rel}: the harness only knows expectedResult 'valid'")
        validator = _validator(schema)
        found.append(Assertion(rel, schema["assertionType"], schema.get("title", rel),
                               schema.get("errorMessage", ""), validator))
    return tuple(found)


LEVELS = ("must", "should", "may")


def check(document: Any, test_files: tuple[str, ...],
          levels: tuple[str, ...] = LEVELS) -> Iterator[tuple[Assertion, bool]]:
    for test_file in test_files:
        for assertion in assertions(test_file):
            if assertion.level in levels:
                yield assertion, assertion.holds(document)


def failures(document: Any, test_files: tuple[str, ...], level: str) -> list[Assertion]:
    return [a for a, ok in check(document, test_files) if not ok and a.level == level]


def sample(name: str) -> Any:
    """A document from the suite's own correct/incorrect samples (``correct/anno1.json``)."""
    return _load(SUITE / "tools" / "samples" / name)


def sample_names(kind: str) -> list[str]:
    return sorted(f"{kind}/{p.name}" for p in (SUITE / "tools" / "samples" / kind).glob("*.json"))
