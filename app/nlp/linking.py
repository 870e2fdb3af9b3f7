"""Link mentions within an article: one entity per real-world referent.

Names from the knowledge file link by their canonical id; a surname alone links to the nearest
earlier person with that surname (two people who share one stay two); a name seen with a sure
label lends it to its other mentions ("the Malaab area" makes every "Malaab" a district).
"""

import re
from collections import defaultdict
from dataclasses import replace

from app.nlp.context import ArticleContext, Candidate
from app.nlp.knowledge import lexicon, lookup, strip_article_prefix
from app.nlp.labels import DOMAIN_LABELS


def name_tokens(name: str) -> list[str]:
    parts = name.replace("’", "'").split()
    return [strip_article_prefix(p).lower() for p in parts if p]


def surname(name: str) -> str:
    tokens = name_tokens(name)
    return tokens[-1] if tokens else ""


def _norm(text: str) -> str:
    return strip_article_prefix(" ".join(text.replace("’", "'").split())).lower()


def _vote_labels(cands: list[Candidate]) -> None:
    """A sure label for a name applies to all its unsure mentions."""
    sure: dict[str, str] = {}
    for c in cands:
        if c.strong and c.form == "name":
            sure.setdefault(_norm(c.text), c.label)
    for c in cands:
        if not c.strong and _norm(c.text) in sure:
            c.label, c.strong = sure[_norm(c.text)], True


def _person_key(c: Candidate, persons: list[tuple[int, str, str]]) -> str | None:
    """Key of the person a (possibly partial) name refers to: nearest earlier with that surname."""
    tokens = name_tokens(c.text)
    if not tokens:
        return None
    for _, key, full in reversed(persons):
        if (
            tokens == name_tokens(full)[-len(tokens) :]
            or tokens == name_tokens(full)[: len(tokens)]
        ):
            return key
    return None


NUMBERED_UNIT = re.compile(r"\b(\d+(?:st|nd|rd|th)?)\b")


def merge_numbered_units(cands: list[Candidate]) -> None:
    """ "444 Brigade" is the "444 Combat Brigade" named before it."""
    seen: dict[tuple[str, str], str] = {}
    for c in sorted(cands, key=lambda c: c.start):
        if not c.label.startswith("UNIT_") or c.key is None or c.form != "name":
            continue
        number = NUMBERED_UNIT.search(c.text)
        if number is None:
            continue
        ident = (number.group(1), c.text.lower().split()[-1])
        c.key = seen.setdefault(ident, c.key)


def link_by_name_word(cands: list[Candidate]) -> None:
    """ "The Observatory said" after "the Syrian Observatory for Human Rights": a one-word
    short form of an organisation named before, which the model took for a person."""
    bodies = [c for c in cands if c.key and c.form == "name" and c.label in BODY_LABELS]
    for c in cands:
        if (
            c.strong
            or " " in c.text
            or c.label not in ("PERSON", "ORGANISATION")
            or len(c.text) < 5
        ):
            continue
        earlier = [
            b for b in bodies if b.end <= c.start and " " in b.text and c.text in b.text.split()
        ]
        if earlier:
            c.key, c.label, c.strong = earlier[-1].key, earlier[-1].label, True


BODY_LABELS = {
    "ORGANISATION",
    "GOVERNMENT",
    "ARMED_GROUP",
    "UNIT_POLICE",
    "UNIT_ARMY",
    "UNIT_SPECIAL_FORCES",
    "UNIT_MILITIA",
    "UNIT_FORCES",
}


