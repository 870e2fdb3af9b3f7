"""Descriptions that refer to a named entity: "the extremist group", "the Iraqi premier",
"the city", "the capital of Anbar province". Linked only where the text makes it clear."""

import re
from collections import Counter

from spacy.tokens import Doc, Span, Token

from app.nlp.context import ArticleContext, Candidate
from app.nlp.knowledge import alias_heads, lexicon, words
from app.nlp.labels import DOMAIN_LABELS
from app.nlp.linking import BODY_LABELS, _norm

PLACE_KINDS = {
    "city": {"CITY"},
    "province": {"PROVINCE"},
    "country": {"COUNTRY"},
    "district": {"DISTRICT"},
}
MODIFIER_TAGS = {"JJ", "JJS", "JJR", "VBN"}
PLACE_LABELS = {"CITY", "PROVINCE", "COUNTRY", "DISTRICT"}


def _prior(cands: list[Candidate], before: int, labels: set[str]) -> list[Candidate]:
    found = [c for c in cands if c.end <= before and c.label in labels and c.key]
    return sorted(found, key=lambda c: c.start)


def _modifies_a_noun(ctx: ArticleContext, c: Candidate) -> bool:
    """'officials in Baghdad', 'U.S.-backed': the place only qualifies a noun; not the topic."""
    doc = ctx.docs[c.para]
    if c.token_end - c.token_start == 1 and doc[c.token_start].text != c.text:
        return True  # part of a word: "U.S." in "U.S.-backed"
    root = doc[c.token_start : c.token_end].root
    return root.dep_ == "pobj" and root.head.head.pos_ in ("NOUN", "PROPN", "PRON")


def _salient(
    ctx: ArticleContext, cands: list[Candidate], offset: int, labels: set[str]
) -> str | None:
    """Same sentence: the nearest earlier topic; otherwise the most mentioned so far."""
    prior = _prior(cands, offset, labels)
    if not prior:
        return None
    sentence = ctx.sentence_index(offset)
    same = [
        c
        for c in prior
        if ctx.sentence_index(c.start) == sentence
        and (c.form != "name" or not _modifies_a_noun(ctx, c))
    ]
    if same:
        return same[-1].key
    counts = Counter(c.key for c in prior)
    last_seen = {c.key: c.start for c in prior}
    return max(counts, key=lambda k: (counts[k], last_seen[k]))


def _nominal(
    ctx: ArticleContext, para: int, start_tok: int, end_tok: int, key: str, label: str
) -> Candidate:
    doc = ctx.docs[para]
    span = doc[start_tok:end_tok]
    s, e = ctx.span_chars(para, span)
    return Candidate(
        s, e, span.text, label, para, start_tok, end_tok, key=key, strong=True, form="nominal",
        method="description",
    )


TITLE_PREPOSITIONS = frozenset({"of", "for", "in", "to", "at", "with", "from"})


def _role_holders(cands: list[Candidate], roles: dict[str, list[str]]) -> dict[str, set[str]]:
    """role title -> the one person who holds it in this article."""
    holders: dict[str, set[str]] = {}
    for key, titles in roles.items():
        for title in titles:
            words = title.lower().split()
            # "major general" is "the general"; "director of operations" is "the director"
            head = next((i for i, w in enumerate(words) if w in TITLE_PREPOSITIONS), len(words))
            for name in {" ".join(words), words[max(0, head - 1)]}:
                holders.setdefault(name, set()).add(key)
    return holders


