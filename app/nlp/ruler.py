"""The knowledge ruler: spaCy's ``entity_ruler`` (``overwrite_ents``) for our patterns, fast.

It finds the same spans with the same labels and ids as spaCy's entity ruler given the same
patterns (``tests/nlp/test_ruler.py`` compares the two on every eval text), but:

- spaCy's ``Matcher`` tries every token pattern at every token, most of ours through Python
  set predicates (``{"ORTH": {"IN": [...]}}``), as much time as the NER model on news text.
  Here a token pattern is tried only where a word it cannot match without stands
  (``app.nlp.token_patterns``).
- Building spaCy's ruler runs every phrase through the tokenizer into a ``Doc`` and compiles
  each token pattern, a second or more at every model load. Here phrases are token-text
  tuples in a trie, and patterns compile to small Python checks in milliseconds.

Token patterns use ``ORTH``/``TEXT``/``LOWER`` (a string, ``IN``, ``NOT_IN``, ``REGEX``),
``IS_TITLE``, ``IS_DIGIT``, ``IS_SPACE`` and the operators ``?``, ``*``, ``+``; a pattern using
anything else goes to a spaCy ``Matcher`` of its own, so every spaCy pattern still works.

Overlaps are settled as spaCy's ruler settles them: longer spans first, then earlier ones.
Where two patterns match the very same span, spaCy's ruler keeps an arbitrary one (the order
of a Python set); here the pattern earlier in the file wins.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span

from app.nlp.token_patterns import LEXICAL_FIELDS, PatternSet, Unsupported


@dataclass(frozen=True)
class Meaning:
    """What a pattern marks: its label and id, and its place in the file (ties)."""

    label: str
    ent_id: str | None
    order: int


class _Trie:
    __slots__ = ("children", "meaning")

    def __init__(self) -> None:
        self.children: dict[str, _Trie] = {}
        self.meaning: Meaning | None = None


class KnowledgeRuler:
    """Marks the knowledge file's names as entities, before the NER model."""

    def __init__(self, nlp: Language, name: str = "knowledge_ruler") -> None:
        self.name = name
        self.vocab = nlp.vocab
        self.phrases = _Trie()
        self.token_patterns = PatternSet(LEXICAL_FIELDS)
        self.meanings: list[Meaning] = []  # by order
        self.fallback: Matcher | None = None
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
            self.meanings.append(meaning)
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
            self.token_patterns.add(meaning.order, pattern)
        except Unsupported:
            if self.fallback is None:
                self.fallback = Matcher(self.vocab, validate=True)
            self.fallback.add(str(meaning.order), [pattern])

    def __call__(self, doc: Doc) -> Doc:
        self.set_annotations(doc, self.match(doc))
        return doc

    def match(self, doc: Doc) -> list[tuple[int, int, Meaning]]:
        """Every match, one meaning per span, longest first, then earliest."""
        rows = [(t.text, t.lower_) for t in doc]
        texts = [text for text, _ in rows]
        best: dict[tuple[int, int], Meaning] = {}

        def found(start: int, end: int, meaning: Meaning) -> None:
            held = best.get((start, end))
            if held is None or meaning.order < held.order:
                best[start, end] = meaning

        for i, text in enumerate(texts):  # phrases starting here
            node = self.phrases.children.get(text)
            end = i + 1
            while node is not None:
                if node.meaning is not None:
                    found(i, end, node.meaning)
                if end == len(texts):
                    break
                node = node.children.get(texts[end])
                end += 1
        for order, start, end in self.token_patterns.matches(rows):
            found(start, end, self.meanings[order])
        if self.fallback is not None:
            for match_id, start, end in self.fallback(doc):
                if start != end:
                    found(start, end, self.meanings[int(self.vocab.strings[match_id])])
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
