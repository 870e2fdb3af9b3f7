"""Per-mention type for places that act (ACE's GPE roles).

A country, province or city is one entity of type ``location``; each mention takes the role
it has in its sentence: an actor where the place acts, speaks, decides or owns ("Turkey
warned", "the UK's position", "a U.S. strike", "Washington said"), a location where it is a
place ("in Iraq", "Yemen's west coast"). Where the sentence leaves it open, a location.
"""

from spacy.tokens import Span, Token

from app.nlp.knowledge import lexicon, words

ACTING_KINDS = frozenset({"country", "province", "city"})
SUBJECT_DEPS = frozenset({"nsubj", "csubj"})


# Prepositions that make what follows a place, however the parser attached the phrase:
# "Near Al Qaim, two strikes engaged", "in Iraq".
PLACE_PREPOSITIONS = frozenset({
    "in", "at", "near", "into", "inside", "outside", "across", "around", "throughout",
    "toward", "towards", "to", "through", "within", "north", "south", "east", "west",
})
# ... and those whose object takes part: "alongside the United States".
PARTY_PREPOSITIONS = frozenset({"alongside"})


def mention_type(span: Span, entity_type: str, kind: str) -> str | None:
    """The mention's own type when it differs from the entity's, else None."""
    if entity_type != "location" or kind not in ACTING_KINDS or len(span) == 0:
        return None
    if _dateline(span) or _after_place_preposition(span):
        return None
    return "actor" if acts(span.root) else None


def _dateline(span: Span) -> bool:
    """ "KANDAHAR, Afghanistan — ...": a place heading a report is where it was filed."""
    doc = span.doc
    if span.end >= len(doc) or doc[span.end].text not in (",", "—", "–", "-"):
        return False
    # the dateline's first place or one after it: "BAMAKO, Mali —"
    if span.start > 5 or any(not (t.text == "," or t.is_title or t.is_upper)
                             for t in doc[: span.start]):
        return False
    # a dash closes the dateline soon after ("KANDAHAR, Afghanistan —"); a sentence that
    # opens on a list of places ("Chad, Niger and Cameroon have ...") has none
    return any(t.text in ("—", "–", "-", "--") for t in doc[span.end : span.end + 6])


def _after_place_preposition(span: Span) -> bool:
    first = span[0]
    while first.i > 0 and first.nbor(-1).lower_ in ("the", ","):
        first = first.nbor(-1)
    if first.i == 0 or first.nbor(-1).lower_ not in PLACE_PREPOSITIONS:
        return False
    return not _addressed(first.nbor(-1))


def _addressed(preposition: Token) -> bool:
    """ "turned to Russia", "appealed to Qatar", "reached out to China": the one appealed to
    is a party, not a destination."""
    if preposition.lower_ != "to":
        return False
    verb = preposition.head
    if verb.dep_ in ("prt", "advmod") and verb.head.pos_ == "VERB":
        verb = verb.head  # "reached out to China" where "to" hangs on the particle
    if verb.pos_ != "VERB":
        return False
    particles = [c.lower_ for c in verb.children if c.dep_ in ("prt", "advmod")]
    phrases = {verb.lemma_.lower()} | {f"{verb.lemma_.lower()} {p}" for p in particles}
    return bool(phrases & words("appeal_verbs"))


def acts(token: Token) -> bool:
    # Conjuncts share the role of the first: "the United States and its partners condemn".
    while token.dep_ == "conj" and token.head.i != token.i:
        token = token.head
    head = token.head
    party = words("party_nouns")
    if token.dep_ == "pobj" and head.lower_ in PARTY_PREPOSITIONS:
        return True
    if token.dep_ == "pobj" and head.lower_ in ("of", "by", "with", "from"):
        owner = head.head  # "the support of Canada", "talks with the United States"
        if owner.pos_ == "NOUN" and {owner.lower_, owner.lemma_.lower()} & party:
            return True
    if token.dep_ == "appos" and {head.lower_, head.lemma_.lower()} & party:
        return True  # "its backers, Russia and Iran"
    if token.dep_ in SUBJECT_DEPS and head.lemma_.lower() == "be":
        attrs = [c for c in head.children if c.dep_ == "attr"]
        return any({a.lower_, a.lemma_.lower()} & party for a in attrs)  # "Turkey is an ally"
    if token.dep_ in SUBJECT_DEPS and head.pos_ in ("VERB", "AUX"):
        return head.lemma_.lower() not in words("place_verbs")
    if token.dep_ == "pobj" and _addressed(head):
        return True  # "the junta turned to Russia"
    if token.dep_ == "pobj" and head.dep_ == "agent":
        return True  # the doer of a passive, also in a reduced clause: "a unit trained by Iran"
    if token.dep_ == "pobj" and head.lower_ == "by" and head.head.pos_ == "VERB":
        return any(c.dep_ == "auxpass" for c in head.head.children)  # "was struck by Turkey"
    if token.dep_ == "agent":
        return True
    if token.dep_ in ("poss", "compound", "nmod") and head.pos_ in ("NOUN", "PROPN"):
        nouns = {head.lower_, head.lemma_.lower()}
        if nouns & (words("place_parts") | set(lexicon()["facility_nouns"])):
            return False  # "Yemen's west coast", "Mosul's airport"
        # "the UK's position" (a possessor owns); "a U.S. strike" (a premodifier of a deed)
        return token.dep_ == "poss" or bool(nouns & words("party_nouns"))
    return False
