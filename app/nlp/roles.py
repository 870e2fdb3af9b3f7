"""Roles and affiliations of people, from titles ("Col. X of the Y") and appositions
("X, a spokesman for Y"; "Y's head, X"). Each role keeps the sentence that states it."""

from collections import defaultdict
from dataclasses import replace

from spacy.tokens import Doc, Span, Token

from app.nlp.context import ArticleContext, Candidate
from app.nlp.knowledge import lexicon, words
from app.nlp.nominals import government_name
from app.nlp.title_lookup import office_at
from app.nlp.types import RoleFact

TITLE_DEPS = {"amod", "compound", "nmod", "nummod"}
ORG_TYPES = {
    "ARMED_GROUP",
    "GOVERNMENT",
    "ORGANISATION",
    "TRIBE",
    "UNIT_POLICE",
    "UNIT_ARMY",
    "UNIT_SPECIAL_FORCES",
    "UNIT_MILITIA",
    "UNIT_FORCES",
    "COUNTRY",
}
ROLE_PREPS = {"of", "for", "in", "with", "at", "to"}


def _title_words(noun: Token) -> str:
    hyphenated = _hyphen_title(noun)
    if hyphenated is not None:
        return hyphenated
    left = [t for t in noun.lefts if t.dep_ in TITLE_DEPS and t.ent_type_ == ""]
    words = [*left, noun]
    # "member of parliament": an "of" phrase with a bare common noun is part of the title
    for prep in noun.rights:
        if prep.lower_ == "of":
            objs = [t for t in prep.rights if t.dep_ == "pobj"]
            if (
                objs
                and objs[0].pos_ == "NOUN"
                and not any(c.dep_ == "det" for c in objs[0].children)
            ):
                words += [prep, objs[0]]
    words.sort(key=lambda t: t.i)
    text = " ".join(t.text for t in words)
    return text.replace(" - ", "-").replace(" -", "-").replace("- ", "-")


def _org_in(
    ctx: ArticleContext, para: int, tokens: Span, cands: list[Candidate]
) -> Candidate | None:
    start, end = ctx.span_chars(para, tokens)
    inside = [
        c
        for c in cands
        if c.para == para
        and start <= c.start
        and c.end <= end
        and c.label in ORG_TYPES
        and not c.nested
    ]
    # "a spokesman for Iraq's Joint Operations Command": the body, not the country
    bodies = [c for c in inside if c.label != "COUNTRY"]
    chosen = bodies or inside
    if chosen:
        return chosen[0]
    return _described_body(ctx, para, tokens, cands)


GROUP_LABELS = {"ARMED_GROUP", "ORGANISATION"}


def _described_body(
    ctx: ArticleContext, para: int, tokens: Span, cands: list[Candidate]
) -> Candidate | None:
    """ "a spokeswoman for the embassy", "the division's commander": a definite description
    whose head word names a body the article has already named ("the British Embassy", "the
    16th Infantry Division"), or a generic "the group" for the last armed group named."""
    for tok in tokens:
        if tok.pos_ not in ("NOUN", "PROPN") or not any(
            c.dep_ == "det" and c.lower_ in ("the", "this", "that") for c in tok.children
        ):
            continue  # "the embassy"; "the Mission" (a capitalised word of a body's name)
        before = ctx.offsets[para] + tok.idx
        named = [
            c for c in cands
            if c.end <= before and c.key and c.label in ORG_TYPES - {"COUNTRY"}
        ]
        noun = tok.lower_
        # "the ministry" for "the Ministry of Interior", "the embassy" for "the British Embassy"
        endings = lexicon()["head_synonyms"].get(noun, ())
        same_head = [
            c for c in named
            if noun in c.text.lower().split()
            or any(c.text.lower().endswith(" " + ending) for ending in endings)
        ]  # "the army's spokesman" after "the Malian Armed Forces"
        if same_head:
            return same_head[-1]
        if noun in lexicon()["group_nominals"]:
            # "the group's spokesman": an armed group before any other organisation
            # "the militia" may be a militia formation as well as an armed group
            kinds = {"ARMED_GROUP", "UNIT_MILITIA"} if noun == "militia" else {"ARMED_GROUP"}
            armed = [c for c in named if c.label in kinds]
            groups = armed or [c for c in named if c.label in GROUP_LABELS]
            if groups:
                return groups[-1]
    return None


def _role(
    ctx: ArticleContext, c: Candidate, title: str, org: Candidate | None, cue: str
) -> RoleFact:
    s, e = ctx.sentence_bounds(c.start)
    return RoleFact(title, org.key if org else None, org.text if org else None, s, e, cue=cue)


