"""The HTML pages, without a browser: markup contract, escaping, permalinks, selectors, CSP."""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from app.nlp.normalise import normalise_text
from app.settings import Settings
from app.web.anchor import PassageSelector
from tests.web.conftest import SAMPLE

HTML = {"Accept": "text/html,application/xhtml+xml"}
VOID = {"meta", "link", "input", "br", "img", "hr", "source", "wbr", "area", "base", "col"}


# ---------------------------------------------------------------- a tiny DOM for assertions


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    parent: "Node | None" = None
    children: list["Node | str"] = field(default_factory=list)

    def ancestors(self) -> list["Node"]:
        out, node = [], self.parent
        while node is not None:
            out.append(node)
            node = node.parent
        return out

    def iter(self) -> "list[Node]":
        out: list[Node] = []
        for c in self.children:
            if isinstance(c, Node):
                out.append(c)
                out.extend(c.iter())
        return out

    def text(self, skip_offset_skip: bool = False) -> str:
        parts = []
        for c in self.children:
            if isinstance(c, str):
                parts.append(c)
            elif not (skip_offset_skip and "data-offset-skip" in c.attrs):
                parts.append(c.text(skip_offset_skip))
        return "".join(parts)

    def find_all(self, tag: str | None = None, **attrs: str | None) -> "list[Node]":
        def ok(n: Node) -> bool:
            if tag and n.tag != tag:
                return False
            for k, v in attrs.items():
                k = k.replace("_", "-")
                if v is None and k not in n.attrs:
                    return False
                if v is not None and n.attrs.get(k) != v:
                    return False
            return True

        return [n for n in self.iter() if ok(n)]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def dom(html: str) -> Node:
    builder = _Builder()
    builder.feed(html)
    return builder.root


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def sample(client: TestClient, store_article) -> TestClient:  # type: ignore[no-untyped-def]
    store_article(SAMPLE, "sample")
    return client


def sample_text() -> str:
    return normalise_text(SAMPLE).text


def entities(client: TestClient, slug: str = "sample") -> list[dict]:  # type: ignore[type-arg]
    return client.get(f"/api/articles/{slug}/entities").json()


def quotes(client: TestClient, slug: str = "sample") -> list[dict]:  # type: ignore[type-arg]
    return client.get(f"/api/articles/{slug}/quotes").json()


def marked_text(html: str) -> list[str]:
    """Text of each outermost element marked data-quote-selected, per paragraph."""
    root = dom(html)
    pieces = [n for n in root.find_all(data_quote_selected=None)
              if not any("data-quote-selected" in a.attrs for a in n.ancestors())]
    return [p.text(skip_offset_skip=True) for p in pieces]


# ---------------------------------------------------------------- the article page


def test_every_mention_is_a_mark_inside_a_link_to_its_entity(ramadi_client: TestClient) -> None:
    page = ramadi_client.get("/articles/ramadi")
    assert page.status_code == 200
    root = dom(page.text)
    marks = {n.attrs["id"]: n for n in root.find_all("mark")}
    count = 0
    for entity in entities(ramadi_client, "ramadi"):
        for m in entity["mentions"]:
            mark = marks[f"m-{m['id']}"]
            assert mark.attrs["data-entity-id"] == str(entity["id"])
            assert mark.attrs["data-type"] == m["type"]  # the mention's own type
            if entity["type"] != "location":
                assert m["type"] == entity["type"]  # only a place may act as an actor
            links = [a for a in mark.ancestors() if a.tag == "a"]
            assert len(links) == 1, "links never nest"
            if not any(a.tag == "mark" for a in mark.ancestors()):
                assert links[0].attrs["href"] == f"/articles/ramadi/entities/{entity['id']}"
            count += 1
    assert count == len(marks) > 20


def test_nested_mention_is_a_mark_inside_the_outer_link(sample: TestClient) -> None:
    root = dom(sample.get("/articles/sample").text)
    by_name = {e["name"]: e for e in entities(sample)}
    force = by_name["Ramadi police"]["mentions"][0]
    outer = root.find_all("mark", id=f"m-{force['id']}")[0]
    inner = [n for n in outer.find_all("mark")]
    assert len(inner) == 1
    assert inner[0].attrs["data-type"] == "location"
    assert inner[0].attrs["data-entity-id"] == str(by_name["Ramadi"]["id"])
    link = outer.parent
    assert link is not None and link.tag == "a"
    assert link.attrs["href"] == f"/articles/sample/entities/{by_name['Ramadi police']['id']}"
    assert not [n for n in outer.iter() if n.tag == "a"]


