"""Library-wide entities: one identity per real-world entity across all articles.

Identity rules, applied to each article entity when its article is stored:

* an entity of the knowledge file is known by its knowledge key, whatever the article wrote
  ("Islamic State", "ISIS", "Daesh" all carry the key ``actor:islamic state``);
* any other name of at least two words after folding (case, diacritics, apostrophes, hyphens,
  the particles "al"/"el") is one library entity per (type, folded name): "Nasser al-Alwani"
  and "Nasser Al Alwani" in two articles are one person; "Omar al-Alwani" is another;
* a one-word name the knowledge file does not know (a bare surname such as "Alwani") never
  links across articles: it gets a library entity of its own (key ``entity:<id>``);
* an article entity with no name at all (only descriptions: "the compound") gets none; its
  ``library_id`` stays NULL. Descriptions of a named entity are mentions of that entity;
* a name of a *kind* of body that every country has ("Interior Ministry", "security forces",
  "the army": ``app/data/kinds_of_body.txt``) is one library entity per (type, name, country)
  when the article states the country right at a mention ("Iraqi Interior Ministry", "Syria's
  Defence Ministry", "the Foreign Ministry of Iran"); otherwise it stays within its article.

The key so computed is kept in ``Entity.library_key``. **Editors' corrections** (recorded by
``app.library_corrections`` in ``LibraryCorrection``, the library's audit log) override it,
and because they are read here, every recomputation obeys them, whichever article is added,
revised or corrected later:

* a *detachment* gives one article entity the key ``detached:<correction id>`` (a library
  entity of its own); the entity is found by its key, else by its anchored mentions, and
  ``Entity.library_pin`` records the detachment in force;
* a *merge* of library entity A into B sends every article entity whose key is A's to B
  (:func:`survivor` follows chains of merges).

Counts, names and co-mentions are maintained incrementally, O(size of the article), by the
transaction that changes an article. Every writer that changes an article's entities or
mentions follows one protocol::

    before = snapshot(session, article_id)
    ...  # change rows
    apply(session, article_id, before)

:func:`rebuild` recomputes everything from the entities (for bulk loads and repairs).
Library rows are never deleted: an entity whose last article went away keeps its id with
``retired_at`` set (its URL answers 410 Gone) and is revived if its key comes back.
"""

import json
import re
import unicodedata
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, wraps
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Integer, String, Table, and_, case, delete, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from app import bulk
from app.models import (
    Article,
    Entity,
    LibraryComention,
    LibraryCorrection,
    LibraryEntity,
    LibraryName,
    LibraryTerm,
    Mention,
    Sentence,
    utcnow,
)

PARTICLES = frozenset({"al", "el"})
ATTACHED_PARTICLE = re.compile(r"\b(?:al|el|ad|ar|as|at|an|ash|az|adh|ath)-(?=\w)", re.I)
APOSTROPHES = re.compile(r"['’‘ʼ`´]")
NON_WORD = re.compile(r"[\W_]+")
MAX_TERM_CHARS = 300
HIGHEST_CHAR = "\U0010ffff"  # above every character a term can hold: a prefix's upper bound


def fold(text: str) -> str:
    """Lower-case words without diacritics, apostrophes, punctuation or Arabic particles:
    "Nasser al-Alwani", "NASSER AL ALWANI" and "Nāsser Alwani" all fold to "nasser alwani"."""
    text = ATTACHED_PARTICLE.sub(" ", text)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = NON_WORD.sub(" ", APOSTROPHES.sub("", stripped.casefold())).split()
    return " ".join(w for w in words if w not in PARTICLES)


@lru_cache
def known_keys() -> frozenset[str]:
    """The entity keys that the knowledge file's names get: ``"<type>:<canonical>"``."""
    from app.nlp.knowledge import strip_article_prefix
    from app.nlp.labels import DOMAIN_LABELS

    keys: set[str] = set()
    for row in _pattern_rows():
        canonical = row.get("id") or row.get("pattern")
        label = DOMAIN_LABELS.get(row.get("label", ""))
        if isinstance(canonical, str) and label is not None:
            norm = strip_article_prefix(" ".join(canonical.replace("’", "'").split()))
            keys.add(f"{label[0]}:{norm.lower()}")
    return frozenset(keys)