def _parallel_description(doc: Doc, c: Candidate) -> Token | None:
    """ "the senior officer there, Col. Muthana al-Jabari": the parser may make the two
    parallel objects instead of an apposition; the noun before the comma describes the name."""
    root = doc[c.token_start : c.token_end].root
    i = c.token_start - 1
    while (
        i >= 0
        and c.token_start - i <= 4
        and doc[i].text != ","
        and (doc[i].pos_ == "PROPN" or doc[i].text == ".")
    ):
        i -= 1  # a title before the name: "Col."
    if i < 1 or doc[i].text != ",":
        return None
    k = i - 1
    while k >= 0 and doc[k].pos_ == "ADV":
        k -= 1
    noun = doc[k] if k >= 0 else None
    if (
        noun is not None
        and noun.pos_ == "PROPN"
        and noun.dep_ == "pobj"
        and noun.head.dep_ == "prep"
        and noun.head.head.pos_ == "NOUN"
        and noun.head.head.i < noun.i
    ):
        noun = noun.head.head  # "Its head in Nigeria, Elena Marchetti": the job, not the place
    if noun is None or noun.pos_ != "NOUN" or not any(
        t.dep_ in ("det", "poss") for t in noun.children  # "the senior officer", "Its commander"
    ):
        return None
    if (noun.head != root.head or noun.dep_ != root.dep_) and noun.lower_ not in set(
        lexicon()["role_nouns"]
    ):
        return None  # a job noun is a description however the parser attached the two
    return noun


def roles_of(ctx: ArticleContext, c: Candidate, cands: list[Candidate]) -> list[RoleFact]:
    doc = ctx.docs[c.para]
    span = doc[c.token_start : c.token_end]
    root = span.root
    found: list[RoleFact] = []
    if c.title and c.title.lower() not in words("honorifics"):
        after = doc[span.end : min(len(doc), span.end + 8)]
        org = None
        if len(after) and after[0].lower_ in ("of", "from", "with"):
            org = _org_in(ctx, c.para, after, cands)
        org = org or _body_before_title(ctx, c, cands)
        found.append(_role(ctx, c, c.title, org, "title"))
    for child in _describing(list(root.children)):
        if _hyphen_part(child):
            continue  # "co" and "-" of "co-founder": the last part carries the title
        if child.dep_ == "appos" and _set_beside(doc, span, child) and (
            child.pos_ == "NOUN" or _capitalised_title(child)
        ):
            subtree = doc[child.left_edge.i : child.right_edge.i + 1]
            # "X, the United Nations Special Representative for Libya": the body before the
            # title is the employer; "for Libya" is the portfolio
            org = _premodifier_body(ctx, c.para, child, cands)
            for prep in child.rights if org is None else ():
                if prep.lower_ in ROLE_PREPS:
                    org = _org_in(ctx, c.para, doc[prep.i : prep.right_edge.i + 1], cands)
                    if org:
                        break
            if org is None:
                org = _org_in(ctx, c.para, subtree, cands)
            found.append(_role(ctx, c, _title_words(child), org, "apposition"))
    described_by = (
        root.head
        if root.dep_ == "appos"
        and (
            root.head.pos_ == "NOUN"
            or _capitalised_title(root.head) and root.head.i < span.start
        )
        else None
    )
    described_by = described_by or _parallel_description(doc, c)
    if described_by is not None and _describing([described_by]):
        head = described_by
        # "the United Nations Special Envoy for Syria, X": the body before the title is the
        # employer; "for Syria" is the portfolio
        org = _premodifier_body(ctx, c.para, head, cands)
        for child in head.children if org is None else ():
            if child.dep_ == "poss" and child.lower_ in ("its", "their"):
                org = _body_before(ctx, c, cands)  # "Their military spokesman, X"
            elif child.dep_ == "poss" or child.lower_ in ROLE_PREPS:
                org = _org_in(ctx, c.para, doc[child.left_edge.i : child.right_edge.i + 1], cands)
            if org:
                break
        found.append(_role(ctx, c, _title_words(head), org, "described"))
    found += _verb_roles(ctx, c, cands)
    lowered = _lower_case_title(doc, c)
    if lowered is not None:
        title, title_start = lowered
        before = doc[max(0, title_start - 4) : title_start]
        found.append(_role(ctx, c, title, _org_in(ctx, c.para, before, cands), "premodifier"))
    return found