def find_nominals(
    ctx: ArticleContext, cands: list[Candidate], roles: dict[str, list[str]]
) -> list[Candidate]:
    lex = lexicon()
    group_heads = set(lex["group_nominals"])
    group_adjs = {a.lower() for a in lex["group_nominal_adjectives"]}
    synonyms = lex["role_synonyms"]
    holders = _role_holders(cands, roles)
    taken = [(c.start, c.end) for c in cands]
    # a description may hold another: "the coalition" in "the coalition’s spokesman"
    holders_of_others = [(c.start, c.end) for c in cands if c.form == "nominal"]
    found: list[Candidate] = []
    by_name = {_norm(c.text): c for c in cands if c.key and c.form == "name"}

    def free(s: int, e: int) -> bool:
        return not any(
            s < te and ts < e and not ((ts, te) in holders_of_others and ts <= s and e < te)
            for ts, te in taken
        )

    possessors = {(c.para, c.token_start): c for c in cands if c.label == "COUNTRY"}
    for para, doc in enumerate(ctx.docs):
        for tok in doc:
            owner = possessors.get((para, tok.i))
            first_modifier = tok.i + 1
            if (
                owner is not None
                and owner.token_end < len(doc)
                and doc[owner.token_end].tag_ == "POS"
            ):
                first_modifier = owner.token_end + 1  # "Iraq’s largest province"
            elif tok.lower_ != "the":
                continue
            j = first_modifier
            while j < len(doc) and (
                doc[j].lower_ in group_adjs
                or doc[j].tag_ in MODIFIER_TAGS
                or doc[j].text == "-"
                or (j + 1 < len(doc) and doc[j + 1].text == "-")  # "war" in "war-torn"
            ):
                j += 1
            if j >= len(doc):
                continue
            head = doc[j]
            nxt = doc[j + 1] if j + 1 < len(doc) else None
            if nxt is not None and (nxt.pos_ == "PROPN" or nxt.text in ("-",)):
                continue  # "the group al-Qaeda": the name follows; a title before a name
            offset = ctx.start_of(para, tok)
            cand = _match_nominal(
                ctx,
                cands + found,
                doc,
                para,
                tok.i,
                j,
                head.lower_,
                nxt,
                offset,
                group_heads,
                group_adjs,
                synonyms,
                holders,
                by_name,
            )
            if owner is not None and first_modifier != tok.i + 1:
                if cand is None or cand.label not in PLACE_LABELS:
                    continue
                taken_here = [(s, e) for s, e in taken if (s, e) != (owner.start, owner.end)]
                if any(cand.start < te and ts < cand.end for ts, te in taken_here):
                    continue
            elif cand is None or not free(cand.start, cand.end):
                continue
            found.append(cand)
            taken.append((cand.start, cand.end))
    return found


def _match_nominal(
    ctx,
    cands,
    doc: Doc,
    para,
    first,
    j,
    head,
    nxt,
    offset,
    group_heads,
    group_adjs,  # type: ignore[no-untyped-def]
    synonyms,
    holders,
    by_name,
) -> Candidate | None:
    adjs = [t.lower_ for t in doc[first + 1 : j]]
    if head in group_heads and all(a in group_adjs for a in adjs if a != "-"):
        if nxt is not None and nxt.lower_ == "of":
            return None  # "the group of pro-government forces": a collective, not a name
        # "the militia" may be a militia formation as well as an armed group
        labels = {"ARMED_GROUP", "UNIT_MILITIA"} if head == "militia" else {"ARMED_GROUP"}
        group = _salient_group(ctx, cands, offset, labels)
        if group is None or not group.key:
            return None
        return _nominal(ctx, para, first, j + 1, group.key, group.label)
    if nxt is not None and nxt.pos_ in ("NOUN", "PROPN") and nxt.dep_ != "case":
        return None  # "the police station": the head noun comes later
    phrases = [head] + ([f"{adjs[-1]} {head}"] if adjs else [])
    for phrase in reversed(phrases):
        title = synonyms.get(phrase, phrase)
        if title in holders:
            # of two generals, "the general" is the one the passage last named
            holding = [c for c in _prior(cands, offset, {"PERSON"}) if c.key in holders[title]]
            if not holding and len(holders[title]) == 1:  # named only later: "the premier ..."
                holding = [c for c in cands if c.key in holders[title]]
            if holding:
                return _nominal(ctx, para, first, j + 1, holding[-1].key or "", "PERSON")
    place_kind = lexicon()["place_nominals"].get(head)
    if place_kind is None:
        named = _named_by_head(cands, offset, head, doc[j].is_title)
        return (
            _nominal(ctx, para, first, j + 1, named.key, named.label)
            if named and named.key
            else None
        )
    if place_kind == "capital":
        return _capital(ctx, cands, doc, para, first, j, offset, by_name)
    if place_kind == "city" and adjs and adjs[-1] in words("quarter_modifiers"):
        return _quarter(ctx, cands, doc, para, first, j, offset)
    if place_kind in PLACE_KINDS:
        if nxt is not None and nxt.lower_ == "of":
            return None
        key = _salient(ctx, cands, offset, PLACE_KINDS[place_kind])
        label = next(iter(PLACE_KINDS[place_kind]))
        return _nominal(ctx, para, first, j + 1, key, label) if key else None
    return None


