"""Titles used alone, and names the model cut in two.

Official statements and transcripts name people by office: "The Defence Secretary said",
"the Syrian Interior Minister". Such a title is a mention of the person the article gives
that title, when it names exactly one; otherwise an actor named by the title. A capitalised
word inside a title ("Interior" in "Interior Minister Karen Holt") is not an organisation.
"""

import re
from dataclasses import replace

from spacy.tokens import Doc

from app.nlp.context import ArticleContext, Candidate, doc_text
from app.nlp.knowledge import lexicon, words
from app.nlp.linking import BODY_LABELS
from app.nlp.title_lookup import office_at
from app.nlp.types import RoleFact

DETERMINERS = {"the", "this", "that"}


def _title_at(doc: Doc, i: int) -> tuple[int, str] | None:
    return office_at(doc, i)


def title_mentions(
    ctx: ArticleContext, cands: list[Candidate], roles: dict[str, list[RoleFact]]
) -> tuple[list[Candidate], list[Candidate]]:
    """(new mentions, candidates to drop): "the Interior Minister" as a mention of its
    holder, and words of a title that the model took for a name."""
    holders: dict[str, set[str]] = {}
    for key, held in roles.items():
        for role in held:
            holders.setdefault(role.title.lower(), set()).add(key)
    found: list[Candidate] = []
    dropped: list[Candidate] = []
    for para, doc in enumerate(ctx.docs):
        i = 0
        while i < len(doc):
            match = _title_at(doc, i) if doc[i].text[:1].isupper() else None
            if match is None:
                i += 1
                continue
            end, canonical = match
            start_char, end_char = ctx.span_chars(para, doc[i:end])
            dropped += [
                c for c in cands
                if c.para == para and start_char <= c.start and c.end <= end_char
                and c.label != "PERSON"
            ]
            if _after_body(doc, para, i, cands):
                i = end  # "the UN Special Representative": the body's job (office_holders)
                continue
            alone = end >= len(doc) or not (doc[end].pos_ == "PROPN" and doc[end].is_title)
            first = i - 1
            if first >= 0 and doc[first].pos_ in ("ADJ", "PROPN") and doc[first].is_title:
                first -= 1  # "the Syrian Interior Minister"
            if alone and first >= 0 and doc[first].lower_ in DETERMINERS:
                keys = holders.get(canonical, set())
                span = doc[first:end]
                s, e = ctx.span_chars(para, span)
                if len(keys) == 1:
                    found.append(Candidate(
                        s, e, span.text, "PERSON", para, first, end, key=next(iter(keys)),
                        strong=True, form="nominal", method="description",
                    ))
                elif not keys:
                    # an actor named by the title: "the Defence Secretary", as written
                    found.append(Candidate(
                        s, e, span.text, "PERSON", para, first, end,
                        canonical=doc[i:end].text, key=f"actor:{canonical}", strong=True,
                        form="nominal", method="rule",
                    ))
            i = end
    return found, dropped


def _after_body(doc: Doc, para: int, i: int, cands: list[Candidate]) -> bool:
    """A title right after "the" and a body's name ("the EU High Representative")."""
    return any(
        c.para == para and c.key and c.label in BODY_LABELS and c.token_end == i
        and c.token_start > 0 and doc[c.token_start - 1].lower_ in DETERMINERS
        for c in cands
    )


OFFICE_PREFIXES = {"deputy", "acting"}
# whose office a title of this service or sector is in: the text's one body of this label
SERVICE_LABELS = {"army": "UNIT_ARMY", "military": "UNIT_ARMY", "navy": "UNIT_ARMY",
                  "police": "UNIT_POLICE"}


def _office_words(doc: Doc, i: int) -> tuple[int, list[str]] | None:
    """A lower-case office at token ``i`` (after "the"): "[deputy] minister of defence",
    "chief of army staff", "[deputy] commander of joint operations" (an *of*-phrase with no
    determiner: a fixed title, not "the director of the agency"), "defence minister", "army
    chief". Its end and its words."""
    heads, sectors = words("office_heads"), words("body_sectors") | words("service_words")
    j = i + 1 if doc[i].lower_ in OFFICE_PREFIXES else i
    if j < len(doc) and doc[j].text in heads and j + 1 < len(doc) and doc[j + 1].text == "of":
        k = j + 2
        while k < len(doc) and k < j + 5 and doc[k].is_alpha and doc[k].is_lower and (
            doc[k].pos_ in ("NOUN", "ADJ", "PROPN") and doc[k].lower_ not in heads
        ):
            k += 1
        if k > j + 2 and (k == j + 3 or doc[k - 1].pos_ == "NOUN"):
            return k, [t.text for t in doc[i:k]]
        return None
    k = j
    while k < len(doc) and k < j + 2 and doc[k].text in sectors:
        k += 1
    if k > j and k < len(doc) and doc[k].text in heads and doc[k].text in ("minister", "chief",
                                                                          "secretary"):
        return k + 1, [t.text for t in doc[i : k + 1]]
    return None


