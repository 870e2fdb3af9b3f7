"""Direct quotations and their speakers.

A quotation that stands as a sentence is ``direct``; a phrase quoted inside a paraphrase is
``partial``; a term in scare quotes ("known as “...”") is ``term`` and has no speaker. Speakers
come from the speech verb's subject in the same sentence, "according to X", or, for "he said",
the person (or anonymous source) the passage was last about.
"""

import re
from dataclasses import dataclass

from spacy.tokens import Doc, Token

from app.nlp.context import ArticleContext, Candidate, doc_text
from app.nlp.knowledge import lexicon
from app.nlp.types import ExtractedQuote

QUOTE_RE = re.compile(r"“([^“”]*)(?:”|$)|\"([^\"\n]*)\"")
PRONOUNS = {"he", "she"}
TERM_CUE = re.compile(
    r"\b(?:(?:known|referred to|described|designated|branded|labell?ed|termed|identified)"
    r"(?:\s+(?:by|to)\b[^.“”\"]{0,40})?\s+as|called|dubbed|termed|so-called|nicknamed"
    r"|labell?ed|what (?:it|they|he|she) calls?"
    r"|call(?:s|ed)? (?:themselves|itself|himself|herself)(?: the| a)?)\s*$",
    re.I,
)
SPEAKER_TYPES = {"PERSON", "ARMED_GROUP", "GOVERNMENT", "ORGANISATION", "TRIBE"}


@dataclass(frozen=True)
class Source:
    offset: int
    key: str | None
    description: str | None
    person: bool = True  # "he" and "she" refer to people or anonymous sources, not groups


def _speech_verbs() -> set[str]:
    return set(lexicon()["speech_verbs"])


def _candidate_at(cands: list[Candidate], start: int, end: int) -> Candidate | None:
    inside = [
        c for c in cands if c.key and c.label in SPEAKER_TYPES and start <= c.start and c.end <= end
    ]
    return min(inside, key=lambda c: c.start) if inside else None


def _describe(ctx: ArticleContext, para: int, token: Token) -> str:
    doc = ctx.docs[para]
    words = [
        t
        for t in doc[token.left_edge.i : token.right_edge.i + 1]
        if not t.is_punct or t.text == "-"
    ]
    text = " ".join(t.text for t in words[:10])
    return text.replace(" - ", "-")


def _source_of(
    ctx: ArticleContext, para: int, subj: Token, cands: list[Candidate], sources: list[Source]
) -> Source | None:
    offset = ctx.start_of(para, subj)
    if subj.lower_ in PRONOUNS:
        prior = [s for s in sources if s.offset < offset and s.person]
        return Source(offset, prior[-1].key, prior[-1].description) if prior else None
    if subj.pos_ == "PRON":
        return None
    doc = ctx.docs[para]
    s, e = ctx.span_chars(para, doc[subj.left_edge.i : subj.right_edge.i + 1])
    head_start = ctx.start_of(para, subj)
    head_end = head_start + len(subj.text)
    own = [c for c in cands if c.key and c.label == "PERSON" and c.start <= head_start < c.end]
    # "Kataib Hezbollah’s secretary-general Ahmed al-Hamidawi said": the person, not the group
    named = own[0] if own else _candidate_at(cands, min(s, head_start), e)
    if named is None:
        # "the Malian Armed Forces (FAMa) said": the name at the head, an acronym after it
        named = next((c for c in cands if c.key and c.start <= head_start < c.end
                      and c.label not in ("FACILITY", "ROAD", "REGION")), None)
    if named is None and subj.pos_ == "PROPN":
        # "according to Brig. Gen. X": the parser may cut the title off from the name
        named = next(
            (c for c in cands if c.label == "PERSON" and c.para == para and 0 <= c.start - e <= 14),
            None,
        )
    covers_head = named is not None and named.start <= head_start < named.end
    if named is not None and (
        covers_head
        or (named.label == "PERSON" and named.start <= head_end)
        or _only_titles_before(doc, subj, named, ctx, para)
    ):
        return Source(offset, named.key, None, named.label == "PERSON")
    if subj.pos_ in ("NOUN", "PROPN"):
        person = subj.lower_ in set(lexicon()["person_nouns"])
        return Source(offset, None, _describe(ctx, para, subj), person)
    return None


def _quoted_ranges(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in QUOTE_RE.finditer(text)]


def _only_titles_before(
    doc: Doc, subj: Token, named: Candidate, ctx: ArticleContext, para: int
) -> bool:
    """ "Brig. Gen. Haider al-Khafaji": the parser may head the phrase on the title."""
    words = [t for t in doc[subj.left_edge.i :] if ctx.start_of(para, t) < named.start]
    return named.label == "PERSON" and all(
        t.pos_ == "PROPN" or t.text == "." or t.dep_ == "det" for t in words
    )


