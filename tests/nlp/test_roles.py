"""Roles whose organisation is not in an apposition: possessives and anaphors, premodifiers,
later phrases, verbs and relative clauses; a rank held in the body of the person's job."""

from typing import TYPE_CHECKING

import pytest

from app.nlp.extract import extract
from app.nlp.normalise import normalise_text

if TYPE_CHECKING:
    from spacy.language import Language


def roles(nlp: "Language", text: str, person: str) -> dict[str, str | None]:
    x = extract(nlp, normalise_text(text))
    found = [e for e in x.entities if e.name == person]
    assert found, f"no person {person!r}: {[e.name for e in x.entities]}"
    names = {e.key: e.name for e in x.entities}
    return {r.title: names.get(r.organisation_key or "") for r in found[0].roles}


@pytest.mark.parametrize(
    ("text", "person", "title", "organisation"),
    [
        # an anaphor or possessive for the body just named
        ("The Free Syrian Army said on Monday it had lost ground. The movement's spokeswoman, "
         "Rania Khalil, said the fighters would return.",
         "Rania Khalil", "spokeswoman", "Free Syrian Army"),
        ("The 52nd Brigade withdrew from the town. Its commander, Brig. Gen. Saad Hamid "
         "al-Obeidi, said the unit had run out of ammunition.",
         "Saad Hamid al-Obeidi", "commander", "52nd Brigade"),
        # a premodifier
        ("Fighters loyal to Hamas clashed with police. Hamas leader Khaled Nasser al-Tamimi "
         "condemned the raid.", "Khaled Nasser al-Tamimi", "leader", "Hamas"),
        # a later phrase naming a body by its head word
        ("The British Embassy in Amman issued a statement. \u201cWe are concerned,\u201d said "
         "Emma Clarke, a spokeswoman for the embassy.", "Emma Clarke", "spokeswoman",
         "British Embassy"),
        ("Officials at the Ministry of Interior confirmed the arrests. Karim Jawad, deputy "
         "director of the ministry, said 40 people were held.", "Karim Jawad",
         "deputy director", "Ministry of Interior"),
        # a verb or a relative clause
        ("Salim Haddad, who heads the Anbar Provincial Council, said the council had asked "
         "for help.", "Salim Haddad", "head", "Anbar Provincial Council"),
        ("The Rapid Support Forces, led by Mohamed Hamdan Dagalo, took the airport.",
         "Mohamed Hamdan Dagalo", "leader", "Rapid Support Forces"),
        ("Omar Farouk Wahidi took command of the 9th Division in 2019.",
         "Omar Farouk Wahidi", "commander", "9th Division"),
        # the body in a title after the name, not the portfolio's country
        ("\u201cThe fighting must stop,\u201d said Lena Marsh, the United Nations Special "
         "Envoy for Yemen, on Monday.", "Lena Marsh", "Special Envoy", "United Nations"),
        ("\u201cClinics are not targets,\u201d said Omar Haddad Saleh, the WHO representative "
         "in Somalia.", "Omar Haddad Saleh", "representative", "WHO"),
        # a capitalised word of a body's name, with "the": "the Mission"
        ("The United Nations Assistance Mission in Somalia said talks resumed. Hassan Ali "
         "Mire, who heads the Mission, welcomed them.", "Hassan Ali Mire", "head",
         "United Nations Assistance Mission in Somalia"),
        ("The United Nations Assistance Mission in Somalia said talks resumed. \u201cWe "
         "welcome them,\u201d said the Mission\u2019s deputy head, Sara Lind Holm.",
         "Sara Lind Holm", "deputy head", "United Nations Assistance Mission in Somalia"),
        # a relative clause with "is the ...": a definite job
        ("\u201cAid must reach Marib,\u201d said Paolo Renzi Conti, who is also the United "
         "Nations humanitarian coordinator for Yemen.", "Paolo Renzi Conti",
         "humanitarian coordinator", "United Nations"),
        # a minister of a country or province whose government the text names
        ("The strike was requested by the Federal Government of Somalia. The Somali Minister "
         "of Defence, Ahmed Nur Abdi, welcomed it.", "Ahmed Nur Abdi", "Somali Minister",
         "Federal Government of Somalia"),
        ("The strike was in coordination with the Puntland government. Puntland\u2019s "
         "Minister of Security, Abdi Warsame Yusuf, welcomed it.", "Abdi Warsame Yusuf",
         "Minister", "Government of Puntland"),
        # "the army" for a force named "Armed Forces"
        ("The Burkinabe Armed Forces said the convoy was attacked near Djibo. The army's "
         "spokesman, Capt. Issa Kabore Ouedraogo, said 12 soldiers died.",
         "Issa Kabore Ouedraogo", "spokesman", "Burkinabe Armed Forces"),
    ],
)
def test_the_organisation_of_a_role(
    nlp: "Language", text: str, person: str, title: str, organisation: str
) -> None:
    assert roles(nlp, text, person).get(title) == organisation


def test_a_rank_is_held_in_the_body_of_the_persons_job(nlp: "Language") -> None:
    text = ("The 16th Infantry Division advanced on Monday. Maj. Ali Hussein Kareem, the "
            "division's spokesman, said 40 militants had been killed.")
    held = roles(nlp, text, "Ali Hussein Kareem")
    assert held.get("spokesman") == "16th Infantry Division"
    assert held.get("major") == "16th Infantry Division"


