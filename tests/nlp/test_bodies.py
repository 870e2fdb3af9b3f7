"""Bodies described in lower case are bodies of their own, with the names inside them kept
as mentions of their own entities. Sentences of our own."""

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


@pytest.mark.parametrize(
    ("text", "body", "inner", "kind"),
    [
        ("Shelling hit Taiz, the Houthi-run interior ministry said. The ministry gave no toll.",
         "the Houthi-run interior ministry", "Houthi", "government"),
        ("Records were found at the Islamic State-run education office in Raqqa.",
         "the Islamic State-run education office", "Islamic State", "organisation"),
        ("Samir Aziz, who heads the Basra health directorate, said the clinics were full.",
         "the Basra health directorate", "Basra", "government"),
        ("Envoys met the Taliban’s political office in Doha on Monday.",
         "the Taliban’s political office", "Taliban", "organisation"),
    ],
)
def test_a_body_named_inside_a_longer_one_is_separate(
    nlp: "Language", text: str, body: str, inner: str, kind: str
) -> None:
    x = run(nlp, text)
    outer = entity_of(x, body)
    assert outer is not None, [m.text for e in x.entities for m in e.mentions]
    assert (outer.type, outer.kind) == ("actor", kind)
    named = entity_of(x, inner)
    assert named is not None and named.key != outer.key


def test_the_body_is_the_later_description(nlp: "Language") -> None:
    x = run(nlp, "Shelling hit Taiz, the Houthi-run interior ministry said. The ministry "
                 "gave no toll.")
    body = entity_of(x, "the Houthi-run interior ministry")
    assert body is not None and "The ministry" in {m.text for m in body.mentions}


def test_a_persons_office_is_no_body(nlp: "Language") -> None:
    x = run(nlp, "A spokesman for the governor's office said the road was closed.")
    assert entity_of(x, "the governor's office") is None


def test_the_head_of_a_described_body(nlp: "Language") -> None:
    x = run(nlp, "Samir Aziz, who heads the Basra health directorate, said the clinics were full.")
    person = next(e for e in x.entities if e.name == "Samir Aziz")
    body = entity_of(x, "the Basra health directorate")
    assert body is not None
    assert [(r.title, r.organisation_key) for r in person.roles] == [("head", body.key)]


def test_the_old_city_is_a_district_not_the_city(nlp: "Language") -> None:
    x = run(nlp, "Troops pushed into western Raqqa on Monday but had not entered the old city. "
                 "Snipers fired from the old city. The city has been besieged for months.")
    quarter = entity_of(x, "the old city")
    city = entity_of(x, "Raqqa")
    assert quarter is not None and city is not None
    assert (quarter.type, quarter.kind) == ("location", "district")
    assert len([m for m in quarter.mentions if m.text == "the old city"]) == 2
    assert "The city" in {m.text for m in city.mentions}


def test_the_old_city_of_a_named_city(nlp: "Language") -> None:
    x = run(nlp, "Jets struck a camp near Aden. Residents of the old city of Taiz fled.")
    quarter = entity_of(x, "the old city")
    assert quarter is not None and quarter.kind == "district"
    assert entity_of(x, "Taiz") is not None


@pytest.mark.parametrize(
    ("text", "named", "term"),
    [
        # a description of the body the sentence names, and the government's term for it
        ("The council backed Shiite militias, allowing the irregular forces — known by the "
         "government as “popular mobilization units” — to join the battle.",
         "Shiite militias", "popular mobilization units"),
        # a name, an apposition, then the local name
        ("Clashes broke out with the Security Belt, a force known locally as al-Hizam that "
         "the Emirates pay.", "Security Belt", "al-Hizam"),
        # a quoted nickname keeps its quotes
        ("The raid was led by the Fateh Brigade, a Taliban commando force known to soldiers as "
         "“the night men” because it moves after dark.", "Fateh Brigade", "“the night men”"),
    ],
)
def test_a_term_introduced_as_another_name_is_the_entity(
    nlp: "Language", text: str, named: str, term: str
) -> None:
    x = run(nlp, text)
    entity = entity_of(x, named)
    assert entity is not None
    assert term in {m.text for m in entity.mentions}, [m.text for m in entity.mentions]


def test_a_group_named_to_describe_another_is_not_the_group(nlp: "Language") -> None:
    x = run(
        nlp,
        "Years ago the revolt in Diyala was led by the group Ansar al-Sunna, the forerunner of "
        "the Islamic State. Local tribes later turned on the militant group.",
    )
    described = entity_of(x, "the militant group")
    assert described is not None
    assert "Ansar al-Sunna" in {m.text for m in described.mentions}


def test_an_agency_named_by_its_work_in_lower_case_is_a_body(nlp: "Language") -> None:
    x = run(nlp, "Amina Yusuf, a spokeswoman for the state disaster relief agency, said "
                 "the agency had opened two camps near Kano.")
    body = entity_of(x, "the state disaster relief agency")
    assert body is not None and "the agency" in {m.text for m in body.mentions}
    person = next(e for e in x.entities if e.name == "Amina Yusuf")
    assert [(r.title, r.organisation_key) for r in person.roles] == [("spokeswoman", body.key)]


@pytest.mark.parametrize(
    ("text", "body"),
    [
        ("The Federal Intelligence and Investigations Agency arrested five men in Rutba. "
         "The agency said they had confessed.", "Federal Intelligence and Investigations Agency"),
        ("Amina Bello, a spokeswoman for the state emergency management agency, said the "
         "agency had registered new arrivals.", "the state emergency management agency"),
    ],
)
def test_an_agency_of_the_state_is_a_government_body(
    nlp: "Language", text: str, body: str
) -> None:
    x = run(nlp, text)
    agency = entity_of(x, body)
    assert agency is not None and (agency.type, agency.kind) == ("actor", "government")
    assert {"The agency", "the agency"} & {m.text for m in agency.mentions}


def test_an_international_agency_stays_an_organisation(nlp: "Language") -> None:
    x = run(nlp, "The U.N. refugee agency said 4,000 people had fled. The agency asked for aid.")
    agency = entity_of(x, "The agency")
    assert agency is not None and agency.kind == "organisation"


def test_a_body_written_all_in_lower_case_keeps_its_place(nlp: "Language") -> None:
    x = run(nlp, "Members of the anbar provincial council met the governor in Ramadi.")
    council = next(e for e in x.entities if e.kind == "government")
    assert "anbar provincial council" in council.mentions[0].text
    assert council.type == "actor"