def _anonymous_subject(tok: Token) -> bool:
    return (
        tok.dep_ == "nsubj"
        and tok.pos_ == "NOUN"
        and tok.lower_ in set(lexicon()["person_nouns"])
        and any(c.dep_ == "det" and c.lower_ in ("a", "an") for c in tok.children)
    )


def _sources(ctx: ArticleContext, cands: list[Candidate]) -> list[Source]:
    """Who each passage is about, in text order: named subjects and 'according to' sources."""
    found: list[Source] = []
    for para, doc in enumerate(ctx.docs):
        quoted = _quoted_ranges(doc_text(doc))
        for tok in doc:
            if any(s <= tok.idx < e for s, e in quoted):
                continue  # words inside a quotation are the speaker's, not the passage's subject
            named = tok
            if tok.dep_ in ("nsubj", "nsubjpass") and tok.pos_ == "NOUN":
                # "Its spokesman, Ousmane Ag Alhassane, said ...": the name in apposition
                named = next((c for c in tok.children if c.dep_ == "appos"
                              and c.pos_ == "PROPN"), tok)
            if (
                tok.dep_ in ("nsubj", "nsubjpass")
                and tok.lower_ not in PRONOUNS
                and named.pos_ == "PROPN"
            ):
                src = _source_of(ctx, para, named, cands, found)
                if src and src.key and src.key.startswith("actor:"):
                    found.append(src)
            elif _anonymous_subject(tok):
                # "A senior Western diplomat put it bluntly. ... he said": an unnamed source
                found.append(Source(ctx.start_of(para, tok), None, _describe(ctx, para, tok), True))
            if tok.lower_ == "according" and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "to":
                obj = next((t for t in doc[tok.i + 1].children if t.dep_ == "pobj"), None)
                if obj is not None:
                    src = _source_of(ctx, para, obj, cands, found)
                    if src:
                        found.append(src)
    return found


SAID_AS = re.compile(
    r"\bwhat\s+(?P<who>he|she|they|[A-Z][\w’'-]+)\s+(?:has\s+|had\s+)?"
    r"(?:called|calls|termed|terms|described as|describes as)\s*$"
)
FINITE_TAGS = {"VBD", "VBZ", "VBP", "MD"}


def _embedded(para_text: str, start: int) -> bool:
    """Does the quotation open inside a sentence of the writer's (not at its start)?"""
    before = para_text[: start - 1].rstrip()
    return not (not before or before[-1] in ".!?:;" or before.endswith((",", "said", "says")))


def _kind(doc: Doc, start: int, end: int) -> str:
    """direct: a sentence, or a whole clause quoted verbatim ("saying that the group “had
    imposed its control.”"); partial: a word or phrase; term: a name in scare quotes."""
    text = doc_text(doc)
    if not _embedded(text, start):
        return "direct"
    before = text[: start - 1].rstrip()[-60:]
    if SAID_AS.search(before):
        return "partial"  # "what he called “…”": his words, quoted in part
    if TERM_CUE.search(before):
        return "term"
    tokens = [t for t in doc if start <= t.idx < end and not t.is_punct]
    if len(tokens) >= 4 and any(t.tag_ in FINITE_TAGS for t in tokens):
        return "direct"
    return "partial"


