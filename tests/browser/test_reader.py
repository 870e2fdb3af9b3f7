"""The reader in real headless Chromium: entity selection, n/p, Esc, #m- links, the no-JS
path, quote permalinks, sharing a selected passage (and re-finding it after a revision), and
an axe-core accessibility audit."""

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"


def api(server: LiveServer, path: str) -> Any:
    return httpx.get(server.url(path)).json()


def walkable_entity(server: LiveServer, page: Any, slug: str = "ramadi") -> dict[str, Any]:
    """An entity with 3+ mentions none of which holds another mention."""
    for entity in sorted(api(server, f"/api/articles/{slug}/entities"),
                         key=lambda e: -len(e["mentions"])):
        ids = [m["id"] for m in entity["mentions"]]
        if len(ids) < 3:
            continue
        nested = page.evaluate(
            "ids => ids.some(id => document.getElementById('m-' + id).querySelector('mark'))", ids)
        if not nested:
            return entity
    raise AssertionError("no entity with three plain mentions")


def selected_ids(page: Any) -> set[str]:
    return set(page.eval_on_selector_all("mark[data-selected]", "ms => ms.map(m => m.id)"))


def active_id(page: Any) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_click_selects_entity_and_n_p_walk_its_mentions(live_server: LiveServer, page: Any) -> None:
    page.goto(live_server.url("/articles/ramadi"))
    entity = walkable_entity(live_server, page)
    ids = [f"m-{m['id']}" for m in entity["mentions"]]
    page.locator(f"#{ids[1]}").click()
    assert page.url.split("#")[0] == live_server.url("/articles/ramadi"), "no navigation"
    expect(page.locator("#entity-panel")).to_be_visible()
    assert selected_ids(page) == set(ids)
    panel = page.locator("#entity-panel")
    expect(panel.locator("#panel-name")).to_have_text(entity["name"])
    expect(panel).to_contain_text(f"{len(ids)} mentions")
    expect(panel).to_contain_text(entity["kind"])
    expect(panel.locator("#panel-mentions a")).to_have_count(len(ids))
    hrefs = panel.locator("#panel-mentions a").evaluate_all(
        "as => as.map(a => a.getAttribute('href'))")
    assert hrefs == [f"#{i}" for i in ids]

    page.keyboard.press("n")  # counted from the clicked mention
    assert active_id(page) == ids[2]
    assert page.evaluate("location.hash") == f"#{ids[2]}"
    expect(page.locator(f"#{ids[2]}")).to_be_in_viewport()
    expect(page.locator(f"#{ids[2]}")).to_have_attribute("tabindex", "-1")
    page.keyboard.press("p")
    page.keyboard.press("p")
    assert active_id(page) == ids[0]
    assert page.evaluate("location.hash") == f"#{ids[0]}"
    page.keyboard.press("p")  # wraps to the last
    assert active_id(page) == ids[-1]
    page.locator("#panel-next").click()  # the buttons do the same
    assert page.evaluate("location.hash") == f"#{ids[0]}"
    expect(panel.locator("#panel-position")).to_have_text(f"1 of {len(ids)}")


def test_escape_clears_the_selection(live_server: LiveServer, page: Any) -> None:
    page.goto(live_server.url("/articles/ramadi"))
    entity = walkable_entity(live_server, page)
    first = f"m-{entity['mentions'][0]['id']}"
    page.locator(f"#{first}").click()
    page.keyboard.press("n")
    assert selected_ids(page)
    page.keyboard.press("Escape")
    assert selected_ids(page) == set()
    expect(page.locator("#entity-panel")).to_be_hidden()
    assert page.evaluate("location.hash") == ""


def test_close_button_clears_and_returns_focus(live_server: LiveServer, page: Any) -> None:
    page.goto(live_server.url("/articles/ramadi"))
    entity = walkable_entity(live_server, page)
    page.locator(f".index-link[data-entity-id='{entity['id']}']").click()
    assert active_id(page) == "panel-name"
    assert selected_ids(page) == {f"m-{m['id']}" for m in entity["mentions"]}
    page.keyboard.press("n")
    page.locator("#panel-close").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#entity-panel")).to_be_hidden()
    assert active_id(page) == f"m-{entity['mentions'][0]['id']}"