def _hyphen_part(tok: Token) -> bool:
    """ "co" or "-" in "a co-founder", which the parser may make appositions of their own."""
    doc = tok.doc
    if tok.text == "-":
        return True
    return tok.i + 2 < len(doc) and doc[tok.i + 1].text == "-" and doc[tok.i + 2].head == tok.head


def _hyphen_title(tok: Token) -> str | None:
    """ "co-founder" when ``tok`` is "founder" after "co" and "-"."""
    doc = tok.doc
    if tok.i >= 2 and doc[tok.i - 1].text == "-" and doc[tok.i - 2].head == tok.head:
        return f"{doc[tok.i - 2].text}-{tok.text}".lower()
    return None


def _set_beside(doc: Doc, name: Span, noun: Token) -> bool:
    """An apposition is set off by commas: "X, Washington, March 5: transcript" is not."""
    lo, hi = (name.end, noun.left_edge.i) if noun.i >= name.end else (noun.i + 1, name.start)
    return not any(t.text in (":", ";") for t in doc[lo:hi])


def _capitalised_title(tok: Token) -> bool:
    """ "Deputy Spokesperson", "Special Envoy": a job written as a proper noun."""
    if tok.pos_ != "PROPN":
        return False
    nouns = set(lexicon()["role_nouns"])
    if tok.lower_ in nouns:
        return True
    left = [t.text for t in tok.lefts if t.dep_ == "compound" and t.pos_ == "PROPN"]
    return any(" ".join([*left[k:], tok.text]) in lexicon()["titles"] for k in range(len(left) + 1))


def _premodifier_body(
    ctx: ArticleContext, para: int, head: Token, cands: list[Candidate]
) -> Candidate | None:
    """A body named in the words before a title's head: "the UN Special Envoy"."""
    lefts = [t for t in head.lefts if t.dep_ in ("compound", "amod", "nmod")]
    if not lefts:
        return None
    return _org_in(ctx, para, head.doc[lefts[0].left_edge.i : head.i], cands)


def _body_before_title(
    ctx: ArticleContext, c: Candidate, cands: list[Candidate]
) -> Candidate | None:
    """ "U.S. Army Col. X": the body named right before a person's title."""
    doc = ctx.docs[c.para]
    i = c.token_start
    while i > 0 and c.token_start - i < 4 and (
        doc[i - 1].pos_ == "PROPN" or doc[i - 1].text == "."
    ):
        i -= 1
        before = ctx.offsets[c.para] + doc[i].idx
        body = next(
            (
                o for o in cands
                if o.para == c.para and o.end <= before
                and not ctx.text[o.end : before].strip()
                and o.label in ORG_TYPES - {"COUNTRY"}
                and not o.nested
            ),
            None,
        )
        if body is not None:
            return body
    return None


def _describing(nouns: list[Token]) -> list[Token]:
    """Leave out nouns about the name itself: "who gave only his first name, Ahmed"."""
    return [n for n in nouns if n.lower_ not in words("not_descriptions")]


def _body_before(ctx: ArticleContext, c: Candidate, cands: list[Candidate]) -> Candidate | None:
    """What "its" or "their" refers to: the last body named before the person, as the head of
    its phrase: in "the 205th Corps of the Afghan National Army. Its commander" the corps;
    in "the Fateh Brigade, a Taliban commando force, ... government troops. Its leader" the
    brigade (a name used as a modifier, or a generic phrase, is not what "its" names when a
    body's own name is there)."""
    bodies = [
        o for o in cands
        if o.end <= c.start and o.label in ORG_TYPES - {"COUNTRY"} and o.key and not _where(ctx, o)
    ]
    if not bodies:
        return None
    named = [o for o in bodies if not _modifier(ctx, o) and not _generic_phrase(o)]
    last = (named or bodies)[-1]
    return _head_of_of_phrase(ctx, last, bodies) or last


def _modifier(ctx: ArticleContext, o: Candidate) -> bool:
    """ "Taliban" in "a Taliban commando force": a name used to modify a common noun."""
    root = ctx.docs[o.para][o.token_start : o.token_end].root
    return root.dep_ in ("compound", "amod", "nmod") and not (
        o.token_start <= root.head.i < o.token_end
    ) and root.head.pos_ == "NOUN"


WHERE_PREPOSITIONS = {"in", "from", "at", "near", "to", "into", "toward", "towards", "around"}


def _where(ctx: ArticleContext, o: Candidate) -> bool:
    """ "schoolgirls from Chibok": a name after a preposition of place is where something
    happened, whatever the model made of it, not the body "its" names."""
    root = ctx.docs[o.para][o.token_start : o.token_end].root
    return root.dep_ == "pobj" and root.head.lower_ in WHERE_PREPOSITIONS and not o.strong