def test_type_is_announced_by_more_than_colour(sample: TestClient) -> None:
    root = dom(sample.get("/articles/sample").text)
    css = sample.get("/static/css/reader.css").text
    for mark in root.find_all("mark"):
        # The type is the ::after glyph's alternative text (see the browser test), not page text.
        assert mark.attrs["data-type"] in {"actor", "unit", "location"}
        assert f'--type-alt: " ({mark.attrs["data-type"]})"' in css
    assert "mark.mention::after { content: var(--type-glyph) / var(--type-alt); }" in css
    assert not root.find_all("span", **{"class": "sr-only", "data-offset-skip": None})
    legend = root.find_all("fieldset", id="legend")[0]
    boxes = legend.find_all("input", type="checkbox")
    assert {b.attrs["value"] for b in boxes} == {"actor", "unit", "location"}
    for box in boxes:
        assert root.find_all("label", **{"for": box.attrs["id"]})


def test_paragraph_offsets_match_the_article_text(sample: TestClient) -> None:
    text = sample.get("/api/articles/sample").json()["text"]
    root = dom(sample.get("/articles/sample").text)
    blocks = root.find_all(data_start=None)
    assert len(blocks) == len(sample.get("/api/articles/sample").json()["paragraphs"])
    for block in blocks:
        start, end = int(block.attrs["data-start"]), int(block.attrs["data-end"])
        assert block.text(skip_offset_skip=True) == text[start:end]


def test_text_and_title_are_escaped_everywhere(sample: TestClient) -> None:
    qs = quotes(sample)
    ents = entities(sample)
    urls = ["/articles/sample", "/articles/sample/quotes", f"/articles/sample/quotes/{qs[0]['id']}",
            *(f"/articles/sample/entities/{e['id']}" for e in ents)]
    for url in urls:
        body = sample.get(url).text
        assert "<script>alert" not in body, url
    article = sample.get("/articles/sample").text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in article
    assert 'Baghdad</mark></a> &amp; <a class="mention-link"' in article
    # The embedded JSON cannot close its script element.
    data = re.search(r'<script type="application/json" id="reader-data">(.*?)</script>',
                     article, re.S)
    assert data and "</script" not in data.group(1).lower() and "\\u003cscript" in data.group(1)


def test_escapes_a_hostile_title(store_article, client: TestClient) -> None:  # type: ignore[no-untyped-def]
    store_article(SAMPLE, "hostile", title='Fall of "Ramadi" <img src=x onerror=alert(1)> & more')
    body = client.get("/articles/hostile").text
    assert "<img src=x" not in body
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; more" in body


def test_article_page_lists_entities_by_type_with_counts(sample: TestClient) -> None:
    root = dom(sample.get("/articles/sample").text)
    index = root.find_all("nav", id="entity-index")[0]
    links = {a.attrs["data-entity-id"]: a for a in index.find_all("a")}
    for e in entities(sample):
        link = links[str(e["id"])]
        assert link.attrs["href"] == f"/articles/sample/entities/{e['id']}"
        assert str(len(e["mentions"])) in link.text()


# ---------------------------------------------------------------- quotes and permalinks


def test_quotes_page_groups_by_speaker(sample: TestClient) -> None:
    page = sample.get("/articles/sample/quotes")
    root = dom(page.text)
    groups = root.find_all("section", **{"class": "speaker-group"})
    headings = [g.find_all("h2")[0] for g in groups]
    names = [h.text().split()[0:2] for h in headings]
    assert ["Sam", "Rivers"] in names and ["a", "resident"] in names
    by_id = {q["id"]: q for q in quotes(sample)}
    for group in groups:
        for link in group.find_all("a"):
            href = link.attrs["href"]
            if "/quotes/" in href:
                q = by_id[href.rsplit("/", 1)[1]]
                assert q["text"] in link.text()
    named = next(h for h in headings if "Sam Rivers" in h.text())
    assert named.find_all("a")[0].attrs["href"].startswith("/articles/sample/entities/")
    anonymous = next(h for h in headings if "a resident" in h.text())
    assert not anonymous.find_all("a")


