"""The knowledge ruler: spaCy's ``entity_ruler`` (``overwrite_ents``) for our patterns, fast.

It finds the same spans with the same labels and ids as spaCy's entity ruler given the same
patterns (``tests/nlp/test_ruler.py`` compares the two on every eval text), but:

- spaCy's ``Matcher`` tries every token pattern at every token, most of ours through Python
  set predicates (``{"ORTH": {"IN": [...]}}``), as much time as the NER model on news text.
  Here a token pattern is tried only where it can match: from a token whose lower-case form
  its first token allows, and only in a text that holds a word it cannot match without.
- Building spaCy's ruler runs every phrase through the tokenizer into a ``Doc`` and compiles
  each token pattern, a second or more at every model load. Here phrases are token-text
  tuples in a trie, and patterns compile to small Python checks in milliseconds.

Token patterns use ``ORTH``/``TEXT``/``LOWER`` (a string, ``IN``, ``NOT_IN``, ``REGEX``),
``IS_TITLE``, ``IS_DIGIT`` and the operators ``?``, ``*``, ``+``; a pattern using anything
else goes to a spaCy ``Matcher`` of its own, so every spaCy pattern still works.

Overlaps are settled as spaCy's ruler settles them: longer spans first, then earlier ones.
Where two patterns match the very same span, spaCy's ruler keeps an arbitrary one (the order
of a Python set); here the pattern earlier in the file wins.
"""

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span

# How a token attribute is compared: (attribute, test, value).
TEXT, LOWER, IS_TITLE, IS_DIGIT = "text", "lower", "is_title", "is_digit"
STRING_ATTRS = {"ORTH": TEXT, "TEXT": TEXT, "LOWER": LOWER}
FLAG_ATTRS = {"IS_TITLE": IS_TITLE, "IS_DIGIT": IS_DIGIT}
OPERATORS = frozenset({"?", "*", "+", "1"})


class Unsupported(ValueError):
    """A token pattern this ruler does not compile (spaCy's ``Matcher`` takes it)."""


@dataclass(frozen=True)
class Meaning:
    """What a pattern marks: its label and id, and its place in the file (ties)."""

    label: str
    ent_id: str | None
    order: int


TokenTest = Callable[[str, str], bool]  # (text, lower) -> does the token match?


@dataclass(frozen=True, eq=False)
class TokenSpec:
    test: TokenTest
    op: str  # "1" (exactly once), "?", "*" or "+"
    # The lower-case forms a matching token must have, if the spec says (else None).
    lowers: frozenset[str] | None

    @property
    def optional(self) -> bool:
        return self.op in ("?", "*")


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one object a pattern
class TokenPattern:
    specs: tuple[TokenSpec, ...]
    meaning: Meaning

    @property
    def first_test(self) -> TokenTest | None:
        """The test the first token must pass, when the first spec is not optional."""
        return None if self.specs[0].optional else self.specs[0].test

    def ends(self, texts: Sequence[str], lowers: Sequence[str], start: int) -> list[int]:
        """Every end of a non-empty match starting at ``start`` (all of them, as spaCy's
        ``Matcher`` reports them): the pattern run as a token-level NFA."""
        specs, last = self.specs, len(self.specs)
        states = self._closure({0})
        found: list[int] = []
        i = start
        while states:
            if last in states and i > start:
                found.append(i)
            if i == len(texts):
                break
            text, lower = texts[i], lowers[i]
            moved: set[int] = set()
            for p in states:
                if p < last and specs[p].test(text, lower):
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

    def anchor(self) -> tuple[frozenset[str], tuple[int, ...]] | None:
        """A token the pattern cannot match without, and where it can stand in a match: the
        lower-case forms that spec allows and its possible offsets from the match's start.

        Only a spec with no ``*`` or ``+`` before it has offsets to list. Among those, the one
        with the longest shortest word is taken (long words are rare words: a pattern is tried
        where "refinery" stands, not at every hyphen), then the fewest words and offsets."""
        best: tuple[tuple[int, int, int], frozenset[str], tuple[int, ...]] | None = None
        least = most = 0  # tokens the specs before this one take
        for spec in self.specs:
            if spec.op in ("*", "+"):
                break
            if not spec.optional and spec.lowers:
                offsets = tuple(range(least, most + 1))
                rank = (-min(len(w) for w in spec.lowers), len(spec.lowers), len(offsets))
                if best is None or rank < best[0]:
                    best = (rank, spec.lowers, offsets)
            least += 0 if spec.optional else 1
            most += 1
        return None if best is None else (best[1], best[2])

    def required_lowers(self) -> frozenset[str] | None:
        """Lower-case forms of which a text must hold one for the pattern to match there (the
        smallest set among the specs that must match; None: no such spec)."""
        sets = [s.lowers for s in self.specs if not s.optional and s.lowers is not None]
        return min(sets, key=len) if sets else None


