"""A personal name whose last part is also a place is one name of one person; its bare
surname names the person where it speaks, and the place elsewhere. Sentences of our own."""

from typing import TYPE_CHECKING

from app.nlp.extract import extract
from app.nlp.normalise import normalise_text
from app.nlp.types import ExtractedEntity, Extraction

if TYPE_CHECKING:
    from spacy.language import Language


def run(nlp: "Language", text: str) -> Extraction:
    return extract(nlp, normalise_text(text))


def entities_of(x: Extraction, text: str) -> list[ExtractedEntity]:
    return [e for e in x.entities if any(m.text == text for m in e.mentions)]


def test_a_name_ending_in_a_place_is_one_person(nlp: "Language") -> None:
    x = run(
        nlp,
        "The district chief, Abdirahman Mohamed Hassan Farah, met elders on Monday. "
        "Farah said the road to the coast had been cleared.",
    )
    (person,) = entities_of(x, "Abdirahman Mohamed Hassan Farah")
    assert person.kind == "person"
    assert [m.text for m in person.mentions if m.form == "name"] == [
        "Abdirahman Mohamed Hassan Farah",
        "Farah",
    ]
    assert not any(e.type == "location" for e in entities_of(x, "Farah"))


def test_after_a_title_too_and_the_place_stays_a_place_where_it_does_not_speak(
    nlp: "Language",
) -> None:
    x = run(
        nlp,
        "Col. Ahmad Zia Farah said the insurgents had attacked Farah at dawn. "
        "The fighting in Farah city went on all day, Farah said.",
    )
    (person,) = entities_of(x, "Ahmad Zia Farah")
    assert person.kind == "person"
    assert sum(m.text == "Farah" for m in person.mentions) == 1  # "..., Farah said."
    places = [e for e in x.entities if e.type == "location" and e.name == "Farah"]
    assert len(places) == 1 and len(places[0].mentions) == 2
