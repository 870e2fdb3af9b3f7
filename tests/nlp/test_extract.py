"""Extraction on sentences of our own: each rule, including the hard cases."""

from typing import TYPE_CHECKING

import pytest

from app.nlp.extract import extract
from app.nlp.normalise import normalise_text
from app.nlp.types import ExtractedEntity, Extraction

if TYPE_CHECKING:
    from spacy.language import Language


def run(nlp: "Language", text: str) -> Extraction:
    return extract(nlp, normalise_text(text))


def by_mention(x: Extraction, text: str) -> ExtractedEntity:
    found = [e for e in x.entities if any(m.text == text for m in e.mentions)]
    assert found, f"no entity has a mention {text!r}: {[e.name for e in x.entities]}"
    return found[0]


def mention_texts(x: Extraction) -> set[str]:
    return {m.text for e in x.entities for m in e.mentions}


def test_aliases_of_one_group_are_one_entity(nlp: "Language") -> None:
    x = run(
        nlp,
        "Fighters of the Islamic State overran Baiji on Monday. Residents said Daesh "
        "controlled the refinery, and a statement from ISIS claimed the attack.",
    )
    group = by_mention(x, "Islamic State")
    assert (group.type, group.kind) == ("actor", "armed group")
    assert {"Daesh", "ISIS"} <= {m.text for m in group.mentions}


def test_armed_groups_are_not_people_or_places(nlp: "Language") -> None:
    x = run(
        nlp,
        "A commander of Kata’ib Hezbollah met leaders of Asa'ib Ahl al-Haq and the Badr "
        "Organization in Karbala.",
    )
    for name in ("Kata’ib Hezbollah", "Asa'ib Ahl al-Haq"):
        assert by_mention(x, name).kind == "armed group", name
    assert by_mention(x, "Karbala").type == "location"


def test_titles_and_possessives_are_not_part_of_names(nlp: "Language") -> None:
    x = run(
        nlp,
        "Defense Minister Khalid al-Obeidi visited the front. Obeidi’s convoy was attacked "
        "near Fallujah, said Gen. Ahmed Hamid.",
    )
    minister = by_mention(x, "Khalid al-Obeidi")
    assert "Obeidi" in {m.text for m in minister.mentions}
    assert all(not m.text.endswith("’s") for e in x.entities for m in e.mentions)
    assert "Ahmed Hamid" in mention_texts(x)
    assert any(r.title == "general" for r in by_mention(x, "Ahmed Hamid").roles)
    assert any(r.title == "defense minister" for r in minister.roles)


def test_shared_surname_stays_two_people_and_bare_surname_links_to_the_nearest(
    nlp: "Language",
) -> None:
    x = run(
        nlp,
        "Col. Saad al-Dulaimi of the Fallujah police said the bridge had fallen. Dulaimi said "
        "his men had withdrawn.\n\n"
        "Hamid al-Dulaimi, a tribal sheikh from Hit, said the fighters had fled. "
        "“We are alone,” Dulaimi said.",
    )
    saad = by_mention(x, "Saad al-Dulaimi")
    hamid = by_mention(x, "Hamid al-Dulaimi")
    assert saad.key != hamid.key
    first_bare, second_bare = sorted(
        (m for e in x.entities for m in e.mentions if m.text == "Dulaimi"), key=lambda m: m.start
    )
    assert first_bare in saad.mentions
    assert second_bare in hamid.mentions
    quote = next(q for q in x.quotes if q.text.startswith("We are alone"))
    assert quote.speaker_key == hamid.key


def test_unit_named_with_a_place_keeps_both(nlp: "Language") -> None:
    x = run(nlp, "Officers of the Mosul police force fled as the Iraqi army retreated.")
    unit = by_mention(x, "Mosul police force")
    assert (unit.type, unit.kind) == ("unit", "police")
    assert by_mention(x, "Mosul").type == "location"
    assert by_mention(x, "Iraqi army").kind == "army"


def test_generic_forces_are_units(nlp: "Language") -> None:
    x = run(
        nlp,
        "Security forces and pro-government forces held the line while the SWAT team and "
        "special forces cleared the district.",
    )
    for text in ("Security forces", "pro-government forces", "SWAT team", "special forces"):
        assert by_mention(x, text).type == "unit", text


