"""Descriptions resolved by their head noun (app/nlp/nominals.py). Sentences of our own."""

from typing import TYPE_CHECKING

from app.nlp.extract import extract
from app.nlp.normalise import normalise_text
from app.nlp.types import ExtractedEntity, Extraction

if TYPE_CHECKING:
    from spacy.language import Language


def run(nlp: "Language", text: str) -> Extraction:
    return extract(nlp, normalise_text(text))


def entity_of(x: Extraction, text: str) -> ExtractedEntity | None:
    return next((e for e in x.entities if any(m.text == text for m in e.mentions)), None)


def test_a_place_named_by_its_designator_is_the_designator_alone(nlp: "Language") -> None:
    x = run(
        nlp,
        "Herders crossed Lake Chad by boat in March. Since then the lake has shrunk "
        "again, officials in Maiduguri said.",
    )
    lake = entity_of(x, "Lake Chad")
    assert lake is not None and "the lake" in {m.text for m in lake.mentions}


def test_the_sect_is_the_armed_group_of_the_passage(nlp: "Language") -> None:
    x = run(nlp, "Boko Haram attacked Bama in 2014. Two years later the sect split in two.")
    group = entity_of(x, "Boko Haram")
    assert group is not None and "the sect" in {m.text for m in group.mentions}


def test_the_group_is_the_group_the_passage_is_about(nlp: "Language") -> None:
    x = run(
        nlp,
        "Ansaru, which split from Boko Haram in 2012 and is close to al-Qaeda, has kidnapped "
        "foreigners in Kano. The group demands ransoms.",
    )
    group = entity_of(x, "Ansaru")
    assert group is not None and "The group" in {m.text for m in group.mentions}


def test_the_militia_may_be_a_militia_formation(nlp: "Language") -> None:
    x = run(
        nlp,
        "Boko Haram fighters raided Bama. Members of the Civilian Joint Task Force, a vigilante "
        "force, chased them off, and the militia later patrolled the market.",
    )
    militia = entity_of(x, "Civilian Joint Task Force")
    assert militia is not None and "the militia" in {m.text for m in militia.mentions}


def test_a_provinces_government_is_its_own(nlp: "Language") -> None:
    x = run(
        nlp,
        "The Somali government asked for the strike. It was carried out with the Jubaland "
        "government, whose forces hold the port.",
    )
    federal = entity_of(x, "The Somali government")
    regional = entity_of(x, "the Jubaland government")
    assert federal is not None and regional is not None and federal.key != regional.key
    assert regional.kind == "government"


def test_a_title_with_an_of_phrase_is_named_by_its_head(nlp: "Language") -> None:
    x = run(
        nlp,
        "Brig. Gen. Tom Harlow, the command's director of operations, said two raids were "
        "planned. The director said the operations would take weeks.",
    )
    person = entity_of(x, "Tom Harlow")
    assert person is not None
    texts = {m.text for m in person.mentions}
    assert "The director" in texts and "the operations" not in texts


def test_a_place_described_once_with_a_is_no_entity_one_returned_to_is(
    nlp: "Language",
) -> None:
    x = extract(nlp, normalise_text(
        "Militants overran an army post outside Ansongo and shelled a checkpoint on the road. "
        "Reinforcements reached the post from Gao the next day."
    ))
    facilities = [e for e in x.entities if e.kind == "facility"]
    assert [[m.text for m in e.mentions] for e in facilities] == [["an army post", "the post"]]


def test_the_agency_is_an_organisation_known_also_as_an_agency(nlp: "Language") -> None:
    x = extract(nlp, normalise_text(
        "The World Food Programme said its convoys had been stopped near Marib. The agency "
        "said it would try again on Monday."
    ))
    wfp = next(e for e in x.entities if e.name == "World Food Programme")
    assert "The agency" in {m.text for m in wfp.mentions}


def test_the_government_in_a_capital_is_that_countrys_but_not_in_a_past_era(
    nlp: "Language",
) -> None:
    now = extract(nlp, normalise_text(
        "The military government in Bamako expelled the envoy. Later the government said "
        "talks would resume."
    ))
    mali = next(e for e in now.entities if e.name == "Government of Mali")
    assert [m.text for m in mali.mentions] == ["The military government", "the government"]
    then = extract(nlp, normalise_text(
        "In the 1980s, rebels ambushed the soldiers of the communist government in Kabul."
    ))
    assert not [e for e in then.entities if e.name == "Government of Afghanistan"]


def test_the_government_in_a_datelined_report_is_the_datelines_countrys(
    nlp: "Language",
) -> None:
    from app.nlp.extract import extract
    from app.nlp.normalise import normalise_text

    x = extract(nlp, normalise_text(
        "JUBA, South Sudan \u2014 Fighting spread to two more counties on Friday, residents "
        "said. The government blamed the rebels."
    ))
    government = next(e for e in x.entities if any(m.text == "The government" for m in e.mentions))
    assert government.name == "Government of South Sudan"
    y = extract(nlp, normalise_text(
        "JUBA, South Sudan \u2014 Elders recalled how the communist government had fallen."
    ))
    assert not [e for e in y.entities if e.name == "Government of South Sudan"]


def test_the_force_just_after_a_force_named_so_is_that_force(nlp: "Language") -> None:
    x = run(nlp, (
        "Kenya sent troops to the African Union Transition Force, but Uganda said it would "
        "pull its soldiers out of the force."
    ))
    force = next(e for e in x.entities if e.name == "African Union Transition Force")
    assert "the force" in {m.text for m in force.mentions}
    y = run(nlp, "The police used force to disperse the crowd near the Rapid Intervention Force.")
    assert "force" not in {m.text for e in y.entities for m in e.mentions}