def _pattern_rows() -> Iterable[dict[str, Any]]:
    """The knowledge file's rows: those the ruler parsed already, in a process that loaded the
    pipeline (the ingest: reading the file again took it tens of milliseconds), else read from
    the file without keeping them (the web server needs only the keys)."""
    from app.nlp.knowledge import DATA_DIR, patterns

    if patterns.cache_info().currsize:
        yield from patterns()
        return
    path = DATA_DIR / "patterns.jsonl"
    if not path.exists():
        return
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


KINDS_OF_BODY = Path(__file__).resolve().parent / "data" / "kinds_of_body.txt"


@lru_cache
def _kinds_of_body() -> tuple[frozenset[str], tuple[str, ...], frozenset[str]]:
    """The data file's names, prefixes (``ministry *``) and exceptions (``!...``)."""
    exact: set[str] = set()
    prefixes: list[str] = []
    exceptions: set[str] = set()
    for line in KINDS_OF_BODY.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("!"):
            exceptions.add(fold(line[1:]))
        elif line.endswith("*"):
            prefixes.append(fold(line[:-1]) + " ")
        else:
            exact.add(fold(line))
    return frozenset(exact), tuple(prefixes), frozenset(exceptions)


def names_a_kind_of_body(folded: str) -> bool:
    """"ministry of interior", "security forces", "army": every country has one."""
    exact, prefixes, exceptions = _kinds_of_body()
    if folded in exceptions:
        return False
    return folded in exact or folded.startswith(prefixes)


@lru_cache
def _country_forms() -> dict[str, str]:
    """Written forms that state a country ("Iraqi", "Iraq", "Baghdad") -> its folded name."""
    from app.nlp.knowledge import gazetteer, lexicon

    forms: dict[str, str] = {}
    for written, known in gazetteer().items():
        if known.label == "COUNTRY":
            forms[written] = fold(known.canonical)
    lex = lexicon()
    for demonym, country in lex.get("demonyms", {}).items():
        forms.setdefault(demonym, fold(country))
    for country, capital in lex.get("capitals", {}).items():
        forms.setdefault(capital, fold(country))
    return {k: v for k, v in forms.items() if v}


@lru_cache
def _country_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    names = "|".join(re.escape(f) for f in sorted(_country_forms(), key=len, reverse=True))
    inside = re.compile(rf"(?<![\w.])({names})(?![\w])")
    before = re.compile(rf"(?<![\w.])({names})(?:['’]s)?\s+$")  # "Syria's ", "the Iraqi "
    after = re.compile(rf"^\s+(?:of|in)\s+(?:the\s+)?({names})(?![\w])")  # " of Iran"
    return inside, before, after


def stated_countries(text: str, start: int, end: int) -> set[str]:
    """The countries the text states for the mention ``text[start:end]``: in its words
    ("Iraqi Interior Ministry"), just before it ("Syria's", "the Yemeni") or just after it
    ("of Iran", "in Damascus"). Nothing further away: a country elsewhere in the sentence may
    be another party's."""
    inside, before, after = _country_patterns()
    forms = _country_forms()
    found = {forms[m.group(1)] for m in inside.finditer(text, start, end)}
    head = text[max(0, start - 40):start].rsplit("\n", 1)[-1]
    tail = text[end:end + 40].split("\n", 1)[0]
    for match in (before.search(head), after.search(tail)):
        if match is not None:
            found.add(forms[match.group(1)])
    return found


def library_key(entity_key: str, type_: str, entity_id: int, named: bool,
                country: str | None = None) -> str | None:
    """The library key an article entity computes to (see the module's rules); ``country``:
    the one country the article states for it, which a kind of body needs to leave its
    article."""
    if "@" in entity_key:  # an unnamed place the article alone knows ("the compound")
        return None
    known = entity_key in known_keys()
    if not named and not known:
        return None
    folded = fold(entity_key.split(":", 1)[-1])
    if folded and names_a_kind_of_body(folded):
        return f"{type_}:{folded} of {country}" if country else f"entity:{entity_id}"
    if known and folded:
        return f"{type_}:{folded}"
    if len(folded.split()) >= 2:
        return f"{type_}:{folded}"
    return f"entity:{entity_id}"


