"""Each extraction step alone, and the runner that settles overlaps once per step.

A step is called on what the steps before it found (or on mentions made by hand), and only its
own decision is checked. Sentences of our own.
"""

from typing import TYPE_CHECKING

import pytest

from app.nlp import steps
from app.nlp.context import ArticleContext, Candidate
from app.nlp.extract import parse
from app.nlp.normalise import normalise_text
from app.nlp.runner import Decision, Found, apply, run, settle

if TYPE_CHECKING:
    from spacy.language import Language


def context(nlp: "Language", text: str) -> ArticleContext:
    return parse(nlp, normalise_text(text))


def before(ctx: ArticleContext, step: steps.Step) -> Found:
    """What the steps before ``step`` find."""
    return run(ctx, steps.STEPS[: steps.STEPS.index(step)])


def mention(
    ctx: ArticleContext, text: str, label: str, key: str | None = None, nth: int = 0
) -> Candidate:
    """A candidate made by hand over the ``nth`` occurrence of ``text``."""
    start = -1
    for _ in range(nth + 1):
        start = ctx.text.index(text, start + 1)
    para = max(i for i, offset in enumerate(ctx.offsets) if offset <= start)
    local = start - ctx.offsets[para]
    span = ctx.docs[para].char_span(local, local + len(text))
    assert span is not None
    return Candidate(
        start, start + len(text), text, label, para, span.start, span.end, key=key, strong=True
    )


def added(decision: Decision) -> list[str]:
    return [c.text for c in decision.add]


# --------------------------------------------------------------------------------------------
# the runner
# --------------------------------------------------------------------------------------------


def test_settle_keeps_nested_mentions_and_the_first_of_two_that_cross(nlp: "Language") -> None:
    ctx = context(nlp, "The Ramadi police force left Ramadi on Sunday.")
    outer = mention(ctx, "Ramadi police force", "UNIT_POLICE")
    inner = mention(ctx, "Ramadi", "CITY")
    crossing = mention(ctx, "police force left", "UNIT_POLICE")
    same = mention(ctx, "Ramadi police force", "ORGANISATION")
    kept = settle(ctx, [outer, inner, crossing, same])
    assert kept == [outer, inner]


def test_settle_drops_mentions_inside_names_that_are_no_entity(nlp: "Language") -> None:
    ctx = context(nlp, "Jets flew under Operation Tidal Guardian over Deir ez-Zor.")
    inside = mention(ctx, "Tidal Guardian", "ORGANISATION")
    place = mention(ctx, "Deir ez-Zor", "PROVINCE")
    assert settle(ctx, [inside, place]) == [place]


def test_apply_drops_then_adds_and_keeps_roles_unless_decided(nlp: "Language") -> None:
    ctx = context(nlp, "Mosul and Raqqa were shelled.")
    mosul, raqqa = mention(ctx, "Mosul", "CITY"), mention(ctx, "Raqqa", "CITY")
    found = Found([mosul], roles={"actor:x": []})
    after = apply(ctx, found, Decision(add=[raqqa], drop=[mosul]))
    assert after.mentions == [raqqa] and after.roles == {"actor:x": []}
    assert found.mentions == [mosul]  # the step's input is left as it was


def test_every_step_has_the_one_shape(nlp: "Language") -> None:
    ctx = context(nlp, "Haider al-Abadi visited Ramadi on Sunday.")
    found = Found()
    for step in steps.STEPS:
        decision = step(ctx, found)
        assert isinstance(decision, Decision), step.__name__
        found = apply(ctx, found, decision)
    assert {"Haider al-Abadi", "Ramadi"} <= {c.text for c in found.mentions}


# --------------------------------------------------------------------------------------------
# each step alone
# --------------------------------------------------------------------------------------------


def test_names(nlp: "Language") -> None:
    ctx = context(nlp, "Col. Ahmed Hamid of the Ramadi police force spoke in Baghdad.")
    decision = steps.names(ctx, Found())
    assert {"Ahmed Hamid", "Ramadi police force", "Ramadi", "Baghdad"} <= set(added(decision))


