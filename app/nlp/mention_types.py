"""Per-mention type for places that act (ACE's GPE roles).

A country, province or city is one entity of type ``location``; each mention takes the role
it has in its sentence: an actor where the place acts, speaks, decides or owns ("Turkey
warned", "the UK's position", "a U.S. strike", "Washington said"), a location where it is a
place ("in Iraq", "Yemen's west coast"). Where the sentence leaves it open, a location.
"""

from spacy.tokens import Span, Token

from app.nlp.knowledge import words

ACTING_KINDS = frozenset({"country", "province", "city"})
SUBJECT_DEPS = frozenset({"nsubj", "csubj"})


def mention_type(span: Span, entity_type: str, kind: str) -> str | None:
    """The mention's own type when it differs from the entity's, else None."""
    if entity_type != "location" or kind not in ACTING_KINDS or len(span) == 0:
        return None
    return "actor" if acts(span.root) else None


def acts(token: Token) -> bool:
    # Conjuncts share the role of the first: "the United States and its partners condemn".
    while token.dep_ == "conj" and token.head.i != token.i:
        token = token.head
    head = token.head
    if token.dep_ in SUBJECT_DEPS and head.pos_ in ("VERB", "AUX"):
        return head.lemma_.lower() not in words("place_verbs")
    if token.dep_ == "pobj" and head.lower_ == "by" and head.head.pos_ == "VERB":
        return any(c.dep_ == "auxpass" for c in head.head.children)  # "was struck by Turkey"
    if token.dep_ == "agent":
        return True
    if token.dep_ in ("poss", "compound", "nmod") and head.pos_ in ("NOUN", "PROPN"):
        nouns = {head.lower_, head.lemma_.lower()}
        if nouns & words("place_parts"):
            return False
        # "the UK's position" (a possessor owns); "a U.S. strike" (a premodifier of a deed)
        return token.dep_ == "poss" or bool(nouns & words("party_nouns"))
    return False
