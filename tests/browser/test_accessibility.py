"""Accessibility behaviours of the reader in real Chromium, beyond what axe-core checks: keyboard
selection and focus return, single-key shortcuts scoped to the reader, what is announced (and
only once), forced colours, print, reflow at 320 CSS pixels, focus never hidden under the phone
sheet, target sizes, and the contrast of the actual theme colours."""

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer
from tests.browser.test_reader import SELECT_JS, active_id, api, walkable_entity

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}

# Record every non-empty text a live region is given, in order.
WATCH_LIVE = """() => {
  window.__live = [];
  new MutationObserver((records) => {
    for (const r of records) {
      const node = r.target.nodeType === 1 ? r.target : r.target.parentElement;
      const region = node && node.closest('[role=status], [aria-live]');
      if (region && region.textContent) window.__live.push([region.id, region.textContent]);
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def live(page: Any, wait_ms: int = 250) -> list[tuple[str, str]]:
    page.wait_for_timeout(wait_ms)
    return [tuple(x) for x in page.evaluate("window.__live")]


def mention_link(page: Any, mark_id: str) -> Any:
    return page.locator(f"a.mention-link:has(> #{mark_id})")


# ---------------------------------------------------------------- keyboard


def test_enter_on_a_mention_moves_focus_into_the_panel_and_escape_brings_it_back(
    live_server: LiveServer, page: Any
) -> None:
    page.goto(live_server.url("/articles/ramadi"))
    entity = walkable_entity(live_server, page)
    mark = f"m-{entity['mentions'][1]['id']}"
    mention_link(page, mark).focus()
    page.keyboard.press("Enter")
    panel = page.get_by_role("region", name=entity["name"])
    expect(panel).to_be_visible()
    assert active_id(page) == "panel-name"
    # The panel's controls follow at once in the tab order, with names that say what they do.
    page.keyboard.press("Tab")
    assert active_id(page) == "panel-close"
    expect(page.get_by_role("button", name="Next mention")).to_have_attribute(
        "aria-keyshortcuts", "n")
    expect(page.get_by_role("button", name="Previous mention")).to_be_visible()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    assert active_id(page) == mark, "focus returns to the mention that opened the panel"
    # The focused mention opens the panel again with Enter, like its link.
    page.keyboard.press("Enter")
    expect(page.locator("#entity-panel")).to_be_visible()
    assert active_id(page) == "panel-name"
    page.locator("#panel-close").click()
    assert active_id(page) == mark


def test_the_second_skip_link_jumps_past_the_article_to_the_names(
    live_server: LiveServer, page: Any
) -> None:
    page.goto(live_server.url("/articles/ramadi"))
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the list of names")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    first = page.locator(".index-link").first
    expect(first).to_be_focused()


def test_single_key_shortcuts_only_act_in_the_reader(live_server: LiveServer, page: Any) -> None:
    page.goto(live_server.url("/articles/ramadi"))
    entity = walkable_entity(live_server, page)
    n = len(entity["mentions"])
    page.locator(f".index-link[data-entity-id='{entity['id']}']").click()
    position = page.locator("#panel-position")
    page.keyboard.press("n")
    expect(position).to_have_text(f"1 of {n}")
    # Focus in the site header (outside the reader): n and p are ordinary keys there.
    page.get_by_role("link", name="Articles", exact=True).focus()
    page.keyboard.press("n")
    page.keyboard.press("p")
    expect(position).to_have_text(f"1 of {n}")
    # In the share box's field they are typing, and Escape closes the box, not the selection.
    page.evaluate("document.activeElement.blur()")  # as after selecting text with the mouse
    page.evaluate(SELECT_JS, ["The fall of", "huge victory"])
    page.get_by_role("button", name="Share quote").click()
    field = page.get_by_label("Permalink")
    expect(field).to_be_focused()
    page.keyboard.press("n")
    page.keyboard.press("p")
    expect(position).to_have_text(f"1 of {n}")
    page.keyboard.press("Escape")
    expect(field).to_be_hidden()
    expect(page.locator("#entity-panel")).to_be_visible()
    # Focus went back to the passage's paragraph, inside the reader: the keys work again.
    assert page.evaluate("document.getElementById('reader').contains(document.activeElement)")
    page.keyboard.press("n")
    expect(position).to_have_text(f"2 of {n}")


def test_share_button_follows_the_selected_passage_in_reading_order(
    live_server: LiveServer, page: Any
) -> None:
    page.goto(live_server.url("/articles/ramadi"))
    page.evaluate(SELECT_JS, ["The fall of", "huge victory"])
    button = page.get_by_role("button", name="Share quote")
    expect(button).to_be_visible()
    block = button.evaluate("b => b.previousElementSibling.id")
    assert page.locator(f"#{block}").inner_text().startswith("The fall of")
    # The article's text offsets ignore it: the passage link is still exact.
    button.click()
    assert "exact=The%20fall%20of" in page.get_by_label("Permalink").input_value()


# ---------------------------------------------------------------- what is announced


def test_announcements_are_short_and_never_doubled(live_server: LiveServer, page: Any) -> None:
    page.goto(live_server.url("/articles/ramadi"))
    page.evaluate(WATCH_LIVE)
    entities = sorted(api(live_server, "/api/articles/ramadi/entities"),
                      key=lambda e: -len(e["mentions"]))
    first, second = entities[0], entities[1]
    page.locator(f".index-link[data-entity-id='{first['id']}']").click()
    page.wait_for_timeout(200)
    page.locator(f".index-link[data-entity-id='{second['id']}']").click()
    said = [text for region, text in live(page) if region == "reader-status"]
    assert said[0].startswith(f"{first['name']}, ") and "Press n or p" in said[0]
    assert said[-1].startswith(f"{second['name']}, ") and "Press n" not in said[-1]
    # Holding n down (five presses in one go): only where it stopped is announced.
    page.evaluate("window.__live = []")
    page.evaluate("""() => {
      for (let i = 0; i < 5; i += 1) {
        document.activeElement.dispatchEvent(
          new KeyboardEvent('keydown', {key: 'n', bubbles: true, cancelable: true}));
      }
    }""")
    said = [text for region, text in live(page) if region == "reader-status"]
    assert said == [f"Mention 5 of {len(second['mentions'])}: "
                    f"{page.locator('mark[data-current]').inner_text()}"]
    # Sharing a passage is announced by the share box alone.
    page.evaluate("window.__live = []")
    page.evaluate(SELECT_JS, ["The fall of", "huge victory"])
    page.get_by_role("button", name="Share quote").click()
    expect(page.locator("#share-status")).not_to_be_empty()
    regions = [region for region, _ in live(page)]
    assert regions == ["share-status"], live(page)


def test_repeated_copy_on_the_quote_page_is_announced_each_time(
    live_server: LiveServer, context_factory: Any
) -> None:
    context = context_factory()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.base_url)
    page = context.new_page()
    q = api(live_server, "/api/articles/sample/quotes")[0]
    page.goto(live_server.url(f"/articles/sample/quotes/{q['id']}"))
    # Every state the status line passes through, empty ones included: a screen reader only
    # announces a change, so the same message twice must be cleared in between.
    page.evaluate("""() => {
      window.__states = [];
      const status = document.getElementById('copy-status');
      new MutationObserver(() => window.__states.push(status.textContent))
        .observe(status, {childList: true, characterData: true, subtree: true});
    }""")
    status = page.get_by_role("status")
    button = page.get_by_role("button", name="Copy link")
    button.click()
    expect(status).to_have_text("Link copied to the clipboard.")
    button.click()
    page.wait_for_timeout(250)
    expect(status).to_have_text("Link copied to the clipboard.")
    states = page.evaluate("window.__states")
    message = "Link copied to the clipboard."
    assert states.count(message) == 2, states
    second = len(states) - 1 - states[::-1].index(message)
    assert "" in states[states.index(message) + 1 : second], states


def test_role_source_links_say_which_role_they_support(
    live_server: LiveServer, page: Any
) -> None:
    page.goto(live_server.url("/articles/sample"))
    rivers = next(e for e in api(live_server, "/api/articles/sample/entities")
                  if e["name"] == "Sam Rivers")
    page.locator(f".index-link[data-entity-id='{rivers['id']}']").click()
    sources = page.locator("#panel-roles a.role-source")
    expect(sources.first).to_have_text("(source)")  # what is seen is unchanged
    labels = sources.evaluate_all("as => as.map(a => a.getAttribute('aria-label'))")
    assert labels and all(re.fullmatch(r"source: Sam Rivers, .+", n) for n in labels), labels
    expect(page.get_by_role("link", name=re.compile(r"^source: Sam Rivers, "))).to_have_count(
        len(labels))


# ---------------------------------------------------------------- forced colours and print


def test_forced_colours_keep_mentions_readable_and_every_state_visible(
    live_server: LiveServer, context_factory: Any
) -> None:
    for scheme in ("dark", "light"):
        page = context_factory(color_scheme=scheme).new_page()
        page.emulate_media(forced_colors="active", color_scheme=scheme)
        page.goto(live_server.url("/articles/sample?exact=Rivers%20spoke"))
        page.locator("mark[data-type=location]").first.click()
        page.locator("#panel-next").click()  # current without focus: no focus ring to lean on
        style = page.evaluate(
            """() => {
              const cs = (sel, pseudo) => getComputedStyle(document.querySelector(sel), pseudo);
              const out = {page: getComputedStyle(document.body).backgroundColor, types: {}};
              for (const t of ['actor', 'unit', 'location']) {
                const all = `#article-text mark[data-type=${t}]`;
                const m = document.querySelector(`${all}:not([data-selected])`)
                  || document.querySelector(all);
                const s = getComputedStyle(m);
                out.types[t] = {colour: s.color, bg: s.backgroundColor,
                                line: s.borderBottomStyle, width: s.borderBottomWidth,
                                glyph: getComputedStyle(m, '::after').content};
              }
              const cur = cs('mark[data-current]');
              out.current = [cur.outlineStyle, cur.outlineWidth];
              const sel = cs('mark[data-selected]:not([data-current])');
              out.selected = sel.backgroundColor;
              const p = cs('[data-quote-selected]');
              out.passage = [p.backgroundColor, p.color];
              const item = cs('#panel-mentions a[aria-current=true]');
              out.item = [item.outlineStyle, item.outlineWidth];
              return out;
            }"""
        )
        lines = {t: v["line"] for t, v in style["types"].items()}
        assert lines == {"actor": "solid", "unit": "dashed", "location": "dotted"}, scheme
        for t, v in style["types"].items():
            assert v["colour"] != style["page"], (scheme, t, "text as dark as the page")
            assert v["width"] != "0px" and v["glyph"] not in ("none", "normal"), (scheme, t)
        assert style["current"][0] == "solid" and style["current"][1] != "0px", scheme
        assert style["selected"] not in (style["page"], "rgba(0, 0, 0, 0)"), scheme
        assert style["passage"][0] not in (style["page"], "rgba(0, 0, 0, 0)"), scheme
        assert style["passage"][0] != style["selected"], "passage and selection look alike"
        assert style["item"][0] == "solid", scheme


def test_print_keeps_the_type_cues_in_black_with_a_key(
    live_server: LiveServer, page: Any
) -> None:
    page.goto(live_server.url("/articles/sample?exact=Rivers%20spoke"))
    page.get_by_role("checkbox", name=re.compile("^Units")).uncheck()
    page.emulate_media(media="print")
    style = page.evaluate(
        """() => {
          const out = {};
          for (const t of ['actor', 'unit', 'location']) {
            const m = document.querySelector(`#article-text mark[data-type=${t}]`);
            const s = getComputedStyle(m);
            out[t] = [s.borderBottomStyle, s.borderBottomWidth, s.borderBottomColor,
                      getComputedStyle(m, '::after').content];
          }
          return out;
        }"""
    )
    black = "rgb(0, 0, 0)"
    assert style["actor"][:1] == ["solid"] and style["actor"][2] == black, style
    assert style["location"][:1] == ["dotted"] and style["location"][2] == black, style
    assert style["actor"][3] != "none" and style["location"][3] != "none", style
    assert style["unit"][2] == "rgba(0, 0, 0, 0)" and style["unit"][3] == "none", "toggled off"
    expect(page.locator(".legend-item").filter(has_text="Actors")).to_be_visible()
    expect(page.locator(".legend-item").filter(has_text="Units")).to_be_hidden()
    expect(page.locator(".legend input").first).to_be_hidden()
    expect(page.locator(".keys-help")).to_be_hidden()
    passage = page.locator("[data-quote-selected]").first
    assert "underline" in passage.evaluate("e => getComputedStyle(e).textDecorationLine")


# ---------------------------------------------------------------- layout


@pytest.mark.parametrize("path", ["/", "/articles/ramadi", "/articles/ramadi/quotes", "QUOTE",
                                  "ENTITY", "/articles/nope"])
def test_pages_reflow_at_320_css_pixels(
    live_server: LiveServer, context_factory: Any, browser: Any, path: str
) -> None:
    if path == "QUOTE":
        path = f"/articles/ramadi/quotes/{api(live_server, '/api/articles/ramadi/quotes')[0]['id']}"
    if path == "ENTITY":
        path = f"/articles/ramadi/entities/{walkable_entity_id(live_server)}"
    if path == "/articles/nope":  # the 404 is logged as a console error: watch no errors here
        context = browser.new_context(viewport={"width": 320, "height": 640})
        page = context.new_page()
    else:
        context, page = None, context_factory(viewport={"width": 320, "height": 640}).new_page()
    page.goto(live_server.url(path))
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
    if context is not None:
        context.close()


def walkable_entity_id(server: LiveServer) -> int:
    entities = api(server, "/api/articles/ramadi/entities")
    return int(max(entities, key=lambda e: len(e["mentions"]))["id"])


def test_the_phone_sheet_never_hides_the_focused_mention(
    live_server: LiveServer, context_factory: Any
) -> None:
    page = context_factory(**PHONE).new_page()
    page.goto(live_server.url("/articles/ramadi"))
    # A mention in the lower part of the screen, where the sheet will open.
    tapped = page.locator("#article-text mark[data-type=location]").nth(3)
    tapped.scroll_into_view_if_needed()
    page.evaluate("(y) => window.scrollBy(0, y)", tapped.bounding_box()["y"] - 844 * 0.8)
    tapped.tap()
    sheet = page.locator("#entity-panel")
    expect(sheet).to_be_visible()
    top = sheet.bounding_box()["y"]
    box = tapped.bounding_box()
    assert 0 < box["y"] + box["height"] <= top, "the tapped mention is hidden by the sheet"

    def focused_bottom() -> float:
        return float(page.evaluate("document.activeElement.getBoundingClientRect().bottom"))

    for _ in range(3):
        page.keyboard.press("n")
        assert page.evaluate("document.activeElement.matches('mark[data-current]')")
        assert 0 < focused_bottom() <= top, "n scrolled the mention under the sheet"
    mention_link(page, page.evaluate("document.activeElement.id")).focus()
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('#article-text')"):
            assert 0 < focused_bottom() <= top, "Tab moved focus under the sheet"


def test_controls_are_at_least_24_px_on_a_phone(
    live_server: LiveServer, context_factory: Any
) -> None:
    page = context_factory(**PHONE).new_page()
    q = api(live_server, "/api/articles/ramadi/quotes")[0]["id"]
    small: list[str] = []
    for path in ("/articles/ramadi", f"/articles/ramadi/quotes/{q}",
                 f"/articles/ramadi/entities/{walkable_entity_id(live_server)}"):
        page.goto(live_server.url(path))
        if path == "/articles/ramadi":
            page.locator("#article-text mark[data-type=actor]").first.tap()
        # Controls that are not links within a sentence (those are exempt).
        small += page.evaluate(
            """(path) => Array.from(document.querySelectorAll(
                 '.site-header a, .breadcrumbs a, button, summary, .legend-item, .index-link,'
                 + ' .panel-more a, .panel-mentions a, .skip-link'))
               .filter(e => e.getClientRects().length)
               .map(e => [e, e.getBoundingClientRect()])
               .filter(([e, r]) => r.width < 24 || r.height < 24)
               .map(([e, r]) => `${path} ${e.tagName}.${e.className} "${e.textContent.trim()}" `
                                + `${Math.round(r.width)}x${Math.round(r.height)}`)""",
            path,
        )
    assert small == [], small


# ---------------------------------------------------------------- colours


def _luminance(hex_colour: str) -> float:
    h = hex_colour.strip().lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    channels = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


TEXT_PAIRS = [(fg, bg) for fg in ("text", "muted", "link") for bg in ("bg", "surface", "surface-2")]
TEXT_PAIRS += [("text", "selected-bg"), ("link", "selected-bg"), ("muted", "selected-bg"),
               ("text", "passage-bg"), ("accent", "bg"), ("text", "notice-bg"),
               ("text", "warn-bg")]
SURFACES = ("bg", "surface", "surface-2")
# Focus rings and type lines are drawn on any surface, on a selected mention and in a passage;
# the current ring and control outlines against the page.
UI_PAIRS = [(fg, bg) for fg in ("focus", "actor", "unit", "location")
            for bg in (*SURFACES, "selected-bg", "passage-bg")]
UI_PAIRS += [(fg, bg) for fg in ("control-line", "current-ring", "passage-line") for bg in SURFACES]
UI_PAIRS += [("current-ring", "selected-bg")]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_theme_colours_meet_the_contrast_minimums(
    live_server: LiveServer, context_factory: Any, scheme: str
) -> None:
    page = context_factory(color_scheme=scheme).new_page()
    page.goto(live_server.url("/articles/sample"))
    names = sorted({n for pair in TEXT_PAIRS + UI_PAIRS for n in pair})
    tokens = page.evaluate(
        """(names) => Object.fromEntries(names.map(n =>
             [n, getComputedStyle(document.documentElement).getPropertyValue('--' + n).trim()]))""",
        names,
    )
    failures = [f"text {fg} on {bg}: {contrast(tokens[fg], tokens[bg]):.2f}"
                for fg, bg in TEXT_PAIRS if contrast(tokens[fg], tokens[bg]) < 4.5]
    failures += [f"ui {fg} on {bg}: {contrast(tokens[fg], tokens[bg]):.2f}"
                 for fg, bg in UI_PAIRS if contrast(tokens[fg], tokens[bg]) < 3]
    assert failures == [], (scheme, failures)
    # Text inside a shared passage uses the full text colour, even muted caption text.
    page.goto(live_server.url("/articles/sample?exact=Rivers%20spoke"))
    colour = page.locator("[data-quote-selected]").first.evaluate("e => getComputedStyle(e).color")
    body = page.evaluate("getComputedStyle(document.body).color")
    assert colour == body