def test_quote_page_has_share_metadata_and_context(sample: TestClient, settings: Settings
                                                   ) -> None:
    q = next(q for q in quotes(sample) if q["speaker_name"] == "Sam Rivers")
    page = sample.get(f"/articles/sample/quotes/{q['id']}")
    assert page.status_code == 200
    root = dom(page.text)
    # From PUBLIC_URL, not from the request's Host (the test client sends "testserver").
    absolute = f"{settings.public_url}/articles/sample/quotes/{q['id']}"
    meta = {m.attrs.get("property") or m.attrs.get("name"): m.attrs.get("content")
            for m in root.find_all("meta")}
    assert root.find_all("link", rel="canonical")[0].attrs["href"] == absolute
    assert meta["og:url"] == absolute
    assert meta["og:type"] == "article"
    assert q["text"] in meta["og:description"]
    assert "Sam Rivers" in meta["og:title"]
    assert meta["twitter:card"] in {"summary", "summary_large_image"}
    field_ = root.find_all("input", id="permalink")[0]
    assert "readonly" in field_.attrs and field_.attrs["value"] == absolute
    assert root.find_all("label", **{"for": "permalink"})[0].text() == "Permalink"
    context = [a for a in root.find_all("a") if a.text() == "Read in context"][0]
    assert context.attrs["href"] == f"/articles/sample?quote={q['id']}#q-{q['id']}"
    speaker = [a for a in root.find_all("a") if a.text() == "Sam Rivers"][0]
    assert speaker.attrs["href"] == f"/articles/sample/entities/{q['speaker_id']}"
    assert "Officials in Baghdad" not in page.text  # the paragraph around it, not the article
    assert "Rivers spoke by telephone." in page.text
    fragment = [a for a in root.find_all("a") if a.text() == "Text-fragment link"][0]
    assert fragment.attrs["href"].startswith("/articles/sample#:~:text=")
    assert "We%20will%20hold%20the%20bridge" in fragment.attrs["href"]


def test_anonymous_quote_page_shows_the_description(sample: TestClient) -> None:
    q = next(q for q in quotes(sample) if q["speaker_id"] is None)
    page = sample.get(f"/articles/sample/quotes/{q['id']}")
    assert "a resident" in page.text


def test_read_in_context_marks_the_quote_server_side(sample: TestClient) -> None:
    q = quotes(sample)[0]
    page = sample.get(f"/articles/sample?quote={q['id']}")
    root = dom(page.text)
    selected = root.find_all(data_quote_selected=None)
    assert [n.attrs.get("id") for n in selected] == [f"q-{q['id']}"]
    assert selected[0].text(skip_offset_skip=True) == q["text"]
    assert root.find_all(role="status")


def test_unknown_quote_in_context_shows_a_notice(sample: TestClient) -> None:
    page = sample.get("/articles/sample?quote=qnope")
    assert page.status_code == 200
    notice = dom(page.text).find_all(role="status")[0]
    assert "no longer in the article" in notice.text()


# ---------------------------------------------------------------- passage selectors (no JS)


def passage_url(text: str, start: int, end: int) -> str:
    return f"/articles/sample?{PassageSelector.for_range(text, start, end).to_query()}#passage"


def test_selector_marks_a_passage_across_mentions_and_paragraphs(sample: TestClient) -> None:
    text = sample_text()
    start = text.index("police force.")
    end = text.index("the bridge") + len("the bridge")
    page = sample.get(passage_url(text, start, end))
    assert page.status_code == 200
    pieces = marked_text(page.text)
    assert len(pieces) > 2
    joined = "".join(pieces)
    assert joined == text[start:end].replace("\n\n", "")
    root = dom(page.text)
    assert len(root.find_all(id="passage")) == 1
    assert "Showing a shared passage." in root.find_all(role="status")[0].text()


