"""Build ``patterns.jsonl``, the general domain knowledge fed to spaCy's ``entity_ruler``.

Run ``python scripts/build_patterns.py`` to rewrite ``app/nlp/data/patterns.jsonl``. The JSONL
is exactly the output of :func:`render` over :func:`build`; edit the data it reads, never the
JSONL by hand: the name tables in ``app/nlp/data/names/`` and the word lists of the productive
forms in ``app/nlp/data/forms/`` (adjectives, unit heads, known bases ...).

Two kinds of pattern are produced:

* phrase patterns (a string, matched case-sensitively on token ORTH) for names, written in
  the tables as ``Canonical | alias | alias``. The first name is the ``id`` of every alias.
  :func:`variants` adds spelling variants of each alias: both apostrophes (' and ’) and the
  forms of an Arabic article (``al-X``, ``al X``; also ``Al-X``, ``Al X`` when the article
  starts the name);
* token patterns (lists of token dicts) for productive forms: "Ramadi police", "7th
  Division", "Iranian-backed militias", "[Name] air base", "Albu X tribe" ...

Longest match wins in the ruler, so a place inside a unit ("Ramadi police force") or a group
inside a coalition ("anti-ISIS coalition") is fine. Two patterns must never produce the same
span with a different label or id: the tie would be broken arbitrarily. The tests check this
for every phrase pattern.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "app" / "nlp" / "data"
NAMES = DATA / "names"  # the tables, one kind of name per file
FORMS = DATA / "forms"  # the word lists of the productive forms (token patterns)
OUTPUT = DATA / "patterns.jsonl"

Pattern = dict[str, object]
Token = dict[str, object]

# --------------------------------------------------------------------------------------------
# spelling variants
# --------------------------------------------------------------------------------------------

# An Arabic article joined by a hyphen to a capitalised word: al-Qaeda, ez-Zor, ash-Sham.
_ARTICLE_HYPHEN = re.compile(
    r"(?<![\w'’])(al|el|ad|ed|ash|as|az|ar|an|at|ez|es|ul|ud)-(?=[A-Z])", re.I
)
# "al"/"Al" followed by a space and a capitalised word: al Qaeda, Al Anbar.
_ARTICLE_SPACE = re.compile(r"(?<![\w'’])(al|el) (?=[A-Z])", re.I)
# articles that may also be written with a space: "al Qaeda", "Deir ez Zor"
_SPACED = {"al", "el", "ez", "ad", "ash", "az"}


def _article_forms(name: str) -> set[str]:
    """al-X / al X for every article of ``name``; Al-X / Al X too when the name starts with it.

    News copy writes an article inside a name in lower case ("Jisr al-Shughur") but
    capitalises one that starts a name or a sentence ("Al-Qaim", "Al Qaeda").
    """
    hits = [(m.start(), m.end(), m.group(1)) for m in _ARTICLE_HYPHEN.finditer(name)]
    hits += [(m.start(), m.end(), m.group(1)) for m in _ARTICLE_SPACE.finditer(name)]
    if not hits:
        return {name}
    hits.sort()
    forms = {name}
    # "as Suwayda", "an Nusra" would catch the English words "as", "an": no space forms
    joiners = ("-", " ") if all(a.lower() in _SPACED for _, _, a in hits) else ("-",)
    for joiner in joiners:
        out, pos = [], 0
        for start, end, article in hits:
            out.append(name[pos:start] + article.lower() + joiner)
            pos = end
        out.append(name[pos:])
        forms.add("".join(out))
    if hits[0][0] == 0:
        forms |= {f[0].upper() + f[1:] for f in forms}
    return forms


def _apostrophe_forms(name: str) -> set[str]:
    if "'" in name or "’" in name:
        return {name.replace("’", "'"), name.replace("'", "’")}
    return {name}


def variants(name: str, articles: bool = True) -> list[str]:
    """All spellings of one alias: apostrophes ' and ’, and (optionally) article forms."""
    forms = _article_forms(name) if articles else {name}
    out: set[str] = set()
    for form in forms:
        out |= _apostrophe_forms(form)
    return sorted(out)


def read_table(name: str) -> str:
    """A table of ``data/names/<name>.txt``."""
    return (NAMES / f"{name}.txt").read_text(encoding="utf-8")


