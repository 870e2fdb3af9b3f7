from app.nlp.normalise import normalise_text, slugify, title_from_lede


def test_paragraphs_split_on_blank_lines_and_single_newlines_become_spaces() -> None:
    doc = normalise_text("First line\ncontinues here.\n\n\nSecond paragraph.\n")
    assert doc.text == "First line continues here.\n\nSecond paragraph."
    assert [(p.start, p.end) for p in doc.paragraphs] == [(0, 26), (28, 45)]


def test_hyphen_at_line_end_joins_the_word() -> None:
    doc = normalise_text("A convoy from the al-\nTaqaddum air base arrived.")
    assert "al-Taqaddum air base" in doc.text


def test_typographic_characters_are_kept() -> None:
    raw = "“It’s over,” he said \u2014 at 1:30\u00a0p.m."
    assert normalise_text(raw).text == raw


def test_caption_related_and_boilerplate_are_classified() -> None:
    raw = (
        "Fighters gather near Mosul. (John Doe/Reuters)\n\n"
        "The body of the report.\n\nA second paragraph.\n\n"
        "Read more:\n\nFirst related headline\n\nSecond related headline\n\n"
        "Today’s coverage from Post correspondents around the world"
    )
    kinds = [p.kind for p in normalise_text(raw).paragraphs]
    assert kinds == ["caption", "body", "body", "related", "related", "related", "boilerplate"]


def test_first_paragraph_without_credit_is_body() -> None:
    doc = normalise_text("Fighters gathered near Mosul on Monday.\n\nMore text.")
    assert [p.kind for p in doc.paragraphs] == ["body", "body"]


def test_offsets_point_into_the_text() -> None:
    doc = normalise_text("One.\n\nTwo words.\n\nThree")
    assert [doc.text[p.start : p.end] for p in doc.paragraphs] == ["One.", "Two words.", "Three"]


def test_title_is_the_ledes_first_clause() -> None:
    doc = normalise_text(
        "Photo caption. (A B/AP)\n\nThe rebels seized the town of Hit on Monday as "
        "soldiers fled, officials said."
    )
    assert title_from_lede(doc) == "The rebels seized the town of Hit on Monday"


def test_slugify() -> None:
    assert slugify("The Fall of Ramadi — 2015!") == "the-fall-of-ramadi-2015"
    assert slugify("“”") == "article"


def test_a_byline_at_the_top_is_not_body() -> None:
    doc = normalise_text("By Jane Doe and Ali Hassan\n\nFighting resumed in Taiz on Monday.")
    assert [p.kind for p in doc.paragraphs] == ["boilerplate", "body"]
    assert normalise_text("By dawn, fighting had resumed.\n\nMore.").paragraphs[0].kind == "body"
