"""A place that acts is an actor where it acts (ACE's GPE roles); elsewhere a location."""

from typing import TYPE_CHECKING

import pytest

from app.nlp.extract import extract
from app.nlp.normalise import normalise_text

if TYPE_CHECKING:
    from spacy.language import Language


def type_of(nlp: "Language", text: str, name: str) -> str:
    x = extract(nlp, normalise_text(text))
    for e in x.entities:
        for m in e.mentions:
            if m.text == name:
                return m.type or e.type
    raise AssertionError(f"no mention {name!r}")


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("Turkey warned on Monday that it would retaliate.", "Turkey", "actor"),
        ("Washington said it was watching the border closely.", "Washington", "actor"),
        ("The United States and its partners condemn the attack.", "United States", "actor"),
        ("The UK's position has not changed since March.", "UK", "actor"),
        ("A U.S. strike killed five fighters near the town.", "U.S.", "actor"),
        ("Fighting continued in Iraq on Tuesday.", "Iraq", "location"),
        ("Yemen's west coast remains contested.", "Yemen", "location"),
        ("Mosul's airport was closed to flights.", "Mosul", "location"),
        ("Tal Afar fell to the militants within days.", "Tal Afar", "location"),
        ("Aid convoys returned to Afghanistan in May.", "Afghanistan", "location"),
        ("Near Tikrit, three strikes hit a militant position.", "Tikrit", "location"),
        ("KIRKUK, Iraq \u2014 Gunmen attacked a checkpoint on Sunday.", "KIRKUK", "location"),
        ("KIRKUK, Iraq \u2014 Gunmen attacked a checkpoint on Sunday.", "Iraq", "location"),
        ("NIAMEY, Niger \u2014 Soldiers were killed near the border.", "Niger", "location"),
        ("The convoy drove to Mosul\u2019s airport before dawn.", "Mosul", "location"),
        ("U.S. forces remain at the base, officials said.", "U.S.", "location"),
        ("Negotiators said the talks with Iran resumed on Friday.", "Iran", "actor"),
        ("The raid was carried out with the support of Jordan.", "Jordan", "actor"),
        ("The rebels and their backers, Egypt and Jordan, met in Cairo.", "Egypt", "actor"),
        ("France is a close ally of the government.", "France", "actor"),
        ("The ships sailed alongside Italy in the exercise.", "Italy", "actor"),
        ("The raid was led by a commando unit trained by Kenya.", "Kenya", "actor"),
        ("The base was built by Turkey in 2019.", "Turkey", "actor"),
        ("Chad, Niger and Mali have sent troops to the force.", "Chad", "actor"),
        # the party turned or appealed to, not a destination
        ("Cut off from aid, the junta turned to Russia for weapons.", "Russia", "actor"),
        ("The elders appealed to Qatar to broker a truce.", "Qatar", "actor"),
        ("The government reached out to China after the vote.", "China", "actor"),
        ("The minister flew to Oman and then looked to Egypt for support.", "Egypt", "actor"),
        ("The minister flew to Oman and then looked to Egypt for support.", "Oman", "location"),
        ("The fighting reached to the outskirts of Kirkuk by nightfall.", "Kirkuk", "location"),
    ],
)
def test_mention_type_follows_the_role_in_the_sentence(
    nlp: "Language", text: str, name: str, expected: str
) -> None:
    assert type_of(nlp, text, name) == expected


def test_one_entity_for_a_country_that_is_both(nlp: "Language") -> None:
    x = extract(nlp, normalise_text("Iran warned the rebels. Weapons were smuggled into Iran."))
    iran = [e for e in x.entities if e.name == "Iran"]
    assert len(iran) == 1 and iran[0].type == "location"
    assert [m.type or iran[0].type for m in iran[0].mentions] == ["actor", "location"]


def test_an_armed_group_is_an_actor_everywhere(nlp: "Language") -> None:
    x = extract(nlp, normalise_text("Hezbollah fighters crossed into Syria."))
    group = next(e for e in x.entities if e.name == "Hezbollah")
    assert all(m.type is None for m in group.mentions)
