"""One table of head words answers what a name is, wherever a rule reads a name's head."""

from typing import TYPE_CHECKING

import pytest

from app.nlp.extract import extract
from app.nlp.normalise import normalise_text

if TYPE_CHECKING:
    from spacy.language import Language


@pytest.mark.parametrize(
    ("text", "name", "kind"),
    [
        ("Fighters of Jaish al-Nasr Wal-Karama clashed with troops near Hama.",
         "Jaish al-Nasr Wal-Karama", "armed group"),
        ("A statement from the Sinjar Liberation Front said two men were killed.",
         "Sinjar Liberation Front", "armed group"),
        ("Daniel Ruiz, a spokesman for the Department of State, declined to comment.",
         "Department of State", "government"),
        ("The Qadisiyah Brigades said they had taken the bridge near Baiji.",
         "Qadisiyah Brigades", "militia formation"),
    ],
)
def test_a_names_words_say_what_it_is(nlp: "Language", text: str, name: str, kind: str) -> None:
    x = extract(nlp, normalise_text(text))
    found = next((e for e in x.entities if any(m.text == name for m in e.mentions)), None)
    assert found is not None, [m.text for e in x.entities for m in e.mentions]
    assert found.kind == kind