def test_places_by_designator(nlp: "Language") -> None:
    x = run(
        nlp,
        "Militants entered the Jamiya area of Kirkuk, shelled Ain al-Asad air base and cut the "
        "Baghdad-Kirkuk highway.",
    )
    assert by_mention(x, "Jamiya").kind == "district"
    base = next(e for e in x.entities if e.name.endswith("air base"))
    assert base.kind == "facility"
    road = next(e for e in x.entities if e.name.endswith("highway"))
    assert road.kind == "road"


def test_slogans_demonyms_and_dates_are_not_entities(nlp: "Language") -> None:
    x = run(
        nlp,
        "On Tuesday, Sunni fighters shouted Allahu Akbar as 300 Iraqi soldiers withdrew.",
    )
    texts = mention_texts(x)
    for text in ("Allahu Akbar", "Tuesday", "300", "Sunni", "Iraqi"):
        assert text not in texts


def test_apposition_gives_a_role_with_its_organisation(nlp: "Language") -> None:
    x = run(
        nlp,
        "Ali Hussein, a spokesman for Asa'ib Ahl al-Haq, said the group was ready. Nabil "
        "Khalaf, an elder in the Albu Nimr tribe, said tribesmen would fight.",
    )
    spokesman = by_mention(x, "Ali Hussein")
    role = spokesman.roles[0]
    assert role.title == "spokesman"
    assert role.organisation_key == by_mention(x, "Asa'ib Ahl al-Haq").key
    assert spokesman.roles[0].start <= x.entities[0].mentions[0].start < spokesman.roles[0].end
    assert any(
        r.title == "elder" and r.organisation_key for r in by_mention(x, "Nabil Khalaf").roles
    )


def test_role_nominals_link_to_the_person_who_holds_the_role(nlp: "Language") -> None:
    x = run(
        nlp,
        "Prime Minister Haider al-Abadi ordered troops to Tikrit. The prime minister said the "
        "city would be retaken. Critics said the premier had acted too late.",
    )
    abadi = by_mention(x, "Haider al-Abadi")
    nominals = {m.text for m in abadi.mentions if m.form == "nominal"}
    assert {"The prime minister", "the premier"} <= nominals


def test_group_description_links_to_the_group(nlp: "Language") -> None:
    x = run(
        nlp,
        "The Islamic State seized Hit. The extremist group now holds most of the province.",
    )
    group = by_mention(x, "Islamic State")
    assert "The extremist group" in {m.text for m in group.mentions}


def test_quote_forms_and_speakers(nlp: "Language") -> None:
    text = (
        "“The road is cut,” said Ahmed Saleh, a police captain in Baiji.\n\n"
        "Mustafa Kareem said: “We have no ammunition left.”\n\n"
        "“They came at night,” Kareem said, adding that “dozens” of fighters had died.\n\n"
        "Shops were shut, according to a shopkeeper in Tikrit. He asked not to be named.\n\n"
        "“Everyone has left,” he said.\n\n"
        "The fighters, known as “the hidden ones”, were not seen again."
    )
    x = run(nlp, text)
    quotes = {q.text: q for q in x.quotes}
    saleh = by_mention(x, "Ahmed Saleh").key
    kareem = by_mention(x, "Mustafa Kareem").key
    assert quotes["The road is cut"].speaker_key == saleh
    assert quotes["We have no ammunition left."].speaker_key == kareem
    assert quotes["They came at night"].speaker_key == kareem
    assert quotes["dozens"].kind == "partial"
    anonymous = quotes["Everyone has left"]
    assert anonymous.speaker_key is None
    assert (
        anonymous.speaker_description is not None and "shopkeeper" in anonymous.speaker_description
    )
    term = quotes["the hidden ones"]
    assert term.kind == "term" and term.speaker_key is None
    assert all(
        q.kind == "direct" for t, q in quotes.items() if t not in ("dozens", "the hidden ones")
    )


@pytest.mark.parametrize(
    "sentence, name, kind",
    [
        (
            "Houthi rebels, who call themselves Ansar Allah, shelled Taiz.",
            "Ansar Allah",
            "armed group",
        ),
        ("The Taliban attacked a checkpoint in Helmand province.", "Helmand", "province"),
        ("Jabhat al-Nusra fighters entered Idlib.", "Jabhat al-Nusra", "armed group"),
        ("Forces loyal to the Libyan National Army advanced on Tripoli.", "Tripoli", "city"),
    ],
)
def test_knowledge_generalises_across_the_beat(
    nlp: "Language", sentence: str, name: str, kind: str
) -> None:
    assert by_mention(run(nlp, sentence), name).kind == kind


