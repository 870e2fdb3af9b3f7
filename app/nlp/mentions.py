"""Find mention candidates: the knowledge file's and spaCy's entities, corrected by context,
plus unit phrases, designator places and the places named inside units."""

import re
from functools import lru_cache

from spacy.tokens import Doc, Span, Token

from app.nlp.context import ArticleContext, Candidate, doc_text
from app.nlp.knowledge import KnownName, lexicon, lookup
from app.nlp.knowledge import words as word_list
from app.nlp.labels import DOMAIN_LABELS
from app.nlp.title_lookup import title_ending_at, title_opening

DROP_LABELS = {
    "DATE",
    "TIME",
    "CARDINAL",
    "ORDINAL",
    "QUANTITY",
    "MONEY",
    "PERCENT",
    "LANGUAGE",
    "WORK_OF_ART",
    "LAW",
    "EVENT",
    "PRODUCT",
}
SPACY_TO_DOMAIN = {
    "PERSON": "PERSON",
    "ORG": "ORGANISATION",
    "GPE": "CITY",
    "LOC": "REGION",
    "FAC": "FACILITY",
    "NORP": "PEOPLE",
}
LEADING_WORDS = {"the", "a", "an", "this", "that", "these", "those"}
POSSESSIVE = re.compile(r"(?:['’]s?|['’])$")
AFFIX_TOKEN = re.compile(
    r"^(?P<name>.+?)-(?:led|backed|based|allied|funded|trained|aligned|supported|sponsored|controlled|held)$"
)


def _trim(span: Span) -> tuple[Span, str | None]:
    """Drop leading determiners, a title, and a trailing possessive, punctuation or
    conjunction (the model's span may run onto the next name's "and")."""
    doc = span.doc
    start, end = span.start, span.end
    while start < end and (doc[start].lower_ in LEADING_WORDS or doc[start].is_quote):
        start += 1
    title = None
    opening = title_opening(doc, start, end)
    if opening is not None:
        title, start = opening[0], start + opening[1]
    while end > start and (
        POSSESSIVE.fullmatch(doc[end - 1].text)
        or doc[end - 1].is_punct
        or doc[end - 1].lower_ in ("and", "or")  # "Kenyan Defence Forces and Somali ..."
    ):
        end -= 1
    if end - start > 1 and doc[end - 1].lower_ in lexicon()["tribe_designators"]:
        end -= 1  # "the Albu Nimr tribe": the name is "Albu Nimr"
    if end - start > 1 and doc[end - 1].lower_ in word_list("member_nouns"):
        end -= 1  # "Houthi fighters": the group's name as a modifier
    return doc[start:end], title or _title_before(doc, start)


def _title_before(doc: Doc, start: int) -> str | None:
    """'Col.' or 'Prime Minister' written just before a name the model found without it."""
    return title_ending_at(doc, start)


def _plural_group(text: str) -> KnownName | None:
    """'Houthi' used attributively names the Houthis."""
    known = lookup(text + "s") if text[:1].isupper() and " " not in text else None
    return known if known is not None and known.label == "ARMED_GROUP" else None


def _conjoined_with_place(span: Span) -> bool:
    root = span.root
    partners = [t for t in (*root.conjuncts,)]
    return bool(partners) and all(
        t.ent_type_ in ("GPE", "LOC", "CITY", "PROVINCE", "DISTRICT", "COUNTRY") for t in partners
    )


def _not_a_name(span: Span) -> bool:
    """An adjective ("the Turkish border"), a job ("Humanitarian Coordinator"), a platform
    ("on Telegram"), a military operation or lower-case words the model took for a name."""
    if span.text in lexicon()["platforms"] or not any(ch.isupper() for ch in span.text):
        return True
    doc = span.doc
    if span[0].text == "Operation" or (span.start > 0 and doc[span.start - 1].text == "Operation"):
        return True
    if len(span) == 1 and (
        span[0].tag_ in ("JJ", "JJR", "JJS")
        or span.text in lexicon()["demonyms"]
        or _people_word(span.text)
    ):
        return True
    if span.end < len(doc) and doc[span.end].lower_ in lexicon()["family_words"]:
        return True  # "the Hassan brothers": a family, not one person
    return span[-1].lower_ in lexicon()["role_nouns"]


def _people_word(text: str) -> bool:
    """ "Druze", "Bedouin": a people's name used as an adjective or a singular."""
    for form in (text, text + "s"):
        known = lookup(form)
        if known is not None and known.label == "PEOPLE":
            return True
    return False


def _is_title(text: str) -> bool:
    """ "Brig." cut off from its name by the parser is not a name."""
    titles = lexicon()["titles"]
    return text in titles or f"{text}." in titles or text.rstrip(".") in titles


def _shouted(span: Span) -> bool:
    """A short upper-case alias ("IS") inside an all-capitals line is just a word there."""
    if len(span.text) > 4 or not span.text.isupper():
        return False
    doc = span.doc
    neighbours = [doc[i] for i in (span.start - 1, span.end) if 0 <= i < len(doc)]
    return any(t.is_alpha and t.is_upper and len(t.text) > 1 for t in neighbours)


