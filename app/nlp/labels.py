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

# spaCy en_core_web_sm labels that can be entities of ours, before context corrects them.
SPACY_LABELS: Final[dict[str, tuple[str, str]]] = {
    "PERSON": ("actor", "person"),
    "ORG": ("actor", "organisation"),
    "NORP": ("actor", "people"),
    "GPE": ("location", "city"),
    "LOC": ("location", "region"),
    "FAC": ("location", "facility"),
}
