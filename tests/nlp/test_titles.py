"""Official statements: titles used alone, and long names kept whole."""

from typing import TYPE_CHECKING

from app.nlp.extract import extract
from app.nlp.normalise import normalise_text

if TYPE_CHECKING:
    from spacy.language import Language


def test_a_title_alone_is_a_mention_of_its_holder(nlp: "Language") -> None:
    x = extract(nlp, normalise_text(
        "Interior Minister Karen Holt said today that the border was closed. "
        "\u201cWe will act,\u201d the Interior Minister said."
    ))
    holt = next(e for e in x.entities if e.name == "Karen Holt")
    assert "the Interior Minister" in {m.text for m in holt.mentions}
    assert x.quotes[0].speaker_key == holt.key
    assert not [e for e in x.entities if e.name == "Interior"], "a title word is not a body"


def test_a_title_nobody_named_holds_is_an_actor_named_by_it(nlp: "Language") -> None:
    x = extract(nlp, normalise_text("The Defence Secretary told Parliament that no one was hurt."))
    actor = next(e for e in x.entities if e.name == "Defence Secretary")
    assert (actor.type, actor.kind) == ("actor", "person")


def test_a_four_part_name_after_a_title_is_one_person(nlp: "Language") -> None:
    x = extract(nlp, normalise_text(
        "Brig. Gen. Abdulrahman Saleh Mohsen al-Harbi, the group\u2019s military spokesman, "
        "said the attacks would continue. Harbi said later that ships had been warned."
    ))
    people = [e for e in x.entities if e.kind == "person"]
    assert [e.name for e in people] == ["Abdulrahman Saleh Mohsen al-Harbi"]
    assert "Harbi" in {m.text for m in people[0].mentions}


def test_two_people_in_a_list_stay_two(nlp: "Language") -> None:
    x = extract(nlp, normalise_text(
        "The talks were attended by Ahmed Saleh, Karim Jaber and Omar Haddad on Monday."
    ))
    assert {"Ahmed Saleh", "Karim Jaber", "Omar Haddad"} <= {e.name for e in x.entities}


def test_transcript_speaker_labels(nlp: "Language") -> None:
    x = extract(nlp, normalise_text(
        "Karen Holt, Deputy Spokesperson of the Department of State, briefed reporters.\n\n"
        "MS. HOLT: Good afternoon.\n\nQUESTION: Has Iraq asked for more troops?\n\n"
        "MS. HOLT: Not that I know of.\n\nQUESTION: Thank you."
    ))
    holt = next(e for e in x.entities if e.name == "Karen Holt")
    assert [m.text for m in holt.mentions if m.text == "HOLT"] == ["HOLT", "HOLT"]
    names = {m.text for e in x.entities for m in e.mentions}
    assert "QUESTION" not in names and "Iraq" in names


def test_group_phrases_of_statements_are_actors(nlp: "Language") -> None:
    x = extract(nlp, normalise_text(
        "The Libyan people deserve peace, and the international community must act. The Iraqi "
        "opposition and Coalition partners met in Amman."
    ))
    kinds = {e.name: (e.type, e.kind) for e in x.entities}
    assert kinds["Libyan people"] == ("actor", "people")
    assert kinds["international community"][0] == "actor"
    assert kinds["Iraqi opposition"][0] == "actor"
    assert kinds["Coalition partners"][0] == "actor"


def test_a_lower_case_office_alone_is_an_actor_holding_it(nlp: "Language") -> None:
    x = extract(nlp, normalise_text(
        "The convoy was ambushed near Damboa. In Abuja, the chief of army staff ordered an "
        "inquiry into the losses of the Nigerian army, and the defence minister promised "
        "new vehicles."
    ))
    chief = next(e for e in x.entities if e.name == "chief of army staff")
    assert (chief.type, chief.kind) == ("actor", "person")
    assert [(r.title, r.organisation_name) for r in chief.roles] == [
        ("chief of army staff", "Nigerian army")
    ]
    assert any(e.name == "defence minister" for e in x.entities)


def test_an_office_with_a_body_after_of_or_its_holder_named_is_no_new_actor(
    nlp: "Language",
) -> None:
    x = extract(nlp, normalise_text(
        "The raid was supervised by the director of the agency, Lt. Gen. Walid Kareem "
        "Hassan, who said the suspects had confessed. The deputy commander of joint "
        "operations visited the town on Monday."
    ))
    names = {e.name for e in x.entities}
    assert not any(n.startswith("director") for n in names)
    assert "deputy commander of joint operations" in names


def test_a_body_and_job_in_apposition_to_a_name_is_that_person(nlp: "Language") -> None:
    x = extract(nlp, normalise_text(
        "\u201cClinics are not targets,\u201d said Omar Haddad Saleh, the WHO representative "
        "in Somalia."
    ))
    people = [e for e in x.entities if e.kind == "person"]
    assert [e.name for e in people] == ["Omar Haddad Saleh"]
    assert "the WHO representative" in {m.text for m in people[0].mentions}


def test_a_minister_alone_is_in_the_government_the_text_names(nlp: "Language") -> None:
    x = extract(nlp, normalise_text(
        "The military government in Niamey expelled the envoy. Members of the regional "
        "council in Agadez protested. The minister of defence said the border would stay open."
    ))
    names = {e.key: e.name for e in x.entities}
    minister = next(e for e in x.entities if e.name == "minister of defence")
    assert [(r.title, names.get(r.organisation_key or "")) for r in minister.roles] == [
        ("minister of defence", "Government of Niger")
    ]


def test_a_bodys_title_nobody_named_holds_is_an_actor_with_a_role_in_the_body(
    nlp: "Language",
) -> None:
    x = extract(nlp, normalise_text(
        "\u201cThe crossings must open,\u201d the UN Special Representative told reporters in "
        "Juba."
    ))
    holder = next(e for e in x.entities if e.name == "UN Special Representative")
    assert (holder.type, holder.kind) == ("actor", "person")
    assert [m.text for m in holder.mentions] == ["the UN Special Representative"]
    assert [(r.title, r.organisation_key) for r in holder.roles] == [
        ("special representative", "actor:united nations")
    ]
    assert x.quotes[0].speaker_key == holder.key
    assert "UN" in {m.text for e in x.entities for m in e.mentions}  # the body inside


def test_a_bodys_title_after_a_name_is_a_mention_of_that_person(nlp: "Language") -> None:
    x = extract(nlp, normalise_text(
        "Karen Dahl, the EU High Representative, said the sanctions would stay. Later the EU "
        "High Representative met the foreign ministers."
    ))
    dahl = next(e for e in x.entities if e.name == "Karen Dahl")
    assert {"the EU High Representative"} <= {m.text for m in dahl.mentions}
    assert sum(m.form == "nominal" for m in dahl.mentions) == 2
    assert not [e for e in x.entities if e.name == "EU High Representative"]


def test_a_bodys_title_before_a_name_is_no_mention_of_the_person(nlp: "Language") -> None:
    x = extract(nlp, normalise_text(
        "The minister met the UN Special Envoy for Sudan, Laura Mendes, in Khartoum on Monday."
    ))
    texts = {m.text for e in x.entities for m in e.mentions}
    assert "the UN Special Envoy" not in texts
    assert "Laura Mendes" in texts