def test_enter_on_a_focused_mention_link_selects_instead_of_navigating(
    live_server: LiveServer, page: Any
) -> None:
    page.goto(live_server.url("/articles/ramadi"))
    entity = walkable_entity(live_server, page)
    mark = f"m-{entity['mentions'][0]['id']}"
    page.locator(f"a.mention-link:has(> #{mark})").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#entity-panel")).to_be_visible()
    assert page.url.startswith(live_server.url("/articles/ramadi"))
    assert mark in selected_ids(page)


def test_opening_a_mention_fragment_selects_and_scrolls(live_server: LiveServer, page: Any) -> None:
    entities = api(live_server, "/api/articles/ramadi/entities")
    entity = max(entities, key=lambda e: len(e["mentions"]))
    last = entity["mentions"][-1]["id"]
    page.goto(live_server.url(f"/articles/ramadi#m-{last}"))
    expect(page.locator(f"#m-{last}")).to_have_attribute("data-selected", "")
    expect(page.locator(f"#m-{last}")).to_be_in_viewport()
    assert selected_ids(page) == {f"m-{m['id']}" for m in entity["mentions"]}
    assert active_id(page) == f"m-{last}"
    expect(page.locator("#panel-name")).to_have_text(entity["name"])


def test_type_toggles_are_keyboard_checkboxes(live_server: LiveServer, page: Any) -> None:
    page.goto(live_server.url("/articles/sample"))
    box = page.get_by_role("checkbox", name=re.compile("^Locations"))
    mark = page.locator("mark[data-type=location]").first
    colour = mark.evaluate("m => getComputedStyle(m).borderBottomColor")
    box.focus()
    page.keyboard.press("Space")
    expect(box).not_to_be_checked()
    assert mark.evaluate("m => getComputedStyle(m).borderBottomColor") != colour
    assert mark.evaluate("m => getComputedStyle(m, '::after').content") == "none"
    page.keyboard.press("Space")
    expect(box).to_be_checked()


def test_without_javascript_a_mention_opens_its_entity_page(
    live_server: LiveServer, context_factory: Any
) -> None:
    page = context_factory(java_script_enabled=False).new_page()
    page.goto(live_server.url("/articles/ramadi"))
    mark = page.locator("a.mention-link > mark[data-type=location]").first
    entity_id = int(mark.get_attribute("data-entity-id"))
    entity = api(live_server, f"/api/articles/ramadi/entities/{entity_id}")
    mark.click()
    page.wait_for_url(live_server.url(f"/articles/ramadi/entities/{entity_id}"))
    expect(page.locator("h1")).to_have_text(entity["name"])
    # A nested mention, too, is inside its outer mention's link.
    nested = page.goto(live_server.url("/articles/sample"))
    assert nested is not None
    inner = page.locator("mark mark").first
    outer_href = inner.evaluate("m => m.closest('a').getAttribute('href')")
    inner.click()
    page.wait_for_url(live_server.url(outer_href))
    # Without JS the quote page shows its permalink in a read-only field.
    q = api(live_server, "/api/articles/sample/quotes")[0]
    page.goto(live_server.url(f"/articles/sample/quotes/{q['id']}"))
    field = page.get_by_label("Permalink")
    expect(field).to_have_value(live_server.url(f"/articles/sample/quotes/{q['id']}"))
    expect(page.get_by_role("button", name="Copy link")).to_be_hidden()


def test_quote_permalink_opens_in_context(live_server: LiveServer, context_factory: Any) -> None:
    for js in (True, False):
        page = context_factory(java_script_enabled=js).new_page()
        q = next(q for q in api(live_server, "/api/articles/sample/quotes") if q["speaker_id"])
        page.goto(live_server.url(f"/articles/sample/quotes/{q['id']}"))
        page.get_by_role("link", name="Read in context").click()
        page.wait_for_url(re.compile(r"/articles/sample\?quote="))
        selected = page.locator("[data-quote-selected]")
        expect(selected).to_have_count(1)
        expect(selected).to_have_attribute("id", f"q-{q['id']}")
        expect(selected).to_contain_text(q["text"])
        expect(selected).to_be_in_viewport()
        expect(page.get_by_role("status").first).to_contain_text("Showing a quote by Sam Rivers")


