"""The parsed article: one spaCy Doc per paragraph, with global character offsets."""

from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property

from spacy.tokens import Doc, Span, Token

from app.nlp.labels import NON_ENTITY_LABELS

_TEXT, _BOUNDS = "newsreader.text", "newsreader.bounds"  # doc.user_data keys


def token_bounds(doc: Doc) -> tuple[list[int], list[int]]:
    """Where each token starts and ends in ``doc_text(doc)``, read once per Doc:
    ``doc[i:j].text`` is ``doc_text(doc)[starts[i]:ends[j - 1]]``."""
    bounds: tuple[list[int], list[int]] | None = doc.user_data.get(_BOUNDS)
    if bounds is None:
        starts = [t.idx for t in doc]
        bounds = doc.user_data[_BOUNDS] = (
            starts, [start + len(t) for start, t in zip(starts, doc, strict=True)]
        )
    return bounds


def doc_text(doc: Doc) -> str:
    """``doc.text``, joined once: spaCy joins the tokens' texts anew at every access, and the
    steps read each paragraph's text several times."""
    text: str | None = doc.user_data.get(_TEXT)
    if text is None:
        text = doc.user_data[_TEXT] = doc.text
    return text


@dataclass
class Candidate:
    """A mention before linking: a span, its label (see labels.py) and how sure we are."""

    start: int
    end: int
    text: str
    label: str
    para: int
    token_start: int
    token_end: int
    canonical: str | None = None
    strong: bool = False  # label from the knowledge file or from context, not only the model
    form: str = "name"
    title: str | None = None  # a title stripped from the front ("Col."), kept for roles
    key: str | None = None
    nested: bool = False
    # how it was found (see types.METHODS); a candidate made by a rule of ours unless its
    # maker says otherwise
    method: str = "rule"
    copied: bool = False  # another occurrence of a name found elsewhere in the article


@dataclass
class ArticleContext:
    text: str
    offsets: list[int]
    docs: list[Doc]
    sentences: list[tuple[int, int]] = field(default_factory=list)
    _sentence_starts: list[int] = field(default_factory=list)
    # names that are no entity of ours (an operation, a weapon, a conference): no mention
    # lies in or across them
    blocked: list[tuple[int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for offset, doc in zip(self.offsets, self.docs, strict=True):
            for sent in doc.sents:
                self.sentences.append((offset + sent.start_char, offset + sent.end_char))
            self.blocked += [
                (offset + e.start_char, offset + e.end_char)
                for e in doc.ents
                if e.label_ in NON_ENTITY_LABELS
            ]
        self._sentence_starts = [s for s, _ in self.sentences]

    @cached_property
    def lower_words(self) -> frozenset[str]:
        """The words the article writes in lower case somewhere."""
        return frozenset(t.lower_ for doc in self.docs for t in doc if t.is_lower)

    def is_blocked(self, start: int, end: int) -> bool:
        """Whether the span lies in or across a name that is no entity of ours."""
        return any(
            start < e and s < end and not (start <= s and e <= end) for s, e in self.blocked
        )

    def start_of(self, para: int, token: Token) -> int:
        return self.offsets[para] + token.idx

    def span_chars(self, para: int, span: Span) -> tuple[int, int]:
        return self.offsets[para] + span.start_char, self.offsets[para] + span.end_char

    def sentence_index(self, offset: int) -> int:
        return max(0, bisect_right(self._sentence_starts, offset) - 1)

    def sentence_bounds(self, offset: int) -> tuple[int, int]:
        return self.sentences[self.sentence_index(offset)]