def _is_slogan(span: Span) -> bool:
    slogans = {s.lower() for s in lexicon()["slogans"]}
    return span.text.lower() in slogans


@lru_cache
def _designators(kind: str) -> tuple[frozenset[tuple[str, ...]], int]:
    """The lexicon's designators of a kind as word tuples, and the most words one has."""
    found = frozenset(tuple(words) for words in lexicon()[kind])
    return found, max((len(words) for words in found), default=0)


def _designator_after(doc: Doc, end: int, kind: str) -> int:
    """Length of a designator of ``kind`` (e.g. 'air base') right after token ``end``, or 0:
    the longest that stands there."""
    designators, longest = _designators(kind)
    following = tuple(doc[i].lower_ for i in range(end, min(end + longest, len(doc))))
    for size in range(len(following), 0, -1):
        if following[:size] in designators:
            return size
    return 0


PLURAL_DESIGNATORS = {
    "districts": "DISTRICT",
    "provinces": "PROVINCE",
    "governorates": "PROVINCE",
    "tribes": "TRIBE",
    "clans": "TRIBE",
    "towns": "CITY",
    "cities": "CITY",
    "villages": "CITY",
}


def _coordinated_designator(doc: Doc, end: int) -> str | None:
    """ "the Nad Ali and Nawa districts": the plural designator types every name before it."""
    i, seen_and = end, False
    while i < len(doc) and i - end < 8:
        tok = doc[i]
        if tok.lower_ in PLURAL_DESIGNATORS:
            return PLURAL_DESIGNATORS[tok.lower_] if seen_and or i == end else None
        if tok.lower_ in ("and", ","):
            seen_and = True
        elif not (tok.pos_ == "PROPN" or tok.text == "-" or tok.lower_ == "al"):
            return None
        i += 1
    return None


def _contextual_label(span: Span, label: str) -> tuple[str, int, bool]:
    """Correct a label from the words around the span: (label, tokens to extend, strong)."""
    lex = lexicon()
    doc, end = span.doc, span.end
    coordinated = _coordinated_designator(doc, end)
    if coordinated is not None:
        return coordinated, 0, True
    nxt = doc[end].lower_ if end < len(doc) else ""
    facility = _designator_after(doc, end, "facility_designators")
    if facility:  # "al-Habbaniyah air base", "the Ghwayran detention facility"
        return "FACILITY", facility, True
    if nxt in lex["road_designators"]:
        return "ROAD", 1, True
    if nxt in lex["tribe_designators"]:
        return "TRIBE", 0, True
    if nxt in lex["province_designators"] and label not in ("COUNTRY",):
        return "PROVINCE", 0, True
    if nxt in lex["district_designators"] and (
        nxt == "district" or span.start > 0 and doc[span.start - 1].lower_ == "the"
    ):
        return "DISTRICT", 0, True
    return label, 0, False


def _keyword_label(span: Span, label: str) -> str:
    """spaCy's PERSON/ORG for names whose words say what they are: a group-name word
    anywhere ("Jaish al-Adl"), a body's or group's head anywhere ("Ministry of Defense",
    "Popular Front"), a unit's head last ("Haftar's 106th Brigade"). One table of heads
    (lexicon/name_heads.json) answers for every rule that reads a name's head."""
    if label not in ("PERSON", "ORGANISATION", "CITY"):
        return label
    tokens = [t.lower_ for t in span]
    if set(tokens) & word_list("armed_group_name_words"):
        return "ARMED_GROUP"
    heads: dict[str, str] = lexicon()["name_heads"]
    anywhere = [heads[t] for t in tokens if heads.get(t) in ("ARMED_GROUP", "GOVERNMENT")]
    if anywhere:
        return "ARMED_GROUP" if "ARMED_GROUP" in anywhere else anywhere[0]
    last = heads.get(tokens[-1])
    return last if last is not None and last.startswith("UNIT_") else label


def _people_or_none(span: Span) -> str | None:
    """A nationality or sect is an entity only as a plural noun: 'Iraqis', not 'Iraqi'."""
    last = span[-1]
    if last.tag_ in ("NNPS", "NNS") and last.dep_ not in ("amod", "compound"):
        return "PEOPLE"
    return None


DATELINE_WITH_AGENCY = re.compile(
    r"^(?P<place>[A-Z][A-Za-z0-9 .,'-]{1,60}?)\s*\((?P<agency>[^()]{1,40})\)\s*[-—–]"
)
DATELINE_IN_CAPITALS = re.compile(
    r"^(?P<place>[A-Z][A-Z .'-]{2,40}(?:,\s*[A-Z][A-Za-z .'-]{1,30})?)\s*[-—–]{1,2}\s"
)


def _dateline(text: str) -> re.Match[str] | None:
    return DATELINE_WITH_AGENCY.match(text) or DATELINE_IN_CAPITALS.match(text)