def test_copy_link_button_on_the_quote_page(live_server: LiveServer, context_factory: Any) -> None:
    context = context_factory()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.base_url)
    page = context.new_page()
    q = api(live_server, "/api/articles/sample/quotes")[0]
    page.goto(live_server.url(f"/articles/sample/quotes/{q['id']}"))
    page.get_by_role("button", name="Copy link").click()
    expect(page.locator("#copy-status")).to_contain_text("copied")
    assert page.evaluate("navigator.clipboard.readText()") == live_server.url(
        f"/articles/sample/quotes/{q['id']}")


SELECT_JS = """
([startText, endText]) => {
  // Select from the start of startText to the end of endText, in the article's own text nodes.
  const root = document.getElementById('article-text');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.parentElement.closest('[data-offset-skip]')) nodes.push(n);
  }
  const find = (needle, atEnd) => {
    // Search the concatenated text, then map back to (node, offset).
    const all = nodes.map(n => n.data).join('');
    const i = all.indexOf(needle);
    if (i < 0) throw new Error('not found: ' + needle);
    let target = atEnd ? i + needle.length : i;
    for (const n of nodes) {
      if (target <= n.data.length && !(atEnd === false && target === n.data.length)) {
        return [n, target];
      }
      target -= n.data.length;
    }
    throw new Error('offset out of range');
  };
  const [sn, so] = find(startText, false);
  const [en, eo] = find(endText, true);
  const range = document.createRange();
  range.setStart(sn, so);
  range.setEnd(en, eo);
  const sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
  return sel.toString();
}
"""


