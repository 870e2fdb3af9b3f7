"""The editing path in a real browser, by keyboard: sign in, switch Edit on, mark a selection
as a new entity, link a mention to another entity, merge two entities, undo."""

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import _free_port, _require_chromium
from tests.conftest import ADMIN_TOKEN, Databases

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def editing_server(tmp_path_factory: pytest.TempPathFactory, databases: Databases
                   ) -> Iterator[str]:
    _require_chromium()
    import uvicorn

    from app.db import make_engine, make_session_factory
    from app.settings import Settings
    from app.web.app import create_app
    from tests.web.conftest import SAMPLE, store_text

    directory: Path = tmp_path_factory.mktemp("editing")
    db_url = databases.migrated()
    engine = make_engine(db_url)
    store_text(make_session_factory(engine), SAMPLE, "sample")
    port = _free_port()
    app = create_app(Settings(database_url=db_url, admin_token=ADMIN_TOKEN,
                              public_url=f"http://127.0.0.1:{port}", data_dir=directory))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # a deadline, not a timing: loaded machines are slow
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()
    databases.drop(db_url)


def entities(base: str) -> dict[str, dict[str, Any]]:
    with urllib.request.urlopen(f"{base}/api/articles/sample/entities") as response:
        return {e["name"]: e for e in json.load(response)}


def edited_day(base: str) -> str:
    """The day of the newest correction, as the panel shows it ("03 Dec 2026")."""
    with urllib.request.urlopen(f"{base}/api/articles/sample/corrections") as response:
        newest = max(json.load(response), key=lambda c: c["id"])
    return datetime.fromisoformat(newest["created_at"]).strftime("%d %b %Y")


def test_editing_by_keyboard(editing_server: str, browser: Any) -> None:
    from playwright.sync_api import expect

    base = editing_server
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base}/login")
        page.get_by_label("Admin token").fill(ADMIN_TOKEN)
        page.get_by_label("Admin token").press("Enter")
        page.goto(f"{base}/articles/sample")

        # Every change is shown in place: the page is never reloaded (this mark would go).
        page.evaluate("() => { window.notReloaded = true; }")
        switch = page.locator("#edit-switch")
        switch.focus()
        page.keyboard.press("Enter")
        expect(switch).to_have_attribute("aria-pressed", "true")

        # select "Officials" (a selection is made however the reader likes), then mark it
        page.evaluate("""() => {
            const p = [...document.querySelectorAll('#article-text [data-start]')]
              .find(b => b.textContent.includes('Officials'));
            const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
            for (let n = walker.nextNode(); n; n = walker.nextNode()) {
              const i = n.data.indexOf('Officials');
              if (i >= 0) { const r = document.createRange(); r.setStart(n, i);
                r.setEnd(n, i + 9); getSelection().removeAllRanges(); getSelection().addRange(r);
                return; }
            }
        }""")
        page.keyboard.press("m")
        expect(page.locator("#edit-toolbar")).to_contain_text("Officials")
        page.keyboard.press("Tab")  # the type (actor)
        page.keyboard.press("Tab")  # the kind
        page.keyboard.type("officials")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")  # Mark as
        expect(page.locator("#edit-status button")).to_have_text("Undo")  # done
        expect(page.locator("#edit-status")).to_contain_text("Marked")
        officials = entities(base)["Officials"]
        assert officials["source"] == "editor" and officials["kind"] == "officials"
        # The new mention is in the text, and the panel is open on it at once, dated.
        expect(page.locator(f"#m-{officials['mentions'][0]['id']}")).to_have_text("Officials")
        expect(page.locator("#panel-name")).to_have_text("Officials")
        day = edited_day(base)
        expect(page.locator("#panel-edited")).to_have_text(f"edited by an editor on {day}")
        expect(page.locator("#panel-mentions")).to_contain_text(f"(marked by an editor on {day})")
        expect(page.locator("#edit-status button")).to_be_focused()

        # link the first "Anbar" to Baghdad
        anbar = entities(base)["Anbar"]
        page.locator(f"a.mention-link:has(#m-{anbar['mentions'][0]['id']})").focus()
        page.keyboard.press("Enter")
        expect(page.locator("#edit-toolbar")).to_contain_text("of Anbar")
        page.keyboard.press("Tab")  # from "Not an entity" to "Link to…"
        page.keyboard.type("Baghdad")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        expect(page.locator("#edit-status button")).to_have_text("Undo")
        expect(page.locator("#edit-status")).to_contain_text("Linked")
        assert "Anbar" in [m["text"] for m in entities(base)["Baghdad"]["mentions"]]
        expect(page.locator("#panel-name")).to_have_text("Baghdad")
        expect(page.locator("#panel-mentions")).to_contain_text(
            f"Anbar disagreed about the <script>alert(\"x\")</script> figures. "
            f"(marked by an editor on {edited_day(base)})")

        # merge Ramadi into Baghdad
        ramadi = entities(base)["Ramadi"]
        page.locator(f"a.mention-link:has(#m-{ramadi['mentions'][0]['id']})").focus()
        page.keyboard.press("Enter")
        for _ in range(7):  # Not an entity, Link to…, Link, Rename, Rename, type, Change type
            page.keyboard.press("Tab")
        page.keyboard.type("Baghdad")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        expect(page.locator("#edit-status button")).to_have_text("Undo")
        expect(page.locator("#edit-status")).to_contain_text("Merged Ramadi")
        assert "Ramadi" not in entities(base)
        expect(page.locator("#panel-name")).to_have_text("Baghdad")
        expect(page.locator("#panel-edited")).to_have_text(
            f"edited by an editor on {edited_day(base)}")
        ramadi_mark = page.locator(f"#m-{ramadi['mentions'][0]['id']}")
        expect(ramadi_mark).to_have_attribute("data-entity-id",
                                              str(entities(base)["Baghdad"]["id"]))

        # Undo is focused after the change: Enter takes the merge back
        expect(page.locator("#edit-status button")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("#edit-status")).to_contain_text("Undone")
        assert "Ramadi" in entities(base)
        ramadi = entities(base)["Ramadi"]  # the undo gave its mentions back (new ids)
        expect(page.locator(f"#m-{ramadi['mentions'][0]['id']}")).to_have_attribute(
            "data-entity-id", str(ramadi["id"]))
        assert page.evaluate("() => window.notReloaded") is True, "the page was reloaded"
        assert errors == []
    finally:
        context.close()