def _quarter(
    ctx: ArticleContext, cands: list[Candidate], doc: Doc, para: int, first: int, j: int,
    offset: int,
) -> Candidate:
    """ "the old city" (of Sanaa): a district of its own, one entity per city it is part of,
    never the city."""
    end = j + 1
    city = None
    if end + 1 < len(doc) and doc[end].lower_ == "of":
        city = next(
            (c for c in cands if c.para == para and c.token_start == end + 1 and c.key), None
        )
    city_key = city.key if city is not None else _salient(ctx, cands, offset, {"CITY"})
    name = " ".join(t.lower_ for t in doc[first + 1 : end])
    key = f"location:{name}" + (f"@{city_key}" if city_key else "")
    cand = _nominal(ctx, para, first, end, key, "DISTRICT")
    cand.canonical = name
    return cand


NOT_BY_HEAD = {"PERSON", "PEOPLE"}
PLACE_BY_DESIGNATOR = {"REGION", "FACILITY", "ROAD"}


def _named_by_head(
    cands: list[Candidate], offset: int, head: str, capitalised: bool = False
) -> Candidate | None:
    """'the coalition', 'the brigade', 'the highway': the latest name ending in that word;
    'The Observatory', 'the Mission': a capitalised word of a body's longer name."""
    if not head.isalpha() or len(head) < 4:
        return None
    if head in lexicon()["vague_heads"]:
        return _named_nearby(cands, offset, head)
    singular = head[:-1] if head.endswith("s") and not head.endswith("ss") else head
    labels = set(DOMAIN_LABELS) - NOT_BY_HEAD
    for c in reversed(_prior(cands, offset, labels)):
        last_words = {name.lower().split()[-1] for name in (c.text, c.canonical) if name}
        if c.form == "name" and last_words & {head, singular, singular + "s"}:
            return c
        if (
            c.form == "name" and c.canonical and head in words("body_heads")
            and head in alias_heads().get(c.canonical, ())
        ):
            return c  # "the agency" after "the World Health Organization" (the UN health agency)
        if c.form == "name" and any(
            name.lower().endswith(" " + ending)
            for name in (c.text, c.canonical) if name
            for ending in lexicon()["head_synonyms"].get(head, ())
        ):
            return c  # "the army" after "the Malian Armed Forces"
        if c.form == "name" and c.label in BODY_LABELS and _word_of_name(head, c, capitalised):
            return c
        if _described_body(c) and head == c.text.lower().split()[-1]:
            return c  # "the ministry" after "the Houthi-run health ministry"
        if c.form == "name" and _designator_first(c, head):
            return c  # "the lake" after "Lake Chad", "the camp" after "Camp Lemonnier"
    return None


# how far back a vague head ("the force") looks for the proper name it repeats
NEARBY_CHARS = 400


def _named_nearby(cands: list[Candidate], offset: int, head: str) -> Candidate | None:
    """ "the force" just after "the Multinational Joint Task Force": a vague word ("force",
    "unit", "team") names a body only when the one named just before ends in it, capitalised;
    elsewhere it is the word ("the use of force")."""
    if head not in words("proper_name_heads"):
        return None
    for c in reversed(_prior(cands, offset, BODY_LABELS)):
        if offset - c.end > NEARBY_CHARS:
            return None
        if c.form == "name" and c.text.split()[-1] == head.capitalize():
            return c
    return None


def _designator_first(c: Candidate, head: str) -> bool:
    """A place named by its designator and a name: "Lake Chad", "Camp Lemonnier"."""
    words = c.text.split()
    return c.label in PLACE_BY_DESIGNATOR and len(words) > 1 and words[0].lower() == head


