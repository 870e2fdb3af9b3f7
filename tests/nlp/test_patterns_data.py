"""The domain knowledge file ``app/nlp/data/patterns.jsonl`` fed to the entity ruler."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from app.nlp.labels import DOMAIN_LABELS, NON_ENTITY_LABELS

DATA = Path(__file__).resolve().parents[2] / "app" / "nlp" / "data"
PATTERNS = DATA / "patterns.jsonl"
GENERATOR = Path(__file__).resolve().parents[2] / "scripts" / "build_patterns.py"

# The knowledge file names groups, bodies, units and places; persons are left to the model.
# It also names what is no entity of ours (operations, weapons, events), so that extraction
# can leave them out.
ALLOWED_LABELS = (set(DOMAIN_LABELS) - {"PERSON"}) | NON_ENTITY_LABELS


def _lines() -> list[dict]:
    return [json.loads(line) for line in PATTERNS.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def patterns() -> list[dict]:
    return _lines()


@pytest.fixture(scope="module")
def nlp(patterns: list[dict]) -> Language:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": True})
    ruler.add_patterns(patterns)
    return nlp


def ents(nlp: Language, text: str) -> list[tuple[str, str, str]]:
    return [(e.text, e.label_, e.ent_id_) for e in nlp(text).ents]


# --------------------------------------------------------------------------------------------
# the file itself
# --------------------------------------------------------------------------------------------


def test_every_line_is_a_pattern_with_an_allowed_label() -> None:
    text = PATTERNS.read_text(encoding="utf-8")
    assert text.endswith("\n")
    for number, line in enumerate(text.splitlines(), 1):
        entry = json.loads(line)
        assert isinstance(entry, dict), number
        assert set(entry) <= {"label", "pattern", "id"}, (number, entry)
        assert entry["label"] in ALLOWED_LABELS, (number, entry)
        pattern = entry["pattern"]
        if isinstance(pattern, str):
            assert pattern.strip() == pattern and pattern, (number, entry)
            assert not pattern.lower().startswith("the "), (number, entry)
        else:
            assert isinstance(pattern, list) and pattern, (number, entry)
            assert all(isinstance(tok, dict) and tok for tok in pattern), (number, entry)
        if "id" in entry:
            assert isinstance(entry["id"], str) and entry["id"].strip(), (number, entry)


def test_no_phrase_has_two_meanings(patterns: list[dict]) -> None:
    seen: dict[str, tuple[str, str | None]] = {}
    for entry in patterns:
        if isinstance(entry["pattern"], str):
            meaning = (entry["label"], entry.get("id"))
            assert seen.setdefault(entry["pattern"], meaning) == meaning, entry
    assert len(seen) > 500


def test_every_label_is_covered(patterns: list[dict]) -> None:
    assert {entry["label"] for entry in patterns} == ALLOWED_LABELS


def test_the_file_is_the_generator_output() -> None:
    spec = importlib.util.spec_from_file_location("build_patterns", GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.render(module.build()) == PATTERNS.read_text(encoding="utf-8")


def test_ruler_loads_the_file_from_disk() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").from_disk(PATTERNS)
    assert ents(nlp, "Daesh attacked Mosul.") == [
        ("Daesh", "ARMED_GROUP", "Islamic State"),
        ("Mosul", "CITY", "Mosul"),
    ]


def _phrase_docs(nlp: Language, patterns: list[dict]) -> Iterator[tuple[dict, Doc]]:
    texts = [e["pattern"] for e in patterns if isinstance(e["pattern"], str)]
    entries = [e for e in patterns if isinstance(e["pattern"], str)]
    yield from zip(entries, nlp.tokenizer.pipe(texts), strict=True)


def test_each_phrase_finds_itself_and_nothing_ties_with_it(
    nlp: Language, patterns: list[dict]
) -> None:
    """A phrase alone is one entity with its label and id.

    The ruler breaks a tie between two patterns of the same span arbitrarily, so no token
    pattern may cover a whole phrase with another label or id.
    """
    ruler = nlp.get_pipe("entity_ruler")
    problems = []
    for entry, doc in _phrase_docs(nlp, patterns):
        expected = entry["label"] + (f"||{entry['id']}" if entry.get("id") else "")
        keys = {
            nlp.vocab.strings[match_id]
            for match_id, start, end in [*ruler.matcher(doc), *ruler.phrase_matcher(doc)]
            if start == 0 and end == len(doc)
        }
        if keys != {expected}:
            problems.append((entry["pattern"], expected, sorted(keys)))
    assert not problems, problems[:20]


# --------------------------------------------------------------------------------------------
# sentences: (text, [(span, label, id or "")])
# --------------------------------------------------------------------------------------------

ACTORS = [
    ("Fighters of Daesh entered Hit.", [("Daesh", "ARMED_GROUP", "Islamic State")]),
    (
        "Da’esh and ISIL are the same.",
        [
            ("Da’esh", "ARMED_GROUP", "Islamic State"),
            ("ISIL", "ARMED_GROUP", "Islamic State"),
        ],
    ),
    ("IS claimed the attack.", [("IS", "ARMED_GROUP", "Islamic State")]),
    (
        "the Islamic State of Iraq and the Levant",
        [
            ("Islamic State of Iraq and the Levant", "ARMED_GROUP", "Islamic State"),
        ],
    ),
    (
        "A spokesman for Kata’ib Hezbollah said the strike killed two.",
        [
            ("Kata’ib Hezbollah", "ARMED_GROUP", "Kata'ib Hezbollah"),
        ],
    ),
    (
        "Kataib Hizballah and Kitaeb Hezbollah",
        [
            ("Kataib Hizballah", "ARMED_GROUP", "Kata'ib Hezbollah"),
            ("Kitaeb Hezbollah", "ARMED_GROUP", "Kata'ib Hezbollah"),
        ],
    ),
    ("Hezbollah fighters crossed the border.", [("Hezbollah", "ARMED_GROUP", "Hezbollah")]),
    (
        "Asa’ib Ahl al-Haq and Asaib Ahl al Haq",
        [
            ("Asa’ib Ahl al-Haq", "ARMED_GROUP", "Asa'ib Ahl al-Haq"),
            ("Asaib Ahl al Haq", "ARMED_GROUP", "Asa'ib Ahl al-Haq"),
        ],
    ),
    (
        "Kata'ib Sayyid al-Shuhada denied it.",
        [
            ("Kata'ib Sayyid al-Shuhada", "ARMED_GROUP", "Kata'ib Sayyid al-Shuhada"),
        ],
    ),
    ("The Nusra Front took the town.", [("Nusra Front", "ARMED_GROUP", "Jabhat al-Nusra")]),
    ("Ansar Allah rejected the truce.", [("Ansar Allah", "ARMED_GROUP", "Houthis")]),
    ("Houthi rebels fired a missile.", [("Houthi rebels", "ARMED_GROUP", "Houthis")]),
    ("the Taliban", [("Taliban", "ARMED_GROUP", "Taliban")]),
    ("The Taliban base was bombed.", [("Taliban", "ARMED_GROUP", "Taliban")]),
    (
        "Al Qaeda and al-Qaida and al Qaeda",
        [
            ("Al Qaeda", "ARMED_GROUP", "al-Qaeda"),
            ("al-Qaida", "ARMED_GROUP", "al-Qaeda"),
            ("al Qaeda", "ARMED_GROUP", "al-Qaeda"),
        ],
    ),
    (
        "al-Qaeda in Iraq was founded by Zarqawi.",
        [
            ("al-Qaeda in Iraq", "ARMED_GROUP", "al-Qaeda in Iraq"),
        ],
    ),
    (
        "AQAP and ISIS-K",
        [
            ("AQAP", "ARMED_GROUP", "al-Qaeda in the Arabian Peninsula"),
            ("ISIS-K", "ARMED_GROUP", "Islamic State Khorasan"),
        ],
    ),
    ("the Haqqani network", [("Haqqani network", "ARMED_GROUP", "Haqqani network")]),
    ("the Badr Brigades", [("Badr Brigades", "ARMED_GROUP", "Badr Organization")]),
    ("the Mahdi Army", [("Mahdi Army", "ARMED_GROUP", "Saraya al-Salam")]),
    ("Sahwa fighters", [("Sahwa", "ARMED_GROUP", "Sons of Iraq")]),
    ("Peshmerga fighters", [("Peshmerga", "ARMED_GROUP", "Peshmerga")]),
    ("the Free Syrian Army", [("Free Syrian Army", "ARMED_GROUP", "Free Syrian Army")]),
    (
        "the Syrian Democratic Forces",
        [
            ("Syrian Democratic Forces", "ARMED_GROUP", "Syrian Democratic Forces"),
        ],
    ),
    ("the Kurdistan Workers’ Party", [("Kurdistan Workers’ Party", "ARMED_GROUP", "PKK")]),
    # a force organised in numbered brigades: a unit (army), as GUIDELINES.md has it
    ("the Libyan National Army", [("Libyan National Army", "UNIT_ARMY", "Libyan National Army")]),
    (
        "fighters of the Group for the Support of Islam and Muslims",
        [
            (
                "Group for the Support of Islam and Muslims",
                "ARMED_GROUP",
                "Jama'at Nusrat al-Islam wal-Muslimin",
            ),
        ],
    ),
    ("a FAMa patrol", [("FAMa", "UNIT_ARMY", "Malian Armed Forces")]),
    ("the Stability Support Apparatus", [
        ("Stability Support Apparatus", "UNIT_MILITIA", "Stability Support Apparatus"),
    ]),
    ("families who fled from Tessit", [("Tessit", "CITY", "Tessit")]),
    ("schoolgirls abducted from Chibok", [("Chibok", "CITY", "Chibok")]),
    ("the Iraqi government", [("Iraqi government", "GOVERNMENT", "Government of Iraq")]),
    ("the Interior Ministry", [("Interior Ministry", "GOVERNMENT", "Ministry of Interior")]),
    (
        "the Iraqi Defense Ministry",
        [
            ("Iraqi Defense Ministry", "GOVERNMENT", "Ministry of Defense"),
        ],
    ),
    ("the Pentagon said", [("Pentagon", "GOVERNMENT", "U.S. Department of Defense")]),
    (
        "the Kurdistan Regional Government",
        [
            ("Kurdistan Regional Government", "GOVERNMENT", "Kurdistan Regional Government"),
        ],
    ),
    ("the U.S.-led coalition", [("U.S.-led coalition", "ORGANISATION", "U.S.-led coalition")]),
    (
        "Human Rights Watch and the U.N.",
        [
            ("Human Rights Watch", "ORGANISATION", "Human Rights Watch"),
            ("U.N.", "ORGANISATION", "United Nations"),
        ],
    ),
    ("an elder of the Albu Nimr tribe", [("Albu Nimr tribe", "TRIBE", "Albu Nimr")]),
    ("the Al Bu Fahd", [("Al Bu Fahd", "TRIBE", "Albu Fahd")]),
    ("the Albu Hassan tribe", [("Albu Hassan tribe", "TRIBE", "")]),
    ("the Shammar tribe", [("Shammar tribe", "TRIBE", "Shammar")]),
    ("the al-Jubour tribe", [("al-Jubour tribe", "TRIBE", "Jubur")]),
    ("Iraqis fled.", [("Iraqis", "PEOPLE", "Iraqis")]),
    (
        "Sunnis and Shi’ites",
        [
            ("Sunnis", "PEOPLE", "Sunnis"),
            ("Shi’ites", "PEOPLE", "Shiites"),
        ],
    ),
]

UNITS = [
    ("the 7th Division", [("7th Division", "UNIT_ARMY", "")]),
    ("the 1st Battalion", [("1st Battalion", "UNIT_ARMY", "")]),
    ("the 16th Armored Division", [("16th Armored Division", "UNIT_ARMY", "")]),
    ("Brigade 30", [("Brigade 30", "UNIT_ARMY", "")]),
    ("the Ramadi police force", [("Ramadi police force", "UNIT_POLICE", "")]),
    ("the Tal Afar police", [("Tal Afar police", "UNIT_POLICE", "")]),
    ("the SWAT team", [("SWAT team", "UNIT_POLICE", "")]),
    ("local police", [("local police", "UNIT_POLICE", "")]),
    ("the Federal Police", [("Federal Police", "UNIT_POLICE", "Federal Police")]),
    (
        "the Afghan National Police",
        [
            ("Afghan National Police", "UNIT_POLICE", "Afghan National Police"),
        ],
    ),
    ("the Iraqi army", [("Iraqi army", "UNIT_ARMY", "")]),
    ("the Afghan National Army", [("Afghan National Army", "UNIT_ARMY", "Afghan National Army")]),
    ("the IRGC", [("IRGC", "UNIT_ARMY", "Islamic Revolutionary Guard Corps")]),
    ("the Anbar Operations Command", [("Anbar Operations Command", "UNIT_ARMY", "")]),
    (
        "the Counter-Terrorism Service",
        [
            ("Counter-Terrorism Service", "UNIT_SPECIAL_FORCES", "Counter Terrorism Service"),
        ],
    ),
    ("the Golden Division", [("Golden Division", "UNIT_SPECIAL_FORCES", "Golden Division")]),
    ("U.S. special forces", [("U.S. special forces", "UNIT_SPECIAL_FORCES", "")]),
    ("the Quds Force", [("Quds Force", "UNIT_SPECIAL_FORCES", "Quds Force")]),
    ("pro-government forces", [("pro-government forces", "UNIT_FORCES", "")]),
    ("government forces", [("government forces", "UNIT_FORCES", "")]),
    ("Security forces arrived.", [("Security forces", "UNIT_FORCES", "")]),
    (
        "Iraqi forces and U.S. forces",
        [
            ("Iraqi forces", "UNIT_FORCES", ""),
            ("U.S. forces", "UNIT_FORCES", ""),
        ],
    ),
    ("U.S.-backed forces", [("U.S.-backed forces", "UNIT_FORCES", "")]),
    ("US-led coalition forces", [("US-led coalition forces", "UNIT_FORCES", "")]),
    (
        "the Iraqi Security Forces",
        [
            ("Iraqi Security Forces", "UNIT_FORCES", "Iraqi Security Forces"),
        ],
    ),
    ("Shiite militias", [("Shiite militias", "UNIT_MILITIA", "")]),
    ("Iranian-backed militias", [("Iranian-backed militias", "UNIT_MILITIA", "")]),
    ("tribal militias", [("tribal militias", "UNIT_MILITIA", "")]),
    (
        "the Popular Mobilization Forces",
        [
            ("Popular Mobilization Forces", "UNIT_MILITIA", "Popular Mobilization Forces"),
        ],
    ),
    (
        "popular mobilisation units",
        [
            ("popular mobilisation units", "UNIT_MILITIA", "Popular Mobilization Forces"),
        ],
    ),
    (
        "al-Hashd al-Sha’bi and Hashd al-Shaabi and the PMF",
        [
            ("al-Hashd al-Sha’bi", "UNIT_MILITIA", "Popular Mobilization Forces"),
            ("Hashd al-Shaabi", "UNIT_MILITIA", "Popular Mobilization Forces"),
            ("PMF", "UNIT_MILITIA", "Popular Mobilization Forces"),
        ],
    ),
    (
        "the National Defence Forces",
        [
            ("National Defence Forces", "UNIT_MILITIA", "National Defence Forces"),
        ],
    ),
]

PLACES = [
    ("He was in Helmand province", [("Helmand", "PROVINCE", "Helmand")]),
    (
        "in Salah al-Din and Ninawa",
        [
            ("Salah al-Din", "PROVINCE", "Salahuddin"),
            ("Ninawa", "PROVINCE", "Nineveh"),
        ],
    ),
    ("They reached Falluja.", [("Falluja", "CITY", "Fallujah")]),
    ("in Deir al-Zour", [("Deir al-Zour", "CITY", "Deir ez-Zor")]),
    ("in Al-Qaim", [("Al-Qaim", "CITY", "Qaim")]),
    ("in Sana’a", [("Sana’a", "CITY", "Sanaa")]),
    (
        "Mazar-i-Sharif and Lashkar Gah",
        [
            ("Mazar-i-Sharif", "CITY", "Mazar-i-Sharif"),
            ("Lashkar Gah", "CITY", "Lashkar Gah"),
        ],
    ),
    ("Kandahar and Karbala", [("Kandahar", "CITY", "Kandahar"), ("Karbala", "CITY", "Karbala")]),
    ("in Sadr City", [("Sadr City", "DISTRICT", "Sadr City")]),
    ("in the Green Zone", [("Green Zone", "DISTRICT", "Green Zone")]),
    ("in Eastern Ghouta", [("Eastern Ghouta", "DISTRICT", "Eastern Ghouta")]),
    ("in Iraq and Syria", [("Iraq", "COUNTRY", "Iraq"), ("Syria", "COUNTRY", "Syria")]),
    (
        "the U.S. and Britain",
        [
            ("U.S.", "COUNTRY", "United States"),
            ("Britain", "COUNTRY", "United Kingdom"),
        ],
    ),
    ("in Iraqi Kurdistan", [("Iraqi Kurdistan", "REGION", "Kurdistan Region")]),
    ("along the Euphrates River", [("Euphrates River", "REGION", "Euphrates")]),
    ("the Nineveh Plains", [("Nineveh Plains", "REGION", "Nineveh Plains")]),
    ("Ain al-Asad air base", [("Ain al-Asad air base", "FACILITY", "Ain al-Asad air base")]),
    ("the Al Asad Airbase", [("Al Asad Airbase", "FACILITY", "Ain al-Asad air base")]),
    ("the Habbaniyah air base", [("Habbaniyah air base", "FACILITY", "Habbaniyah air base")]),
    ("at Camp Speicher", [("Camp Speicher", "FACILITY", "Camp Speicher")]),
    ("the Baiji refinery", [("Baiji refinery", "FACILITY", "Baiji refinery")]),
    ("the Mosul Dam", [("Mosul Dam", "FACILITY", "Mosul Dam")]),
    (
        "Bagram Airfield and Bagram airfield",
        [
            ("Bagram Airfield", "FACILITY", "Bagram Airfield"),
            ("Bagram airfield", "FACILITY", "Bagram Airfield"),
        ],
    ),
    ("the Abu Ghraib prison", [("Abu Ghraib prison", "FACILITY", "Abu Ghraib prison")]),
    ("the Qarrara air base", [("Qarrara air base", "FACILITY", "")]),
    ("Camp Fuller", [("Camp Fuller", "FACILITY", "")]),
    ("the Baghdad-Damascus highway", [("Baghdad-Damascus highway", "ROAD", "")]),
    ("the Iraq-Jordan highway", [("Iraq-Jordan highway", "ROAD", "")]),
    ("the M4 highway", [("M4 highway", "ROAD", "")]),
    ("on Highway 1", [("Highway 1", "ROAD", "")]),
    ("on Route Irish", [("Route Irish", "ROAD", "Route Irish")]),
    ("a town known as Suwayda", [("Suwayda", "CITY", "Suwayda")]),
    ("They retook Heet.", [("Heet", "CITY", "Hit")]),
    (
        "Al Jazeera filmed the al-Jazeera desert.",
        [
            ("Al Jazeera", "ORGANISATION", "Al Jazeera"),
            ("al-Jazeera", "DISTRICT", "al-Jazeera"),
        ],
    ),
    ("Coalition Jets Strike Tal Afar Airport", [("Tal Afar Airport", "FACILITY", "")]),
    # a landform named by a designator before its name
    ("cells in the Wadi Qadisiya area", [("Wadi Qadisiya", "REGION", "")]),
    ("the Wadi Houran area", [("Wadi Houran", "REGION", "Wadi Hauran")]),
    ("fighting near Jebel Marra", [("Jebel Marra", "REGION", "")]),
]

NOTHING = [
    "It is what it is.",
    "He was hit by a car.",
    "The state of the army was poor.",
    "Shiite leaders met Sunni clerics.",
    "The Iraqi and Syrian delegations met.",
    "The base was quiet and the police were absent.",
    "The tribe met the tribal fighters and the soldiers.",
    "The first battalion of volunteers arrived.",
    "Abu Bakr al-Baghdadi met Abdul-Malik al-Houthi.",
    "President Abd Rabbuh Mansour Hadi and Bashar al-Assad.",
    "Militants Attack Military Base After Rebels Seize Border Crossing",
    "Camp Residents Flee As Jihadists Storm Prison",
]


def _check(nlp: Language, text: str, expected: list[tuple[str, str, str]]) -> None:
    assert ents(nlp, text) == expected


@pytest.mark.parametrize(("text", "expected"), ACTORS, ids=[t for t, _ in ACTORS])
def test_actors(nlp: Language, text: str, expected: list[tuple[str, str, str]]) -> None:
    _check(nlp, text, expected)


@pytest.mark.parametrize(("text", "expected"), UNITS, ids=[t for t, _ in UNITS])
def test_units(nlp: Language, text: str, expected: list[tuple[str, str, str]]) -> None:
    _check(nlp, text, expected)


@pytest.mark.parametrize(("text", "expected"), PLACES, ids=[t for t, _ in PLACES])
def test_places(nlp: Language, text: str, expected: list[tuple[str, str, str]]) -> None:
    _check(nlp, text, expected)


@pytest.mark.parametrize("text", NOTHING)
def test_ordinary_words_and_person_names_are_not_entities(nlp: Language, text: str) -> None:
    assert ents(nlp, text) == []


def test_adjectives_of_peoples_are_not_entities(nlp: Language) -> None:
    for word in ("Iraqi", "Sunni", "Shiite", "Kurdish", "Syrian", "Afghan", "Yazidi"):
        assert ents(nlp, f"a {word} village") == [], word