def test_long_names(nlp: "Language") -> None:
    ctx = context(nlp, "Brig. Gen. Abdulrahman Saleh Mohsen al-Harbi said the road was open.")
    pieces = [
        mention(ctx, "Abdulrahman Saleh", "PERSON"),
        mention(ctx, "Mohsen al-Harbi", "PERSON"),
    ]
    decision = steps.long_names(ctx, Found(pieces))
    assert added(decision) == ["Abdulrahman Saleh Mohsen al-Harbi"]
    assert decision.drop == pieces


def test_other_occurrences(nlp: "Language") -> None:
    ctx = context(nlp, "Shelling hit Qayyarah. Families left Qayyarah by night.")
    first = mention(ctx, "Qayyarah", "CITY", key="location:qayyarah")
    decision = steps.other_occurrences(ctx, Found([first]))
    assert [(c.start, c.key) for c in decision.add] == [
        (ctx.text.rindex("Qayyarah"), "location:qayyarah")
    ]


def test_links(nlp: "Language") -> None:
    ctx = context(nlp, "Haider al-Abadi met the tribes. Abadi promised weapons.")
    found = before(ctx, steps.links)
    for c in found.mentions:
        c.key = None
    steps.links(ctx, found)
    keys = {c.text: c.key for c in found.mentions}
    assert keys["Abadi"] == keys["Haider al-Abadi"] is not None


def test_acronyms(nlp: "Language") -> None:
    ctx = context(nlp, "The Sinjar Resistance Units (SRU) held the road. SRU fighters left.")
    named = mention(ctx, "Sinjar Resistance Units", "UNIT_MILITIA", key="unit:sru")
    decision = steps.acronyms(ctx, Found([named]))
    assert added(decision) == ["SRU"] and decision.aliases == decision.add
    assert decision.add[0].key == named.key


def test_known_as(nlp: "Language") -> None:
    ctx = context(nlp, "The Special Deterrence Force, known as Rada, holds the airport.")
    named = mention(ctx, "Special Deterrence Force", "UNIT_FORCES", key="unit:sdf")
    decision = steps.known_as(ctx, Found([named]))
    assert added(decision) == ["Rada"] and decision.add[0].key == "unit:sdf"


def test_alias_occurrences(nlp: "Language") -> None:
    ctx = context(nlp, "The force, known as Rada, holds the airport. Rada denied it.")
    alias = mention(ctx, "Rada", "UNIT_FORCES", key="unit:sdf")
    decision = steps.alias_occurrences(ctx, Found([alias], aliases=[alias]))
    assert [(c.start, c.key) for c in decision.add] == [(ctx.text.rindex("Rada"), "unit:sdf")]


def test_generic_units(nlp: "Language") -> None:
    ctx = context(nlp, "Shiite militias arrived. Iranian-backed Shiite militias held the bridge.")
    plain = mention(ctx, "Shiite militias", "UNIT_MILITIA", key="unit:shiite militias")
    backed = mention(
        ctx, "Iranian-backed Shiite militias", "UNIT_MILITIA",
        key="unit:iranian-backed shiite militias",
    )
    steps.generic_units(ctx, Found([plain, backed]))
    assert backed.key == "unit:shiite militias"


def test_unit_appositions(nlp: "Language") -> None:
    ctx = context(nlp, "Asaib Ahl al-Haq, another Iranian-aligned militia, sent fighters.")
    decision = steps.unit_appositions(ctx, before(ctx, steps.unit_appositions))
    assert added(decision) == ["another Iranian-aligned militia"]
    assert [c.text for c in decision.drop] == ["Iranian-aligned militia"]
    assert decision.add[0].form == "nominal"


def test_governments(nlp: "Language") -> None:
    ctx = context(nlp, "The Iraqi government said Iraq would rebuild the city.")
    decision = steps.governments(ctx, before(ctx, steps.governments))
    assert added(decision) == ["The Iraqi government"]