def _generic_phrase(o: Candidate) -> bool:
    """ "government troops", "security forces": a body described, not named."""
    return o.text == o.text.lower() or o.canonical is None and not o.text[:1].isupper()


def _head_of_of_phrase(
    ctx: ArticleContext, o: Candidate, bodies: list[Candidate]
) -> Candidate | None:
    """ "the 205th Corps of the Afghan National Army": the corps heads the phrase."""
    root = ctx.docs[o.para][o.token_start : o.token_end].root
    if root.dep_ != "pobj" or root.head.lower_ != "of":
        return None
    owner = root.head.head
    return next(
        (b for b in bodies if b.para == o.para and b.token_start <= owner.i < b.token_end),
        None,
    )


def _lower_case_title(doc: Doc, c: Candidate) -> tuple[str, int] | None:
    """ "spokesman Maj. Gen. Pat Ryder", "Kataib Hezbollah’s secretary-general Ahmed
    al-Hamidawi": a job written in lower case right before the name (and its title)."""
    i = c.token_start - 1
    while i >= 0 and (doc[i].pos_ == "PROPN" and doc[i].text[:1].isupper() or doc[i].text == "."):
        if c.token_start - i > 4:
            return None
        i -= 1  # a title such as "Maj. Gen."
    if i < 0:
        return None
    word = doc[i].lower_
    nouns = set(lexicon()["role_nouns"])
    if word in nouns or any(part in nouns for part in word.split("-")):
        first = i
        while first > 0 and doc[first - 1].dep_ in ("amod", "compound") and doc[first - 1].is_lower:
            first -= 1
        return " ".join(t.text for t in doc[first : i + 1]), first
    return None


def appositive_descriptions(ctx: ArticleContext, c: Candidate) -> list[tuple[int, int]]:
    """Token ranges of descriptions set beside a name: "X, a spokesman for Y" -> "a spokesman"."""
    doc = ctx.docs[c.para]
    root = doc[c.token_start : c.token_end].root
    nouns = [
        t for t in root.children
        if t.dep_ == "appos"
        and (t.pos_ == "NOUN" or (t.i > root.i and _office_phrase(doc, t)))
    ]
    if root.dep_ == "appos" and root.head.pos_ == "NOUN":
        nouns.append(root.head)
    elif (parallel := _parallel_description(doc, c)) is not None:
        nouns.append(parallel)
    ranges = []
    for noun in _describing(nouns):
        end = noun.i + 1
        for prep in noun.rights:  # "a member of parliament"
            objs = [t for t in prep.rights if t.dep_ == "pobj"] if prep.lower_ == "of" else []
            if objs and objs[0].pos_ == "NOUN" and not list(objs[0].children):
                end = objs[0].i + 1
        ranges.append((noun.left_edge.i, end))
    return ranges


def _verb_roles(ctx: ArticleContext, c: Candidate, cands: list[Candidate]) -> list[RoleFact]:
    """Roles stated by a verb: "X, who heads Y", "X took command of Y", "Y, led by X"."""
    doc = ctx.docs[c.para]
    root = doc[c.token_start : c.token_end].root
    verbs: dict[str, str] = lexicon()["role_verbs"]
    found = []
    # "X, who heads Y" (a relative clause on the name) or "X heads Y" / "X took command of Y"
    clauses = [t for t in root.children if t.dep_ == "relcl"]
    if root.dep_ == "nsubj":
        clauses.append(root.head)
    elif root.dep_ == "appos" and root.head.dep_ == "nsubj":
        clauses.append(root.head.head)  # "Its leader, X, took command of the brigade"
    for verb in clauses:
        lemma = verb.lemma_.lower()
        objects = [t for t in verb.children if t.dep_ in ("dobj", "attr")]
        if lemma == "be" and verb.dep_ == "relcl" and objects and _definite_job(objects[0]):
            # "X, who is also the United Nations humanitarian coordinator for Libya"
            job = objects[0]
            org = _premodifier_body(ctx, c.para, job, cands)
            for prep in job.rights if org is None else ():
                if prep.lower_ in ROLE_PREPS:
                    org = _org_in(ctx, c.para, doc[prep.i : prep.right_edge.i + 1], cands)
            found.append(_role(ctx, c, _title_words(job), org, "verb"))
            continue
        if lemma in ("take", "assume") and objects and objects[0].lower_ in verbs:
            noun = objects[0]  # "took command of the brigade"
            title = verbs[noun.lower_]
            objects = [o for p in noun.children if p.lower_ == "of" for o in p.children]
        elif lemma in verbs:
            title = verbs[lemma]
        else:
            continue
        for obj in objects:
            org = _org_in(ctx, c.para, doc[obj.left_edge.i : obj.right_edge.i + 1], cands)
            if org is not None:
                found.append(_role(ctx, c, title, org, "verb"))
                break
    # "Y, led by X": the name is the agent of a participle describing a body
    if root.dep_ == "pobj" and root.head.lower_ == "by" and root.head.head.tag_ == "VBN":
        participle = root.head.head
        org = None
        if participle.lemma_.lower() in verbs and participle.dep_ == "acl":
            body = participle.head
            org = _org_in(ctx, c.para, doc[body.left_edge.i : body.i + 1], cands)
        if org is None and participle.lemma_.lower() in verbs and participle.i > 0:
            org = _body_ending_at(ctx, c.para, doc[participle.i - 1], cands)
        if org is not None:
            found.append(_role(ctx, c, verbs[participle.lemma_.lower()], org, "verb"))
    return found