@dataclass
class Contribution:
    """What one article adds to the library: per library id, its mentions, names and pairs."""

    mentions: Counter[int] = field(default_factory=Counter)
    names: Counter[tuple[int, str]] = field(default_factory=Counter)  # article entities
    named: Counter[tuple[int, str]] = field(default_factory=Counter)  # ... showing the name
    pairs: Counter[tuple[int, int]] = field(default_factory=Counter)  # shared sentences


@dataclass(frozen=True)
class _Row:
    id: int
    key: str
    name: str
    type: str
    kind: str
    aliases: list[str]
    library_id: int | None
    library_key: str | None
    library_pin: str | None
    mentions: int
    name_mentions: int


def _rows(session: Session, article_id: int) -> list[_Row]:
    counts = (
        select(
            Mention.entity_id,
            func.count().label("n"),
            func.sum(case((Mention.form == "name", 1), else_=0)).label("named"),
        )
        .where(Mention.article_id == article_id)
        .group_by(Mention.entity_id)
        .subquery()
    )
    query = (
        select(
            Entity.id,
            Entity.key,
            Entity.name,
            Entity.type,
            Entity.kind,
            Entity.aliases,
            Entity.library_id,
            Entity.library_key,
            Entity.library_pin,
            func.coalesce(counts.c.n, 0),
            func.coalesce(counts.c.named, 0),
        )
        .outerjoin(counts, counts.c.entity_id == Entity.id)
        .where(Entity.article_id == article_id)
        .order_by(Entity.id)
    )
    return [_Row(*row) for row in session.execute(query)]


def _contribution(
    session: Session, article_id: int, rows: list[_Row], library_ids: dict[int, int | None]
) -> Contribution:
    found = Contribution()
    for row in rows:
        lib = library_ids.get(row.id)
        if lib is None:
            continue
        found.mentions[lib] += row.mentions
        for name in {row.name, *(row.aliases or [])}:
            found.names[lib, name[:300]] += 1
        found.named[lib, row.name[:300]] += 1
    found.pairs = _pairs(session, article_id, library_ids)
    return found


def _pairs(
    session: Session, article_id: int, library_ids: dict[int, int | None]
) -> Counter[tuple[int, int]]:
    """For each two library entities, the sentences of the article that mention both."""
    if sum(1 for v in set(library_ids.values()) if v is not None) < 2:
        return Counter()
    sentences = session.execute(
        select(Sentence.start, Sentence.end)
        .where(Sentence.article_id == article_id)
        .order_by(Sentence.start)
    ).all()
    if not sentences:
        return Counter()
    starts = [s for s, _ in sentences]
    in_sentence: dict[int, set[int]] = {}
    mentions = session.execute(
        select(Mention.entity_id, Mention.start).where(Mention.article_id == article_id)
    )
    for entity_id, start in mentions:
        lib = library_ids.get(entity_id)
        i = bisect_right(starts, start) - 1
        if lib is None or i < 0 or start >= sentences[i][1]:
            continue
        in_sentence.setdefault(i, set()).add(lib)
    pairs: Counter[tuple[int, int]] = Counter()
    for libs in in_sentence.values():
        for a in libs:
            for b in libs:
                if a != b:
                    pairs[a, b] += 1
    return pairs


def snapshot(session: Session, article_id: int) -> Contribution:
    """What the article contributes to the library now (before the caller changes it)."""
    session.flush()
    rows = _rows(session, article_id)
    return _contribution(session, article_id, rows, {r.id: r.library_id for r in rows})