def test_quote_broken_by_attribution_and_over_paragraphs_keeps_its_speaker(
    nlp: "Language",
) -> None:
    text = (
        "“We held the bridge for three days,” said Lt. Col. Karim Jassim, a commander in "
        "the 9th Division. “Then the ammunition ran out.”\n\n"
        "“The wounded could not be moved.\n\n"
        "“We left them with the medics,” Jassim said."
    )
    x = run(nlp, text)
    jassim = by_mention(x, "Karim Jassim").key
    assert [q.speaker_key for q in x.quotes] == [jassim] * 4
    assert all(q.kind == "direct" for q in x.quotes)


def test_a_clause_quoted_inside_a_sentence_is_direct_a_phrase_is_partial(nlp: "Language") -> None:
    x = run(
        nlp,
        "The Taliban issued a statement saying that the movement “has taken full control of "
        "the district.” Officials described “heavy” losses, said Gen. Sami Sadat.",
    )
    quotes = {q.text: q for q in x.quotes}
    clause = quotes["has taken full control of the district."]
    assert clause.kind == "direct"
    assert clause.speaker_key == by_mention(x, "Taliban").key
    assert quotes["heavy"].kind == "partial"


def test_speaker_named_with_a_two_word_title_and_the_title_as_a_nominal(nlp: "Language") -> None:
    x = run(
        nlp,
        "“The corridors are open,” according to Brig. Gen. Yahya Rasool, a spokesman for the "
        "Joint Operations Command.\n\n"
        "Maj. Gen. Karim Obeid, the brigade’s commander, said the town was secure. "
        "“We will not leave,” the general said.",
    )
    quotes = {q.text: q for q in x.quotes}
    assert quotes["The corridors are open"].speaker_key == by_mention(x, "Yahya Rasool").key
    obeid = by_mention(x, "Karim Obeid")
    assert quotes["We will not leave"].speaker_key == obeid.key
    assert "the general" in {m.text for m in obeid.mentions}


def test_self_chosen_names_in_quotation_marks_are_terms(nlp: "Language") -> None:
    x = run(nlp, "Factions that call themselves the “Free Army” shelled the town, residents said.")
    assert [(q.text, q.kind, q.speaker_key) for q in x.quotes] == [("Free Army", "term", None)]


def test_an_acronym_in_brackets_names_the_same_entity_everywhere(nlp: "Language") -> None:
    x = run(
        nlp,
        "The Norwegian Refugee Council (NRC) said aid had stopped. NRC staff left Idlib on Friday.",
    )
    council = by_mention(x, "Norwegian Refugee Council")
    assert [m.text for m in council.mentions].count("NRC") == 2


def test_wire_copy_dateline_credit_and_trailer_are_not_the_story(nlp: "Language") -> None:
    text = (
        "MOSUL, Iraq (AP) — Iraqi forces entered the town of Tal Kaif on Monday, said Col. "
        "Falah Hamdan. Hamdan said the town was empty.\n\n"
        "(Reporting by Jane Smith; Editing by John Doe)"
    )
    normalised = normalise_text(text)
    assert normalised.paragraphs[-1].kind == "boilerplate"
    x = extract(nlp, normalised)
    texts = mention_texts(x)
    assert "AP" not in texts and "Jane Smith" not in texts
    assert by_mention(x, "MOSUL").type == "location"
    assert by_mention(x, "Tal Kaif").kind == "city"
    hamdan = by_mention(x, "Falah Hamdan")
    assert "Hamdan" in {m.text for m in hamdan.mentions}


def test_a_name_found_once_is_highlighted_everywhere(nlp: "Language") -> None:
    x = run(
        nlp,
        "Militants fled the Jamiya area of Kirkuk on Monday. By Tuesday Jamiya was quiet, and "
        "shops in Jamiya reopened.",
    )
    assert [m.text for m in by_mention(x, "Jamiya").mentions].count("Jamiya") == 3