def _definite_job(noun: Token) -> bool:
    """ "the humanitarian coordinator": a role noun with "the" (not "a veteran commander")."""
    return noun.lower_ in lexicon()["role_nouns"] and any(
        c.dep_ == "det" and c.lower_ == "the" for c in noun.children
    )


def _body_ending_at(
    ctx: ArticleContext, para: int, comma: Token, cands: list[Candidate]
) -> Candidate | None:
    """ "Iraq's government, led by X": the body right before the comma of a participle that
    the parser attached elsewhere."""
    if comma.text != ",":
        return None
    at = ctx.offsets[para] + comma.idx
    return next(
        (
            o for o in cands
            if o.para == para and o.end == at and o.label in ORG_TYPES - {"COUNTRY"}
        ),
        None,
    )


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


def _office_phrase(doc: Doc, noun: Token) -> bool:
    """ "X, the United Nations Special Representative", "X, the EU High Representative": a
    capitalised title of office, after "the" and the body's name, set after a name (a title
    before the name, "the UN Special Envoy for Yemen, X", is no mention of the person)."""
    first = noun.left_edge.i
    if doc[first].lower_ != "the" or noun.i - first > 6:
        return False
    return any(
        (found := office_at(doc, k)) is not None and found[0] == noun.i + 1
        for k in range(first + 1, noun.i + 1)
    )


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


PLACE_OF_GOVERNMENT = {"COUNTRY", "PROVINCE"}


def government_offices(
    ctx: ArticleContext, cands: list[Candidate], roles: dict[str, list[RoleFact]]
) -> dict[str, list[RoleFact]]:
    """A minister's role with no body, held by a person described as "The Somali Minister of
    Defence" or "Puntland's Minister of Security", is in that country's or province's
    government when the text names it ("the Federal Government of Somalia")."""
    heads = words("government_office_heads")
    demonyms: dict[str, str] = lexicon()["demonyms"]
    governments = {
        c.canonical: c for c in cands if c.key and c.label == "GOVERNMENT" and c.canonical
    }
    updated: dict[str, list[RoleFact]] = {}
    for key, held in roles.items():
        open_roles = [r for r in held if r.organisation_key is None
                      and heads & set(r.title.lower().split())]
        if not open_roles:
            continue
        places: list[str] = []
        for c in cands:
            if c.key != key or c.form != "nominal":
                continue
            places += [demonyms[w] for w in c.text.split() if w in demonyms]
            places += [
                p.canonical or p.text for p in cands
                if p.label in PLACE_OF_GOVERNMENT and c.start <= p.start and p.end <= c.end
            ]
        for r in open_roles:  # "the Somali Minister": a demonym in the title itself
            places += [demonyms[w] for w in r.title.split() if w in demonyms]
        for r in open_roles:  # "Puntland's Minister of Security, X": a possessive place
            places += [
                p.canonical or p.text for p in cands
                if p.label in PLACE_OF_GOVERNMENT and r.start <= p.start and p.end <= r.end
                and ctx.text[p.end : p.end + 2] in ("’s", "'s")
            ]
        government = next(
            (governments[n] for n in (government_name(p) for p in places) if n in governments),
            None,
        )
        if government is None:
            continue
        updated[key] = [
            replace(r, organisation_key=government.key, organisation_name=government.text)
            if r in open_roles else r
            for r in held
        ]
    return updated