def dateline_candidates(ctx: ArticleContext, para: int) -> list[Candidate]:
    """ "MOSUL, Iraq (AP) —", "LASHKAR GAH, Afghanistan —": where a wire story is filed from."""
    doc = ctx.docs[para]
    match = _dateline(doc_text(doc))
    if match is None:
        return []
    found = []
    pos = 0
    for part in match.group("place").split(","):
        name = part.strip()
        start = doc_text(doc).index(name, pos) if name else pos
        pos = start + len(name)
        if not name or not name.replace(" ", "").replace("-", "").isalpha():
            continue
        known = lookup(name) or lookup(name.title())
        span = doc.char_span(start, start + len(name))
        if span is None:
            continue
        label, canonical = (known.label, known.canonical) if known else ("CITY", name.title())
        s, e = ctx.span_chars(para, span)
        found.append(Candidate(s, e, name, label, para, span.start, span.end, canonical, True))
    return found


def dateline_credit(text: str, start: int, end: int) -> bool:
    """ "BAGHDAD (Reuters) -": the agency files the story; it is not in it."""
    match = _dateline(text)
    if match is None or "agency" not in match.groupdict() or match.group("agency") is None:
        return False
    return match.start("agency") <= start and end <= match.end("agency")


# A sentence of a list-style report that opens on a place: "Near Al Qaim, two strikes ...".
OPENING_PREPOSITIONS = {"Near", "In", "Outside", "Around", "At", "Inside"}
PLACE_ARTICLES = {"al", "Al", "el", "El", "ash", "Ash", "as", "As", "ad", "Ad", "an", "An"}


def opening_place_candidates(ctx: ArticleContext, para: int) -> list[Candidate]:
    """ "Near Ash Shaddadi, one strike ...": the capitalised words between a sentence's opening
    preposition and its comma are a place, whatever the model made of them ("Near" is no
    part of a name); a name the knowledge file knows keeps its label."""
    doc = ctx.docs[para]
    found = []
    for sent in doc.sents:
        first = sent[0]
        if first.text not in OPENING_PREPOSITIONS:
            continue
        end = first.i + 1
        while end < sent.end and (
            doc[end].text[:1].isupper() or doc[end].text in ("-", "al", "el", "ash", "ad")
        ):
            end += 1
        if end == first.i + 1 or end >= sent.end or doc[end].text != ",":
            continue
        span = doc[first.i + 1 : end]
        if span[0].text in PLACE_ARTICLES and len(span) == 1:
            continue
        known = lookup(span.text)
        if known is not None and DOMAIN_LABELS[known.label][0] != "location":
            continue  # "In Washington, ..." is the city; "In Congress, ..." is no place
        if known is None and any(t.ent_type_ in ("ORG", "NORP") for t in span):
            continue  # "At Human Rights Watch, ..." is an organisation the model knows
        label, canonical = (known.label, known.canonical) if known else ("CITY", None)
        s, e = ctx.span_chars(para, span)
        found.append(
            Candidate(s, e, span.text, label, para, span.start, span.end, canonical, True)
        )
    return found


CREDIT = re.compile(r"\(([^()]*)\)\s*$")


def _credit_start(doc: Doc) -> int:
    """Where a trailing photo credit "(Name/Agency)" begins; names in it are not the story's."""
    text = doc_text(doc)
    match = CREDIT.search(text)
    return match.start() if match and "/" in match.group(1) else len(text)