def apply(session: Session, article_id: int, before: Contribution, new: bool = False) -> None:
    """Give the article's entities their library entities and update the library by the
    difference between ``before`` and what the article contributes now (``new``: the article
    was just inserted, so no editor's correction names it)."""
    session.flush()
    rows = _rows(session, article_id)
    pins = {} if new else _editor_pins(session, article_id, rows)
    countries = _countries(session, article_id, rows)
    keys = {
        r.id: pins.get(r.id)
        or library_key(r.key, r.type, r.id, r.name_mentions > 0, countries.get(r.id))
        for r in rows
    }
    seeds = {k: r for r in rows if (k := keys[r.id]) is not None}
    ids = _library_ids(session, seeds)
    merged = merge_map(session) if ids else {}
    library_ids = {r.id: survivor(ids.get(keys[r.id] or ""), merged) for r in rows}
    changed = [
        {"b_id": r.id, "library_id": library_ids[r.id], "library_key": keys[r.id],
         "library_pin": pins.get(r.id)}
        for r in rows
        if (r.library_id, r.library_key, r.library_pin)
        != (library_ids[r.id], keys[r.id], pins.get(r.id))
    ]
    if changed:
        bulk.update_rows(
            session, Entity, changed, ENTITY_LIBRARY_TYPES,
            where=lambda t, row: t.c.id == row["b_id"],
            values=lambda _t, row: {"library_id": row["library_id"],
                                    "library_key": row["library_key"],
                                    "library_pin": row["library_pin"]},
        )
        for change in changed:  # objects the caller holds see the new values
            held = session.identity_map.get((Entity, (change["b_id"],), None))
            if held is not None:
                session.expire(held, ["library_id", "library_key", "library_pin",
                                      "library_entity"])
    after = _contribution(session, article_id, rows, library_ids)
    _apply_difference(session, before, after)


def _countries(session: Session, article_id: int, rows: list[_Row]) -> dict[int, str]:
    """For entities that name a kind of body ("Interior Ministry"), the one country the
    article states for them, if it states exactly one."""
    generic = [r.id for r in rows if "@" not in r.key
               and names_a_kind_of_body(fold(r.key.split(":", 1)[-1]))]
    if not generic:
        return {}
    text = _text(session, article_id)
    found: dict[int, set[str]] = {}
    for chunk in _chunks(generic):
        for entity_id, start, end in session.execute(
            select(Mention.entity_id, Mention.start, Mention.end).where(
                bulk.among(session, Mention.entity_id, chunk))
        ):
            found.setdefault(entity_id, set()).update(stated_countries(text, start, end))
    return {e: next(iter(c)) for e, c in found.items() if len(c) == 1}


# ---------------------------------------------------------------------------------------------
# Editors' library corrections (app.library_corrections records them; identity obeys them here)


def merge_map(session: Session) -> dict[int, int]:
    """Library ids an editor merged away -> the library id each was merged into."""
    return {away: into for away, into in session.execute(
        select(LibraryCorrection.library_id, LibraryCorrection.into_id).where(
            LibraryCorrection.action == "merge", LibraryCorrection.status == "applied")
    ).tuples() if into is not None}


def survivor(library_id: int | None, merged: dict[int, int]) -> int | None:
    """Where a chain of merges leads (merges never form a cycle; guarded all the same)."""
    seen: set[int] = set()
    while library_id in merged and library_id not in seen:
        seen.add(library_id)
        library_id = merged[library_id]
    return library_id


def detached_key(correction_id: int) -> str:
    return f"detached:{correction_id}"


def _editor_pins(session: Session, article_id: int, rows: list[_Row]) -> dict[int, str]:
    """Article entities an editor detached into library entities of their own, found by their
    key, else (a revised text that the extractor keys differently) by their anchored mentions.
    A detachment whose entity is gone is orphaned until it comes back."""
    detached = list(session.scalars(
        select(LibraryCorrection).where(
            LibraryCorrection.article_id == article_id, LibraryCorrection.action == "detach",
            LibraryCorrection.status != "undone").order_by(LibraryCorrection.id)
    ))
    if not detached:
        return {}
    by_key = {r.key: r.id for r in rows}
    pins: dict[int, str] = {}
    for correction in detached:
        entity_id = by_key.get(correction.entity_key or "")
        if entity_id is None:
            entity_id = _entity_by_anchors(session, article_id, correction)
        if entity_id is None:
            correction.status = "orphaned"
            correction.reason = "the article no longer names this entity"
            continue
        key = next(r.key for r in rows if r.id == entity_id)
        if correction.entity_key != key:
            correction.entity_key = key
        correction.status, correction.reason = "applied", None
        pins[entity_id] = detached_key(correction.id)
    return pins


