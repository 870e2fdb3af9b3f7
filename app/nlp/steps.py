"""The extraction steps, in order, each of the one shape ``(ctx, found) -> Decision``.

Order matters: names are found and typed, then linked (so surnames and aliases resolve), then
roles are read from titles and appositions, and only then can descriptions ("the premier") be
linked to the one person who holds that role. Quotes and entities are built from the result
(``extract.extract_parsed``). To add a rule, write a step and put it in ``STEPS``.
"""

from dataclasses import replace

from app.nlp.bodies import body_descriptions
from app.nlp.context import ArticleContext
from app.nlp.linking import (
    appositive_units,
    link_acronyms,
    link_by_name_word,
    link_introduced_as,
    link_known_as,
    link_mentions,
    merge_generic_units,
    merge_numbered_units,
)
from app.nlp.mentions import find_candidates
from app.nlp.nominals import (
    appositive_nominals,
    facility_mentions,
    find_nominals,
    government_mentions,
)
from app.nlp.propagate import propagate_names
from app.nlp.roles import collect_roles, descriptions, government_offices
from app.nlp.runner import Decision, Found, Step
from app.nlp.surnames import place_surnames
from app.nlp.titles import (
    lower_case_offices,
    speaker_labels,
    split_names,
    title_mentions,
    transcript_speakers,
    unnamed_office_holders,
)
from app.nlp.types import RoleFact


def names(ctx: ArticleContext, found: Found) -> Decision:
    """Names from the knowledge file and the model, corrected by context; unit phrases,
    designator places, datelines."""
    return Decision(add=find_candidates(ctx))


def long_names(ctx: ArticleContext, found: Found) -> Decision:
    """A long personal name the model cut in two is one name; so is a name whose last part is
    also a place ("Ahmad Zia Farah")."""
    pieces, whole = split_names(ctx, found.mentions)
    kept = [c for c in found.mentions if c not in pieces] + whole
    tail_pieces, tailed = place_surnames(ctx, kept)
    whole = [c for c in whole if c not in tail_pieces] + tailed
    return Decision(add=whole, drop=pieces + [c for c in tail_pieces if c not in whole])


def other_occurrences(ctx: ArticleContext, found: Found) -> Decision:
    """Every other occurrence of a name found somewhere."""
    return Decision(add=propagate_names(ctx, found.mentions))


def links(ctx: ArticleContext, found: Found) -> Decision:
    """Link names: same canonical id, surnames, a name word; numbered units by number."""
    link_mentions(found.mentions)
    link_by_name_word(found.mentions)
    merge_numbered_units(found.mentions)
    return Decision()


def acronyms(ctx: ArticleContext, found: Found) -> Decision:
    """ "the Popular Mobilization Forces (PMF)": the letters name the same entity."""
    added = link_acronyms(ctx.text, found.mentions)
    return Decision(add=added, aliases=added)


def known_as(ctx: ArticleContext, found: Found) -> Decision:
    """ "X, known as Y": Y is X."""
    added, aliases = link_known_as(ctx.text, found.mentions)
    return Decision(add=added, aliases=aliases)


def introduced_as(ctx: ArticleContext, found: Found) -> Decision:
    """ "X, a force known locally as Y", "the irregular forces — known by the government as
    “Y”": the term is another name of the entity (a name, or a description of it)."""
    added = link_introduced_as(ctx, found.mentions)
    return Decision(add=added, aliases=[c for c in added if c.form == "name"])


def alias_occurrences(ctx: ArticleContext, found: Found) -> Decision:
    """Every other occurrence of an alias."""
    return Decision(add=propagate_names(ctx, found.mentions, found.aliases))


def generic_units(ctx: ArticleContext, found: Found) -> Decision:
    """ "Iranian-backed Shiite militias" are the article's "Shiite militias"."""
    merge_generic_units(found.mentions)
    return Decision()


def unit_appositions(ctx: ArticleContext, found: Found) -> Decision:
    """ "Asaib Ahl al-Haq, another Iranian-aligned militia": the description is the name's."""
    pairs = appositive_units(ctx, found.mentions)
    return Decision(add=[new for _, new in pairs], drop=[old for old, _ in pairs])


def governments(ctx: ArticleContext, found: Found) -> Decision:
    """ "the Iraqi government", "Baghdad's government": the government of a named country."""
    return Decision(add=government_mentions(ctx, found.mentions))


def bodies(ctx: ArticleContext, found: Found) -> Decision:
    """ "the Houthi-run health ministry": a body of its own, with the Houthis inside."""
    described, replaced = body_descriptions(ctx, found.mentions)
    return Decision(add=described, drop=replaced)


def roles(ctx: ArticleContext, found: Found) -> Decision:
    """Roles of people, from titles, appositions, possessives, premodifiers and verbs."""
    return Decision(roles=collect_roles(ctx, found.mentions))