def link_mentions(cands: list[Candidate]) -> None:
    """Give every candidate a key ``"<type>:<name>"``; candidates sharing a key are one entity."""
    _vote_labels(cands)
    full_names = [c for c in cands if c.label == "PERSON" and len(name_tokens(c.text)) >= 2]
    persons: list[tuple[int, str, str]] = []  # (start, key, full name) in text order
    by_norm: dict[str, str] = {}
    provinces = _provinces_named(cands)
    for c in cands:
        single = len(name_tokens(c.text)) == 1
        if c.label == "PERSON" or (
            single and not c.strong and c.label in ("ORGANISATION", "CITY", "PEOPLE")
        ):
            key = _person_key(c, persons)
            if key is None and single:
                later = {
                    f"actor:{_norm(p.text)}"
                    for p in full_names
                    if surname(p.text) == surname(c.text)
                }
                key = later.pop() if len(later) == 1 else None
            if key is not None:
                c.label, c.key = "PERSON", key
                continue
            if c.label == "PERSON":
                c.key = f"actor:{_norm(c.text)}"
                if len(name_tokens(c.text)) >= 2:
                    persons.append((c.start, c.key, c.text))
                continue
        type_ = DOMAIN_LABELS[c.label][0]
        name = c.canonical or c.text
        norm = _norm(name)
        if type_ == "unit" and not c.canonical:
            norm = re.sub(r"\b(troops|soldiers)$", "forces", norm)  # "Iraqi troops", "Iraqi forces"
        known = lookup(c.text)
        if c.nested and c.label == "CITY" and norm in provinces:
            c.label = "PROVINCE"  # "Deir ez-Zor province ... the Deir ez-Zor Military Council"
        if c.label == "PROVINCE" and known is not None and known.label == "CITY":
            norm = f"{norm} province"  # "Hodeidah province" is not the city of Hodeidah
        c.key = by_norm.setdefault(f"{type_}:{norm}", f"{type_}:{norm}")


def _provinces_named(cands: list[Candidate]) -> set[str]:
    """Names of cities the article also calls a province ("Deir ez-Zor province"): a unit named
    after that name (a provincial command or council) is named after the province."""
    named = set()
    for c in cands:
        known = lookup(c.text)
        if c.label == "PROVINCE" and known is not None and known.label == "CITY":
            named.add(_norm(c.canonical or c.text))
    return named


ACRONYM = re.compile(r" \(([A-Z][A-Z0-9&-]{1,7}s?)\)")


def _abbreviates(acronym: str, name: str) -> bool:
    """'PMF' for 'Popular Mobilization Forces'; not 'AFP' for 'BAGHDAD'."""
    capitals = {ch for word in name.split() for ch in word[:1].upper()}
    capitals |= {ch for ch in name if ch.isupper()}  # "U.N." gives U and N
    letters = [ch for ch in acronym.upper() if ch.isalpha()]
    return bool(letters) and letters[0] == name[:1].upper() and set(letters) <= capitals | {"S"}


def _alias_of(named: Candidate, start: int, end: int, text: str) -> Candidate:
    """Another name for ``named`` written right after it, as a mention of the same entity."""
    return Candidate(
        start,
        end,
        text,
        named.label,
        named.para,
        named.token_end,
        named.token_end,
        key=named.key,
        strong=True,
    )


def link_acronyms(text: str, cands: list[Candidate]) -> list[Candidate]:
    """ "the Popular Mobilization Forces (PMF)": the letters in brackets name the same
    entity, there and wherever else the article uses them. Returns new mentions found."""
    added: list[Candidate] = []
    aliases: dict[str, Candidate] = {}
    for c in cands:
        match = ACRONYM.match(text, c.end)
        if c.key is None or c.form != "name" or match is None or c.label == "PERSON":
            continue
        if not _abbreviates(match.group(1), c.canonical or c.text) and not _abbreviates(
            match.group(1), c.text
        ):
            continue
        aliases[match.group(1)] = c
        start, end = match.start(1), match.end(1)
        if not any(o.start == start and o.end == end for o in cands):
            added.append(_alias_of(c, start, end, match.group(1)))
    for c in [*cands, *added]:
        named = aliases.get(c.text)
        if named is not None:
            c.key, c.label = named.key, named.label
    return added


KNOWN_AS = re.compile(
    r",?\s*\(?(?:(?:also |better |formerly |widely |locally |popularly )?known as"
    r"|known by its (?:[A-Z]\w+ )?(?:acronym|initials|abbreviation),?)"
    r"\s+(?:the\s+)?[“\"]?"
    r"(?P<alias>[A-Z][\w’'-]*(?:\s+(?:al-)?[A-Z][\w’'-]*){0,4})"
)