def _entity_by_anchors(session: Session, article_id: int,
                       correction: "LibraryCorrection") -> int | None:
    from app.anchoring import Anchor, locate

    anchors = (correction.anchor or {}).get("entity") or []
    if not anchors:
        return None
    text = _text(session, article_id)
    votes: Counter[int] = Counter()
    for data in anchors:
        span = locate(text, Anchor.from_json(data))
        if span is None:
            continue
        found = session.scalar(select(Mention.entity_id).where(
            Mention.article_id == article_id, Mention.start == span[0], Mention.end == span[1]))
        if found is not None:
            votes[found] += 1
    return votes.most_common(1)[0][0] if votes else None


# the types of the values ``apply`` sets on its article's entities
ENTITY_LIBRARY_TYPES: dict[str, TypeEngine[Any]] = {
    "b_id": Integer(), "library_id": Integer(), "library_key": String(), "library_pin": String(),
}


def _text(session: Session, article_id: int) -> str:
    """The article's text: the writer holds the article it changes (no statement then)."""
    article = session.get(Article, article_id)
    return article.text if article is not None else ""


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _insert_ignoring_duplicates(session: Session, model: Any, rows: Sequence[dict[str, Any]]
                                ) -> None:
    """Insert rows, skipping those a unique key already holds (another writer's, perhaps)."""
    bulk.insert_ignoring_duplicates(session, model, rows)


def _chunks(items: Sequence[Any], size: int = 500) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _library_ids(session: Session, seeds: dict[str, _Row]) -> dict[str, int]:
    """The library entity of each key, created when new."""
    wanted = sorted(seeds)
    ids: dict[str, int] = {}
    for chunk in _chunks(wanted):
        ids.update(
            session.execute(
                select(LibraryEntity.key, LibraryEntity.id)
                .where(bulk.among(session, LibraryEntity.key, chunk))
            ).tuples().all()
        )
    missing = [k for k in wanted if k not in ids]
    if missing:
        now = utcnow()
        _insert_ignoring_duplicates(
            session,
            LibraryEntity,
            [
                {
                    "key": key,
                    "name": seeds[key].name[:300],
                    "type": seeds[key].type,
                    "kind": seeds[key].kind,
                    "article_count": 0,
                    "mention_count": 0,
                    "created_at": now,
                    "retired_at": now,
                }
                for key in missing
            ],
        )
        for chunk in _chunks(missing):
            ids.update(
                session.execute(
                    select(LibraryEntity.key, LibraryEntity.id).where(
                        bulk.among(session, LibraryEntity.key, chunk)
                    )
                ).tuples().all()
            )
    return ids


def _difference(after: Counter[Any], before: Counter[Any]) -> dict[Any, int]:
    keys = set(after) | set(before)
    return {k: d for k in keys if (d := after[k] - before[k]) != 0}


def _apply_difference(session: Session, before: Contribution, after: Contribution) -> None:
    libs = sorted(set(before.mentions) | set(after.mentions))
    if not libs and not before.pairs and not after.pairs:
        return
    lib_table = _table(LibraryEntity)
    counts = [
        {
            "b_id": lib,
            "d_articles": int(lib in after.mentions) - int(lib in before.mentions),
            "d_mentions": after.mentions[lib] - before.mentions[lib],
        }
        for lib in libs
    ]
    counts = [c for c in counts if c["d_articles"] or c["d_mentions"]]
    bulk.update_rows(
        session, lib_table, counts, {"b_id": Integer(), "d_articles": Integer(),
                                     "d_mentions": Integer()},
        where=lambda t, row: t.c.id == row["b_id"],
        values=lambda t, row: {"article_count": t.c.article_count + row["d_articles"],
                               "mention_count": t.c.mention_count + row["d_mentions"]},
    )
    renamed = _apply_names(session, before, after)
    _apply_pairs(session, _difference(after.pairs, before.pairs))
    # Only a library entity that lost an article can retire, one that gained one revive.
    losing = any(c["d_articles"] < 0 for c in counts)
    gaining = any(c["d_articles"] > 0 for c in counts)
    _refresh(session, libs, renamed, losing, gaining)


