"""Turn a normalised article into entities, mentions, roles and quotes.

The steps (``steps.STEPS``, run by ``runner.run``) find the mentions and roles; quotes are
given their speakers from the result, and entities are built with their confidence.
"""

from collections.abc import Sequence
from dataclasses import replace

from spacy.language import Language
from spacy.tokens import Doc

from app.nlp.confidence import (
    best_method,
    confidence,
    entity_features,
    mention_features,
    quote_features,
    role_features,
)
from app.nlp.context import ArticleContext, Candidate
from app.nlp.labels import DOMAIN_LABELS
from app.nlp.linking import entity_canonicals, entity_labels, entity_names
from app.nlp.mention_types import mention_type
from app.nlp.normalise import NormalisedText
from app.nlp.quotes import find_quotes
from app.nlp.runner import run
from app.nlp.steps import STEPS
from app.nlp.types import ExtractedEntity, ExtractedQuote, Extraction, MentionSpan, RoleFact
from app.nlp.visible import to_served, visible

EXTRACTED_KINDS = ("body", "caption")


def parse(nlp: Language, normalised: NormalisedText) -> ArticleContext:
    return parse_many(nlp, [normalised])[0]


def parse_many(nlp: Language, texts: Sequence[NormalisedText]) -> list[ArticleContext]:
    """Parse several articles in one ``nlp.pipe`` stream (batching across articles)."""
    paras = [[p for p in n.paragraphs if p.kind in EXTRACTED_KINDS] for n in texts]
    stream = ((n.text[p.start : p.end], i) for i, n in enumerate(texts) for p in paras[i])
    docs: list[list[Doc]] = [[] for _ in texts]
    for doc, i in nlp.pipe(stream, as_tuples=True):
        docs[i].append(doc)
    return [
        ArticleContext(n.text, [p.start for p in paras[i]], docs[i]) for i, n in enumerate(texts)
    ]


def build_entities(
    ctx: ArticleContext, cands: list[Candidate], roles: dict[str, list[RoleFact]]
) -> list[ExtractedEntity]:
    names = entity_names(cands)
    canonicals = entity_canonicals(cands)
    labels = entity_labels(cands)
    entities: dict[str, ExtractedEntity] = {}
    for c in sorted(cands, key=lambda c: c.start):
        if c.key is None or c.key not in names:
            continue
        type_, kind = DOMAIN_LABELS[labels[c.key]]
        entity = entities.get(c.key)
        if entity is None:
            entity = ExtractedEntity(c.key, names[c.key], type_, kind, roles=roles.get(c.key, []))
            entities[c.key] = entity
        entity.mentions.append(_mention(ctx, c, type_, kind, labels[c.key]))
        canonical = canonicals.get(c.key)
        if canonical and canonical != entity.name and canonical not in entity.aliases:
            entity.aliases.append(canonical)
        if c.form == "name" and c.text != entity.name and c.text not in entity.aliases:
            entity.aliases.append(c.text)
    for entity in entities.values():
        entity.mentions = _outermost(entity.mentions)
        _score_entity(entity)
    return list(entities.values())


def _mention(ctx: ArticleContext, c: Candidate, type_: str, kind: str, label: str) -> MentionSpan:
    method = "description" if c.form == "nominal" else c.method
    own_type = None
    # a place inside a unit's name ("the Kirkuk Operations Command") names the unit's home,
    # it does not act: the entity's type, a location
    if c.form == "name" and not c.nested:
        own_type = mention_type(ctx.docs[c.para][c.token_start : c.token_end], type_, kind)
    features = mention_features(method, c.form, label, c.copied)
    return MentionSpan(
        c.start, c.end, c.text, c.form, own_type, method,
        confidence("mentions", features), features,
    )


def _score_entity(entity: ExtractedEntity) -> None:
    entity.method = best_method([m.method for m in entity.mentions])
    names = sum(1 for m in entity.mentions if m.form == "name")
    entity.features = entity_features(entity.method, entity.kind, names)
    entity.confidence = confidence("entities", entity.features)
    entity.roles = [_score_role(r) for r in entity.roles]


def _score_role(role: RoleFact) -> RoleFact:
    organisation = (
        "entity" if role.organisation_key else "named" if role.organisation_name else "none"
    )
    features = role_features(role.cue, organisation)
    return replace(role, features=features, confidence=confidence("roles", features))


def _score_quote(quote: ExtractedQuote) -> ExtractedQuote:
    features = quote_features(quote.cue)
    return replace(quote, features=features, confidence=confidence("quotes", features))


def _outermost(mentions: list[MentionSpan]) -> list[MentionSpan]:
    """One entity is not mentioned twice in one place ("the Iraqi government" holding
    "Iraqi government"): keep the outer mention."""
    kept: list[MentionSpan] = []
    for m in sorted(mentions, key=lambda m: (m.start, -m.end)):
        if not any(k.start <= m.start and m.end <= k.end for k in kept):
            kept.append(m)
    return kept


def extract(nlp: Language, normalised: NormalisedText) -> Extraction:
    """Entities, mentions, roles and quotes, with offsets into ``normalised.text``."""
    text, back = visible(normalised)
    extraction = _extract_visible(nlp, text)
    return to_served(extraction, back) if back is not None else extraction


def extract_many(nlp: Language, texts: Sequence[NormalisedText]) -> list[Extraction]:
    """Several articles parsed in one ``nlp.pipe`` stream (batching across articles)."""
    shown = [visible(n) for n in texts]
    contexts = parse_many(nlp, [text for text, _ in shown])
    return [
        to_served(extract_parsed(ctx), back) if back is not None else extract_parsed(ctx)
        for ctx, (_, back) in zip(contexts, shown, strict=True)
    ]


def _extract_visible(nlp: Language, normalised: NormalisedText) -> Extraction:
    return extract_parsed(parse(nlp, normalised))


def extract_parsed(ctx: ArticleContext) -> Extraction:
    found = run(ctx, STEPS)
    quotes = [_score_quote(q) for q in find_quotes(ctx, found.mentions)]
    return Extraction(
        build_entities(ctx, found.mentions, found.roles), quotes, list(ctx.sentences)
    )