def test_an_unresolved_organisation_stays_null_with_its_name(nlp: "Language") -> None:
    x = extract(nlp, normalise_text(
        "\u201cThe road is open,\u201d said Hamid Saleh, a spokesman for the governor's office."
    ))
    person = next(e for e in x.entities if e.name == "Hamid Saleh")
    role = next(r for r in person.roles if r.title == "spokesman")
    assert role.organisation_key is None


def test_giving_a_first_name_is_no_description_or_role(nlp: "Language") -> None:
    x = extract(nlp, normalise_text(
        "A shopkeeper in the market, who gave only his first name, Ahmed, said the fighters "
        "had left."
    ))
    texts = {m.text for e in x.entities for m in e.mentions}
    assert not any("name" in t for t in texts)
    assert all(r.title != "name" for e in x.entities for r in e.roles)


@pytest.mark.parametrize(
    ("text", "person", "title", "organisation"),
    [
        # "its" names the head of "X of Y", not Y
        ("Police held the checkpoint with soldiers of the 20th Division of the Iraqi Army. Its "
         "commander, Maj. Gen. Fadhil Jalil al-Barwari, said the road was open.",
         "Fadhil Jalil al-Barwari", "commander", "20th Division"),
        # "its" skips a name used as a modifier and a generic phrase
        ("The raid was carried out by the Badri Brigade, a Taliban commando force that uses "
         "goggles taken from government troops. Its leader, Abdul Rauf Khadim Saleh, was "
         "wounded.", "Abdul Rauf Khadim Saleh", "leader", "Badri Brigade"),
        # a verb whose subject is the description beside the name
        ("The Kandahar Strike Brigade lost two posts. Its deputy, Abdul Malik Haqbeen, took "
         "command of the brigade in May.", "Abdul Malik Haqbeen", "commander",
         "Kandahar Strike Brigade"),
        # a body named right before a rank
        ("\u201cWe hit the depot,\u201d said U.S. Army Col. Wayne Patterson, the spokesman.",
         "Wayne Patterson", "colonel", "U.S. Army"),
        # a capitalised title set beside the name; the body before the title, not its portfolio
        ("The minister spoke with the United Nations Special Envoy for Libya, Thomas Keller, "
         "about the ceasefire.", "Thomas Keller", "Special Envoy", "United Nations"),
        ("Daniel Ortega Ruiz, Deputy Spokesperson of the Department of State, opened the "
         "briefing.", "Daniel Ortega Ruiz", "Deputy Spokesperson", "Department of State"),
        # a hyphenated job is one title
        ("Talks are held by the Taliban, whose delegation includes Abdul Salam Zaeef, a "
         "co-founder of the movement.", "Abdul Salam Zaeef", "co-founder", "Taliban"),
        # "the group's" is the armed group, not a news agency named since
        ("The Houthis fired two missiles, the Saba news agency reported. Yahya Abdullah "
         "al-Moshki, the group's military spokesman, said more would follow.",
         "Yahya Abdullah al-Moshki", "military spokesman", "Houthis"),
        # a place between the job and the name: "Its head in Kenya, X"
        ("UNICEF said schools had been closed. Its head in Somalia, Anna Lindqvist, said the "
         "attacks were keeping children at home.", "Anna Lindqvist", "head", "UNICEF"),
        # "its" is not a name after a preposition of place, whatever the model made of it
        ("Boko Haram is weaker now. Last year its men took 80 hostages from Dapchi. Its "
         "commander, Bala Audu Gana, was killed in March.", "Bala Audu Gana", "commander",
         "Boko Haram"),
        # "the militia" after a militia formation named since the last armed group
        ("Boko Haram raided Bama. The Civilian Joint Task Force, a vigilante force, drove "
         "them off. Musa Kolo Ali, who leads the militia in Bama, said two men died.",
         "Musa Kolo Ali", "leader", "Civilian Joint Task Force"),
        # "Y, led by X" where the parser attached the participle elsewhere
        ("The defeat dealt a blow to Iraq's U.S.-backed government, led by Prime Minister "
         "Karim Hassan al-Dulaimi, and its campaign.", "Karim Hassan al-Dulaimi", "prime minister",
         "Government of Iraq"),
    ],
)
def test_more_forms_of_a_roles_organisation(
    nlp: "Language", text: str, person: str, title: str, organisation: str
) -> None:
    assert roles(nlp, text, person).get(title) == organisation


@pytest.mark.parametrize(
    ("text", "person", "honorific"),
    [
        ("Mullah Abdul Qayyum Zakir Akhund, a Taliban commander, was seen in Helmand.",
         "Abdul Qayyum Zakir Akhund", "mullah"),
        ("Dr. Salwa Jassim Hamoudi, who heads the Basra health directorate, spoke.",
         "Salwa Jassim Hamoudi", "doctor"),
    ],
)
def test_an_honorific_states_no_role(
    nlp: "Language", text: str, person: str, honorific: str
) -> None:
    assert honorific not in roles(nlp, text, person)


def test_a_colon_ends_an_apposition(nlp: "Language") -> None:
    text = ("Karen Holt, Deputy Spokesperson of the Department of State, Washington, March 5: "
            "transcript of the daily press briefing.")
    assert "transcript" not in roles(nlp, text, "Karen Holt")


def test_its_names_no_place_of_an_event(nlp: "Language") -> None:
    text = ("The militia is weaker now. Last year its men took 80 hostages from Dapchi. Its "
            "commander, Bala Audu Gana, was killed in March.")
    assert roles(nlp, text, "Bala Audu Gana") == {"commander": None}
