"""The pipeline: the model, the knowledge ruler before ``ner``, and the phrase-token cache."""

import json
from pathlib import Path

import pytest
from spacy.language import Language

from app.nlp.pipeline import CACHE_PREFIX, load_model, phrase_tokens

PHRASES = ["Islamic State", "Da'esh", "U.S.-led coalition", "al-Hashd al-Shaabi"]


@pytest.fixture(scope="module")
def model() -> Language:
    return load_model()


def split(model: Language, texts: list[str]) -> list[list[str]]:
    return [[t.text for t in model.make_doc(text)] for text in texts]


def test_the_ruler_runs_before_ner(nlp: Language) -> None:
    names = nlp.pipe_names
    assert names.index("knowledge_ruler") == names.index("ner") - 1


def test_phrase_tokens_are_the_tokenizers_and_come_back_from_the_cache(
    model: Language, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert phrase_tokens(model, PHRASES, tmp_path) == split(model, PHRASES)
    assert len(list(tmp_path.glob(f"{CACHE_PREFIX}*.json"))) == 1

    def no_tokenizer(text: str) -> None:
        raise AssertionError("tokenized again")

    monkeypatch.setattr(model, "make_doc", no_tokenizer)
    assert phrase_tokens(model, PHRASES, tmp_path) == split_saved(tmp_path)


def split_saved(folder: Path) -> list[list[str]]:
    (path,) = folder.glob(f"{CACHE_PREFIX}*.json")
    return json.loads(path.read_text(encoding="utf-8"))


def test_changed_phrases_make_a_new_cache_and_the_old_one_goes(
    model: Language, tmp_path: Path
) -> None:
    phrase_tokens(model, PHRASES, tmp_path)
    (first,) = tmp_path.glob(f"{CACHE_PREFIX}*.json")
    changed = [*PHRASES, "Kata'ib Hezbollah"]
    assert phrase_tokens(model, changed, tmp_path) == split(model, changed)
    (second,) = tmp_path.glob(f"{CACHE_PREFIX}*.json")
    assert second != first


def test_a_broken_cache_is_computed_again(model: Language, tmp_path: Path) -> None:
    phrase_tokens(model, PHRASES, tmp_path)
    (path,) = tmp_path.glob(f"{CACHE_PREFIX}*.json")
    for broken in ('[["Islamic", "St', "[]", '{"a": 1}', '[[], [], [], []]'):
        path.write_text(broken, encoding="utf-8")
        assert phrase_tokens(model, PHRASES, tmp_path) == split(model, PHRASES)
        assert split_saved(tmp_path) == split(model, PHRASES)


def test_no_writable_cache_still_gives_the_tokens(model: Language, tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    assert phrase_tokens(model, PHRASES, blocked / "cache") == split(model, PHRASES)
    assert list(tmp_path.iterdir()) == [blocked]