def test_roles(nlp: "Language") -> None:
    ctx = context(nlp, "Mohammed Abdulsalam, a spokesman for the Houthis, denied the report.")
    decision = steps.roles(ctx, before(ctx, steps.roles))
    assert decision.roles is not None
    held = [(r.title, r.organisation_key) for rs in decision.roles.values() for r in rs]
    assert held == [("spokesman", "actor:houthis")]


def test_titles_alone(nlp: "Language") -> None:
    ctx = context(
        nlp, "Foreign Secretary Karen Holt visited Aden. The Foreign Secretary met officials."
    )
    decision = steps.titles_alone(ctx, before(ctx, steps.titles_alone))
    assert added(decision) == ["The Foreign Secretary"]
    assert decision.add[0].key == next(
        c.key for c in before(ctx, steps.titles_alone).mentions if c.text == "Karen Holt"
    )


def test_speaker_label_words(nlp: "Language") -> None:
    ctx = context(
        nlp, "MS. WHITLOCK: Good afternoon.\n\nQUESTION: Thank you.\n\nMS. WHITLOCK: Next."
    )
    label = mention(ctx, "QUESTION", "ORGANISATION")
    decision = steps.speaker_label_words(ctx, Found([label]))
    assert decision.drop == [label]


def test_transcript_speaker_names(nlp: "Language") -> None:
    ctx = context(
        nlp,
        "Spokesperson Karen Whitlock briefed reporters.\n\nMS. WHITLOCK: Good afternoon.\n\n"
        "QUESTION: Thank you.",
    )
    person = mention(ctx, "Karen Whitlock", "PERSON", key="actor:karen whitlock")
    decision = steps.transcript_speaker_names(ctx, Found([person]))
    assert added(decision) == ["WHITLOCK"] and decision.add[0].key == person.key


def test_person_descriptions(nlp: "Language") -> None:
    ctx = context(nlp, "Nasser al-Alwani, a police colonel, said the city had fallen.")
    decision = steps.person_descriptions(ctx, before(ctx, steps.person_descriptions))
    assert added(decision) == ["a police colonel"]


def test_nominals(nlp: "Language") -> None:
    ctx = context(nlp, "Fighters entered Ramadi on Sunday. The city had been besieged for months.")
    decision = steps.nominals(ctx, before(ctx, steps.nominals))
    assert [(c.text, c.key) for c in decision.add] == [("The city", "location:ramadi")]


@pytest.mark.parametrize(
    ("text", "later"),
    [
        ("Militants overran a military operations hub. They left the facility.", "the facility"),
        ("Gunmen attacked the police station. Police retook the station at noon.", "the station"),
    ],
)
def test_facilities(nlp: "Language", text: str, later: str) -> None:
    ctx = context(nlp, text)
    decision = steps.facilities(ctx, before(ctx, steps.facilities))
    keys = {c.text: c.key for c in decision.add}
    assert later in keys and len(set(keys.values())) == 1


def test_bodies(nlp: "Language") -> None:
    ctx = context(nlp, "Shelling hit Taiz, the Houthi-run health ministry said.")
    decision = steps.bodies(ctx, before(ctx, steps.bodies))
    assert added(decision) == ["the Houthi-run health ministry"]
    assert [c.text for c in decision.drop] == ["health ministry"]
    assert decision.add[0].key == decision.drop[0].key


def test_introduced_as(nlp: "Language") -> None:
    ctx = context(nlp, "Talks began with the Security Belt, a force known locally as al-Hizam.")
    belt = mention(ctx, "Security Belt", "UNIT_MILITIA", key="unit:security belt")
    decision = steps.introduced_as(ctx, Found([belt]))
    assert [(c.text, c.key, c.form) for c in decision.add] == [
        ("al-Hizam", "unit:security belt", "name")
    ]
    assert decision.aliases == decision.add