def titles_alone(ctx: ArticleContext, found: Found) -> Decision:
    """ "The Defence Secretary said": a mention of the title's holder; a title's words are
    no body's name."""
    by_title, not_names = title_mentions(ctx, found.mentions, found.roles)
    roles = dict(found.roles)
    for c in by_title:  # an actor named by a title nobody named holds: it holds the title
        if c.key and c.key not in roles and c.canonical:
            start, end = ctx.sentence_bounds(c.start)
            roles[c.key] = [RoleFact(c.canonical.lower(), None, None, start, end, cue="title")]
    offices, office_roles = lower_case_offices(ctx, found.mentions, roles)
    for key, facts in office_roles.items():
        roles[key] = roles.get(key, []) + facts
    return Decision(add=by_title + offices, drop=not_names, roles=roles)


def office_holders(ctx: ArticleContext, found: Found) -> Decision:
    """ "The CJTF-OIR commander visited Baghdad": the holder of a body's job, named or not."""
    mentions, new_roles = unnamed_office_holders(ctx, found.mentions, found.roles)
    roles = {**found.roles, **{k: found.roles.get(k, []) + v for k, v in new_roles.items()}}
    return Decision(add=mentions, roles=roles)


def speaker_label_words(ctx: ArticleContext, found: Found) -> Decision:
    """A transcript's "QUESTION:" is no one's name."""
    labels = speaker_labels(ctx)
    inside = [c for c in found.mentions if any(s <= c.start and c.end <= e for s, e in labels)]
    return Decision(drop=inside)


def transcript_speaker_names(ctx: ArticleContext, found: Found) -> Decision:
    """ "MS. WHITLOCK:" is a mention of the Whitlock the transcript names."""
    return Decision(add=transcript_speakers(ctx, found.mentions))


def person_descriptions(ctx: ArticleContext, found: Found) -> Decision:
    """Appositive descriptions of people ("X, a senior commander") and of other names."""
    return Decision(
        add=descriptions(ctx, found.mentions) + appositive_nominals(ctx, found.mentions)
    )


def nominals(ctx: ArticleContext, found: Found) -> Decision:
    """ "the group", "the city", "the premier": descriptions linked to their referent."""
    titles = {key: [r.title for r in held] for key, held in found.roles.items()}
    return Decision(add=find_nominals(ctx, found.mentions, titles))


def government_roles(ctx: ArticleContext, found: Found) -> Decision:
    """ "The Somali Minister of Defence": a minister's role in that country's government."""
    return Decision(roles={**found.roles, **government_offices(ctx, found.mentions, found.roles)})


def facilities(ctx: ArticleContext, found: Found) -> Decision:
    """Unnamed facilities the text returns to ("a hospital complex ... the complex")."""
    return Decision(add=facility_mentions(ctx, found.mentions))


DESCRIBED_LABELS = frozenset({"PEOPLE", "ORGANISATION", "GOVERNMENT"})
# lower-case heads that the news writes as names: "the Saudi-led coalition" (GUIDELINES 3.3)
NAMED_HEADS = frozenset({"coalition"})


def lower_case_descriptions(ctx: ArticleContext, found: Found) -> Decision:
    """ "the Yemeni people", "the international community", "the Misrata municipal council":
    a body or people named by words ending on a common noun is a description (a nominal
    mention, GUIDELINES 3.5), with its article, however it was found; a coalition is named
    so ("the Saudi-led coalition")."""
    spans = {(c.start, c.end) for c in found.mentions}
    add, drop = [], []
    for c in found.mentions:
        doc = ctx.docs[c.para]
        last = doc[c.token_end - 1]
        if (
            c.form != "name" or c.nested or c.key is None or c.label not in DESCRIBED_LABELS
            or not (last.is_alpha and last.is_lower) or last.lower_ in NAMED_HEADS
            or c.token_start == 0
            or doc[c.token_start - 1].lower_ != "the"
        ):
            continue
        start, _ = ctx.span_chars(c.para, doc[c.token_start - 1 : c.token_start])
        if (start, c.end) in spans:
            continue
        text = ctx.text[start : c.end]
        add.append(replace(
            c, start=start, text=text, token_start=c.token_start - 1, form="nominal",
            canonical=c.canonical or c.text,
        ))
        drop.append(c)
    return Decision(add=add, drop=drop)


STEPS: tuple[Step, ...] = (
    names,
    long_names,
    other_occurrences,
    links,
    acronyms,
    known_as,
    introduced_as,
    alias_occurrences,
    generic_units,
    unit_appositions,
    governments,
    bodies,
    roles,
    titles_alone,
    office_holders,
    speaker_label_words,
    transcript_speaker_names,
    person_descriptions,
    nominals,
    government_roles,
    facilities,
    lower_case_descriptions,
)
