"""Bodies described in lower case: "the Houthi-run health ministry", "the Nineveh health
directorate", "the Taliban's political office". Each is a body of its own (a nominal
mention), never the group or place named inside it, which keeps a mention of its own."""

from spacy.tokens import Span, Token

from app.nlp.context import ArticleContext, Candidate
from app.nlp.knowledge import words
from app.nlp.mentions import AFFIX_TOKEN, state_body_name

ORGANISATION_HEADS = frozenset({"office", "agency", "committee"})


def body_descriptions(
    ctx: ArticleContext, cands: list[Candidate]
) -> tuple[list[Candidate], list[Candidate]]:
    """(descriptions of bodies, the shorter mentions they replace): "health ministry" from the
    knowledge file becomes "the Houthi-run health ministry", with the same key."""
    found: list[Candidate] = []
    replaced: list[Candidate] = []
    for para, doc in enumerate(ctx.docs):
        for head in doc:
            span = _described_body(head)
            if span is None:
                continue
            start, end = ctx.span_chars(para, span)
            inside = [c for c in cands if start <= c.start and c.end <= end]
            same = [c for c in inside if c.label in ("GOVERNMENT", "ORGANISATION")
                    and c.end == end and c.form == "name"]
            named = [c for c in inside if c not in same]
            if not same and not named and not _sector(span):
                continue  # "the governor's office": a person's office, not a body we know
            words_ = " ".join(t.lower_ for t in span[1:] if t.dep_ != "poss" and t.lower_ != "’s")
            key = same[0].key if same and same[0].key else f"actor:{words_}"
            canonical = same[0].canonical if same else words_
            organisation = head.lower_ in ORGANISATION_HEADS
            if organisation and not state_body_name(span, lower_only=True):
                label = "ORGANISATION"
            else:
                label = "GOVERNMENT"  # "the state emergency management agency"
            found.append(Candidate(
                start, end, span.text, label, para, span.start, span.end, canonical,
                strong=True, key=key, form="nominal", method="description",
            ))
            replaced += same
    return found, replaced


def _described_body(head: Token) -> Span | None:
    """The phrase "the [modifiers] <head>" when ``head`` is a body noun in lower case."""
    if head.text not in words("body_heads") or head.pos_ not in ("NOUN", "PROPN"):
        return None
    lefts = [t for t in head.lefts if t.dep_ in ("det", "poss", "amod", "compound", "nmod")]
    if not lefts or len(lefts) < 2:
        return None
    first = lefts[0].left_edge
    if first.lower_ not in ("the", "this", "that") and lefts[0].dep_ != "poss":
        return None
    return head.doc[first.i : head.i + 1]


def _sector(span: Span) -> bool:
    sectors = words("body_sectors")
    return any(t.lower_ in sectors or AFFIX_TOKEN.match(t.text) for t in span[:-1])