def _described_body(c: Candidate) -> bool:
    """A body described in lower case (bodies.py): a nominal with a name of its own."""
    return c.form == "nominal" and c.label in BODY_LABELS and c.canonical is not None


def _word_of_name(head: str, body: Candidate, capitalised: bool) -> bool:
    """ "The Observatory", "the ministry", "the mission": a word of a body's longer name
    (not its first word when that is a nationality: "Syrian", "Iraqi")."""
    words = [w.lower() for w in body.text.split()]
    if len(words) < 2:
        return False
    if not words[0][:1].isalpha() or body.text.split()[0] in lexicon()["demonyms"]:
        words = words[1:]
    return head in words if capitalised else head in words and len(head) >= 5


def _salient_group(
    ctx: ArticleContext, cands: list[Candidate], offset: int, labels: set[str]
) -> Candidate | None:
    """The last armed group named, leaving out one named only to describe another: in
    "al-Qaeda in Iraq, the precursor to the Islamic State", "the group" is al-Qaeda in Iraq."""
    prior = _prior(cands, offset, labels)
    for c in reversed(prior):
        if not _describes_another(ctx, c, prior) and not _subordinate(ctx, c, prior):
            return c
    return prior[-1] if prior else None


def _subordinate(ctx: ArticleContext, c: Candidate, groups: list[Candidate]) -> bool:
    """Whether ``c`` is named inside a phrase about another group: in "ISWAP, which broke
    away from Boko Haram and is loyal to the Islamic State, has turned ...", the passage is
    about ISWAP."""
    doc = ctx.docs[c.para]
    return any(
        g.key != c.key and g.para == c.para and g.token_start <= anc.i < g.token_end
        for anc in doc[c.token_start : c.token_end].root.ancestors
        for g in groups
    )


def _describes_another(ctx: ArticleContext, c: Candidate, groups: list[Candidate]) -> bool:
    """Whether ``c`` sits in an apposition set beside another group's name."""
    doc = ctx.docs[c.para]
    tok = doc[c.token_start : c.token_end].root
    for _ in range(4):
        if tok.dep_ == "appos":
            at = tok.head.i
            return any(
                g is not c and g.para == c.para and g.token_start <= at < g.token_end
                for g in groups
            )
        if tok.head is tok:
            return False
        tok = tok.head
    return False


def _capital(ctx, cands, doc, para, first, j, offset, by_name) -> Candidate | None:  # type: ignore[no-untyped-def]
    lex = lexicon()
    end = j + 1
    if end + 1 < len(doc) and doc[end].lower_ == "of":
        owner = next(
            (c for c in cands if c.para == para and c.token_start in (end + 1, end + 2)), None
        )
        if owner is None:
            return None
        capital = lex["provincial_capitals"].get(owner.canonical or owner.text) or lex[
            "capitals"
        ].get(owner.canonical or owner.text)
        city = by_name.get(_norm(capital)) if capital else None
        if city is None:
            return None
        return _nominal(ctx, para, first, end, city.key, "CITY")
    adjectives = [t.text for t in doc[first + 1 : j]]
    for adj in adjectives:  # "the Omani capital"
        country = lex["demonyms"].get(adj)
        capital = lex["capitals"].get(country) if country else None
        city = by_name.get(_norm(capital)) if capital else None
        if city is not None:
            return _nominal(ctx, para, first, end, city.key, "CITY")
    if adjectives:
        return None
    countries = Counter(c.canonical or c.text for c in _prior(cands, offset, {"COUNTRY"}))
    for country, _ in countries.most_common():
        capital = lex["capitals"].get(country)
        city = by_name.get(_norm(capital)) if capital else None
        if city is not None:
            return _nominal(ctx, para, first, end, city.key, "CITY")
    return None


