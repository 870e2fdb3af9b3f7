"""Names the model mislabels, corrected by the words around them (app/nlp/mentions.py).
Sentences of our own."""

from typing import TYPE_CHECKING

import pytest

from app.nlp.extract import extract
from app.nlp.normalise import normalise_text

if TYPE_CHECKING:
    from spacy.language import Language


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Gunmen attacked a market 40 kilometers northeast of Gubio, residents said.", "Gubio"),
        ("Jets hit a depot near Malam Fatori overnight.", "Malam Fatori"),
    ],
)
def test_a_name_placed_by_near_or_a_direction_of_is_a_place(
    nlp: "Language", text: str, name: str
) -> None:
    x = extract(nlp, normalise_text(text))
    (entity,) = [e for e in x.entities if e.name == name]
    assert (entity.type, entity.kind) == ("location", "city")


def test_a_place_in_a_units_proper_name_is_no_mention_of_its_own(nlp: "Language") -> None:
    x = extract(
        nlp,
        normalise_text(
            "Drones of Combined Joint Task Force-Horn of Africa flew over Lamu. "
            "The Baidoa police force manned the checkpoints."
        ),
    )
    names = {m.text for e in x.entities for m in e.mentions}
    assert "Combined Joint Task Force-Horn of Africa" in names
    assert "Horn of Africa" not in names
    assert {"Baidoa police force", "Baidoa"} <= names  # a description names its place


def test_a_governments_official_name_and_its_description_are_one_entity(
    nlp: "Language",
) -> None:
    x = extract(
        nlp,
        normalise_text(
            "The Federal Government of Somalia asked for the strike. Officials of the "
            "Somali government said it had been carried out at their request."
        ),
    )
    (gov,) = [
        e for e in x.entities if any(m.text == "Federal Government of Somalia" for m in e.mentions)
    ]
    assert "the Somali government" in {m.text for m in gov.mentions}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Fighters withdrew into the Golis Mountains after the raid.", "Golis Mountains"),
        (
            "The rebels hold camps in the Cal Madow mountains, officials said.",
            "Cal Madow mountains",
        ),
        ("Boats carrying fighters crossed Lake Kivu at night.", "Lake Kivu"),
    ],
)
def test_an_unknown_range_valley_forest_or_lake_is_a_region(
    nlp: "Language", text: str, name: str
) -> None:
    x = extract(nlp, normalise_text(text))
    (entity,) = [e for e in x.entities if any(m.text == name for m in e.mentions)]
    assert (entity.type, entity.kind) == ("location", "region")


def test_us_leading_a_units_name_is_a_mention_of_the_country(nlp: "Language") -> None:
    x = extract(
        nlp,
        normalise_text(
            "U.S. Africa Command said on Tuesday that the U.S. Army had sent advisers to Baidoa."
        ),
    )
    us = [e for e in x.entities if e.name in ("United States", "U.S.")]
    assert len(us) == 1 and [m.text for m in us[0].mentions] == ["U.S.", "U.S."]
    names = {m.text for e in x.entities for m in e.mentions}
    assert {"U.S. Africa Command", "U.S. Army"} <= names


@pytest.mark.parametrize(
    "text",
    [
        "Its spokesman, Ousmane Ag Alhassane, said the front had no part in the attack.",
        "The mayor, Sidi Ould Cheikh Ahmed, said the road was cut.",
    ],
)
def test_a_name_with_a_son_of_particle_is_a_person(nlp: "Language", text: str) -> None:
    x = extract(nlp, normalise_text(text))
    named = [e for e in x.entities if " Ag " in e.name or " Ould " in e.name]
    assert [(e.type, e.kind) for e in named] == [("actor", "person")]


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("Gunmen abducted 110 schoolgirls from Dapchi in 2018, residents said.", "Dapchi"),
        ("Families fled from Kukawa and Gajiram toward Maiduguri.", "Gajiram"),
        ("Families fled from Kukawa and Gajiram toward Maiduguri.", "Kukawa"),
    ],
)
def test_a_name_after_a_verb_of_motions_from_is_a_place(
    nlp: "Language", text: str, place: str
) -> None:
    x = extract(nlp, normalise_text(text))
    found = next(e for e in x.entities if e.name == place)
    assert found.type == "location"


def test_a_statement_or_letter_from_someone_is_not_a_place(nlp: "Language") -> None:
    x = extract(nlp, normalise_text("He received a letter from Ahmed Salim on Monday."))
    assert next(e for e in x.entities if e.name == "Ahmed Salim").kind == "person"