def marked(page: Any) -> str:
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('[data-quote-selected]'))
             .map(e => e.textContent).join('')"""
    )


def test_share_a_selected_passage_and_reopen_it_after_a_revision(
    live_server: LiveServer, context_factory: Any
) -> None:
    from app.nlp.types import Extraction
    from tests.web.conftest import SAMPLE, store_text

    context = context_factory()
    page = context.new_page()
    page.goto(live_server.url("/articles/revise"))
    # Across a nested mention, two mentions and into the next paragraph.
    chosen = page.evaluate(SELECT_JS, ["police force.", "hold the bridge"])
    assert chosen.startswith("police force.")
    share = page.get_by_role("button", name="Share quote")
    expect(share).to_be_visible()
    share.click()
    field = page.get_by_label("Permalink")
    expect(field).to_be_visible()
    permalink = field.input_value()
    assert permalink.startswith(live_server.url("/articles/revise?exact="))
    assert permalink.endswith("#passage")
    fragment = page.locator("#share-fragment").get_attribute("href")
    assert fragment.startswith("/articles/revise#:~:text=")
    page.keyboard.press("Escape")
    expect(field).to_be_hidden()

    text = api(live_server, "/api/articles/revise")["text"]
    start = text.index("police force.")
    expected = text[start : text.index("hold the bridge") + len("hold the bridge")]

    reader = context.new_page()
    reader.goto(permalink)
    assert marked(reader) == expected.replace("\n\n", "")
    expect(reader.locator("#passage")).to_be_in_viewport()
    expect(reader.locator("#passage")).to_be_focused()

    # Revise the article under the same slug: a sentence before the passage, a change after.
    revised = SAMPLE.replace("Security forces retreated", "Two new sentences arrive. They push "
                             "everything along. Security forces retreated").replace(
        "Rivers spoke by telephone.", "Rivers later spoke by telephone.")
    assert store_text(live_server.session_factory, revised, "revise").status == "revised"
    assert api(live_server, "/api/articles/revise")["text"].index("police force.") > start
    reader = context.new_page()
    reader.goto(permalink)
    assert marked(reader) == expected.replace("\n\n", "")
    expect(reader.locator("#passage")).to_be_in_viewport()
    expect(reader.get_by_role("status").first).to_contain_text("Showing a shared passage")

    # Revise it away: the link opens the article with a notice, not an error.
    store_text(live_server.session_factory, SAMPLE.replace(
        "Col. Sam Rivers of the Ramadi police force.", "a colonel.").replace(
        "“We will hold the bridge until the reinforcements arrive,” Rivers said. ", ""), "revise",
        lambda text: Extraction([], [], []))
    reader = context.new_page()
    response = reader.goto(permalink)
    assert response is not None and response.status == 200
    assert marked(reader) == ""
    expect(reader.get_by_role("status").first).to_contain_text("no longer in the article")


AXE_PAGES = [
    ("/articles/ramadi", "light", False),
    ("/articles/ramadi", "dark", False),
    ("/articles/ramadi", "light", True),
    ("/articles/ramadi", "dark", True),
    ("/articles/sample?exact=Rivers%20spoke", "light", False),
    ("/articles/sample/quotes", "light", False),
    ("/articles/sample/quotes", "dark", False),
    ("QUOTE", "light", False),
    ("QUOTE", "dark", False),
    ("ENTITY", "light", False),
    ("ENTITY", "dark", False),
    ("/", "light", False),
]


@pytest.mark.parametrize(("path", "scheme", "select"), AXE_PAGES)
def test_axe_finds_no_violations(
    live_server: LiveServer, context_factory: Any, path: str, scheme: str, select: bool
) -> None:
    if path == "QUOTE":
        path = f"/articles/sample/quotes/{api(live_server, '/api/articles/sample/quotes')[0]['id']}"
    if path == "ENTITY":
        rivers = next(e for e in api(live_server, "/api/articles/sample/entities")
                      if e["name"] == "Sam Rivers")
        path = f"/articles/sample/entities/{rivers['id']}"
    # axe is injected as an inline script, which the page's CSP rightly forbids: bypass it here.
    page = context_factory(bypass_csp=True, color_scheme=scheme).new_page()
    page.goto(live_server.url(path))
    if select:
        page.locator("mark[data-type=location]").first.click()
        page.keyboard.press("n")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """() => axe.run(document, {
             runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                             'wcag22aa', 'best-practice']}
           })"""
    )
    violations = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]
    assert violations == [], json.dumps(violations, indent=1)


def test_phone_layout_puts_the_index_below_and_the_panel_in_a_sheet(
    live_server: LiveServer, context_factory: Any
) -> None:
    page = context_factory(viewport={"width": 390, "height": 844}, is_mobile=True,
                           has_touch=True).new_page()
    page.goto(live_server.url("/articles/ramadi"))
    article = page.locator("#article").bounding_box()
    index = page.locator("#entity-index").bounding_box()
    assert index["y"] > article["y"] + article["height"] - 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("mark[data-type=location]").first.tap()
    sheet = page.locator("#entity-panel")
    expect(sheet).to_be_visible()
    box = sheet.bounding_box()
    assert box["y"] + box["height"] == pytest.approx(844, abs=2)
    assert sheet.evaluate("e => getComputedStyle(e).position") == "fixed"


def test_reading_measure_is_comfortable(live_server: LiveServer, page: Any) -> None:
    page.goto(live_server.url("/articles/ramadi"))
    chars = page.evaluate(
        """() => {
          const p = document.querySelectorAll('#article-text p.body')[1];
          const style = getComputedStyle(p);
          const probe = document.createElement('span');
          probe.textContent = p.textContent.slice(0, 400);
          probe.style.whiteSpace = 'nowrap';
          probe.style.position = 'absolute';
          p.append(probe);
          const r = probe.getBoundingClientRect();
          probe.remove();
          return {perChar: r.width / 400, width: p.clientWidth,
                  lineHeight: parseFloat(style.lineHeight) / parseFloat(style.fontSize)};
        }"""
    )
    per_line = chars["width"] / chars["perChar"]
    assert 60 <= per_line <= 80, chars
    assert 1.45 <= chars["lineHeight"] <= 1.8