def test_report_style_names_jobs_and_adjectives(nlp: "Language") -> None:
    x = run(
        nlp,
        "Most families moved north, to areas around Dana and Sarmada near the Turkish border, "
        "said Mark Cutts, the UN Deputy Regional Humanitarian Coordinator. Hayat Tahrir al-Sham "
        "(HTS) holds the area.",
    )
    texts = mention_texts(x)
    assert "Turkish" not in texts and "Regional Humanitarian Coordinator" not in texts
    assert by_mention(x, "Dana").type == "location"
    group = by_mention(x, "HTS")
    assert group.name == "Hayat Tahrir al-Sham"  # as the article names it


def test_unnamed_facilities_and_their_later_descriptions(nlp: "Language") -> None:
    x = run(
        nlp,
        "Gunmen stormed the police station in Baiji. Troops retook the police station at dusk. "
        "Hundreds fled to a school near the river; by night the building held 300 families. "
        "Aid reached the Debaga camp on Friday, and the camp is now full.",
    )
    station = by_mention(x, "the police station")
    assert station.kind == "facility"
    assert [m.text for m in station.mentions] == ["the police station", "the police station"]
    school = by_mention(x, "a school")
    assert "the building" in {m.text for m in school.mentions}
    assert "the camp" in {m.text for m in by_mention(x, "Debaga camp").mentions}


def test_a_country_s_place_description_links_to_the_place(nlp: "Language") -> None:
    x = run(
        nlp,
        "Militants stormed Mosul, Iraq’s second-largest city, in June. The fall of Anbar, "
        "Iraq’s largest province, followed.",
    )
    assert "Iraq’s second-largest city" in {m.text for m in by_mention(x, "Mosul").mentions}
    assert "Iraq’s largest province" in {m.text for m in by_mention(x, "Anbar").mentions}
    assert "Iraq" in mention_texts(x)


def test_speaker_rules_from_wire_copy(nlp: "Language") -> None:
    text = (
        "Yahya Saree said the group had targeted “enemy gatherings near the coast.”\n\n"
        "State media quoted a military source as saying: “The attack was repelled.”\n\n"
        "Kataib Hezbollah’s secretary-general Ahmed al-Hamidawi said: “We will respond.”\n\n"
        "A senior Western diplomat in Baghdad was blunt. “Nobody is in charge,” he said."
    )
    x = run(nlp, text)
    quotes = {q.text: q for q in x.quotes}
    saree = by_mention(x, "Yahya Saree").key
    assert quotes["enemy gatherings near the coast."].speaker_key == saree
    source = quotes["The attack was repelled."]
    assert source.speaker_key is None and "military source" in (source.speaker_description or "")
    assert quotes["We will respond."].speaker_key == by_mention(x, "Ahmed al-Hamidawi").key
    diplomat = quotes["Nobody is in charge"]
    assert diplomat.speaker_key is None and "diplomat" in (diplomat.speaker_description or "")


def test_known_as_names_an_alias(nlp: "Language") -> None:
    x = run(
        nlp,
        "Fighters of the Special Deterrence Force, known as Rada, held the airport. A Rada "
        "commander said the road was open.",
    )
    force = by_mention(x, "Special Deterrence Force")
    assert [m.text for m in force.mentions].count("Rada") == 2


def test_a_plural_designator_types_every_name_before_it(nlp: "Language") -> None:
    x = run(nlp, "Taliban fighters attacked the Nad Ali and Nawa districts on Sunday.")
    assert by_mention(x, "Nawa").kind == "district"
    assert by_mention(x, "Nad Ali").kind == "district"


def test_short_forms_numbered_units_and_facility_designators(nlp: "Language") -> None:
    x = run(
        nlp,
        "Shelling hit Saraqeb, the Syrian Observatory for Human Rights said. The Observatory "
        "counted nine dead. The 444 Combat Brigade moved south; a 444 Brigade officer said "
        "fighters had attacked the Ghwayran detention facility.",
    )
    sohr = by_mention(x, "Syrian Observatory for Human Rights")
    assert {"Observatory", "The Observatory"} & {m.text for m in sohr.mentions}
    brigade = by_mention(x, "444 Combat Brigade")
    assert "444 Brigade" in {m.text for m in brigade.mentions}
    prison = next(e for e in x.entities if e.name.startswith("Ghwayran"))
    assert prison.kind == "facility"


