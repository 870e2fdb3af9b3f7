"""The model's attribute rules (tag to part of speech and morphology, lemma exceptions), fast.

The English model's ``attribute_ruler`` holds about 180 rules, each a spaCy ``Matcher`` pattern
that the matcher tries at every token: on news text that takes about as long as the parser.
``FastAttributeRuler`` takes the very same rules from the model's component and sets the very
same attributes (``tests/nlp/test_attribute_rules.py`` compares the two on every eval
paragraph): the rules are found by ``app.nlp.token_patterns``, which tries each only where the
tag or word it needs stands, and applied as spaCy applies them, every match of a rule before
any of the next (a later rule wins), with spaCy's own ``set_token_attrs``. A rule it cannot
compile is left to a spaCy ``Matcher``.
"""

from typing import Any, cast

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.pipeline import AttributeRuler
from spacy.tokens import Doc
from spacy.tokens._retokenize import set_token_attrs

from app.nlp.token_patterns import LEXICAL_FIELDS, PatternSet, Unsupported

FIELDS = {**LEXICAL_FIELDS, "TAG": 2, "DEP": 3}  # a row: text, lower, tag, dependency


class FastAttributeRuler:
    def __init__(self, nlp: Language, name: str = "attribute_ruler") -> None:
        self.name = name
        self.vocab = nlp.vocab
        self.patterns = PatternSet(FIELDS)
        self.fallback: Matcher | None = None
        self.attrs: list[dict[Any, Any]] = []
        self.indices: list[int] = []

    def use_rules(self, ruler: AttributeRuler) -> None:
        """Take the rules of spaCy's attribute ruler, in its order."""
        self.attrs, self.indices = list(ruler.attrs), list(ruler.indices)
        for rule, entry in enumerate(ruler.patterns):
            for pattern in cast(list[list[dict[str, Any]]], entry["patterns"]):
                try:
                    self.patterns.add(rule, pattern)
                except Unsupported:
                    if self.fallback is None:
                        self.fallback = Matcher(self.vocab)
                    self.fallback.add(str(rule), [pattern])

    def __call__(self, doc: Doc) -> Doc:
        rows = [(t.text, t.lower_, t.tag_, t.dep_) for t in doc]
        found = set(self.patterns.matches(rows))
        if self.fallback is not None:
            found.update(
                (int(self.vocab.strings[match_id]), start, end)
                for match_id, start, end in self.fallback(doc, allow_missing=True)
            )
        for rule, start, end in sorted(found):  # by rule: a later rule overrides
            index = self.indices[rule]  # into the match; negative: from its end
            at = start + index if index >= 0 else end + index
            if not start <= at < end:
                raise ValueError(
                    f"attribute rule {rule}: no token {index} in {doc[start:end].text!r}"
                )
            set_token_attrs(doc[at], self.attrs[rule])
        return doc


@Language.factory("fast_attribute_ruler")
def make_fast_attribute_ruler(nlp: Language, name: str) -> FastAttributeRuler:
    return FastAttributeRuler(nlp, name)


def speed_up_attribute_ruler(nlp: Language) -> None:
    """Replace the model's ``attribute_ruler`` (if it has one) by the same rules, run fast."""
    if "attribute_ruler" not in nlp.pipe_names:
        return
    original = nlp.get_pipe("attribute_ruler")
    if not isinstance(original, AttributeRuler):
        return
    fast = nlp.replace_pipe("attribute_ruler", "fast_attribute_ruler")
    fast.use_rules(original)  # type: ignore[attr-defined]