def lower_case_offices(
    ctx: ArticleContext, cands: list[Candidate], roles: dict[str, list[RoleFact]]
) -> tuple[list[Candidate], dict[str, list[RoleFact]]]:
    """ "the chief of army staff had ordered an inquiry": an office in lower case, used alone,
    that no one in the text is said to hold (no role with its head noun), is an actor named by
    the title, who holds it (a role in the text's one army for an army office, in its one
    government for a minister's). Returns the mentions and their roles."""
    heads = words("office_heads")
    held = {r.title.split()[-1] for facts in roles.values() for r in facts}
    held |= {w for facts in roles.values() for r in facts for w in r.title.split()}
    taken = {(c.para, c.token_start) for c in cands}
    found: list[Candidate] = []
    new_roles: dict[str, list[RoleFact]] = {}
    for para, doc in enumerate(ctx.docs):
        for det in doc:
            if det.lower_ != "the" or det.i + 1 >= len(doc):
                continue
            office = _office_words(doc, det.i + 1)
            if office is None:
                continue
            end, title = office
            head = next(w for w in title if w in heads)
            nxt = doc[end] if end < len(doc) else None
            if head in held or (para, det.i + 1) in taken or (
                nxt is not None and (nxt.pos_ == "PROPN" or nxt.text == ",")
                and any(t.pos_ == "PROPN" for t in doc[end : end + 4])
            ):
                continue  # held by someone named, or named right after ("…, Lt. Gen. X")
            span = doc[det.i : end]
            s, e = ctx.span_chars(para, span)
            canonical = " ".join(title)
            key = f"actor:{canonical}"
            found.append(Candidate(
                s, e, span.text, "PERSON", para, det.i, end, canonical=canonical, key=key,
                strong=True, form="nominal", method="rule",
            ))
            service = next((w for w in title if w in SERVICE_LABELS), None)
            label = SERVICE_LABELS[service] if service else (
                "GOVERNMENT" if head == "minister" else None)
            # the army's chief in the army, a minister in the government (not a council)
            word = service or "government"
            bodies = {
                c.key: c for c in cands if c.key and c.label == label
                and word in f"{c.text} {c.canonical or ''}".lower()
            }
            body = next(iter(bodies.values())) if len(bodies) == 1 else None
            sentence_start, sentence_end = ctx.sentence_bounds(s)
            new_roles.setdefault(key, []).append(RoleFact(
                canonical, body.key if body else None, body.text if body else None,
                sentence_start, sentence_end, cue="title",
            ))
    return found, new_roles


def split_names(
    ctx: ArticleContext, cands: list[Candidate]
) -> tuple[list[Candidate], list[Candidate]]:
    """ "Abdulrahman Saleh" + "Mohsen al-Harbi" side by side with nothing but a space between:
    one long name (Arabic, Pashto and Kurdish names often have four or more parts). Returns
    (the pieces, the whole names that replace them)."""
    pieces: list[Candidate] = []
    joined: list[Candidate] = []
    prev: Candidate | None = None
    for c in sorted(cands, key=lambda c: (c.start, -c.end)):
        if (
            prev is not None
            and prev.label == c.label == "PERSON"
            and prev.form == c.form == "name"
            and prev.para == c.para
            and prev.end < c.start
            and ctx.text[prev.end : c.start].isspace()
        ):
            whole = replace(
                prev, end=c.end, token_end=c.token_end, text=ctx.text[prev.start : c.end],
                canonical=None,
            )
            if joined and joined[-1] is prev:
                joined[-1] = whole
            else:
                pieces.append(prev)
                joined.append(whole)
            pieces.append(c)
            prev = whole
            continue
        prev = c
    return pieces, joined


SPEAKER_LABEL = re.compile(r"^(?:(?:MR|MS|MRS|DR)\.\s+)?([A-Z][A-Z'’-]{2,})(?=:)")