def _country_of(
    tok_children: list, cands: list[Candidate], ctx: ArticleContext, para: int
) -> str | None:  # type: ignore[type-arg]
    demonyms = lexicon()["demonyms"]
    for child in tok_children:
        if child.dep_ == "poss":
            start = ctx.start_of(para, child)
            owner = next((c for c in cands if c.start == start and c.label == "COUNTRY"), None)
            if owner is not None:
                return owner.canonical or owner.text
        if child.dep_ in ("amod", "compound") and child.text in demonyms:
            return str(demonyms[child.text])
        if child.dep_ == "compound":  # "the Puntland government": a province's own
            start = ctx.start_of(para, child)
            region = next((c for c in cands if c.start == start and c.label == "PROVINCE"), None)
            if region is not None:
                return region.canonical or region.text
    return None


PAST_ERA = re.compile(r"\b(?:1[89]\d\d|(?:19)?\d0s|(?:a|two|three|several) decades? ago)\b")


def _seat_of(tok: Token, cands: list[Candidate], ctx: ArticleContext, para: int) -> str | None:
    """ "the military government in Bamako": the country whose capital the government sits in."""
    by_capital = {city: country for country, city in lexicon()["capitals"].items()}
    start, end = ctx.sentence_bounds(ctx.start_of(para, tok))
    if PAST_ERA.search(ctx.text[start:end]):
        return None  # "In the 1980s, ... the communist government in Kabul": that era's
    for prep in tok.rights:
        if prep.lower_ != "in":
            continue
        for obj in prep.children:
            start = ctx.start_of(para, obj)
            city = next((c for c in cands if c.start <= start < c.end and c.label == "CITY"), None)
            if city is not None and (city.canonical or city.text) in by_capital:
                return str(by_capital[city.canonical or city.text])
    return None


def government_name(country: str) -> str:
    """As the knowledge file names governments: "Government of Iraq", "U.S. government"."""
    if country == "United States":
        return "U.S. government"
    the = "the " if country in ("United Kingdom", "United Arab Emirates") else ""
    return f"Government of {the}{country}"


def government_mentions(ctx: ArticleContext, cands: list[Candidate]) -> list[Candidate]:
    """ "Iraq’s government", "the Iraqi government", and later "the government"."""
    found: list[Candidate] = []
    seen: Counter[str] = Counter()
    for para, doc in enumerate(ctx.docs):
        for tok in doc:
            if tok.lower_ != "government" or tok.dep_ in ("amod", "compound") or tok.pos_ != "NOUN":
                continue
            if tok.i > 0 and doc[tok.i - 1].text == "-":
                continue  # "pro-government"
            first = tok.left_edge.i
            country = _country_of(list(tok.children), cands, ctx, para) or _seat_of(
                tok, cands, ctx, para
            )
            if country is not None:
                name = government_name(country)
                key = f"actor:{name.lower()}"
            elif doc[first].lower_ == "the" and seen:
                key = seen.most_common(1)[0][0]
            elif (
                doc[first].lower_ == "the"
                and _present_government(doc[first + 1 : tok.i])
                and (home := _dateline_country(ctx, cands))
            ):
                country = home  # "MOSUL, Iraq — ... the government": the report's country's
                name = government_name(country)
                key = f"actor:{name.lower()}"
            else:
                continue
            seen[key] += 1
            cand = _nominal(ctx, para, first, tok.i + 1, key, "GOVERNMENT")

            cand.canonical = name if country is not None else None
            found.append(cand)
    return found


def _present_government(modifiers: Span) -> bool:
    """ "the government", "the internationally recognised government": the state's present
    government, not "the communist government" or "the former government" (a report's first
    government is not taken for the dateline country's unless so)."""
    return all(t.lower_ in words("state_government_words") for t in modifiers)


def _dateline_country(ctx: ArticleContext, cands: list[Candidate]) -> str | None:
    """The country of a report's dateline ("MOSUL, Iraq — ..."), where the report was filed."""
    if not ctx.docs:
        return None
    doc = ctx.docs[0]
    for c in cands:
        if (
            c.para == 0 and c.label == "COUNTRY" and c.token_start <= 6
            and c.token_end < len(doc) and doc[c.token_end].text in ("—", "–", "--")
        ):
            return c.canonical or c.text
    return None


