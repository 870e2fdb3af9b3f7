"""Personal names whose last part is also a place.

"Abdirahman Mohamed Hassan Farah", "Ahmad Zia Farah": the knowledge ruler claims "Farah" (a
city) before the model sees the name, and the model keeps only the rest as a person, or less.
A place written right after a person's name, with nothing but a space between and no place
designator after it, is the last part of that name; capitalised given names the model left
out before it belong to the name too. The bare surname then names the person where it speaks
("Farah said"); elsewhere it stays the place.
"""

from dataclasses import replace

from spacy.tokens import Doc, Token

from app.nlp.context import ArticleContext, Candidate
from app.nlp.knowledge import lexicon, words

PLACE_LABELS = ("CITY", "PROVINCE", "DISTRICT")


def place_surnames(
    ctx: ArticleContext, cands: list[Candidate]
) -> tuple[list[Candidate], list[Candidate]]:
    """(the pieces, the candidates that replace them): each person's name joined to the place
    that ends it, and the bare surnames that speak relabelled as persons."""
    ordered = sorted(cands, key=lambda c: (c.start, -c.end))
    places = {(c.para, c.start): c for c in ordered if _bare_place(c)}
    pieces: list[Candidate] = []
    wholes: list[Candidate] = []
    surnames: set[str] = set()
    for person in ordered:
        if person.label != "PERSON" or person.form != "name":
            continue
        tail = places.get((person.para, person.end + 1))
        if tail is None or ctx.text[person.end] != " " or not _ends_name(ctx.docs[tail.para], tail):
            continue
        doc = ctx.docs[person.para]
        first = _first_given_name(doc, person.token_start, ordered, person.para)
        start = ctx.start_of(person.para, doc[first])
        wholes.append(
            replace(
                person,
                start=start,
                end=tail.end,
                token_start=first,
                token_end=tail.token_end,
                text=ctx.text[start : tail.end],
                canonical=None,
                key=None,
            )
        )
        pieces += [person, tail]
        surnames.add(tail.text)
    for c in ordered:
        if c.text in surnames and _bare_place(c) and c not in pieces and _speaks(ctx, c):
            pieces.append(c)
            wholes.append(replace(c, label="PERSON", canonical=None, key=None, strong=True))
    return pieces, wholes


def _bare_place(c: Candidate) -> bool:
    return (
        c.label in PLACE_LABELS
        and c.form == "name"
        and not c.nested
        and c.token_end - c.token_start == 1
    )


def _ends_name(doc: Doc, place: Candidate) -> bool:
    """Nothing capitalised and no place designator ("province", "city") follows the place."""
    if place.token_end >= len(doc):
        return True
    after = doc[place.token_end]
    designators = (
        set(lexicon()["province_designators"])
        | set(lexicon()["district_designators"])
        | {"city", "town", "village", "valley"}
    )
    return not after.is_title and after.lower_ not in designators


def _first_given_name(doc: Doc, i: int, cands: list[Candidate], para: int) -> int:
    """Capitalised proper nouns right before the person's name, that are no title, honorific,
    nationality or other candidate, are given names the model left out."""
    taken = {t for c in cands if c.para == para for t in range(c.token_start, c.token_end)}
    while i > 0 and _given_name(doc[i - 1]) and i - 1 not in taken:
        i -= 1
    return i


def _given_name(token: Token) -> bool:
    title_words = {w.lower() for title in lexicon()["titles"] for w in title.split()}
    return (
        token.pos_ == "PROPN"
        and token.is_title
        and token.is_alpha
        and token.lower_ not in title_words
        and token.lower_ not in words("honorifics")
        and token.text not in lexicon()["demonyms"]
    )


def _speaks(ctx: ArticleContext, c: Candidate) -> bool:
    token = ctx.docs[c.para][c.token_start]
    return token.dep_ == "nsubj" and token.head.lemma_ in lexicon()["speech_verbs"]