def entity_candidates(ctx: ArticleContext, para: int) -> list[Candidate]:
    doc = ctx.docs[para]
    found: list[Candidate] = []
    credit = _credit_start(doc)
    text = doc_text(doc)
    for ent in doc.ents:
        if ent.start_char >= credit or dateline_credit(text, ent.start_char, ent.end_char):
            continue
        label = ent.label_
        if label in DROP_LABELS:
            continue
        strong = label in DOMAIN_LABELS and bool(ent.ent_id_ or label != "PERSON")
        method = "knowledge" if strong else "model"
        if label not in DOMAIN_LABELS:
            if label not in SPACY_TO_DOMAIN:
                continue
            label = SPACY_TO_DOMAIN[label]
        span, title = _trim(ent)
        if len(span) == 0 or _is_slogan(span) or not any(ch.isalpha() for ch in span.text):
            continue
        if _shouted(span) or _is_title(span.text):
            continue
        if not strong and _not_a_name(span):
            continue
        if AFFIX_TOKEN.match(span[-1].text):
            continue  # "U.S.-led": handled by affix_candidates
        canonical = ent.ent_id_ or None
        if not strong and len(span) > 1 and span[0].tag_ in ("JJ", "NNP") and lookup(span[1:].text):
            span = span[1:]
        if not strong:
            known = lookup(span.text) or _plural_group(span.text)
            if known is not None:
                label, canonical, strong, method = known.label, known.canonical, True, "knowledge"
        if label == "PEOPLE" and not strong:
            people = _people_or_none(span)
            if people is None or span[0].is_sent_start or doc[span.start - 1].is_quote:
                continue  # "Civilians" opening a sentence is a common noun
        if not strong:
            label = _keyword_label(span, label)
            if label == "ORGANISATION" and state_body_name(span):
                label = "GOVERNMENT"
            if label == "ORGANISATION" and _particle_name(span):
                label = "PERSON"  # "Ousmane Ag Alhassane"
        of_label = _label_from_of_phrase(doc, span.start)
        if of_label is not None and (
            not strong
            or label in ("PERSON", "ORGANISATION")
            or (label, of_label) == ("CITY", "PROVINCE")
        ):
            label, strong, method = of_label, True, "rule"  # "the town of Tal Kaif"
        if not strong and label in ("PERSON", "ORGANISATION") and (
            _after_place_relation(span) or _motion_place(span)
            or (label == "PERSON" and _in_place(span))
        ):
            label, strong, method = "CITY", True, "rule"  # "in the vicinity of Jilib"
        if (
            not strong
            and label == "ORGANISATION"
            and re.fullmatch(r"(?:al|Al|el)-[A-Z]\w+", span.text)
        ):
            label = "CITY"  # "al-Jufra": a lone Arabic name with its article is a place
        if label == "PERSON" and not strong and _conjoined_with_place(span):
            label = "CITY"  # "around Dana and Sarmada"
        if not strong and label in ("ORGANISATION", "CITY") and _set_beside_a_job(span):
            label = "PERSON"  # "The group’s spokesman, Willy Ngoma"
        place_kind = (_described_as_a_place(span) or _seat_of_a_body(span)) if not strong else None
        if place_kind is not None and label in ("ORGANISATION", "PERSON", "CITY"):
            label, strong, method = place_kind, True, "rule"  # "Alamata, a town on the road"
        if not strong and label in ("CITY", "ORGANISATION", "PERSON", "REGION") and (
            span.end < len(doc) and doc[span.end].lower_ in word_list("member_nouns")
        ):
            label, strong, method = "ARMED_GROUP", True, "rule"  # "M23 rebels"
        if label.startswith("UNIT_") and span.start > 0 and doc[span.start - 1].like_num:
            span = doc[span.start - 1 : span.end]  # "444 Combat Brigade"
        new_label, extend, from_context = _contextual_label(span, label)
        if from_context and (not strong or label in ("CITY", "PERSON", "ORGANISATION")):
            label, strong, method = new_label, True, "rule"
            span = doc[span.start : span.end + extend]
        start, end = ctx.span_chars(para, span)
        found.append(
            Candidate(
                start,
                end,
                span.text,
                label,
                para,
                span.start,
                span.end,
                canonical,
                strong,
                title=title,
                method=method,
            )
        )
    return found


OF_PHRASES = {
    "town": "CITY",
    "city": "CITY",
    "village": "CITY",
    "province": "PROVINCE",
    "governorate": "PROVINCE",
    "district": "DISTRICT",
    "neighborhood": "DISTRICT",
    "neighbourhood": "DISTRICT",
}


DIRECTIONS = {"toward", "towards", "into"}
IN_PLACE = frozenset({"in", "inside", "outside", "throughout", "across"})


def _motion_place(span: Span) -> bool:
    """ "abducted 110 schoolgirls from Dapchi", "fled from Kukawa and Gajiram toward
    Maiduguri", "flew to Kyiv": the name after a verb of motion's "from", "to", "toward" or
    "into" is a place; so is the name after a road's "from" or "to"."""
    root = span.root
    while root.dep_ == "conj" and root.head.i != root.i:
        root = root.head
    if root.dep_ != "pobj":
        return False
    prep = root.head
    if prep.lower_ in ("from", "to") and prep.head.lower_ in lexicon()["road_designators"]:
        return True  # "the road from Dilling", "the highway to Kadugli"
    verb = prep.head
    if verb.lemma_.lower() not in word_list("motion_verbs"):
        return False
    if prep.lower_ == "to":  # "fled to Kutum", "flew to Kyiv"; not "returned to X the files"
        return not any(c.dep_ in ("dobj", "dative") for c in verb.children)
    return prep.lower_ in DIRECTIONS | {"from"}


def _set_beside_a_job(span: Span) -> bool:
    """A name of capitalised words in apposition with one person's job ("the group’s
    spokesman, Willy Ngoma", "Yolande Makolo, the government spokeswoman") names a person."""
    if not 2 <= len(span) <= 4 or not all(t.is_title for t in span):
        return False
    jobs = set(lexicon()["role_nouns"])
    root = span.root
    beside = [c for c in root.children if c.dep_ == "appos"]
    if root.dep_ == "appos":
        beside.append(root.head)
    return any(
        t.pos_ == "NOUN" and t.tag_ == "NN" and t.lower_ in jobs and not t.is_title
        for t in beside
    )


def _described_as_a_place(span: Span) -> str | None:
    """ "Alamata, a town on the road to Addis Ababa": the apposition's noun says what kind of
    place the name is, as "the town of X" does."""
    root = span.root
    for child in root.children:
        if child.dep_ == "appos" and child.pos_ == "NOUN" and child.i > root.i:
            if any(t.dep_ == "det" for t in child.children):
                return OF_PHRASES.get(child.lower_)
    return None


