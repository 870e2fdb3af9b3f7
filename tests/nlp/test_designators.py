"""Military designators are units; operations, weapons, agreements and events are no entity;
a list-style report's "Near X," opens on a place. Sentences of our own."""

from typing import TYPE_CHECKING

import pytest

from app.nlp.extract import extract
from app.nlp.normalise import normalise_text
from app.nlp.types import ExtractedEntity, Extraction

if TYPE_CHECKING:
    from spacy.language import Language


def run(nlp: "Language", text: str) -> Extraction:
    return extract(nlp, normalise_text(text))


def entity_of(x: Extraction, text: str) -> ExtractedEntity | None:
    return next((e for e in x.entities if any(m.text == text for m in e.mentions)), None)


def mention_texts(x: Extraction) -> set[str]:
    return {m.text for e in x.entities for m in e.mentions}


@pytest.mark.parametrize(
    ("sentence", "unit"),
    [
        ("Jets of the 407th Air Expeditionary Group flew.", "407th Air Expeditionary Group"),
        ("Men of the 15th Marine Expeditionary Unit landed.", "15th Marine Expeditionary Unit"),
        ("The 48th Fighter Wing sent four aircraft.", "48th Fighter Wing"),
        ("Ships of Task Force 64 patrolled the strait on Tuesday.", "Task Force 64"),
        ("Combined Task Force 150 boarded a dhow on Friday.", "Combined Task Force 150"),
        ("The strike was approved by Joint Task Force Bravo.", "Joint Task Force Bravo"),
        ("A statement from AFRICOM said two militants were killed.", "AFRICOM"),
        ("NAVCENT said the frigate had left port.", "NAVCENT"),
        ("The Sixth Fleet moved a destroyer east.", "Sixth Fleet"),
        ("Crews of the Royal Navy escorted the tanker.", "Royal Navy"),
    ],
)
def test_military_designators_are_army_units(nlp: "Language", sentence: str, unit: str) -> None:
    found = entity_of(run(nlp, sentence), unit)
    assert found is not None, unit
    assert (found.type, found.kind) == ("unit", "army")


def test_a_task_force_and_its_acronym_are_one_unit(nlp: "Language") -> None:
    x = run(
        nlp,
        "Combined Joint Task Force – Operation Inherent Resolve said it struck a depot. "
        "A spokesman for CJTF-OIR gave no figures.",
    )
    unit = entity_of(x, "CJTF-OIR")
    assert unit is not None and unit.type == "unit"
    assert "Combined Joint Task Force – Operation Inherent Resolve" in {
        m.text for m in unit.mentions
    }


@pytest.mark.parametrize(
    ("sentence", "not_entity"),
    [
        ("The raids were part of Operation Tidal Guardian, officials said.", "Tidal Guardian"),
        ("Two MQ-9 Reaper drones and an F-15E took part.", "MQ-9"),
        ("The convoy lost a Humvee to an IED near the bridge.", "Humvee"),
        ("The USS Harry Truman sailed into the Gulf on Sunday.", "Harry Truman"),
        ("Delegates met at the Manama Security Forum on Saturday.", "Manama Security Forum"),
        ("Both sides signed the Hodeidah Agreement in December.", "Hodeidah Agreement"),
        ("Fighting paused during Eid al-Adha in the north.", "Eid al-Adha"),
    ],
)
def test_operations_equipment_agreements_and_events_are_no_entity(
    nlp: "Language", sentence: str, not_entity: str
) -> None:
    x = run(nlp, sentence)
    inside = sentence.index(not_entity)
    for e in x.entities:
        for m in e.mentions:
            clash = m.start < inside + len(not_entity) and inside < m.end
            assert not clash or e.type != "actor", (m.text, e.name, e.type)
    assert not_entity not in mention_texts(x)


def test_a_unit_named_after_an_operation_is_still_a_unit(nlp: "Language") -> None:
    x = run(nlp, "Combined Joint Task Force – Operation Inherent Resolve announced the strikes.")
    unit = entity_of(x, "Combined Joint Task Force – Operation Inherent Resolve")
    assert unit is not None and unit.type == "unit"


@pytest.mark.parametrize(
    ("sentence", "place"),
    [
        ("Near Ash Shuhayl, two strikes destroyed a fighting position.", "Ash Shuhayl"),
        ("Near Qurayyah, one strike engaged an ISIS tactical unit.", "Qurayyah"),
        ("Outside Bu Kamal, a strike destroyed a vehicle.", "Bu Kamal"),
    ],
)
def test_a_list_report_opens_on_a_place(nlp: "Language", sentence: str, place: str) -> None:
    x = run(nlp, sentence)
    found = entity_of(x, place)
    assert found is not None, [m for e in x.entities for m in e.mentions]
    assert found.type == "location"
    assert not any(m.text.startswith(("Near", "Outside")) for e in x.entities for m in e.mentions)
