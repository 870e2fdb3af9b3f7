"""The entity labels of our knowledge file and how each maps to (type, kind).

spaCy's own labels (PERSON, ORG, GPE, ...) are mapped here too; the knowledge file uses the
domain labels so that an entity ruler match carries its type and kind with it.
"""

from typing import Final

ENTITY_TYPES: Final = ("actor", "unit", "location")

# label -> (type, kind)
DOMAIN_LABELS: Final[dict[str, tuple[str, str]]] = {
    # actors
    "PERSON": ("actor", "person"),
    "ARMED_GROUP": ("actor", "armed group"),
    "GOVERNMENT": ("actor", "government"),
    "ORGANISATION": ("actor", "organisation"),
    "TRIBE": ("actor", "tribe"),
    "PEOPLE": ("actor", "people"),
    # units
    "UNIT_POLICE": ("unit", "police"),
    "UNIT_ARMY": ("unit", "army"),
    "UNIT_SPECIAL_FORCES": ("unit", "special forces"),
    "UNIT_MILITIA": ("unit", "militia formation"),
    "UNIT_FORCES": ("unit", "forces"),
    # locations
    "COUNTRY": ("location", "country"),
    "PROVINCE": ("location", "province"),
    "CITY": ("location", "city"),
    "DISTRICT": ("location", "district"),
    "FACILITY": ("location", "facility"),
    "ROAD": ("location", "road"),
    "REGION": ("location", "region"),
}

# Names the knowledge file knows that are not actors, units or places: named operations,
# agreements and laws, events and conferences, holidays, weapons, vehicles and ships. The
# ruler claims their words (so "Operation Inherent Resolve" is never an actor) and extraction
# leaves them out; the gold leaves them out too (tests/eval/GUIDELINES.md, 3.3).
NON_ENTITY_LABELS: Final = frozenset({"OPERATION", "AGREEMENT", "EVENT", "HOLIDAY", "EQUIPMENT"})

# spaCy en_core_web_sm labels that can be entities of ours, before context corrects them.
SPACY_LABELS: Final[dict[str, tuple[str, str]]] = {
    "PERSON": ("actor", "person"),
    "ORG": ("actor", "organisation"),
    "NORP": ("actor", "people"),
    "GPE": ("location", "city"),
    "LOC": ("location", "region"),
    "FAC": ("location", "facility"),
}