def _describes(named: Candidate, noun: str) -> bool:
    """A place is described by a place noun ("a town"), anything else by any other noun."""
    lex = lexicon()
    place_nouns = (
        set(lex["place_nominals"])
        | set(lex["facility_nouns"])
        | {"town", "village", "port", "hub", "stronghold", "region", "area", "border", "crossing"}
    )
    if DOMAIN_LABELS[named.label][0] == "location":
        return noun in place_nouns
    return noun not in place_nouns


def appositive_nominals(ctx: ArticleContext, cands: list[Candidate]) -> list[Candidate]:
    """ "Mosul, Iraq’s second-largest city" and "Baghdad, the capital": the description is
    another mention of the name it stands beside."""
    found = []
    for c in cands:
        if c.form != "name" or c.key is None or c.label in ("PERSON", "PEOPLE"):
            continue
        doc = ctx.docs[c.para]
        root = doc[c.token_start : c.token_end].root
        for child in root.children:
            if child.dep_ != "appos" or child.pos_ != "NOUN" or child.i < c.token_end:
                continue
            if not _describes(c, child.lower_):
                continue  # "in Saraqeb, a war monitor said": a new subject, not a description
            first = child.left_edge.i
            if doc[first].dep_ not in ("det", "poss") or first == 0 or doc[first - 1].text != ",":
                continue
            found.append(_nominal(ctx, c.para, first, child.i + 1, c.key, c.label))
    return found


FACILITY_DETERMINERS = {"the", "a", "an", "that", "this"}


def facility_mentions(ctx: ArticleContext, cands: list[Candidate]) -> list[Candidate]:
    """Unnamed places a story is about: "the police station", "a military operations hub",
    and later "the compound" or "that facility" for the last of them."""
    lex = lexicon()
    specific, generic = set(lex["facility_nouns"]), set(lex["generic_facility_nouns"])
    nouns = specific | generic  # (once, not at every token)
    taken = [(c.start, c.end) for c in cands]
    found: list[Candidate] = []
    for para, doc in enumerate(ctx.docs):
        for tok in doc:
            head = tok.lower_
            if tok.pos_ != "NOUN" or head not in nouns or tok.dep_ == "compound":
                continue
            first = tok.left_edge.i
            if doc[first].lower_ not in FACILITY_DETERMINERS or tok.i - first > 4:
                continue
            if any(t.pos_ == "PROPN" or t.ent_type_ for t in doc[first : tok.i + 1]):
                continue  # a named place: the knowledge file and the model handle those
            span = doc[first : tok.i + 1]
            start, end = ctx.span_chars(para, span)
            if any(start < te and ts < end for ts, te in taken):
                continue
            earlier = _prior([*cands, *found], start, {"FACILITY"})
            cand = _facility(ctx, para, span, head in generic, earlier)
            if cand is None:
                continue
            found.append(cand)
            taken.append((start, end))
    # "hitting a military camp": a place described once with "a" and never returned to is
    # no entity (GUIDELINES 3.6); "a hospital complex ... the hospital complex" is one
    keys = Counter(c.key for c in found)
    return [
        c for c in found
        if keys[c.key] > 1 or c.text.split()[0].lower() not in ("a", "an")
        or any(o.key == c.key for o in cands)
    ]


def _facility(
    ctx: ArticleContext, para: int, span: Span, generic: bool, earlier: list[Candidate]
) -> Candidate | None:
    """Link to the last place of that sort ("the area police station" after "the police
    station"; "the compound" after any facility), or start a new one."""
    head = span[-1].lower_
    if generic:
        same = earlier
    else:
        same = [
            c
            for c in earlier
            if head in {name.lower().split()[-1] for name in (c.text, c.canonical) if name}
        ]
    if same:
        return _nominal(ctx, para, span.start, span.end, same[-1].key or "", "FACILITY")
    if generic:
        return None  # "the facility" with nothing before it names nothing we know
    name = " ".join(t.text for t in span[1:])
    start, _ = ctx.span_chars(para, span)
    cand = _nominal(ctx, para, span.start, span.end, f"location:{name.lower()}@{start}", "FACILITY")
    cand.canonical = name
    return cand
