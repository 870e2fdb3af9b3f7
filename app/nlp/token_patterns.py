"""spaCy token patterns compiled to small Python tests, tried only where they can match.

spaCy's ``Matcher`` tries every pattern at every token, many through Python-level predicates
(``{"ORTH": {"IN": [...]}}``, ``REGEX``): with hundreds of patterns that is as slow as a
statistical model. A ``PatternSet`` finds the same matches (every ``(start, end)`` each pattern
matches, as the ``Matcher`` reports them without ``greedy``) but tries a pattern only where a
token it cannot match without stands (its *anchor*, chosen when it is compiled), and a pattern
with no anchor only in texts that hold a word it needs.

A token is a *row* of strings, one per field the caller names (``fields``): the token text
and its lower-case form, and for a parsed ``Doc`` its tag and dependency label. Supported:
string attributes with a string, ``IN``, ``NOT_IN`` or ``REGEX`` (searched, as spaCy does);
``IS_TITLE``, ``IS_DIGIT`` and ``IS_SPACE`` (``str.istitle`` ... of the text, spaCy's lexical
flags); the operators ``?``, ``*``, ``+``. Anything else raises ``Unsupported``: the caller
leaves that pattern to spaCy.
"""

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Row = tuple[str, ...]  # one token's fields
TokenTest = Callable[[Row], bool]
TEXT_FIELD = 0  # every row starts with the token text ...
LOWER_FIELD = 1  # ... and its lower-case form (spaCy's LOWER is the text's str.lower())
LEXICAL_FIELDS: Mapping[str, int] = {"ORTH": TEXT_FIELD, "TEXT": TEXT_FIELD, "LOWER": LOWER_FIELD}
FLAGS: Mapping[str, Callable[[str], bool]] = {
    "IS_TITLE": str.istitle, "IS_DIGIT": str.isdigit, "IS_SPACE": str.isspace,
}
OPERATORS = frozenset({"?", "*", "+", "1"})


class Unsupported(ValueError):
    """A token pattern a ``PatternSet`` does not compile (spaCy's ``Matcher`` takes it)."""


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one object a spec
class TokenSpec:
    test: TokenTest
    op: str  # "1" (exactly once), "?", "*" or "+"
    # field -> the values a matching token must have there, where the spec says
    allowed: Mapping[int, frozenset[str]]

    @property
    def optional(self) -> bool:
        return self.op in ("?", "*")


@dataclass(frozen=True, eq=False)
class TokenPattern:
    specs: tuple[TokenSpec, ...]
    key: int  # the caller's: which rule or entry it comes from
    fixed: bool = dataclasses.field(init=False)  # every spec matches exactly one token

    def __post_init__(self) -> None:
        object.__setattr__(self, "fixed", all(s.op == "1" for s in self.specs))

    def ends(self, rows: Sequence[Row], start: int) -> list[int]:
        """Every end of a non-empty match starting at ``start`` (all of them, as spaCy's
        ``Matcher`` reports them): the pattern run as a token-level NFA."""
        specs, last = self.specs, len(self.specs)
        if self.fixed:  # one possible end: no automaton needed
            if start + last > len(rows):
                return []
            for k, spec in enumerate(specs):
                if not spec.test(rows[start + k]):
                    return []
            return [start + last]
        states = self._closure({0})
        found: list[int] = []
        i = start
        while states:
            if last in states and i > start:
                found.append(i)
            if i == len(rows):
                break
            row = rows[i]
            moved: set[int] = set()
            for p in states:
                if p < last and specs[p].test(row):
                    moved.add(p + 1)
                    if specs[p].op in ("*", "+"):
                        moved.add(p)
            states = self._closure(moved)
            i += 1
        return found

    def _closure(self, states: set[int]) -> set[int]:
        todo, done = list(states), set(states)
        while todo:
            p = todo.pop()
            if p < len(self.specs) and self.specs[p].optional and p + 1 not in done:
                done.add(p + 1)
                todo.append(p + 1)
        return done

    @property
    def first_test(self) -> TokenTest | None:
        """The test the first token must pass, when the first spec is not optional."""
        return None if self.specs[0].optional else self.specs[0].test

    def anchor(self) -> tuple[int, frozenset[str], tuple[int, ...]] | None:
        """A token the pattern cannot match without, and where it can stand in a match: a
        field, the values that spec allows there and its possible offsets from the start.

        Only a spec with no ``*`` or ``+`` before it has offsets to list. Among those, the
        one with the longest shortest value is taken (long words are rare words: a pattern
        is tried where "refinery" stands, not at every hyphen), then the fewest values and
        offsets, then lower-case forms before other fields."""
        best: tuple[tuple[int, int, int, bool], int, frozenset[str], tuple[int, ...]] | None
        best = None
        least = most = 0  # tokens the specs before this one take
        for spec in self.specs:
            if spec.op in ("*", "+"):
                break
            if not spec.optional:
                offsets = tuple(range(least, most + 1))
                for field, values in spec.allowed.items():
                    if not values:
                        continue
                    rank = (-min(len(v) for v in values), len(values), len(offsets),
                            field != LOWER_FIELD)
                    if best is None or rank < best[0]:
                        best = (rank, field, values, offsets)
            least += 0 if spec.optional else 1
            most += 1
        return None if best is None else best[1:]

    def required(self) -> tuple[int, frozenset[str]] | None:
        """A field and values of which a text must hold one for the pattern to match there
        (the fewest values among the specs that must match; None: no such spec)."""
        options = [(len(values), field, values) for spec in self.specs if not spec.optional
                   for field, values in spec.allowed.items()]
        if not options:
            return None
        _, field, values = min(options, key=lambda o: (o[0], o[1] != LOWER_FIELD))
        return field, values