def read_words(name: str) -> list[str]:
    """A word list of ``data/forms/<name>.txt``: one word a line, as written, in order."""
    lines = (FORMS / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


def read_json(name: str) -> Any:
    """A table of ``data/forms/<name>.json``."""
    return json.loads((FORMS / f"{name}.json").read_text(encoding="utf-8"))


def parse_table(table: str) -> list[tuple[str, list[str]]]:
    """``Canonical | alias | alias`` lines -> [(canonical, [canonical, alias, ...])].

    A name written ``=name`` gets no article variants (``=Al Jazeera``, the channel, must
    not make ``al-Jazeera``, the desert); a canonical written ``!name`` is an id only, never
    a pattern (``!Hit | Heet``: "Hit" is an English verb).
    """
    rows = []
    for line in table.strip().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        names = [n.strip() for n in line.split("|") if n.strip()]
        rows.append((names[0], names))
    return rows


# --------------------------------------------------------------------------------------------
# word lists shared by token patterns
# --------------------------------------------------------------------------------------------

# Adjectives of states, with the country they belong to.
NATIONAL_ADJECTIVES: dict[str, str | None] = read_json("national_adjectives")
NATIONAL = {adj: country for adj, country in NATIONAL_ADJECTIVES.items() if country}
NAT_ADJ = list(NATIONAL_ADJECTIVES)
# Adjectives of sects and peoples: "Shiite militias", "Sunni tribal forces".
SECT_ADJ = read_words("sect_adjectives")
# Allies and blocs that precede "forces".
BLOC_ADJ = read_words("bloc_adjectives")
# Governments and sides in "X-backed", "pro-X".
BACKERS = read_words("backers")
BACKED_VERBS = read_words("backed_verbs")
# single tokens such as "U.S.-backed", "U.K.-led", "U.N.-backed"
DOTTED_BACKED = r"^U\.[SKN]\.-(" + "|".join(BACKED_VERBS) + r")$"
PRO_TARGETS = read_words("pro_targets")

# Words of Title-Case headlines ("Militants Attack Military Base"), each also with -s/-es.
_HEADLINE_WORDS = " ".join(read_words("headline_words"))


def _inflections(word: str) -> set[str]:
    if word.endswith(("s", "sh", "ch", "x", "z")):
        return {word, word + "es"}
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return {word, word[:-1] + "ies"}
    return {word, word + "s"}


# Capitalised words that never start a place or tribe name (sentence starters, titles,
# adjectives, directions, weekdays, months ...). Used with IS_TITLE in generic patterns.
STOP_TITLE = sorted(
    set(NAT_ADJ + SECT_ADJ + BLOC_ADJ)
    | set(read_words("stop_title_words"))
    | {form for word in _HEADLINE_WORDS.split() for form in _inflections(word)}
)


def title(exclude: Iterable[str] = ()) -> Token:
    """A capitalised word that is not a stop word (nor one of ``exclude``)."""
    return {"IS_TITLE": True, "ORTH": {"NOT_IN": sorted(set(STOP_TITLE) | set(exclude))}}


def lower(*words: str, op: str | None = None) -> Token:
    tok: Token = {"LOWER": words[0]} if len(words) == 1 else {"LOWER": {"IN": list(words)}}
    if op:
        tok["OP"] = op
    return tok


def orth(*words: str, op: str | None = None) -> Token:
    tok: Token = {"ORTH": words[0]} if len(words) == 1 else {"ORTH": {"IN": list(words)}}
    if op:
        tok["OP"] = op
    return tok


HYPHEN: Token = {"ORTH": "-"}
ARTICLE: Token = {"ORTH": {"IN": ["al", "Al", "el", "El"]}}


def name_forms(exclude: Iterable[str] = ()) -> list[list[Token]]:
    """Token shapes of an unknown proper name: X, X Y, al-X, X al-Y, X-Y."""
    t = title(exclude)
    return [
        [t],
        [t, t],
        [ARTICLE, HYPHEN, t],
        [t, ARTICLE, HYPHEN, t],
        [t, HYPHEN, t],
    ]


# --------------------------------------------------------------------------------------------
# actors
# --------------------------------------------------------------------------------------------

ARMED_GROUP = read_table("armed_groups")

GOVERNMENT = read_table("governments")

# Ministries named after an adjective: "Iraqi Defense Ministry", "Turkish Foreign Ministry".
MINISTRY_WORDS: dict[str, list[str]] = read_json("ministry_words")

ORGANISATION = read_table("organisations")

PEOPLE = read_table("peoples")

TRIBES = read_table("tribes")

# Albu (Al Bu) tribes of Anbar, Salahuddin and the Euphrates: the second word of the name.
ALBU_TRIBES = read_table("albu_tribes")


# --------------------------------------------------------------------------------------------
# places
# --------------------------------------------------------------------------------------------

COUNTRY = read_table("countries")

# A name that is both a province and the province's capital is a CITY here (context code
# decides "province"); this table holds names that are only provinces.
PROVINCE = read_table("provinces")

CITY = read_table("cities")

DISTRICT = read_table("districts")

REGION = read_table("regions")

# Facilities whose bare name is safe (no English word, no surname).
FACILITY = read_table("facilities")

# Known bases and airports reported with a varying generic word after the name ("Taji air
# base", "Taji military base", "Camp Taji"): the name tokens and the id.
KNOWN_BASES: dict[str, list[list[str]]] = read_json("known_bases")
# Known dams, refineries and prisons: (family, name tokens, id).
KNOWN_WORKS: dict[str, dict[str, list[list[str]]]] = read_json("known_works")

ROAD = read_table("roads")


# --------------------------------------------------------------------------------------------
# units
# --------------------------------------------------------------------------------------------

UNIT_POLICE = read_table("units_police")

UNIT_ARMY = read_table("units_army")

UNIT_SPECIAL_FORCES = read_table("units_special_forces")

UNIT_MILITIA = read_table("units_militia")

UNIT_FORCES = read_table("units_forces")

# Name spellings that vary word by word, given as token patterns with an id.
SPELLINGS: dict[str, list[str]] = read_json("spellings")
KATAIB = SPELLINGS["Kata'ib"]
HEZBOLLAH = SPELLINGS["Hezbollah"]
ASAIB = SPELLINGS["Asa'ib"]
SHAABI = SPELLINGS["Shaabi"]



def _token(spec: Any) -> Token:
    """A token of a data file: a list of spellings, {"spellings": <list of spellings.json>}
    or {"orth": [...], "op": "?"}."""
    if isinstance(spec, list):
        return orth(*spec)
    if "spellings" in spec:
        return orth(*SPELLINGS[spec["spellings"]])
    return orth(*spec["orth"], op=spec.get("op"))


# Kata'ib X groups: the tokens after "Kata'ib" -> id (forms/kataib_groups.json).
KATAIB_GROUPS: dict[str, list[list[Token]]] = {
    id_: [[_token(t) for t in tail] for tail in tails]
    for id_, tails in read_json("kataib_groups").items() if not id_.startswith("_")
}
GOVERNMENT_SEATS: dict[str, str] = {
    seat: country for seat, country in read_json("government_seats").items()
    if not seat.startswith("_")
}
GROUP_NAME_NOUNS = read_words("group_name_nouns")
HOUTHI_SPELLINGS = read_words("houthi_spellings")

# Ordinal and numbered formations.
ORDINAL: Token = {"TEXT": {"REGEX": r"^\d{1,3}(st|nd|rd|th)$"}}
SPELLED_ORDINAL: Token = orth(*read_words("spelled_ordinals"))
UNIT_QUALIFIERS = read_words("unit_qualifiers")
# capitalised words that make an ordinal formation a special forces one
SPECIAL_WORDS = read_words("special_words")
UNIT_HEADS = read_words("unit_heads")
# capitalised heads that a numbered formation takes only with a name before them:
# "the 332nd Air Expeditionary Wing", "26th Marine Expeditionary Unit", "the 1st Air Group"
NAMED_UNIT_HEADS = read_words("named_unit_heads")
# "Task Force 51", "Combined Task Force 153", "Joint Task Force Bravo", "Combined Joint Task
# Force"; the prefixes a task force takes
TASK_FORCE_PREFIXES = [[], ["Joint"], ["Combined"], ["Combined", "Joint"]]
# US and allied command acronyms: "CENTCOM", "AFRICOM", "NAVEUR", "AFCENT", "SOCCENT"
COMMAND_ACRONYMS = [
    r"^(?:US)?(?:CENT|AFRI|EU|SOUTH|NORTH|PA|INDOPA|SO|SPACE|CYBER|TRANS|STRAT|JF)COM$",
    r"^(?:US)?(?:NAV|AF|AR|MAR|SOC|SOJT)(?:CENT|EUR|AF|PAC|NORTH|SOUTH|KOR|FOR)$",
]

PLACE_LABELS = ("CITY", "PROVINCE", "DISTRICT")


# --------------------------------------------------------------------------------------------
# building
# --------------------------------------------------------------------------------------------


class Builder:
    """Collects patterns, refusing one string with two labels or ids."""

    def __init__(self) -> None:
        self.patterns: list[Pattern] = []
        self._phrases: dict[str, tuple[str, str | None]] = {}
        self._tokens: set[str] = set()

    def phrase_texts(self) -> set[str]:
        """The names added as phrases so far."""
        return set(self._phrases)

    def phrase(self, label: str, text: str, id_: str | None = None) -> None:
        if text.lower().startswith("the "):
            raise ValueError(f"pattern with a leading 'the': {text!r}")
        known = self._phrases.get(text)
        if known is not None:
            if known != (label, id_):
                raise ValueError(f"{text!r} is both {known} and {(label, id_)}")
            return
        self._phrases[text] = (label, id_)
        entry: Pattern = {"label": label, "pattern": text}
        if id_:
            entry["id"] = id_
        self.patterns.append(entry)

    def tokens(self, label: str, pattern: list[Token], id_: str | None = None) -> None:
        key = json.dumps([label, pattern, id_], sort_keys=True, ensure_ascii=False)
        if key in self._tokens:
            return
        self._tokens.add(key)
        entry: Pattern = {"label": label, "pattern": pattern}
        if id_:
            entry["id"] = id_
        self.patterns.append(entry)

    def table(self, label: str, table: str) -> None:
        for canonical, names in parse_table(table):
            for name in names:
                if name.startswith("!"):
                    continue  # the id only: the name itself is an English word ("Hit")
                exact = name.startswith("=")
                for form in variants(name.lstrip("="), articles=not exact):
                    self.phrase(label, form, canonical.lstrip("=!"))

    def names(self, *labels: str) -> list[str]:
        """Every phrase pattern of ``labels``."""
        return [text for text, (label, _) in self._phrases.items() if label in labels]


def _tokenize(text: str) -> list[str]:
    """The tokens spaCy's English tokenizer makes of a place name (hyphens split)."""
    out: list[str] = []
    for word in text.split():
        parts = re.split(r"(?<=[^\W\d_])(-)(?=[^\W\d_])", word)
        out.extend(p for p in parts if p)
    return out


def _last_titles(names: Iterable[list[str]]) -> set[str]:
    return {n[-1] for n in names if n[-1][:1].isupper()}


def _opt_article() -> list[list[Token]]:
    """No article, or "al"/"al-" before a name (the hyphen is optional inside the span)."""
    return [[], [ARTICLE, orth("-", op="?")]]


def actors(b: Builder) -> None:
    b.table("ARMED_GROUP", ARMED_GROUP)
    for id_, tails in KATAIB_GROUPS.items():
        for tail in tails:
            b.tokens("ARMED_GROUP", [orth(*KATAIB), *tail], id_)
    for h in HEZBOLLAH:
        b.phrase("ARMED_GROUP", f"{h} Brigades", "Kata'ib Hezbollah")
    b.phrase("ARMED_GROUP", "KSS", "Kata'ib Sayyid al-Shuhada")
    aah = "Asa'ib Ahl al-Haq"
    b.tokens("ARMED_GROUP", [orth(*ASAIB)], aah)
    for art in ([orth("al", "Al")], [orth("al", "Al"), HYPHEN]):
        b.tokens("ARMED_GROUP", [orth(*ASAIB), orth("Ahl", "ahl"), *art, orth("Haq", "Haqq")], aah)
    b.tokens(
        "ARMED_GROUP", [orth(*HOUTHI_SPELLINGS), lower(*GROUP_NAME_NOUNS)], "Houthis"
    )

    b.table("GOVERNMENT", GOVERNMENT)
    for adj, country in NATIONAL.items():
        if country == "United States":
            continue  # "U.S. government" is in the table
        the = "the " if country in ("United Kingdom", "United Arab Emirates") else ""
        gov = f"Government of {the}{country}"
        for form in (f"{adj} government", f"{adj} Government", gov, gov.lower()[:1] + gov[1:]):
            b.phrase("GOVERNMENT", form, gov)
    for seat, country in GOVERNMENT_SEATS.items():
        b.phrase("GOVERNMENT", f"{seat} government", f"Government of {country}")
    for id_, words in MINISTRY_WORDS.items():
        b.tokens(
            "GOVERNMENT",
            [orth(*NAT_ADJ), lower(*[w.lower() for w in words]), lower("ministry")],
            id_,
        )

    b.table("ORGANISATION", ORGANISATION)
    b.table("PEOPLE", PEOPLE)
    # group phrases of official statements: "the Yemeni people", "the Syrian opposition",
    # "the international community", "Coalition partners"
    for adj in NATIONAL:
        b.phrase("PEOPLE", f"{adj} people", f"{adj} people")
        b.phrase("ORGANISATION", f"{adj} opposition", f"{adj} opposition")
    for form in ("international community", "International Community"):
        b.phrase("ORGANISATION", form, "international community")
    for form in ("Coalition partners", "coalition partners"):
        b.phrase("ORGANISATION", form, "Coalition partners")


LANDFORM_HEADS = read_words("landform_heads")
LANDFORM_DESIGNATORS = read_words("landform_designators")


def landforms(b: Builder) -> None:
    """Unknown ranges, valleys and forests by their head ("the Cal Madow mountains"), and
    lakes, wadis and mountains by a designator before the name ("Lake Kivu", "Wadi
    Qadisiya", forms/landform_designators.txt). The words of known region names are left out, so no
    generic pattern ties with a known name."""
    known = {w for _, names in parse_table(REGION) for n in names for w in _tokenize(n)}
    name = title({w for w in known if w[:1].isupper()})
    for head in LANDFORM_HEADS:
        b.tokens("REGION", [name, orth(head)])
        b.tokens("REGION", [name, name, orth(head)])
    # nor the words of a known district's name ("Wadi Barada")
    districts = {w for _, names in parse_table(DISTRICT) for n in names for w in _tokenize(n)}
    after = title({w for w in known | districts if w[:1].isupper()})
    for designator in LANDFORM_DESIGNATORS:
        b.tokens("REGION", [orth(designator), after])  # "Lake Kivu", "Wadi Qadisiya"


def tribes(b: Builder, places: list[str]) -> None:
    suffix = lower("tribe", "tribes", "clan", "clans", "confederation")
    known_words: set[str] = set()
    for canonical, names in parse_table(TRIBES):
        singles = sorted(n for n in names if " " not in n)
        known_words.update(singles)
        shapes = [[orth(*singles)]] if singles else []
        shapes += [[orth(w) for w in n.split()] for n in names if " " in n]
        for shape in shapes:
            for art in _opt_article():
                b.tokens("TRIBE", [*art, *shape, suffix], canonical)
    # Albu X: "Albu Nimr", "Albu-Nimr", "Al Bu Nimr", "Al-Bu Nimr", with or without "tribe".
    albu_forms = [
        [lower("albu", "albou", "albo"), orth("-", op="?")],
        [orth("Al", "al"), orth("-", op="?"), orth("Bu", "bu", "Bou", "bou")],
    ]
    opt_suffix = dict(suffix, OP="?")
    albu_words = {"Kamal"}  # Albu Kamal is the Syrian town
    for canonical, names in parse_table(ALBU_TRIBES):
        # names[0] is "Albu X", the rest the spellings of X
        singles = sorted(n for n in names[1:] if " " not in n)
        shapes = [[orth(*singles)]] if singles else []
        shapes += [[orth(w) for w in n.split()] for n in names[1:] if " " in n]
        albu_words.update(n.split()[0] for n in names[1:])
        for shape in shapes:
            for form in albu_forms:
                b.tokens("TRIBE", [*form, *shape, opt_suffix], canonical)
    for form in albu_forms:
        b.tokens("TRIBE", [*form, title(albu_words), opt_suffix])
    b.tokens("TRIBE", [orth("Abu"), title(), suffix])
    # any other capitalised name + "tribe": not a place, people or known tribe
    b.tokens("TRIBE", [title(known_words | set(places) | {"Abu"}), lower("tribe", "tribes")])


def places(b: Builder) -> None:
    b.table("COUNTRY", COUNTRY)
    b.table("PROVINCE", PROVINCE)
    b.table("CITY", CITY)
    b.table("DISTRICT", DISTRICT)
    b.table("REGION", REGION)
    b.table("FACILITY", FACILITY)
    b.table("ROAD", ROAD)
    b.phrase("ROAD", "Airport Road")  # Baghdad's, Kabul's ...: no id


def facilities(b: Builder) -> None:
    # known bases: name + (air|military|army|international)? + base/airbase/airfield/airport
    base_suffix = [lower("air", "military", "army", "international", op="?"),
                   lower("base", "airbase", "airfield", "airport", "field")]
    for id_, names in KNOWN_BASES.items():
        for name in names:
            b.tokens("FACILITY", [*[orth(w) for w in name], *base_suffix], id_)
    air_excl = _last_titles(n for names in KNOWN_BASES.values() for n in names)
    air_suffixes = [
        [lower("airbase", "airfield", "airport", "airstrip")],
        [lower("air", "military", "army"), lower("base", "field", "airport")],
        [lower("international"), lower("airport")],
    ]
    families = {
        "air": (air_suffixes, air_excl),
        "dam": ([[lower("dam", "barrage")]], set()),
        "refinery": (
            [[lower("refinery")], [lower("oil"), lower("refinery")],
             [lower("oilfield", "gasfield")], [lower("oil", "gas"), lower("field", "terminal")],
             [lower("power"), lower("plant", "station")]],
            set(),
        ),
        "prison": ([[lower("prison", "jail")]], set()),
        "crossing": ([[lower("border"), lower("crossing")], [lower("crossing")]], set()),
    }
    for family, known in KNOWN_WORKS.items():
        suffixes, excl = families[family]
        excl |= _last_titles(n for names in known.values() for n in names)
        for id_, names in known.items():
            for name in names:
                for suffix in suffixes:
                    b.tokens("FACILITY", [*[orth(w) for w in name], *suffix], id_)
    for suffixes, excl in families.values():
        for shape in name_forms(excl):
            for suffix in suffixes:
                b.tokens("FACILITY", [*shape, *suffix])
    camps = read_words("camps")
    for camp in camps:
        id_ = "Balad air base" if camp == "Anaconda" else f"Camp {camp}"
        b.phrase("FACILITY", f"Camp {camp}", id_)
    b.tokens("FACILITY", [orth("Camp"), title(camps)])
    for head in ([orth("Forward"), orth("Operating"), orth("Base")], [orth("FOB")],
                 [orth("Combat"), orth("Outpost")], [orth("COP")]):
        b.tokens("FACILITY", [*head, title()])


def roads(b: Builder) -> None:
    t = title(["Ring", "Airport"])
    hy = [[t], [t, HYPHEN, t], [t, HYPHEN, t, HYPHEN, t]]
    for shape in hy:
        b.tokens("ROAD", [*shape, lower("highway", "motorway", "expressway")])
    for shape in hy[1:]:
        b.tokens("ROAD", [*shape, lower("road")])
    for shape in ([t], [t, t]):
        b.tokens("ROAD", [*shape, orth("Road", "Street", "Avenue")])
    number = {"TEXT": {"REGEX": r"^[A-Z]?\d{1,3}[A-Z]?$"}}
    b.tokens("ROAD", [orth("Highway", "highway", "Route", "route"), number])
    b.tokens("ROAD", [orth("Route"), title(["Irish"])])
    b.tokens("ROAD", [{"TEXT": {"REGEX": r"^M\d{1,2}$"}}, lower("highway", "motorway", "road")])


def units(b: Builder, places1: list[str], places_multi: list[list[str]]) -> None:
    b.table("UNIT_POLICE", UNIT_POLICE)
    b.table("UNIT_ARMY", UNIT_ARMY)
    b.table("UNIT_SPECIAL_FORCES", UNIT_SPECIAL_FORCES)
    b.table("UNIT_MILITIA", UNIT_MILITIA)
    b.table("UNIT_FORCES", UNIT_FORCES)

    # --- police: "Ramadi police (force)", "Iraqi local police", "border police", "SWAT team"
    pre = sorted(set(NAT_ADJ) | set(places1))
    police_mods = read_words("police_modifiers")
    tail = lower("force", "forces", "service", "department", "directorate", "command",
                 "commandos", "unit", "units", "brigade", "brigades", "battalion",
                 "battalions", op="?")
    b.tokens("UNIT_POLICE", [orth(*pre), lower("police"), tail])
    for words in places_multi:
        b.tokens("UNIT_POLICE", [*[orth(w) for w in words], lower("police"), tail])
    b.tokens("UNIT_POLICE", [orth(*pre), orth(*police_mods), lower("police"), tail])
    mods_any = police_mods + [m.capitalize() for m in police_mods]
    b.tokens("UNIT_POLICE", [orth(*mods_any), lower("police"), tail])
    b.tokens("UNIT_POLICE", [lower("police"), lower("commandos")])
    swat_tail = lower("team", "teams", "unit", "units", "force", "forces", "regiment",
                      "battalion", op="?")
    b.tokens("UNIT_POLICE", [orth("SWAT"), swat_tail])
    b.tokens("UNIT_POLICE", [orth(*pre), orth("SWAT"), swat_tail])

    # --- army: "Iraqi army", "Syrian air force", "7th Division", "Brigade 30"
    b.tokens("UNIT_ARMY", [orth(*NAT_ADJ), lower("army")])
    b.tokens("UNIT_ARMY", [orth(*NAT_ADJ), lower("air"), lower("force")])
    b.tokens("UNIT_ARMY", [orth(*NAT_ADJ), lower("navy")])
    armed = [a for a in NAT_ADJ if a != "Turkish"]  # "Turkish Armed Forces" is named
    b.tokens("UNIT_ARMY", [orth(*armed), lower("armed"), lower("forces")])
    # a state's army named "Defence Forces": "the Kenya Defence Forces", "Ugandan Defence
    # Force"; not where the table names it ("Israel Defense Forces")
    states = sorted({*NAT_ADJ, *(c for c in NATIONAL.values() if " " not in c)})
    defence = [w for w in states if not any(
        f"{w} {d} {f}" in b.phrase_texts() for d in ("Defence", "Defense") for f in ("Forces",
                                                                                    "Force"))]
    b.tokens("UNIT_ARMY", [orth(*defence), orth("Defence", "Defense"), orth("Forces", "Force")])
    quals = lower(*UNIT_QUALIFIERS, op="*")
    named = {"IS_TITLE": True, "ORTH": {"NOT_IN": SPECIAL_WORDS}, "OP": "*"}
    for ordinal in (ORDINAL, SPELLED_ORDINAL):
        b.tokens("UNIT_ARMY", [ordinal, quals, lower(*UNIT_HEADS)])
        b.tokens("UNIT_ARMY", [ordinal, named, lower(*UNIT_HEADS)])
        b.tokens("UNIT_ARMY", [ordinal, quals, lower("brigade"), lower("combat"), lower("team")])
    b.tokens("UNIT_ARMY", [lower("brigade", "division", "battalion", "regiment", "corps"),
                           {"IS_DIGIT": True}])
    designators(b)
    ops_pre = sorted(set(places1) | set(read_words("operations_command_names")))
    b.tokens("UNIT_ARMY", [orth(*ops_pre), orth("Operations"), orth("Command", "Center",
                                                                       "Centre")])
    for words in places_multi:
        b.tokens("UNIT_ARMY", [*[orth(w) for w in words], orth("Operations"), orth("Command")])

    # --- special forces
    sf = lower("forces")
    b.tokens("UNIT_SPECIAL_FORCES", [lower("special"), sf])
    b.tokens("UNIT_SPECIAL_FORCES", [orth(*NAT_ADJ, *BLOC_ADJ), lower("special"), sf])
    b.tokens("UNIT_SPECIAL_FORCES", [lower("special"), lower("operations"), sf])
    not_isof = [a for a in NAT_ADJ + BLOC_ADJ if a != "Iraqi"]  # ISOF is named
    b.tokens("UNIT_SPECIAL_FORCES", [orth(*not_isof), lower("special"), lower("operations"), sf])
    b.tokens("UNIT_SPECIAL_FORCES", [orth(*NAT_ADJ), lower("commandos")])
    for ordinal in (ORDINAL, SPELLED_ORDINAL):
        b.tokens("UNIT_SPECIAL_FORCES", [ordinal, lower("special"), lower("forces"),
                                         lower("group", "brigade", "regiment", "battalion")])
        b.tokens("UNIT_SPECIAL_FORCES", [ordinal, lower("special"), lower("mission"),
                                         lower("forces"), lower("division")])
        b.tokens("UNIT_SPECIAL_FORCES", [ordinal, lower("ranger", "commando", "commandos"),
                                         lower("regiment", "battalion", "brigade", "division")])

    # --- militias: "Shiite militias", "Iranian-backed militias", "Hashd al-Shaabi"
    militia = lower("militia", "militias")
    sect_or_tribal = SECT_ADJ + ["tribal", "Tribal"]
    m_adj = sorted(set(SECT_ADJ + NAT_ADJ + ["tribal", "Tribal", "government", "Government"]))
    b.tokens("UNIT_MILITIA", [orth(*m_adj), militia])
    b.tokens("UNIT_MILITIA", [orth(*NAT_ADJ, *SECT_ADJ), orth(*sect_or_tribal), militia])
    backed = [orth(*BACKERS, *NAT_ADJ), HYPHEN, lower(*BACKED_VERBS)]
    dotted = [{"ORTH": {"REGEX": DOTTED_BACKED}}]
    pro = [lower("pro"), HYPHEN, orth(*PRO_TARGETS)]
    for head in (backed, dotted, pro):
        b.tokens("UNIT_MILITIA", [*head, militia])
        b.tokens("UNIT_MILITIA", [*head, orth(*sect_or_tribal), militia])
    b.tokens("UNIT_MILITIA", [orth(*SECT_ADJ, *NAT_ADJ), lower("paramilitaries")])
    b.tokens("UNIT_MILITIA", [orth(*SECT_ADJ, *NAT_ADJ), lower("paramilitary"),
                              lower("forces", "units", "groups")])
    b.tokens("UNIT_MILITIA", [orth("tribal", "Tribal"), lower("forces")])
    b.tokens("UNIT_MILITIA", [orth(*SECT_ADJ, *NAT_ADJ), orth("tribal"), lower("forces")])
    # a military council named after its town, the SDF's local formations: "the Manbij
    # Military Council", "the Deir ez-Zor Military Council"
    council = [orth("Military"), orth("Council")]
    b.tokens("UNIT_MILITIA", [orth(*places1), *council])
    for words in places_multi:
        b.tokens("UNIT_MILITIA", [*[orth(w) for w in words], *council])
    pmf = "Popular Mobilization Forces"
    for art in _opt_article():
        b.tokens("UNIT_MILITIA", [*art, orth("Hashd", "Hashed"), orth("al", "Al"),
                                  orth("-", op="?"), orth(*SHAABI)], pmf)
    for form in variants("al-Hashd") + ["Hashd"]:
        b.phrase("UNIT_MILITIA", form, pmf)

    # --- forces: "Iraqi forces", "government forces", "pro-government forces"
    forces = lower("forces")
    f_adj = sorted(set(NAT_ADJ + SECT_ADJ + BLOC_ADJ))
    mods = read_words("forces_modifiers")
    b.tokens("UNIT_FORCES", [orth(*f_adj), forces])
    b.tokens("UNIT_FORCES", [orth(*f_adj), orth(*[m for m in mods if m != "security"]), forces])
    b.tokens("UNIT_FORCES", [orth(*[a for a in f_adj if a != "Iraqi"]), orth("security"), forces])
    b.tokens("UNIT_FORCES", [orth(*mods, *[m.capitalize() for m in mods]), forces])
    b.tokens("UNIT_FORCES", [orth(*NAT_ADJ, *SECT_ADJ), orth(*NAT_ADJ, *SECT_ADJ), forces])
    for head in (backed, dotted, pro):
        b.tokens("UNIT_FORCES", [*head, forces])
        b.tokens("UNIT_FORCES", [*head, orth(*mods, *NAT_ADJ, *SECT_ADJ), forces])


def designators(b: Builder) -> None:
    """Military designators: numbered wings and groups, task forces, command acronyms."""
    named_plus = {"IS_TITLE": True, "ORTH": {"NOT_IN": SPECIAL_WORDS}, "OP": "+"}
    for ordinal in (ORDINAL, SPELLED_ORDINAL):
        b.tokens("UNIT_ARMY", [ordinal, named_plus, orth(*NAMED_UNIT_HEADS)])
    number = {"TEXT": {"REGEX": r"^\d{1,4}(?:\.\d{1,2})?$"}}
    for prefix in TASK_FORCE_PREFIXES:
        head = [*[orth(w) for w in prefix], orth("Task"), orth("Force")]
        b.tokens("UNIT_ARMY", [*head, number])
        b.tokens("UNIT_ARMY", [*head, title(["Operation"]), {**title(["Operation"]), "OP": "?"}])
        if prefix:  # "Combined Joint Task Force" alone; "Task Force" alone is anybody's
            b.tokens("UNIT_ARMY", head)
    b.tokens("UNIT_ARMY", [{"TEXT": {"REGEX": r"^C?J?C?TF-?\d{1,4}$"}}])
    cjtf = "Combined Joint Task Force – Operation Inherent Resolve"
    for dash in ("-", " - ", " — "):  # the table has the en dash
        b.phrase("UNIT_ARMY", cjtf.replace(" – ", dash), cjtf)
    known = b.names(*LABEL_ORDER)  # a command the tables name keeps its id: "CENTCOM"
    for regex in COMMAND_ACRONYMS:
        others = sorted(n for n in known if re.match(regex, n))
        b.tokens("UNIT_ARMY", [{"TEXT": {"REGEX": regex}, "ORTH": {"NOT_IN": others}}])


# Names that are not actors, units or places; the ruler claims them so that no part of them
# is taken for an actor, and extraction leaves them out (labels.NON_ENTITY_LABELS).
EQUIPMENT = read_table("equipment")
# the prefixes of ships' names: "USS Carl Vinson", "HMS Diamond"
SHIP_PREFIXES = read_words("ship_prefixes")
# a designation of an aircraft, drone or weapon: "F-15E", "MQ-9", "AK-47s", "Su-24"; not a
# task force's ("CJTF-7", "TF-1", the army-unit pattern's): one token, one meaning
DESIGNATION = r"^(?!C?J?C?TF-)[A-Z][A-Za-z]{0,3}-\d{1,3}[A-Z]{0,2}s?$"
HOLIDAY = read_table("holidays")
AGREEMENT_HEADS = read_words("agreement_heads")
EVENT_HEADS = read_words("event_heads")


def non_entities(b: Builder) -> None:
    b.table("EQUIPMENT", EQUIPMENT)
    b.table("HOLIDAY", HOLIDAY)
    b.tokens("EQUIPMENT", [{"TEXT": {"REGEX": DESIGNATION}}, {**title(), "OP": "?"}])
    b.tokens("EQUIPMENT", [orth(*SHIP_PREFIXES), title(), {**title(), "OP": "?"}])
    b.tokens("OPERATION", [orth("Operation"), title(), {**title(), "OP": "?"},
                           {**title(), "OP": "?"}])
    b.tokens("OPERATION", [orth("Operation"), title(), orth("'s", "’s"), title()])
    named = [[title()], [title(), title()], [title(), title(), title()]]
    for words in named:
        b.tokens("AGREEMENT", [*words, orth(*AGREEMENT_HEADS)])
        b.tokens("EVENT", [*words, orth(*EVENT_HEADS)])
    b.tokens("AGREEMENT", [orth("Resolution"), {"IS_DIGIT": True}])


def build() -> list[Pattern]:
    b = Builder()
    places(b)
    facilities(b)
    roads(b)
    place_names = b.names(*PLACE_LABELS)
    places1 = sorted({n for n in place_names if len(_tokenize(n)) == 1})
    multi = {c for c, _ in parse_table(CITY)}
    multi |= {n for _, names in parse_table(PROVINCE) for n in names}
    multi = sorted(multi - set(places1))
    places_multi = [_tokenize(n) for n in multi if len(_tokenize(n)) > 1]
    units(b, places1, places_multi)
    actors(b)
    tribes(b, places1 + b.names("COUNTRY", "PEOPLE", "REGION"))
    landforms(b)
    non_entities(b)
    order = {label: i for i, label in enumerate(LABEL_ORDER)}
    return sorted(b.patterns, key=lambda p: order[str(p["label"])])


LABEL_ORDER = (
    "ARMED_GROUP", "GOVERNMENT", "ORGANISATION", "TRIBE", "PEOPLE",
    "UNIT_POLICE", "UNIT_ARMY", "UNIT_SPECIAL_FORCES", "UNIT_MILITIA", "UNIT_FORCES",
    "COUNTRY", "PROVINCE", "CITY", "DISTRICT", "FACILITY", "ROAD", "REGION",
    "OPERATION", "AGREEMENT", "EVENT", "HOLIDAY", "EQUIPMENT",
)


def render(patterns: Iterable[Pattern]) -> str:
    return "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in patterns)


def main() -> None:
    text = render(build())
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {len(text.splitlines())} patterns to {OUTPUT}")


if __name__ == "__main__":
    main()