def test_roles_from_possessive_pronouns_and_lower_case_jobs(nlp: "Language") -> None:
    x = run(
        nlp,
        "The Houthis said they had downed a drone. Their military spokesman, Yahya Saree, said "
        "the drone fell near Marib. Pentagon spokesman Maj. Gen. Pat Ryder declined to comment.",
    )
    saree = by_mention(x, "Yahya Saree")
    assert any(
        r.title == "military spokesman" and r.organisation_key == by_mention(x, "Houthis").key
        for r in saree.roles
    )
    ryder = by_mention(x, "Pat Ryder")
    assert {"spokesman", "major general"} <= {r.title for r in ryder.roles}


def test_subjects_peoples_families_and_dated_datelines(nlp: "Language") -> None:
    text = (
        "BAGHDAD, March 14 (INA) - A female UN worker in Jalalabad said: “We cannot go out.”\n\n"
        "Druze leaders met in Sweida, and the Hassan brothers returned to the southern province "
        "of Daraa."
    )
    x = run(nlp, text)
    quote = x.quotes[0]
    assert quote.speaker_key is None and "worker" in (quote.speaker_description or "")
    texts = mention_texts(x)
    assert "INA" not in texts and "Druze" not in texts and "Hassan" not in texts
    assert by_mention(x, "Daraa").kind == "province"


def test_capitalised_runs_with_a_body_head_are_one_name(nlp: "Language") -> None:
    x = run(
        nlp,
        "Clashes broke out between the Radaa Deterrence Force and the Subul al-Salam Brigade, "
        "the U.N. Support Mission in Libya (UNSMIL) said. A commander of Asa'ib Ahl al-Haq and "
        "the Badr Organization in Karbala denied it.",
    )
    force = by_mention(x, "Radaa Deterrence Force")
    assert force.type == "unit" and "Radaa" not in mention_texts(x)
    assert by_mention(x, "Subul al-Salam Brigade").type == "unit"
    mission = by_mention(x, "U.N. Support Mission in Libya")
    assert "UNSMIL" in {m.text for m in mission.mentions}
    assert by_mention(x, "Karbala").type == "location"


def test_a_word_of_a_body_s_name_and_troops_as_forces(nlp: "Language") -> None:
    x = run(
        nlp,
        "The Ministry of Defence said Iraqi forces had entered the town. Iraqi troops later "
        "withdrew, the ministry added.",
    )
    ministry = by_mention(x, "Ministry of Defence")
    assert "the ministry" in {m.text for m in ministry.mentions}
    forces = by_mention(x, "Iraqi forces")
    assert "Iraqi troops" in {m.text for m in forces.mentions}


def test_what_he_called_is_his_partial_quote(nlp: "Language") -> None:
    x = run(
        nlp,
        "Gen. Tariq Hamid visited Sweida on Monday. He condemned what he called “a war of "
        "extermination” against the town.",
    )
    quote = x.quotes[0]
    assert quote.kind == "partial"
    assert quote.speaker_key == by_mention(x, "Tariq Hamid").key


def test_he_is_the_person_named_in_apposition_to_the_last_subject(nlp: "Language") -> None:
    x = extract(nlp, normalise_text(
        "Gunmen attacked the town, a security official said. The front denied a role. Its "
        "spokesman, Ousmane Ag Alhassane, said the front was far away. \u201cWe were not "
        "there,\u201d he said in a message."
    ))
    names = {e.key: e.name for e in x.entities}
    assert [names.get(q.speaker_key or "") for q in x.quotes] == ["Ousmane Ag Alhassane"]


def test_a_force_named_with_its_acronym_speaks_its_statement(nlp: "Language") -> None:
    x = extract(nlp, normalise_text(
        "In a statement, the Burkinabe Armed Forces (FABF) said troops had \u201cneutralised\u201d "
        "about 20 attackers."
    ))
    names = {e.key: e.name for e in x.entities}
    assert [(q.kind, names.get(q.speaker_key or "")) for q in x.quotes] == [
        ("partial", "Burkinabe Armed Forces")
    ]


def test_a_military_council_named_after_a_town_is_a_militia_unit_holding_the_town(
    nlp: "Language",
) -> None:
    x = run(
        nlp,
        "Fighters of the Tabqa Military Council seized two villages on Sunday. Clashes spread "
        "across Deir ez-Zor province, and the Deir ez-Zor Military Council sent reinforcements.",
    )
    for name in ("Tabqa Military Council", "Deir ez-Zor Military Council"):
        council = by_mention(x, name)
        assert (council.type, council.kind) == ("unit", "militia formation"), name
    assert by_mention(x, "Tabqa").type == "location"
    # the province the text names, not a city of the same name
    province = by_mention(x, "Deir ez-Zor")
    assert province.kind == "province"
    assert sum(m.text == "Deir ez-Zor" for m in province.mentions) == 2