def _apply_names(session: Session, before: Contribution, after: Contribution) -> set[int]:
    """Update name counts; returns the library ids whose set of names changed."""
    uses = _difference(after.names, before.names)
    named = _difference(after.named, before.named)
    touched = sorted(set(uses) | set(named))
    if not touched:
        return set()
    libs = sorted({lib for lib, _ in touched})
    existing: set[tuple[int, str]] = set()
    for chunk in _chunks(libs):
        existing.update(
            session.execute(
                select(LibraryName.library_id, LibraryName.name).where(
                    bulk.among(session, LibraryName.library_id, chunk)
                )
            ).tuples().all()
        )
    new = [pair for pair in touched if pair not in existing and uses.get(pair, 0) > 0]
    _insert_ignoring_duplicates(
        session,
        LibraryName,
        [
            {"library_id": lib, "name": name, "folded": fold(name)[:300], "uses": 0, "named": 0}
            for lib, name in new
        ],
    )
    table = _table(LibraryName)
    bulk.update_rows(
        session, table,
        [{"b_lib": lib, "b_name": name, "d_uses": uses.get((lib, name), 0),
          "d_named": named.get((lib, name), 0)} for lib, name in touched],
        {"b_lib": Integer(), "b_name": String(), "d_uses": Integer(), "d_named": Integer()},
        where=lambda t, row: and_(t.c.library_id == row["b_lib"], t.c.name == row["b_name"]),
        values=lambda t, row: {"uses": t.c.uses + row["d_uses"],
                               "named": t.c.named + row["d_named"]},
    )
    gone = set(
        session.scalars(
            select(LibraryName.library_id).where(
                bulk.among(session, LibraryName.library_id, libs), LibraryName.uses <= 0
            )
        )
    )
    if gone:
        session.execute(
            delete(table).where(bulk.among(session, table.c.library_id, sorted(gone)),
                                table.c.uses <= 0)
        )
    changed = gone | {lib for lib, _ in new}
    _refresh_terms(session, sorted(changed))
    return changed | {lib for lib, _ in named}


def _terms(folded: str) -> set[str]:
    words = folded.split()
    return {" ".join(words[i:])[:MAX_TERM_CHARS] for i in range(len(words))}


def _refresh_terms(session: Session, libs: Sequence[int]) -> None:
    if not libs:
        return
    table = _table(LibraryTerm)
    session.execute(delete(table).where(bulk.among(session, table.c.library_id, libs)))
    rows = {
        (term, lib)
        for lib, folded in session.execute(
            select(LibraryName.library_id, LibraryName.folded).where(
                bulk.among(session, LibraryName.library_id, libs)
            )
        )
        for term in _terms(folded)
    }
    # Ignoring duplicates: a concurrent writer (PostgreSQL, READ COMMITTED) may have
    # inserted the same terms after our delete.
    _insert_ignoring_duplicates(
        session, LibraryTerm, [{"term": t, "library_id": lib} for t, lib in sorted(rows)]
    )


def _apply_pairs(session: Session, deltas: dict[tuple[int, int], int]) -> None:
    if not deltas:
        return
    table = _table(LibraryComention)
    ordered = sorted(deltas.items())  # rows locked in one order by every writer: no deadlock
    # One upsert a pair (an insert and an update of each took most of the time of an
    # article's library update on PostgreSQL). A pair that loses sentences is there already
    # (its article counted it); one that is not (a concurrent writer removed it) is inserted
    # below zero and deleted just below.
    bulk.add_to_counts(
        session, LibraryComention, ("library_id", "other_id"), "sentences",
        [{"library_id": a, "other_id": b, "sentences": d} for (a, b), d in ordered],
    )
    if min(deltas.values()) > 0:
        return  # every count grew: none can be down to zero
    firsts = sorted({a for a, _ in deltas})
    session.execute(
        delete(table).where(bulk.among(session, table.c.library_id, firsts),
                            table.c.sentences <= 0)
    )