def link_known_as(text: str, cands: list[Candidate]) -> tuple[list[Candidate], list[Candidate]]:
    """ "the Special Deterrence Force, known as Rada", "the Congolese army, known by its French
    acronym FARDC": the second name is the first's alias. Returns the new mentions, and the
    aliases (new or found before) whose other occurrences later steps look for."""
    added: list[Candidate] = []
    aliases: list[Candidate] = []
    by_span = {(c.start, c.end): c for c in cands}
    names: dict[str, Candidate] = {}
    for c in cands:
        match = KNOWN_AS.match(text, c.end)
        if c.key is None or c.form != "name" or match is None:
            continue
        start, end = match.span("alias")
        names[match.group("alias")] = c
        if (start, end) in by_span:
            by_span[start, end].strong = True  # the text says what it is
            aliases.append(by_span[start, end])
        elif not any(o.start < end and start < o.end for o in cands):
            added.append(_alias_of(c, start, end, match.group("alias")))
    for other in cands:  # the alias wherever else the article uses it
        named = names.get(other.text)
        if named is not None and other is not named:
            other.key, other.label = named.key, named.label
    return added, added + aliases


# "X, a force known locally as Y", "the irregular forces — known by the government as “Y”",
# "X, known to Afghan soldiers as “the night men”": a term the text gives as another name
INTRODUCED_AS = re.compile(
    r"(?:,|\s[—–]|\s\()\s*(?:(?:a|an)\s+[\w’'-]+(?:\s+[\w’'-]+){0,3}?\s+)?"
    r"(?:also |better |formerly |widely |locally |popularly |commonly )?known"
    r"(?:\s+(?:locally|widely|officially|in\s+\w+|(?:by|to)\s+[\w’'-]+(?:\s+[\w’'-]+){0,3}?))?"
    r"\s+as\s+(?:(?P<quoted>[“\"][^”\"]{2,60}[”\"])|(?:the\s+)?"
    r"(?P<name>(?:[Aa]l-|[Ee]l-)?[A-Z][\w’'-]*(?:\s+(?:al-)?[A-Z][\w’'-]*){0,4}))"
)
DESCRIPTION_BEFORE = re.compile(r"\b(?:the|these|those)\s+(?:[a-z][\w-]*\s+){0,2}[a-z]+s$")


def link_introduced_as(ctx: ArticleContext, cands: list[Candidate]) -> list[Candidate]:
    """A term the text introduces as another name of an entity (a name, or a description of
    the body the sentence is about) is a mention of it; a quoted term keeps its quotes."""
    added: list[Candidate] = []
    for match in INTRODUCED_AS.finditer(ctx.text):
        found = _introduced(ctx, cands, match.start())
        if found is None:
            continue
        owner, description = found
        taken = cands + added
        if description is not None and not _overlaps(description, taken):
            added.append(description)
        start, end = match.span("quoted") if match.group("quoted") else match.span("name")
        inner = (start + 1, end - 1) if match.group("quoted") else (start, end)
        same = [c for c in cands if (c.start, c.end) in ((start, end), inner)]
        term = ctx.text[inner[0] : inner[1]].lower()
        for c in cands:  # "popular mobilization units", which the knowledge file knows
            if c in same or c.form == "name" and c.text.lower() == term and c.start > start:
                c.key, c.label = owner.key, owner.label
        if same or _overlaps_span(start, end, cands + added):
            continue
        alias = _span_candidate(ctx, start, end, owner, nominal=not match.group("name"))
        if alias is not None:
            added.append(alias)
    return added


APPOSITION_GAP = re.compile(r"\s*(?:,\s*(?:a|an)\s+[^,.;:()]{1,40}?)?\s*")


def _introduced(
    ctx: ArticleContext, cands: list[Candidate], at: int
) -> tuple[Candidate, Candidate | None] | None:
    """What a "known as" at ``at`` names: the name right before it (or before an apposition
    "a force"), or a description ("the irregular forces") of the last body named before it
    in the sentence, which is then a mention too."""
    sentence_start, _ = ctx.sentence_bounds(at)
    before = sorted(
        (c for c in cands if sentence_start <= c.start and c.end <= at and c.key),
        key=lambda c: c.end,
        reverse=True,
    )
    for c in before:
        if c.label != "PERSON" and APPOSITION_GAP.fullmatch(ctx.text[c.end : at]):
            return c, None
    described = DESCRIPTION_BEFORE.search(ctx.text[sentence_start:at].rstrip())
    bodies = [c for c in before if c.label in BODY_LABELS]
    if described is None or not bodies:
        return None
    start, end = sentence_start + described.start(), sentence_start + described.end()
    head = ctx.text[start:end].split()[-1].lower()
    if head in lexicon()["unit_heads"]:  # "the irregular forces" are a unit, not a council
        bodies = [c for c in bodies if c.label.startswith("UNIT_")]
    owner = next((c for c in bodies if c.end <= start), None)
    if owner is None:
        return None
    description = _span_candidate(ctx, start, end, owner, nominal=True)
    return (owner, description) if description is not None else None