def compile_spec(spec: Mapping[str, Any], fields: Mapping[str, int]) -> TokenSpec:
    """One token of a spaCy token pattern as a test of a row (``fields``: attribute name ->
    the row's field holding it)."""
    op = spec.get("OP", "1")
    if op not in OPERATORS:
        raise Unsupported(f"operator {op!r}")
    tests: list[TokenTest] = []
    allowed: dict[int, frozenset[str]] = {}

    def allow(field: int, values: frozenset[str]) -> None:
        allowed[field] = allowed[field] & values if field in allowed else values

    for key, value in spec.items():
        if key == "OP":
            continue
        if key in FLAGS and isinstance(value, bool):
            tests.append(_flag_test(FLAGS[key], value))
        elif key in fields:
            field = fields[key]
            test, values = _string_test(field, value)
            tests.append(test)
            if values is not None:
                allow(field, values)
                if field == TEXT_FIELD:  # a text's lower-case form is its str.lower()
                    allow(LOWER_FIELD, frozenset(v.lower() for v in values))
        else:
            raise Unsupported(f"attribute {key!r}")
    if not tests:
        raise Unsupported("a token with no attribute")
    return TokenSpec(_all(tests), op, allowed)


def _string_test(field: int, value: Any) -> tuple[TokenTest, frozenset[str] | None]:
    if isinstance(value, str):
        return (lambda row: row[field] == value), frozenset({value})
    if isinstance(value, dict) and len(value) == 1:
        [(predicate, argument)] = value.items()
        if predicate == "IN" and _strings(argument):
            members = frozenset(argument)
            return (lambda row: row[field] in members), members
        if predicate == "NOT_IN" and _strings(argument):
            excluded = frozenset(argument)
            return (lambda row: row[field] not in excluded), None
        if predicate == "REGEX" and isinstance(argument, str):
            regex = re.compile(argument)  # spaCy searches, it does not match from the start
            return (lambda row: regex.search(row[field]) is not None), None
    raise Unsupported(f"value {value!r}")


def _flag_test(flag: Callable[[str], bool], wanted: bool) -> TokenTest:
    return lambda row: flag(row[TEXT_FIELD]) == wanted


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _all(tests: list[TokenTest]) -> TokenTest:
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:  # the common case, without a generator
        first, second = tests
        return lambda row: first(row) and second(row)
    return lambda row: all(test(row) for test in tests)


class PatternSet:
    """Compiled token patterns, each with the caller's key; ``matches`` finds them all."""

    def __init__(self, fields: Mapping[str, int]) -> None:
        self.fields = fields
        self.count = 0
        # patterns by an anchor's (field, value), with the anchor's offsets
        self.anchored: dict[tuple[int, str], list[tuple[TokenPattern, tuple[int, ...]]]] = {}
        self.anchor_fields: list[int] = []
        # the rest, tried at every token that passes the first test (if any), in texts that
        # hold a value they cannot match without (if any)
        self.unanchored: list[tuple[TokenPattern, TokenTest | None]] = []
        self.requiring: dict[tuple[int, str], list[TokenPattern]] = {}
        self.required_fields: list[int] = []
        self.always: set[TokenPattern] = set()

    def add(self, key: int, pattern: Iterable[Mapping[str, Any]]) -> None:
        """Compile and add one pattern (``Unsupported`` if it cannot be compiled)."""
        compiled = TokenPattern(tuple(compile_spec(s, self.fields) for s in pattern), key)
        if not compiled.specs:
            raise Unsupported("an empty pattern")
        self.count += 1
        anchor = compiled.anchor()
        if anchor is not None:
            field, values, offsets = anchor
            for value in values:
                self.anchored.setdefault((field, value), []).append((compiled, offsets))
            if field not in self.anchor_fields:
                self.anchor_fields.append(field)
            return
        self.unanchored.append((compiled, compiled.first_test))
        required = compiled.required()
        if required is None:
            self.always.add(compiled)
            return
        field, values = required
        for value in values:
            self.requiring.setdefault((field, value), []).append(compiled)
        if field not in self.required_fields:
            self.required_fields.append(field)

    def matches(self, rows: Sequence[Row]) -> Iterable[tuple[int, int, int]]:
        """Every ``(key, start, end)`` (possibly more than once)."""
        active = set(self.always)
        for field in self.required_fields:
            for value in {row[field] for row in rows}:
                active.update(self.requiring.get((field, value), ()))
        unanchored = [(p, test) for p, test in self.unanchored if p in active]
        anchored, fields = self.anchored, self.anchor_fields
        for i, row in enumerate(rows):
            for field in fields:
                for pattern, offsets in anchored.get((field, row[field]), ()):
                    for offset in offsets:
                        if offset <= i:
                            for end in pattern.ends(rows, i - offset):
                                yield pattern.key, i - offset, end
            for pattern, first in unanchored:
                if first is None or first(row):
                    for end in pattern.ends(rows, i):
                        yield pattern.key, i, end