def test_not_an_entity_and_a_new_speaker_show_in_place(editing_server: str,
                                                       browser: Any) -> None:
    from playwright.sync_api import expect

    base = editing_server
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base}/login")
        page.get_by_label("Admin token").fill(ADMIN_TOKEN)
        page.get_by_label("Admin token").press("Enter")
        page.goto(f"{base}/articles/sample")
        page.evaluate("() => { window.notReloaded = true; }")
        page.locator("#edit-switch").click()

        rivers = entities(base)["Sam Rivers"]
        last = rivers["mentions"][-1]["id"]
        page.locator(f"#m-{last}").click()
        page.get_by_role("button", name="Not an entity").click()
        expect(page.locator("#edit-status button")).to_have_text("Undo")
        expect(page.locator(f"#m-{last}")).to_have_count(0)  # gone from the text at once
        expect(page.locator("#panel-name")).to_have_text("Sam Rivers")  # what it was of
        count = len(rivers["mentions"]) - 1
        expect(page.locator("#panel-count")).to_have_text(f"{count} mentions")

        page.locator("#article-text .quote", has_text="The streets are empty").click()
        page.get_by_label("Speaker (type to search)").fill(f"Sam Rivers #{rivers['id']}")
        page.get_by_role("button", name="Change speaker").click()
        expect(page.locator("#edit-status")).to_contain_text("Changed the speaker.")
        expect(page.locator("#panel-name")).to_have_text("Sam Rivers")  # the new speaker
        page.locator("#edit-status button").click()  # Undo
        expect(page.locator("#edit-status")).to_contain_text("Undone: Changed the speaker.")
        expect(page.locator("#panel-name")).to_be_focused()

        # A change the server refuses: the reason, and the toolbar back as it was.
        page.evaluate("""() => {
            const p = [...document.querySelectorAll('#article-text [data-start]')]
              .find(b => b.textContent.includes('police force'));
            const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
            for (let n = walker.nextNode(); n; n = walker.nextNode()) {
              const i = n.data.indexOf('police force');
              if (i >= 0) { const r = document.createRange(); r.setStart(n, i);
                r.setEnd(n, i + 12); getSelection().removeAllRanges(); getSelection().addRange(r);
                return; }
            }
        }""")
        page.keyboard.press("m")
        mark_as = page.get_by_role("button", name="Mark as")
        mark_as.focus()
        page.keyboard.press("Enter")
        expect(page.locator("#edit-status")).to_contain_text("Not done: ")
        expect(page.locator("#edit-status")).to_contain_text("overlaps mention")
        expect(mark_as).to_be_enabled()
        expect(mark_as).to_be_focused()
        assert page.evaluate("() => window.notReloaded") is True, "the page was reloaded"
        assert errors == []
    finally:
        context.close()
