"""The fast attribute ruler sets what the model's own attribute ruler sets."""

from pathlib import Path

import pytest
from spacy.language import Language

from app.nlp.attribute_rules import speed_up_attribute_ruler
from app.nlp.normalise import normalise_text
from app.nlp.pipeline import load_model
from app.settings import BUNDLED_ARTICLE

EVAL_DIR = Path(__file__).resolve().parents[1] / "eval"


@pytest.fixture(scope="module")
def models() -> tuple[Language, Language]:
    fast = load_model()
    speed_up_attribute_ruler(fast)
    return load_model(), fast


def paragraphs() -> list[str]:
    found = []
    for path in [*sorted(EVAL_DIR.glob("*.txt")), BUNDLED_ARTICLE]:
        normalised = normalise_text(path.read_text(encoding="utf-8"))
        found += [normalised.text[p.start : p.end] for p in normalised.paragraphs]
    return found


def annotations(nlp: Language, texts: list[str]) -> list[list[tuple[str, ...]]]:
    return [
        [(t.text, t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_, t.ent_type_) for t in doc]
        for doc in nlp.pipe(texts)
    ]


def test_the_fast_ruler_replaces_the_models(models: tuple[Language, Language]) -> None:
    spacy_model, fast = models
    assert fast.pipe_names == spacy_model.pipe_names
    assert type(fast.get_pipe("attribute_ruler")).__name__ == "FastAttributeRuler"


def test_every_eval_paragraph_gets_the_same_attributes(
    models: tuple[Language, Language]
) -> None:
    spacy_model, fast = models
    texts = paragraphs()
    expected = annotations(spacy_model, texts)
    assert annotations(fast, texts) == expected
    assert sum(len(doc) for doc in expected) > 5_000  # every eval text's tokens


@pytest.mark.parametrize(
    "text",
    [
        "They ain't gonna let 's go.",  # two-token rules and a regex
        "It 's done\n\n and  then it was n't.",  # spaces: tokens of their own
        "Gotta go, wanna see the U.S.-led coalition's 3rd Brigade?",
    ],
)
def test_rules_of_several_tokens_and_spaces(
    models: tuple[Language, Language], text: str
) -> None:
    spacy_model, fast = models
    assert annotations(fast, [text]) == annotations(spacy_model, [text])