class _Trie:
    __slots__ = ("children", "meaning")

    def __init__(self) -> None:
        self.children: dict[str, _Trie] = {}
        self.meaning: Meaning | None = None


def compile_spec(spec: Mapping[str, Any]) -> TokenSpec:
    """One token of a spaCy token pattern as a test of (text, lower)."""
    op = spec.get("OP", "1")
    if op not in OPERATORS:
        raise Unsupported(f"operator {op!r}")
    tests: list[TokenTest] = []
    lowers: frozenset[str] | None = None
    for key, value in spec.items():
        if key == "OP":
            continue
        if key in FLAG_ATTRS and isinstance(value, bool):
            tests.append(_flag_test(FLAG_ATTRS[key], value))
        elif key in STRING_ATTRS:
            attr = STRING_ATTRS[key]
            test, allowed = _string_test(attr, value)
            tests.append(test)
            if allowed is not None:
                lowered = frozenset(v.lower() if attr == TEXT else v for v in allowed)
                lowers = lowered if lowers is None else lowers & lowered
        else:
            raise Unsupported(f"attribute {key!r}")
    return TokenSpec(_all(tests), op, lowers)


def _string_test(attr: str, value: Any) -> tuple[TokenTest, frozenset[str] | None]:
    pick = _pick(attr)
    if isinstance(value, str):
        return (lambda text, lower: pick(text, lower) == value), frozenset({value})
    if isinstance(value, dict) and len(value) == 1:
        [(predicate, argument)] = value.items()
        if predicate == "IN" and _strings(argument):
            members = frozenset(argument)
            return (lambda text, lower: pick(text, lower) in members), members
        if predicate == "NOT_IN" and _strings(argument):
            excluded = frozenset(argument)
            return (lambda text, lower: pick(text, lower) not in excluded), None
        if predicate == "REGEX" and isinstance(argument, str):
            regex = re.compile(argument)  # spaCy searches, it does not match from the start
            return (lambda text, lower: regex.search(pick(text, lower)) is not None), None
    raise Unsupported(f"{attr} value {value!r}")


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _pick(attr: str) -> Callable[[str, str], str]:
    if attr == TEXT:
        return lambda text, lower: text
    return lambda text, lower: lower


def _flag_test(attr: str, wanted: bool) -> TokenTest:
    # spaCy's lexical flags: str.istitle() and str.isdigit() of the token text
    if attr == IS_TITLE:
        return lambda text, lower: text.istitle() == wanted
    return lambda text, lower: text.isdigit() == wanted


def _all(tests: list[TokenTest]) -> TokenTest:
    if len(tests) == 1:
        return tests[0]
    return lambda text, lower: all(test(text, lower) for test in tests)