def _speaker(
    ctx: ArticleContext,
    para: int,
    q_start: int,
    q_end: int,
    cands: list[Candidate],
    sources: list[Source],
) -> Source | None:
    """The subject of the nearest speech verb outside the quotation, in its sentence."""
    doc = ctx.docs[para]
    base = ctx.offsets[para]
    verbs = _speech_verbs()
    s_start, _ = ctx.sentence_bounds(base + q_start)
    _, s_end = ctx.sentence_bounds(base + max(q_start, q_end - 1))
    if q_end + base >= s_end:  # the quote ends its sentence: the attribution may follow
        s_end = ctx.sentence_bounds(min(base + q_end + 2, base + len(doc_text(doc)) - 1))[1]
    outside = [t for t in doc if s_start <= base + t.idx < s_end and not (q_start <= t.idx < q_end)]
    after = [t for t in outside if t.idx >= q_end]
    before = [t for t in outside if t.idx < q_start][::-1]
    for tok in after + before:
        if tok.lemma_ in ("quote", "cite") and tok.pos_ == "VERB":
            obj = next((c for c in tok.children if c.dep_ == "dobj"), None)
            if obj is not None:  # "quoted a military source as saying"
                src = _source_of(ctx, para, obj, cands, sources)
                if src is not None:
                    return src
        if tok.lemma_ in verbs and tok.pos_ == "VERB":
            subj = next((c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass")), None)
            if subj is None and tok.dep_ in ("advcl", "xcomp", "conj"):
                subj = next(
                    (c for c in tok.head.children if c.dep_ in ("nsubj", "nsubjpass")), None
                )
            if subj is not None:
                src = _source_of(ctx, para, subj, cands, sources)
                if src is not None:
                    return src
        if tok.lower_ == "according" and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "to":
            obj = next((t for t in doc[tok.i + 1].children if t.dep_ == "pobj"), None)
            if obj is not None:
                return _source_of(ctx, para, obj, cands, sources)
    return None


def _clause_subject(
    ctx: ArticleContext, para: int, start: int, end: int, cands: list[Candidate]
) -> Source | None:
    """For a phrase quoted inside a clause ("that the group “had imposed ...”"): its subject."""
    doc = ctx.docs[para]
    first = next((t for t in doc if t.idx >= start), None)
    base = ctx.offsets[para]
    tok, steps = first, 0
    while tok is not None and steps < 3:
        for child in tok.children:
            if child.dep_ in ("nsubj", "nsubjpass") and not (start <= child.idx < end):
                lo, hi = child.left_edge.idx, child.idx + len(child.text)
                named = _candidate_at(cands, base + lo, base + hi)
                if named is not None:
                    return Source(base + child.idx, named.key, None)
        tok, steps = (tok.head if tok.head is not tok else None), steps + 1
    return None


@dataclass
class _Found:
    para: int
    start: int
    end: int
    text: str
    kind: str
    source: Source | None
    unclosed: bool


def _said_as_source(
    ctx: ArticleContext,
    para: int,
    start: int,
    who: str,
    cands: list[Candidate],
    sources: list[Source],
) -> Source | None:
    """The "he" or the name in "what he called “…”"."""
    offset = ctx.offsets[para] + start
    if who.lower() in PRONOUNS:
        prior = [s for s in sources if s.offset < offset and s.person]
        return prior[-1] if prior else None
    named = [c for c in cands if c.key and c.text == who and c.start < offset]
    return Source(offset, named[-1].key, None, True) if named else None


def _continue_speakers(found: list[_Found]) -> None:
    """A quotation broken by its attribution, or running over paragraphs, keeps one speaker."""
    for prev, cur in zip(found, found[1:], strict=False):
        if cur.kind != "direct" or cur.source is not None or prev.source is None:
            continue
        opens_paragraph = cur.start <= 1
        if (
            prev.para == cur.para
            or (prev.unclosed and cur.para == prev.para + 1)
            or (cur.unclosed and opens_paragraph and cur.para == prev.para + 1)
        ):
            cur.source = prev.source
    for cur, nxt in zip(reversed(found[:-1]), reversed(found[1:]), strict=False):
        if cur.unclosed and cur.source is None and nxt.para == cur.para + 1:
            cur.source = nxt.source


def find_quotes(ctx: ArticleContext, cands: list[Candidate]) -> list[ExtractedQuote]:
    sources = _sources(ctx, cands)
    found: list[_Found] = []
    for para, doc in enumerate(ctx.docs):
        text = doc_text(doc)
        for match in QUOTE_RE.finditer(text):
            group = 1 if match.group(1) is not None else 2
            start, end = match.start(group), match.end(group)
            inner = text[start:end].rstrip()
            if inner.endswith(","):
                inner = inner[:-1]
            end = start + len(inner)
            if not inner.strip() or not any(ch.isalpha() for ch in inner):
                continue
            kind = _kind(doc, start, end)
            src = None
            if kind != "term":
                src = _speaker(ctx, para, start, end, cands, sources)
                said_as = SAID_AS.search(text[: start - 1].rstrip()[-60:])
                if said_as and (src is None or src.key is None):
                    src = _said_as_source(ctx, para, start, said_as.group("who"), cands, sources)
                if (src is None or src.key is None) and _embedded(text, start):
                    # "a statement saying that the group “had imposed …”": no one is named
                    # as the speaker, but the quoted clause's own subject is
                    src = _clause_subject(ctx, para, start, end, cands) or src
                if src is not None and (src.key or src.description):
                    sources.append(
                        Source(ctx.offsets[para] + start, src.key, src.description, src.person)
                    )
                    sources.sort(key=lambda s: s.offset)
            unclosed = match.group(0)[-1] not in '”"'
            found.append(_Found(para, start, end, inner, kind, src, unclosed))
    _continue_speakers(found)
    return [
        ExtractedQuote(
            ctx.offsets[f.para] + f.start,
            ctx.offsets[f.para] + f.end,
            f.text,
            f.kind,
            f.source.key if f.source else None,
            f.source.description if f.source and not f.source.key else None,
            cue=_cue(f),
        )
        for f in found
    ]


def _cue(found: _Found) -> str:
    """What a quote's attribution rests on, a calibration feature: its kind and whether the
    speaker is a named entity, an anonymous description or nobody."""
    if found.source is None:
        speaker = "none"
    else:
        speaker = "named" if found.source.key else "described"
    return f"{found.kind}|{speaker}"
