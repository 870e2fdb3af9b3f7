"""Roles and affiliations of people, from titles ("Col. X of the Y") and appositions
("X, a spokesman for Y"; "Y's head, X"). Each role keeps the sentence that states it."""

from spacy.tokens import Span, Token

from app.ingest.context import ArticleContext, Candidate
from app.ingest.types import RoleFact

TITLE_DEPS = {"amod", "compound", "nmod", "nummod"}
ORG_TYPES = {"ARMED_GROUP", "GOVERNMENT", "ORGANISATION", "TRIBE", "UNIT_POLICE", "UNIT_ARMY",
             "UNIT_SPECIAL_FORCES", "UNIT_MILITIA", "UNIT_FORCES", "COUNTRY"}
ROLE_PREPS = {"of", "for", "in", "with", "at", "to"}


def _title_words(noun: Token) -> str:
    left = [t for t in noun.lefts if t.dep_ in TITLE_DEPS and t.ent_type_ == ""]
    words = [*left, noun]
    # "member of parliament": an "of" phrase with a bare common noun is part of the title
    for prep in noun.rights:
        if prep.lower_ == "of":
            objs = [t for t in prep.rights if t.dep_ == "pobj"]
            if objs and objs[0].pos_ == "NOUN" and not any(c.dep_ == "det" for c in objs[0].children):
                words += [prep, objs[0]]
    words.sort(key=lambda t: t.i)
    text = " ".join(t.text for t in words)
    return text.replace(" - ", "-").replace(" -", "-").replace("- ", "-")


def _org_in(ctx: ArticleContext, para: int, tokens: Span, cands: list[Candidate]) -> Candidate | None:
    start, end = ctx.span_chars(para, tokens)
    for c in cands:
        if c.para == para and start <= c.start and c.end <= end and c.label in ORG_TYPES and not c.nested:
            return c
    return None


def _role(ctx: ArticleContext, c: Candidate, title: str, org: Candidate | None) -> RoleFact:
    s, e = ctx.sentence_bounds(c.start)
    return RoleFact(title, org.key if org else None, org.text if org else None, s, e)


def roles_of(ctx: ArticleContext, c: Candidate, cands: list[Candidate]) -> list[RoleFact]:
    doc = ctx.docs[c.para]
    span = doc[c.token_start : c.token_end]
    root = span.root
    found: list[RoleFact] = []
    if c.title:
        after = doc[span.end : min(len(doc), span.end + 8)]
        org = None
        if len(after) and after[0].lower_ in ("of", "from", "with"):
            org = _org_in(ctx, c.para, after, cands)
        found.append(_role(ctx, c, c.title, org))
    for child in root.children:
        if child.dep_ == "appos" and child.pos_ == "NOUN":
            subtree = doc[child.left_edge.i : child.right_edge.i + 1]
            org = None
            for prep in child.rights:
                if prep.lower_ in ROLE_PREPS:
                    org = _org_in(ctx, c.para, doc[prep.i : prep.right_edge.i + 1], cands)
                    if org:
                        break
            if org is None:
                org = _org_in(ctx, c.para, subtree, cands)
            found.append(_role(ctx, c, _title_words(child), org))
    if root.dep_ == "appos" and root.head.pos_ == "NOUN":
        head = root.head
        org = None
        for child in head.children:
            if child.dep_ == "poss" or child.lower_ in ROLE_PREPS:
                org = _org_in(ctx, c.para, doc[child.left_edge.i : child.right_edge.i + 1], cands)
                if org:
                    break
        found.append(_role(ctx, c, _title_words(head), org))
    return found


def appositive_descriptions(ctx: ArticleContext, c: Candidate) -> list[tuple[int, int]]:
    """Token ranges of descriptions set beside a name: "X, a spokesman for Y" -> "a spokesman"."""
    doc = ctx.docs[c.para]
    root = doc[c.token_start : c.token_end].root
    nouns = [t for t in root.children if t.dep_ == "appos" and t.pos_ == "NOUN"]
    if root.dep_ == "appos" and root.head.pos_ == "NOUN":
        nouns.append(root.head)
    ranges = []
    for noun in nouns:
        end = noun.i + 1
        for prep in noun.rights:  # "a member of parliament"
            objs = [t for t in prep.rights if t.dep_ == "pobj"] if prep.lower_ == "of" else []
            if objs and objs[0].pos_ == "NOUN" and not list(objs[0].children):
                end = objs[0].i + 1
        ranges.append((noun.left_edge.i, end))
    return ranges
