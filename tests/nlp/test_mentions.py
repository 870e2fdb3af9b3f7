"""Names the model mislabels, corrected by the words around them (app/nlp/mentions.py).
Sentences of our own."""

from typing import TYPE_CHECKING

import pytest

from app.nlp.extract import extract
from app.nlp.normalise import normalise_text

if TYPE_CHECKING:
    from spacy.language import Language


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Gunmen attacked a market 40 kilometers northeast of Gubio, residents said.", "Gubio"),
        ("Jets hit a depot near Malam Fatori overnight.", "Malam Fatori"),
    ],
)
def test_a_name_placed_by_near_or_a_direction_of_is_a_place(
    nlp: "Language", text: str, name: str
) -> None:
    x = extract(nlp, normalise_text(text))
    (entity,) = [e for e in x.entities if e.name == name]
    assert (entity.type, entity.kind) == ("location", "city")
