"""The plain-spaCy baseline of evaluate.py: conversion of entity tuples and the side-by-side
table.  Plain tuples stand in for spaCy's entities, so neither spaCy nor a model is needed."""

import importlib.util
import sys
from pathlib import Path

import pytest

EVAL_DIR = Path(__file__).resolve().parent


def _load_evaluator():  # type: ignore[no-untyped-def]
    name = "newsreader_eval_evaluate"  # shared with test_gold_files.py
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, EVAL_DIR / "evaluate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


ev = _load_evaluator()

TEXT = "Haider al-Abadi flew to Ramadi on Monday. Abadi met Iraqi officers in Ramadi and Anbar."


def _ent(sub: str, label: str, occ: int = 1) -> tuple[int, int, str, str]:
    start = -1
    for _ in range(occ):
        start = TEXT.index(sub, start + 1)
    return start, start + len(sub), label, sub


def test_spacy_entities_become_name_mentions_grouped_by_text() -> None:
    ents = [
        _ent("Ramadi", "GPE", 2),  # out of order on purpose
        _ent("Haider al-Abadi", "PERSON"),
        _ent("Ramadi", "GPE"),
        _ent("Monday", "DATE"),  # not one of ours: dropped
        _ent("Abadi", "PERSON", 2),  # the bare surname: a different text, another entity
        _ent("Iraqi", "NORP"),
        _ent("Anbar", "LOC"),
    ]
    ann = ev.from_spacy_entities(ents)
    assert ann.quotes == []
    by_name = {e.name: e for e in ann.entities}
    assert list(by_name) == ["Haider al-Abadi", "Ramadi", "Abadi", "Iraqi", "Anbar"]
    assert len({e.id for e in ann.entities}) == len(ann.entities)
    assert all(not e.roles for e in ann.entities)
    ramadi = by_name["Ramadi"]
    assert (ramadi.type, ramadi.kind) == ("location", "city")
    assert [(m.start, m.end) for m in ramadi.mentions] == [
        _ent("Ramadi", "GPE")[:2],
        _ent("Ramadi", "GPE", 2)[:2],
    ]
    assert all(m.text == "Ramadi" and m.form == "name" for m in ramadi.mentions)
    assert (by_name["Haider al-Abadi"].type, by_name["Haider al-Abadi"].kind) == ("actor", "person")
    assert (by_name["Iraqi"].type, by_name["Iraqi"].kind) == ("actor", "people")
    assert (by_name["Anbar"].type, by_name["Anbar"].kind) == ("location", "region")


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("PERSON", ("actor", "person")),
        ("NORP", ("actor", "people")),
        ("ORG", ("actor", "organisation")),
        ("GPE", ("location", "city")),
        ("LOC", ("location", "region")),
        ("FAC", ("location", "facility")),
    ],
)
def test_label_mapping(label: str, expected: tuple[str, str]) -> None:
    (entity,) = ev.from_spacy_entities([(0, 6, label, "Haider")]).entities
    assert (entity.type, entity.kind) == expected


@pytest.mark.parametrize("label", ["DATE", "CARDINAL", "EVENT", "WORK_OF_ART", "PRODUCT"])
def test_other_labels_are_ignored(label: str) -> None:
    assert ev.from_spacy_entities([(0, 6, label, "Haider")]).entities == []


def test_a_text_with_several_labels_takes_the_most_frequent_one() -> None:
    ents = [(0, 5, "ORG", "Anbar"), (10, 15, "GPE", "Anbar"), (20, 25, "GPE", "Anbar")]
    (entity,) = ev.from_spacy_entities(ents).entities
    assert (entity.type, entity.kind, len(entity.mentions)) == ("location", "city", 3)
    # a tie goes to the label seen first in the text
    (tied,) = ev.from_spacy_entities([(10, 15, "GPE", "Anbar"), (0, 5, "ORG", "Anbar")]).entities
    assert tied.kind == "organisation"


def test_the_baseline_is_scored_like_any_prediction() -> None:
    gold = ev.Annotation(
        entities=[
            ev.Entity(
                "abadi",
                "Haider al-Abadi",
                "actor",
                "person",
                [
                    ev.Mention(*_ent("Haider al-Abadi", "PERSON")[:2], "Haider al-Abadi"),
                    ev.Mention(*_ent("Abadi", "PERSON", 2)[:2], "Abadi"),
                ],
            ),
            ev.Entity(
                "ramadi",
                "Ramadi",
                "location",
                "city",
                [
                    ev.Mention(*_ent("Ramadi", "GPE")[:2], "Ramadi"),
                    ev.Mention(*_ent("Ramadi", "GPE", 2)[:2], "Ramadi"),
                ],
            ),
        ],
        quotes=[],
    )
    pred = ev.from_spacy_entities(
        [
            _ent("Haider al-Abadi", "PERSON"),
            _ent("Abadi", "PERSON", 2),
            _ent("Ramadi", "GPE"),
            _ent("Ramadi", "GPE", 2),
        ]
    )
    m = ev.evaluate(gold, pred).metrics
    assert m["mention_exact_f1"] == 1.0
    # Abadi is split over two predicted entities, so one gold entity is matched twice over
    assert m["entity_p"] == pytest.approx(2 / 3) and m["entity_r"] == 1.0
    assert m["type_accuracy"] == 1.0
    assert m["bcubed_r"] == pytest.approx(3 / 4) and m["bcubed_p"] == 1.0


def test_the_comparison_table_puts_both_side_by_side() -> None:
    keys = [key for _, key in ev.COMPARISON_KEYS]
    system = {"a": dict.fromkeys(keys, 0.8), "b": dict.fromkeys(keys, 0.6)}
    baseline = {"a": dict.fromkeys(keys, 0.4), "b": dict.fromkeys(keys, 0.2)}
    table = ev.format_comparison(system, baseline)
    lines = table.splitlines()
    row_a = next(line for line in lines if line.split()[:1] == ["a"])
    assert row_a.split()[1:] == ["0.800", "0.400"] * len(keys)
    macro = next(line for line in lines if line.split()[:1] == ["macro"])
    assert macro.split()[1:] == ["0.700", "0.300"] * len(keys)
    ratio = next(line for line in lines if line.lstrip().startswith("ratio"))
    assert ratio.split()[2:] == ["2.33"] * len(keys)
    # a zero baseline gives no ratio rather than a division error
    zero = {"a": dict.fromkeys(keys, 0.0)}
    assert "-" in ev.format_comparison({"a": system["a"]}, zero).splitlines()[-1]