# "the Amhara regional government", "the Gedaref municipal council": the level of a body
# that a place's name before it governs
BODY_LEVELS = {"regional": "PROVINCE", "provincial": "PROVINCE", "state": "PROVINCE",
               "municipal": "CITY", "city": "CITY"}


def _seat_of_a_body(span: Span) -> str | None:
    """A name before a level of government and a body ("the Amhara regional government") is
    the place that body governs."""
    doc = span.doc
    if span.end + 1 >= len(doc):
        return None
    level, body = doc[span.end], doc[span.end + 1]
    heads = {"government", "administration", *lexicon()["council_heads"]}
    return BODY_LEVELS.get(level.text) if body.lower_ in heads and body.is_lower else None


def _in_place(span: Span) -> bool:
    """ "The situation in Goma", "fighting inside Beni": a one-word name after a preposition of
    place is no person (one has "confidence in Abiy Ahmed", a full name, by an attitude's
    "in")."""
    root = span.root
    while root.dep_ == "conj" and root.head.i != root.i:
        root = root.head
    if len(span) != 1 or root.dep_ != "pobj" or root.head.lower_ not in IN_PLACE:
        return False
    prep = root.head
    while prep.dep_ == "conj" and prep.head.i != prep.i:
        prep = prep.head  # "confidence in Abiy Ahmed and in Hassan"
    return prep.head.lemma_.lower() not in word_list("attitude_nouns")


def _after_place_relation(span: Span) -> bool:
    """ "the vicinity of X", "southeast of X", "near X": X is where something is."""
    doc, i = span.doc, span.start
    if span.root.dep_ != "pobj":
        return False
    if i >= 1 and doc[i - 1].lower_ == "near":
        return True
    relations = word_list("place_relations")
    return i >= 2 and doc[i - 1].lower_ == "of" and doc[i - 2].lower_ in relations


def _label_from_of_phrase(doc: Doc, i: int) -> str | None:
    """ "the town of Hit": the noun before "of" says what the name is."""
    if i >= 2 and doc[i - 1].lower_ == "of":
        return OF_PHRASES.get(doc[i - 2].lower_)
    return None


def designator_candidates(ctx: ArticleContext, para: int) -> list[Candidate]:
    """Names the model missed but the words after them type: "the Jamiya area", "Zabul province"."""
    lex = lexicon()
    doc = ctx.docs[para]
    found = []
    for token in doc:
        if token.pos_ != "PROPN" or token.ent_type_ or not token.is_title:
            continue
        if token.i > 0 and doc[token.i - 1].pos_ == "PROPN":
            continue  # only from the first word of a name
        end = token.i + 1
        while end < len(doc) and (
            doc[end].pos_ == "PROPN" and not doc[end].ent_type_ or doc[end].text == "-"
        ):
            end += 1
        if token.i == 0 and end - token.i == 1:
            continue  # a sentence-initial capital alone says nothing
        nxt = doc[end].lower_ if end < len(doc) else ""
        label = _label_from_of_phrase(doc, token.i)
        if label is not None:
            pass
        elif nxt in lex["district_designators"] and (
            nxt == "district" or token.i > 0 and doc[token.i - 1].lower_ == "the"
        ):
            label = "DISTRICT"
        elif nxt in lex["province_designators"]:
            label = "PROVINCE"
        elif nxt in lex["tribe_designators"]:
            label = "TRIBE"
        elif nxt in lex["road_designators"]:
            label, end = "ROAD", end + 1
        elif extend := _designator_after(doc, end, "facility_designators"):
            label, end = "FACILITY", end + extend
        if label is None:
            continue
        span = doc[token.i : end]
        start, stop = ctx.span_chars(para, span)
        found.append(
            Candidate(start, stop, span.text, label, para, span.start, span.end, None, True)
        )
    return found


def _particle_name(span: Span) -> bool:
    """Capitalised parts with "Ag", "Ould" or "bin" between them: a personal name."""
    particles = word_list("name_particles")
    inner = [t for t in span[1:-1] if t.lower_ in particles]
    others = [t for t in span if t.lower_ not in particles]
    return bool(inner) and len(others) >= 2 and all(t.is_title for t in others)


def state_body_name(span: Span, lower_only: bool = False) -> bool:
    """ "Federal Intelligence and Investigations Agency", "the state emergency management
    agency": a word of the state before the head makes a state's body, not an organisation
    (``lower_only``: in a description, only a lower-case word counts; "State" in "the Islamic
    State-run office" is a group's name)."""
    markers = word_list("state_markers")
    return any(t.lower_ in markers and (t.is_lower or not lower_only) for t in span[:-1])


NAME_CONNECTORS = {"of", "for", "in", "the", "al", "el", "-", "on", "bin", "abu"}