class KnowledgeRuler:
    """Marks the knowledge file's names as entities, before the NER model."""

    def __init__(self, nlp: Language, name: str = "knowledge_ruler") -> None:
        self.name = name
        self.vocab = nlp.vocab
        self.phrases = _Trie()
        # token patterns by the lower-case form of their anchor, with its offsets
        self.anchored: dict[str, list[tuple[TokenPattern, tuple[int, ...]]]] = {}
        # the rest, tried at every token that passes the first test (if any), in texts that
        # hold a word they cannot match without (if any)
        self.unanchored: list[tuple[TokenPattern, TokenTest | None]] = []
        self.requiring: dict[str, list[TokenPattern]] = {}
        self.always: set[TokenPattern] = set()
        self.fallback: Matcher | None = None
        self.fallback_meanings: dict[str, Meaning] = {}
        self.count = 0

    def __len__(self) -> int:
        return self.count

    def add_patterns(
        self,
        patterns: Iterable[Mapping[str, Any]],
        tokenize: Callable[[list[str]], Iterable[Sequence[str]]],
    ) -> None:
        """Add entity-ruler patterns (``{"label", "pattern", "id"}``); ``tokenize`` splits
        phrase strings into token texts as the pipeline's tokenizer does."""
        phrases: list[tuple[str, Meaning]] = []
        for entry in patterns:
            meaning = Meaning(entry["label"], entry.get("id") or None, self.count)
            self.count += 1
            pattern = entry["pattern"]
            if isinstance(pattern, str):
                phrases.append((pattern, meaning))
            else:
                self._add_token_pattern(pattern, meaning)
        for (_, meaning), tokens in zip(phrases, tokenize([t for t, _ in phrases]), strict=True):
            self._add_phrase(tokens, meaning)

    def _add_phrase(self, tokens: Sequence[str], meaning: Meaning) -> None:
        if not tokens:
            return
        node = self.phrases
        for text in tokens:
            node = node.children.setdefault(text, _Trie())
        if node.meaning is None or meaning.order < node.meaning.order:
            node.meaning = meaning

    def _add_token_pattern(self, pattern: list[dict[str, Any]], meaning: Meaning) -> None:
        try:
            compiled = TokenPattern(tuple(compile_spec(s) for s in pattern), meaning)
        except Unsupported:
            self._add_fallback(pattern, meaning)
            return
        anchor = compiled.anchor()
        if anchor is not None:
            lowers, offsets = anchor
            for lower in lowers:
                self.anchored.setdefault(lower, []).append((compiled, offsets))
            return
        self.unanchored.append((compiled, compiled.first_test))
        required = compiled.required_lowers()
        if required is None:
            self.always.add(compiled)
        else:
            for lower in required:
                self.requiring.setdefault(lower, []).append(compiled)

    def _add_fallback(self, pattern: list[dict[str, Any]], meaning: Meaning) -> None:
        if self.fallback is None:
            self.fallback = Matcher(self.vocab, validate=True)
        key = f"knowledge-ruler-{meaning.order}"
        self.fallback.add(key, [pattern])
        self.fallback_meanings[key] = meaning

    def __call__(self, doc: Doc) -> Doc:
        self.set_annotations(doc, self.match(doc))
        return doc

    def match(self, doc: Doc) -> list[tuple[int, int, Meaning]]:
        """Every match, one meaning per span, longest first, then earliest."""
        texts = [t.text for t in doc]
        lowers = [t.lower_ for t in doc]
        best: dict[tuple[int, int], Meaning] = {}

        def found(start: int, end: int, meaning: Meaning) -> None:
            held = best.get((start, end))
            if held is None or meaning.order < held.order:
                best[start, end] = meaning

        active = set(self.always)
        for lower in set(lowers):
            active.update(self.requiring.get(lower, ()))
        unanchored = [(p, test) for p, test in self.unanchored if p in active]
        for i, (text, lower) in enumerate(zip(texts, lowers, strict=True)):
            node = self.phrases.children.get(text)  # phrases starting here
            end = i + 1
            while node is not None:
                if node.meaning is not None:
                    found(i, end, node.meaning)
                if end == len(texts):
                    break
                node = node.children.get(texts[end])
                end += 1
            for pattern, offsets in self.anchored.get(lower, ()):  # patterns anchored here
                for start in (i - offset for offset in offsets if offset <= i):
                    for end in pattern.ends(texts, lowers, start):
                        found(start, end, pattern.meaning)
            for pattern, first in unanchored:  # patterns starting here
                if first is None or first(text, lower):
                    for end in pattern.ends(texts, lowers, i):
                        found(i, end, pattern.meaning)
        if self.fallback is not None:
            for match_id, start, end in self.fallback(doc):
                if start != end:
                    found(start, end, self.fallback_meanings[self.vocab.strings[match_id]])
        return [
            (start, end, meaning)
            for (start, end), meaning in sorted(best.items(), key=lambda m: (m[0][0] - m[0][1],
                                                                              m[0][0]))
        ]

    def set_annotations(self, doc: Doc, matches: list[tuple[int, int, Meaning]]) -> None:
        """As spaCy's ruler with ``overwrite_ents``: a match on no token taken by a longer or
        earlier one replaces any entity it overlaps."""
        entities = list(doc.ents)
        new_entities = []
        seen_tokens: set[int] = set()
        for start, end, meaning in matches:
            if start in seen_tokens or end - 1 in seen_tokens:
                continue
            span = (Span(doc, start, end, label=meaning.label, span_id=meaning.ent_id)
                    if meaning.ent_id else Span(doc, start, end, label=meaning.label))
            new_entities.append(span)
            entities = [e for e in entities if not (e.start < end and e.end > start)]
            seen_tokens.update(range(start, end))
        doc.ents = entities + new_entities


@Language.factory("knowledge_ruler")
def make_knowledge_ruler(nlp: Language, name: str) -> KnowledgeRuler:
    return KnowledgeRuler(nlp, name)
