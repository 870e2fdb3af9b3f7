"""Turn a normalised article into entities, mentions, roles and quotes.

Order matters: names are found and typed, then linked (so surnames and aliases resolve), then
roles are read from titles and appositions, and only then can descriptions ("the premier") be
linked to the one person who holds that role, and quotes be given their speakers.
"""

from collections import defaultdict
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
from app.nlp.linking import (
    entity_canonicals,
    entity_labels,
    entity_names,
    link_acronyms,
    link_by_name_word,
    link_known_as,
    link_mentions,
    merge_generic_units,
    merge_numbered_units,
)
from app.nlp.mention_types import mention_type
from app.nlp.mentions import find_candidates
from app.nlp.nominals import (
    appositive_nominals,
    facility_mentions,
    find_nominals,
    government_mentions,
)
from app.nlp.normalise import NormalisedText
from app.nlp.propagate import propagate_names
from app.nlp.quotes import find_quotes
from app.nlp.roles import appositive_descriptions, roles_of
from app.nlp.titles import (
    join_split_names,
    speaker_labels,
    title_mentions,
    transcript_speakers,
)
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


def drop_crossing(ctx: ArticleContext, cands: list[Candidate]) -> list[Candidate]:
    """Mentions nest or stay apart; of two that cross or coincide, the first found wins;
    none lies in a name that is no entity of ours ("Operation Inherent Resolve")."""
    kept: list[Candidate] = []
    # Kept mentions that end before the next one starts can clash with no later one (they
    # come in order of start): only the open ones are compared.
    open_: list[Candidate] = []
    for c in sorted(cands, key=lambda c: (c.start, -c.end)):
        if ctx.is_blocked(c.start, c.end):
            continue
        open_ = [k for k in open_ if k.end >= c.start]
        clash = any(
            (c.start, c.end) == (k.start, k.end)
            or (c.start < k.end < c.end)
            or (k.start < c.end < k.end and c.start > k.start and c.end > k.end)
            for k in open_
        )
        if not clash:
            kept.append(c)
            open_.append(c)
    return kept


APPOSITIVE_DETERMINERS = {"a", "an", "the", "another", "one"}


def link_appositives(ctx: ArticleContext, cands: list[Candidate]) -> None:
    """ "Asaib Ahl al-Haq, another Iranian-aligned militia": the description is the name's."""
    for named, generic in zip(cands, cands[1:], strict=False):
        if named.para != generic.para or named.canonical is None and named.label != "PERSON":
            continue
        if not generic.label.startswith("UNIT_") or generic.canonical:
            continue
        doc = ctx.docs[named.para]
        det = generic.token_start - 1
        if det - 1 != named.token_end or doc[det - 1].text != ",":
            continue
        if doc[det].lower_ not in APPOSITIVE_DETERMINERS:
            continue
        root = doc[generic.token_start : generic.token_end].root
        if root.dep_ != "appos" or not named.token_start <= root.head.i < named.token_end:
            continue  # "in Taiz, the 35th Brigade said": a new subject, not a description
        start, _ = ctx.span_chars(named.para, doc[det : det + 1])
        generic.start, generic.text = start, ctx.text[start : generic.end]
        generic.token_start, generic.key, generic.form = det, named.key, "nominal"
        generic.method = "description"


def collect_roles(ctx: ArticleContext, cands: list[Candidate]) -> dict[str, list[RoleFact]]:
    roles: dict[str, list[RoleFact]] = defaultdict(list)
    for c in cands:
        if c.label != "PERSON" or c.form != "name" or c.key is None:
            continue
        for role in roles_of(ctx, c, cands):
            _add_role(roles[c.key], role)
    for held in roles.values():
        _rank_in_the_same_body(held)
    return roles


def _rank_in_the_same_body(roles: list[RoleFact]) -> None:
    """A title before the name with no body of its own ("Maj. X, the division's spokesman")
    is held in the body of the person's other role, when there is exactly one such body."""
    bodies = {(r.organisation_key, r.organisation_name) for r in roles if r.organisation_key}
    if len(bodies) != 1:
        return
    key, name = next(iter(bodies))
    for i, role in enumerate(roles):
        if role.cue == "title" and role.organisation_key is None and not role.organisation_name:
            roles[i] = replace(role, organisation_key=key, organisation_name=name, cue="rank")


def _add_role(roles: list[RoleFact], role: RoleFact) -> None:
    """Keep the fuller of two titles that say the same ("tribal fighter" within
    "pro-government tribal fighter"), and the organisation whichever one names it."""
    title = role.title.lower()
    for i, other in enumerate(roles):
        known = other.title.lower()
        if title == known or known.endswith(" " + title) or title.endswith(" " + known):
            keep = other if len(known) >= len(title) else role
            org = other if other.organisation_key else role
            roles[i] = RoleFact(
                keep.title, org.organisation_key, org.organisation_name, keep.start, keep.end,
                cue=keep.cue,
            )
            return
    roles.append(role)


def descriptions(ctx: ArticleContext, cands: list[Candidate]) -> list[Candidate]:
    """Appositive descriptions of people are mentions of them too."""
    found = []
    for c in cands:
        if c.label != "PERSON" or c.form != "name" or c.key is None:
            continue
        doc = ctx.docs[c.para]
        for first, end in appositive_descriptions(ctx, c):
            span = doc[first:end]
            s, e = ctx.span_chars(c.para, span)
            found.append(
                Candidate(
                    s,
                    e,
                    span.text,
                    "PERSON",
                    c.para,
                    first,
                    end,
                    key=c.key,
                    strong=True,
                    form="nominal",
                    method="description",
                )
            )
    return found


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
    if c.form == "name":
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
    cands = drop_crossing(ctx, join_split_names(ctx, find_candidates(ctx)))
    cands = drop_crossing(ctx, cands + propagate_names(ctx, cands))
    link_mentions(cands)
    link_by_name_word(cands)
    merge_numbered_units(cands)
    aliases = link_acronyms(ctx.text, cands)
    aliases += link_known_as(ctx.text, cands + aliases)
    cands = drop_crossing(ctx, cands + aliases)
    cands = drop_crossing(ctx, cands + propagate_names(ctx, cands, aliases))
    merge_generic_units(cands)
    link_appositives(ctx, cands)
    cands = drop_crossing(ctx, cands + government_mentions(ctx, cands))
    roles = collect_roles(ctx, cands)
    by_title, not_names = title_mentions(ctx, cands, roles)
    labels = speaker_labels(ctx)  # a transcript's "QUESTION:" is no one's name
    not_names += [c for c in cands if any(s <= c.start and c.end <= e for s, e in labels)]
    cands = [c for c in cands if c not in not_names]
    cands = drop_crossing(ctx, cands + by_title + transcript_speakers(ctx, cands))
    titles = {key: [r.title for r in rs] for key, rs in roles.items()}
    described = descriptions(ctx, cands) + appositive_nominals(ctx, cands)
    cands = drop_crossing(ctx, cands + described)
    cands = drop_crossing(ctx, cands + find_nominals(ctx, cands, titles))
    cands = drop_crossing(ctx, cands + facility_mentions(ctx, cands))
    quotes = [_score_quote(q) for q in find_quotes(ctx, cands)]
    return Extraction(build_entities(ctx, cands, roles), quotes, list(ctx.sentences))