def name_run_candidates(ctx: ArticleContext, para: int) -> list[Candidate]:
    """A run of capitalised words with a body's head ("Radaa Deterrence Force", "U.N.
    Support Mission in Libya", "Subul al-Salam Brigade") is one name, even where the model
    or the knowledge file saw only a place or an acronym inside it."""
    heads: dict[str, str] = lexicon()["name_heads"]
    doc = ctx.docs[para]
    found = []
    i = 0
    while i < len(doc):
        if not _capitalised(doc[i]) or doc[i].lower_ == "the":
            i += 1
            continue
        j = i + 1
        while j < len(doc) and (_capitalised(doc[j]) or _connects(doc, j)):
            j += 1
        end = _name_end(doc, i, j, heads)
        if end is not None:
            span = doc[i:end]
            start, stop = ctx.span_chars(para, span)
            if _is_title(span[0].text) or _job(span[0].lower_):
                i = j
                continue  # "Commander-in-Chief of the Armed Forces" is a title
            # "Ministry of Peshmerga Affairs", "Forces of the ...": the first word says what
            first_head = span[0].lower_ in heads
            label = (
                heads[span[0].lower_]
                if first_head
                else next(heads[t.lower_] for t in reversed(span) if t.lower_ in heads)
            )
            if label == "UNIT_FORCES" and not first_head:
                label = _unit_label(span)
            if label == "ORGANISATION" and state_body_name(span):
                label = "GOVERNMENT"  # "the Federal Intelligence and Investigations Agency"
            found.append(Candidate(start, stop, span.text, label, para, i, end, None, True))
        i = j
    return found


PLACE_TAKING_HEADS = {"mission", "office", "command"}


def _job(word: str) -> bool:
    nouns = set(lexicon()["role_nouns"])
    return word in nouns or any(part in nouns for part in word.split("-"))


def _connects(doc: Doc, j: int) -> bool:
    """ "of", "in", "al" and hyphens inside a name, when a capitalised word follows."""
    if doc[j].lower_ == "the" and (j == 0 or doc[j - 1].lower_ not in ("of", "for", "in")):
        return False  # "X and the Y" are two names; "Ministry of the Interior" is one
    k = j
    while k < len(doc) and k - j < 3 and doc[k].lower_ in NAME_CONNECTORS:
        k += 1
    return k > j and k < len(doc) and _capitalised(doc[k])


def _name_end(doc: Doc, i: int, j: int, heads: dict[str, str]) -> int | None:
    """Where the name ends: at its last head word, or after "in Libya" that follows it."""
    head_positions = [
        k for k in range(i, j) if doc[k].lower_ in heads and doc[k].text[:1].isupper()
    ]
    if not head_positions or j - i < 2:
        return None
    last = head_positions[-1]
    if (
        last + 1 < j
        and doc[last].lower_ in PLACE_TAKING_HEADS
        and doc[last + 1].lower_ in ("in", "for", "of", "on")
    ):
        return j  # "Support Mission in Libya", "Council for Reconstruction"
    return last + 1 if last + 1 - i >= 2 else None


def _capitalised(tok: Token) -> bool:
    if tok.is_sent_start:
        return tok.pos_ == "PROPN"
    return tok.text[:1].isupper()


def affix_candidates(ctx: ArticleContext, para: int) -> list[Candidate]:
    """'U.S.-backed' names the United States; 'Iranian-aligned' names nothing."""
    found = []
    for token in ctx.docs[para]:
        match = AFFIX_TOKEN.match(token.text)
        if not match:
            continue
        known = lookup(match.group("name"))
        if known is None or known.label == "PEOPLE":
            continue
        start = ctx.start_of(para, token)
        name = match.group("name")
        found.append(
            Candidate(
                start,
                start + len(name),
                name,
                known.label,
                para,
                token.i,
                token.i + 1,
                known.canonical,
                True,
            )
        )
    return found


def unit_candidates(ctx: ArticleContext, para: int) -> list[Candidate]:
    """'pro-government forces', 'the Iraqi army', 'the SWAT team', 'Shiite militias'."""
    lex = lexicon()
    heads = set(lex["unit_heads"]) | set(lex["council_heads"])
    modifiers = {m.lower() for m in lex["unit_modifiers"]}
    doc = ctx.docs[para]
    found = []
    for token in doc:
        if token.lower_ not in heads or token.pos_ not in ("NOUN", "PROPN"):
            continue
        if token.i + 1 < len(doc) and doc[token.i + 1].lower_ in heads:
            continue  # "police" in "police force": the phrase's head comes next
        start = token.i
        while start > 0:
            prev = doc[start - 1]
            if (
                prev.lower_ in modifiers
                or (prev.ent_type_ == "NORP" and prev.tag_ == "JJ")
                or AFFIX_TOKEN.match(prev.text)
                or _demonym(prev)
            ):
                start -= 1
            elif (
                prev.text == "-"
                and start > 1
                and f"{doc[start - 2].lower_}-{doc[start].lower_}" in modifiers
            ):
                start -= 2
            else:
                break
        while start > 0 and (
            (
                doc[start - 1].pos_ == "PROPN"
                and doc[start - 1].ent_type_
                in ("GPE", "LOC", "FAC", "CITY", "PROVINCE", "DISTRICT", "COUNTRY")
            )
            or lower_case_place(doc[start - 1].text) is not None
        ):
            start -= 1
        if start == token.i:
            continue
        span = doc[start : token.i + 1]
        shorter = doc[start : token.i]
        known = lookup(shorter.text) if len(shorter) > 1 else None
        if known is not None and known.label.startswith("UNIT_"):
            continue  # the ruler's name is the mention; "units" only counts them
        begin, end = ctx.span_chars(para, span)
        found.append(
            Candidate(
                begin, end, span.text, _unit_label(span), para, span.start, span.end, None, True
            )
        )
    return found