def _overlaps(c: Candidate, others: list[Candidate]) -> bool:
    return _overlaps_span(c.start, c.end, others)


def _overlaps_span(start: int, end: int, others: list[Candidate]) -> bool:
    return any(o.start < end and start < o.end for o in others)


def _span_candidate(
    ctx: ArticleContext, start: int, end: int, owner: Candidate, nominal: bool = False
) -> Candidate | None:
    para = owner.para
    offset = ctx.offsets[para]
    span = ctx.docs[para].char_span(start - offset, end - offset, alignment_mode="expand")
    if span is None:
        return None
    return Candidate(
        start, end, ctx.text[start:end], owner.label, para, span.start, span.end,
        key=owner.key, strong=True, form="nominal" if nominal else "name",
        method="description" if nominal else "rule",
    )


def merge_generic_units(cands: list[Candidate]) -> None:
    """'Iranian-backed Shiite militias' are the article's 'Shiite militias' with a modifier."""
    generic = {c.key for c in cands if c.key and c.label.startswith("UNIT_") and not c.canonical}
    names = sorted((k.split(":", 1)[1] for k in generic), key=len)
    for c in cands:
        if c.key not in generic or c.canonical:
            continue
        text = c.key.split(":", 1)[1]
        shorter = next((n for n in names if n != text and text.endswith(" " + n)), None)
        if shorter is not None:
            c.key = f"unit:{shorter}"
            cut = len(c.text) - len(shorter)
            if c.text[cut:].lower() == shorter and c.text[cut - 1] == " ":
                c.start, c.text = c.start + cut, c.text[cut:]


def entity_canonicals(cands: list[Candidate]) -> dict[str, str]:
    """The knowledge file's name for each key that has one."""
    return {c.key: c.canonical for c in cands if c.key and c.canonical}


def entity_names(cands: list[Candidate]) -> dict[str, str]:
    """The display name of each key, as the article writes it: the knowledge file's name if the
    article uses it, else the longest name the article uses ("Hayat Tahrir al-Sham", not its
    predecessor's name), else the knowledge file's name (for descriptions only)."""
    canonicals = entity_canonicals(cands)
    written: dict[str, list[str]] = defaultdict(list)
    for c in cands:
        if c.key is not None and c.form == "name":
            written[c.key].append(c.text)
    names: dict[str, str] = {}
    for key in {c.key for c in cands if c.key is not None}:
        texts = written.get(key, [])
        canonical = canonicals.get(key)
        plain = [t for t in texts if key.startswith("unit:") and _norm(t) == key.split(":", 1)[1]]
        if canonical is not None and canonical in texts:
            names[key] = canonical
        elif plain:
            names[key] = plain[0]  # a generic unit by its plainest form, "Shiite militias"
        elif texts:
            names[key] = max(texts, key=len)
        elif canonical is not None:
            names[key] = canonical
    return names


def entity_labels(cands: list[Candidate]) -> dict[str, str]:
    """The most trusted label of each key (sure labels first, then the most frequent)."""
    votes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for c in cands:
        if c.key is not None:
            votes[c.key][c.label] += 10 if c.strong else 1
    return {k: max(v.items(), key=lambda kv: kv[1])[0] for k, v in votes.items()}


APPOSITIVE_DETERMINERS = {"a", "an", "the", "another", "one"}


def appositive_units(
    ctx: ArticleContext, cands: list[Candidate]
) -> list[tuple[Candidate, Candidate]]:
    """ "Asaib Ahl al-Haq, another Iranian-aligned militia": the description is the name's.
    Returns (generic unit mention, the description that replaces it) pairs."""
    found = []
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
        described = replace(
            generic, start=start, text=ctx.text[start : generic.end], token_start=det,
            key=named.key, form="nominal", method="description",
        )
        found.append((generic, described))
    return found
