"""Every extracted fact says how it was found and how sure we are."""

from typing import TYPE_CHECKING

import pytest

from app.nlp import confidence as conf
from app.nlp.extract import extract
from app.nlp.normalise import normalise_text
from app.nlp.types import METHODS

if TYPE_CHECKING:
    from spacy.language import Language

TEXT = (
    "BAGHDAD — Islamic State fighters seized the town of Hit on Monday, said Col. Ahmed "
    "al-Dulaimi, a spokesman for the Anbar Operations Command. \u201cWe are sending "
    "reinforcements,\u201d he said. The commander added that the city would be retaken."
)


def test_every_fact_has_a_method_and_a_confidence(nlp: "Language") -> None:
    x = extract(nlp, normalise_text(TEXT))
    facts = [*x.entities, *x.quotes]
    facts += [m for e in x.entities for m in e.mentions] + [r for e in x.entities for r in e.roles]
    assert x.quotes and any(e.roles for e in x.entities)
    for fact in facts:
        assert fact.method in METHODS[:-1], fact  # "editor" is a person's, never extraction's
        assert fact.confidence is not None and 0.0 <= fact.confidence <= 1.0, fact
        assert fact.features, fact


def test_methods_say_where_a_mention_came_from(nlp: "Language") -> None:
    x = extract(nlp, normalise_text(TEXT))
    method = {m.text: m.method for e in x.entities for m in e.mentions}
    assert method["Islamic State"] == "knowledge"  # in our knowledge file
    assert method["Ahmed al-Dulaimi"] == "model"  # a person only spaCy's model knows
    assert method["a spokesman"] == "description"


def test_a_known_feature_gets_its_value_else_a_more_general_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    table = {"mentions": {"values": {"*": 0.6, "model": 0.7, "model|name": 0.8}}}
    monkeypatch.setattr(conf, "table", lambda: table)
    assert conf.confidence("mentions", ("model|name|PERSON", "model|name", "model")) == 0.8
    assert conf.confidence("mentions", ("model|nominal", "model")) == 0.7
    assert conf.confidence("mentions", ("rule",)) == 0.6
    assert conf.confidence("quotes", ("direct",)) == 0.5  # nothing known


def test_the_shipped_table_is_calibrated_data_not_typed_numbers() -> None:
    data = conf.table()
    assert set(conf.KINDS) <= set(data)
    for kind in conf.KINDS:
        values, counts = data[kind]["values"], data[kind]["counts"]
        assert set(values) == set(counts), kind
        assert all(0.0 <= v <= 1.0 for v in values.values())
        assert counts["*"] == max(counts.values())


def test_an_entity_is_as_sure_as_its_best_founded_mention() -> None:
    assert conf.best_method(["model", "description", "knowledge"]) == "knowledge"
    assert conf.best_method(["description"]) == "description"