DEMONYM = re.compile(r"[A-Z][a-z]{2,}(?:ian|ean|yan|ese|i)")


def _demonym(tok: Token) -> bool:
    """ "Tigrayan forces", "Darfuri militias": a capitalised adjective of a people the
    knowledge file does not know, by its ending (not "-an" alone: "Kordofan" is a place),
    that is no known name itself."""
    return (
        tok.tag_ in ("JJ", "NNP", "NNPS")
        and DEMONYM.fullmatch(tok.text) is not None
        and lookup(tok.text) is None
    )


def lower_case_place(word: str) -> KnownName | None:
    """ "anbar" in "the anbar provincial council": a place's name written in lower case (some
    outlets and translations write a whole body so), known when capitalised."""
    if not word.isalpha() or not word.islower() or len(word) < 4:
        return None
    known = lookup(word.capitalize())
    if known is None or DOMAIN_LABELS.get(known.label, ("",))[0] != "location":
        return None
    return known


def _unit_label(span: Span) -> str:
    words = {t.lower_ for t in span}
    head = span[-1].lower_
    if head in lexicon()["council_heads"]:
        return "GOVERNMENT"
    if words & {"police", "swat"}:
        return "UNIT_POLICE"
    if words & {"special", "counterterrorism", "counter-terrorism", "commandos", "elite"}:
        return "UNIT_SPECIAL_FORCES"
    if head in ("militia", "militias") or "tribal" in words:
        return "UNIT_MILITIA"
    if head in ("army", "troops", "division", "brigade", "battalion", "regiment", "corps"):
        return "UNIT_ARMY"
    return "UNIT_FORCES"


def nested_places(ctx: ArticleContext, outer: Candidate) -> list[Candidate]:
    """The place inside 'the Ramadi police force' or 'al-Habbaniyah air base'."""
    doc = ctx.docs[outer.para]
    found = []
    i = outer.token_start
    while i < outer.token_end:
        best = None
        for j in range(min(outer.token_end, i + 4), i, -1):
            if i == outer.token_start and j == outer.token_end:
                continue  # the whole outer span
            span = doc[i:j]
            known = lookup(span.text) or (lower_case_place(span.text) if j == i + 1 else None)
            if known and DOMAIN_LABELS.get(known.label, ("",))[0] == "location":
                best = (span, known)
                break
        if best is None:
            i += 1
            continue
        span, known = best
        start, end = ctx.span_chars(outer.para, span)
        found.append(
            Candidate(
                start,
                end,
                span.text,
                known.label,
                outer.para,
                span.start,
                span.end,
                known.canonical,
                True,
                nested=True,
            )
        )
        i = span.end
    return found


def find_candidates(ctx: ArticleContext) -> list[Candidate]:
    out: list[Candidate] = []
    for para in range(len(ctx.docs)):
        ents = _yield_to_runs(entity_candidates(ctx, para), name_run_candidates(ctx, para))
        units = [
            u
            for u in unit_candidates(ctx, para)
            if not _crosses_any(u, ents) and not any(_names_inside(e, u) for e in ents)
        ]
        ents = [e for e in ents if not any(_inside(e, u) and not _is_place(e) for u in units)]
        affixes = [a for a in affix_candidates(ctx, para) if not _crosses_into(a, ents)]
        designated = [
            d for d in designator_candidates(ctx, para) if not _overlaps_any(d, ents + units)
        ]
        dated = dateline_candidates(ctx, para) + opening_place_candidates(ctx, para)
        ents = [e for e in ents if not _overlaps_any(e, dated)]
        layer = dated + ents + units + affixes + designated
        for cand in list(layer):
            if cand.label.startswith("UNIT_") and (
                _generic(ctx, cand) or _named_after_place(ctx, cand)
            ):
                layer.extend(nested_places(ctx, cand))
            elif cand.label.startswith("UNIT_"):
                layer.extend(_leading_origin(ctx, cand))
            elif cand.label in ("ORGANISATION", "GOVERNMENT"):
                layer.extend(_leading_body(ctx, cand))
        out.extend(layer)
    return sorted(out, key=lambda c: (c.start, -c.end))


# Abbreviated country names that, leading a unit's proper name, state its origin as "U.S."
# does in "U.S. forces": "U.S. Army", "U.S. Africa Command" hold a mention of the country.
ORIGIN_ABBREVIATIONS = frozenset({"U.S.", "U.K."})