def _refresh(session: Session, libs: Sequence[int], renamed: set[int], losing: bool = True,
             gaining: bool = True) -> None:
    """Display names of library entities whose names changed; retire (if some ``losing``
    lost an article) or revive (if some ``gaining``) by count."""
    if not libs:
        return
    table = _table(LibraryEntity)
    now = utcnow()
    if losing:
        session.execute(
            update(table)
            .where(bulk.among(session, table.c.id, libs), table.c.article_count <= 0,
                   table.c.retired_at.is_(None))
            .values(retired_at=now)
        )
    if gaining:
        session.execute(
            update(table)
            .where(bulk.among(session, table.c.id, libs), table.c.article_count > 0,
                   table.c.retired_at.is_not(None))
            .values(retired_at=None)
        )
    if not renamed:
        return
    current: dict[int, str] = {}
    best: dict[int, tuple[int, int, int, str]] = {}
    for lib, name, named, uses, row_id, shown in session.execute(
        select(LibraryName.library_id, LibraryName.name, LibraryName.named, LibraryName.uses,
               LibraryName.id, LibraryEntity.name)
        .join(LibraryEntity, LibraryEntity.id == LibraryName.library_id)
        .where(bulk.among(session, LibraryName.library_id, sorted(renamed)))
    ):
        current[lib] = shown
        rank = (-named, -uses, row_id, name)  # most shown as the name, then most used, oldest
        if lib not in best or rank < best[lib]:
            best[lib] = rank
    changes = [{"b_id": lib, "b_name": rank[3]} for lib, rank in sorted(best.items())
               if current.get(lib) != rank[3]]
    bulk.update_rows(
        session, table, changes, {"b_id": Integer(), "b_name": String()},
        where=lambda t, row: t.c.id == row["b_id"],
        values=lambda _t, row: {"name": row["b_name"]},
    )


P = ParamSpec("P")
R = TypeVar("R")


def follows_article(change: Callable[Concatenate[Session, Any, P], R]
                    ) -> Callable[Concatenate[Session, Any, P], R]:
    """Keep the library up to date after a write ``change(session, article, ...)`` that may
    change the article's entities or mentions (an editor's correction, say)."""

    @wraps(change)
    def changed(session: Session, article: Any, *args: P.args, **kwargs: P.kwargs) -> R:
        before = snapshot(session, article.id)
        result = change(session, article, *args, **kwargs)
        apply(session, article.id, before)
        return result

    return changed


def detach_article(session: Session, article_id: int) -> None:
    """Take an article out of the library (``ingest.service.delete_article`` calls this
    before it deletes the article)."""
    _apply_difference(session, snapshot(session, article_id), Contribution())
    session.execute(
        update(_table(Entity)).where(Entity.article_id == article_id).values(library_id=None)
    )
    session.execute(  # the log keeps them, as orphans: nothing to apply them to
        update(_table(LibraryCorrection))
        .where(LibraryCorrection.article_id == article_id,
               LibraryCorrection.status != "undone")
        .values(status="orphaned", reason="its article was deleted")
    )


def rebuild(session: Session) -> None:
    """Recompute every library row from the article entities (keeps existing library ids)."""
    session.flush()
    for model in (LibraryTerm, LibraryName, LibraryComention):
        session.execute(delete(_table(model)))
    session.execute(update(_table(LibraryEntity)).values(article_count=0, mention_count=0))
    session.execute(update(_table(Entity)).values(library_id=None, library_key=None,
                                                  library_pin=None))
    for article_id in list(session.scalars(select(Article.id).order_by(Article.id))):
        apply(session, article_id, Contribution())
    session.execute(
        update(_table(LibraryEntity))
        .where(LibraryEntity.article_count <= 0, LibraryEntity.retired_at.is_(None))
        .values(retired_at=utcnow())
    )