def test_a_police_unit_named_after_a_place_holds_the_place(nlp: "Language") -> None:
    x = run(
        nlp,
        "Recruits joined the Nineveh Police Command last month, and officers of the Diyala "
        "emergency police and the Kirkuk police brigade manned the checkpoints.",
    )
    for name, place in (
        ("Nineveh Police Command", "Nineveh"),
        ("Diyala emergency police", "Diyala"),
        ("Kirkuk police brigade", "Kirkuk"),
    ):
        assert (by_mention(x, name).type, by_mention(x, name).kind) == ("unit", "police")
        assert by_mention(x, place).type == "location", place


def test_a_unit_with_other_words_after_a_place_is_one_proper_name(nlp: "Language") -> None:
    x = run(nlp, "The Ajdabiya Martyrs Brigade detained the suspect near the port.")
    assert by_mention(x, "Ajdabiya Martyrs Brigade").type == "unit"
    assert "Ajdabiya" not in mention_texts(x)


def test_a_place_inside_a_units_name_is_a_location_there(nlp: "Language") -> None:
    x = run(nlp, "The Kirkuk Operations Command moved troops to Hawija on Friday.")
    kirkuk = by_mention(x, "Kirkuk")
    assert [m.type or kirkuk.type for m in kirkuk.mentions] == ["location"]


def test_a_body_described_after_another_bodys_name_holds_its_mention(nlp: "Language") -> None:
    x = run(
        nlp,
        "The UN food agency said convoys had reached Kadugli. The United Nations had warned "
        "of famine in March.",
    )
    agency = by_mention(x, "The UN food agency")
    un = by_mention(x, "UN")
    assert un is not agency and un.key == by_mention(x, "United Nations").key
    assert (un.type, un.kind) == ("actor", "organisation")


def test_a_place_in_a_bodys_proper_name_is_no_mention(nlp: "Language") -> None:
    x = run(nlp, "The United Nations Assistance Mission for Iraq said aid had arrived.")
    assert "Iraq" not in mention_texts(x)
    assert "United Nations" not in mention_texts(x)


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("After the talks the envoy flew to Kyiv with two aides.", "Kyiv"),
        ("Thousands of residents fled to Kutum as the fighting spread.", "Kutum"),
        ("The delegation travelled to Nyala and then headed to Geneina.", "Geneina"),
        ("Gunmen ambushed a bus on the road from Dilling on Sunday.", "Dilling"),
    ],
)
def test_an_unknown_name_after_a_motion_or_a_roads_to_or_from_is_a_place(
    nlp: "Language", text: str, place: str
) -> None:
    assert by_mention(run(nlp, text), place).type == "location"


def test_a_person_after_a_verb_of_speech_to_stays_a_person(nlp: "Language") -> None:
    x = run(nlp, "The governor spoke to Amina Yusuf before the vote.")
    assert by_mention(x, "Amina Yusuf").type == "actor"


def test_a_states_defence_forces_are_its_army(nlp: "Language") -> None:
    x = run(
        nlp,
        "The Kenyan Defence Forces and Somali troops cleared three villages near Kismayo. "
        "The Uganda Defence Force said it had lost two soldiers.",
    )
    for name in ("Kenyan Defence Forces", "Uganda Defence Force"):
        unit = by_mention(x, name)
        assert (unit.type, unit.kind) == ("unit", "army"), name


def test_a_names_span_does_not_end_on_a_conjunction(nlp: "Language") -> None:
    from app.nlp.mentions import _trim

    doc = nlp("Officials of the Bakassi Boys and local vigilantes met in Aba.")
    span, _ = _trim(doc[3:6])  # "Bakassi Boys and"
    assert span.text == "Bakassi Boys"


def test_a_body_or_people_named_in_lower_case_is_a_description_with_its_article(
    nlp: "Language",
) -> None:
    x = run(
        nlp,
        "The Sudanese people have suffered enough, and the international community must act, "
        "the Kirkuk municipal council said. The Saudi-led coalition denied the report.",
    )
    for text in ("The Sudanese people", "the international community",
                 "the Kirkuk municipal council"):
        entity = by_mention(x, text)
        mention = next(m for m in entity.mentions if m.text == text)
        assert mention.form == "nominal", text
        assert entity.name == text.split(" ", 1)[1], text  # named without the article
    coalition = by_mention(x, "Saudi-led coalition")
    assert [m.form for m in coalition.mentions] == ["name"]