def _leading_origin(ctx: ArticleContext, unit: Candidate) -> list[Candidate]:
    doc = ctx.docs[unit.para]
    first = doc[unit.token_start]
    known = lookup(first.text)
    if first.text not in ORIGIN_ABBREVIATIONS or known is None:
        return []
    if unit.token_end - unit.token_start < 2:
        return []
    start, end = ctx.span_chars(unit.para, doc[first.i : first.i + 1])
    place = Candidate(
        start, end, first.text, known.label, unit.para, first.i, first.i + 1, known.canonical,
        True, nested=True,
    )
    return [place]


def _leading_body(ctx: ArticleContext, body: Candidate) -> list[Candidate]:
    """ "the U.N. refugee agency", "the EU naval mission": a body described in lower-case words
    after another's name holds a mention of that one (a description, not a proper name: there
    is no "Iraq" inside "United Nations Assistance Mission for Iraq")."""
    doc = ctx.docs[body.para]
    for end in range(body.token_end - 1, body.token_start, -1):
        rest = [t for t in doc[end : body.token_end] if t.is_alpha]
        if not rest or not all(t.is_lower for t in rest):
            return []  # a capitalised word after it: one proper name
        known = lookup(doc[body.token_start : end].text)
        if known is None or known.label not in DOMAIN_LABELS or known.label == "PEOPLE":
            continue
        start, stop = ctx.span_chars(body.para, doc[body.token_start : end])
        return [Candidate(
            start, stop, doc[body.token_start : end].text, known.label, body.para,
            body.token_start, end, known.canonical, True, nested=True,
        )]
    return []


def _generic(ctx: ArticleContext, unit: Candidate) -> bool:
    """ "the Ramadi police force" names a place and a unit; "Radaa Deterrence Force" is one
    proper name, with no place mention inside it."""
    doc = ctx.docs[unit.para]
    # a function word is no description: "Combined Joint Task Force-Horn of Africa"
    words = doc[unit.token_start : unit.token_end]
    return any(t.is_lower and not (t.is_stop and t.is_alpha) for t in words)


def _named_after_place(ctx: ArticleContext, unit: Candidate) -> bool:
    """ "the Anbar Police Command", "the Manbij Military Council": a place's name, then only
    the words of a unit's designation, is a unit named after the place."""
    doc = ctx.docs[unit.para]
    tail = word_list("place_unit_words")
    for end in range(min(unit.token_end - 1, unit.token_start + 4), unit.token_start, -1):
        known = lookup(doc[unit.token_start : end].text)
        if known is not None and DOMAIN_LABELS.get(known.label, ("",))[0] == "location":
            return all(t.lower_ in tail for t in doc[end : unit.token_end])
    return False


def _known_body_inside(e: Candidate, run: Candidate) -> bool:
    return e.strong and not _is_place(e) and _inside(e, run)


def _yield_to_runs(ents: list[Candidate], runs: list[Candidate]) -> list[Candidate]:
    """A longer name made of capitalised words replaces the pieces found inside it; a name
    the knowledge file knows whole (same span) stays as it is."""
    for e in ents:  # same span: the model's guess gives way to the head word's
        same = next((r for r in runs if (r.start, r.end) == (e.start, e.end)), None)
        if same is not None and not e.strong:
            e.label, e.strong = same.label, True
    runs = [
        r
        for r in runs
        if sum(_known_body_inside(e, r) for e in ents) < 2
        and not any(e.label == "PERSON" and _inside(e, r) for e in ents)
    ]
    kept = [
        e
        for e in ents
        if not any(_inside(e, r) and (e.start, e.end) != (r.start, r.end) for r in runs)
    ]
    new = [
        r
        for r in runs
        if not any(_crosses_any(r, [e]) or (e.start, e.end) == (r.start, r.end) for e in ents)
    ]
    return kept + new


def _names_inside(name: Candidate, phrase: Candidate) -> bool:
    """A known name inside a descriptive phrase ("Federal Police units") is the mention."""
    return name.strong and not _is_place(name) and name.label != "PEOPLE" and _inside(name, phrase)


def _inside(inner: Candidate, outer: Candidate) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end


def _is_place(c: Candidate) -> bool:
    return DOMAIN_LABELS[c.label][0] == "location"


def _crosses_any(c: Candidate, others: list[Candidate]) -> bool:
    """Overlaps another span without holding it whole."""
    return any(c.start < o.end and o.start < c.end and not _inside(o, c) for o in others)


def _crosses_into(c: Candidate, others: list[Candidate]) -> bool:
    """Overlaps another span other than by lying inside it, or repeats it."""
    return any(
        c.start < o.end
        and o.start < c.end
        and not (_inside(c, o) and (c.start, c.end) != (o.start, o.end))
        for o in others
    )


def _overlaps_any(c: Candidate, others: list[Candidate]) -> bool:
    return any(c.start < o.end and o.start < c.end for o in others)