def test_selector_survives_a_revision(sample: TestClient, store_article) -> None:  # type: ignore[no-untyped-def]
    text = sample_text()
    start = text.index("Officials in Baghdad")
    end = text.index("figures.") + len("figures.")
    url = passage_url(text, start, end)
    assert "".join(marked_text(sample.get(url).text)) == text[start:end]
    revised = SAMPLE.replace("Security forces retreated", "A new sentence came first. Security "
                             "forces retreated").replace("Rivers said.", "Rivers said again.")
    outcome = store_article(revised, "sample")
    assert outcome.status == "revised"
    page = sample.get(url)
    assert page.status_code == 200
    assert "".join(marked_text(page.text)) == text[start:end]


def test_selector_disambiguates_repeated_text_by_context(sample: TestClient) -> None:
    text = sample_text()
    second = text.index("Rivers said")  # "Rivers" occurs three times
    page = sample.get(passage_url(text, second, second + len("Rivers")))
    root = dom(page.text)
    passage = root.find_all(id="passage")[0]
    assert passage.text() == "Rivers"
    mark = next(a for a in passage.ancestors() if a.tag == "mark")
    mention_ids = [m["id"] for e in entities(sample) for m in e["mentions"]
                   if m["start"] == second]
    assert mark.attrs["id"] == f"m-{mention_ids[0]}"


def test_selector_finds_a_lightly_edited_passage(sample: TestClient, store_article) -> None:  # type: ignore[no-untyped-def]
    text = sample_text()
    start = text.index("A resident said")
    url = passage_url(text, start, start + len("A resident said the city was quiet."))
    store_article(SAMPLE.replace("the city was quiet", "the city was very quiet"), "sample")
    page = sample.get(url)
    assert "".join(marked_text(page.text)) == "A resident said the city was very quiet."
    assert "closest match" in dom(page.text).find_all(role="status")[0].text()


def test_vanished_passage_shows_a_notice(sample: TestClient, store_article) -> None:  # type: ignore[no-untyped-def]
    text = sample_text()
    start = text.index("Rivers spoke by telephone.")
    url = passage_url(text, start, start + len("Rivers spoke by telephone."))
    store_article(SAMPLE.replace(" Rivers spoke by telephone.", ""), "sample")
    page = sample.get(url, headers=HTML)
    assert page.status_code == 200
    assert not marked_text(page.text)
    notice = dom(page.text).find_all(role="status")[0]
    assert "no longer in the article" in notice.text()


@pytest.mark.parametrize(
    "query",
    [
        "exact=",
        "exact=%20%20",
        "prefix=abc",
        "start=10&end=5",
        "exact=" + "x" * 6000,
        "exact=Rivers&prefix=" + "y" * 500,
        "exact=%ZZ%00%FF&start=-4&end=abc",
        "exact=Rivers&start=99999999999999999999&end=1e9",
        "quote=" + quote("<script>"),
    ],
)
def test_garbled_selectors_never_fail(sample: TestClient, query: str) -> None:
    page = sample.get(f"/articles/sample?{query}", headers=HTML)
    assert page.status_code in (200, 422)
    assert "<script>" not in page.text.replace('<script type="module"', "").replace(
        '<script type="application/json"', "")


def test_a_position_only_hint_is_ignored_when_broken(sample: TestClient) -> None:
    page = sample.get("/articles/sample?exact=Rivers%20spoke&start=abc&end=1")
    assert marked_text(page.text) == ["Rivers", " spoke"]


# ---------------------------------------------------------------- entity pages


def test_entity_page_roles_contexts_quotes_and_co_mentions(sample: TestClient) -> None:
    by_name = {e["name"]: e for e in entities(sample)}
    rivers, police = by_name["Sam Rivers"], by_name["Ramadi police"]
    page = sample.get(f"/articles/sample/entities/{rivers['id']}")
    root = dom(page.text)
    assert root.find_all("h1")[0].text() == "Sam Rivers"
    hrefs = [a.attrs["href"] for a in root.find_all("a")]
    assert f"/articles/sample/entities/{police['id']}" in hrefs
    role_links = [h for h in hrefs if h.startswith("/articles/sample?exact=")]
    assert role_links
    follow = sample.get(role_links[0])
    assert "".join(marked_text(follow.text)).startswith("Security forces retreated")
    for m in rivers["mentions"]:
        assert f"/articles/sample#m-{m['id']}" in hrefs
    assert any("/articles/sample/quotes/" in h for h in hrefs)
    assert "Rivers" in " ".join(a.text() for a in root.find_all("span", **{"class": "alias"}))
    related = page.text.split('id="related-title"')[1]
    assert "Ramadi police" in related
    # The organisation's page lists who holds a role in it.
    org = sample.get(f"/articles/sample/entities/{police['id']}").text
    assert f"/articles/sample/entities/{rivers['id']}" in org