def transcript_speakers(ctx: ArticleContext, cands: list[Candidate]) -> list[Candidate]:
    """ "MS. WHITLOCK: Good afternoon." A transcript's speaker label in capitals is a mention
    of the person of that surname the transcript names; other labels ("QUESTION:") are not
    names (the caller drops candidates on them)."""
    surnames: dict[str, Candidate] = {}
    for c in cands:
        if c.label == "PERSON" and c.form == "name" and c.key and " " in c.text:
            surnames.setdefault(c.text.split()[-1].upper(), c)
    found = []
    for para, doc in enumerate(ctx.docs):
        match = SPEAKER_LABEL.match(doc_text(doc))
        if match is None:
            continue
        person = surnames.get(match.group(1))
        if person is None:
            continue
        start = ctx.offsets[para] + match.start(1)
        end = ctx.offsets[para] + match.end(1)
        tokens = [t.i for t in doc if match.start(1) <= t.idx < match.end(1)]
        found.append(Candidate(
            start, end, match.group(1), "PERSON", para, tokens[0], tokens[-1] + 1,
            key=person.key, strong=True, method="rule",
        ))
    return found


def speaker_labels(ctx: ArticleContext) -> list[tuple[int, int]]:
    """Character ranges of every transcript speaker label ("QUESTION", "WHITLOCK")."""
    ranges = []
    for para, doc in enumerate(ctx.docs):
        match = SPEAKER_LABEL.match(doc_text(doc))
        if match is not None and sum(1 for d in ctx.docs if SPEAKER_LABEL.match(d.text)) > 1:
            ranges.append((ctx.offsets[para] + match.start(1), ctx.offsets[para] + match.end(1)))
    return ranges


def unnamed_office_holders(
    ctx: ArticleContext, cands: list[Candidate], roles: dict[str, list[RoleFact]]
) -> tuple[list[Candidate], dict[str, list[RoleFact]]]:
    """ "The CJTF-OIR commander visited Baghdad": a job after a body's name, with no name of
    its own, is a mention of the one person holding that job in that body, else an actor
    named by it, who holds the job in the body. Returns the mentions and the new roles."""
    nouns = set(lexicon()["role_nouns"])
    found: list[Candidate] = []
    new_roles: dict[str, list[RoleFact]] = {}
    bodies = {(c.para, c.token_end): c for c in cands if c.key and c.label in BODY_LABELS}
    for para, i in sorted(bodies):  # the tokens right after a body's name, in text order
        doc, body = ctx.docs[para], bodies[para, i]
        if i >= len(doc):
            continue
        job = _job_after_body(doc, i, nouns)
        if job is None:
            continue
        end, title = job
        det = body.token_start - 1
        nxt = doc[end] if end < len(doc) else None
        if det < 0 or doc[det].lower_ not in DETERMINERS:
            continue
        if nxt is not None and (nxt.pos_ == "PROPN" or nxt.text in ("-", ",")):
            continue  # "the CJTF-OIR spokesman, Col. X": the name comes; roles.py has it
        if det > 0 and doc[det - 1].text == "," and any(
            c.para == para and c.label == "PERSON" and c.token_end == det - 1 for c in cands
        ):
            continue  # "X, the WHO representative in Libya": X's apposition; roles.py has it
        holders = [
            key for key, held in roles.items()
            if any(r.title.lower() == title and r.organisation_key == body.key for r in held)
        ]
        if _name_follows(doc, end, para, cands):
            continue  # "the UN Special Envoy for Sudan, Karim Haddad": a title before a name
        span = doc[det:end]
        s, e = ctx.span_chars(para, span)
        name = doc[body.token_start : end].text
        key = holders[0] if len(holders) == 1 else f"actor:{name.lower()}"
        found.append(Candidate(
            s, e, span.text, "PERSON", para, det, end, canonical=name, key=key,
            strong=True, form="nominal", method="description" if holders else "rule",
        ))
        if not holders:
            sentence_start, sentence_end = ctx.sentence_bounds(s)
            new_roles.setdefault(key, []).append(RoleFact(
                title, body.key, body.text, sentence_start, sentence_end, cue="title",
            ))
    return found, new_roles


def _job_after_body(doc: Doc, i: int, nouns: set[str]) -> tuple[int, str] | None:
    """The job named right after a body's name: a lower-case role noun ("the CJTF-OIR
    commander") or a capitalised title of office ("the UN Special Representative"); its end
    and its canonical form."""
    tok = doc[i]
    if tok.lower_ in nouns and tok.text == tok.lower_:
        return i + 1, tok.lower_
    if tok.is_title:
        return office_at(doc, i)
    return None


def _name_follows(doc: Doc, end: int, para: int, cands: list[Candidate]) -> bool:
    """A comma and a person's name within a short phrase after the title ("for Sudan, Karim
    Haddad"): the title is that person's apposition, not a mention of an unnamed holder."""
    for k in range(end, min(len(doc), end + 6)):
        if doc[k].text == ",":
            return any(
                c.para == para and c.label == "PERSON" and c.token_start == k + 1 for c in cands
            ) or (k + 1 < len(doc) and doc[k + 1].ent_type_ == "PERSON")
        if doc[k].is_sent_end:
            return False
    return False