def test_a_groups_name_before_its_members_noun_is_the_mention(nlp: "Language") -> None:
    x = run(
        nlp,
        "Houthi fighters shelled the port of Mocha on Monday, and Taliban gunmen attacked a "
        "checkpoint in Zabul.",
    )
    texts = mention_texts(x)
    assert {"Houthi", "Taliban"} <= texts
    assert not {"Houthi fighters", "Taliban gunmen"} & texts
    assert by_mention(x, "Houthi").kind == "armed group"


def test_an_unknown_name_before_a_members_noun_is_an_armed_group(nlp: "Language") -> None:
    x = run(nlp, "M23 rebels, backed by Rwanda, seized the town of Sake on Friday.")
    group = by_mention(x, "M23")
    assert (group.type, group.kind) == ("actor", "armed group")
    assert "Syrian" not in mention_texts(run(nlp, "Syrian rebels clashed near Afrin."))


def test_a_one_word_name_in_a_place_is_a_place(nlp: "Language") -> None:
    x = run(nlp, "\u201cThe situation in Goma is catastrophic,\u201d said Marie Lukusa.")
    assert by_mention(x, "Goma").type == "location"
    assert by_mention(x, "Marie Lukusa").type == "actor"
    y = run(nlp, "The minister expressed confidence in Abiy Ahmed.")
    assert by_mention(y, "Abiy Ahmed").type == "actor"


def test_a_name_set_beside_a_persons_job_is_a_person(nlp: "Language") -> None:
    x = run(
        nlp,
        "The group\u2019s spokesman, Willy Ngoma, said the fighters would advance. \u201cThese "
        "accusations are baseless,\u201d said Yolande Makolo, the Rwandan government "
        "spokeswoman.",
    )
    for name in ("Willy Ngoma", "Yolande Makolo"):
        person = by_mention(x, name)
        assert (person.type, person.kind) == ("actor", "person"), name
    makolo = by_mention(x, "Yolande Makolo")
    assert "the Rwandan government spokeswoman" in {m.text for m in makolo.mentions}
    y = run(nlp, "The rebels\u2019 main backer, Rwanda, denied it.")
    assert by_mention(y, "Rwanda").type == "location"


def test_a_name_known_by_its_acronym_is_one_entity_wherever_the_acronym_stands(
    nlp: "Language",
) -> None:
    x = run(
        nlp,
        "The Congolese army, known by its French acronym FARDC, said its troops had retaken "
        "Kitshanga. FARDC officers later denied it.",
    )
    army = by_mention(x, "Congolese army")
    assert [m.text for m in army.mentions].count("FARDC") == 2
    assert (army.type, army.kind) == ("unit", "army")


def test_a_name_whose_apposition_is_a_kind_of_place_is_that_place(nlp: "Language") -> None:
    x = run(nlp, "Rebels pushed the troops out of Alamata, a town on the road to Addis Ababa.")
    town = by_mention(x, "Alamata")
    assert (town.type, town.kind) == ("location", "city")
    assert "a town" in {m.text for m in town.mentions}


def test_a_name_before_militiamen_is_their_group(nlp: "Language") -> None:
    x = run(nlp, "The regional government said Fano militiamen had attacked a police station.")
    group = by_mention(x, "Fano")
    assert (group.type, group.kind) == ("actor", "armed group")


def test_a_name_before_a_level_of_government_is_the_place_governed(nlp: "Language") -> None:
    x = run(nlp, "The Amhara regional government said militiamen had attacked a police station.")
    region = by_mention(x, "Amhara")
    assert (region.type, region.kind) == ("location", "province")
    y = run(nlp, "The Gedaref municipal council met on Monday.")
    assert (by_mention(y, "Gedaref").type, by_mention(y, "Gedaref").kind) == ("location", "city")


def test_an_unknown_peoples_adjective_before_forces_makes_a_unit(nlp: "Language") -> None:
    x = run(nlp, "Tigrayan forces said on Sunday they had pushed federal troops out of the town.")
    unit = by_mention(x, "Tigrayan forces")
    assert unit.type == "unit"
    assert "Tigrayan" not in mention_texts(x)
