"""Save screenshots of the article page: light, dark and phone (390x844).

Usage: python -m tests.browser.screenshots [BASE_URL]  (default http://127.0.0.1:8020)
Needs a running server with the bundled article ingested as "ramadi", and /usr/bin/chromium.
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parents[2] / "static" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def take(base: str, out: Path = OUT, slug: str = "ramadi") -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    shots = [
        ("article-light.png", {"viewport": {"width": 1280, "height": 860}, "color_scheme": "light"},
         True),
        ("article-dark.png", {"viewport": {"width": 1280, "height": 860}, "color_scheme": "dark"},
         True),
        ("article-phone.png", {"viewport": {"width": 390, "height": 844}, "color_scheme": "light",
                               "device_scale_factor": 1, "is_mobile": True, "has_touch": True},
         True),
    ]
    saved = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name, options, select in shots:
            context = browser.new_context(reduced_motion="reduce", **options)
            page = context.new_page()
            page.goto(f"{base}/articles/{slug}")
            if select:
                # Show the reader in use: an entity selected, one mention current.
                mark = page.locator("mark[data-type=location]").first
                entity = mark.get_attribute("data-entity-id")
                if options["viewport"]["width"] < 600:
                    # Phone: the bottom sheet over the text, opened from a mention.
                    page.evaluate("window.scrollTo(0, 620)")
                    page.locator("#article-text mark[data-type=location]").nth(3).tap()
                else:
                    page.locator(f".index-link[data-entity-id='{entity}']").click()
                    page.keyboard.press("n")
                    page.evaluate("window.scrollTo(0, 0)")
            path = out / name
            page.screenshot(path=str(path), type="png")
            saved.append(path)
            context.close()
        browser.close()
    return saved


if __name__ == "__main__":
    for saved_path in take(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8020"):
        print(saved_path, saved_path.stat().st_size)