# ---------------------------------------------------------------- errors, JSON, CSP


def test_unknown_pages_are_html_404_for_browsers(sample: TestClient) -> None:
    for url in ("/articles/nope", "/articles/sample/entities/999999",
                "/articles/sample/entities/abc", "/articles/sample/quotes/qnope",
                "/articles/nope/quotes"):
        page = sample.get(url, headers=HTML)
        assert page.status_code == 404, url
        assert page.headers["content-type"].startswith("text/html")
        assert "Not found" in page.text
    api = sample.get("/api/articles/nope", headers={"Accept": "application/json"})
    assert api.status_code == 404 and "detail" in api.json()


def test_sentences_api(sample: TestClient) -> None:
    text = sample_text()
    sentences = sample.get("/api/articles/sample/sentences").json()
    assert sentences and all(text[s["start"] : s["end"]] == s["text"] for s in sentences)
    assert sample.get("/api/articles/nope/sentences").status_code == 404


def test_annotations_are_web_annotation_json_ld(sample: TestClient, settings: Settings) -> None:
    response = sample.get("/api/articles/sample/annotations")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    doc = response.json()
    assert doc["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert doc["type"] == "AnnotationCollection"
    page = doc["first"]
    assert page["type"] == "AnnotationPage"
    items = page["items"]
    n_mentions = sum(len(e["mentions"]) for e in entities(sample))
    assert doc["total"] == len(items) == n_mentions + len(quotes(sample))
    text = sample_text()
    for item in items:
        assert item["type"] == "Annotation"
        target = item["target"]
        assert target["source"]["id"] == f"{settings.public_url}/articles/sample"
        quote_sel, position = target["selector"]
        assert quote_sel["type"] == "TextQuoteSelector"
        assert position["type"] == "TextPositionSelector"
        assert text[position["start"] : position["end"]] == quote_sel["exact"]
        assert text[: position["start"]].endswith(quote_sel["prefix"])
        assert text[position["end"] :].startswith(quote_sel["suffix"])
        assert item["body"]
    linked = {b["source"]["id"] for item in items for b in item["body"] if "source" in b}
    rivers = next(e for e in entities(sample) if e["name"] == "Sam Rivers")
    assert f"{settings.public_url}/articles/sample/entities/{rivers['id']}" in linked
    assert any(b.get("value") == "Said by a resident" for item in items for b in item["body"])


def _all_pages(client: TestClient) -> list[str]:
    qs = quotes(client)
    text = sample_text()
    return [
        "/", "/articles/sample", "/articles/sample/quotes",
        f"/articles/sample/quotes/{qs[0]['id']}", f"/articles/sample?quote={qs[0]['id']}",
        passage_url(text, 10, 60), "/articles/sample?exact=gone%20for%20good%20now",
        *(f"/articles/sample/entities/{e['id']}" for e in entities(client)),
        "/articles/nope",
    ]


def test_csp_header_and_no_inline_script_style_or_handlers(sample: TestClient) -> None:
    for url in _all_pages(sample):
        page = sample.get(url, headers=HTML)
        csp = page.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp, url
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        root = dom(page.text)
        for script in root.find_all("script"):
            if script.attrs.get("type") == "application/json":
                continue
            assert script.attrs.get("src", "").startswith("/static/js/"), url
            assert not script.text().strip(), url
        for node in root.iter():
            assert "style" not in node.attrs, (url, node.tag)
            assert not [a for a in node.attrs if a.startswith("on")], (url, node.tag, node.attrs)
        assert not root.find_all("style"), url
        assert page.headers["content-type"].startswith("text/html")


def test_pages_have_landmarks_and_one_h1(sample: TestClient) -> None:
    for url in _all_pages(sample):
        root = dom(sample.get(url, headers=HTML).text)
        assert len(root.find_all("main")) == 1, url
        assert len(root.find_all("h1")) == 1, url
        assert root.find_all("a", **{"class": "skip-link"})[0].attrs["href"] == "#main"
        assert root.find_all("html")[0].attrs["lang"] == "en"


def test_static_modules_are_served(client: TestClient) -> None:
    for name in ("reader.js", "share.js", "anchor.js", "offsets.js", "copy.js", "toggles.js"):
        response = client.get(f"/static/js/{name}")
        assert response.status_code == 200, name
        assert "javascript" in response.headers["content-type"]


# ---------------------------------------------------------------- names for assistive technology


def _spoken(node: Node) -> str:
    """Text content as a screen reader gets it: aria-hidden parts left out, spaces collapsed."""

    def raw(n: Node) -> str:
        return "".join(c if isinstance(c, str) else raw(c) for c in n.children
                       if isinstance(c, str) or c.attrs.get("aria-hidden") != "true")

    return " ".join(raw(node).split())


def test_repeated_links_and_bare_numbers_carry_hidden_context(sample: TestClient) -> None:
    article = dom(sample.get("/articles/sample").text)
    skips = article.find_all("a", **{"class": "skip-link"})
    assert [s.attrs["href"] for s in skips] == ["#main", "#entity-index"]
    assert article.find_all("nav", id="entity-index")[0].attrs["tabindex"] == "-1"
    for key, name in (("p", "Previous mention"), ("n", "Next mention")):
        button = article.find_all("button", **{"aria-keyshortcuts": key})[0]
        assert _spoken(button) == name
    # "Actors 2" in the index headings says what the number counts.
    heads = [h for h in article.find_all("h3") if h.attrs.get("id", "").startswith("index-")]
    assert heads and all(re.search(r" \d+ names?$", _spoken(h)) for h in heads)
    # The floating share button is never counted as article text.
    assert "data-offset-skip" in article.find_all("button", id="share-button")[0].attrs

    quotes_page = dom(sample.get("/articles/sample/quotes").text)
    groups = quotes_page.find_all("section", **{"class": "speaker-group"})
    counted = [_spoken(g.find_all("h2")[0]) for g in groups if g.attrs.get("aria-labelledby",
                                                                           "").startswith("speaker")]
    assert counted and all(re.search(r" \d+ quotes?$", c) for c in counted), counted

    index = dom(sample.get("/").text)
    link = next(a for a in index.find_all("a") if a.attrs.get("href") == "/articles/sample/quotes")
    assert re.match(r"\d+ quotes? in “", _spoken(link)), _spoken(link)

    by_name = {e["name"]: e for e in entities(sample)}
    police = dom(sample.get(f"/articles/sample/entities/{by_name['Ramadi police']['id']}").text)
    says = [_spoken(a) for a in police.find_all("a") if a.text().startswith("Where the article")]
    assert says and all(s.startswith("Where the article says so: Sam Rivers, ") for s in says)


def test_error_pages_have_a_descriptive_title(sample: TestClient) -> None:
    page = dom(sample.get("/articles/nope", headers=HTML).text)
    assert page.find_all("title")[0].text().startswith("Not found (error 404) — ")


def test_tentative_mentions_are_marked_and_said_uncertain(ramadi_client: TestClient) -> None:
    from app.web.render import TENTATIVE_BELOW

    page = dom(ramadi_client.get("/articles/ramadi").text)
    low = {m["id"] for e in entities(ramadi_client, "ramadi") for m in e["mentions"]
           if m["confidence"] is not None and m["confidence"] < TENTATIVE_BELOW}
    marks = {n.attrs["id"]: n for n in page.find_all("mark")}
    assert low, "the calibrated table gives some mentions a low confidence"
    for mention_id, mark in marks.items():
        tentative = int(mention_id[2:]) in low
        assert ("data-tentative" in mark.attrs) == tentative
        assert ("uncertain" in mark.attrs["title"]) == tentative


def test_entity_page_says_how_each_fact_was_found(ramadi_client: TestClient) -> None:
    entity = next(e for e in entities(ramadi_client, "ramadi") if e["roles"])
    text = ramadi_client.get(f"/articles/ramadi/entities/{entity['id']}").text
    assert "Found " in text and "confidence" in text
