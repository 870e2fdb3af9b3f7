"""Once the article has named something, its other occurrences are mentions too.

The model can tag "Hit" or "Rasool" in one sentence and miss them in the next; a reader
expects every occurrence highlighted. Surnames of people named in full count as well
("Rasool told state television"), unless the article also uses the word in lower case.
"""

from app.nlp.context import ArticleContext, Candidate, doc_text, token_bounds
from app.nlp.mentions import dateline_credit


def _known_names(ctx: ArticleContext, cands: list[Candidate]) -> dict[str, Candidate]:
    lowered = ctx.lower_words
    names: dict[str, Candidate] = {}
    for c in cands:
        if c.form != "name" or c.nested or len(c.text) < 3 or not c.text[:1].isupper():
            continue
        if c.strong or c.label == "PERSON":
            names.setdefault(c.text, c)
        if c.label == "PERSON" and c.token_end - c.token_start >= 2:
            last = ctx.docs[c.para][c.token_end - 1].text
            if len(last) >= 3 and last[:1].isupper() and last.lower() not in lowered:
                names.setdefault(last, c)
    return names


def propagate_names(
    ctx: ArticleContext, cands: list[Candidate], sources: list[Candidate] | None = None
) -> list[Candidate]:
    """New mentions for every other occurrence of the names in ``sources`` (default: all);
    a source already linked passes its key on."""
    names = _known_names(ctx, cands if sources is None else sources)
    if not names:
        return []
    longest = max(len(n.split()) for n in names) + 3
    taken = [(c.start, c.end) for c in cands]
    found: list[Candidate] = []
    for para, doc in enumerate(ctx.docs):
        # doc[i:j].text is text[starts[i]:ends[j - 1]]: sliced from strings, not from Spans
        text = doc_text(doc)
        starts, ends = token_bounds(doc)
        i = 0
        while i < len(doc):
            match = None
            for j in range(min(len(doc), i + longest), i, -1):
                if text[starts[i] : ends[j - 1]] in names:
                    match = doc[i:j]
                    break
            if match is None:
                i += 1
                continue
            start, end = ctx.span_chars(para, match)
            source = names[match.text]
            credit = dateline_credit(text, match.start_char, match.end_char)
            if not credit and not any(start < te and ts < end for ts, te in taken):
                canonical = source.canonical if match.text == source.text else None
                found.append(
                    Candidate(
                        start,
                        end,
                        match.text,
                        source.label,
                        para,
                        match.start,
                        match.end,
                        canonical,
                        source.strong,
                        key=source.key,
                        method=source.method,
                        copied=True,
                    )
                )
                taken.append((start, end))
            i = match.end
    return found
